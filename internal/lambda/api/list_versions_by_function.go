package lambdaapi

import (
	"net/http"
	"strconv"
)

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
	limit, err := c.maxItems(50)
	if err != nil {
		return err
	}
	start, err := parseMarker(c.query1("Marker"))
	if err != nil {
		return err
	}
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	all := append([]*config{e.fn.Latest}, e.fn.Versions...)
	out := listVersionsOutput{Versions: []*wireConfig{}}
	for i := start; i < len(all); i++ {
		if len(out.Versions) == limit {
			out.NextMarker = strconv.Itoa(i)
			break
		}
		out.Versions = append(out.Versions, all[i].wire(ref.name, qualifiedARN(ref.scope, ref.name, all[i].Version)))
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}

// parseMarker reads a positional Marker ("" = 0).
func parseMarker(m string) (int, *Error) {
	if m == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(m)
	if err != nil || n < 0 {
		return 0, errInvalid("Invalid Marker: %s", m)
	}
	return n, nil
}
