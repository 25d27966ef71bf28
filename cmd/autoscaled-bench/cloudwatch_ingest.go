package main

// -cloudwatch-ingest: PutMetricData throughput through the real HTTP API.
//
//	go build -o /tmp/autoscaled ./cmd/autoscaled
//	go run ./cmd/autoscaled-bench -server /tmp/autoscaled -cloudwatch-ingest
//
// Each request carries -datums datums (1000, CloudWatch's maximum), each of a different
// series out of -series (one CPUUtilization series per ECS service, as the scale benchmark's
// targets read), with the request's timestamp. Four variants, at each -concurrency:
//
//	PutMetricData(sdk)          the aws-sdk-go-v2 CloudWatch client (Smithy RPC v2 CBOR; it
//	                            gzips bodies over 10 KiB, as every SDK user's client does)
//	PutMetricData(sdk,identity) the same client with request compression disabled
//	PutMetricData(raw,gzip)     the SDK's own encoded gzip bodies, captured once and posted
//	                            again by a plain net/http client: what the server sustains
//	                            when the client costs little CPU
//	PutMetricData(raw,identity) the same with the uncompressed CBOR bodies
//
// Server and client CPU are from /proc (user+system) over each cell, per 1000 datapoints.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func newCloudWatchClient(endpoint string, compress bool, hc *http.Client) *cw.Client {
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
		hc = &http.Client{Transport: tr}
	}
	return cw.New(cw.Options{
		Region:                    "us-east-1",
		BaseEndpoint:              aws.String(endpoint),
		Credentials:               credentials.NewStaticCredentialsProvider("AKIABENCH", "secret", ""),
		HTTPClient:                hc,
		DisableRequestCompression: !compress,
	})
}

// ingestInputs builds series/datums requests that together put one datapoint into every
// series.
func ingestInputs(series, datums int, ts time.Time) []*cw.PutMetricDataInput {
	var out []*cw.PutMetricDataInput
	for lo := 0; lo < series; lo += datums {
		in := &cw.PutMetricDataInput{Namespace: aws.String("AWS/ECS")}
		for i := lo; i < min(lo+datums, series); i++ {
			in.MetricData = append(in.MetricData, cwtypes.MetricDatum{
				MetricName: aws.String("CPUUtilization"),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("bench")},
					{Name: aws.String("ServiceName"), Value: aws.String("s" + strconv.Itoa(i))}},
				Timestamp: aws.Time(ts), Value: aws.Float64(float64(20 + i%60)), Unit: cwtypes.StandardUnitPercent,
			})
		}
		out = append(out, in)
	}
	return out
}

// capturedRequest is a request as the SDK sent it.
type capturedRequest struct {
	path   string
	header http.Header
	body   []byte
}

// capture records the requests that go through it, then forwards them.
type capture struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []capturedRequest
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, capturedRequest{path: r.URL.Path, header: r.Header.Clone(), body: b})
	c.mu.Unlock()
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.ContentLength = int64(len(b))
	return c.next.RoundTrip(r2)
}

// captureBodies sends every input once through the SDK and returns the encoded requests.
func captureBodies(ctx context.Context, endpoint string, compress bool, inputs []*cw.PutMetricDataInput) ([]capturedRequest, error) {
	cp := &capture{next: rawClient.Transport}
	c := newCloudWatchClient(endpoint, compress, &http.Client{Transport: cp})
	for _, in := range inputs {
		if _, err := c.PutMetricData(ctx, in); err != nil {
			return nil, fmt.Errorf("capture PutMetricData: %w", err)
		}
	}
	if len(cp.reqs) != len(inputs) {
		return nil, fmt.Errorf("captured %d requests for %d calls (retries?)", len(cp.reqs), len(inputs))
	}
	return cp.reqs, nil
}

// postRaw sends a captured request again (the server does not verify signatures).
func postRaw(ctx context.Context, endpoint string, cr capturedRequest) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+cr.path, bytes.NewReader(cr.body))
	if err != nil {
		return err
	}
	for k, v := range cr.header {
		req.Header[k] = v
	}
	req.ContentLength = int64(len(cr.body))
	resp, err := rawClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PutMetricData: %d %q", resp.StatusCode, b)
	}
	return nil
}

func ingest(ctx context.Context, endpoint string, pid int, cfg config) error {
	if cfg.datums < 1 || cfg.datums > 1000 || cfg.series < 1 {
		return fmt.Errorf("-datums must be 1..1000 and -series positive")
	}
	inputs := ingestInputs(cfg.series, cfg.datums, time.Now().Truncate(time.Second))
	sdk := newCloudWatchClient(endpoint, true, nil)
	sdkIdentity := newCloudWatchClient(endpoint, false, nil)
	// Capturing also creates every series, so that all variants put into existing series.
	gz, err := captureBodies(ctx, endpoint, true, inputs)
	if err != nil {
		return err
	}
	plain, err := captureBodies(ctx, endpoint, false, inputs)
	if err != nil {
		return err
	}
	if enc := gz[0].header.Get("Content-Encoding"); enc != "gzip" {
		return fmt.Errorf("the SDK did not gzip a %d-byte body (Content-Encoding %q)", len(plain[0].body), enc)
	}
	fmt.Printf("%d series, %d datums per request; body %d bytes CBOR, %d bytes gzipped\n",
		cfg.series, cfg.datums, len(plain[0].body), len(gz[0].body))
	n := int64(len(inputs))
	ops := []op{
		{name: "PutMetricData(sdk)", call: func(ctx context.Context, seq int64) error {
			_, err := sdk.PutMetricData(ctx, inputs[seq%n])
			return err
		}},
		{name: "PutMetricData(sdk,identity)", call: func(ctx context.Context, seq int64) error {
			_, err := sdkIdentity.PutMetricData(ctx, inputs[seq%n])
			return err
		}},
		{name: "PutMetricData(raw,gzip)", call: func(ctx context.Context, seq int64) error {
			return postRaw(ctx, endpoint, gz[seq%n])
		}},
		{name: "PutMetricData(raw,identity)", call: func(ctx context.Context, seq int64) error {
			return postRaw(ctx, endpoint, plain[seq%n])
		}},
	}
	fmt.Printf("%-28s %5s %9s %12s %8s %8s %6s %20s %20s\n", "operation", "conc", "req/s", "datapoints/s", "p50 ms", "p99 ms", "errors",
		"server µs CPU/1000dp", "client µs CPU/1000dp")
	for _, o := range ops {
		if !selected(cfg.ops, o.name) {
			continue
		}
		for _, c := range cfg.concurrency {
			cpu0, self0 := cpuTime(pid), cpuTime(os.Getpid())
			r := cell(ctx, o, c, cfg.duration)
			kdp := float64(r.count) * float64(cfg.datums) / 1000
			server, client := "-", "-"
			if r.count > 0 {
				client = fmt.Sprintf("%.0f", float64((cpuTime(os.Getpid())-self0).Microseconds())/kdp)
				if pid != 0 {
					server = fmt.Sprintf("%.0f", float64((cpuTime(pid)-cpu0).Microseconds())/kdp)
				}
			}
			fmt.Printf("%-28s %5d %9.0f %12.0f %8.2f %8.2f %6d %20s %20s\n", o.name, c, r.rate, r.rate*float64(cfg.datums),
				ms(r.p50), ms(r.p99), r.errors, server, client)
			if r.firstErr != nil {
				fmt.Printf("    first error: %v\n", r.firstErr)
			}
		}
	}
	// The data landed: the first series holds datapoints.
	out, err := sdk.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{Namespace: aws.String("AWS/ECS"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("bench")}, {Name: aws.String("ServiceName"), Value: aws.String("s0")}},
		StartTime:  aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now().Add(time.Minute)), Period: aws.Int32(3600),
		Statistics: []cwtypes.Statistic{cwtypes.StatisticSampleCount}})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	var samples float64
	for _, d := range out.Datapoints {
		samples += aws.ToFloat64(d.SampleCount)
	}
	fmt.Printf("check: series s0 holds %.0f datapoints\n", samples)
	if samples < 2 {
		return fmt.Errorf("check: series s0 holds %.0f datapoints, want at least 2", samples)
	}
	if pid != 0 {
		fmt.Printf("server RSS: %s\n", rss(pid))
	}
	return nil
}
