package lambdaapi

import (
	"net/http"

	"github.com/autoscaled/autoscaled/internal/authn"
	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// Defaults of a request that does not say its region or account.
const (
	DefaultRegion  = authn.DefaultRegion
	DefaultAccount = authn.DefaultAccount
)

// scopeOf is the account and region a request acts in: the caller the front door
// authenticated (without it, the region of the SigV4 credential scope and the access key id
// as the account when it is 12 digits, the rule of every service of this server).
func scopeOf(r *http.Request) autoscaling.Scope {
	c := authn.CallerOf(r)
	return autoscaling.Scope{Account: c.AccountID, Region: c.Region}
}
