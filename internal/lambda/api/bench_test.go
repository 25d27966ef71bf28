package lambdaapi_test

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/autoscaled/autoscaled/internal/lambda/api/apitest"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

var reDuration = regexp.MustCompile(`REPORT RequestId: \S+\tDuration: ([0-9.]+) ms`)

func pct(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]) / 1e6
}

// BenchmarkSDKWarmInvoke measures a warm invocation through the SDK client (HTTP, SigV4, the
// REST handler, the pool, the Runtime API, the function) of a handler that returns at once:
// p50/p99 of the whole call and of its overhead over the handler's own Duration (from the
// REPORT line of the log tail). Target: overhead p50 <= 1 ms, p99 <= 5 ms.
func BenchmarkSDKWarmInvoke(b *testing.B) {
	e := apitest.New(b, apitest.Options{})
	e.CreateFunction(b, "warm", nil, true)
	putPCB(b, e, "warm", "1", 1)
	e.WaitReady(b, "warm", "1", 20*time.Second)
	in := &lambda.InvokeInput{FunctionName: aws.String("warm"), Qualifier: aws.String("1"), Payload: []byte(`{"op":"echo"}`), LogType: types.LogTypeTail}
	for range 200 {
		if _, err := e.Client.Invoke(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	over := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		out, err := e.Client.Invoke(ctx, in)
		d := time.Since(t0)
		if err != nil || out.FunctionError != nil {
			b.Fatalf("%v %v", out, err)
		}
		logs, _ := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		m := reDuration.FindSubmatch(logs)
		if m == nil {
			b.Fatalf("no REPORT line in %q", logs)
		}
		ms, _ := strconv.ParseFloat(string(m[1]), 64)
		lat = append(lat, d)
		over = append(over, d-time.Duration(ms*1e6))
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(over)
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(pct(over, 0.50), "overhead-p50-ms")
	b.ReportMetric(pct(over, 0.99), "overhead-p99-ms")
}

// BenchmarkSDKInvokeConcurrency16 measures invocations per second of 16 concurrent SDK callers
// on 16 provisioned workers.
func BenchmarkSDKInvokeConcurrency16(b *testing.B) {
	e := apitest.New(b, apitest.Options{})
	e.CreateFunction(b, "conc", nil, true)
	putPCB(b, e, "conc", "1", 16)
	e.WaitReady(b, "conc", "1", 30*time.Second)
	in := &lambda.InvokeInput{FunctionName: aws.String("conc"), Qualifier: aws.String("1"), Payload: []byte(`{"op":"echo"}`)}
	var next atomic.Int64
	var failed atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	t0 := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := e.Client.Invoke(ctx, in); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	el := time.Since(t0)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "invokes/s")
}

// BenchmarkSDKWarmWorkersStarted measures how fast PutProvisionedConcurrencyConfig(50)
// through the SDK reaches READY (50 worker processes initialised), in workers per second.
func BenchmarkSDKWarmWorkersStarted(b *testing.B) {
	e := apitest.New(b, apitest.Options{Pool: workers.Options{}})
	e.CreateFunction(b, "start", nil, true)
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		q := "1"
		if i > 0 {
			if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("start"),
				Description: aws.String(fmt.Sprint(i))}); err != nil {
				b.Fatal(err)
			}
			if _, err := e.Client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("start"),
				Timeout: aws.Int32(int32(3 + i%100))}); err != nil {
				b.Fatal(err)
			}
			q = e.Publish(b, "start")
		}
		b.StartTimer()
		t0 := time.Now()
		putPCB(b, e, "start", q, 50)
		e.WaitReady(b, "start", q, 60*time.Second)
		total += time.Since(t0)
		b.StopTimer()
		if _, err := e.Client.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("start"), Qualifier: aws.String(q)}); err != nil {
			b.Fatal(err)
		}
		apitest.WaitFor(b, 30*time.Second, "workers stopped", func() bool { return len(e.Pool.Workers(apitest.Key("start", q)).PIDs) == 0 })
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(50*b.N)/total.Seconds(), "workers/s")
}

func putPCB(b *testing.B, e *apitest.Env, name, q string, n int32) {
	b.Helper()
	if _, err := e.Client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String(name),
		Qualifier: aws.String(q), ProvisionedConcurrentExecutions: aws.Int32(n)}); err != nil {
		b.Fatal(err)
	}
}
