package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	amzDateFormat = "20060102T150405Z"
	scopeDate     = "20060102"
	maxExpires    = 7 * 24 * 60 * 60 // a week, as for S3 presigned URLs
)

// parseRequestTime parses the request timestamp: ISO 8601 basic format, or, from a Date
// header, also the HTTP date formats.
func parseRequestTime(s, header string) (time.Time, *Error) {
	// The length check keeps out forms time.Parse tolerates, like a one-digit hour.
	if len(s) == len(amzDateFormat) {
		if t, err := time.Parse(amzDateFormat, s); err == nil {
			return t, nil
		}
	}
	if header == "Date" {
		if t, err := http.ParseTime(s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errIncomplete("Date must be in ISO-8601 'basic format'. Got '" + s + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

// checkTime rejects a request time outside [now-skew, now+skew] (header auth), or, for a
// presigned request with X-Amz-Expires, outside [t-skew, t+expires].
func checkTime(p *authParams, t, now time.Time, skew time.Duration) *Error {
	now = now.UTC().Truncate(time.Second)
	if t.After(now.Add(skew)) {
		return errSignature("Signature not yet current: " + t.Format(amzDateFormat) + " is still later than " +
			now.Add(skew).Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " + " + skewText(skew) + ".)")
	}
	if p.presigned && p.expires != "" {
		n, err := strconv.Atoi(p.expires)
		if err != nil || n < 1 || n > maxExpires {
			return errIncomplete("X-Amz-Expires must be a number of seconds between 1 and 604800; got '" + p.expires + "'.")
		}
		if end := t.Add(time.Duration(n) * time.Second); now.After(end) {
			return errSignature("Signature expired: " + end.Format(amzDateFormat) + " is now earlier than " +
				now.Format(amzDateFormat) + " (" + t.Format(amzDateFormat) + " + " + p.expires + " sec.)")
		}
		return nil
	}
	if t.Before(now.Add(-skew)) {
		return errSignature("Signature expired: " + t.Format(amzDateFormat) + " is now earlier than " +
			now.Add(-skew).Format(amzDateFormat) + " (" + now.Format(amzDateFormat) + " - " + skewText(skew) + ".)")
	}
	return nil
}

func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

// checkScope parses the credential AKID/DATE/REGION/SERVICE/aws4_request and checks it
// against the request time and the expected service and region ("" = any). It returns
// the credential and the scope string (the part after the access key id).
func checkScope(raw string, t time.Time, wantService, wantRegion string) (Credential, string, *Error) {
	cred := strings.TrimRight(raw, "/") // AWS ignores trailing slashes
	if strings.Count(cred, "/") != 4 {
		return Credential{}, "", errIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + raw + "'")
	}
	akid, scope, _ := strings.Cut(cred, "/")
	date, rest, _ := strings.Cut(scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	var msg string
	if region == "" || (wantRegion != "" && region != wantRegion) {
		msg += "Credential should be scoped to a valid region, not '" + region + "'. "
	}
	if service == "" || (wantService != "" && service != wantService) {
		msg += "Credential should be scoped to correct service: '" + wantService + "'. "
	}
	if term != "aws4_request" {
		msg += "Credential should be scoped with a valid terminator: 'aws4_request', not '" + term + "'. "
	}
	var ymd [8]byte
	if string(t.AppendFormat(ymd[:0], scopeDate)) != date {
		msg += "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
			date + "' != '" + t.Format(scopeDate) + "', from '" + t.Format(amzDateFormat) + "'."
	}
	if msg != "" {
		return Credential{}, "", errSignature(msg)
	}
	if akid == "" {
		return Credential{}, "", errUnrecognized()
	}
	return Credential{AccessKeyID: akid, Date: date, Region: region, Service: service}, scope, nil
}
