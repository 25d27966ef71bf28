package lambdaapi

import (
	"maps"
	"net/http"
)

// Operations Terraform's AWS provider calls around a function: tags, and the code signing,
// runtime management and recursion settings, which are Lambda's defaults here.

type tagsOutput struct {
	Tags map[string]string `json:"Tags"`
}

// taggedFunction resolves the Resource of a tag operation: a function ARN (unqualified).
func (s *Service) taggedFunction(c *call) (*entry, fnRef, *Error) {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return nil, ref, err
	}
	e, err := s.get(ref)
	return e, ref, err
}

func (s *Service) listTags(c *call) error {
	e, _, err := s.taggedFunction(c)
	if err != nil {
		return err
	}
	tags := e.fn.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	writeJSON(c.w, http.StatusOK, tagsOutput{Tags: tags})
	return nil
}

func (s *Service) tagResource(c *call) error {
	var in tagsOutput
	if err := c.decode(&in, maxBody); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _, err := s.taggedFunction(c)
	if err != nil {
		return err
	}
	fn := e.fn.clone()
	if fn.Tags == nil {
		fn.Tags = map[string]string{}
	}
	maps.Copy(fn.Tags, in.Tags)
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusNoContent, nil)
	return nil
}

func (s *Service) untagResource(c *call) error {
	if c.query == nil {
		c.query = c.r.URL.Query()
	}
	keys := c.query["tagKeys"]
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _, err := s.taggedFunction(c)
	if err != nil {
		return err
	}
	fn := e.fn.clone()
	for _, k := range keys {
		delete(fn.Tags, k)
	}
	if _, err := s.save(c.r.Context(), e.key, fn); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusNoContent, nil)
	return nil
}

// getFunctionCodeSigningConfig: functions here have no code signing configuration.
func (s *Service) getFunctionCodeSigningConfig(c *call) error {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	if _, err := s.get(ref); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"CodeSigningConfigArn": "", "FunctionName": ref.name})
	return nil
}

// getRuntimeManagementConfig: runtimes update automatically (Lambda's default).
func (s *Service) getRuntimeManagementConfig(c *call) error {
	_, _, arn, err := s.configOf(c)
	if err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"UpdateRuntimeOn": "Auto", "FunctionArn": arn})
	return nil
}

// getFunctionRecursionConfig: recursive loops are terminated (Lambda's default).
func (s *Service) getFunctionRecursionConfig(c *call) error {
	ref, err := parseUnqualified(c.scope, c.fn)
	if err != nil {
		return err
	}
	if _, err := s.get(ref); err != nil {
		return err
	}
	writeJSON(c.w, http.StatusOK, map[string]string{"RecursiveLoop": "Terminate"})
	return nil
}
