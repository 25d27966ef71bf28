package authn

import (
	"fmt"
	"net"
	"strings"
)

// LoopbackOnly checks that a listen address (host:port, as given to --listen) binds only
// loopback addresses: a server without principals accepts any well-formed signature and
// must not be reachable from other machines. An empty host ("":8080) binds every interface
// and is refused; "localhost" and loopback IPs (127.0.0.0/8, ::1) pass; other names are
// refused, since what they resolve to can change.
func LoopbackOnly(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("refusing to listen on %s (%s) without --auth-file: without principals any signature is accepted, so only a loopback address (127.0.0.1, ::1, localhost) may be used", addr, host)
}

// NoAuthWarning is what a server without principals says at start.
const NoAuthWarning = "NO --auth-file: every well-formed SigV4 signature is accepted, whatever its key; " +
	"the account is the access key id when it is 12 digits, else " + DefaultAccount +
	". Serving on loopback only. Give --auth-file to authenticate principals."
