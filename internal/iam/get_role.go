package iam

import (
	"context"
	"encoding/xml"
	"errors"

	"github.com/autoscaled/autoscaled/internal/store"
)

type getRoleResult struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    xmlRole  `xml:"Role"`
}

// getRole is GetRole: one role of the caller's account, by name.
func (s *Service) getRole(ctx context.Context, c *call, p params) (any, error) {
	name, err := p.required("RoleName")
	if err != nil {
		return nil, err
	}
	if err := p.text("RoleName", name, 1, 64, reRoleName, `[\w+=,.@-]+`); err != nil {
		return nil, err
	}
	r, err := s.loadRole(ctx, c.account, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, noSuchRole(name)
	}
	if err != nil {
		return nil, err
	}
	return &getRoleResult{Role: wireRole(r, true)}, nil
}

// noSuchRole is IAM's answer for a role that does not exist.
func noSuchRole(name string) *Error {
	return errf(CodeNoSuchEntity, "The role with name %s cannot be found.", name)
}
