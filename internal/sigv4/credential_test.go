package sigv4

import (
	"errors"
	"testing"
)

func TestParseCredential(t *testing.T) {
	t.Parallel()
	good := "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261122/eu-west-1/application-autoscaling/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc"
	c, err := ParseCredential(good)
	if err != nil || c != (Credential{AccessKeyID: "AKIAEXAMPLE", Date: "20261122", Region: "eu-west-1", Service: "application-autoscaling"}) {
		t.Fatalf("ParseCredential = %+v, %v", c, err)
	}
	for _, bad := range []string{
		"", "Bearer x", "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256 SignedHeaders=host",
		"AWS4-HMAC-SHA256 Credential=AKIA/20261122/eu-west-1/application-autoscaling",
		"AWS4-HMAC-SHA256 Credential=/20261122/eu-west-1/s/aws4_request",
		"AWS4-HMAC-SHA256 Credential=AKIA/20261122//s/aws4_request",
	} {
		if _, err := ParseCredential(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCredential(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

func FuzzParseCredential(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261122/eu-west-1/application-autoscaling/aws4_request, SignedHeaders=host, Signature=abc")
	f.Fuzz(func(t *testing.T, h string) {
		c, err := ParseCredential(h)
		if err == nil && (c.AccessKeyID == "" || c.Region == "" || c.Service == "") {
			t.Fatalf("accepted %q with empty parts: %+v", h, c)
		}
	})
}
