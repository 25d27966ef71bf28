package iam

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

// MaxSessionDuration is the maximum session duration of a service-linked role, in seconds.
const MaxSessionDuration = 3600

// Role is a service-linked role of an account, as stored.
type Role struct {
	Account     string    `json:"account"`
	RoleName    string    `json:"roleName"`
	Path        string    `json:"path"`
	Arn         string    `json:"arn"`
	RoleID      string    `json:"roleId"`
	Namespace   string    `json:"namespace"`
	Principal   string    `json:"principal"`
	Description string    `json:"description"`
	CreateDate  time.Time `json:"createDate"`
	// LastUsedDate and LastUsedRegion are RoleLastUsed; zero when never used.
	LastUsedDate   time.Time `json:"lastUsedDate,omitzero"`
	LastUsedRegion string    `json:"lastUsedRegion,omitempty"`
}

// trustPolicy is the JSON of a role's trust policy: its service principal may assume it.
func trustPolicy(principal string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]string{"Service": principal},
			"Action":    "sts:AssumeRole",
		}},
	})
	return string(b)
}

// AssumeRolePolicyDocument returns the trust policy as JSON.
func (r *Role) AssumeRolePolicyDocument() string { return trustPolicy(r.Principal) }

// encodedPolicy returns the trust policy URL-encoded, as IAM's query responses carry it.
func (r *Role) encodedPolicy() string {
	return strings.ReplaceAll(url.QueryEscape(r.AssumeRolePolicyDocument()), "+", "%20")
}

// roleKey is the record key of a role.
func roleKey(account, name string) string { return "iam/role/" + account + "/" + name }

// rolePrefix is the record key prefix of an account's roles.
func rolePrefix(account string) string { return "iam/role/" + account + "/" }

// newRole builds the service-linked role of a namespace in an account.
func newRole(account string, l linkedService, now time.Time) *Role {
	now = now.UTC().Truncate(time.Second)
	return &Role{
		Account: account, RoleName: l.RoleName, Path: l.Path(),
		Arn:    "arn:" + autoscaling.Partition + ":iam::" + account + ":role" + l.Path() + l.RoleName,
		RoleID: roleID(account, l.RoleName, now), Namespace: l.Namespace, Principal: l.Principal,
		Description: l.Description(), CreateDate: now,
	}
}

// roleID derives a role id: AROA and 17 characters of [A-Z2-7], stable for the role (its
// account, name and creation time), different for a role deleted and created again.
func roleID(account, name string, created time.Time) string {
	sum := sha256.Sum256([]byte(account + "/" + name + "/" + created.Format(time.RFC3339Nano)))
	return "AROA" + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// loadRole reads a role from the store.
func (s *Service) loadRole(ctx context.Context, account, name string) (*Role, error) {
	b, err := s.store.GetRecord(ctx, roleKey(account, name))
	if err != nil {
		return nil, err
	}
	return decodeRole(b)
}

func decodeRole(b []byte) (*Role, error) {
	var r Role
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode role record: %w", err)
	}
	return &r, nil
}

// putRoleIfAbsent stores the role unless the account has it already, and returns the role
// stored.
func putRoleIfAbsent(tx store.Tx, r *Role) (*Role, bool, error) {
	key := roleKey(r.Account, r.RoleName)
	if b, err := tx.GetRecord(key); err == nil {
		old, err := decodeRole(b)
		return old, false, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, false, fmt.Errorf("read role %s: %w", r.RoleName, err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, false, fmt.Errorf("encode role %s: %w", r.RoleName, err)
	}
	if err := tx.PutRecord(key, b); err != nil {
		return nil, false, fmt.Errorf("store role %s: %w", r.RoleName, err)
	}
	return r, true, nil
}
