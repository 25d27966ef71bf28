// Package testsign signs hand-built requests with SigV4 (aws-sdk-go-v2's signer) for tests
// and benchmarks that do not go through an SDK client.
package testsign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var signer = v4.NewSigner()

// Sign signs req, whose body is body, for service in region with the given key, now.
func Sign(req *http.Request, body []byte, accessKeyID, secret, region, service string) error {
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secret}
	return signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, time.Now())
}

// AAS signs an Application Auto Scaling request as the tests' default caller (AKIAEXAMPLE,
// us-east-1, any secret).
func AAS(req *http.Request, body []byte) error {
	return Sign(req, body, "AKIAEXAMPLE", "secret", "us-east-1", "application-autoscaling")
}
