package policy

import "math"

// algorithm is a target tracking capacity rule: the generic proportional one, or one of
// ElastiCache's documented rules for replication groups.
type algorithm int

const (
	proportional algorithm = iota
	elastiCacheShards
	elastiCacheReplicas
)

// Scalable dimensions with their own target tracking rules.
const (
	dimNodeGroups = "elasticache:replication-group:NodeGroups"
	dimReplicas   = "elasticache:replication-group:Replicas"
)

// elastiCacheScaleInFraction: ElastiCache scales in only when the metric is at or below 75 % of
// the target (ElastiCache User Guide: "won't auto scale-in until the metric is less than or
// equal to 45 percent (25 percent below the Target 60 percent)").
const elastiCacheScaleInFraction = 0.75

// elastiCacheShardMinStep: shards scale out by at least 20 % of the current shards.
const elastiCacheShardMinStep = 0.2

func algorithmFor(dimension string) algorithm {
	switch dimension {
	case dimNodeGroups:
		return elastiCacheShards
	case dimReplicas:
		return elastiCacheReplicas
	}
	return proportional
}

// verdict is a policy's answer to a scale-in.
type verdict int

const (
	agree    verdict = iota // proposes less than the current capacity
	notLow                  // its metric is not low enough to scale in
	flapping                // removing one unit would push its metric over the target
)

// out proposes a scale-out from base for metric m and target t; ok is false when the policy does
// not want to scale out. A proposal always exceeds base.
func (a algorithm) out(base int32, m, t float64) (int32, bool) {
	if t <= 0 {
		// Not trackable proportionally: one unit at a time.
		if m > t {
			return addCapacity(base, 1), true
		}
		return base, false
	}
	b := float64(base)
	switch a {
	case elastiCacheShards:
		// "scales out your cluster shards by a count equal to the larger of two numbers:
		// Percent variation from Target and 20 percent of current shards" (m >= t).
		if !(m >= t) {
			return base, false
		}
		dev := (m - t) / t
		add := math.Max(math.Max(ceilTol(dev*b), ceilTol(elastiCacheShardMinStep*b)), 1)
		return addCapacity(base, int64(math.Min(add, math.MaxInt32))), true
	case elastiCacheReplicas:
		// "by a count equal to the larger of two numbers: Percent variation from Target and one
		// replica", the variation "rounded off", of the existing replicas (m >= t).
		if !(m >= t) {
			return base, false
		}
		dev := (m - t) / t
		add := math.Max(math.Round(dev*b), 1)
		return addCapacity(base, int64(math.Min(add, math.MaxInt32))), true
	}
	if !(m > t) {
		return base, false
	}
	return max(toCapacity(ceilTol(b*m/t)), addCapacity(base, 1)), true
}

// in proposes a scale-in from cur for metric m and target t. The proposal is below cur exactly
// when the verdict is agree.
func (a algorithm) in(cur int32, m, t float64) (int32, verdict) {
	if t <= 0 {
		if m < t && cur > 0 {
			return cur - 1, agree
		}
		return cur, notLow
	}
	switch a {
	case elastiCacheShards, elastiCacheReplicas:
		if !(m <= elastiCacheScaleInFraction*t*(1+1e-9)) {
			return cur, notLow
		}
	default:
		if !(m < t) {
			return cur, notLow
		}
	}
	p := toCapacity(ceilTol(float64(cur) * m / t))
	if a == elastiCacheReplicas {
		// "scales in more gradually with max scale in of 1 replica across the shards".
		p = max(p, cur-1)
	}
	if p >= cur {
		return cur, flapping
	}
	return p, agree
}
