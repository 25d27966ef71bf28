package redisgroup

import (
	"fmt"
	"strings"
)

// Limits, as ElastiCache's (with the raised 500-node quota).
const (
	MaxShards        = 500
	MaxReplicas      = 5
	MaxNodes         = 500
	MaxGroupIDLen    = 40
	DefaultMaxMemory = 256 << 20 // maxmemory of a node when Spec.MaxMemory is 0
)

// NormalizeID lower-cases a replication group id, as ElastiCache stores it.
func NormalizeID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// ValidateID checks an ElastiCache-style replication group id: 1 to 40 letters, digits or
// hyphens, starting with a letter, without a trailing hyphen or two consecutive hyphens.
func ValidateID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: The parameter ReplicationGroupId must be provided and must not be blank.", ErrInvalid)
	case len(id) > MaxGroupIDLen:
		return fmt.Errorf("%w: The parameter ReplicationGroupId must be at most %d characters long (got %d).", ErrInvalid, MaxGroupIDLen, len(id))
	case !isLetter(id[0]):
		return fmt.Errorf("%w: The parameter ReplicationGroupId must begin with a letter.", ErrInvalid)
	case strings.HasSuffix(id, "-"):
		return fmt.Errorf("%w: The parameter ReplicationGroupId must not end with a hyphen.", ErrInvalid)
	case strings.Contains(id, "--"):
		return fmt.Errorf("%w: The parameter ReplicationGroupId must not contain two consecutive hyphens.", ErrInvalid)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' {
			return fmt.Errorf("%w: The parameter ReplicationGroupId must contain only letters, digits and hyphens (found %q).", ErrInvalid, c)
		}
	}
	return nil
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// normalizeSpec applies defaults and checks a Spec; it returns the normalized copy and the
// slot ranges of each node group.
func normalizeSpec(s Spec) (Spec, [][]slotRange, error) {
	s.ID = NormalizeID(s.ID)
	if err := ValidateID(s.ID); err != nil {
		return s, nil, err
	}
	if s.Shards == 0 {
		s.Shards = 1
	}
	if !s.ClusterMode && s.Shards != 1 {
		return s, nil, fmt.Errorf("%w: NumNodeGroups must be 1 when cluster mode is disabled (got %d).", ErrInvalid, s.Shards)
	}
	if s.Shards < 1 || s.Shards > MaxShards {
		return s, nil, fmt.Errorf("%w: NumNodeGroups must be between 1 and %d (got %d).", ErrInvalid, MaxShards, s.Shards)
	}
	if s.Replicas < 0 || s.Replicas > MaxReplicas {
		return s, nil, fmt.Errorf("%w: ReplicasPerNodeGroup must be between 0 and %d (got %d).", ErrInvalid, MaxReplicas, s.Replicas)
	}
	if n := s.Shards * (1 + s.Replicas); n > MaxNodes {
		return s, nil, fmt.Errorf("%w: The requested shape needs %d nodes; a replication group can have at most %d.", ErrInvalid, n, MaxNodes)
	}
	if s.MaxMemory < 0 {
		return s, nil, fmt.Errorf("%w: MaxMemory must not be negative.", ErrInvalid)
	}
	if s.MaxMemory == 0 {
		s.MaxMemory = DefaultMaxMemory
	}
	if s.Port != 0 && (s.Port < 1024 || s.Port > 65535) {
		return s, nil, fmt.Errorf("%w: Port must be between 1024 and 65535 (got %d).", ErrInvalid, s.Port)
	}
	var slots [][]slotRange
	if len(s.Slots) > 0 {
		if !s.ClusterMode {
			return s, nil, fmt.Errorf("%w: Slots can only be given when cluster mode is enabled.", ErrInvalid)
		}
		if len(s.Slots) != s.Shards {
			return s, nil, fmt.Errorf("%w: %d slot ranges given for %d node groups.", ErrInvalid, len(s.Slots), s.Shards)
		}
		for _, str := range s.Slots {
			rs, err := parseRanges(str)
			if err != nil {
				return s, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
			}
			if len(rs) == 0 {
				return s, nil, fmt.Errorf("%w: every node group needs at least one slot.", ErrInvalid)
			}
			slots = append(slots, mergeRanges(rs))
		}
		if err := checkCoverage(slots); err != nil {
			return s, nil, fmt.Errorf("%w: the slot ranges must cover 0-16383 exactly once: %v", ErrInvalid, err)
		}
	} else if s.ClusterMode {
		slots = evenSplit(s.Shards)
	}
	return s, slots, nil
}
