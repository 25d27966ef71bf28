package workers

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type wstate uint8

const (
	wStarting wstate = iota // launched, has not polled /next yet
	wIdle                   // initialised, waiting for an invocation
	wBusy                   // an invocation is dispatched to it
	wDead                   // exited
)

// worker is one execution environment: a bootstrap process and its Runtime API endpoint.
// Its fields are guarded by Pool.mu unless noted.
type worker struct {
	p           *Pool
	v           *version
	fn          *Function // the generation's function (read-only)
	id          string    // 32 hex digits: the log stream suffix, log file name and token
	provisioned bool

	state       wstate
	initialised bool
	retire      bool // stop when the current invocation ends
	stopping    bool // stop signal sent (or decided before launch)
	initFail    *failure
	pending     *invocation // cold start: the invocation waiting for this worker's init
	cur         *invocation // dispatched invocation
	nextCh      chan *invocation
	quit        chan struct{} // closed when the worker is being stopped
	created     time.Time
	initDur     time.Duration
	idleSince   time.Time
	reportInit  bool // the next REPORT line carries Init Duration
	launched    bool
	pid         int
	timer       *time.Timer // invocation timeout
	initTimer   *time.Timer
	killTimer   *time.Timer
	exitHandled bool

	srv  *http.Server // own listener (not in shared mode)
	sink *logSink     // own lock

	sigMu  sync.Mutex // guards reaped and signals: no signal after the process is reaped
	reaped bool
}

// failure is why an init or an invocation failed without the function's own answer.
type failure struct {
	errType string
	msg     string
	body    []byte // the runtime's /init/error body, if any
}

const sigKill = syscall.SIGKILL

func newWorkerID() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		u := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(u >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

// newWorkerLocked registers a worker of v; the caller launches it after unlocking.
func (p *Pool) newWorkerLocked(v *version, provisioned bool) *worker {
	w := &worker{
		p: p, v: v, fn: &v.fn, id: newWorkerID(), provisioned: provisioned,
		nextCh: make(chan *invocation, 1), quit: make(chan struct{}), created: p.now(),
	}
	w.sink = newLogSink()
	w.timer = time.AfterFunc(time.Hour, w.onTimeout)
	w.timer.Stop()
	v.workers[w] = struct{}{}
	p.workers[w] = struct{}{}
	p.tokens[w.id] = w
	if provisioned {
		v.provLive++
		p.updatePCLocked(v)
	}
	p.wg.Add(1)
	return w
}

// launchAll launches workers in the background, a few at a time.
func (p *Pool) launchAll(ws []*worker) {
	for _, w := range ws {
		go p.launch(w)
	}
}

// launch starts a registered worker's process. Any failure ends as an init failure.
func (p *Pool) launch(w *worker) {
	p.spawnSem <- struct{}{}
	err := p.start(w)
	<-p.spawnSem
	if err != nil {
		p.mu.Lock()
		stopped := w.stopping
		if w.initFail == nil && !stopped {
			w.initFail = &failure{errType: "Runtime.InvalidEntrypoint", msg: err.Error()}
		}
		p.mu.Unlock()
		if !stopped {
			p.log.Warn("lambda worker failed to start", "function", w.fn.Name, "version", w.fn.Version, "err", err)
		}
		p.onExit(w, err)
	}
}

func (p *Pool) start(w *worker) error {
	p.mu.Lock()
	stopped := w.stopping
	shared := p.o.SharedRuntimeAPI
	sharedAddr := p.addr
	p.mu.Unlock()
	if stopped {
		return errors.New("stopped before start")
	}
	var apiAddr string
	if shared {
		apiAddr = sharedAddr + "/w/" + w.id
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("runtime API listener: %w", err)
		}
		w.srv = &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
		apiAddr = ln.Addr().String()
		go func() { _ = w.srv.Serve(ln) }()
	}

	var logFile *os.File
	if p.o.LogDir != "" {
		dir := filepath.Join(p.o.LogDir, safeName(w.fn.Name), safeName(w.fn.Version))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("log directory: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(dir, w.id+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("log file: %w", err)
		}
		logFile = f
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		if logFile != nil {
			logFile.Close()
		}
		return fmt.Errorf("log pipe: %w", err)
	}
	w.sink.attach(pr, logFile)

	cmd := &exec.Cmd{
		Path:        filepath.Join(w.fn.CodeDir, "bootstrap"),
		Args:        []string{filepath.Join(w.fn.CodeDir, "bootstrap")},
		Dir:         w.fn.CodeDir,
		Env:         p.environ(w, apiAddr),
		Stdout:      pw,
		Stderr:      pw,
		SysProcAttr: sysProcAttr(),
	}
	p.mu.Lock()
	if w.stopping {
		p.mu.Unlock()
		pw.Close()
		w.sink.abort()
		return errors.New("stopped before start")
	}
	w.created = p.now()
	p.mu.Unlock()
	err = cmd.Start()
	pw.Close()
	if err != nil {
		w.sink.abort()
		return err
	}
	go w.sink.readLoop()

	p.mu.Lock()
	w.launched = true
	w.pid = cmd.Process.Pid
	if w.stopping {
		w.signal(sigKill)
	} else {
		w.initTimer = time.AfterFunc(p.o.InitTimeout, w.onInitTimeout)
	}
	p.mu.Unlock()
	go p.wait(w, cmd)
	return nil
}

// wait reaps the process and handles its exit.
func (p *Pool) wait(w *worker, cmd *exec.Cmd) {
	err := reap(w, cmd)
	p.onExit(w, err)
}

// signal sends sig to the worker's process group unless it has been reaped.
func (w *worker) signal(sig syscall.Signal) {
	w.sigMu.Lock()
	if !w.reaped && w.pid > 0 {
		_ = syscall.Kill(-w.pid, sig)
	}
	w.sigMu.Unlock()
}

// environ builds the worker's environment: the function's variables, then the reserved ones.
func (p *Pool) environ(w *worker, apiAddr string) []string {
	f := w.fn
	initType := "on-demand"
	if w.provisioned {
		initType = "provisioned-concurrency"
	}
	env := make(map[string]string, len(f.Env)+24)
	for k, v := range f.Env {
		env[k] = v
	}
	reserved := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          apiAddr,
		"_HANDLER":                        f.Handler,
		"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     f.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      w.created.UTC().Format("2006/01/02") + "/[" + f.Version + "]" + w.id,
		"AWS_REGION":                      f.Scope.Region,
		"AWS_DEFAULT_REGION":              f.Scope.Region,
		"LAMBDA_TASK_ROOT":                f.CodeDir,
		"LAMBDA_RUNTIME_DIR":              f.CodeDir,
		"AWS_LAMBDA_INITIALIZATION_TYPE":  initType,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH":                 "/lib64:/usr/lib64:" + f.CodeDir + ":" + filepath.Join(f.CodeDir, "lib") + ":/opt/lib",
		// Lambda gives the execution role's credentials; a local pool has no role. These
		// placeholders let SDKs start; Options.ExtraEnv can supply real ones.
		"AWS_ACCESS_KEY_ID":     "AKIAAUTOSCALEDLOCAL0",
		"AWS_SECRET_ACCESS_KEY": "autoscaled-local-lambda-placeholder-secret",
		"AWS_SESSION_TOKEN":     "autoscaled-local-lambda-placeholder-token",
	}
	if f.Runtime != "" && f.Runtime != "provided" && f.Runtime[:min(len(f.Runtime), 9)] != "provided." {
		reserved["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + f.Runtime
	}
	for k, v := range reserved {
		env[k] = v
	}
	if p.o.ExtraEnv != nil {
		for k, v := range p.o.ExtraEnv(f) {
			env[k] = v
		}
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// safeName keeps a path element inside its directory.
func safeName(s string) string {
	if s == "" || s == "." || s == ".." {
		return "_"
	}
	b := []byte(s)
	for i, c := range b {
		if c == '/' || c == '\\' || c == 0 {
			b[i] = '_'
		}
	}
	return string(b)
}

// onInitTimeout fails a worker that has not polled /next within InitTimeout.
func (w *worker) onInitTimeout() {
	p := w.p
	p.mu.Lock()
	if !w.initialised && !w.stopping && w.state != wDead {
		w.initFail = &failure{errType: "Sandbox.Timedout",
			msg: fmt.Sprintf("Init timed out after %.2f seconds", p.o.InitTimeout.Seconds())}
		p.stopWorkerLocked(w, true)
	}
	p.mu.Unlock()
}

// onInitLocked handles a worker's first /next: its init is done.
func (p *Pool) onInitLocked(w *worker) {
	if w.initialised || w.state == wDead {
		return
	}
	w.initialised = true
	now := p.now()
	w.initDur = now.Sub(w.created)
	// Like Lambda, only on-demand cold starts report an Init Duration: a provisioned
	// environment initialised before any invocation waited for it.
	w.reportInit = !w.provisioned
	if w.initTimer != nil {
		w.initTimer.Stop()
	}
	v := w.v
	if w.provisioned {
		v.provAlloc++
		p.pcChangedLocked(v)
		if c := v.cfg; c != nil && c.status == StatusReady {
			c.failures = 0
			c.retryAt = time.Time{}
		}
	}
	if w.stopping {
		return
	}
	if inv := w.pending; inv != nil {
		w.pending = nil
		inv.initDur = w.initDur
		p.dispatchLocked(w, inv)
		return
	}
	if w.retire || v.orphan || (w.provisioned && v.cfg == nil) {
		p.stopWorkerLocked(w, false)
		return
	}
	p.makeIdleLocked(w, now)
	if w.provisioned && v.cfg != nil {
		p.reconcileAndLaunchLocked(v)
	}
}

// makeIdleLocked puts an initialised worker on its idle stack.
func (p *Pool) makeIdleLocked(w *worker, now time.Time) {
	w.state = wIdle
	w.idleSince = now
	if w.provisioned {
		w.v.idleProv = append(w.v.idleProv, w)
	} else {
		w.v.idleOD = append(w.v.idleOD, w)
	}
}

func removeWorker(s []*worker, w *worker) []*worker {
	for i, x := range s {
		if x == w {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}

// stopWorkerLocked stops a worker: SIGKILL when kill, else SIGTERM then SIGKILL after
// StopGrace. A worker not launched yet is stopped by launch.
func (p *Pool) stopWorkerLocked(w *worker, kill bool) {
	if w.state == wDead {
		return
	}
	if w.state == wIdle {
		if w.provisioned {
			w.v.idleProv = removeWorker(w.v.idleProv, w)
		} else {
			w.v.idleOD = removeWorker(w.v.idleOD, w)
		}
	}
	if !w.stopping {
		w.stopping = true
		close(w.quit)
	}
	if !w.launched {
		return
	}
	if kill || !w.initialised {
		w.signal(syscall.SIGKILL)
		return
	}
	if w.killTimer == nil {
		w.signal(syscall.SIGTERM)
		w.killTimer = time.AfterFunc(p.o.StopGrace, func() { w.signal(syscall.SIGKILL) })
	}
}

// retireLocked stops a worker now if it is not running an invocation, else when it ends.
func (p *Pool) retireLocked(w *worker) {
	if w.state == wBusy || w.pending != nil {
		w.retire = true
		return
	}
	p.stopWorkerLocked(w, !w.initialised)
}

// onExit handles a worker's exit (or a failed launch): the invocation it held fails, an init
// failure is counted, the accounting is updated and a provisioned configuration reconciled.
func (p *Pool) onExit(w *worker, waitErr error) {
	exitMsg := "Runtime exited without providing a reason"
	if waitErr != nil {
		exitMsg = "Runtime exited with error: " + waitErr.Error()
	}
	crash := &failure{errType: "Runtime.ExitError", msg: exitMsg}

	// The invocation it was running fails; write its last log lines first.
	p.mu.Lock()
	inv := w.cur
	delivered := inv != nil && inv.delivered
	p.mu.Unlock()
	claimed := inv != nil && inv.claim()
	if claimed && delivered {
		inv.end = time.Now()
		p.closeLog(w, inv, &result{fail: crash})
	}

	p.mu.Lock()
	if w.exitHandled {
		p.mu.Unlock()
		return
	}
	w.exitHandled = true
	v := w.v
	wasInit := w.initialised
	intentional := w.stopping && w.initFail == nil
	if w.state == wIdle {
		if w.provisioned {
			v.idleProv = removeWorker(v.idleProv, w)
		} else {
			v.idleOD = removeWorker(v.idleOD, w)
		}
	}
	w.state = wDead
	if !w.stopping {
		w.stopping = true
		close(w.quit)
	}
	if claimed {
		p.finishLocked(inv, result{fail: crash, undelivered: !delivered}, false)
	}
	if !wasInit && w.initFail == nil && !intentional {
		w.initFail = crash
	}
	if pinv := w.pending; pinv != nil {
		w.pending = nil
		f := w.initFail
		if f == nil {
			f = crash
		}
		if pinv.claim() {
			p.finishLocked(pinv, result{fail: f, initFailed: true}, false)
		}
	}
	w.timer.Stop()
	if w.initTimer != nil {
		w.initTimer.Stop()
	}
	if w.killTimer != nil {
		w.killTimer.Stop()
	}
	delete(v.workers, w)
	delete(p.workers, w)
	delete(p.tokens, w.id)
	if len(v.workers) == 0 && v.orphan {
		delete(p.orphans, v)
	}
	if w.provisioned {
		v.provLive--
		if wasInit {
			v.provAlloc--
		}
		if c := v.cfg; c != nil && !wasInit && w.initFail != nil && !intentional {
			c.initFailedLocked(p, w.initFail)
		}
		p.updatePCLocked(v)
		p.pcChangedLocked(v)
		if v.cfg != nil {
			p.reconcileAndLaunchLocked(v)
		}
	}
	if !wasInit && w.initFail != nil && !intentional {
		p.log.Warn("lambda worker init failed", "function", w.fn.Name, "version", w.fn.Version,
			"worker", w.id, "type", w.initFail.errType, "msg", w.initFail.msg)
	}
	p.mu.Unlock()
	if w.srv != nil {
		_ = w.srv.Close()
	}
	p.wg.Done()
}
