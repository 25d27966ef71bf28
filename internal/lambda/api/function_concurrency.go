package lambdaapi

import (
	"net/http"
	"slices"
)

const msgReservedUnreserved = "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100]."

type functionConcurrencyInput struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions"`
}

type functionConcurrencyOutput struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

// putFunctionConcurrency sets a function's reserved concurrency. It must cover the function's
// provisioned concurrency and leave 100 of the account's concurrency unreserved.
func (s *Service) putFunctionConcurrency(c *call) error {
	var in functionConcurrencyInput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	if in.ReservedConcurrentExecutions == nil {
		return errValidation("null", "reservedConcurrentExecutions", "Member must not be null")
	}
	r := *in.ReservedConcurrentExecutions
	if r < 0 {
		return errValidation(r, "reservedConcurrentExecutions", "Member must have value greater than or equal to 0")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	provisioned, held := 0, 0
	for _, pc := range e.fn.PC {
		provisioned += pc.Requested
		held += max(pc.Requested, s.pcStatus(e, pc).Allocated)
	}
	if r < provisioned {
		return newErr(ErrLimit, CodeInvalidParameterValue,
			"Specified ReservedConcurrentExecutions for function is less than the function's total provisioned concurrency [%d].", provisioned)
	}
	freed := held // an unreserved function's provisioned concurrency becomes part of its reservation
	if e.fn.Reserved != nil {
		freed = *e.fn.Reserved
	}
	if u := s.pool.Usage(ref.scope); u.UnreservedAvailable+freed-r < MinUnreserved {
		return newErr(ErrLimit, CodeInvalidParameterValue, msgReservedUnreserved)
	}
	fn := e.fn.clone()
	fn.Reserved = &r
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	s.pool.SetReservedConcurrency(ref.scope, ref.name, &r)
	writeJSON(c.w, http.StatusOK, functionConcurrencyOutput{ReservedConcurrentExecutions: &r})
	return nil
}

func (s *Service) getFunctionConcurrency(c *call) error {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, functionConcurrencyOutput{ReservedConcurrentExecutions: e.fn.Reserved})
	return nil
}

func (s *Service) deleteFunctionConcurrency(c *call) error {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if e.fn.Reserved != nil {
		fn := e.fn.clone()
		fn.Reserved = nil
		if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
			return err
		}
		s.pool.SetReservedConcurrency(ref.scope, ref.name, nil)
	}
	writeJSON(c.w, http.StatusNoContent, nil)
	return nil
}

// sortQualifiers orders versions numerically, then aliases by name.
func sortQualifiers(q []string) {
	slices.SortFunc(q, func(a, b string) int {
		av, bv := isVersion(a), isVersion(b)
		switch {
		case av && bv:
			return versionNumber(a) - versionNumber(b)
		case av:
			return -1
		case bv:
			return 1
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
}
