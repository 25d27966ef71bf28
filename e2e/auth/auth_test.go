// Package auth_test runs the real autoscaled binary with an --auth-file and checks the front
// door end to end with the real SDK clients: signatures, accounts that cannot see each other,
// IAM-style policies, SIGHUP reload, service-linked roles and TLS; and that the server refuses
// to listen beyond loopback without principals.
package auth_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/autoscaled/autoscaled/internal/testserver"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

var binary string

func TestMain(m *testing.M) {
	bin, remove, err := testserver.BuildBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	remove()
	os.Exit(code)
}

// start runs autoscaled with args and returns its endpoint and process.
func start(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--data-dir", t.TempDir(), "--redis-server", "none"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`endpoint=(https?://[0-9.:]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case ep := <-found:
		return ep, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("autoscaled did not report its endpoint within 30s")
		return "", nil
	}
}

const principals = `{"principals": [
 {"name": "alice", "accessKeyId": "AKIAALICE0000000001", "secretAccessKey": "alice-secret", "accountId": "111111111111",
  "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["application-autoscaling:*", "cloudwatch:*", "iam:*"], "Resource": "*"}]}},
 {"name": "bob", "accessKeyId": "AKIABOB000000000002", "secretAccessKey": "bob-secret", "accountId": "222222222222",
  "policy": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "application-autoscaling:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "application-autoscaling:Register*", "Resource": "*"}]}}
]}`

func aasClient(ep, akid, secret string, httpc *http.Client) *aas.Client {
	o := aas.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), RetryMaxAttempts: 1}
	if httpc != nil {
		o.HTTPClient = httpc
	}
	return aas.New(o)
}

func code(err error) (string, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", fmt.Sprint(err)
}

func register(ctx context.Context, c *aas.Client, rid string) error {
	_, err := c.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String(rid), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(3)})
	return err
}

func TestPrincipalsPoliciesAccountsAndRoles(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "principals.json")
	if err := os.WriteFile(file, []byte(principals), 0o600); err != nil {
		t.Fatal(err)
	}
	ep, cmd := start(t, "--listen", "127.0.0.1:0", "--auth-file", file)
	alice := aasClient(ep, "AKIAALICE0000000001", "alice-secret", nil)
	bob := aasClient(ep, "AKIABOB000000000002", "bob-secret", nil)

	if err := register(ctx, alice, "service/c/web"); err != nil {
		t.Fatalf("alice registers: %v", err)
	}
	for name, tc := range map[string]struct {
		c    *aas.Client
		code string
		msg  string
	}{
		"unknown key":  {aasClient(ep, "AKIANOBODY000000000", "x", nil), "UnrecognizedClientException", "The security token included in the request is invalid."},
		"wrong secret": {aasClient(ep, "AKIAALICE0000000001", "not-alice", nil), "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
		"explicit deny": {bob, "AccessDeniedException",
			"User: arn:aws:iam::222222222222:user/bob is not authorized to perform: application-autoscaling:RegisterScalableTarget"},
	} {
		err := register(ctx, tc.c, "service/c/other")
		if c, m := code(err); c != tc.code || !strings.HasPrefix(m, tc.msg) {
			t.Errorf("%s: %s %q, want %s %q...", name, c, m, tc.code, tc.msg)
		}
	}
	// Bob's account does not see alice's target.
	out, err := bob.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: aastypes.ServiceNamespaceEcs})
	if err != nil || len(out.ScalableTargets) != 0 {
		t.Fatalf("bob describes %v, %v: another account's targets must not exist for him", out, err)
	}
	_, err = bob.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/c/web"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount})
	if c, _ := code(err); c != "ObjectNotFoundException" {
		t.Fatalf("bob deregisters alice's target: %v", err)
	}

	// Alice's first ECS registration created the account's service-linked role.
	ic := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(ep), Credentials: credentials.NewStaticCredentialsProvider("AKIAALICE0000000001", "alice-secret", "")})
	role, err := ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSServiceRoleForApplicationAutoScaling_ECSService")})
	if err != nil {
		t.Fatalf("get-role: %v", err)
	}
	if got := aws.ToString(role.Role.Arn); got != "arn:aws:iam::111111111111:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService" {
		t.Fatalf("role ARN %s", got)
	}
	if doc := aws.ToString(role.Role.AssumeRolePolicyDocument); !strings.Contains(doc, "ecs.application-autoscaling.amazonaws.com") {
		t.Fatalf("trust policy %s", doc)
	}
	// Deleting it is refused while the target uses it.
	del, err := ic.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: role.Role.RoleName})
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			st, err := ic.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: del.DeletionTaskId})
			if err != nil {
				t.Fatal(err)
			}
			if s := string(st.Status); s == "SUCCEEDED" || s == "FAILED" {
				return s
			}
		}
		return "unfinished"
	}
	if s := status(); s != "FAILED" {
		t.Fatalf("deletion of a role in use: %s, want FAILED", s)
	}
	if _, err := alice.DeregisterScalableTarget(ctx, &aas.DeregisterScalableTargetInput{ServiceNamespace: aastypes.ServiceNamespaceEcs,
		ResourceId: aws.String("service/c/web"), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount}); err != nil {
		t.Fatal(err)
	}
	if del, err = ic.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: role.Role.RoleName}); err != nil {
		t.Fatal(err)
	}
	if s := status(); s != "SUCCEEDED" {
		t.Fatalf("deletion of an unused role: %s", s)
	}

	// SIGHUP reloads the file: bob loses his deny.
	relaxed := strings.Replace(principals, `{"Effect": "Deny", "Action": "application-autoscaling:Register*", "Resource": "*"}`,
		`{"Effect": "Deny", "Action": "cloudwatch:*", "Resource": "*"}`, 1)
	if err := os.WriteFile(file, []byte(relaxed), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if lastErr = register(ctx, bob, "service/c/bob"); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("after SIGHUP bob still cannot register: %v", lastErr)
	}
}

func TestNoAuthFileOnlyOnLoopback(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--data-dir", t.TempDir(), "--redis-server", "none", "--listen", "0.0.0.0:0")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "without --auth-file") {
		t.Fatalf("serving every interface without an auth file: %v\n%s", err, out)
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	ep, _ := start(t, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(ep, "https://") {
		t.Fatalf("endpoint %s is not https", ep)
	}
	pool := x509.NewCertPool()
	pool.AddCert(mustParse(t, der))
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if err := register(context.Background(), aasClient(ep, "AKIAEXAMPLE", "any", httpc), "service/c/tls"); err != nil {
		t.Fatalf("register over TLS: %v", err)
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
