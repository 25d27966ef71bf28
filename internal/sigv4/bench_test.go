package sigv4

import (
	"net/http"
	"strings"
	"testing"
)

// benchAASRequest is a typical application-autoscaling call with a 1 KB JSON body.
func benchAASRequest(b *testing.B) (*http.Request, []byte) {
	body := []byte(`{"ServiceNamespace":"ecs","ScalableDimension":"ecs:service:DesiredCount","ResourceIds":[` +
		strings.Repeat(`"service/default/web-application-0001",`, 24) + `"service/default/last"]}`)
	body = body[:1024]
	req, _ := http.NewRequest("POST", "http://autoscaling.eu-west-1.example.com/", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService.DescribeScalableTargets")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 os/linux lang/go#1.26 api/applicationautoscaling#1.41.18")
	req.Header.Set("Amz-Sdk-Invocation-Id", "3f0b2d8e-9c1a-4b9e-8f51-0d6f6c7a5b21")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	signGo(b, req, body, "application-autoscaling", "eu-west-1", testTime)
	return serverSide(b, req, body), body
}

func BenchmarkVerify(b *testing.B) {
	r, body := benchAASRequest(b)
	v := &Verifier{Now: fixedVerifier().Now, Service: "application-autoscaling"}
	if _, err := v.Verify(r, body, testSecrets); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body, testSecrets); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	r, body := benchAASRequest(b)
	v := &Verifier{Now: fixedVerifier().Now}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(r, body, testSecrets); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerifyWellFormed(b *testing.B) {
	r, body := benchAASRequest(b)
	v := fixedVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyWellFormed(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyLambdaGETQuery(b *testing.B) {
	req, _ := http.NewRequest("GET", "http://lambda.local/2015-03-31/functions/my-function%3ABLUE/configuration?Qualifier=BLUE&Marker=a%2Fb", nil)
	signGo(b, req, nil, "lambda", "eu-west-1", testTime)
	r := serverSide(b, req, nil)
	v := fixedVerifier()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, nil, testSecrets); err != nil {
			b.Fatal(err)
		}
	}
}
