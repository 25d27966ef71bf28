package lambdaapi

import (
	"context"

	"github.com/autoscaled/autoscaled/internal/lambda/workers"
)

// MinUnreserved is the account concurrency that always stays unreserved: neither reserved
// nor provisioned concurrency may take it.
const MinUnreserved = 100

// Messages of provisioned concurrency refusals.
const (
	msgPCUnpublished     = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
	msgPCNotAliasVersion = "The function resource provided must be an alias or a published version."
	msgPCWeightedAlias   = "Alias with weights can not be used with Provisioned Concurrency"
	msgPCAliasConflict   = "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version"
	msgPCVersionConflict = "Version is pointed by a Provisioned Concurrency alias"
	msgPCReserved        = "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function"
	msgPCUnreserved      = "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."
	msgPCNotFound        = "No Provisioned Concurrency Config found for this function"
)

type wirePC struct {
	FunctionArn                              string `json:"FunctionArn,omitempty"`
	RequestedProvisionedConcurrentExecutions int    `json:"RequestedProvisionedConcurrentExecutions"`
	AvailableProvisionedConcurrentExecutions int    `json:"AvailableProvisionedConcurrentExecutions"`
	AllocatedProvisionedConcurrentExecutions int    `json:"AllocatedProvisionedConcurrentExecutions"`
	Status                                   string `json:"Status"`
	StatusReason                             string `json:"StatusReason,omitempty"`
	LastModified                             string `json:"LastModified"`
}

func pcWire(st workers.Provisioned, pc *pcConfig) wirePC {
	return wirePC{
		RequestedProvisionedConcurrentExecutions: pc.Requested,
		AvailableProvisionedConcurrentExecutions: st.Available,
		AllocatedProvisionedConcurrentExecutions: st.Allocated,
		Status:                                   string(st.Status),
		StatusReason:                             st.StatusReason,
		LastModified:                             pc.LastModified.UTC().Format(pcTimeLayout),
	}
}

// pcStatus is the state of a stored configuration in the pool.
func (s *Service) pcStatus(e *entry, pc *pcConfig) workers.Provisioned {
	if wf := e.wf[pc.Version]; wf != nil {
		if st, ok := s.pool.ProvisionedStatus(wf.Key()); ok {
			st.Requested = pc.Requested
			return st
		}
	}
	return workers.Provisioned{Requested: pc.Requested, Status: workers.StatusInProgress, LastModified: pc.LastModified,
		Resource: e.fn.Name + ":" + pc.Qualifier}
}

// pcTarget checks the qualifier of a provisioned concurrency operation and returns the
// version it provisions. put selects the messages of PutProvisionedConcurrencyConfig.
func (e *entry) pcTarget(ref fnRef, put bool) (string, *Error) {
	q := ref.qualifier
	if q == "" {
		return "", errValidation("null", "qualifier", "Member must not be null")
	}
	if q == LATEST {
		if put {
			return "", newErr(ErrUnscalable, CodeInvalidParameterValue, msgPCUnpublished)
		}
		return "", newErr(ErrUnscalable, CodeInvalidParameterValue, msgPCNotAliasVersion)
	}
	v, err := e.resolve(ref)
	if err != nil {
		return "", err
	}
	if !put {
		return v, nil
	}
	if a := e.fn.Aliases[q]; a != nil {
		if a.Version == LATEST {
			return "", newErr(ErrUnscalable, CodeInvalidParameterValue, msgPCUnpublished)
		}
		if len(a.Weights) > 0 {
			return "", newErr(ErrUnscalable, CodeInvalidParameterValue, msgPCWeightedAlias)
		}
	}
	if other := e.fn.pcOfVersion(v); other != nil && other.Qualifier != q {
		if isVersion(q) {
			return "", newErr(ErrUnscalable, CodeResourceConflict, msgPCVersionConflict)
		}
		return "", newErr(ErrUnscalable, CodeResourceConflict, msgPCAliasConflict)
	}
	return v, nil
}

// putPC sets the provisioned concurrency of a qualifier to n >= 1: it validates the
// qualifier and the limits (the function's reserved concurrency minus what its other
// versions provision; for a function without reserved concurrency, the account's unreserved
// concurrency minus 100, which other functions' provisioned concurrency already reduces),
// stores the configuration and starts its allocation. keep leaves an identical configuration
// that has not failed as it is (the driver's path; the API restarts it as Lambda does).
// Callers hold s.mu.
func (s *Service) putPC(ctx context.Context, ref fnRef, n int, keep bool) (workers.Provisioned, *pcConfig, *Error) {
	var none workers.Provisioned
	e, err := s.get(ref)
	if err != nil {
		return none, nil, err
	}
	v, err := e.pcTarget(ref, true)
	if err != nil {
		return none, nil, err
	}
	if n < 1 {
		return none, nil, errValidation(n, "provisionedConcurrentExecutions", "Member must have value greater than or equal to 1")
	}
	q := ref.qualifier
	cur := e.fn.PC[q]
	if keep && cur != nil && cur.Requested == n {
		if st := s.pcStatus(e, cur); st.Status != workers.StatusFailed {
			return st, cur, nil
		}
	}
	if cur == nil || n > cur.Requested {
		if e.fn.Reserved != nil {
			others := 0
			for k, pc := range e.fn.PC {
				if k != q {
					others += pc.Requested
				}
			}
			if others+n > *e.fn.Reserved {
				return none, nil, newErr(ErrLimit, CodeInvalidParameterValue, msgPCReserved)
			}
		} else {
			u := s.pool.Usage(ref.scope)
			mine := 0
			if cur != nil {
				mine = max(cur.Requested, s.pcStatus(e, cur).Allocated)
			}
			if n > u.UnreservedAvailable+mine-MinUnreserved {
				return none, nil, newErr(ErrLimit, CodeInvalidParameterValue, msgPCUnreserved)
			}
		}
	}
	fn := e.fn.clone()
	pc := &pcConfig{Qualifier: q, Version: v, Requested: n, LastModified: s.now()}
	fn.PC[q] = pc
	ne, serr := s.save(ctx, e.key, fn)
	if serr != nil {
		return none, nil, newErr(nil, CodeService, "%v", serr)
	}
	st := s.pool.SetProvisioned(ne.wf[v], ref.name+":"+q, n)
	return st, pc, nil
}

// deletePC removes the configuration of a qualifier (none is not an error); its workers
// stop. Callers hold s.mu.
func (s *Service) deletePC(ctx context.Context, ref fnRef) *Error {
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if _, err := e.pcTarget(ref, false); err != nil {
		return err
	}
	pc := e.fn.PC[ref.qualifier]
	if pc == nil {
		return nil
	}
	fn := e.fn.clone()
	delete(fn.PC, ref.qualifier)
	if _, serr := s.save(ctx, e.key, fn); serr != nil {
		return newErr(nil, CodeService, "%v", serr)
	}
	if wf := e.wf[pc.Version]; wf != nil {
		s.pool.RemoveProvisioned(wf.Key())
	}
	return nil
}

type putPCInput struct {
	ProvisionedConcurrentExecutions *int `json:"ProvisionedConcurrentExecutions"`
}

func (s *Service) putProvisionedConcurrencyConfig(c *call) error {
	var in putPCInput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return err
	}
	if in.ProvisionedConcurrentExecutions == nil {
		return errValidation("null", "provisionedConcurrentExecutions", "Member must not be null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, pc, err := s.putPC(c.r.Context(), ref, *in.ProvisionedConcurrentExecutions, false)
	if err != nil {
		return err
	}
	writeJSON(c.w, 202, pcWire(st, pc))
	return nil
}

func (s *Service) getProvisionedConcurrencyConfig(c *call) error {
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return err
	}
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if _, err := e.pcTarget(ref, false); err != nil {
		return err
	}
	pc := e.fn.PC[ref.qualifier]
	if pc == nil {
		return newErr(ErrNotFound, CodePCConfigNotFound, msgPCNotFound)
	}
	writeJSON(c.w, 200, pcWire(s.pcStatus(e, pc), pc))
	return nil
}

func (s *Service) deleteProvisionedConcurrencyConfig(c *call) error {
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deletePC(c.r.Context(), ref); err != nil {
		return err
	}
	writeJSON(c.w, 204, nil)
	return nil
}

type listPCOutput struct {
	ProvisionedConcurrencyConfigs []wirePC `json:"ProvisionedConcurrencyConfigs"`
	NextMarker                    string   `json:"NextMarker,omitempty"`
}

func (s *Service) listProvisionedConcurrencyConfigs(c *call) error {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	pg, err := c.page(50)
	if err != nil {
		return err
	}
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	quals := make([]string, 0, len(e.fn.PC))
	for q := range e.fn.PC {
		quals = append(quals, q)
	}
	sortQualifiers(quals)
	lo, hi, next := pg.window(len(quals))
	out := listPCOutput{ProvisionedConcurrencyConfigs: []wirePC{}, NextMarker: next}
	for _, q := range quals[lo:hi] {
		pc := e.fn.PC[q]
		w := pcWire(s.pcStatus(e, pc), pc)
		w.FunctionArn = qualifiedARN(ref.scope, ref.name, pc.Qualifier)
		out.ProvisionedConcurrencyConfigs = append(out.ProvisionedConcurrencyConfigs, w)
	}
	writeJSON(c.w, 200, out)
	return nil
}
