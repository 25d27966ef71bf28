package redisgroup

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// NumSlots is the number of hash slots of a Redis cluster.
const NumSlots = 16384

// slotRange is an inclusive range of hash slots.
type slotRange struct{ Lo, Hi int }

func (r slotRange) count() int { return r.Hi - r.Lo + 1 }

// rangesOf turns slots (any order, duplicates allowed) into sorted, merged ranges.
func rangesOf(slots []int) []slotRange {
	if len(slots) == 0 {
		return nil
	}
	s := slices.Clone(slots)
	slices.Sort(s)
	s = slices.Compact(s)
	var out []slotRange
	cur := slotRange{s[0], s[0]}
	for _, v := range s[1:] {
		if v == cur.Hi+1 {
			cur.Hi = v
			continue
		}
		out = append(out, cur)
		cur = slotRange{v, v}
	}
	return append(out, cur)
}

// mergeRanges sorts and merges ranges that touch or overlap.
func mergeRanges(rs []slotRange) []slotRange {
	if len(rs) == 0 {
		return nil
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b slotRange) int { return a.Lo - b.Lo })
	out := []slotRange{s[0]}
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if r.Lo <= last.Hi+1 {
			last.Hi = max(last.Hi, r.Hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// slotsOf expands ranges into the list of their slots.
func slotsOf(rs []slotRange) []int {
	var out []int
	for _, r := range rs {
		for s := r.Lo; s <= r.Hi; s++ {
			out = append(out, s)
		}
	}
	return out
}

func countSlots(rs []slotRange) int {
	n := 0
	for _, r := range rs {
		n += r.count()
	}
	return n
}

// FormatSlots prints ranges the way ElastiCache prints a node group's slots:
// "0-5460,10923-10925", a single slot as "42", nothing as "".
func formatRanges(rs []slotRange) string {
	var b strings.Builder
	for i, r := range mergeRanges(rs) {
		if i > 0 {
			b.WriteByte(',')
		}
		if r.Lo == r.Hi {
			b.WriteString(strconv.Itoa(r.Lo))
		} else {
			fmt.Fprintf(&b, "%d-%d", r.Lo, r.Hi)
		}
	}
	return b.String()
}

// formatSlots prints a set of slots as ranges (see formatRanges).
func formatSlots(slots []int) string { return formatRanges(rangesOf(slots)) }

// parseRanges reads "0-5460,10923-10925,16000" (spaces allowed around items).
func parseRanges(s string) ([]slotRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []slotRange
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, fmt.Errorf("slot range %q: %q is not a slot number", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, fmt.Errorf("slot range %q: %q is not a slot number", s, hi)
			}
		}
		if a < 0 || b >= NumSlots || a > b {
			return nil, fmt.Errorf("slot range %q: %q is not within 0-%d in ascending order", s, item, NumSlots-1)
		}
		out = append(out, slotRange{a, b})
	}
	return out, nil
}

// evenSplit spreads the slots over n node groups exactly as redis-cli --cluster create does
// (3 -> 0-5460, 5461-10922, 10923-16383).
func evenSplit(n int) [][]slotRange {
	out := make([][]slotRange, n)
	per := float64(NumSlots) / float64(n)
	first, cursor := 0, 0.0
	for i := range n {
		last := int(math.Round(cursor + per - 1))
		if last > NumSlots || i == n-1 {
			last = NumSlots - 1
		}
		if last < first {
			last = first
		}
		out[i] = []slotRange{{first, last}}
		first = last + 1
		cursor += per
	}
	return out
}

// checkCoverage verifies that the node groups' ranges cover every slot exactly once.
func checkCoverage(groups [][]slotRange) error {
	var owner [NumSlots]int
	for i, rs := range groups {
		for _, r := range rs {
			for s := r.Lo; s <= r.Hi; s++ {
				if owner[s] != 0 {
					return fmt.Errorf("slot %d is given to node groups %d and %d", s, owner[s], i+1)
				}
				owner[s] = i + 1
			}
		}
	}
	for s, o := range owner {
		if o == 0 {
			return fmt.Errorf("slot %d is given to no node group", s)
		}
	}
	return nil
}
