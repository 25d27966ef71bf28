package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/store"
)

// Deletion task statuses.
const (
	StatusNotStarted = "NOT_STARTED"
	StatusInProgress = "IN_PROGRESS"
	StatusSucceeded  = "SUCCEEDED"
	StatusFailed     = "FAILED"
)

// deletionTask is a DeleteServiceLinkedRole in progress or done, as stored.
type deletionTask struct {
	UUID       string          `json:"uuid"`
	Account    string          `json:"account"`
	RoleName   string          `json:"roleName"`
	Namespace  string          `json:"namespace"`
	Principal  string          `json:"principal"`
	Status     string          `json:"status"`
	Reason     string          `json:"reason,omitempty"`
	Usage      []ResourceUsage `json:"usage,omitempty"`
	CreateDate time.Time       `json:"createDate"`
}

// ID is the DeletionTaskId: task/aws-service-role/<principal>/<role name>/<uuid>.
func (t *deletionTask) ID() string {
	return "task/aws-service-role/" + t.Principal + "/" + t.RoleName + "/" + t.UUID
}

func (t *deletionTask) done() bool { return t.Status == StatusSucceeded || t.Status == StatusFailed }

func taskKey(account, uuid string) string { return "iam/deletion/" + account + "/" + uuid }

// parseTaskID splits a DeletionTaskId into its principal, role name and uuid.
func parseTaskID(id string) (principal, role, uuid string, ok bool) {
	rest, ok := strings.CutPrefix(id, "task/aws-service-role/")
	if !ok {
		return "", "", "", false
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

func (s *Service) loadTask(ctx context.Context, account, uuid string) (*deletionTask, error) {
	b, err := s.store.GetRecord(ctx, taskKey(account, uuid))
	if err != nil {
		return nil, err
	}
	return decodeTask(b)
}

func decodeTask(b []byte) (*deletionTask, error) {
	var t deletionTask
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("decode deletion task: %w", err)
	}
	return &t, nil
}

func putTask(tx store.Tx, t *deletionTask) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode deletion task: %w", err)
	}
	if err := tx.PutRecord(taskKey(t.Account, t.UUID), b); err != nil {
		return fmt.Errorf("store deletion task: %w", err)
	}
	return nil
}

// startDeletion runs a task in the background unless this process runs it already.
func (s *Service) startDeletion(t *deletionTask) {
	key := t.Account + "/" + t.UUID
	if _, running := s.tasks.LoadOrStore(key, struct{}{}); running {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.tasks.Delete(key)
		if err := s.runDeletion(s.ctx, t); err != nil && s.ctx.Err() == nil {
			s.log.Error("iam: service-linked role deletion", "account", t.Account, "role", t.RoleName, "task", t.UUID, "err", err)
		}
	}()
}

// runDeletion deletes the role unless resources still use it: the task then fails with
// the list of those resources. An error (the store, InUse) leaves the task in progress; the
// next status call resumes it.
func (s *Service) runDeletion(ctx context.Context, t *deletionTask) error {
	key := taskKey(t.Account, t.UUID)
	// setStatus stores the task's new state unless another run finished it first.
	setStatus := func(tx store.Tx, next deletionTask) (bool, error) {
		b, err := tx.GetRecord(key)
		if err != nil {
			return false, fmt.Errorf("read deletion task: %w", err)
		}
		cur, err := decodeTask(b)
		if err != nil {
			return false, err
		}
		if cur.done() {
			return false, nil
		}
		return true, putTask(tx, &next)
	}
	next := *t
	next.Status = StatusInProgress
	if err := s.update(ctx, func(tx store.Tx) error { _, err := setStatus(tx, next); return err }); err != nil {
		return err
	}
	usage, err := s.inUse(ctx, t.Account, t.Namespace)
	if err != nil {
		return fmt.Errorf("list resources using %s: %w", t.RoleName, err)
	}
	var used []ResourceUsage
	for _, u := range usage {
		if len(u.Resources) > 0 {
			used = append(used, u)
		}
	}
	if len(used) > 0 {
		next.Status = StatusFailed
		next.Usage = used
		next.Reason = fmt.Sprintf("Application Auto Scaling cannot delete %s: scalable targets of the %s namespace still use it. Deregister them, then delete the role.",
			t.RoleName, t.Namespace)
		return s.update(ctx, func(tx store.Tx) error { _, err := setStatus(tx, next); return err })
	}
	next.Status = StatusSucceeded
	err = s.update(ctx, func(tx store.Tx) error {
		ok, err := setStatus(tx, next)
		if err != nil || !ok {
			return err
		}
		if err := tx.DeleteRecord(roleKey(t.Account, t.RoleName)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("delete role %s: %w", t.RoleName, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.known.Delete(roleKey(t.Account, t.RoleName))
	s.log.Info("iam: deleted service-linked role", "account", t.Account, "role", t.RoleName)
	return nil
}
