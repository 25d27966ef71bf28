package workers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// Defaults of Options.
const (
	DefaultAccountLimit        = 1000
	DefaultAllocationBurst     = 3000
	DefaultAllocationPerMinute = 500
	DefaultInitTimeout         = 10 * time.Second
	DefaultInitRetries         = 3
	DefaultOnDemandIdle        = 5 * time.Minute
	DefaultMetricsPeriod       = 60 * time.Second
	DefaultStopGrace           = 2 * time.Second
	DefaultAsyncQueueSize      = 10000
	DefaultAsyncWorkers        = 32
	DefaultAsyncRetryDelay     = time.Minute
	DefaultAsyncMaxEventAge    = 6 * time.Hour
	// MaxResponseSize is Lambda's synchronous response payload limit (6 MB).
	MaxResponseSize = 6 * 1024 * 1024
	// logTailSize is how much of a worker's log Invoke returns (Lambda's LogResult: 4 KB).
	logTailSize = 4096
)

// Options configures a Pool. The zero value works: Lambda's defaults, no log files, no metrics.
type Options struct {
	Logger *slog.Logger
	// LogDir, when set, receives each worker's stdout and stderr in
	// LogDir/<function>/<version>/<worker-id>.log. The last 4 KB are always kept in memory
	// for InvokeResult.LogTail.
	LogDir string
	// AccountLimit is the account's concurrency limit per scope (0 = 1000).
	AccountLimit int
	// AllocationDelay is the wait before a provisioned allocation starts (AWS: a minute or
	// two; default 0).
	AllocationDelay time.Duration
	// AllocationBurst is how many provisioned workers may start at once (0 = 3000);
	// AllocationPerMinute how many more per minute after that (0 = 500).
	AllocationBurst     int
	AllocationPerMinute int
	// AvailableAtEnd: false, Available rises with Allocated; true, Available stays at its
	// value before the Put until the configuration reaches READY (resources.md D.1), and only
	// that many provisioned workers take invocations.
	AvailableAtEnd bool
	// InitTimeout: a worker that has not polled /next by then failed its init (0 = 10 s).
	InitTimeout time.Duration
	// InitRetries: failed inits before a provisioned configuration goes FAILED (0 = 3).
	InitRetries int
	// OnDemandIdle: an on-demand worker idle this long is stopped (0 = 5 min).
	OnDemandIdle time.Duration
	// MetricsPeriod is the period of the published metrics (0 = 60 s).
	MetricsPeriod time.Duration
	// SampleInterval is how often the gauges (concurrency, utilization) are sampled
	// (0 = min(1 s, MetricsPeriod/10), at least 5 ms).
	SampleInterval time.Duration
	// Metrics receives the AWS/Lambda metrics; nil publishes none.
	Metrics MetricSink
	// EmitIdleUtilization makes an idle version that has provisioned concurrency publish
	// ProvisionedConcurrencyUtilization (and ProvisionedConcurrentExecutions) 0 instead of
	// nothing, so that target tracking can scale it in (see the package documentation).
	EmitIdleUtilization bool
	// Clock tells the time of metrics and statuses (nil = time.Now). Timers use real time.
	Clock func() time.Time

	// SharedRuntimeAPI serves every worker from the pool's one listener with a path prefix:
	// AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>/w/<worker-id>. aws-lambda-go accepts that, but
	// runtime clients that split the variable into host and port do not; the default (false)
	// gives each worker its own listener and a plain host:port.
	SharedRuntimeAPI bool
	// ExtraEnv returns variables added to (and overriding) a worker's reserved environment,
	// for instance real role credentials or AWS_ENDPOINT_URL. nil adds nothing.
	ExtraEnv func(f *Function) map[string]string
	// StopGrace is the wait between SIGTERM and SIGKILL when a worker is stopped (0 = 2 s).
	StopGrace time.Duration

	// AsyncQueueSize bounds the queue of InvokeAsync (0 = 10000); AsyncWorkers is how many
	// queued events run at once (0 = 32).
	AsyncQueueSize int
	AsyncWorkers   int
	// AsyncRetryDelay is the wait before the first retry of an event whose invocation failed
	// with a function error; the second retry waits twice as long (0 = 1 min, as Lambda).
	AsyncRetryDelay time.Duration
	// AsyncMaxEventAge: a throttled event is retried (with backoff) until it is this old
	// (0 = 6 h).
	AsyncMaxEventAge time.Duration
	// OnAsyncResult, when set, is called with the final outcome of each queued event (for
	// destinations and dead-letter queues). attempts counts invocations, throttles excluded.
	OnAsyncResult func(req InvokeRequest, res *InvokeResult, err error, attempts int)
}

// MetricSink receives metrics; metrics.Store implements it.
type MetricSink interface {
	Put(ctx context.Context, scope autoscaling.Scope, data []metrics.Datum) error
}

// Function is one executable version of a function: what the API layer resolved. The pool
// copies it; the Env map must not be changed afterwards.
type Function struct {
	Scope      autoscaling.Scope // account + region (metrics go to this scope)
	Name       string            // function name
	Version    string            // "$LATEST", "1", "2", ...
	CodeDir    string            // unpacked code; CodeDir/bootstrap is the executable
	CodeSHA256 string            // identifies the code; workers of other code are retired
	Handler    string            // _HANDLER
	Runtime    string            // provided.al2 / provided.al2023
	Env        map[string]string // the function's environment variables
	Timeout    time.Duration     // 0 = 3 s
	MemoryMB   int               // 0 = 128 (reported, not enforced)
	// ReservedConcurrency is the function-level reserved concurrency (shared by all
	// versions); nil leaves it as it is (none until set). The latest value passed to any call
	// wins; SetReservedConcurrency sets (or clears) it without a call that needs a Function.
	// An API layer that calls SetReservedConcurrency passes nil here, so that a Function
	// resolved before a change (an invocation in flight, a queued event) cannot undo it.
	ReservedConcurrency *int
}

// Key identifies a version: account/region/name/version.
func (f *Function) Key() string {
	return f.Scope.Account + "/" + f.Scope.Region + "/" + f.Name + "/" + f.Version
}

// Errors of the Pool.
var (
	// ErrThrottled is wrapped by *ThrottleError when no concurrency is left.
	ErrThrottled = errors.New("workers: throttled")
	// ErrClosed is returned by calls on a closed pool.
	ErrClosed = errors.New("workers: pool closed")
	// ErrNotStarted is returned by Invoke before Start.
	ErrNotStarted = errors.New("workers: pool not started")
	// ErrQueueFull is returned by InvokeAsync when the event queue is full.
	ErrQueueFull = errors.New("workers: async event queue full")
)

// Throttle reasons (Lambda's TooManyRequestsException Reason).
const (
	ReasonReserved = "ReservedFunctionConcurrentInvocationLimitExceeded"
	ReasonAccount  = "ConcurrentInvocationLimitExceeded"
)

// ThrottleError is returned by Invoke when the invocation was throttled; it wraps
// ErrThrottled.
type ThrottleError struct {
	Reason string
}

func (e *ThrottleError) Error() string {
	return "Rate Exceeded. (" + e.Reason + ")"
}

// Unwrap returns ErrThrottled.
func (e *ThrottleError) Unwrap() error { return ErrThrottled }

// Pool runs the execution environments of local Lambda functions.
type Pool struct {
	o     Options
	log   *slog.Logger
	clock func() time.Time

	mu       sync.Mutex
	started  bool
	closed   bool
	versions map[verKey]*version // current generation of each version
	orphans  map[*version]struct{}
	accts    map[autoscaling.Scope]*acctState
	workers  map[*worker]struct{} // every worker not yet exited
	tokens   map[string]*worker   // by id, for the shared listener
	met      metricsState

	ln   net.Listener
	srv  *http.Server
	addr string

	wg       sync.WaitGroup // one per worker until its exit is handled
	loops    sync.WaitGroup
	quit     chan struct{}
	spawnSem chan struct{}

	asyncQ chan *asyncEvent
}

// New returns a Pool; Start it before use.
func New(o Options) (*Pool, error) {
	if o.AccountLimit < 0 || o.AllocationBurst < 0 || o.AllocationPerMinute < 0 || o.InitRetries < 0 {
		return nil, fmt.Errorf("workers: negative option")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.AccountLimit, DefaultAccountLimit)
	def(&o.AllocationBurst, DefaultAllocationBurst)
	def(&o.AllocationPerMinute, DefaultAllocationPerMinute)
	def(&o.InitRetries, DefaultInitRetries)
	def(&o.AsyncQueueSize, DefaultAsyncQueueSize)
	def(&o.AsyncWorkers, DefaultAsyncWorkers)
	defD(&o.InitTimeout, DefaultInitTimeout)
	defD(&o.OnDemandIdle, DefaultOnDemandIdle)
	defD(&o.MetricsPeriod, DefaultMetricsPeriod)
	defD(&o.StopGrace, DefaultStopGrace)
	defD(&o.AsyncRetryDelay, DefaultAsyncRetryDelay)
	defD(&o.AsyncMaxEventAge, DefaultAsyncMaxEventAge)
	if o.AllocationDelay < 0 {
		o.AllocationDelay = 0
	}
	if o.SampleInterval <= 0 {
		o.SampleInterval = min(time.Second, o.MetricsPeriod/10)
	}
	o.SampleInterval = max(o.SampleInterval, 5*time.Millisecond)
	p := &Pool{
		o:        o,
		log:      o.Logger,
		clock:    o.Clock,
		versions: make(map[verKey]*version),
		orphans:  make(map[*version]struct{}),
		accts:    make(map[autoscaling.Scope]*acctState),
		workers:  make(map[*worker]struct{}),
		tokens:   make(map[string]*worker),
		quit:     make(chan struct{}),
		spawnSem: make(chan struct{}, max(8, 2*runtime.GOMAXPROCS(0))),
		asyncQ:   make(chan *asyncEvent, o.AsyncQueueSize),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	return p, nil
}

// Start starts the shared Runtime API listener on 127.0.0.1:0, the metrics and housekeeping
// loop and the async event dispatchers.
func (p *Pool) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.started {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("workers: runtime API listener: %w", err)
	}
	p.ln = ln
	p.addr = ln.Addr().String()
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serveShared), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	p.met.periodStart = alignTime(p.clock(), p.o.MetricsPeriod)
	p.started = true
	p.loops.Add(1)
	go p.loop()
	for range p.o.AsyncWorkers {
		p.loops.Add(1)
		go p.asyncWorker()
	}
	return nil
}

// RuntimeAPIAddr is the address (host:port) of the shared Runtime API listener. Workers use
// it, with a /w/<worker-id> prefix, when Options.SharedRuntimeAPI is set.
func (p *Pool) RuntimeAPIAddr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// Close stops every worker (SIGTERM, then SIGKILL after StopGrace), waits until each has
// exited, stops the loops and publishes the metrics of the current period. When ctx ends
// first, the remaining workers get SIGKILL at once; Close still waits for them to exit.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	for _, v := range p.versions {
		p.dropConfigLocked(v)
	}
	for w := range p.workers {
		p.stopWorkerLocked(w, false)
	}
	started := p.started
	p.mu.Unlock()

	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		p.mu.Lock()
		for w := range p.workers {
			w.signal(sigKill)
		}
		p.mu.Unlock()
		<-done
	}
	if started {
		close(p.quit)
		p.loops.Wait()
		_ = p.srv.Close()
		p.flushMetrics()
	}
	return err
}

// now is the time of timers and durations (always real time); Options.Clock only dates
// metrics and LastModified.
func (p *Pool) now() time.Time { return time.Now() }

// alignTime rounds t down to a multiple of d since the Unix epoch (as the metric store).
func alignTime(t time.Time, d time.Duration) time.Time {
	n := t.UnixNano()
	q := n / int64(d) * int64(d)
	if q > n {
		q -= int64(d)
	}
	return time.Unix(0, q).In(t.Location())
}

// WorkerCounts is the live worker processes of a version (every generation still running).
type WorkerCounts struct {
	ProvisionedIdle, ProvisionedBusy int // initialised provisioned workers
	OnDemandIdle, OnDemandBusy       int // initialised on-demand workers
	Starting                         int // launched, not initialised yet
	Stopping                         int // told to stop, not exited yet
	// PIDs of every worker process not yet reaped (including stopping ones).
	PIDs []int
}

// Total is the number of live workers.
func (c WorkerCounts) Total() int {
	return c.ProvisionedIdle + c.ProvisionedBusy + c.OnDemandIdle + c.OnDemandBusy + c.Starting + c.Stopping
}

// Workers reports the live worker processes of a version.
func (p *Pool) Workers(key string) WorkerCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	var c WorkerCounts
	count := func(v *version) {
		for w := range v.workers {
			if w.pid > 0 {
				c.PIDs = append(c.PIDs, w.pid)
			}
			switch {
			case w.stopping:
				c.Stopping++
			case !w.initialised:
				c.Starting++
			case w.provisioned && w.state == wBusy:
				c.ProvisionedBusy++
			case w.provisioned:
				c.ProvisionedIdle++
			case w.state == wBusy:
				c.OnDemandBusy++
			default:
				c.OnDemandIdle++
			}
		}
	}
	if v := p.lookupLocked(key); v != nil {
		count(v)
	}
	for v := range p.orphans {
		if v.key == key {
			count(v)
		}
	}
	return c
}
