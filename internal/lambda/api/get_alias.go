package lambdaapi

import (
	"net/http"
)

// aliasOf returns the alias a call names.
func (s *Service) aliasOf(c *call) (*entry, *alias, fnRef, *Error) {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return nil, nil, ref, err
	}
	if err := checkAliasName(c.sub); err != nil {
		return nil, nil, ref, err
	}
	e, err := s.get(ref)
	if err != nil {
		return nil, nil, ref, err
	}
	a := e.fn.Aliases[c.sub]
	if a == nil {
		return e, nil, ref, errAliasNotFound(qualifiedARN(ref.scope, ref.name, c.sub))
	}
	return e, a, ref, nil
}

func (s *Service) getAlias(c *call) error {
	_, a, ref, err := s.aliasOf(c)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, a.wire(ref.scope, ref.name))
	return nil
}
