package authn

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// lambdaResource says which resource a Lambda route is checked on.
type lambdaResource uint8

const (
	// lambdaNone: "*" (ListFunctions, GetAccountSettings).
	lambdaNone lambdaResource = iota
	// lambdaFunction: the function named in the path, qualified when the path name or the
	// Qualifier query parameter carries a version or alias.
	lambdaFunction
	// lambdaBodyFunction: the function named by the FunctionName member of the JSON body
	// (CreateFunction).
	lambdaBodyFunction
	// lambdaARN: the ARN in the path (tags).
	lambdaARN
)

// LambdaRoute is one route of the Lambda REST API: its method, API version and path
// pattern ({FunctionName}, {Name}, {StatementId}, {Resource} match one segment), the
// operation and its IAM action.
type LambdaRoute struct {
	Method    string
	Pattern   string
	Operation string
	Action    string
	resource  lambdaResource
}

// LambdaRoutes is the route table of the Lambda operations autoscaled knows, from the
// Lambda model (its HTTP bindings) and the Lambda service authorization reference (the
// IAM action of each operation: Invoke and InvokeWithResponseStream are
// lambda:InvokeFunction). A route that is not in the table is authorized only for
// principals allowed "lambda:*".
var LambdaRoutes = []LambdaRoute{
	{"POST", "/2015-03-31/functions", "CreateFunction", "CreateFunction", lambdaBodyFunction},
	{"GET", "/2015-03-31/functions", "ListFunctions", "ListFunctions", lambdaNone},
	{"GET", "/2015-03-31/functions/{FunctionName}", "GetFunction", "GetFunction", lambdaFunction},
	{"DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction", "DeleteFunction", lambdaFunction},
	{"GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration", "GetFunctionConfiguration", lambdaFunction},
	{"PUT", "/2015-03-31/functions/{FunctionName}/configuration", "UpdateFunctionConfiguration", "UpdateFunctionConfiguration", lambdaFunction},
	{"PUT", "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode", "UpdateFunctionCode", lambdaFunction},
	{"POST", "/2015-03-31/functions/{FunctionName}/versions", "PublishVersion", "PublishVersion", lambdaFunction},
	{"GET", "/2015-03-31/functions/{FunctionName}/versions", "ListVersionsByFunction", "ListVersionsByFunction", lambdaFunction},
	{"POST", "/2015-03-31/functions/{FunctionName}/aliases", "CreateAlias", "CreateAlias", lambdaFunction},
	{"GET", "/2015-03-31/functions/{FunctionName}/aliases", "ListAliases", "ListAliases", lambdaFunction},
	{"GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "GetAlias", "GetAlias", lambdaFunction},
	{"PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "UpdateAlias", "UpdateAlias", lambdaFunction},
	{"DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "DeleteAlias", "DeleteAlias", lambdaFunction},
	{"POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke", "InvokeFunction", lambdaFunction},
	{"POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", "InvokeWithResponseStream", "InvokeFunction", lambdaFunction},
	{"POST", "/2014-11-13/functions/{FunctionName}/invoke-async", "InvokeAsync", "InvokeAsync", lambdaFunction},
	{"GET", "/2015-03-31/functions/{FunctionName}/policy", "GetPolicy", "GetPolicy", lambdaFunction},
	{"POST", "/2015-03-31/functions/{FunctionName}/policy", "AddPermission", "AddPermission", lambdaFunction},
	{"DELETE", "/2015-03-31/functions/{FunctionName}/policy/{StatementId}", "RemovePermission", "RemovePermission", lambdaFunction},
	{"PUT", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "PutProvisionedConcurrencyConfig", "PutProvisionedConcurrencyConfig", lambdaFunction},
	{"GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "GetProvisionedConcurrencyConfig", "GetProvisionedConcurrencyConfig", lambdaFunction},
	{"DELETE", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "DeleteProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig", lambdaFunction},
	// GET .../provisioned-concurrency?List=ALL: routes with a query condition match first.
	{"GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL", "ListProvisionedConcurrencyConfigs", "ListProvisionedConcurrencyConfigs", lambdaFunction},
	{"PUT", "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency", "PutFunctionConcurrency", lambdaFunction},
	{"DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", "DeleteFunctionConcurrency", "DeleteFunctionConcurrency", lambdaFunction},
	{"GET", "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency", "GetFunctionConcurrency", lambdaFunction},
	{"GET", "/2016-08-19/account-settings", "GetAccountSettings", "GetAccountSettings", lambdaNone},
	{"GET", "/2017-03-31/tags/{Resource}", "ListTags", "ListTags", lambdaARN},
	{"POST", "/2017-03-31/tags/{Resource}", "TagResource", "TagResource", lambdaARN},
	{"DELETE", "/2017-03-31/tags/{Resource}", "UntagResource", "UntagResource", lambdaARN},
}

// isLambdaPath reports whether a path has the /YYYY-MM-DD/ prefix of Lambda's REST API (the
// only REST API on the endpoint).
func isLambdaPath(p string) bool {
	if len(p) < 12 || p[0] != '/' || p[11] != '/' {
		return false
	}
	for i := 1; i <= 10; i++ {
		c := p[i]
		if i == 5 || i == 8 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// lambdaSegments splits an escaped path into its unescaped segments, without the empty
// segment a trailing slash leaves (older SDKs send /2016-08-19/account-settings/).
func lambdaSegments(escaped string) []string {
	escaped = strings.TrimSuffix(strings.TrimPrefix(escaped, "/"), "/")
	segs := strings.Split(escaped, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	return segs
}

// MatchLambdaRoute finds the route of a Lambda request and the values of its path
// parameters.
func MatchLambdaRoute(method, escapedPath string, query url.Values) (LambdaRoute, map[string]string, bool) {
	segs := lambdaSegments(escapedPath)
	// Routes with a query condition (?List=ALL) first: they share a path with another.
	for _, withQuery := range []bool{true, false} {
		for _, rt := range LambdaRoutes {
			pattern, cond, hasQuery := strings.Cut(rt.Pattern, "?")
			if rt.Method != method || hasQuery != withQuery {
				continue
			}
			if hasQuery {
				k, v, _ := strings.Cut(cond, "=")
				if query.Get(k) != v {
					continue
				}
			}
			if params, ok := matchPattern(pattern, segs); ok {
				return rt, params, true
			}
		}
	}
	return LambdaRoute{}, nil, false
}

func matchPattern(pattern string, segs []string) (map[string]string, bool) {
	ps := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	if len(ps) != len(segs) {
		return nil, false
	}
	var params map[string]string
	for i, p := range ps {
		if len(p) > 2 && p[0] == '{' && p[len(p)-1] == '}' {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}

// classifyLambda classifies a request on a Lambda path.
func classifyLambda(r *http.Request, body []byte) Operation {
	op := Operation{Protocol: ProtocolRESTJSON, Service: ServiceLambda}
	var query url.Values
	if r.URL.RawQuery != "" {
		query, _ = url.ParseQuery(r.URL.RawQuery)
	}
	rt, params, ok := MatchLambdaRoute(r.Method, r.URL.EscapedPath(), query)
	if !ok {
		return op
	}
	op.setName(rt.Operation, rt.Action)
	switch rt.resource {
	case lambdaFunction:
		fn, qualifiers := params["FunctionName"], query["Qualifier"]
		op.resources = func(account, region string) []string {
			return lambdaFunctionARNs(fn, qualifiers, account, region)
		}
	case lambdaBodyFunction:
		op.resources = func(account, region string) []string {
			var in struct{ FunctionName any }
			if json.NewDecoder(bytes.NewReader(body)).Decode(&in) != nil {
				return []string{"*"}
			}
			fn, ok := in.FunctionName.(string)
			if !ok {
				return []string{"*"}
			}
			return lambdaFunctionARNs(fn, nil, account, region)
		}
	case lambdaARN:
		res := params["Resource"]
		op.resources = func(string, string) []string { return []string{res} }
	}
	return op
}

// lambdaFunctionARNs returns the ARN of a function named as Lambda accepts it (a name, a
// partial ARN ACCOUNT:function:NAME, or a full ARN, each optionally with :QUALIFIER), with
// each Qualifier parameter that differs from a qualifier in the name as another ARN. A full
// or partial ARN keeps its own account and region: that is the resource AWS checks.
func lambdaFunctionARNs(fn string, qualifiers []string, account, region string) []string {
	name, qual := fn, ""
	parts := strings.Split(fn, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function":
		region, account, name = parts[3], parts[4], parts[6]
		qual = strings.Join(parts[7:], ":")
	case len(parts) >= 3 && parts[1] == "function":
		account, name = parts[0], parts[2]
		qual = strings.Join(parts[3:], ":")
	case len(parts) >= 2:
		name, qual = parts[0], strings.Join(parts[1:], ":")
	}
	base := "arn:" + autoscaling.Partition + ":lambda:" + region + ":" + account + ":function:" + name
	var out []string
	if qual != "" {
		out = append(out, base+":"+qual)
	}
	for _, q := range qualifiers {
		if q != "" && q != qual {
			out = append(out, base+":"+q)
		}
	}
	if len(out) == 0 {
		out = append(out, base)
	}
	return out
}
