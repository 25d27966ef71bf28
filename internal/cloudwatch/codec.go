package cloudwatch

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// codec is one wire protocol. Operations are written once against Go structs whose field
// names are the model's member names; a codec reads the input structure from a request and
// writes the output structure or an error.
type codec interface {
	// name is the protocol name used in logs.
	name() string
	// operation is the operation a request calls ("" when it names none).
	operation(r *http.Request, body []byte) string
	// decode fills in (a pointer to an input structure) from the request body.
	decode(r *http.Request, body []byte, in any) error
	// writeResult writes a successful response; out is a pointer to an output structure or nil
	// for operations without output.
	writeResult(w http.ResponseWriter, op, requestID string, out any)
	// writeError writes an error response.
	writeError(w http.ResponseWriter, op, requestID string, e *Error)
}

// maxBodyBytes bounds a request body (CloudWatch's own limit for PutMetricData is 1 MB).
const maxBodyBytes = 2 << 20

// maxDepth bounds the nesting of decoded values.
const maxDepth = 16

// treeDecoder assigns a generic decoded value (map[string]any, []any, string, bool, numbers,
// time.Time) to a Go value. With stringly (the query protocol) leaves are strings converted to
// the target type. Errors name the member path.
type treeDecoder struct {
	stringly bool
	// errCode is the error code of a malformed value.
	errCode string
}

var timeType = reflect.TypeFor[time.Time]()

func (d *treeDecoder) fail(path string, src any, want string) *Error {
	if d.stringly {
		return invalidValue(path, src)
	}
	return errf(d.errCode, "Unexpected %s for member %s, expected %s", describe(src), pathOrRoot(path), want)
}

func pathOrRoot(p string) string {
	if p == "" {
		return "the input"
	}
	return p
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case map[string]any:
		return "structure"
	case []any:
		return "list"
	case time.Time:
		return "timestamp"
	case nil:
		return "null"
	case []byte:
		return "blob"
	case int64, uint64, float64, json.Number, float32:
		return "number"
	}
	return "value"
}

func (d *treeDecoder) assign(src any, dst reflect.Value, path string, depth int) error {
	if depth > maxDepth {
		return errf(d.errCode, "Input is nested too deeply")
	}
	if src == nil {
		return nil // null is the same as absent
	}
	t := dst.Type()
	switch t.Kind() {
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		if err := d.assign(src, v.Elem(), path, depth+1); err != nil {
			return err
		}
		dst.Set(v)
		return nil
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			return d.fail(path, src, "a string")
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		switch v := src.(type) {
		case bool:
			dst.SetBool(v)
			return nil
		case string:
			if d.stringly && (v == "true" || v == "false") {
				dst.SetBool(v == "true")
				return nil
			}
		}
		return d.fail(path, src, "a boolean")
	case reflect.Int32, reflect.Int64, reflect.Int:
		n, ok := d.integer(src, t.Bits())
		if !ok {
			return d.fail(path, src, "an integer")
		}
		dst.SetInt(n)
		return nil
	case reflect.Float64:
		f, ok := d.float(src)
		if !ok {
			return d.fail(path, src, "a number")
		}
		dst.SetFloat(f)
		return nil
	case reflect.Struct:
		if t == timeType {
			tm, ok := d.time(src)
			if !ok {
				return d.fail(path, src, "a timestamp")
			}
			dst.Set(reflect.ValueOf(tm))
			return nil
		}
		m, ok := src.(map[string]any)
		if !ok {
			return d.fail(path, src, "a structure")
		}
		for k, v := range m {
			f, ok := t.FieldByName(k)
			if !ok || !f.IsExported() || k == "" || k[0] < 'A' || k[0] > 'Z' {
				if d.stringly {
					continue
				}
				return errf(d.errCode, "Unknown member %s", join(path, k))
			}
			if err := d.assign(v, dst.FieldByIndex(f.Index), join(path, k), depth+1); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		l, ok := src.([]any)
		if !ok {
			return d.fail(path, src, "a list")
		}
		s := reflect.MakeSlice(t, len(l), len(l))
		for i, v := range l {
			if v == nil {
				return errf(d.errCode, "Unexpected null in list %s", pathOrRoot(path))
			}
			if err := d.assign(v, s.Index(i), fmt.Sprintf("%s.member.%d", path, i+1), depth+1); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		m, ok := src.(map[string]any)
		if !ok {
			return d.fail(path, src, "a map")
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, v := range m {
			ev := reflect.New(t.Elem()).Elem()
			if v == nil {
				continue
			}
			if err := d.assign(v, ev, join(path, k), depth+1); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k), ev)
		}
		dst.Set(out)
		return nil
	}
	return errf(CodeInternalService, "cannot decode into %s", t)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func (d *treeDecoder) integer(src any, bits int) (int64, bool) {
	var n int64
	switch v := src.(type) {
	case int64:
		n = v
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		n = int64(v)
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, false
		}
		n = int64(v)
	case json.Number:
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return 0, false
		}
		n = i
	case string:
		if !d.stringly {
			return 0, false
		}
		i, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, false
		}
		n = i
	default:
		return 0, false
	}
	if bits == 32 && (n > math.MaxInt32 || n < math.MinInt32) {
		return 0, false
	}
	return n, true
}

func (d *treeDecoder) float(src any) (float64, bool) {
	switch v := src.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int64:
		return float64(v), true
	case uint64:
		return float64(v), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, true
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !isRangeErr(err) {
			return 0, false
		}
		return f, true
	case string:
		// JSON and CBOR clients send the non-finite doubles as strings.
		switch v {
		case "NaN":
			return math.NaN(), true
		case "Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
		if d.stringly {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil && !isRangeErr(err) {
				return 0, false
			}
			return f, true
		}
	}
	return 0, false
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// maxEpochSeconds bounds decoded timestamps (year 5138).
const maxEpochSeconds = 1e11

func epochTime(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.Abs(f) > maxEpochSeconds {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}

func (d *treeDecoder) time(src any) (time.Time, bool) {
	switch v := src.(type) {
	case time.Time:
		if v.Unix() > maxEpochSeconds || v.Unix() < -maxEpochSeconds {
			return time.Time{}, false
		}
		return v.UTC(), true
	case string:
		if !d.stringly {
			return time.Time{}, false
		}
		return parseISOTime(v)
	}
	f, ok := d.float(src)
	if !ok {
		return time.Time{}, false
	}
	return epochTime(f)
}

// parseISOTime reads the query protocol's ISO 8601 timestamps (and, leniently, epoch seconds).
func parseISOTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Unix() > maxEpochSeconds || t.Unix() < -maxEpochSeconds {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return epochTime(f)
	}
	return time.Time{}, false
}

// toTree turns an output structure into a generic value for the JSON and CBOR codecs: nil
// pointers and nil slices are left out, non-nil empty slices are kept as empty lists, and
// times become what timeFn makes of them.
func toTree(v reflect.Value, timeFn func(time.Time) any) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toTree(v.Elem(), timeFn)
	case reflect.Struct:
		if v.Type() == timeType {
			return timeFn(v.Interface().(time.Time))
		}
		m := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if (fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.IsNil() {
				continue
			}
			m[f.Name] = toTree(fv, timeFn)
		}
		return m
	case reflect.Slice:
		l := make([]any, v.Len())
		for i := range l {
			l[i] = toTree(v.Index(i), timeFn)
		}
		return l
	case reflect.Map:
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			m[it.Key().String()] = toTree(it.Value(), timeFn)
		}
		return m
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Float64, reflect.Float32:
		return v.Float()
	}
	return nil
}
