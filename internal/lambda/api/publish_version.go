package lambdaapi

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

type publishVersionInput struct {
	CodeSha256  string `json:"CodeSha256"`
	Description string `json:"Description"`
	RevisionId  string `json:"RevisionId"`
}

// sameAs reports whether a published version has the code and configuration of $LATEST
// (Lambda does not publish an unchanged function twice).
func (c *config) sameAs(latest *config) bool {
	return c.CodeSHA256 == latest.CodeSHA256 && c.Runtime == latest.Runtime && c.Role == latest.Role &&
		c.Handler == latest.Handler && c.Timeout == latest.Timeout && c.MemorySize == latest.MemorySize &&
		maps.Equal(c.Env, latest.Env) && slices.Equal(c.Architectures, latest.Architectures)
}

// publish snapshots latest into a new version of f (or returns the last version when nothing
// changed since it was published).
func (f *function) publish(latest *config, description string, now time.Time) *config {
	if n := len(f.Versions); n > 0 && f.Versions[n-1].sameAs(latest) {
		return f.Versions[n-1]
	}
	v := latest.clone()
	f.LastVersion++
	v.Version = strconv.Itoa(f.LastVersion)
	if description != "" {
		v.Description = description
	}
	v.LastModified = now
	v.RevisionID = newRevision()
	f.Versions = append(f.Versions, v)
	return v
}

func (s *Service) publishVersion(c *call) error {
	var in publishVersionInput
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
	latest := e.fn.Latest
	if in.RevisionId != "" && in.RevisionId != latest.RevisionID {
		return errRevision()
	}
	if cur := hexToBase64(latest.CodeSHA256); in.CodeSha256 != "" && in.CodeSha256 != cur {
		return errInvalid("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", in.CodeSha256, cur)
	}
	fn := e.fn.clone()
	v := fn.publish(fn.Latest, in.Description, s.now())
	if len(fn.Versions) != len(e.fn.Versions) {
		if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
			return err
		}
	}
	writeJSON(c.w, http.StatusCreated, v.wire(ref.name, qualifiedARN(ref.scope, ref.name, v.Version)))
	return nil
}
