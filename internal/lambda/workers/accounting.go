package workers

import (
	"maps"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// acctState is the concurrency accounting of one scope (account + region).
//
// A function's usage is its on-demand slots (invocations running or cold-starting on on-demand
// workers) plus its provisioned slots (per version: max(requested, live provisioned workers)).
// Provisioned capacity counts whether busy or idle, as in Lambda, where provisioned
// concurrency is taken out of the account's pool when it is configured.
type acctState struct {
	scope           autoscaling.Scope
	fns             map[string]*fnState
	reservedSum     int // Σ reserved concurrency of the functions that have one
	unreservedUsage int // Σ usage of the functions without reserved concurrency
	unreservedPC    int // Σ provisioned slots of the functions without reserved concurrency
	totalUsage      int // Σ usage of every function
	inflight        int // invocations running now (ConcurrentExecutions)
	unresInflight   int // of functions without reserved concurrency
	met             *scopeMet
}

// fnState is the accounting of one function (all its versions).
type fnState struct {
	a        *acctState
	name     string
	reserved int // -1: none
	od       int // on-demand slots held
	pc       int // Σ provisioned slots of its versions
	inflight int
	met      *gauge // ConcurrentExecutions {FunctionName}
}

func (fs *fnState) usage() int { return fs.od + fs.pc }

// version is one generation of a version's execution environments. A code or configuration
// change, and StopFunction, orphan the generation: it routes nothing more and its workers stop
// as soon as they are idle.
type version struct {
	key     string // Function.Key()
	vk      verKey
	fn      Function
	fs      *fnState
	orphan  bool
	workers map[*worker]struct{}
	// idle workers, used as stacks (the most recently used first: its caches are warm)
	idleProv []*worker
	idleOD   []*worker
	cfg      *pcConfig
	// provisioned workers of this generation: alive (incl. starting and stopping),
	// initialised and alive (Allocated), busy
	provLive, provAlloc, provBusy int
	pcContrib                     int // this generation's share of fs.pc
	defResource                   string
	arnPrefix                     string // arn:aws:lambda:<region>:<account>:function:
}

func (p *Pool) acctLocked(scope autoscaling.Scope) *acctState {
	a := p.accts[scope]
	if a == nil {
		a = &acctState{scope: scope, fns: make(map[string]*fnState), met: newScopeMet()}
		p.accts[scope] = a
	}
	return a
}

func (p *Pool) fnLocked(scope autoscaling.Scope, name string) *fnState {
	a := p.acctLocked(scope)
	fs := a.fns[name]
	if fs == nil {
		fs = &fnState{a: a, name: name, reserved: -1, met: a.met.fnGauge(name)}
		a.fns[name] = fs
	}
	return fs
}

// adjustLocked changes a function's on-demand and provisioned slots, keeping the account sums.
func (p *Pool) adjustLocked(fs *fnState, dOD, dPC int) {
	a := fs.a
	before := fs.usage()
	fs.od += dOD
	fs.pc += dPC
	d := fs.usage() - before
	a.totalUsage += d
	if fs.reserved < 0 {
		a.unreservedUsage += d
		a.unreservedPC += dPC
	}
}

// setReservedLocked sets a function's reserved concurrency (-1: none).
func (p *Pool) setReservedLocked(fs *fnState, r int) {
	if r < 0 {
		r = -1
	}
	if fs.reserved == r {
		return
	}
	a := fs.a
	if fs.reserved < 0 {
		a.unreservedUsage -= fs.usage()
		a.unreservedPC -= fs.pc
		a.unresInflight -= fs.inflight
	} else {
		a.reservedSum -= fs.reserved
	}
	fs.reserved = r
	if r < 0 {
		a.unreservedUsage += fs.usage()
		a.unreservedPC += fs.pc
		a.unresInflight += fs.inflight
	} else {
		a.reservedSum += r
	}
}

// inflightLocked changes the number of invocations running for a function.
func (p *Pool) inflightLocked(fs *fnState, d int) {
	a := fs.a
	fs.inflight += d
	a.inflight += d
	fs.met.set(float64(fs.inflight))
	a.met.conc.set(float64(a.inflight))
	if fs.reserved < 0 {
		a.unresInflight += d
		a.met.unres.set(float64(a.unresInflight))
	}
}

// admitLocked reports whether one more on-demand slot fits, and the throttle reason if not.
func (p *Pool) admitLocked(fs *fnState) (string, bool) {
	a := fs.a
	limit := p.o.AccountLimit
	if fs.reserved >= 0 {
		if fs.usage()+1 > fs.reserved {
			return ReasonReserved, false
		}
	} else if a.unreservedUsage+1 > limit-a.reservedSum {
		return ReasonAccount, false
	}
	if a.totalUsage+1 > limit {
		return ReasonAccount, false
	}
	return "", true
}

// updatePCLocked recomputes a generation's provisioned slots: max(requested, live).
func (p *Pool) updatePCLocked(v *version) {
	req := 0
	if v.cfg != nil {
		req = v.cfg.requested
	}
	n := max(req, v.provLive)
	if d := n - v.pcContrib; d != 0 {
		v.pcContrib = n
		p.adjustLocked(v.fs, 0, d)
	}
}

// versionLocked returns the current generation for f, creating it, and retiring the
// previous one when the code or the environment changed.
func (p *Pool) versionLocked(f *Function) *version {
	vk := verKey{f.Scope.Account, f.Scope.Region, f.Name, f.Version}
	fs := p.fnLocked(f.Scope, f.Name)
	if f.ReservedConcurrency != nil {
		p.setReservedLocked(fs, *f.ReservedConcurrency)
	}
	v := p.versions[vk]
	if v != nil {
		if sameEnvironment(&v.fn, f) {
			if f.Timeout > 0 {
				v.fn.Timeout = f.Timeout
			}
			return v
		}
		cfg := v.cfg
		v.cfg = nil
		p.orphanLocked(v) // its slots shrink to its live provisioned workers
		nv := p.newVersionLocked(vk, f, fs)
		if cfg != nil {
			// The configuration moves to the new code: allocate it afresh.
			nv.cfg = cfg
			cfg.v = nv
			cfg.restartLocked(p, cfg.requested, 0)
			p.updatePCLocked(nv)
			p.scheduleReconcileLocked(nv, p.now())
		}
		return nv
	}
	return p.newVersionLocked(vk, f, fs)
}

func (p *Pool) newVersionLocked(vk verKey, f *Function, fs *fnState) *version {
	v := &version{key: f.Key(), vk: vk, fn: *f, fs: fs, workers: make(map[*worker]struct{})}
	v.fn.Env = maps.Clone(f.Env)
	v.fn.ReservedConcurrency = nil
	if v.fn.Timeout <= 0 {
		v.fn.Timeout = 3e9
	}
	if v.fn.MemoryMB <= 0 {
		v.fn.MemoryMB = 128
	}
	v.defResource = defaultResource(f.Name, f.Version)
	v.arnPrefix = "arn:aws:lambda:" + f.Scope.Region + ":" + f.Scope.Account + ":function:"
	p.versions[vk] = v
	return v
}

// orphanLocked retires a generation: no more routing, idle and starting workers stop now,
// busy ones when their invocation ends, and its provisioned configuration is dropped.
func (p *Pool) orphanLocked(v *version) {
	if p.versions[v.vk] == v {
		delete(p.versions, v.vk)
	}
	p.dropConfigLocked(v)
	v.orphan = true
	for w := range v.workers {
		p.retireLocked(w)
	}
	p.updatePCLocked(v)
	if len(v.workers) > 0 {
		p.orphans[v] = struct{}{}
	}
}

// sameEnvironment reports whether workers started for a can serve b.
func sameEnvironment(a, b *Function) bool {
	return a.CodeSHA256 == b.CodeSHA256 && a.CodeDir == b.CodeDir && a.Handler == b.Handler &&
		a.Runtime == b.Runtime && (a.MemoryMB == b.MemoryMB || b.MemoryMB == 0 && a.MemoryMB == 128) &&
		maps.Equal(a.Env, b.Env)
}

func defaultResource(name, ver string) string {
	if ver == "" || ver == "$LATEST" {
		return name
	}
	return name + ":" + ver
}

// qualifierOf returns the qualifier of a resource "name:qualifier" ("" if unqualified).
func qualifierOf(resource string) string {
	if i := strings.LastIndexByte(resource, ':'); i >= 0 {
		return resource[i+1:]
	}
	return ""
}

// SetReservedConcurrency sets a function's reserved concurrency (nil: none), for
// PutFunctionConcurrency and at startup: the pool otherwise learns it from the Functions
// passed to Invoke and SetProvisioned.
func (p *Pool) SetReservedConcurrency(scope autoscaling.Scope, name string, reserved *int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fs := p.fnLocked(scope, name)
	if reserved == nil {
		p.setReservedLocked(fs, -1)
	} else {
		p.setReservedLocked(fs, *reserved)
	}
}

// Concurrency reports the invocations running now in a scope (ConcurrentExecutions, which
// includes cold starts in progress) and per function name (functions with none are omitted).
func (p *Pool) Concurrency(scope autoscaling.Scope) (account int, byFunction map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	byFunction = make(map[string]int)
	a := p.accts[scope]
	if a == nil {
		return 0, byFunction
	}
	for name, fs := range a.fns {
		if fs.inflight > 0 {
			byFunction[name] = fs.inflight
		}
	}
	return a.inflight, byFunction
}

// Usage is the concurrency accounting of a scope.
type Usage struct {
	Limit int // the account concurrency limit
	// ConcurrentExecutions: invocations running now; UnreservedConcurrentExecutions: those of
	// functions without reserved concurrency.
	ConcurrentExecutions           int
	UnreservedConcurrentExecutions int
	// ReservedSum: Σ reserved concurrency; ProvisionedUnreserved: Σ provisioned slots of
	// functions without reserved concurrency (provisioned slots of a function with reserved
	// concurrency are inside its reservation).
	ReservedSum           int
	ProvisionedUnreserved int
	// Committed: Σ over functions of their slots in use (on-demand slots held plus
	// provisioned slots). Never above Limit when the configurations respect it.
	Committed int
	// UnreservedAvailable is GetAccountSettings' UnreservedConcurrentExecutions:
	// Limit − ReservedSum − ProvisionedUnreserved.
	UnreservedAvailable int
	// Claimed is Lambda's ClaimedAccountConcurrency: on-demand slots of functions without
	// reserved concurrency + ReservedSum + ProvisionedUnreserved.
	Claimed int
}

// Usage reports the concurrency accounting of a scope, for validating
// PutProvisionedConcurrencyConfig and PutFunctionConcurrency (the API layer keeps the
// unreserved floor of 100) and for GetAccountSettings.
func (p *Pool) Usage(scope autoscaling.Scope) Usage {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := Usage{Limit: p.o.AccountLimit}
	a := p.accts[scope]
	if a == nil {
		u.UnreservedAvailable = u.Limit
		return u
	}
	u.ConcurrentExecutions = a.inflight
	u.UnreservedConcurrentExecutions = a.unresInflight
	u.ReservedSum = a.reservedSum
	u.ProvisionedUnreserved = a.unreservedPC
	u.Committed = a.totalUsage
	u.UnreservedAvailable = u.Limit - a.reservedSum - a.unreservedPC
	u.Claimed = a.unreservedUsage + a.reservedSum
	return u
}

// verKey identifies a version without building its string key.
type verKey struct{ account, region, name, version string }

// lookupLocked returns the current generation of a version by its Key().
func (p *Pool) lookupLocked(key string) *version {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) != 4 {
		return nil
	}
	return p.versions[verKey{parts[0], parts[1], parts[2], parts[3]}]
}
