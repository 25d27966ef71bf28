package lambdaapi

import (
	"net/http"
)

// deleteAlias deletes an alias and its provisioned concurrency configuration (its warm
// workers stop). Deleting an alias that does not exist succeeds, as in Lambda.
func (s *Service) deleteAlias(c *call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, a, _, err := s.aliasOf(c)
	if err != nil {
		if e != nil && err.Code == CodeResourceNotFound {
			writeJSON(c.w, http.StatusNoContent, nil)
			return nil
		}
		return err
	}
	fn := e.fn.clone()
	delete(fn.Aliases, a.Name)
	pc := fn.PC[a.Name]
	delete(fn.PC, a.Name)
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	if pc != nil {
		s.pool.RemoveProvisioned(e.wf[pc.Version].Key())
	}
	writeJSON(c.w, http.StatusNoContent, nil)
	return nil
}
