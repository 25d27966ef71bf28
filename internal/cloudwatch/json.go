package cloudwatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

const jsonContentType = "application/x-amz-json-1.0"

// jsonCodec is AWS JSON 1.0 (POST / with X-Amz-Target: GraniteServiceVersion20100801.<Op>).
type jsonCodec struct{}

func (jsonCodec) name() string { return "json" }

func (jsonCodec) operation(r *http.Request, _ []byte) string {
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix+".")
	return op
}

func (jsonCodec) decode(r *http.Request, body []byte, in any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return errf(CodeSerialization, "Malformed JSON request body: %s", jsonErrText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errf(CodeSerialization, "Unexpected content after the JSON document")
	}
	d := &treeDecoder{errCode: CodeSerialization}
	return d.assign(v, reflect.ValueOf(in).Elem(), "", 0)
}

func jsonErrText(err error) string {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonTime writes epoch seconds with millisecond precision.
type jsonTime time.Time

func (t jsonTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func jsonTimeOf(t time.Time) any { return jsonTime(t) }

func (jsonCodec) writeResult(w http.ResponseWriter, op, requestID string, out any) {
	tree := map[string]any{}
	if out != nil {
		tree = doubles(toTree(reflect.ValueOf(out), jsonTimeOf)).(map[string]any)
	}
	b, err := json.Marshal(tree)
	if err != nil {
		jsonCodec{}.writeError(w, op, requestID, errf(CodeInternalService, "An internal error occurred (request id %s)", requestID))
		return
	}
	writeBody(w, http.StatusOK, jsonContentType, b, false)
}

func (jsonCodec) writeError(w http.ResponseWriter, op, requestID string, e *Error) {
	k := kindOf(e.Code)
	body := map[string]string{"__type": shapeID(e.Code), "message": e.Message}
	if e.Code == CodeInternalService {
		body["Message"] = e.Message
	}
	b, _ := json.Marshal(body)
	setQueryErrorHeader(w, e, k)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	writeBody(w, k.Status, jsonContentType, b, false)
}

// jsonDouble is a double as AWS writes it in JSON: with a fraction (50.0, not 50), so that
// clients that keep JSON's int/float distinction (botocore) see a float, as from AWS.
type jsonDouble float64

func (d jsonDouble) MarshalJSON() ([]byte, error) {
	f := float64(d)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return json.Marshal(fmt.Sprint(f))
	}
	b := strconv.AppendFloat(nil, f, 'g', -1, 64)
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, '.', '0')
	}
	return b, nil
}

// doubles replaces the float64 values of a result tree with jsonDouble.
func doubles(v any) any {
	switch x := v.(type) {
	case float64:
		return jsonDouble(x)
	case map[string]any:
		for k, e := range x {
			x[k] = doubles(e)
		}
	case []any:
		for i, e := range x {
			x[i] = doubles(e)
		}
	}
	return v
}
