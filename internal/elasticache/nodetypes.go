package elasticache

import (
	"regexp"
)

// DefaultNodeType is the node type of a group created without CacheNodeType.
const DefaultNodeType = "cache.r6g.large"

// nodeTypePattern is ElastiCache's node type naming: cache.<family>.<size>.
var nodeTypePattern = regexp.MustCompile(`^cache\.[a-z][a-z0-9]*\.(micro|small|medium|large|xlarge|[0-9]+xlarge)$`)

// memoryGiB is the memory of a node of each size, from ElastiCache's node type table for the
// general purpose and memory optimised families (m6g/r6g). The exact figure differs a little
// between families; a local node only needs a maxmemory in the right range.
var memoryGiB = map[string]float64{
	"micro": 0.5, "small": 1.37, "medium": 3.09, "large": 6.38, "xlarge": 12.93, "2xlarge": 26.04,
	"4xlarge": 52.26, "8xlarge": 103.68, "12xlarge": 157.12, "16xlarge": 209.55, "24xlarge": 317.77,
}

// memoryOptimised families have about twice the memory of the general purpose ones.
var memoryOptimised = regexp.MustCompile(`^cache\.(r[0-9][a-z]*|x[0-9][a-z]*)\.`)

// reservedMemoryPercent is ElastiCache's default reserve for non-data use.
const reservedMemoryPercent = 25

// maxMemoryOf maps a node type to the maxmemory of its nodes: the node's memory less the
// 25% ElastiCache reserves by default (reserved-memory-percent). ok is false for a name that
// is not an ElastiCache node type.
func maxMemoryOf(nodeType string) (int64, bool) {
	m := nodeTypePattern.FindStringSubmatch(nodeType)
	if m == nil {
		return 0, false
	}
	gib, ok := memoryGiB[m[1]]
	if !ok {
		return 0, false
	}
	if memoryOptimised.MatchString(nodeType) && m[1] != "micro" && m[1] != "small" && m[1] != "medium" {
		gib *= 2.05
	}
	return int64(gib * (1 << 30) * (100 - reservedMemoryPercent) / 100), true
}
