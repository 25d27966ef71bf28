package workers

import (
	"time"
)

// PCStatus is the status of a provisioned concurrency configuration.
type PCStatus string

// Statuses of a provisioned concurrency configuration.
const (
	StatusInProgress PCStatus = "IN_PROGRESS"
	StatusReady      PCStatus = "READY"
	StatusFailed     PCStatus = "FAILED"
)

// ReasonInitFailure is the StatusReason of a configuration whose environments failed to
// initialise, as Lambda reports it.
const ReasonInitFailure = "FUNCTION_ERROR_INIT_FAILURE"

// Provisioned is the state of a provisioned concurrency configuration.
type Provisioned struct {
	Requested, Allocated, Available int
	Status                          PCStatus
	StatusReason                    string
	LastModified                    time.Time
	// Resource is the configuration's resource ("name:alias" or "name:version").
	Resource string
	// InitError describes the last failed init of an environment of this configuration
	// ("<errorType>: <message>"); Lambda only reports StatusReason.
	InitError string
}

// pcConfig is a version's provisioned concurrency configuration.
type pcConfig struct {
	v            *version
	resource     string
	requested    int
	status       PCStatus
	reason       string
	initErr      string
	lastModified time.Time
	allocStart   time.Time // allocation may start (Put + AllocationDelay)
	started      int       // workers started since allocStart (rate budget)
	failures     int
	retryAt      time.Time // READY: no replacement before (backoff after failed inits)
	floor        int       // AvailableAtEnd: Available before this Put
	readyReached bool      // READY reached since this Put
	timer        *time.Timer
	timerAt      time.Time
	met          *pcAgg
}

// restartLocked starts a new allocation for n workers (each Put).
func (c *pcConfig) restartLocked(p *Pool, n, floor int) {
	now := p.now()
	c.requested = n
	c.status = StatusInProgress
	c.reason = ""
	c.initErr = ""
	c.lastModified = p.clock()
	c.allocStart = now.Add(p.o.AllocationDelay)
	c.started = 0
	c.failures = 0
	c.retryAt = time.Time{}
	c.floor = floor
	c.readyReached = false
}

// available is the configuration's Available count.
func (p *Pool) availableLocked(c *pcConfig) int {
	a := min(c.v.provAlloc, c.requested)
	if p.o.AvailableAtEnd && !c.readyReached {
		return min(c.floor, a)
	}
	return a
}

func (p *Pool) snapshotLocked(c *pcConfig) Provisioned {
	return Provisioned{
		Requested:    c.requested,
		Allocated:    c.v.provAlloc,
		Available:    p.availableLocked(c),
		Status:       c.status,
		StatusReason: c.reason,
		LastModified: c.lastModified,
		Resource:     c.resource,
		InitError:    c.initErr,
	}
}

// initFailedLocked counts a failed init of one of the configuration's environments. While
// IN_PROGRESS, InitRetries failures make the configuration FAILED. Once READY (an environment
// being replaced), the status stays and replacements back off (1 s, doubling, up to 1 min)
// until an init succeeds.
func (c *pcConfig) initFailedLocked(p *Pool, f *failure) {
	c.failures++
	c.initErr = f.errType + ": " + f.msg
	switch c.status {
	case StatusInProgress:
		if c.failures >= p.o.InitRetries {
			c.status = StatusFailed
			c.reason = ReasonInitFailure
			p.log.Warn("lambda provisioned concurrency failed", "version", c.v.key, "resource", c.resource, "init", c.initErr)
		}
	case StatusReady:
		c.retryAt = p.now().Add(min(time.Second<<min(c.failures-1, 6), time.Minute))
	}
}

// SetProvisioned sets the provisioned concurrency of a version to n (n >= 1; the API layer
// validates n, the qualifier and the account limits) and returns at once with the status
// IN_PROGRESS; allocation proceeds in the background. resource ("name:alias" or
// "name:version") is the metrics' Resource dimension. Lowering drains idle workers first;
// busy ones finish their invocation and then stop. n < 1 removes the configuration.
func (p *Pool) SetProvisioned(f *Function, resource string, n int) Provisioned {
	if n < 1 {
		p.RemoveProvisioned(f.Key())
		return Provisioned{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return Provisioned{}
	}
	v := p.versionLocked(f)
	if resource == "" {
		resource = v.defResource
	}
	c := v.cfg
	floor := 0
	if c == nil {
		c = &pcConfig{v: v}
		v.cfg = c
	} else {
		floor = p.availableLocked(c)
	}
	if c.met == nil || c.resource != resource {
		c.detachMet()
		c.resource = resource
		c.met = v.fs.a.met.pcAggFor(v.fn.Name, resource)
		c.met.cfgs++
	}
	c.restartLocked(p, n, floor)
	p.updatePCLocked(v)
	snap := p.snapshotLocked(c)
	p.reconcileAndLaunchLocked(v)
	p.pcChangedLocked(v)
	return snap
}

// RemoveProvisioned deletes the configuration of a version: its workers stop (busy ones
// after their invocation).
func (p *Pool) RemoveProvisioned(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v := p.lookupLocked(key); v != nil {
		p.dropConfigLocked(v)
	}
}

// dropConfigLocked removes v's configuration and retires its provisioned workers.
func (p *Pool) dropConfigLocked(v *version) {
	c := v.cfg
	if c == nil {
		return
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	c.detachMet()
	v.cfg = nil
	for w := range v.workers {
		if w.provisioned {
			p.retireLocked(w)
		}
	}
	p.updatePCLocked(v)
	p.pcChangedLocked(v)
}

// detachMet stops the configuration publishing into its metrics.
func (c *pcConfig) detachMet() {
	if c.met == nil {
		return
	}
	if c.met.cfgs--; c.met.cfgs == 0 {
		c.met.busy.set(0)
		c.met.util.unset()
	}
	c.met = nil
}

// ProvisionedStatus returns the configuration of a version, if it has one.
func (p *Pool) ProvisionedStatus(key string) (Provisioned, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := p.lookupLocked(key)
	if v == nil || v.cfg == nil {
		return Provisioned{}, false
	}
	return p.snapshotLocked(v.cfg), true
}

// StopFunction stops every worker of a version (DeleteFunction, UpdateFunctionCode of
// $LATEST; busy ones after their invocation) and forgets its configuration.
func (p *Pool) StopFunction(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v := p.lookupLocked(key); v != nil {
		p.orphanLocked(v)
	}
}

// reconcileAndLaunchLocked moves v's provisioned workers toward the configuration: it stops
// the excess (starting ones, then idle ones, then busy ones after their invocation), starts
// missing ones within the allocation rate, and updates the status.
func (p *Pool) reconcileAndLaunchLocked(v *version) {
	c := v.cfg
	if c == nil || v.orphan || p.closed {
		return
	}
	now := p.now()
	// Workers that will stay: alive, not stopping, not retiring.
	active := 0
	var retiring []*worker
	for w := range v.workers {
		if !w.provisioned || w.stopping {
			continue
		}
		if w.retire {
			retiring = append(retiring, w)
			continue
		}
		active++
	}
	if excess := active - c.requested; excess > 0 {
		p.shrinkLocked(v, excess)
	} else if deficit := c.requested - active; deficit > 0 {
		// Keep busy workers that were to leave before starting new ones.
		for _, w := range retiring {
			if deficit == 0 {
				break
			}
			w.retire = false
			deficit--
		}
		// Stopping workers still hold their place until they exit, so that live
		// provisioned processes never exceed the requested count while scaling up.
		deficit = c.requested - v.provLive
		if deficit > 0 && c.status != StatusFailed {
			if now.Before(c.allocStart) {
				p.scheduleReconcileLocked(v, c.allocStart)
			} else if now.Before(c.retryAt) {
				p.scheduleReconcileLocked(v, c.retryAt)
			} else {
				budget := p.o.AllocationBurst + int(float64(p.o.AllocationPerMinute)*now.Sub(c.allocStart).Minutes()) - c.started
				n := min(deficit, max(budget, 0))
				if n > 0 {
					ws := make([]*worker, 0, n)
					for range n {
						ws = append(ws, p.newWorkerLocked(v, true))
					}
					c.started += n
					p.launchAll(ws)
				}
				if deficit > n {
					next := c.started + 1 - p.o.AllocationBurst
					at := c.allocStart.Add(time.Duration(float64(next) / float64(p.o.AllocationPerMinute) * float64(time.Minute)))
					p.scheduleReconcileLocked(v, at)
				}
			}
		}
	}
	p.updateStatusLocked(v, now)
}

// shrinkLocked stops n provisioned workers: starting ones first, then idle ones (least
// recently used first), then busy ones when their invocation ends.
func (p *Pool) shrinkLocked(v *version, n int) {
	for w := range v.workers {
		if n == 0 {
			return
		}
		if w.provisioned && !w.stopping && !w.retire && !w.initialised {
			p.stopWorkerLocked(w, true)
			n--
		}
	}
	for n > 0 && len(v.idleProv) > 0 {
		w := v.idleProv[0]
		p.stopWorkerLocked(w, false) // removes it from idleProv
		n--
	}
	for w := range v.workers {
		if n == 0 {
			return
		}
		if w.provisioned && !w.stopping && !w.retire && w.state == wBusy {
			w.retire = true
			n--
		}
	}
}

// updateStatusLocked turns IN_PROGRESS into READY once every requested worker is initialised
// and no other provisioned process is left.
func (p *Pool) updateStatusLocked(v *version, now time.Time) {
	c := v.cfg
	if c == nil || c.status != StatusInProgress {
		return
	}
	if now.Before(c.allocStart) {
		p.scheduleReconcileLocked(v, c.allocStart)
		return
	}
	if v.provAlloc == c.requested && v.provLive == c.requested {
		c.status = StatusReady
		c.readyReached = true
	}
}

// scheduleReconcileLocked runs a reconcile of v at (or soon after) at.
func (p *Pool) scheduleReconcileLocked(v *version, at time.Time) {
	c := v.cfg
	if c == nil {
		return
	}
	if c.timer != nil && !c.timerAt.IsZero() && !c.timerAt.After(at) {
		return // an earlier wake-up is pending
	}
	d := max(at.Sub(p.now()), time.Millisecond)
	c.timerAt = at
	if c.timer == nil {
		c.timer = time.AfterFunc(d, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			v := c.v
			if v.cfg != c {
				return
			}
			c.timerAt = time.Time{}
			p.reconcileAndLaunchLocked(v)
		})
		return
	}
	c.timer.Reset(d)
}

// pcChangedLocked updates the utilization gauge of v's configuration (after a change of busy
// or allocated provisioned workers).
func (p *Pool) pcChangedLocked(v *version) {
	c := v.cfg
	if c == nil || c.met == nil {
		return
	}
	c.met.busy.set(float64(v.provBusy))
	if v.provAlloc > 0 {
		c.met.util.set(float64(v.provBusy) / float64(v.provAlloc))
	} else {
		c.met.util.unset()
	}
}
