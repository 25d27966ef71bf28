package iam

import (
	"context"
	"encoding/xml"
	"errors"

	"github.com/autoscaled/autoscaled/internal/store"
)

type deletionStatusResult struct {
	XMLName xml.Name           `xml:"GetServiceLinkedRoleDeletionStatusResult"`
	Status  string             `xml:"Status"`
	Reason  *xmlDeletionReason `xml:"Reason,omitempty"`
}

type xmlDeletionReason struct {
	Reason        string         `xml:"Reason,omitempty"`
	RoleUsageList []xmlRoleUsage `xml:"RoleUsageList>member"`
}

type xmlRoleUsage struct {
	Region    string   `xml:"Region"`
	Resources []string `xml:"Resources>member"`
}

// getServiceLinkedRoleDeletionStatus is GetServiceLinkedRoleDeletionStatus. A task that is
// not finished and not running in this process (a restart interrupted it, or another node
// started it and stopped) is started again.
func (s *Service) getServiceLinkedRoleDeletionStatus(ctx context.Context, c *call, p params) (any, error) {
	id, err := p.required("DeletionTaskId")
	if err != nil {
		return nil, err
	}
	if err := p.text("DeletionTaskId", id, 1, 1000, reTaskID, `[\u0020-\u00FF]+`); err != nil {
		return nil, err
	}
	principal, role, uuid, ok := parseTaskID(id)
	if !ok {
		return nil, errf(CodeInvalidInput, "Invalid deletion task id: %s", id)
	}
	t, err := s.loadTask(ctx, c.account, uuid)
	if errors.Is(err, store.ErrNotFound) || err == nil && (t.Principal != principal || t.RoleName != role) {
		return nil, errf(CodeNoSuchEntity, "Deletion task %s cannot be found.", id)
	}
	if err != nil {
		return nil, err
	}
	if !t.done() {
		s.startDeletion(t)
	}
	out := &deletionStatusResult{Status: t.Status}
	if t.Status == StatusFailed {
		out.Reason = &xmlDeletionReason{Reason: t.Reason}
		for _, u := range t.Usage {
			out.Reason.RoleUsageList = append(out.Reason.RoleUsageList, xmlRoleUsage{Region: u.Region, Resources: u.Resources})
		}
	}
	return out, nil
}
