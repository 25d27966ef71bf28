package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/autoscaled/autoscaled/internal/iampolicy"
)

// Principal is an authenticated identity: an IAM-style user with one access key.
// Its secret is unexported, and every way of printing a Principal leaves it out.
type Principal struct {
	Name        string
	AccessKeyID string
	AccountID   string
	Policy      *iampolicy.Policy
	// secret is a closure: fmt, slog, encoding/json and reflection-based dumpers can
	// print a func only as an address, so the secret cannot leak through any of them,
	// even from a Principal held in an unexported field.
	secret func() string
}

const redacted = "[REDACTED]"

func secretFunc(s string) func() string { return func() string { return s } }

// Secret returns the secret access key ("" for a Principal not made by this package).
func (p Principal) Secret() string {
	if p.secret == nil {
		return ""
	}
	return p.secret()
}

// ARN returns the principal's IAM user ARN, arn:aws:iam::ACCOUNT:user/NAME.
func (p Principal) ARN() string { return "arn:aws:iam::" + p.AccountID + ":user/" + p.Name }

// String describes the principal without its secret.
func (p Principal) String() string {
	return fmt.Sprintf("%s (access key %s, account %s)", p.Name, p.AccessKeyID, p.AccountID)
}

// GoString is the %#v form, without the secret.
func (p Principal) GoString() string {
	return fmt.Sprintf("auth.Principal{Name:%q, AccessKeyID:%q, AccountID:%q, secret:%s}", p.Name, p.AccessKeyID, p.AccountID, redacted)
}

// Format makes every fmt verb (%v, %+v, %s, %q, %x, %d...) print String or GoString,
// never the fields one by one.
func (p Principal) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(p.GoString()))
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", p.String())
	default:
		_, _ = f.Write([]byte(p.String()))
	}
}

// LogValue is the slog form, without the secret.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", p.Name),
		slog.String("accessKeyId", p.AccessKeyID),
		slog.String("accountId", p.AccountID),
		slog.String("arn", p.ARN()),
	)
}

// MarshalJSON is the JSON form, without the secret.
func (p Principal) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string `json:"name"`
		AccessKeyID string `json:"accessKeyId"`
		AccountID   string `json:"accountId"`
		ARN         string `json:"arn"`
	}{p.Name, p.AccessKeyID, p.AccountID, p.ARN()})
}
