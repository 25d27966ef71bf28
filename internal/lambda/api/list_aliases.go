package lambdaapi

import "net/http"

type listAliasesOutput struct {
	Aliases    []*wireAlias `json:"Aliases"`
	NextMarker string       `json:"NextMarker,omitempty"`
}

// listAliases lists a function's aliases by name (those routing to FunctionVersion when
// given). The Marker is the position of the next item.
func (s *Service) listAliases(c *call) error {
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
	version := c.query1("FunctionVersion")
	var names []string
	for _, n := range e.fn.aliasNames() {
		a := e.fn.Aliases[n]
		if _, routed := a.Weights[version]; version == "" || a.Version == version || routed {
			names = append(names, n)
		}
	}
	lo, hi, next := pg.window(len(names))
	out := listAliasesOutput{Aliases: []*wireAlias{}, NextMarker: next}
	for _, n := range names[lo:hi] {
		out.Aliases = append(out.Aliases, e.fn.Aliases[n].wire(ref.scope, ref.name))
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
