package workers

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), served
// per worker: each worker has its own listener (ServeHTTP below), or, with
// Options.SharedRuntimeAPI, a /w/<worker-id> prefix on the pool's listener.

const runtimePrefix = "/2018-06-01/runtime/"

// ServeHTTP serves the Runtime API of one worker (its own listener).
func (w *worker) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.p.serveRuntime(w, rw, r, r.URL.Path)
}

// serveShared serves /w/<worker-id>/2018-06-01/runtime/... on the pool's listener.
func (p *Pool) serveShared(rw http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rest, ok := strings.CutPrefix(path, "/w/")
	if !ok {
		apiError(rw, http.StatusNotFound, "Unknown path "+path, "NotFound")
		return
	}
	id, sub, _ := strings.Cut(rest, "/")
	p.mu.Lock()
	w := p.tokens[id]
	p.mu.Unlock()
	if w == nil {
		apiError(rw, http.StatusForbidden, "Unknown or stopped execution environment", "InvalidWorker")
		return
	}
	p.serveRuntime(w, rw, r, "/"+sub)
}

func (p *Pool) serveRuntime(w *worker, rw http.ResponseWriter, r *http.Request, path string) {
	rest, ok := strings.CutPrefix(path, runtimePrefix)
	if !ok {
		apiError(rw, http.StatusNotFound, "Unknown path "+path, "NotFound")
		return
	}
	switch {
	case rest == "invocation/next":
		if r.Method != http.MethodGet {
			apiError(rw, http.StatusMethodNotAllowed, "Method not allowed", "MethodNotAllowed")
			return
		}
		p.handleNext(w, rw, r)
	case rest == "init/error":
		if r.Method != http.MethodPost {
			apiError(rw, http.StatusMethodNotAllowed, "Method not allowed", "MethodNotAllowed")
			return
		}
		p.handleInitError(w, rw, r)
	case strings.HasPrefix(rest, "invocation/"):
		id, action, _ := strings.Cut(rest[len("invocation/"):], "/")
		if r.Method != http.MethodPost || (action != "response" && action != "error") {
			apiError(rw, http.StatusNotFound, "Unknown path "+path, "NotFound")
			return
		}
		p.handleResult(w, rw, r, id, action == "error")
	default:
		apiError(rw, http.StatusNotFound, "Unknown path "+path, "NotFound")
	}
}

// handleNext blocks until an invocation is dispatched to the worker and returns its event.
// The first call ends the worker's init.
func (p *Pool) handleNext(w *worker, rw http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if !w.initialised {
		p.onInitLocked(w)
	}
	p.mu.Unlock()
	for {
		select {
		case inv := <-w.nextCh:
			p.mu.Lock()
			if w.cur != inv || inv.finished || inv.claimed.Load() {
				p.mu.Unlock()
				continue
			}
			inv.delivered = true
			inv.start = time.Now()
			inv.logStart = w.sink.size()
			if w.reportInit {
				w.reportInit = false
				if inv.initDur == 0 {
					inv.initDur = w.initDur
				}
			}
			version := w.fn.Version
			p.mu.Unlock()
			w.sink.writeStart(inv.id, version)
			// One allocation for the header values.
			vals := make([]string, 6)
			vals[0] = inv.id
			vals[1] = strconv.FormatInt(inv.deadline.UnixMilli(), 10)
			vals[2] = inv.arn
			vals[3] = newTraceID(inv.start)
			vals[4] = strconv.Itoa(len(inv.payload))
			vals[5] = inv.clientContext
			h := rw.Header()
			h["Content-Type"] = hdrJSON
			h["Lambda-Runtime-Aws-Request-Id"] = vals[0:1:1]
			h["Lambda-Runtime-Deadline-Ms"] = vals[1:2:2]
			h["Lambda-Runtime-Invoked-Function-Arn"] = vals[2:3:3]
			h["Lambda-Runtime-Trace-Id"] = vals[3:4:4]
			h["Content-Length"] = vals[4:5:5]
			if inv.clientContext != "" {
				h["Lambda-Runtime-Client-Context"] = vals[5:6:6]
			}
			rw.WriteHeader(http.StatusOK)
			_, _ = rw.Write(inv.payload)
			return
		case <-w.quit:
			apiError(rw, http.StatusGone, "The execution environment is shutting down", "Runtime.Stopping")
			return
		case <-r.Context().Done():
			return
		}
	}
}

// handleResult handles /invocation/{id}/response and /invocation/{id}/error.
func (p *Pool) handleResult(w *worker, rw http.ResponseWriter, r *http.Request, id string, isErr bool) {
	body, tooBig := readLimited(r.Body, MaxResponseSize)
	end := time.Now()
	p.mu.Lock()
	inv := w.cur
	ok := inv != nil && inv.id == id && inv.delivered && !inv.finished
	p.mu.Unlock()
	if !ok || !inv.claim() {
		apiError(rw, http.StatusBadRequest, "Invalid request ID", "InvalidRequestID")
		return
	}
	inv.end = end
	var res result
	switch {
	case tooBig:
		res.fail = &failure{errType: "Function.ResponseSizeTooLarge",
			msg: "Response payload size exceeded maximum allowed payload size (" + strconv.Itoa(MaxResponseSize) + " bytes)."}
	case isErr:
		res.errBody = body
		res.errType = r.Header.Get("Lambda-Runtime-Function-Error-Type")
		if res.errType == "" {
			res.errType = "Runtime.Unknown"
		}
	default:
		res.payload = body
	}
	p.closeLog(w, inv, &res)
	p.mu.Lock()
	p.finishLocked(inv, res, false)
	p.mu.Unlock()
	if tooBig {
		apiError(rw, http.StatusRequestEntityTooLarge,
			"Exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseSize)+" bytes).", "RequestEntityTooLarge")
		return
	}
	accepted(rw)
}

// handleInitError handles /init/error: the environment failed its init and is discarded.
func (p *Pool) handleInitError(w *worker, rw http.ResponseWriter, r *http.Request) {
	body, _ := readLimited(r.Body, 1<<20)
	errType := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	var parsed struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	_ = json.Unmarshal(body, &parsed)
	if errType == "" {
		errType = parsed.ErrorType
	}
	if errType == "" {
		errType = "Runtime.Unknown"
	}
	msg := parsed.ErrorMessage
	if msg == "" {
		msg = "init error: " + errType
	}
	p.mu.Lock()
	if w.initialised {
		p.mu.Unlock()
		apiError(rw, http.StatusForbidden, "Init error reported after init", "InvalidStateTransition")
		return
	}
	if w.initFail == nil {
		w.initFail = &failure{errType: errType, msg: msg, body: body}
	}
	p.mu.Unlock()
	accepted(rw)
	if f, ok := rw.(http.Flusher); ok {
		f.Flush()
	}
	p.mu.Lock()
	p.stopWorkerLocked(w, true)
	p.mu.Unlock()
}

// readLimited reads a body of at most limit bytes; tooBig reports a larger one.
func readLimited(r io.Reader, limit int) (body []byte, tooBig bool) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(b) > limit {
		return nil, true
	}
	_ = err
	return b, false
}

var (
	acceptedBody = []byte(`{"status":"OK"}` + "\n")
	// Shared header values: net/http only reads them.
	hdrJSON        = []string{"application/json"}
	hdrAcceptedLen = []string{strconv.Itoa(len(acceptedBody))}
)

func accepted(rw http.ResponseWriter) {
	h := rw.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = hdrAcceptedLen
	rw.WriteHeader(http.StatusAccepted)
	_, _ = rw.Write(acceptedBody)
}

func apiError(rw http.ResponseWriter, status int, msg, typ string) {
	b := errorJSON(msg, typ)
	h := rw.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	rw.WriteHeader(status)
	_, _ = rw.Write(b)
}
