package iam

import (
	"context"
	"encoding/xml"

	"github.com/autoscaled/autoscaled/internal/store"
)

type createServiceLinkedRoleResult struct {
	XMLName xml.Name `xml:"CreateServiceLinkedRoleResult"`
	Role    xmlRole  `xml:"Role"`
}

// createServiceLinkedRole is CreateServiceLinkedRole (Terraform's
// aws_iam_service_linked_role): the service-linked role of an Application Auto Scaling
// service principal. Those roles take no custom suffix, and an account has one of each.
func (s *Service) createServiceLinkedRole(ctx context.Context, c *call, p params) (any, error) {
	principal, err := p.required("AWSServiceName")
	if err != nil {
		return nil, err
	}
	if err := p.text("AWSServiceName", principal, 1, 128, reService, `[\w+=,.@-]+`); err != nil {
		return nil, err
	}
	desc := p.Get("Description")
	if err := p.text("Description", desc, 0, 1000, nil, ""); err != nil {
		return nil, err
	}
	l, ok := linkedForPrincipal(principal)
	if !ok {
		return nil, errf(CodeInvalidInput, "Service %s does not have a service-linked role on this server: only the Application Auto Scaling principals (<namespace>.application-autoscaling.amazonaws.com) do.", principal)
	}
	if p.Get("CustomSuffix") != "" {
		return nil, errf(CodeInvalidInput, "Custom suffix is not allowed for %s.", principal)
	}
	role := newRole(c.account, l, c.now)
	if desc != "" {
		role.Description = desc
	}
	var created bool
	err = s.update(ctx, func(tx store.Tx) error {
		var err error
		role, created, err = putRoleIfAbsent(tx, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !created {
		return nil, errf(CodeInvalidInput, "Service role name %s has been taken in this account, please try a different suffix.", l.RoleName)
	}
	s.known.Store(roleKey(c.account, l.RoleName), c.now)
	return &createServiceLinkedRoleResult{Role: wireRole(role, false)}, nil
}
