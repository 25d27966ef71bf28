package lambdaapi

import (
	"net/http"
	"strings"
)

// deleteFunction deletes a function (every version, alias and configuration; its workers
// stop, busy ones after their invocation, and its code is removed), or with a Qualifier one
// published version.
func (s *Service) deleteFunction(c *call) error {
	ref, err := parseFunctionName(c.scope, c.fn, c.query1("Qualifier"))
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if ref.qualifier != "" {
		if err := s.deleteVersion(c, e, ref); err != nil {
			return err
		}
		writeJSON(c.w, http.StatusNoContent, nil)
		return nil
	}
	if _, err := s.save(c.r.Context(), e.key, nil); err != nil {
		return err
	}
	for _, wf := range e.wf {
		s.pool.StopFunction(wf.Key())
	}
	if e.fn.Reserved != nil {
		s.pool.SetReservedConcurrency(ref.scope, ref.name, nil)
	}
	s.removeFunctionDir(ref.scope, ref.name)
	writeJSON(c.w, http.StatusNoContent, nil)
	return nil
}

// deleteVersion deletes one published version, with its provisioned concurrency
// configuration.
func (s *Service) deleteVersion(c *call, e *entry, ref fnRef) error {
	q := ref.qualifier
	if q == LATEST {
		return errInvalid("$LATEST version cannot be deleted without deleting the function.")
	}
	if !isVersion(q) {
		return errInvalid("Deletion of aliases is not supported with DeleteFunction: use DeleteAlias to delete alias %s.", ref.arn())
	}
	if e.fn.version(q) == nil {
		return errFunctionNotFound(ref.arn())
	}
	if aliases := e.fn.aliasesOf(q); len(aliases) > 0 {
		return errConflict("Unable to delete version %s because the following aliases reference it: [%s]", q, strings.Join(aliases, ", "))
	}
	fn := e.fn.clone()
	var sha string
	for i, v := range fn.Versions {
		if v.Version == q {
			sha = v.CodeSHA256
			fn.Versions = append(fn.Versions[:i], fn.Versions[i+1:]...)
			break
		}
	}
	for k, pc := range fn.PC {
		if pc.Version == q {
			delete(fn.PC, k)
		}
	}
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	s.pool.StopFunction(e.wf[q].Key())
	s.gcCode(ref.scope, fn, sha)
	return nil
}
