package lambdaapi

import (
	"maps"
	"net/http"
)

type createAliasInput struct {
	Name            string              `json:"Name"`
	FunctionVersion string              `json:"FunctionVersion"`
	Description     string              `json:"Description"`
	RoutingConfig   *routingConfigInput `json:"RoutingConfig"`
}

func checkAliasName(n string) *Error {
	if n == "" {
		return errValidation("null", "name", "Member must not be null")
	}
	if !reAliasName.MatchString(n) || isVersion(n) {
		return errValidation(n, "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
	}
	return nil
}

func (s *Service) createAlias(c *call) error {
	var in createAliasInput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	if err := checkAliasName(in.Name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if err := e.fn.checkAliasVersion(ref, in.FunctionVersion); err != nil {
		return err
	}
	var weights map[string]float64
	if in.RoutingConfig != nil {
		weights = in.RoutingConfig.AdditionalVersionWeights
	}
	if err := e.fn.checkRouting(ref, in.FunctionVersion, weights); err != nil {
		return err
	}
	if _, ok := e.fn.Aliases[in.Name]; ok {
		return errConflict("Alias already exists: %s", qualifiedARN(ref.scope, ref.name, in.Name))
	}
	fn := e.fn.clone()
	a := &alias{Name: in.Name, Version: in.FunctionVersion, Description: in.Description, RevisionID: newRevision()}
	if len(weights) > 0 {
		a.Weights = maps.Clone(weights)
	}
	fn.Aliases[a.Name] = a
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusCreated, a.wire(ref.scope, ref.name))
	return nil
}
