package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// signedCase is a request as one of the AWS APIs served by autoscaled sends it.
type signedCase struct {
	name    string
	method  string
	target  string // escaped path and query, as on the wire
	header  http.Header
	body    string
	service string
	region  string
}

func signedCases() []signedCase {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	return []signedCase{
		{name: "application-autoscaling JSON", method: "POST", target: "/",
			header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AnyScaleFrontendService.DescribeScalableTargets"}},
			body:   `{"ServiceNamespace":"ecs","ResourceIds":["service/default/web"]}`, service: "application-autoscaling", region: "eu-west-1"},
		{name: "monitoring query form", method: "POST", target: "/", header: form,
			body:    "Action=PutMetricData&Version=2010-08-01&Namespace=My%2FApp&MetricData.member.1.MetricName=Requests&MetricData.member.1.Value=1.5",
			service: "monitoring", region: "eu-west-1"},
		{name: "monitoring CBOR", method: "POST", target: "/service/GraniteServiceVersion20100801/operation/GetMetricData",
			header: http.Header{"Content-Type": {"application/cbor"}, "Smithy-Protocol": {"rpc-v2-cbor"}, "Accept": {"application/cbor"}},
			body:   "\xbf\x69StartTime\xc1\xfb\x41\xda\x5f\x5f\x5f\x00\x00\x00\xff", service: "monitoring", region: "us-east-2"},
		{name: "elasticache query", method: "POST", target: "/", header: form,
			body: "Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=my-group", service: "elasticache", region: "eu-central-1"},
		{name: "iam query", method: "POST", target: "/", header: form,
			body: "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fdivision_abc%2F", service: "iam", region: "us-east-1"},
		{name: "lambda invoke qualified", method: "POST", target: "/2015-03-31/functions/my-function%3ABLUE/invocations?Qualifier=BLUE",
			header: http.Header{"X-Amz-Invocation-Type": {"RequestResponse"}, "X-Amz-Log-Type": {"Tail"}, "Content-Type": {"application/json"}},
			body:   `{"key":"value"}`, service: "lambda", region: "eu-west-1"},
		{name: "lambda $LATEST", method: "GET", target: "/2015-03-31/functions/my-function%3A%24LATEST/configuration", service: "lambda", region: "eu-west-1"},
		{name: "lambda raw colon", method: "GET", target: "/2015-03-31/functions/my-function:BLUE/configuration?Qualifier=%24LATEST", service: "lambda", region: "eu-west-1"},
		{name: "lambda function ARN", method: "GET", target: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111111111111%3Afunction%3Amy-function/policy",
			service: "lambda", region: "eu-west-1"},
		{name: "lambda delete alias", method: "DELETE", target: "/2015-03-31/functions/my-function/aliases/BLUE", service: "lambda", region: "eu-west-1"},
		{name: "GET special query", method: "GET",
			target:  "/?b=2&a=1&c=hello%20world&d=a%2Fb&e=%E2%9C%93&f=%2A&g=~&empty=&flag&a=0&plus=1%2B1&semi=%3B&pct=100%25&unicode%C3%A9=%C3%A9",
			service: "application-autoscaling", region: "eu-west-1"},
		{name: "header spacing and repeats", method: "POST", target: "/",
			header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AnyScaleFrontendService.DescribeScalingPolicies"},
				"X-Amz-Meta-Note": {"  a   b  c "}, "X-Multi": {"1", " 2 ", "three  3"}},
			body: `{"ServiceNamespace":"dynamodb"}`, service: "application-autoscaling", region: "ap-southeast-2"},
		{name: "x-amz-content-sha256", method: "POST", target: "/",
			header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AnyScaleFrontendService.DescribeScalableTargets"},
				"X-Amz-Content-Sha256": {sha256Hex([]byte(`{"ServiceNamespace":"ecs"}`))}},
			body: `{"ServiceNamespace":"ecs"}`, service: "application-autoscaling", region: "eu-west-1"},
		{name: "session token", method: "POST", target: "/",
			header: http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AnyScaleFrontendService.DescribeScalableTargets"},
				"X-Amz-Security-Token": {"FQoGZXIvYXdzEXAMPLETOKEN//+=="}},
			body: `{}`, service: "application-autoscaling", region: "eu-west-1"},
		{name: "empty body GET", method: "GET", target: "/", service: "application-autoscaling", region: "eu-west-1"},
		{name: "trailing slash", method: "GET", target: "/2015-03-31/functions/", service: "lambda", region: "eu-west-1"},
	}
}

// clientRequest builds the client-side request of c against base (scheme://host).
func (c signedCase) clientRequest(t testing.TB, base string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.target, bytes.NewReader([]byte(c.body)))
	if err != nil {
		t.Fatalf("%s: NewRequest: %v", c.name, err)
	}
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	return req
}

func TestVerifyGoSDKSigned(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, fixedVerifier())
	for _, c := range signedCases() {
		t.Run(c.name, func(t *testing.T) {
			// Over the network, as a server receives it.
			req := c.clientRequest(t, rec.srv.URL)
			signGo(t, req, []byte(c.body), c.service, c.region, testTime)
			rec.send(t, req)
			cred, err := rec.last(t)
			if err != nil {
				t.Fatalf("over HTTP: %v", err)
			}
			want := Credential{AccessKeyID: testAKID, Date: "20261122", Region: c.region, Service: c.service}
			if cred != want {
				t.Errorf("credential = %+v, want %+v", cred, want)
			}
			// And as parsed from the wire format, without a server.
			req = c.clientRequest(t, "http://autoscaling.example.com:8080")
			signGo(t, req, []byte(c.body), c.service, c.region, testTime)
			if _, err := fixedVerifier().Verify(serverSide(t, req, []byte(c.body)), []byte(c.body), testSecrets); err != nil {
				t.Fatalf("from wire: %v", err)
			}
			if _, err := fixedVerifier().VerifyWellFormed(serverSide(t, req, []byte(c.body)), []byte(c.body)); err != nil {
				t.Fatalf("well-formed: %v", err)
			}
		})
	}
}

func TestVerifyGoSDKUnsignedPayload(t *testing.T) {
	t.Parallel()
	body := []byte(`{"ServiceNamespace":"ecs"}`)
	req, _ := http.NewRequest("POST", "http://localhost:9000/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, unsignedPayload, "application-autoscaling", "eu-west-1", testTime); err != nil {
		t.Fatal(err)
	}
	sr := serverSide(t, req, body)
	if _, err := fixedVerifier().Verify(sr, []byte(`{"other":"body"}`), testSecrets); err != nil {
		t.Fatalf("UNSIGNED-PAYLOAD: %v", err)
	}
}

func TestVerifyGoSDKPresigned(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, fixedVerifier())
	for _, target := range []string{
		"/2015-03-31/functions/my-function%3ABLUE/configuration?X-Amz-Expires=300",
		"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60&odd=a%20b%2Bc",
		"/",
	} {
		req, _ := http.NewRequest("GET", rec.srv.URL+target, nil)
		creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sha256Hex(nil), "lambda", "eu-west-1", testTime)
		if err != nil {
			t.Fatal(err)
		}
		preq, _ := http.NewRequest("GET", u, nil)
		for k, vs := range hdr {
			if k != "Host" {
				preq.Header[k] = vs
			}
		}
		rec.send(t, preq)
		if _, err := rec.last(t); err != nil {
			t.Errorf("presigned %s: %v", u, err)
		}
	}
}

// TestVerifyRealSDKClients sends real API calls of the SDK clients autoscaled serves.
func TestVerifyRealSDKClients(t *testing.T) {
	t.Parallel()
	rec := newRecorder(t, &Verifier{})
	creds := credentials.NewStaticCredentialsProvider(testAKID, testSecret, "")
	ctx := context.Background()

	ac := aas.New(aas.Options{Region: "eu-west-1", Credentials: creds, BaseEndpoint: aws.String(rec.srv.URL), RetryMaxAttempts: 1})
	if _, err := ac.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceIds: []string{"service/default/web app"}}); err != nil {
		t.Fatalf("DescribeScalableTargets: %v", err)
	}
	if c, err := rec.last(t); err != nil || c.Service != "application-autoscaling" {
		t.Fatalf("application-autoscaling client: %+v, %v", c, err)
	}

	cc := cw.New(cw.Options{Region: "us-east-2", Credentials: creds, BaseEndpoint: aws.String(rec.srv.URL), RetryMaxAttempts: 1})
	start := time.Now().Add(-time.Hour)
	_, _ = cc.ListMetrics(ctx, &cw.ListMetricsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPU Utilization")})
	if c, err := rec.last(t); err != nil || c.Service != "monitoring" {
		t.Fatalf("cloudwatch client: %+v, %v", c, err)
	}
	_, _ = cc.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"),
		StartTime: &start, EndTime: aws.Time(time.Now()), Period: aws.Int32(60)})
	if c, err := rec.last(t); err != nil || c.Service != "monitoring" {
		t.Fatalf("cloudwatch client: %+v, %v", c, err)
	}
}
