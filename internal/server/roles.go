package server

import (
	"context"
	"fmt"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/enginestate"
	"github.com/autoscaled/autoscaled/internal/iam"
	"github.com/autoscaled/autoscaled/internal/store"
)

// targetsInUse lists, per region, the scalable targets of an account in a namespace: what
// keeps DeleteServiceLinkedRole from deleting that namespace's role.
func targetsInUse(st store.Store) func(ctx context.Context, account, namespace string) ([]iam.ResourceUsage, error) {
	return func(ctx context.Context, account, namespace string) ([]iam.ResourceUsage, error) {
		recs, err := st.ListRecords(ctx, enginestate.ScopePrefix+account+"/", "", 0)
		if err != nil {
			return nil, fmt.Errorf("list the scopes of account %s: %w", account, err)
		}
		var out []iam.ResourceUsage
		for _, r := range recs {
			scope, ok := enginestate.ParseScopeKey(r.Key)
			if !ok {
				continue
			}
			ts, err := st.ListTargets(ctx, scope, store.TargetQuery{Namespace: namespace, Limit: 1000})
			if err != nil {
				return nil, fmt.Errorf("list the targets of %s/%s: %w", scope.Account, scope.Region, err)
			}
			if len(ts) == 0 {
				continue
			}
			u := iam.ResourceUsage{Region: scope.Region}
			for _, t := range ts {
				u.Resources = append(u.Resources, autoscaling.TargetARN(scope, t.ID))
			}
			out = append(out, u)
		}
		return out, nil
	}
}
