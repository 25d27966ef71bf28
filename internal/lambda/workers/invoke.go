package workers

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
)

// InvokeRequest is one synchronous invocation.
type InvokeRequest struct {
	Function *Function
	// Resource is the metrics' Resource dimension and the qualifier of the invoked ARN:
	// "name:alias", "name:version", or "name" for an unqualified $LATEST ("" = derived from
	// the version).
	Resource      string
	Payload       []byte // the event (JSON); not copied, must not change during the call
	ClientContext string // passed as Lambda-Runtime-Client-Context
}

// InvokeResult is the outcome of an invocation that ran (or failed to start) on a worker.
type InvokeResult struct {
	Payload []byte
	// FunctionError is "" or "Unhandled" (runtime /error, crash, timeout, init failure).
	FunctionError string
	// LogTail is the end (at most 4 KB) of the worker's log during this invocation, with
	// Lambda's START, END and REPORT lines.
	LogTail         []byte
	ExecutedVersion string
	// Duration is the handler's time: from handing the event to the worker until /response
	// or /error (the timeout when it timed out).
	Duration time.Duration
	// InitDuration is the init time of the environment on its first invocation (cold starts).
	InitDuration time.Duration
	Provisioned  bool // ran on a provisioned (warm) environment
	ColdStart    bool // started a new environment for this invocation
	RequestID    string
}

// invocation is one dispatched invocation; fields are guarded by Pool.mu, except those
// written by the claimer (the one goroutine that finishes it) before finishLocked.
type invocation struct {
	id            string
	payload       []byte
	clientContext string
	arn           string
	w             *worker
	v             *version
	resource      string
	timeout       time.Duration
	start         time.Time // delivered to the runtime
	deadline      time.Time
	delivered     bool
	finished      bool
	counted       bool // counted in the running invocations
	odSlot        bool // holds an on-demand concurrency slot
	provisioned   bool
	cold          bool
	initDur       time.Duration
	logStart      int64
	claimed       atomic.Bool
	done          chan struct{}

	// set by the claimer
	end     time.Time
	res     result
	logTail []byte
}

// claim makes the caller the one goroutine that finishes the invocation.
func (inv *invocation) claim() bool { return inv.claimed.CompareAndSwap(false, true) }

// result is how an invocation ended.
type result struct {
	payload     []byte   // /response body
	errBody     []byte   // /error body
	errType     string   // Lambda-Runtime-Function-Error-Type
	fail        *failure // no answer from the function: crash, init failure, too large
	timedOut    bool
	undelivered bool // the worker died before taking the event: it may run elsewhere
	abandoned   bool // the caller stopped waiting before a cold start ended
	initFailed  bool
}

// Invoke runs an invocation and waits for its result: on an idle provisioned worker of the
// version first, else on an idle on-demand worker, else on a new on-demand worker (a cold
// start) if the concurrency limits allow, else it returns a *ThrottleError. Function errors
// are results (FunctionError "Unhandled"), not errors. When ctx ends first Invoke returns
// ctx's error; the invocation itself runs to its end or its timeout, as in Lambda.
func (p *Pool) Invoke(ctx context.Context, req InvokeRequest) (*InvokeResult, error) {
	if req.Function == nil {
		return nil, errors.New("workers: Invoke without a Function")
	}
	for attempt := 0; ; attempt++ {
		inv, launch, err := p.route(&req)
		if err != nil {
			return nil, err
		}
		if launch != nil {
			p.launch(launch)
		}
		select {
		case <-inv.done:
		case <-ctx.Done():
			p.abandon(inv)
			select {
			case <-inv.done:
				if inv.res.abandoned {
					return nil, ctx.Err()
				}
			default:
				return nil, ctx.Err()
			}
		}
		if inv.res.undelivered && attempt == 0 {
			continue // the worker died before it took the event: run it elsewhere
		}
		return p.resultOf(inv), nil
	}
}

// route picks (or starts) the worker of an invocation and dispatches it.
func (p *Pool) route(req *InvokeRequest) (*invocation, *worker, error) {
	inv := &invocation{
		id:            newRequestID(),
		payload:       req.Payload,
		clientContext: req.ClientContext,
		done:          make(chan struct{}),
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil, ErrClosed
	}
	if !p.started {
		return nil, nil, ErrNotStarted
	}
	v := p.versionLocked(req.Function)
	fs := v.fs
	inv.v = v
	inv.resource = req.Resource
	if inv.resource == "" {
		inv.resource = v.defResource
	}
	if inv.resource == v.fn.Name {
		inv.arn = v.arnPrefix + v.fn.Name
	} else {
		inv.arn = v.arnPrefix + v.fn.Name + ":" + qualifierOf(inv.resource)
	}
	c := v.cfg
	if c != nil && len(v.idleProv) > 0 && v.provBusy < p.availableLocked(c) {
		w := v.idleProv[len(v.idleProv)-1]
		v.idleProv[len(v.idleProv)-1] = nil
		v.idleProv = v.idleProv[:len(v.idleProv)-1]
		inv.provisioned = true
		inv.counted = true
		v.provBusy++
		p.inflightLocked(fs, 1)
		c.met.invocations++
		p.pcChangedLocked(v)
		p.dispatchLocked(w, inv)
		return inv, nil, nil
	}
	if reason, ok := p.admitLocked(fs); !ok {
		fs.a.met.throttle(v.fn.Name, inv.resource)
		return nil, nil, &ThrottleError{Reason: reason}
	}
	p.adjustLocked(fs, 1, 0)
	inv.odSlot = true
	inv.counted = true
	p.inflightLocked(fs, 1)
	if c != nil && c.met != nil {
		c.met.spillover++
	}
	if n := len(v.idleOD); n > 0 {
		w := v.idleOD[n-1]
		v.idleOD[n-1] = nil
		v.idleOD = v.idleOD[:n-1]
		p.dispatchLocked(w, inv)
		return inv, nil, nil
	}
	w := p.newWorkerLocked(v, false)
	w.pending = inv
	w.state = wStarting
	inv.w = w
	inv.cold = true
	return inv, w, nil
}

// dispatchLocked hands an invocation to an initialised worker: the worker's /next (blocked
// now or called soon) delivers it.
func (p *Pool) dispatchLocked(w *worker, inv *invocation) {
	now := time.Now()
	w.state = wBusy
	w.cur = inv
	inv.w = w
	inv.timeout = w.v.fn.Timeout
	inv.deadline = now.Add(inv.timeout)
	w.timer.Reset(inv.timeout)
	select {
	case <-w.nextCh: // a stale event of an invocation that ended undelivered
	default:
	}
	w.nextCh <- inv
}

// abandon handles a caller that stopped waiting: a cold start not dispatched yet gives its
// slot back (the worker, once initialised, stays as an idle on-demand worker).
func (p *Pool) abandon(inv *invocation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := inv.w
	if w == nil || w.pending != inv || !inv.claim() {
		return
	}
	w.pending = nil
	p.finishLocked(inv, result{undelivered: true, abandoned: true}, false)
	if w.retire {
		p.stopWorkerLocked(w, !w.initialised)
	}
}

// finishLocked ends a claimed invocation: accounting, metrics, the worker's next state, and
// the waiter's wake-up. kill stops the worker at once (timeout).
func (p *Pool) finishLocked(inv *invocation, res result, kill bool) {
	if inv.finished {
		return
	}
	inv.finished = true
	inv.res = res
	if inv.end.IsZero() {
		inv.end = time.Now()
	}
	v := inv.v
	fs := v.fs
	if inv.odSlot {
		inv.odSlot = false
		p.adjustLocked(fs, -1, 0)
	}
	if inv.counted {
		inv.counted = false
		p.inflightLocked(fs, -1)
	}
	w := inv.w
	if w != nil && w.cur == inv {
		w.cur = nil
		w.timer.Stop()
		if inv.provisioned {
			w.v.provBusy--
			p.pcChangedLocked(w.v)
		}
		if w.state == wBusy {
			switch {
			case kill:
				p.stopWorkerLocked(w, true)
			case w.stopping:
			case w.retire || w.v.orphan || (w.provisioned && w.v.cfg == nil):
				p.stopWorkerLocked(w, false)
				if w.provisioned && w.v.cfg != nil {
					p.reconcileAndLaunchLocked(w.v)
				}
			default:
				p.makeIdleLocked(w, time.Now())
			}
		}
	}
	if !res.undelivered {
		var dur time.Duration
		if inv.delivered {
			dur = inv.end.Sub(inv.start)
		}
		failed := res.timedOut || res.fail != nil || res.errBody != nil || res.errType != ""
		fs.a.met.invocation(v.fn.Name, inv.resource, v.fn.Version, failed, inv.delivered, dur)
	}
	close(inv.done)
}

// onTimeout fires when an invocation's time is up: it fails with Lambda's timeout message
// and the worker is killed (a provisioned one is replaced).
func (w *worker) onTimeout() {
	p := w.p
	p.mu.Lock()
	inv := w.cur
	if inv == nil || inv.finished || time.Now().Before(inv.deadline) || !inv.claim() {
		p.mu.Unlock()
		return
	}
	delivered := inv.delivered
	p.mu.Unlock()
	inv.end = time.Now()
	res := result{timedOut: true}
	if delivered {
		p.closeLog(w, inv, &res)
	}
	p.mu.Lock()
	p.finishLocked(inv, res, true)
	p.mu.Unlock()
}

// resultOf builds the caller's result of a finished invocation.
func (p *Pool) resultOf(inv *invocation) *InvokeResult {
	r := &InvokeResult{
		ExecutedVersion: inv.v.fn.Version,
		Provisioned:     inv.provisioned,
		ColdStart:       inv.cold,
		InitDuration:    inv.initDur,
		LogTail:         inv.logTail,
		RequestID:       inv.id,
	}
	if inv.delivered {
		r.Duration = inv.end.Sub(inv.start)
	}
	res := &inv.res
	if res.initFailed && inv.w != nil {
		// What the environment printed during its failed init.
		s := inv.w.sink
		s.sync()
		r.LogTail = s.tailSince(s.size() - logTailSize)
	}
	switch {
	case res.timedOut:
		r.FunctionError = "Unhandled"
		r.Payload = timeoutPayload(inv)
	case res.fail != nil:
		r.FunctionError = "Unhandled"
		if len(res.fail.body) > 0 && json.Valid(res.fail.body) {
			r.Payload = res.fail.body
		} else {
			r.Payload = errorJSON("RequestId: "+inv.id+" Error: "+res.fail.msg, res.fail.errType)
		}
	case res.errBody != nil || res.errType != "":
		r.FunctionError = "Unhandled"
		if len(res.errBody) > 0 && json.Valid(res.errBody) {
			r.Payload = res.errBody
		} else {
			t := res.errType
			if t == "" {
				t = "Runtime.Unknown"
			}
			r.Payload = errorJSON(string(res.errBody), t)
		}
	default:
		r.Payload = res.payload
		if r.Payload == nil {
			r.Payload = []byte{}
		}
	}
	return r
}

func timeoutMessage(inv *invocation) string {
	return inv.end.UTC().Format("2006-01-02T15:04:05.000Z") + " " + inv.id +
		" Task timed out after " + strconv.FormatFloat(inv.timeout.Seconds(), 'f', 2, 64) + " seconds"
}

func timeoutPayload(inv *invocation) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
	}{timeoutMessage(inv)})
	return b
}

func errorJSON(msg, typ string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, typ})
	return b
}

// closeLog writes the invocation's last log lines (timeout message, END, REPORT) and keeps
// the log tail; the claimer calls it before finishLocked, outside Pool.mu.
func (p *Pool) closeLog(w *worker, inv *invocation, res *result) {
	s := w.sink
	s.sync()
	dur := inv.end.Sub(inv.start)
	ms := float64(dur) / 1e6
	b := make([]byte, 0, 256)
	if res.timedOut {
		b = append(b, timeoutMessage(inv)...)
		b = append(b, '\n')
	}
	b = append(b, "END RequestId: "...)
	b = append(b, inv.id...)
	b = append(b, "\nREPORT RequestId: "...)
	b = append(b, inv.id...)
	b = append(b, "\tDuration: "...)
	b = strconv.AppendFloat(b, ms, 'f', 2, 64)
	b = append(b, " ms\tBilled Duration: "...)
	b = strconv.AppendInt(b, int64(math.Ceil(ms)), 10)
	b = append(b, " ms\tMemory Size: "...)
	b = strconv.AppendInt(b, int64(w.fn.MemoryMB), 10)
	b = append(b, " MB\t"...)
	if inv.initDur > 0 {
		b = append(b, "Init Duration: "...)
		b = strconv.AppendFloat(b, float64(inv.initDur)/1e6, 'f', 2, 64)
		b = append(b, " ms\t"...)
	}
	if res.timedOut {
		b = append(b, "Status: timeout"...)
	} else if res.fail != nil {
		b = append(b, "Status: error\tError Type: "...)
		b = append(b, res.fail.errType...)
	}
	b = append(b, '\n')
	s.write(b)
	inv.logTail = s.tailSince(inv.logStart)
}

// newRequestID returns a random UUID (version 4 layout).
func newRequestID() string {
	var u [16]byte
	a, b := rand.Uint64(), rand.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}

// newTraceID returns an X-Ray trace header: Root=1-<time>-<random>;Parent=<random>;Sampled=0.
func newTraceID(now time.Time) string {
	var raw [20]byte
	t := uint32(now.Unix())
	raw[0], raw[1], raw[2], raw[3] = byte(t>>24), byte(t>>16), byte(t>>8), byte(t)
	a, b := rand.Uint64(), rand.Uint64()
	c := rand.Uint64()
	for i := range 8 {
		raw[4+i] = byte(a >> (8 * i))
		raw[12+i] = byte(b >> (8 * i))
	}
	var s [82]byte
	n := copy(s[:], "Root=1-")
	hex.Encode(s[n:], raw[0:4])
	n += 8
	s[n] = '-'
	n++
	hex.Encode(s[n:], raw[4:16])
	n += 24
	n += copy(s[n:], ";Parent=")
	var par [8]byte
	for i := range 8 {
		par[i] = byte(c >> (8 * i))
	}
	hex.Encode(s[n:], par[:])
	n += 16
	n += copy(s[n:], ";Sampled=0")
	return string(s[:n])
}
