package cloudwatch

import (
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// CBORPathPrefix is the path prefix of Smithy RPC v2 CBOR calls:
// POST /service/GraniteServiceVersion20100801/operation/<Op>.
const CBORPathPrefix = "/service/" + TargetPrefix + "/operation/"

const cborContentType = "application/cbor"

var (
	cborDec, _ = cbor.DecOptions{
		DefaultMapType:   reflect.TypeFor[map[string]any](),
		MaxNestedLevels:  maxDepth + 4,
		MaxArrayElements: 100000,
		MaxMapPairs:      100000,
		IndefLength:      cbor.IndefLengthAllowed,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	}.DecMode()
	cborEnc, _ = cbor.EncOptions{
		Time:    cbor.TimeUnixDynamic,
		TimeTag: cbor.EncTagRequired,
	}.EncMode()
)

// cborCodec is Smithy RPC v2 CBOR (smithy.protocols#rpcv2Cbor), the protocol of the current
// AWS SDKs and CLI for CloudWatch.
type cborCodec struct{}

func (cborCodec) name() string { return "rpc-v2-cbor" }

func (cborCodec) operation(r *http.Request, _ []byte) string {
	op, ok := strings.CutPrefix(r.URL.Path, CBORPathPrefix)
	if !ok || strings.Contains(op, "/") {
		return ""
	}
	return op
}

func (cborCodec) decode(r *http.Request, body []byte, in any) error {
	if len(body) == 0 {
		return nil // operations without input members may send no body
	}
	var v any
	if err := cborDec.Unmarshal(body, &v); err != nil {
		return errf(CodeSerialization, "Malformed CBOR request body: %v", err)
	}
	d := &treeDecoder{errCode: CodeSerialization}
	return d.assign(v, reflect.ValueOf(in).Elem(), "", 0)
}

// cborTime writes a time as tag 1 epoch seconds: an integer when whole, otherwise the double
// closest to the millisecond value that does not read back (seconds × 1000, truncated, as
// smithy-go does) as the millisecond before.
func cborTime(t time.Time) any {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return cbor.Tag{Number: 1, Content: ms / 1000}
	}
	f := float64(ms) / 1000
	for i := 0; i < 4 && int64(f*1e3) < ms; i++ {
		f = math.Nextafter(f, math.Inf(1))
	}
	return cbor.Tag{Number: 1, Content: f}
}

func (cborCodec) writeResult(w http.ResponseWriter, op, requestID string, out any) {
	tree := map[string]any{}
	if out != nil {
		tree = toTree(reflect.ValueOf(out), cborTime).(map[string]any)
	}
	b, err := cborEnc.Marshal(tree)
	if err != nil {
		cborCodec{}.writeError(w, op, requestID, errf(CodeInternalService, "An internal error occurred (request id %s)", requestID))
		return
	}
	writeBody(w, http.StatusOK, cborContentType, b, true)
}

func (cborCodec) writeError(w http.ResponseWriter, op, requestID string, e *Error) {
	k := kindOf(e.Code)
	body := map[string]any{"__type": shapeID(e.Code), "message": e.Message}
	if e.Code == CodeInternalService {
		body["Message"] = e.Message // InternalServiceFault's member is Message
	}
	b, _ := cborEnc.Marshal(body)
	setQueryErrorHeader(w, e, k)
	writeBody(w, k.Status, cborContentType, b, true)
}

// setQueryErrorHeader writes x-amzn-query-error, which CloudWatch (awsQueryCompatible) sends
// on JSON and CBOR errors so that clients report the query error code ("ResourceNotFound",
// "InvalidParameterValue") instead of the shape name.
func setQueryErrorHeader(w http.ResponseWriter, e *Error, k errorKind) {
	if k.Shape != "" {
		w.Header().Set("x-amzn-query-error", e.Code+";"+k.Fault)
	}
}

func writeBody(w http.ResponseWriter, status int, contentType string, b []byte, smithy bool) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if smithy {
		h.Set("smithy-protocol", "rpc-v2-cbor")
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
