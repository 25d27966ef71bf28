package lambdaapi

import (
	"net/http"
)

type accountLimit struct {
	TotalCodeSize                  int64 `json:"TotalCodeSize"`
	CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
	CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
	ConcurrentExecutions           int   `json:"ConcurrentExecutions"`
	UnreservedConcurrentExecutions int   `json:"UnreservedConcurrentExecutions"`
}

type accountUsage struct {
	TotalCodeSize int64 `json:"TotalCodeSize"`
	FunctionCount int64 `json:"FunctionCount"`
}

type accountSettingsOutput struct {
	AccountLimit accountLimit `json:"AccountLimit"`
	AccountUsage accountUsage `json:"AccountUsage"`
}

// getAccountSettings reports the account's limits and usage in the caller's region.
// UnreservedConcurrentExecutions is the limit minus reserved concurrency and the provisioned
// concurrency of functions without reserved concurrency (workers.Usage).
func (s *Service) getAccountSettings(c *call) error {
	u := s.pool.Usage(c.scope)
	out := accountSettingsOutput{
		AccountLimit: accountLimit{TotalCodeSize: TotalCodeSizeLimit, CodeSizeUnzipped: MaxUnzippedSize, CodeSizeZipped: MaxZipSize,
			ConcurrentExecutions: u.Limit, UnreservedConcurrentExecutions: u.UnreservedAvailable},
	}
	s.cmu.RLock()
	for k, e := range s.cache {
		if k.scope != c.scope {
			continue
		}
		out.AccountUsage.FunctionCount++
		seen := map[string]bool{}
		for _, v := range append([]*config{e.fn.Latest}, e.fn.Versions...) {
			if !seen[v.CodeSHA256] {
				seen[v.CodeSHA256] = true
				out.AccountUsage.TotalCodeSize += v.CodeSize
			}
		}
	}
	s.cmu.RUnlock()
	writeJSON(c.w, http.StatusOK, out)
	return nil
}
