package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestElastiCache checks ElastiCache's documented target tracking rules for replication groups,
// with the ElastiCache User Guide's examples verbatim where it has them.
func TestElastiCache(t *testing.T) {
	t.Parallel()
	const ten = 600 * time.Second // ElastiCache's default cooldown
	cases := []struct {
		name     string
		target   Target
		cd       Cooldowns
		policies []TTPolicy
		high     bool
		want     Decision
	}{
		// Shards. "if you have 50 shards and if your Target breaches by 30 percent, ElastiCache
		// scales out by 30 percent, which results in 65 shards"; "by 10 percent, [...] by default
		// Minimum of 20 percent, which results in 60 shards".
		{
			name: "elasticache 50 shards 30% breach -> 65", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("cpu", 60, 78)}, high: true,
			want: Decision{Scale: true, Desired: 65, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 50 shards 10% breach -> 60", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("cpu", 60, 66)}, high: true,
			want: Decision{Scale: true, Desired: 60, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 50 shards 30% breach of a 40% target -> 65", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("mem", 40, 52)}, high: true,
			want: Decision{Scale: true, Desired: 65, Direction: Out, Policy: "mem", Cooldown: ten},
		},
		{
			name: "elasticache shards scale out at the target itself", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("cpu", 60, 60)}, high: true,
			want: Decision{Scale: true, Desired: 60, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 3 shards add at least 1", target: shards(1, 250, 3),
			policies: []TTPolicy{tt("cpu", 60, 61)}, high: true,
			want: Decision{Scale: true, Desired: 4, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 7 shards 20% of current rounds up", target: shards(1, 250, 7),
			policies: []TTPolicy{tt("cpu", 60, 61)}, high: true,
			want: Decision{Scale: true, Desired: 9, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache shards below target do not scale out", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("cpu", 60, 59)}, high: true,
			want: Decision{Desired: 50, Direction: Out, Policy: "cpu", NotScaled: desiredReason(50)},
		},
		// "if you have selected a Target value of 60 percent, ElastiCache won't auto scale-in
		// until the metric is less than or equal to 45 percent".
		{
			name: "elasticache shards scale in at 45% of a 60% target", target: shards(1, 250, 10),
			policies: []TTPolicy{tt("cpu", 60, 45)},
			want:     Decision{Scale: true, Desired: 8, Direction: In, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache shards keep at 46% of a 60% target", target: shards(1, 250, 10),
			policies: []TTPolicy{tt("cpu", 60, 46)},
			want:     Decision{Desired: 10, Direction: In, Policy: "cpu", NotScaled: desiredReason(10)},
		},
		{
			name: "elasticache 2 shards at 45% would flap", target: shards(1, 250, 2),
			policies: []TTPolicy{tt("cpu", 60, 45)},
			want:     Decision{Desired: 2, Direction: In, Policy: "cpu", NotScaled: flapReason(2)},
		},
		{
			name: "elasticache shards: a second policy above 75% blocks scale-in", target: shards(1, 250, 10),
			policies: []TTPolicy{tt("cpu", 60, 30), tt("mem", 60, 50)},
			want:     Decision{Desired: 10, Direction: In, Policy: "mem"},
		},

		// Replicas. "if you have 5 shards and 1 replica each: If your Target breaches by 30
		// percent, ElastiCache scales out by 1 replica (max(0.3, default 1)) across all shards,
		// which results in 5 shards with 2 replicas each".
		{
			name: "elasticache 5 shards x 1 replica 30% breach -> 2 replicas", target: replicas(1, 5, 1),
			policies: []TTPolicy{tt("cpu", 60, 78)}, high: true,
			want: Decision{Scale: true, Desired: 2, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 2 replicas 100% breach -> 4", target: replicas(1, 5, 2),
			policies: []TTPolicy{tt("cpu", 40, 80)}, high: true,
			want: Decision{Scale: true, Desired: 4, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 2 replicas 25% breach rounds half up -> 3", target: replicas(1, 5, 2),
			policies: []TTPolicy{tt("cpu", 40, 50)}, high: true,
			want: Decision{Scale: true, Desired: 3, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache 4 replicas 200% breach capped at 5", target: replicas(1, 5, 4),
			policies: []TTPolicy{tt("cpu", 30, 90)}, high: true,
			want: Decision{Scale: true, Desired: 5, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache replicas at max", target: replicas(1, 5, 5),
			policies: []TTPolicy{tt("cpu", 60, 90)}, high: true,
			want: Decision{Desired: 5, Direction: Out, Policy: "cpu", NotScaled: maxReason(5)},
		},
		{
			name: "elasticache replicas scale in by one at most", target: replicas(1, 5, 4),
			policies: []TTPolicy{tt("cpu", 60, 15)},
			want:     Decision{Scale: true, Desired: 3, Direction: In, Policy: "cpu", Cooldown: ten},
		},
		{
			name: "elasticache replicas keep at 46% of a 60% target", target: replicas(1, 5, 4),
			policies: []TTPolicy{tt("cpu", 60, 46)},
			want:     Decision{Desired: 4, Direction: In, Policy: "cpu", NotScaled: desiredReason(4)},
		},
		{
			name: "elasticache 2 replicas at 45% would flap", target: replicas(1, 5, 2),
			policies: []TTPolicy{tt("cpu", 60, 45)},
			want:     Decision{Desired: 2, Direction: In, Policy: "cpu", NotScaled: flapReason(2)},
		},
		{
			name: "elasticache replicas at min", target: replicas(1, 5, 1),
			policies: []TTPolicy{tt("cpu", 60, 10)},
			want:     Decision{Desired: 1, Direction: In, Policy: "cpu", NotScaled: minReason(1)},
		},
		{
			name: "elasticache scale-in cooldown of 600 s", target: replicas(1, 5, 4),
			cd:       Cooldowns{LastScaleIn: ago(599 * time.Second), ScaleInCooldown: ten},
			policies: []TTPolicy{tt("cpu", 60, 15)},
			want:     Decision{Desired: 4, Direction: In, Policy: "cpu", BlockedUntil: t0.Add(time.Second)},
		},
		{
			name: "elasticache user guide cooldowns 300 out / 600 in", target: shards(1, 250, 50),
			policies: []TTPolicy{tt("cpu", 60, 78).cooldowns(300, 600)}, high: true,
			want: Decision{Scale: true, Desired: 65, Direction: Out, Policy: "cpu", Cooldown: 300 * time.Second},
		},
		{
			name: "elasticache shards during scale-out cooldown count the added shards", target: shards(1, 250, 60),
			cd:       Cooldowns{LastScaleOut: ago(60 * time.Second), ScaleOutFrom: 50, ScaleOutCooldown: ten},
			policies: []TTPolicy{tt("cpu", 60, 78)}, high: true,
			want: Decision{Scale: true, Desired: 65, Direction: Out, Policy: "cpu", Cooldown: ten},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := TargetTracking(c.target, c.cd, c.policies, 0, c.high, t0, 1)
			if diff := cmp.Diff(c.want, got, diffOpts...); diff != "" {
				t.Errorf("decision mismatch (-want +got):\n%s\nwhy: %s", diff, got.Why)
			}
		})
	}
}
