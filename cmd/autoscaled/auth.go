package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/autoscaled/autoscaled/internal/auth"
	"github.com/autoscaled/autoscaled/internal/authn"
)

// loadPrincipals reads --auth-file and reloads it on SIGHUP (a file that fails to load keeps
// the previous principals). Without --auth-file it returns nil after checking that the
// listen address is a loopback one, and says loudly that any signature is accepted.
func loadPrincipals(ctx context.Context, o serveOptions, logger *slog.Logger) (*auth.Store, error) {
	if o.authFile == "" {
		if err := authn.LoopbackOnly(o.listen); err != nil {
			return nil, err
		}
		logger.Warn(authn.NoAuthWarning)
		return nil, nil
	}
	st, err := auth.NewStore(o.authFile)
	if err != nil {
		return nil, fmt.Errorf("--auth-file: %w", err)
	}
	logger.Info("principals loaded", "file", o.authFile, "principals", st.Current().Len())
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := st.Reload(o.authFile); err != nil {
					logger.Error("reload --auth-file: keeping the previous principals", "file", o.authFile, "err", err)
				} else {
					logger.Info("principals reloaded", "file", o.authFile, "principals", st.Current().Len())
				}
			}
		}
	}()
	return st, nil
}
