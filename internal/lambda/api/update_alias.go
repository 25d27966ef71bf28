package lambdaapi

import (
	"maps"
	"net/http"
)

type updateAliasInput struct {
	FunctionVersion *string             `json:"FunctionVersion"`
	Description     *string             `json:"Description"`
	RoutingConfig   *routingConfigInput `json:"RoutingConfig"`
	RevisionId      string              `json:"RevisionId"`
}

// updateAlias changes an alias. Re-pointing an alias that has provisioned concurrency
// allocates it on the new version, then releases the old one.
func (s *Service) updateAlias(c *call) error {
	var in updateAliasInput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, a, ref, err := s.aliasOf(c)
	if err != nil {
		return err
	}
	if in.RevisionId != "" && in.RevisionId != a.RevisionID {
		return errRevision()
	}
	fn := e.fn.clone()
	na := fn.Aliases[a.Name]
	if in.FunctionVersion != nil {
		if err := fn.checkAliasVersion(ref, *in.FunctionVersion); err != nil {
			return err
		}
		na.Version = *in.FunctionVersion
	}
	if in.Description != nil {
		na.Description = *in.Description
	}
	if in.RoutingConfig != nil {
		na.Weights = maps.Clone(in.RoutingConfig.AdditionalVersionWeights)
		if len(na.Weights) == 0 {
			na.Weights = nil
		}
	}
	if err := fn.checkRouting(ref, na.Version, na.Weights); err != nil {
		return err
	}
	pc := fn.PC[a.Name]
	moved := pc != nil && pc.Version != na.Version
	if moved {
		if na.Version == LATEST {
			return errInvalid("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
		}
		if other := fn.pcOfVersion(na.Version); other != nil {
			return newErr(ErrUnscalable, CodeResourceConflict, "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
		}
		pc.Version = na.Version
		pc.LastModified = s.now()
	}
	na.RevisionID = newRevision()
	ne, serr := s.save(c.r.Context(), e.key, fn)
	if serr != nil {
		return serr
	}
	if moved {
		s.pool.SetProvisioned(ne.wf[na.Version], ref.name+":"+a.Name, pc.Requested)
		s.pool.RemoveProvisioned(e.wf[a.Version].Key())
	}
	writeJSON(c.w, http.StatusOK, na.wire(ref.scope, ref.name))
	return nil
}
