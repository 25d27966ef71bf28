package lambdaapi

import (
	"net/http"
	"slices"
)

type listFunctionsOutput struct {
	Functions  []*wireConfig `json:"Functions"`
	NextMarker string        `json:"NextMarker,omitempty"`
}

// listFunctions lists the caller's functions ($LATEST, or every version with
// FunctionVersion=ALL) by name; Marker is the name of the function to start at.
func (s *Service) listFunctions(c *call) error {
	limit, err := c.maxItems(50)
	if err != nil {
		return err
	}
	all := c.query1("FunctionVersion")
	if all != "" && all != "ALL" {
		return errValidation(all, "functionVersion", "Member must satisfy enum value set: [ALL]")
	}
	marker := c.query1("Marker")
	s.cmu.RLock()
	var entries []*entry
	for k, e := range s.cache {
		if k.scope == c.scope && k.name >= marker {
			entries = append(entries, e)
		}
	}
	s.cmu.RUnlock()
	slices.SortFunc(entries, func(a, b *entry) int {
		if a.key.name < b.key.name {
			return -1
		}
		return 1
	})
	out := listFunctionsOutput{Functions: []*wireConfig{}}
	for i, e := range entries {
		if i == limit {
			out.NextMarker = e.key.name
			break
		}
		out.Functions = append(out.Functions, e.fn.Latest.wire(e.fn.Name, functionARN(c.scope, e.fn.Name)))
		if all == "ALL" {
			for _, v := range e.fn.Versions {
				out.Functions = append(out.Functions, v.wire(e.fn.Name, qualifiedARN(c.scope, e.fn.Name, v.Version)))
			}
		}
	}
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
