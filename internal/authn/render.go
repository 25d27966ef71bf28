package authn

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"

	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/iampolicy"
	"github.com/autoscaled/autoscaled/internal/sigv4"
	"github.com/fxamacker/cbor/v2"
)

// refusal is an error the middleware answers with, in every protocol's spelling.
type refusal struct {
	// jsonCode is the code of the JSON, CBOR and REST protocols; queryCode the query
	// protocol's (and CloudWatch's x-amzn-query-error); lambdaCode Lambda's when it differs.
	jsonCode, queryCode, lambdaCode string
	// status is the HTTP status; aasStatus (Application Auto Scaling) and lambdaStatus
	// override it when set.
	status, aasStatus, lambdaStatus int
	// message is the text; queryMessage the query protocol's when it differs.
	message, queryMessage string
	// retryAfter is the Retry-After of a throttled Lambda call, in seconds (0: none).
	retryAfter int
	// lambdaReason is the Reason member of Lambda's TooManyRequestsException.
	lambdaReason string
}

// signatureRefusal is the refusal of a failed signature verification.
func signatureRefusal(e *sigv4.Error) *refusal {
	q := e.ForQuery()
	return &refusal{jsonCode: e.Code, queryCode: q.Code, status: e.Status, message: e.Message, queryMessage: q.Message}
}

// accessDenied is AWS's refusal of an action a policy does not allow. Application Auto
// Scaling answers it with 400, as the AWS JSON services do; the query services and Lambda
// with 403.
func accessDenied(userARN, action, resource string, d iampolicy.Decision) *refusal {
	why := "because no identity-based policy allows the " + action + " action"
	if d == iampolicy.ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", userARN, action, resource, why)
	return &refusal{jsonCode: "AccessDeniedException", queryCode: "AccessDenied", status: http.StatusForbidden,
		aasStatus: http.StatusBadRequest, message: msg}
}

// throttled is the refusal of a call over the account's rate limit. The SDKs retry all
// three codes (ThrottlingException, Throttling, TooManyRequestsException).
func throttled(retryAfter int) *refusal {
	return &refusal{jsonCode: "ThrottlingException", queryCode: "Throttling", lambdaCode: "TooManyRequestsException",
		status: http.StatusBadRequest, lambdaStatus: http.StatusTooManyRequests, message: "Rate exceeded",
		retryAfter: max(retryAfter, 1), lambdaReason: "CallerRateLimitExceeded"}
}

// tooLarge is the refusal of a body over the limit.
func tooLarge(limit int64) *refusal {
	return &refusal{jsonCode: "RequestEntityTooLargeException", queryCode: "RequestEntityTooLarge",
		lambdaCode: "RequestTooLargeException", status: http.StatusRequestEntityTooLarge,
		message: fmt.Sprintf("Request must be smaller than %d bytes.", limit)}
}

// unreadable is the refusal of a body that could not be read.
func unreadable() *refusal {
	return &refusal{jsonCode: "SerializationException", queryCode: "MalformedInput", lambdaCode: "InvalidRequestContentException",
		status: http.StatusBadRequest, message: "The request body could not be read."}
}

// XML namespaces of the query services' responses.
var queryNamespace = map[string]string{
	ServiceCloudWatch:  "http://monitoring.amazonaws.com/doc/2010-08-01/",
	ServiceElastiCache: "http://elasticache.amazonaws.com/doc/2015-02-02/",
	ServiceIAM:         "https://iam.amazonaws.com/doc/2010-05-08/",
}

var cborEncMode, _ = cbor.EncOptions{}.EncMode()

// write answers a refusal in the protocol of op.
func (e *refusal) write(w http.ResponseWriter, op Operation) {
	reqID := awsjson.NewRequestID()
	h := w.Header()
	h.Set("x-amzn-RequestId", reqID)
	status := e.status
	var body []byte
	switch op.Protocol {
	case ProtocolQuery:
		msg := e.message
		if e.queryMessage != "" {
			msg = e.queryMessage
		}
		var b bytes.Buffer
		b.WriteString("<ErrorResponse")
		if ns := queryNamespace[op.Service]; ns != "" {
			b.WriteString(` xmlns="` + ns + `"`)
		}
		b.WriteString("><Error><Type>Sender</Type><Code>")
		_ = xml.EscapeText(&b, []byte(e.queryCode))
		b.WriteString("</Code><Message>")
		_ = xml.EscapeText(&b, []byte(msg))
		b.WriteString("</Message></Error><RequestId>" + reqID + "</RequestId></ErrorResponse>")
		body = b.Bytes()
		h.Set("Content-Type", "text/xml")
	case ProtocolRPCv2CBOR:
		body, _ = cborEncMode.Marshal(map[string]string{"__type": e.jsonCode, "message": e.message})
		h.Set("Content-Type", "application/cbor")
		h.Set("smithy-protocol", "rpc-v2-cbor")
		h.Set("x-amzn-query-error", e.queryCode+";Sender")
	case ProtocolAWSJSON10:
		body, _ = json.Marshal(map[string]string{"__type": e.jsonCode, "message": e.message})
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("X-Amzn-ErrorType", e.jsonCode)
		h.Set("x-amzn-query-error", e.queryCode+";Sender")
	case ProtocolRESTJSON:
		code := e.jsonCode
		if e.lambdaCode != "" {
			code = e.lambdaCode
		}
		if e.lambdaStatus != 0 {
			status = e.lambdaStatus
		}
		m := map[string]string{"Type": "User", "message": e.message}
		if e.lambdaReason != "" {
			m["Reason"] = e.lambdaReason
		}
		if e.retryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(e.retryAfter))
		}
		body, _ = json.Marshal(m)
		h.Set("Content-Type", "application/json")
		h.Set("X-Amzn-ErrorType", code)
	default: // AWS JSON 1.1: Application Auto Scaling, and requests of no known API
		if op.Protocol == ProtocolAWSJSON11 && e.aasStatus != 0 {
			status = e.aasStatus
		}
		body, _ = json.Marshal(map[string]string{"__type": e.jsonCode, "message": e.message})
		h.Set("Content-Type", awsjson.ContentType)
		h.Set("X-Amzn-ErrorType", e.jsonCode)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
