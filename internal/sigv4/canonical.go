package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEscaped URI-encodes s per SigV4: every byte but the RFC 3986 unreserved ones
// (and '/' when keepSlash) becomes %XX with upper-case hex.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// appendCanonicalURI appends the canonical URI of an escaped request path. Every service
// but S3 encodes the (already percent-encoded) path once more, as the AWS SDKs and
// botocore do: "/functions/f%3ABLUE" signs as "/functions/f%253ABLUE". normalize removes
// empty and dot segments first, as botocore does before signing.
func appendCanonicalURI(b []byte, escapedPath string, s3, normalize bool) []byte {
	if escapedPath == "" {
		return append(b, '/')
	}
	if s3 {
		return append(b, escapedPath...)
	}
	if normalize {
		escapedPath = removeDotSegments(escapedPath)
	}
	return appendEscaped(b, escapedPath, true)
}

// removeDotSegments is botocore's path normalization: drop empty and "." segments, let
// ".." remove the previous one, keep the leading and (for a non-empty result) trailing slash.
func removeDotSegments(p string) string {
	if p == "" {
		return "/"
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	first, last := "", ""
	if p[0] == '/' {
		first = "/"
	}
	if p[len(p)-1] == '/' && len(out) > 0 {
		last = "/"
	}
	return first + strings.Join(out, "/") + last
}

// needsNormalizing reports whether removeDotSegments would change p.
func needsNormalizing(p string) bool {
	return p != "" && p != "/" && removeDotSegments(p) != p
}

// appendCanonicalQuery appends the canonical query string of rawQuery: each name and value
// decoded, then encoded per RFC 3986, the pairs sorted by encoded name, then value.
// skipSignature drops X-Amz-Signature (presigned requests).
func appendCanonicalQuery(b []byte, rawQuery string, skipSignature bool) []byte {
	if rawQuery == "" {
		return b
	}
	type pair struct{ k, v string }
	var pairs []pair
	var enc []byte
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = queryUnescape(k), queryUnescape(v)
		if skipSignature && k == "X-Amz-Signature" {
			continue
		}
		enc = appendEscaped(enc[:0], k, false)
		ek := string(enc)
		enc = appendEscaped(enc[:0], v, false)
		pairs = append(pairs, pair{ek, string(enc)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.k...)
		b = append(b, '=')
		b = append(b, p.v...)
	}
	return b
}

// queryUnescape decodes a query component ('+' is a space); a malformed escape is kept
// as sent (and then re-encoded, so the signature will not match).
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// appendCanonicalHeaders appends "name:value\n" for each signed header, in the order the
// client listed them. Values are trimmed with runs of spaces collapsed; repeated headers
// are joined with commas. host comes from r.Host.
func appendCanonicalHeaders(b []byte, r *http.Request, signedHeaders string) []byte {
	for name := range strings.SplitSeq(signedHeaders, ";") {
		b = append(b, name...)
		b = append(b, ':')
		if strings.EqualFold(name, "host") {
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			b = appendTrimmed(b, host)
		} else {
			vals := headerValues(r.Header, name)
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
			if len(vals) == 0 && strings.EqualFold(name, "content-length") && r.ContentLength > 0 {
				b = strconv.AppendInt(b, r.ContentLength, 10) // client-side requests keep it out of Header
			}
		}
		b = append(b, '\n')
	}
	return b
}

// headerValues looks name up in h without allocating for names of up to 128 bytes.
func headerValues(h http.Header, name string) []string {
	var buf [128]byte
	if len(name) > len(buf) {
		return h.Values(name)
	}
	k := buf[:len(name)]
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenChar(c) {
			return h[name] // textproto leaves such names as they are
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		k[i] = c
		upper = c == '-'
	}
	return h[string(k)]
}

func tokenChar(c byte) bool { return tokenTable[c] }

// tokenTable marks the bytes allowed in an HTTP header name (RFC 7230 tchar).
var tokenTable = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", c)
	}
	return t
}()

// appendTrimmed appends v without leading and trailing white space and with runs of
// spaces collapsed to one (the SigV4 Trimall).
func appendTrimmed(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}
