package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/autoscaled/autoscaled/internal/iampolicy"
)

// MaxFileSize bounds the size of a principals file.
const MaxFileSize = 16 << 20

// fullAccess is the policy of "policy": "*".
const fullAccess = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`

// Principals is an immutable set of principals, indexed by access key id. The methods of
// a nil *Principals find nothing.
type Principals struct {
	byKey map[string]*Principal
	list  []*Principal
}

// Lookup returns the principal owning an access key id.
func (ps *Principals) Lookup(accessKeyID string) (*Principal, bool) {
	if ps == nil {
		return nil, false
	}
	p, ok := ps.byKey[accessKeyID]
	return p, ok
}

// Secret returns the secret of an access key id; its signature fits sigv4.SecretFunc.
func (ps *Principals) Secret(accessKeyID string) (string, bool) {
	p, ok := ps.Lookup(accessKeyID)
	if !ok {
		return "", false
	}
	return p.Secret(), true
}

// Len returns the number of principals.
func (ps *Principals) Len() int {
	if ps == nil {
		return 0
	}
	return len(ps.list)
}

// All returns the principals in file order.
func (ps *Principals) All() []*Principal {
	if ps == nil {
		return nil
	}
	return append([]*Principal(nil), ps.list...)
}

// String describes the set without secrets.
func (ps *Principals) String() string { return fmt.Sprintf("auth.Principals(%d)", ps.Len()) }

// GoString is the %#v form.
func (ps *Principals) GoString() string { return ps.String() }

// Load reads and validates a principals file.
func Load(path string) (*Principals, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("auth: read %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("auth: %s: larger than %d bytes", path, MaxFileSize)
	}
	ps, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", path, err)
	}
	return ps, nil
}

type fileEntry struct {
	Name            string          `json:"name"`
	AccessKeyID     string          `json:"accessKeyId"`
	SecretAccessKey string          `json:"secretAccessKey"`
	AccountID       string          `json:"accountId"`
	Policy          json.RawMessage `json:"policy"`
}

// Parse validates the content of a principals file.
func Parse(data []byte) (*Principals, error) {
	var file struct {
		Principals *[]fileEntry `json:"principals"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON document")
	}
	if file.Principals == nil {
		return nil, errors.New(`missing "principals"`)
	}
	ps := &Principals{byKey: map[string]*Principal{}}
	names := map[string]bool{}
	for i, e := range *file.Principals {
		p, err := e.principal()
		if err != nil {
			if e.Name != "" && validName(e.Name) {
				return nil, fmt.Errorf("principal %d (%s): %w", i, e.Name, err)
			}
			return nil, fmt.Errorf("principal %d: %w", i, err)
		}
		if _, dup := ps.byKey[p.AccessKeyID]; dup {
			return nil, fmt.Errorf("principal %d (%s): accessKeyId %s is already used by another principal", i, p.Name, p.AccessKeyID)
		}
		if names[p.ARN()] {
			return nil, fmt.Errorf("principal %d (%s): another principal has the same name in account %s", i, p.Name, p.AccountID)
		}
		names[p.ARN()] = true
		ps.byKey[p.AccessKeyID] = p
		ps.list = append(ps.list, p)
	}
	return ps, nil
}

func (e fileEntry) principal() (*Principal, error) {
	switch {
	case e.Name == "":
		return nil, errors.New("name is empty")
	case !validName(e.Name):
		return nil, errors.New("name must be 1 to 64 of A-Z a-z 0-9 + = , . @ _ -")
	case !validAccount(e.AccountID):
		return nil, errors.New("accountId must be 12 digits")
	case !validKeyID(e.AccessKeyID):
		// The value is not quoted: it might be a misplaced secret.
		return nil, errors.New("accessKeyId must be 1 to 128 of A-Z a-z 0-9 _")
	case e.SecretAccessKey == "":
		return nil, errors.New("secretAccessKey is empty")
	case len(e.SecretAccessKey) > 1024:
		return nil, errors.New("secretAccessKey is longer than 1024 bytes")
	}
	pol, err := parsePolicy(e.Policy)
	if err != nil {
		return nil, err
	}
	return &Principal{Name: e.Name, AccessKeyID: e.AccessKeyID, AccountID: e.AccountID, Policy: pol, secret: secretFunc(e.SecretAccessKey)}, nil
}

// parsePolicy reads "policy": an IAM policy document, or "*" for full access. A missing
// or null policy is an error: no principal gets permissions by default.
func parsePolicy(raw json.RawMessage) (*iampolicy.Policy, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, errors.New(`policy is missing: give an IAM policy document, or "*" for full access`)
	}
	if trimmed[0] == '"' {
		var s string
		if err := json.Unmarshal(trimmed, &s); err != nil || s != "*" {
			return nil, errors.New(`policy must be an IAM policy document (a JSON object) or "*"`)
		}
		trimmed = []byte(fullAccess)
	}
	p, err := iampolicy.Parse(trimmed)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return p, nil
}

// jsonError describes a decoding error by position, never quoting the file.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at %s", position(data, syn.Offset))
	case errors.As(err, &typ):
		return fmt.Errorf("field %s at %s: expected %s, got a JSON %s", typ.Field, position(data, typ.Offset), typ.Type, typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("empty or truncated JSON document")
	}
	return err // e.g. json: unknown field "x": names a key, not a value
}

func position(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - int64(bytes.LastIndexByte(data[:offset], '\n')+1) // of the last byte read
	return fmt.Sprintf("line %d, column %d", line, col)
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(alnum(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validKeyID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
