package workers

import (
	"context"
	"errors"
	"time"
)

// asyncEvent is one queued Event invocation.
type asyncEvent struct {
	req       InvokeRequest
	queued    time.Time
	attempts  int // invocations that ran
	throttles int
}

// InvokeAsync queues an Event invocation and returns at once. A queued event runs as soon as
// concurrency allows; when the function fails it is retried twice (after AsyncRetryDelay, then
// twice that), when throttled it is retried with backoff until AsyncMaxEventAge, as in Lambda.
// It returns ErrQueueFull when the queue is full.
func (p *Pool) InvokeAsync(req InvokeRequest) error {
	if req.Function == nil {
		return errors.New("workers: InvokeAsync without a Function")
	}
	p.mu.Lock()
	closed, started := p.closed, p.started
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !started {
		return ErrNotStarted
	}
	ev := &asyncEvent{req: req, queued: time.Now()}
	select {
	case p.asyncQ <- ev:
		return nil
	default:
		return ErrQueueFull
	}
}

func (p *Pool) asyncWorker() {
	defer p.loops.Done()
	for {
		select {
		case <-p.quit:
			return
		case ev := <-p.asyncQ:
			p.runAsync(ev)
		}
	}
}

func (p *Pool) runAsync(ev *asyncEvent) {
	res, err := p.Invoke(context.Background(), ev.req)
	switch {
	case errors.Is(err, ErrThrottled):
		if time.Since(ev.queued) < p.o.AsyncMaxEventAge {
			ev.throttles++
			p.requeue(ev, min(time.Second<<min(ev.throttles-1, 8), 5*time.Minute))
			return
		}
	case err == nil:
		ev.attempts++
		if res.FunctionError != "" && ev.attempts < 3 {
			p.requeue(ev, p.o.AsyncRetryDelay*time.Duration(ev.attempts))
			return
		}
	}
	if p.o.OnAsyncResult != nil {
		p.o.OnAsyncResult(ev.req, res, err, ev.attempts)
	}
}

// requeue puts an event back in the queue after d (dropped if the pool closed or the queue
// is full).
func (p *Pool) requeue(ev *asyncEvent, d time.Duration) {
	time.AfterFunc(d, func() {
		select {
		case <-p.quit:
			return
		default:
		}
		select {
		case p.asyncQ <- ev:
		default:
			p.log.Warn("lambda async event dropped: queue full", "function", ev.req.Function.Name)
			if p.o.OnAsyncResult != nil {
				p.o.OnAsyncResult(ev.req, nil, ErrQueueFull, ev.attempts)
			}
		}
	})
}
