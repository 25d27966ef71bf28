// Package awsquery is the AWS query protocol shared by the query services of the endpoint
// (ElastiCache, IAM): form-encoded parameters with flattened list members
// (Prefix.Member.N, Prefix.Member.N.Field) in, XML <Action>Response documents and
// <ErrorResponse> faults out.
package awsquery

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// MaxListMembers bounds the members read from one list parameter.
const MaxListMembers = 1000

// Params are the form parameters of a query call.
type Params url.Values

// Parse reads a form-encoded body.
func Parse(body []byte) (Params, error) {
	v, err := url.ParseQuery(string(body))
	return Params(v), err
}

// Get returns a parameter's first value ("" when absent).
func (p Params) Get(name string) string {
	if vs := p[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Has reports whether a parameter is present (even empty).
func (p Params) Has(name string) bool { _, ok := p[name]; return ok }

// List returns the string members of a list (prefix.member.1, prefix.member.2, ...); member
// is the list's member name in the model ("member" when it has none).
func (p Params) List(prefix, member string) []string {
	var out []string
	for i := 1; i <= MaxListMembers; i++ {
		v, ok := p[prefix+"."+member+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			break
		}
		out = append(out, v[0])
	}
	return out
}

// Structs returns the members of a list of structures, each as its own Params (the
// parameters under prefix.member.N. with that prefix removed).
func (p Params) Structs(prefix, member string) []Params {
	var out []Params
	for i := 1; i <= MaxListMembers; i++ {
		pre := prefix + "." + member + "." + strconv.Itoa(i) + "."
		sub := Params{}
		for k, v := range p {
			if strings.HasPrefix(k, pre) {
				sub[strings.TrimPrefix(k, pre)] = v
			}
		}
		if len(sub) == 0 {
			break
		}
		out = append(out, sub)
	}
	return out
}

// WriteResult writes a successful <Action>Response in namespace xmlns; out (nil for an empty
// result) encodes as the <Action>Result element. It returns the encoding error, having
// written nothing, so that the caller answers a fault instead.
func WriteResult(w http.ResponseWriter, xmlns, action, reqID string, out any) error {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + xmlns + `">`)
	if out == nil {
		b.WriteString("<" + action + "Result/>")
	} else if err := xml.NewEncoder(&b).Encode(out); err != nil {
		return err
	}
	b.WriteString("<ResponseMetadata><RequestId>" + reqID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + action + "Response>")
	writeBody(w, http.StatusOK, b.Bytes())
	return nil
}

// WriteError writes an <ErrorResponse> fault: fault is "Sender" or "Receiver".
func WriteError(w http.ResponseWriter, xmlns, reqID string, status int, fault, code, message string) {
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + xmlns + `"><Error><Type>` + fault + `</Type><Code>`)
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(message))
	b.WriteString("</Message></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
	writeBody(w, status, b.Bytes())
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
