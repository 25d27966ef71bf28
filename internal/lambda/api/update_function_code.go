package lambdaapi

import (
	"net/http"
	"slices"
)

type updateFunctionCodeInput struct {
	ZipFile       []byte   `json:"ZipFile"`
	S3Bucket      string   `json:"S3Bucket"`
	S3Key         string   `json:"S3Key"`
	ImageUri      string   `json:"ImageUri"`
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionId    string   `json:"RevisionId"`
	Architectures []string `json:"Architectures"`
}

// updateFunctionCode replaces the code of $LATEST; its workers stop (busy ones after their
// invocation) and the next invocation starts the new code.
func (s *Service) updateFunctionCode(c *call) error {
	var in updateFunctionCodeInput
	if err := c.decode(&in, maxCodeBody); err != nil {
		return err
	}
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	pkg, err := checkCode(in.ZipFile, in.S3Bucket, in.S3Key, in.ImageUri)
	if err != nil {
		return err
	}
	if err := checkArchitectures(in.Architectures); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.get(ref)
	if err != nil {
		return err
	}
	if in.RevisionId != "" && in.RevisionId != e.fn.Latest.RevisionID {
		return errRevision()
	}
	if in.DryRun {
		cfg := e.fn.Latest.clone()
		cfg.CodeSHA256, cfg.CodeSize = pkg.sha, pkg.size
		writeJSON(c.w, http.StatusOK, cfg.wire(ref.name, functionARN(ref.scope, ref.name)))
		return nil
	}
	if err := s.saveCode(ref.scope, ref.name, pkg, in.ZipFile); err != nil {
		return err
	}
	fn := e.fn.clone()
	old := fn.Latest.CodeSHA256
	now := s.now()
	fn.Latest.CodeSHA256, fn.Latest.CodeSize = pkg.sha, pkg.size
	if len(in.Architectures) > 0 {
		fn.Latest.Architectures = slices.Clone(in.Architectures)
	}
	fn.Latest.LastModified = now
	fn.Latest.RevisionID = newRevision()
	out, arn := fn.Latest, functionARN(ref.scope, ref.name)
	if in.Publish {
		out = fn.publish(fn.Latest, "", now)
		arn = qualifiedARN(ref.scope, ref.name, out.Version)
	}
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	s.pool.StopFunction(e.wf[LATEST].Key())
	s.gcCode(ref.scope, fn, old)
	writeJSON(c.w, http.StatusOK, out.wire(ref.name, arn))
	return nil
}
