package authn

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	ec "github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// outcome is what a case expects of every API.
type outcome struct {
	jsonCode, queryCode string
	// message is the expected message, or its prefix when it ends with "...".
	message func(a api, region string) string
	// caller is the expected account|principal of a success.
	account, principal string
}

func exact(s string) func(api, string) string { return func(api, string) string { return s } }

func TestSDKClientsWithPrincipals(t *testing.T) {
	t.Parallel()
	principals := loadPrincipals(t)
	srv := newServer(t, Options{Principals: principals})
	stale := newServer(t, Options{Principals: principals, Now: func() time.Time { return time.Now().Add(20 * time.Minute) }})
	const region = "eu-west-1"

	cases := []struct {
		name     string
		endpoint string
		creds    aws.CredentialsProvider
		opts     []func(*middleware.Stack) error
		want     outcome
	}{
		{name: "unsigned", creds: aws.AnonymousCredentials{},
			want: outcome{jsonCode: "MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken"}},
		{name: "malformed authorization", creds: static("AKIAALICE"),
			opts: []func(*middleware.Stack) error{afterSigning(func(r *smithyhttp.Request) (*smithyhttp.Request, error) {
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAALICE/20240101/eu-west-1")
				return r, nil
			})},
			want: outcome{jsonCode: "IncompleteSignatureException", queryCode: "IncompleteSignature"}},
		{name: "unknown key", creds: static("AKIAUNKNOWN"),
			want: outcome{jsonCode: "UnrecognizedClientException", queryCode: "InvalidClientTokenId",
				message: exact("The security token included in the request is invalid.")}},
		{name: "wrong secret", creds: keyPair("AKIAALICE", "not-the-secret"),
			want: outcome{jsonCode: "InvalidSignatureException", queryCode: "SignatureDoesNotMatch",
				message: exact("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")}},
		{name: "changed body", creds: static("AKIAALICE"), opts: []func(*middleware.Stack) error{afterSigning(changeBody)},
			want: outcome{jsonCode: "InvalidSignatureException", queryCode: "SignatureDoesNotMatch"}},
		{name: "stale date", endpoint: stale.URL, creds: static("AKIAALICE"),
			want: outcome{jsonCode: "InvalidSignatureException", queryCode: "SignatureDoesNotMatch", message: exact("Signature expired: ...")}},
		{name: "allowed", creds: static("AKIAALICE"), want: outcome{account: account1, principal: "alice"}},
		{name: "other account", creds: static("AKIABOB"), want: outcome{account: account2, principal: "bob"}},
		{name: "wildcard actions", creds: static("AKIAWILD"), want: outcome{account: account1, principal: "wild"}},
		{name: "resource-scoped policy", creds: static("AKIASCOPED"), want: outcome{account: account1, principal: "scoped"}},
		{name: "denied by default", creds: static("AKIAREADER"),
			want: outcome{jsonCode: "AccessDeniedException", queryCode: "AccessDenied", message: func(a api, region string) string {
				return "User: arn:aws:iam::" + account1 + ":user/reader is not authorized to perform: " + a.action + " on resource: " +
					a.resource(account1, region) + " because no identity-based policy allows the " + a.action + " action"
			}}},
		{name: "explicit deny over allow", creds: static("AKIADENIED"),
			want: outcome{jsonCode: "AccessDeniedException", queryCode: "AccessDenied", message: func(a api, region string) string {
				return "User: arn:aws:iam::" + account1 + ":user/denied is not authorized to perform: " + a.action + " on resource: " +
					a.resource(account1, region) + " with an explicit deny in an identity-based policy"
			}}},
	}
	for _, tc := range cases {
		for _, a := range apis {
			t.Run(tc.name+"/"+a.name, func(t *testing.T) {
				t.Parallel()
				endpoint := srv.URL
				if tc.endpoint != "" {
					endpoint = tc.endpoint
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				h, err := a.call(ctx, clientConfig{endpoint: endpoint, creds: tc.creds, region: region, apiOptions: tc.opts, maxAttempts: 1})
				if tc.want.jsonCode == "" {
					if err != nil {
						t.Fatalf("call failed: %v", err)
					}
					c := callerOf(t, h)
					if c[0] != tc.want.account || c[1] != tc.want.principal || c[5] != a.action {
						t.Fatalf("caller = %v, want account %s principal %s action %s", c, tc.want.account, tc.want.principal, a.action)
					}
					if a.name != "iam" && c[3] != region {
						t.Errorf("caller region = %s", c[3])
					}
					return
				}
				if err == nil {
					t.Fatalf("call succeeded, want %s", tc.want.jsonCode)
				}
				code, msg := apiError(t, err)
				want := tc.want.jsonCode
				if a.query {
					want = tc.want.queryCode
				}
				if code != want {
					t.Errorf("code = %s (%s), want %s", code, msg, want)
				}
				if tc.want.message != nil {
					wm := tc.want.message(a, region)
					if p, ok := strings.CutSuffix(wm, "..."); ok {
						if !strings.HasPrefix(msg, p) {
							t.Errorf("message = %q, want prefix %q", msg, p)
						}
					} else if msg != wm {
						t.Errorf("message = %q\nwant      %q", msg, wm)
					}
				}
			})
		}
	}
}

func keyPair(akid, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, nil
	})
}

func TestSDKClientsWithoutPrincipals(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{})
	cases := []struct {
		name, akid, account string
		creds               aws.CredentialsProvider
		code, queryCode     string
	}{
		{name: "account key", akid: "123456789012", account: "123456789012"},
		{name: "other key", akid: "AKIAANYTHING", account: DefaultAccount},
		{name: "unsigned", creds: aws.AnonymousCredentials{}, code: "MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken"},
	}
	for _, tc := range cases {
		for _, a := range apis {
			t.Run(tc.name+"/"+a.name, func(t *testing.T) {
				t.Parallel()
				creds := tc.creds
				if creds == nil {
					creds = keyPair(tc.akid, "any secret at all")
				}
				h, err := a.call(context.Background(), clientConfig{endpoint: srv.URL, creds: creds, region: "us-west-2", maxAttempts: 1})
				if tc.code != "" {
					code, _ := apiError(t, err)
					want := tc.code
					if a.query {
						want = tc.queryCode
					}
					if code != want {
						t.Fatalf("code = %s, want %s", code, want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				c := callerOf(t, h)
				if c[0] != tc.account || c[1] != "" || c[2] != tc.akid || c[5] != a.action {
					t.Fatalf("caller = %v", c)
				}
			})
		}
	}
}

func TestReloadTakesEffect(t *testing.T) {
	t.Parallel()
	// A principal removed by a reload is unknown on the next request.
	principals := loadPrincipals(t)
	srv := newServer(t, Options{Principals: principals})
	a := apis[0]
	if _, err := a.call(context.Background(), clientConfig{endpoint: srv.URL, creds: static("AKIABOB"), region: "us-east-1", maxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/p.json"
	writeFile(t, path, strings.Replace(principalsFile, `"AKIABOB"`, `"AKIABOB2"`, 1))
	if err := principals.Reload(path); err != nil {
		t.Fatal(err)
	}
	_, err := a.call(context.Background(), clientConfig{endpoint: srv.URL, creds: static("AKIABOB"), region: "us-east-1", maxAttempts: 1})
	if code, _ := apiError(t, err); code != "UnrecognizedClientException" {
		t.Fatalf("code = %s", code)
	}
}

func TestResourceScopedPolicyDeniesOtherResources(t *testing.T) {
	t.Parallel()
	srv := newServer(t, Options{Principals: loadPrincipals(t)})
	cfg := clientConfig{endpoint: srv.URL, creds: static("AKIASCOPED"), region: "eu-west-1", maxAttempts: 1}
	ctx := context.Background()
	cases := []struct {
		name     string
		call     func() error
		resource string
	}{
		{"alarm", func() error {
			_, err := cw.New(cw.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"cpu-high", "mem-high"}})
			return err
		}, "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:mem-high"},
		{"alarm prefix", func() error {
			_, err := cw.New(cw.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNamePrefix: aws.String("cpu-")})
			return err
		}, "*"},
		{"replication group", func() error {
			_, err := ec.New(ec.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				DescribeReplicationGroups(ctx, &ec.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("rg-2")})
			return err
		}, "arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:rg-2"},
		{"function", func() error {
			_, err := lambda.New(lambda.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("other-fn"), Qualifier: aws.String("prod")})
			return err
		}, "arn:aws:lambda:eu-west-1:111111111111:function:other-fn:prod"},
		{"unqualified function", func() error {
			_, err := lambda.New(lambda.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("my-fn")})
			return err
		}, "arn:aws:lambda:eu-west-1:111111111111:function:my-fn"},
		{"role", func() error {
			_, err := iam.New(iam.Options{Region: cfg.region, Credentials: cfg.creds, BaseEndpoint: &cfg.endpoint, Retryer: cfg.retryer()()}).
				GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("admin")})
			return err
		}, "arn:aws:iam::111111111111:role/admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("call succeeded")
			}
			code, msg := apiError(t, err)
			if code != "AccessDenied" && code != "AccessDeniedException" {
				t.Fatalf("code = %s: %s", code, msg)
			}
			if !strings.Contains(msg, " on resource: "+tc.resource+" because") {
				t.Errorf("message = %q, want resource %s", msg, tc.resource)
			}
		})
	}
}

// TestCompressedPutMetricData sends a PutMetricData large enough for the SDK to gzip it:
// the signature covers the compressed body, and the caller is authorized for
// cloudwatch:PutMetricData.
func TestCompressedPutMetricData(t *testing.T) {
	t.Parallel()
	var encoding string
	srv := httptest.NewServer(New(Options{Principals: loadPrincipals(t)}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := FromContext(r.Context())
		encoding = r.Header.Get("Content-Encoding") + " " + c.Action
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("smithy-protocol", "rpc-v2-cbor")
		_, _ = w.Write([]byte{0xa0})
	})))
	defer srv.Close()
	cl := cw.New(cw.Options{Region: "eu-west-1", Credentials: static("AKIAALICE"), BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1})
	var data []cwtypes.MetricDatum
	for i := range 500 {
		data = append(data, cwtypes.MetricDatum{MetricName: aws.String(fmt.Sprintf("metric-with-a-long-name-%04d", i)), Value: aws.Float64(float64(i))})
	}
	if _, err := cl.PutMetricData(context.Background(), &cw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: data}); err != nil {
		t.Fatal(err)
	}
	if encoding != "gzip cloudwatch:PutMetricData" {
		t.Errorf("request: %q", encoding)
	}
}
