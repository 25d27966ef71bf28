package authn

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// Protocol is the wire protocol of a request, which decides how a refusal is written.
type Protocol uint8

// The protocols of the APIs served on the endpoint.
const (
	// ProtocolUnknown: a request of no known API; refusals are written as AWS JSON.
	ProtocolUnknown Protocol = iota
	// ProtocolAWSJSON11: Application Auto Scaling (X-Amz-Target AnyScaleFrontendService.*).
	ProtocolAWSJSON11
	// ProtocolAWSJSON10: CloudWatch in AWS JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801.*).
	ProtocolAWSJSON10
	// ProtocolRPCv2CBOR: CloudWatch in Smithy RPC v2 CBOR.
	ProtocolRPCv2CBOR
	// ProtocolQuery: a form POST (CloudWatch, ElastiCache, IAM, or one signed for no service
	// served here).
	ProtocolQuery
	// ProtocolRESTJSON: Lambda.
	ProtocolRESTJSON
)

func (p Protocol) String() string {
	switch p {
	case ProtocolAWSJSON11:
		return "awsJson1_1"
	case ProtocolAWSJSON10:
		return "awsJson1_0"
	case ProtocolRPCv2CBOR:
		return "rpcv2Cbor"
	case ProtocolQuery:
		return "awsQuery"
	case ProtocolRESTJSON:
		return "restJson1"
	}
	return "unknown"
}

// The SigV4 signing names of the APIs served on the endpoint.
const (
	ServiceAutoScaling = "application-autoscaling"
	ServiceCloudWatch  = "monitoring"
	ServiceElastiCache = "elasticache"
	ServiceLambda      = "lambda"
	ServiceIAM         = "iam"
)

// actionPrefix is the IAM service prefix of each signing name.
var actionPrefix = map[string]string{
	ServiceAutoScaling: "application-autoscaling",
	ServiceCloudWatch:  "cloudwatch",
	ServiceElastiCache: "elasticache",
	ServiceLambda:      "lambda",
	ServiceIAM:         "iam",
}

// Wire markers of the protocols.
const (
	aasTargetPrefix = "AnyScaleFrontendService."
	cwTargetPrefix  = "GraniteServiceVersion20100801."
	cborPathPrefix  = "/service/GraniteServiceVersion20100801/operation/"
	formType        = "application/x-www-form-urlencoded"
)

// Operation is what a request asks for, as far as authentication and authorization go.
type Operation struct {
	Protocol Protocol
	// Service is the signing name the request must be signed for; "" when no API served
	// here owns the request.
	Service string
	// Name is the API operation (DescribeScalableTargets, Invoke); "" when it cannot be
	// named (an unknown Lambda route, a form without Action, a malformed name).
	Name string
	// Action is the IAM action ("application-autoscaling:DescribeScalableTargets",
	// "lambda:InvokeFunction"); "" when Name is.
	Action string
	// resources computes the resource ARNs of the request in an account and region; nil
	// for actions checked on "*".
	resources func(account, region string) []string
}

// Resources returns the resources AWS would check the action on, in the caller's account
// and region: ARNs where the request names them, else ["*"].
func (o Operation) Resources(account, region string) []string {
	if o.resources == nil {
		return []string{"*"}
	}
	if rs := o.resources(account, region); len(rs) > 0 {
		return rs
	}
	return []string{"*"}
}

// Classify tells the protocol, service, operation and resources of a request from its
// headers, path and full body. It never fails: what it cannot recognise is
// ProtocolUnknown, or an Operation without a Name. The order of the checks is the routing
// order of the server: the Application Auto Scaling target, the CloudWatch CBOR path, the
// CloudWatch JSON target, a form POST signed for monitoring, elasticache or iam, a Lambda
// path.
func Classify(r *http.Request, body []byte) Operation {
	target := r.Header.Get("X-Amz-Target")
	path := r.URL.Path
	switch {
	case strings.HasPrefix(target, aasTargetPrefix):
		op := Operation{Protocol: ProtocolAWSJSON11, Service: ServiceAutoScaling}
		op.setName(target[len(aasTargetPrefix):], "")
		return op
	case strings.HasPrefix(path, cborPathPrefix):
		op := Operation{Protocol: ProtocolRPCv2CBOR, Service: ServiceCloudWatch}
		op.setName(path[len(cborPathPrefix):], "")
		op.resources = cloudWatchResources(op.Name, func() fields { return cborFields(body) })
		return op
	case strings.HasPrefix(target, cwTargetPrefix):
		op := Operation{Protocol: ProtocolAWSJSON10, Service: ServiceCloudWatch}
		op.setName(target[len(cwTargetPrefix):], "")
		op.resources = cloudWatchResources(op.Name, func() fields { return jsonFields(body) })
		return op
	}
	if r.Method == http.MethodPost && isForm(r) {
		cred, _ := credentialOf(r)
		switch cred.Service {
		case ServiceCloudWatch, ServiceElastiCache, ServiceIAM:
			form := formValues(r, body)
			op := Operation{Protocol: ProtocolQuery, Service: cred.Service}
			op.setName(first(form["Action"]), "")
			switch cred.Service {
			case ServiceCloudWatch:
				op.resources = cloudWatchResources(op.Name, func() fields { return formFields(form) })
			case ServiceElastiCache:
				op.resources = elastiCacheResources(form)
			case ServiceIAM:
				op.resources = iamResources(op.Name, form)
			}
			return op
		}
		if !isLambdaPath(path) {
			return Operation{Protocol: ProtocolQuery}
		}
	}
	if isLambdaPath(path) {
		return classifyLambda(r, body)
	}
	return Operation{}
}

// setName sets Name and Action when name is a plausible operation name (1 to 128 ASCII
// letters and digits); action overrides the IAM action name when it differs.
func (o *Operation) setName(name, action string) {
	if !validName(name) {
		return
	}
	o.Name = name
	if action == "" {
		action = name
	}
	o.Action = actionPrefix[o.Service] + ":" + action
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isForm reports whether a request carries a form-encoded body.
func isForm(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.EqualFold(mt, formType)
}

// formValues are the parameters of a query call: the form body and, as the query services
// also read them, the URL's query parameters.
func formValues(r *http.Request, body []byte) url.Values {
	v, _ := url.ParseQuery(string(inflate(r, body)))
	if v == nil {
		v = url.Values{}
	}
	if r.URL.RawQuery != "" {
		q, _ := url.ParseQuery(r.URL.RawQuery)
		for k, vs := range q {
			v[k] = append(v[k], vs...)
		}
	}
	return v
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
