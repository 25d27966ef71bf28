package lambdaapi

import "net/http"

type listVersionsOutput struct {
	Versions   []*wireConfig `json:"Versions"`
	NextMarker string        `json:"NextMarker,omitempty"`
}

// listVersionsByFunction lists $LATEST then the published versions in order. The Marker is
// the position of the next item.
func (s *Service) listVersionsByFunction(c *call) error {
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
	all := append([]*config{e.fn.Latest}, e.fn.Versions...)
	lo, hi, next := pg.window(len(all))
	out := listVersionsOutput{Versions: []*wireConfig{}, NextMarker: next}
	for _, v := range all[lo:hi] {
		out.Versions = append(out.Versions, v.wire(ref.name, qualifiedARN(ref.scope, ref.name, v.Version)))
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
