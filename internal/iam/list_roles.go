package iam

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
)

type listRolesResult struct {
	XMLName     xml.Name `xml:"ListRolesResult"`
	IsTruncated bool     `xml:"IsTruncated"`
	Roles       xmlRoles `xml:"Roles"`
	Marker      string   `xml:"Marker,omitempty"`
}

// xmlRoles is the Roles list: always present, empty or not, as IAM writes it.
type xmlRoles struct {
	Members []xmlRole `xml:"member"`
}

// listRoles is ListRoles: the caller's roles whose path starts with PathPrefix, by name,
// MaxItems at a time; Marker is the (opaque) name of the last role of the previous page.
func (s *Service) listRoles(ctx context.Context, c *call, p params) (any, error) {
	prefix := "/"
	if p.Has("PathPrefix") {
		prefix = p.Get("PathPrefix")
		if err := p.text("PathPrefix", prefix, 1, 512, rePathPrefix, `\u002F[\u0021-\u007F]*`); err != nil {
			return nil, err
		}
	}
	limit, err := p.maxItems()
	if err != nil {
		return nil, err
	}
	after := rolePrefix(c.account)
	if p.Has("Marker") {
		m := p.Get("Marker")
		if err := p.text("Marker", m, 1, 320, reMarker, `[\u0020-\u00FF]+`); err != nil {
			return nil, err
		}
		name, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || len(name) == 0 {
			return nil, errf(CodeInvalidInput, "Invalid Marker.")
		}
		after += string(name)
	}
	out := &listRolesResult{}
	for {
		recs, err := s.store.ListRecords(ctx, rolePrefix(c.account), after, 100)
		if err != nil {
			return nil, fmt.Errorf("list roles: %w", err)
		}
		for _, rec := range recs {
			after = rec.Key
			r, err := decodeRole(rec.Value)
			if err != nil {
				return nil, err
			}
			if !strings.HasPrefix(r.Path, prefix) {
				continue
			}
			if len(out.Roles.Members) == limit {
				out.IsTruncated = true
				last := out.Roles.Members[len(out.Roles.Members)-1].RoleName
				out.Marker = base64.RawURLEncoding.EncodeToString([]byte(last))
				return out, nil
			}
			out.Roles.Members = append(out.Roles.Members, wireRole(r, false))
		}
		if len(recs) < 100 {
			return out, nil
		}
	}
}
