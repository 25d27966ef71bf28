package redisgroup

import (
	"cmp"
	"fmt"
	"slices"
)

// slotMove moves one slot from one node group to another.
type slotMove struct {
	Slot     int
	From, To string // node group ids
}

// pairMoves is every move between one source and one destination, slots ascending.
type pairMoves struct {
	From, To string
	Slots    []int
}

// planMoves computes a proportional, deterministic slot plan. owned maps every node group that
// owns slots now (including those being removed) to its slots; targets lists the node groups
// that must own slots afterwards (including new, empty ones).
//
// Each target's quota is 16384/len(targets); the 16384%len(targets) spare slots go to the
// targets that own the most now (ties: lowest id), so that as few slots as possible move. A node
// group above its quota (every non-target is at quota 0) gives away its highest slots, which
// keeps what it keeps contiguous; donors (ascending id) fill receivers (ascending id) in order,
// so each receiver gets few, contiguous ranges.
func planMoves(owned map[string][]int, targets []string) ([]pairMoves, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("slot plan: no node group to hold the slots")
	}
	if len(targets) > NumSlots {
		return nil, fmt.Errorf("slot plan: %d node groups for %d slots", len(targets), NumSlots)
	}
	isTarget := map[string]bool{}
	for _, t := range targets {
		if isTarget[t] {
			return nil, fmt.Errorf("slot plan: node group %s listed twice", t)
		}
		isTarget[t] = true
	}
	order := slices.Clone(targets)
	slices.SortFunc(order, func(a, b string) int {
		if c := cmp.Compare(len(owned[b]), len(owned[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	base, rem := NumSlots/len(targets), NumSlots%len(targets)
	quota := map[string]int{}
	for i, t := range order {
		quota[t] = base
		if i < rem {
			quota[t]++
		}
	}

	var donors []string
	for id := range owned {
		if len(owned[id]) > quota[id] {
			donors = append(donors, id)
		}
	}
	slices.Sort(donors)
	recv := slices.Clone(targets)
	slices.Sort(recv)
	need := map[string]int{}
	for _, t := range recv {
		if n := quota[t] - len(owned[t]); n > 0 {
			need[t] = n
		}
	}

	var out []pairMoves
	ri := 0
	for _, d := range donors {
		s := slices.Clone(owned[d])
		slices.Sort(s)
		give := s[quota[d]:] // the highest slots
		for len(give) > 0 {
			for ri < len(recv) && need[recv[ri]] == 0 {
				ri++
			}
			if ri == len(recv) {
				return nil, fmt.Errorf("slot plan: %d slots of node group %s have nowhere to go", len(give), d)
			}
			r := recv[ri]
			n := min(need[r], len(give))
			out = append(out, pairMoves{From: d, To: r, Slots: slices.Clone(give[:n])})
			give = give[n:]
			need[r] -= n
		}
	}
	return out, nil
}

func countMoves(p []pairMoves) int {
	n := 0
	for _, m := range p {
		n += len(m.Slots)
	}
	return n
}
