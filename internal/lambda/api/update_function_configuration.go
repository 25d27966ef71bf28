package lambdaapi

import (
	"net/http"
)

type updateFunctionConfigurationInput struct {
	Role        *string           `json:"Role"`
	Handler     *string           `json:"Handler"`
	Description *string           `json:"Description"`
	Timeout     *int              `json:"Timeout"`
	MemorySize  *int              `json:"MemorySize"`
	Environment *environmentInput `json:"Environment"`
	Runtime     *string           `json:"Runtime"`
	RevisionId  string            `json:"RevisionId"`
}

// updateFunctionConfiguration changes the configuration of $LATEST; its workers stop and the
// next invocation starts with the new configuration.
func (s *Service) updateFunctionConfiguration(c *call) error {
	var in updateFunctionConfigurationInput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
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
	if in.RevisionId != "" && in.RevisionId != e.fn.Latest.RevisionID {
		return errRevision()
	}
	fn := e.fn.clone()
	cfg := fn.Latest
	if in.Role != nil {
		if err := checkRole(*in.Role); err != nil {
			return err
		}
		cfg.Role = *in.Role
	}
	if in.Runtime != nil {
		if err := checkRuntime(*in.Runtime); err != nil {
			return err
		}
		cfg.Runtime = *in.Runtime
	}
	if in.Handler != nil {
		cfg.Handler = *in.Handler
	}
	if in.Description != nil {
		cfg.Description = *in.Description
	}
	if in.Timeout != nil {
		if err := checkTimeout(*in.Timeout); err != nil {
			return err
		}
		cfg.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		if err := checkMemory(*in.MemorySize); err != nil {
			return err
		}
		cfg.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		if err := checkEnv(in.Environment.Variables); err != nil {
			return err
		}
		cfg.Env = in.Environment.Variables
		if len(cfg.Env) == 0 {
			cfg.Env = nil
		}
	}
	cfg.LastModified = s.now()
	cfg.RevisionID = newRevision()
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	s.pool.StopFunction(e.wf[LATEST].Key())
	writeJSON(c.w, http.StatusOK, cfg.wire(ref.name, functionARN(ref.scope, ref.name)))
	return nil
}
