package schedule

import (
	"math"
	"math/bits"
	"time"
)

// next returns the first occurrence of c strictly after after, with the wall-clock fields read in
// loc.
//
// It walks the zone periods of loc (the spans of constant UTC offset) from after onwards. In a
// period with offset o the wall-clock times [start+o, end+o) occur at wall-clock time minus o,
// except those that the previous period, with a larger offset, already showed (the clocks fell
// back: they occur the first time only). The wall-clock times skipped when the clocks sprang
// forward at the period's start occur at wall-clock time minus the previous offset, early in the
// period. The first period with an occurrence ends the walk; a matching wall-clock time found
// beyond a period is remembered, so that later periods resume the search from it.
func (c *cronSpec) next(after time.Time, loc *time.Location) (time.Time, bool) {
	if earliest := time.Date(minYear-1, 12, 29, 0, 0, 0, 0, time.UTC); after.Before(earliest) {
		after = earliest // before any wall-clock time of minYear in any zone; keeps from in range
	}
	from := after.Unix() + 1 // occurrences fall on whole seconds: the first candidate after after
	searched := int64(math.MinInt64)
	for {
		z := zoneAt(time.Unix(from, 0).In(loc))
		prev, hasPrev := previousZone(z, loc)
		best, found := int64(0), false
		if hasPrev && prev.offset < z.offset { // wall-clock times skipped at z.start
			if w, ok := c.nextMatchWall(max(from+prev.offset, searched)); ok && w < z.start+z.offset {
				best, found = w-prev.offset, true
			}
		}
		lo := from + z.offset
		if hasPrev && prev.offset > z.offset { // wall-clock times that prev already showed
			lo = max(lo, z.start+prev.offset)
		}
		w, ok := c.nextMatchWall(max(lo, searched))
		if !ok {
			return unixIn(best, loc), found
		}
		if z.end == math.MaxInt64 || w < z.end+z.offset {
			if t := w - z.offset; !found || t < best {
				best, found = t, true
			}
		}
		if found {
			return unixIn(best, loc), true
		}
		searched, from = w, z.end
	}
}

// nextMatchWall is nextMatch for wall-clock times counted in seconds from 1970-01-01T00:00:00.
func (c *cronSpec) nextMatchWall(from int64) (int64, bool) {
	m, ok := c.nextMatch(civilFromUnix(from))
	if !ok {
		return 0, false
	}
	return m.unix(), true
}

// unixIn returns the instant sec seconds after the Unix epoch, in loc.
func unixIn(sec int64, loc *time.Location) time.Time {
	return time.Unix(sec, 0).In(loc)
}

// nextMatch returns the first wall-clock time at or after from that matches every field of c, and
// ok=false if there is none up to the end of maxYear. It skips whole years, months, days, hours
// and minutes that cannot match, so it takes a few steps per level rather than a scan.
func (c *cronSpec) nextMatch(from civil) (civil, bool) {
	y, mo, d, h, mi, s := from.year, from.month, from.day, from.hour, from.min, from.sec
	for y <= maxYear {
		ny, ok := c.years.next(y)
		if !ok {
			return civil{}, false
		}
		if ny != y {
			y, mo, d, h, mi, s = ny, 1, 1, 0, 0, 0
		}
		nmo, ok := nextBit(c.months, mo)
		if !ok {
			y, mo, d, h, mi, s = y+1, 1, 1, 0, 0, 0
			continue
		}
		if nmo != mo {
			mo, d, h, mi, s = nmo, 1, 0, 0, 0
		}
		nd, ok := nextBit(c.days.mask(y, mo), d)
		if !ok {
			mo, d, h, mi, s = mo+1, 1, 0, 0, 0
			continue
		}
		if nd != d {
			d, h, mi, s = nd, 0, 0, 0
		}
		nh, ok := nextBit(c.hours, h)
		if !ok {
			d, h, mi, s = d+1, 0, 0, 0
			continue
		}
		if nh != h {
			h, mi, s = nh, 0, 0
		}
		nmi, ok := nextBit(c.minutes, mi)
		if !ok {
			h, mi, s = h+1, 0, 0
			continue
		}
		if nmi != mi {
			mi, s = nmi, 0
		}
		ns, ok := nextBit(c.seconds, s)
		if !ok {
			mi, s = mi+1, 0
			continue
		}
		return civil{year: y, month: mo, day: d, hour: h, min: mi, sec: ns}, true
	}
	return civil{}, false
}

// nextBit returns the smallest member of the bit set m that is >= from.
func nextBit(m uint64, from int) (int, bool) {
	if from >= 64 {
		return 0, false
	}
	m &^= 1<<from - 1
	if m == 0 {
		return 0, false
	}
	return bits.TrailingZeros64(m), true
}
