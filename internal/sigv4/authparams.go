package sigv4

import (
	"net/http"
	"net/url"
	"strings"
)

const algorithm = "AWS4-HMAC-SHA256"

// authParams are the signature inputs of a request, from its Authorization header or,
// for presigned requests, from its query string.
type authParams struct {
	presigned     bool
	credential    string // AKID/DATE/REGION/SERVICE/aws4_request
	signedHeaders string // e.g. host;x-amz-date
	signature     string // lower-case hex
	date          string // the request timestamp as sent
	dateHeader    string // canonical name of the header date came from ("" when presigned)
	expires       string // X-Amz-Expires (presigned only; may be empty)
}

// extractAuth finds the signature inputs of r: the Authorization header, else query auth.
func extractAuth(r *http.Request) (authParams, *Error) {
	auth := r.Header["Authorization"]
	if len(auth) > 0 && strings.TrimSpace(auth[0]) == "" {
		auth = nil // a blank header counts as none
	}
	hasQueryAlgo := r.URL != nil && strings.Contains(r.URL.RawQuery, "Algorithm")
	var q url.Values
	if hasQueryAlgo {
		q, _ = url.ParseQuery(r.URL.RawQuery) // a partly malformed query still yields the good pairs
		_, hasQueryAlgo = q["X-Amz-Algorithm"]
	}
	switch {
	case len(auth) > 0 && hasQueryAlgo:
		return authParams{}, errSignature("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case len(auth) > 0:
		dateHeader := "X-Amz-Date"
		date := firstHeader(r.Header, dateHeader)
		if date == "" {
			dateHeader = "Date"
			date = firstHeader(r.Header, dateHeader)
		}
		p, err := parseAuthorization(auth[0], date != "")
		if err != nil {
			return authParams{}, err
		}
		p.date, p.dateHeader = date, dateHeader
		return p, nil
	case hasQueryAlgo:
		return queryAuth(q)
	}
	return authParams{}, errMissing()
}

func firstHeader(h http.Header, canonicalName string) string {
	if v := h[canonicalName]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseAuthorization parses an Authorization header value. haveDate says whether the request
// carries an X-Amz-Date or Date header (AWS reports its absence with the missing parameters).
func parseAuthorization(h string, haveDate bool) (authParams, *Error) {
	trimmed := strings.TrimSpace(h)
	algo, rest, _ := strings.Cut(trimmed, " ")
	var p authParams
	if algo == algorithm {
		for rest != "" {
			var tok string
			if i := strings.IndexAny(rest, ", \t"); i >= 0 {
				tok, rest = rest[:i], rest[i+1:]
			} else {
				tok, rest = rest, ""
			}
			if tok == "" {
				continue
			}
			k, v, ok := strings.Cut(tok, "=")
			if !ok {
				return authParams{}, errIncomplete("'" + tok + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + trimmed + "'.")
			}
			switch k { // the last occurrence of a key wins, as on AWS
			case "Credential":
				p.credential = v
			case "SignedHeaders":
				p.signedHeaders = v
			case "Signature":
				p.signature = v
			}
		}
	} else if strings.HasPrefix(algo, "AWS4-") {
		return authParams{}, errIncomplete("Unsupported AWS 'algorithm': '" + algo + "' (only AWS4-HMAC-SHA256 for now). ")
	}
	var msg strings.Builder
	if p.credential == "" {
		msg.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if p.signature == "" {
		msg.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if p.signedHeaders == "" {
		msg.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !haveDate {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=")
		msg.WriteString(h)
		return authParams{}, errIncomplete(msg.String())
	}
	return p, nil
}

// queryAuth reads presigned-URL auth parameters.
func queryAuth(q url.Values) (authParams, *Error) {
	if q.Get("X-Amz-Algorithm") != algorithm {
		return authParams{}, errMissing()
	}
	p := authParams{
		presigned:     true,
		credential:    q.Get("X-Amz-Credential"),
		signature:     q.Get("X-Amz-Signature"),
		signedHeaders: q.Get("X-Amz-SignedHeaders"),
		date:          q.Get("X-Amz-Date"),
		expires:       q.Get("X-Amz-Expires"),
	}
	var msg strings.Builder
	for _, m := range []struct{ name, v string }{
		{"X-Amz-Credential", p.credential},
		{"X-Amz-Signature", p.signature},
		{"X-Amz-SignedHeaders", p.signedHeaders},
		{"X-Amz-Date", p.date},
	} {
		if m.v == "" {
			msg.WriteString("AWS query-string parameters must include '" + m.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return authParams{}, errIncomplete(msg.String())
	}
	return p, nil
}
