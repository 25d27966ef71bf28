package authn

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	ec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Principals of the tests: every one has its own policy.
const (
	account1 = "111111111111"
	account2 = "222222222222"
	secret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTKEY"
)

const principalsFile = `{"principals": [
  {"name": "alice", "accessKeyId": "AKIAALICE", "secretAccessKey": "` + secret + `", "accountId": "` + account1 + `", "policy": "*"},
  {"name": "bob", "accessKeyId": "AKIABOB", "secretAccessKey": "` + secret + `", "accountId": "` + account2 + `", "policy": "*"},
  {"name": "reader", "accessKeyId": "AKIAREADER", "secretAccessKey": "` + secret + `", "accountId": "` + account1 + `",
   "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}},
  {"name": "denied", "accessKeyId": "AKIADENIED", "secretAccessKey": "` + secret + `", "accountId": "` + account1 + `",
   "policy": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "*", "Resource": "*"},
     {"Effect": "Deny", "Action": ["application-autoscaling:DescribeScalableTargets", "cloudwatch:DescribeAlarms",
       "elasticache:DescribeReplicationGroups", "iam:GetRole", "lambda:InvokeFunction"], "Resource": "*"}]}},
  {"name": "wild", "accessKeyId": "AKIAWILD", "secretAccessKey": "` + secret + `", "accountId": "` + account1 + `",
   "policy": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": ["application-autoscaling:Describe*", "cloudwatch:Describe*", "elasticache:Describe*", "iam:Get*", "lambda:Invoke*"],
      "Resource": ["*"]}]}},
  {"name": "scoped", "accessKeyId": "AKIASCOPED", "secretAccessKey": "` + secret + `", "accountId": "` + account1 + `",
   "policy": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "application-autoscaling:*", "Resource": "*"},
     {"Effect": "Allow", "Action": "*", "Resource": [
       "arn:aws:cloudwatch:*:` + account1 + `:alarm:cpu-*",
       "arn:aws:elasticache:*:` + account1 + `:replicationgroup:rg-1",
       "arn:aws:iam::` + account1 + `:role/aws-service-role/*",
       "arn:aws:lambda:*:` + account1 + `:function:my-fn:*"]}]}}
]}`

// loadPrincipals writes the principals file and loads it.
func loadPrincipals(t testing.TB) *auth.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "principals.json")
	if err := os.WriteFile(path, []byte(principalsFile), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := auth.NewStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// callerHeader carries the Caller the echo handler saw.
const callerHeader = "X-Test-Caller"

// echo is the inner handler: it answers each API's call with a minimal valid response and
// reports the Caller in a header.
func echo(t testing.TB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := FromContext(r.Context())
		if !ok && !Public(r) {
			t.Errorf("no caller in the context of %s %s", r.Method, r.URL)
		}
		body, _ := io.ReadAll(r.Body)
		if r.ContentLength > 0 && int64(len(body)) != r.ContentLength {
			t.Errorf("handler read %d bytes of %d", len(body), r.ContentLength)
		}
		name := ""
		if c.Principal != nil {
			name = c.Principal.Name
		}
		w.Header().Set(callerHeader, strings.Join([]string{c.AccountID, name, c.AccessKeyID, c.Region, c.Service, c.Action}, "|"))
		switch c.Protocol {
		case ProtocolAWSJSON11:
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(`{"ScalableTargets":[]}`))
		case ProtocolRPCv2CBOR:
			w.Header().Set("Content-Type", "application/cbor")
			w.Header().Set("smithy-protocol", "rpc-v2-cbor")
			_, _ = w.Write([]byte{0xa0})
		case ProtocolQuery:
			w.Header().Set("Content-Type", "text/xml")
			switch c.Service {
			case ServiceElastiCache:
				_, _ = w.Write([]byte(`<DescribeReplicationGroupsResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><DescribeReplicationGroupsResult><ReplicationGroups/></DescribeReplicationGroupsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>`))
			case ServiceIAM:
				_, _ = w.Write([]byte(`<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>arn:aws:iam::111111111111:role/r</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></Role></GetRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetRoleResponse>`))
			default:
				_, _ = w.Write([]byte(`<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsResult/><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeAlarmsResponse>`))
			}
		case ProtocolRESTJSON:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	})
}

// server runs the middleware around echo; it counts the responses by status.
type server struct {
	*httptest.Server
	throttled atomic.Int64
}

func newServer(t testing.TB, o Options) *server {
	t.Helper()
	s := &server{}
	h := New(o).Wrap(echo(t))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.throttled || bytes.Contains(rec.body, []byte("Rate exceeded")) {
			s.throttled.Add(1)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

type statusRecorder struct {
	http.ResponseWriter
	throttled bool
	body      []byte
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if len(r.body) < 4096 {
		r.body = append(r.body, b...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) WriteHeader(code int) {
	et := r.Header().Get("X-Amzn-ErrorType") + r.Header().Get("x-amzn-query-error")
	r.throttled = strings.Contains(et, "Throttl") || strings.Contains(et, "TooManyRequests") || code == http.StatusTooManyRequests
	r.ResponseWriter.WriteHeader(code)
}

// clientConfig is how a test calls one API.
type clientConfig struct {
	endpoint    string
	creds       aws.CredentialsProvider
	region      string
	apiOptions  []func(*middleware.Stack) error
	maxAttempts int
}

func (c clientConfig) retryer() func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = c.maxAttempts
			o.MaxBackoff = 200 * time.Millisecond
		})
	}
}

func static(akid string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(akid, secret, "")
}

// api is one API as the tests call it with its SDK client.
type api struct {
	name     string
	query    bool   // errors carry query codes
	action   string // the IAM action of the call
	resource func(account, region string) string
	call     func(ctx context.Context, c clientConfig) (http.Header, error)
}

func rawHeader(md middleware.Metadata) http.Header {
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return r.Header
	}
	return nil
}

var apis = []api{
	{name: "application-autoscaling", action: "application-autoscaling:DescribeScalableTargets",
		resource: func(string, string) string { return "*" },
		call: func(ctx context.Context, c clientConfig) (http.Header, error) {
			cl := aas.New(aas.Options{Region: c.region, Credentials: c.creds, BaseEndpoint: aws.String(c.endpoint), APIOptions: c.apiOptions, Retryer: c.retryer()()})
			out, err := cl.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
			if err != nil {
				return nil, err
			}
			return rawHeader(out.ResultMetadata), nil
		}},
	{name: "cloudwatch-cbor", query: true, action: "cloudwatch:DescribeAlarms",
		resource: func(a, r string) string { return "arn:aws:cloudwatch:" + r + ":" + a + ":alarm:cpu-high" },
		call: func(ctx context.Context, c clientConfig) (http.Header, error) {
			cl := cw.New(cw.Options{Region: c.region, Credentials: c.creds, BaseEndpoint: aws.String(c.endpoint), APIOptions: c.apiOptions, Retryer: c.retryer()()})
			out, err := cl.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"cpu-high"}})
			if err != nil {
				return nil, err
			}
			return rawHeader(out.ResultMetadata), nil
		}},
	{name: "elasticache", query: true, action: "elasticache:DescribeReplicationGroups",
		resource: func(a, r string) string { return "arn:aws:elasticache:" + r + ":" + a + ":replicationgroup:rg-1" },
		call: func(ctx context.Context, c clientConfig) (http.Header, error) {
			cl := ec.New(ec.Options{Region: c.region, Credentials: c.creds, BaseEndpoint: aws.String(c.endpoint), APIOptions: c.apiOptions, Retryer: c.retryer()()})
			out, err := cl.DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("rg-1")})
			if err != nil {
				return nil, err
			}
			return rawHeader(out.ResultMetadata), nil
		}},
	{name: "iam", query: true, action: "iam:GetRole",
		resource: func(a, _ string) string {
			return "arn:aws:iam::" + a + ":role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency"
		},
		call: func(ctx context.Context, c clientConfig) (http.Header, error) {
			cl := iam.New(iam.Options{Region: c.region, Credentials: c.creds, BaseEndpoint: aws.String(c.endpoint), APIOptions: c.apiOptions, Retryer: c.retryer()()})
			out, err := cl.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency")})
			if err != nil {
				return nil, err
			}
			return rawHeader(out.ResultMetadata), nil
		}},
	{name: "lambda", action: "lambda:InvokeFunction",
		resource: func(a, r string) string { return "arn:aws:lambda:" + r + ":" + a + ":function:my-fn:prod" },
		call: func(ctx context.Context, c clientConfig) (http.Header, error) {
			cl := lambda.New(lambda.Options{Region: c.region, Credentials: c.creds, BaseEndpoint: aws.String(c.endpoint), APIOptions: c.apiOptions, Retryer: c.retryer()()})
			out, err := cl.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("my-fn"), Qualifier: aws.String("prod"), Payload: []byte(`{"k":"v"}`)})
			if err != nil {
				return nil, err
			}
			return rawHeader(out.ResultMetadata), nil
		}},
}

// afterSigning rewrites the signed request before it is sent.
func afterSigning(fn func(*smithyhttp.Request) (*smithyhttp.Request, error)) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("test-after-signing",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req, err := fn(req)
					if err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					in.Request = req
				}
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}

// changeBody appends a space to the signed body.
func changeBody(req *smithyhttp.Request) (*smithyhttp.Request, error) {
	var b []byte
	if s := req.GetStream(); s != nil {
		var err error
		if b, err = io.ReadAll(s); err != nil {
			return nil, err
		}
	}
	b = append(b, ' ')
	req.ContentLength = int64(len(b))
	return req.SetStream(bytes.NewReader(b))
}

// apiError returns the code and message of an SDK error.
func apiError(t testing.TB, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

// callerOf splits the caller header.
func callerOf(t testing.TB, h http.Header) []string {
	t.Helper()
	v := h.Get(callerHeader)
	parts := strings.Split(v, "|")
	if len(parts) != 6 {
		t.Fatalf("caller header %q", v)
	}
	return parts
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// signedRequest builds a request signed with the SDK's signer for a service.
func signedRequest(t testing.TB, method, url string, body []byte, service, akid string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body = http.NoBody
	}
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), service, "eu-west-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}
