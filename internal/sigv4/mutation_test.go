package sigv4

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// maxPositions bounds the byte positions mutated per field.
const maxPositions = 512

// flips are the single-byte mutations tried at every position.
var flips = []func(byte) byte{
	func(c byte) byte { return c ^ 0x01 },
	func(c byte) byte { return c ^ 0x20 }, // case flip for letters
}

// mutated is a server-side request with its body, ready to be changed in one place.
type mutated struct {
	r    *http.Request
	body []byte
}

func cloneReq(r *http.Request, body []byte) mutated {
	c := r.Clone(r.Context())
	u := *r.URL
	c.URL = &u
	return mutated{c, bytes.Clone(body)}
}

func TestMutationsAreRejected(t *testing.T) {
	t.Parallel()
	for _, sc := range signedCases() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			req := sc.clientRequest(t, "http://autoscaling.example.com:8080")
			signGo(t, req, []byte(sc.body), sc.service, sc.region, testTime)
			base := serverSide(t, req, []byte(sc.body))
			body := []byte(sc.body)
			v := fixedVerifier()
			if _, err := v.Verify(base, body, testSecrets); err != nil {
				t.Fatalf("unmutated request rejected: %v", err)
			}
			tried := 0
			expectRejected := func(what string, m mutated) {
				t.Helper()
				tried++
				if _, err := v.Verify(m.r, m.body, testSecrets); err == nil {
					t.Errorf("%s: mutated request accepted", what)
				}
			}
			forEachFlip := func(s string, fn func(pos int, mutatedValue string)) {
				for i := 0; i < len(s) && i < maxPositions; i++ {
					for _, f := range flips {
						b := []byte(s)
						if b[i] = f(b[i]); b[i] != s[i] {
							fn(i, string(b))
						}
					}
				}
			}

			forEachFlip(base.Method, func(i int, s string) {
				m := cloneReq(base, body)
				m.r.Method = s
				expectRejected("method byte "+itoa(i), m)
			})

			forEachFlip(base.URL.EscapedPath(), func(i int, s string) {
				u, err := url.Parse(s)
				if err != nil || u.RawQuery != "" || u.Host != "" || u.Scheme != "" {
					return // not a path any more
				}
				m := cloneReq(base, body)
				m.r.URL.Path, m.r.URL.RawPath = u.Path, u.RawPath
				expectRejected("path byte "+itoa(i)+" "+s, m)
			})

			forEachFlip(base.URL.RawQuery, func(i int, s string) {
				if s[i] != base.URL.RawQuery[i]^0x01 {
					return // a case flip inside %XX or of an encoded letter may be an equivalent encoding
				}
				m := cloneReq(base, body)
				m.r.URL.RawQuery = s
				expectRejected("query byte "+itoa(i)+" "+s, m)
			})

			auth := base.Header.Get("Authorization")
			p, perr := parseAuthorization(auth, true)
			if perr != nil {
				t.Fatal(perr)
			}
			for name := range strings.SplitSeq(p.signedHeaders, ";") {
				if name == "host" {
					forEachFlip(base.Host, func(i int, s string) {
						m := cloneReq(base, body)
						m.r.Host = s
						expectRejected("host byte "+itoa(i), m)
					})
					continue
				}
				key := http.CanonicalHeaderKey(name)
				for vi, val := range base.Header[key] {
					forEachFlip(val, func(i int, s string) {
						if strings.TrimSpace(s) == strings.TrimSpace(val) || strings.Contains(s, "  ") {
							return // white space at the edges or collapsed by canonicalization
						}
						m := cloneReq(base, body)
						m.r.Header[key] = append([]string(nil), base.Header[key]...)
						m.r.Header[key][vi] = s
						expectRejected(name+" byte "+itoa(i), m)
					})
				}
			}

			forEachFlip(string(body), func(i int, s string) {
				m := cloneReq(base, body)
				m.body = []byte(s)
				expectRejected("body byte "+itoa(i), m)
			})
			if len(body) > maxPositions { // and the tail
				tail := len(body) - 1
				m := cloneReq(base, body)
				m.body[tail] ^= 1
				expectRejected("last body byte", m)
			}

			sigAt := strings.Index(auth, "Signature=") + len("Signature=")
			forEachFlip(auth[sigAt:], func(i int, s string) {
				m := cloneReq(base, body)
				m.r.Header.Set("Authorization", auth[:sigAt]+s)
				expectRejected("signature byte "+itoa(i), m)
			})

			// Unsigned headers may change freely.
			m := cloneReq(base, body)
			m.r.Header.Set("User-Agent", "something else entirely")
			m.r.Header.Set("X-Unsigned", "added")
			m.r.Header.Set("Accept-Encoding", "br")
			if _, err := v.Verify(m.r, m.body, testSecrets); err != nil {
				t.Errorf("changing unsigned headers: %v", err)
			}
			t.Logf("%d single-byte mutations, all rejected", tried)
			if tried < 50 {
				t.Errorf("only %d mutations tried", tried)
			}
		})
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}
