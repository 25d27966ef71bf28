package iam

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// EnsureServiceLinkedRole creates the account's service-linked role of a namespace unless
// it exists, as Application Auto Scaling does on the first registration in a namespace. It
// is idempotent and cheap when the role exists: one store read, then nothing for a minute
// (a role seen is remembered in memory). A namespace without a service-linked role
// (elasticmapreduce) needs nothing; an unknown namespace is an error.
func (s *Service) EnsureServiceLinkedRole(ctx context.Context, account, namespace string) error {
	l, ok := linkedFor(namespace)
	if !ok {
		if _, known := autoscaling.Namespace(namespace); known {
			return nil
		}
		return fmt.Errorf("ensure service-linked role: unknown namespace %q", namespace)
	}
	key := roleKey(account, l.RoleName)
	now := s.clock()
	if seen, ok := s.known.Load(key); ok && now.Sub(seen.(time.Time)) < cacheTTL {
		return nil
	}
	_, err := s.store.GetRecord(ctx, key)
	if err == nil {
		s.known.Store(key, now)
		return nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("ensure service-linked role %s: %w", l.RoleName, err)
	}
	role := newRole(account, l, now)
	err = s.update(ctx, func(tx store.Tx) error {
		_, _, err := putRoleIfAbsent(tx, role)
		return err
	})
	if err != nil {
		return fmt.Errorf("ensure service-linked role %s: %w", l.RoleName, err)
	}
	s.known.Store(key, now)
	s.log.Info("iam: created service-linked role", "account", account, "role", l.RoleName)
	return nil
}

// RoleARN is the ARN of a namespace's service-linked role in an account ("" for a namespace
// without one): the RoleARN that RegisterScalableTarget answers with.
func RoleARN(account, namespace string) string {
	return autoscaling.ServiceLinkedRoleARN(account, namespace)
}
