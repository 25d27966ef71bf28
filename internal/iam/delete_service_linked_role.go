package iam

import (
	"context"
	"encoding/xml"
	"errors"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

type deleteServiceLinkedRoleResult struct {
	XMLName        xml.Name `xml:"DeleteServiceLinkedRoleResult"`
	DeletionTaskID string   `xml:"DeletionTaskId"`
}

// deleteServiceLinkedRole is DeleteServiceLinkedRole: it records a deletion task, starts it
// in the background and answers with its id at once (the task is NOT_STARTED), as IAM does.
func (s *Service) deleteServiceLinkedRole(ctx context.Context, c *call, p params) (any, error) {
	name, err := p.required("RoleName")
	if err != nil {
		return nil, err
	}
	if err := p.text("RoleName", name, 1, 64, reRoleName, `[\w+=,.@-]+`); err != nil {
		return nil, err
	}
	t := &deletionTask{UUID: autoscaling.NewUUID(), Account: c.account, RoleName: name, Status: StatusNotStarted, CreateDate: c.now}
	err = s.update(ctx, func(tx store.Tx) error {
		b, err := tx.GetRecord(roleKey(c.account, name))
		if errors.Is(err, store.ErrNotFound) {
			return noSuchRole(name)
		}
		if err != nil {
			return err
		}
		r, err := decodeRole(b)
		if err != nil {
			return err
		}
		t.Namespace, t.Principal = r.Namespace, r.Principal
		return putTask(tx, t)
	})
	if err != nil {
		return nil, err
	}
	s.startDeletion(t)
	return &deleteServiceLinkedRoleResult{DeletionTaskID: t.ID()}, nil
}
