// Package apitest runs the Lambda API for tests: a real lambdaapi.Service over a real
// workers.Pool and an in-memory store, served by an httptest server, with an aws-sdk-go-v2
// Lambda client; and the deployment package of a real Go function (the workers' test
// function, built from source with aws-lambda-go).
package apitest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	lambdaapi "github.com/autoscaled/autoscaled/internal/lambda/api"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
)

// Account and Region of the test client (its access key id is the account).
const (
	Account = "123456789012"
	Region  = "us-east-1"
	Role    = "arn:aws:iam::123456789012:role/lambda-role"
)

// Scope is the scope of the test client.
var Scope = autoscaling.Scope{Account: Account, Region: Region}

// TestFunctionPackage is the Go package of the test function.
const TestFunctionPackage = "github.com/autoscaled/autoscaled/internal/lambda/workers/internal/testfn"

var (
	buildOnce sync.Once
	zipBytes  []byte
	buildErr  error
)

// SmallZip is a tiny package (a shell script as bootstrap), for calls whose code does not
// matter (validation errors).
func SmallZip() []byte {
	b, err := ZipFiles(map[string]File{"bootstrap": {Data: []byte("#!/bin/sh\nexit 1\n"), Mode: 0o755}})
	if err != nil {
		panic(err)
	}
	return b
}

// Zip returns the deployment package of the test function: its bootstrap built from source
// (once per test binary), zipped with mode 0755. See workers/internal/testfn for what its
// events and environment variables make it do.
func Zip(t testing.TB) []byte {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lambdaapi-testfn-")
		if err != nil {
			buildErr = err
			return
		}
		defer os.RemoveAll(dir)
		gobin, err := exec.LookPath("go")
		if err != nil {
			gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		bin := filepath.Join(dir, "bootstrap")
		cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, TestFunctionPackage)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building the test function: %v\n%s", err, out)
			return
		}
		b, err := os.ReadFile(bin)
		if err != nil {
			buildErr = err
			return
		}
		zipBytes, buildErr = ZipFiles(map[string]File{"bootstrap": {Data: b, Mode: 0o755}})
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return zipBytes
}

// File is an entry of a package made by ZipFiles.
type File struct {
	Data []byte
	Mode os.FileMode // 0: no Unix mode in the zip (as zips made on Windows)
}

// ZipFiles zips files.
func ZipFiles(files map[string]File) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for name, f := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if f.Mode != 0 {
			h.SetMode(f.Mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Options configure an Env.
type Options struct {
	Pool    workers.Options
	Store   store.Store // nil: a new memstore
	DataDir string      // "": a temporary directory
	// Retries is the SDK client's maximum attempts (0: 1, no retry, so that throttling shows).
	Retries int
	// KeepStore leaves the store open at cleanup (Restart reuses it).
	KeepStore bool
}

// Env is a running Lambda API.
type Env struct {
	Store   store.Store
	Pool    *workers.Pool
	Service *lambdaapi.Service
	Server  *httptest.Server
	Client  *lambda.Client
	DataDir string
	opts    Options
	closed  bool
}

// New starts a Lambda API; cleanup closes it and checks that no worker process is left.
func New(t testing.TB, o Options) *Env {
	t.Helper()
	if o.Store == nil {
		o.Store = memstore.New()
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	if o.Pool.StopGrace == 0 {
		o.Pool.StopGrace = 500 * time.Millisecond
	}
	if o.Pool.Logger == nil {
		o.Pool.Logger = testLogger(t)
	}
	if o.Pool.LogDir == "" {
		o.Pool.LogDir = filepath.Join(o.DataDir, "logs")
	}
	pool, err := workers.New(o.Pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc, err := lambdaapi.New(context.Background(), lambdaapi.Options{Store: o.Store, Pool: pool, DataDir: o.DataDir, Logger: o.Pool.Logger})
	if err != nil {
		_ = pool.Close(context.Background())
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !svc.Owns(r) {
			http.Error(w, "not a Lambda call", http.StatusNotFound)
			return
		}
		svc.ServeHTTP(w, r)
	}))
	e := &Env{Store: o.Store, Pool: pool, Service: svc, Server: srv, DataDir: o.DataDir, opts: o}
	e.Client = NewClient(srv.URL, Account, o.Retries)
	t.Cleanup(func() { e.Close(t) })
	return e
}

// NewClient returns an SDK client of the endpoint with accessKey as its access key id.
func NewClient(endpoint, accessKey string, attempts int) *lambda.Client {
	if attempts == 0 {
		attempts = 1
	}
	return lambda.New(lambda.Options{
		Region:           Region,
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, "secret", ""),
		RetryMaxAttempts: attempts,
		HTTPClient:       &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	})
}

// Close stops the server and the pool (waiting for every worker to exit) and checks that no
// worker process is left. The store stays open with KeepStore.
func (e *Env) Close(t testing.TB) {
	if e.closed {
		return
	}
	e.closed = true
	e.Server.Close()
	pids := e.WorkerPIDs()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.Pool.Close(ctx); err != nil {
		t.Errorf("pool Close: %v", err)
	}
	for _, pid := range pids {
		if PIDAlive(pid) {
			t.Errorf("worker process %d still alive after the pool closed", pid)
		}
	}
	if left := e.WorkerPIDs(); len(left) > 0 {
		t.Errorf("worker processes %v left after the pool closed", left)
	}
	if !e.opts.KeepStore {
		_ = e.Store.Close()
	}
}

// Restart closes the server and the pool and starts new ones on the same store and DataDir,
// as a restart of autoscaled does.
func (e *Env) Restart(t testing.TB) *Env {
	t.Helper()
	o := e.opts
	o.KeepStore = true
	e.opts.KeepStore = true
	e.Close(t)
	o.Store = e.Store
	o.DataDir = e.DataDir
	ne := New(t, o)
	return ne
}

// WorkerPIDs lists the live processes whose working directory is under dir (a worker runs
// in its unpacked code, under the Env's DataDir; the path may end in " (deleted)").
func WorkerPIDs(dir string) []int {
	dir = filepath.Clean(dir) + string(filepath.Separator)
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, de := range ents {
		pid, err := strconv.Atoi(de.Name())
		if err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", de.Name(), "cwd"))
		if err != nil || !strings.HasPrefix(cwd+string(filepath.Separator), dir) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// WorkerPIDs lists the live worker processes of this Env.
func (e *Env) WorkerPIDs() []int { return WorkerPIDs(e.DataDir) }

// FunctionPIDs lists the live worker processes of one function of the test scope.
func (e *Env) FunctionPIDs(name string) []int {
	return WorkerPIDs(filepath.Join(e.DataDir, Account, Region, name))
}

// Key is the pool key of a version of a function of the test scope.
func Key(name, version string) string {
	return Account + "/" + Region + "/" + name + "/" + version
}

// PIDAlive reports whether a process exists.
func PIDAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// WaitFor polls cond every 5 ms until it holds or timeout passes.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CreateFunction creates a function from the test package (provided.al2023, handler
// "bootstrap", timeout 10 s) and tracks all its versions' keys in AllPIDs.
func (e *Env) CreateFunction(t testing.TB, name string, env map[string]string, publish bool) *lambda.CreateFunctionOutput {
	t.Helper()
	in := &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Role:         aws.String(Role),
		Runtime:      types.RuntimeProvidedal2023,
		Handler:      aws.String("bootstrap"),
		Code:         &types.FunctionCode{ZipFile: Zip(t)},
		Timeout:      aws.Int32(10),
		Publish:      publish,
	}
	if env != nil {
		in.Environment = &types.Environment{Variables: env}
	}
	out, err := e.Client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

// Publish publishes a version.
func (e *Env) Publish(t testing.TB, name string) string {
	t.Helper()
	out, err := e.Client.PublishVersion(context.Background(), &lambda.PublishVersionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatalf("PublishVersion %s: %v", name, err)
	}
	return *out.Version
}

// WaitReady polls GetProvisionedConcurrencyConfig until READY (failing on FAILED).
func (e *Env) WaitReady(t testing.TB, name, qualifier string, timeout time.Duration) *lambda.GetProvisionedConcurrencyConfigOutput {
	t.Helper()
	var out *lambda.GetProvisionedConcurrencyConfigOutput
	WaitFor(t, timeout, "READY", func() bool {
		var err error
		out, err = e.Client.GetProvisionedConcurrencyConfig(context.Background(), &lambda.GetProvisionedConcurrencyConfigInput{
			FunctionName: aws.String(name), Qualifier: aws.String(qualifier)})
		if err != nil {
			t.Fatalf("GetProvisionedConcurrencyConfig: %v", err)
		}
		if out.Status == types.ProvisionedConcurrencyStatusEnumFailed {
			t.Fatalf("configuration FAILED: %s", aws.ToString(out.StatusReason))
		}
		return out.Status == types.ProvisionedConcurrencyStatusEnumReady
	})
	return out
}

// testLogger writes warnings to the test log while the test runs.
func testLogger(t testing.TB) *slog.Logger {
	w := &tlog{t: t, ok: true}
	t.Cleanup(func() { w.mu.Lock(); w.ok = false; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tlog struct {
	mu sync.Mutex
	t  testing.TB
	ok bool
}

func (w *tlog) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ok {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// ErrorCode returns the code of an SDK error ("" if none).
func ErrorCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
