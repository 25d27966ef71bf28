package cloudwatch

import (
	"bytes"
	"encoding/xml"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// XMLNamespace is the namespace of query protocol responses.
const XMLNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// APIVersion is the query protocol Version of CloudWatch.
const APIVersion = "2010-08-01"

const formContentType = "application/x-www-form-urlencoded"

// maxListMembers bounds a query list (PutMetricData's 1000 data are the largest list).
const maxListMembers = 2000

// queryCodec is the AWS query protocol: form-encoded POST bodies (Action=...&Version=...),
// flattened member names (Dimensions.member.1.Name), XML responses.
type queryCodec struct{}

func (queryCodec) name() string { return "query" }

func parseForm(r *http.Request, body []byte) (url.Values, error) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	// Parameters may also come in the URL of a POST.
	for k, vs := range r.URL.Query() {
		if _, ok := v[k]; !ok {
			v[k] = vs
		}
	}
	return v, nil
}

func (queryCodec) operation(r *http.Request, body []byte) string {
	v, err := parseForm(r, body)
	if err != nil {
		return ""
	}
	return v.Get("Action")
}

func (queryCodec) decode(r *http.Request, body []byte, in any) error {
	v, err := parseForm(r, body)
	if err != nil {
		return errf(CodeMalformedQuery, "The request body is not a valid form encoding.")
	}
	if ver := v.Get("Version"); ver != "" && ver != APIVersion {
		return errf(CodeInvalidAction, "Could not find operation %s for version %s", v.Get("Action"), ver)
	}
	dst := reflect.ValueOf(in).Elem()
	tree, _ := queryTree(v, "", dst.Type(), 0)
	if tree == nil {
		return nil
	}
	d := &treeDecoder{stringly: true, errCode: CodeInvalidParameterValue}
	return d.assign(tree, dst, "", 0)
}

// queryTree builds the generic value of a member of type t from the flattened parameters
// under prefix; present is false when no parameter names the member.
func queryTree(v url.Values, prefix string, t reflect.Type, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && t != timeType:
		m := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if sub, ok := queryTree(v, join(prefix, f.Name), f.Type, depth+1); ok {
				m[f.Name] = sub
			}
		}
		if len(m) == 0 && prefix != "" {
			return nil, false
		}
		return m, true
	case t.Kind() == reflect.Slice:
		var l []any
		for i := 1; i <= maxListMembers; i++ {
			sub, ok := queryTree(v, prefix+".member."+strconv.Itoa(i), t.Elem(), depth+1)
			if !ok {
				break
			}
			l = append(l, sub)
		}
		if l == nil {
			// An empty list is sent as the bare prefix with an empty value.
			if vs, ok := v[prefix]; ok && len(vs) > 0 && vs[0] == "" {
				return []any{}, true
			}
			return nil, false
		}
		return l, true
	case t.Kind() == reflect.Map:
		m := map[string]any{}
		for i := 1; i <= maxListMembers; i++ {
			entry := prefix + ".entry." + strconv.Itoa(i)
			k, ok := v[entry+".key"]
			if !ok || len(k) == 0 {
				break
			}
			if sub, ok := queryTree(v, entry+".value", t.Elem(), depth+1); ok {
				m[k[0]] = sub
			}
		}
		if len(m) == 0 {
			return nil, false
		}
		return m, true
	}
	vs, ok := v[prefix]
	if !ok || len(vs) == 0 {
		return nil, false
	}
	return vs[0], true
}

func (queryCodec) writeResult(w http.ResponseWriter, op, requestID string, out any) {
	var b bytes.Buffer
	b.WriteString(`<` + op + `Response xmlns="` + XMLNamespace + `">`)
	if out != nil {
		b.WriteString("<" + op + "Result>")
		writeXMLMembers(&b, reflect.ValueOf(out))
		b.WriteString("</" + op + "Result>")
	}
	b.WriteString("<ResponseMetadata><RequestId>" + requestID + "</RequestId></ResponseMetadata>")
	b.WriteString("</" + op + "Response>")
	writeBody(w, http.StatusOK, "text/xml", b.Bytes(), false)
}

func (queryCodec) writeError(w http.ResponseWriter, op, requestID string, e *Error) {
	k := kindOf(e.Code)
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="` + XMLNamespace + `"><Error><Type>` + k.Fault + `</Type><Code>`)
	xmlText(&b, e.Code)
	b.WriteString("</Code><Message>")
	xmlText(&b, e.Message)
	b.WriteString("</Message></Error><RequestId>" + requestID + "</RequestId></ErrorResponse>")
	writeBody(w, k.Status, "text/xml", b.Bytes(), false)
}

func xmlText(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

// writeXMLMembers writes the members of a structure (nil pointers and nil slices left out).
func writeXMLMembers(b *bytes.Buffer, v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		fv := v.Field(i)
		if !f.IsExported() {
			continue
		}
		if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.IsNil() {
			continue
		}
		writeXMLValue(b, f.Name, fv)
	}
}

func writeXMLValue(b *bytes.Buffer, name string, v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	b.WriteString("<" + name + ">")
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			b.WriteString(v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z"))
		} else {
			writeXMLMembers(b, v)
		}
	case reflect.Slice:
		for i := range v.Len() {
			writeXMLValue(b, "member", v.Index(i))
		}
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString("<entry><key>")
			xmlText(b, k)
			b.WriteString("</key>")
			writeXMLValue(b, "value", v.MapIndex(reflect.ValueOf(k)))
			b.WriteString("</entry>")
		}
	case reflect.String:
		xmlText(b, v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float64, reflect.Float32:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	}
	b.WriteString("</" + name + ">")
}

// isForm reports whether a request carries a form-encoded body.
func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.EqualFold(mt, formContentType)
}
