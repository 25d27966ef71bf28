package authn_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/api"
	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const benchSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBENCHKEY"

// benchRequest is a DescribeScalableTargets call as the SDK sends it, signed.
func benchRequest(b *testing.B, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "http://localhost:8080/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", "AnyScaleFrontendService.DescribeScalableTargets")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.41.0 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/applicationautoscaling#1.41.18")
	req.Header.Set("Amz-Sdk-Invocation-Id", "3f5c7a8e-2b1d-4f0e-9a6c-1d2e3f4a5b6c")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: benchSecret},
		req, hex.EncodeToString(sum[:]), "application-autoscaling", "eu-west-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkDescribeScalableTargets measures a DescribeScalableTargets call (10 targets) on
// the API handler alone, and behind the middleware without and with principals: the
// difference is the cost of the front door.
func BenchmarkDescribeScalableTargets(b *testing.B) {
	svc, err := api.New(context.Background(), memstore.New(), api.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := svc.Handler()
	for i := range 10 {
		body := fmt.Sprintf(`{"ServiceNamespace":"ecs","ResourceId":"service/default/web-%d","ScalableDimension":"ecs:service:DesiredCount","MinCapacity":1,"MaxCapacity":10}`, i)
		req := benchRequest(b, []byte(body))
		req.Header.Set("X-Amz-Target", "AnyScaleFrontendService.RegisterScalableTarget")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("register: %d %s", rec.Code, rec.Body)
		}
	}
	path := filepath.Join(b.TempDir(), "principals.json")
	file := `{"principals": [{"name": "bench", "accessKeyId": "111111111111", "secretAccessKey": "` + benchSecret + `", "accountId": "111111111111",
	  "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "application-autoscaling:Describe*", "Resource": "*"}]}}]}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		b.Fatal(err)
	}
	principals, err := auth.NewStore(path)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"ServiceNamespace":"ecs"}`)
	tmpl := benchRequest(b, body)
	b.Run("http", func(b *testing.B) {
		// Throughput over HTTP on loopback, as clients see it: the server with and without
		// the middleware, called by parallel keep-alive clients with a pre-signed request.
		for _, bc := range []struct {
			name string
			h    http.Handler
		}{
			{"handler", h},
			{"wrapped-principals", authn.New(authn.Options{Principals: principals}).Wrap(h)},
		} {
			b.Run(bc.name, func(b *testing.B) {
				srv := httptest.NewServer(bc.h)
				defer srv.Close()
				tr := &http.Transport{MaxIdleConnsPerHost: 64}
				defer tr.CloseIdleConnections()
				client := &http.Client{Transport: tr}
				req := benchRequest(b, body)
				req.URL.Host = srv.Listener.Addr().String()
				req.Host = req.URL.Host
				// Re-sign for the server's host.
				sum := sha256.Sum256(body)
				req.Header.Del("Authorization")
				if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "111111111111", SecretAccessKey: benchSecret},
					req, hex.EncodeToString(sum[:]), "application-autoscaling", "eu-west-1", time.Now()); err != nil {
					b.Fatal(err)
				}
				req.RequestURI = ""
				b.SetParallelism(4)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						r := req.Clone(context.Background())
						r.Body = io.NopCloser(bytes.NewReader(body))
						resp, err := client.Do(r)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
					}
				})
			})
		}
	})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"handler", h},
		{"wrapped-no-auth-file", authn.New(authn.Options{}).Wrap(h)},
		{"wrapped-principals", authn.New(authn.Options{Principals: principals}).Wrap(h)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r := tmpl.Clone(context.Background())
				r.Body = io.NopCloser(bytes.NewReader(body))
				clear(w.h)
				bc.h.ServeHTTP(w, r)
			}
		})
	}
}

// BenchmarkWrapOverhead measures the middleware alone, around a handler that does nothing.
func BenchmarkWrapOverhead(b *testing.B) {
	body := []byte(`{"ServiceNamespace":"ecs"}`)
	tmpl := benchRequest(b, body)
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	path := filepath.Join(b.TempDir(), "principals.json")
	file := `{"principals": [{"name": "bench", "accessKeyId": "111111111111", "secretAccessKey": "` + benchSecret + `", "accountId": "111111111111",
	  "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "application-autoscaling:Describe*", "Resource": "*"}]}}]}`
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		b.Fatal(err)
	}
	principals, err := auth.NewStore(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"nop", nop},
		{"no-auth-file", authn.New(authn.Options{}).Wrap(nop)},
		{"principals", authn.New(authn.Options{Principals: principals}).Wrap(nop)},
		{"principals-ratelimit", authn.New(authn.Options{Principals: principals, RateLimit: 1e9}).Wrap(nop)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r := tmpl.Clone(context.Background())
				r.Body = io.NopCloser(bytes.NewReader(body))
				bc.h.ServeHTTP(w, r)
			}
		})
	}
}
