package schedule

import (
	"math"
	"time"
)

// zone is one period of constant UTC offset of a location: [start, end) in Unix seconds.
type zone struct {
	offset     int64 // seconds east of UTC
	start, end int64 // math.MinInt64 / math.MaxInt64 when unbounded
}

// zoneAt returns the zone in effect at t (in its location). The zone may end at a change of
// year with the same offset on both sides; callers treat such zones as ordinary ones.
func zoneAt(t time.Time) zone {
	_, offset := t.Zone()
	z := zone{offset: int64(offset), start: math.MinInt64, end: math.MaxInt64}
	start, end := t.ZoneBounds()
	if !start.IsZero() {
		z.start = start.Unix()
	}
	if !end.IsZero() {
		z.end = end.Unix()
	}
	if z.end <= t.Unix() {
		// ZoneBounds can report an end at or before t on the last day of a leap year in the
		// years a zone's TZ rule covers (golang/go#81583); look for the end instead.
		z.end = probeZoneEnd(t, z.offset)
	}
	return z
}

// probeZoneEnd returns the first second after t at which t's location leaves the offset, or a
// time two days after t if it keeps it that long (a safe, if early, end for a zone).
func probeZoneEnd(t time.Time, offset int64) int64 {
	loc, sec := t.Location(), t.Unix()
	offsetAt := func(s int64) int64 {
		_, o := time.Unix(s, 0).In(loc).Zone()
		return int64(o)
	}
	for hi := sec + 3600; hi <= sec+48*3600; hi += 3600 {
		if offsetAt(hi) == offset {
			continue
		}
		lo := hi - 3600 // offsetAt(lo) == offset; find the first second with another offset
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			if offsetAt(mid) == offset {
				lo = mid
			} else {
				hi = mid
			}
		}
		return hi
	}
	return sec + 48*3600
}

// previousZone returns the zone of loc that ends when z starts, if there is one.
func previousZone(z zone, loc *time.Location) (zone, bool) {
	if z.start == math.MinInt64 {
		return zone{}, false
	}
	return zoneAt(time.Unix(z.start-1, 0).In(loc)), true
}

// neighbours returns the zones of loc just before, at and just after t.
func neighbours(t time.Time, loc *time.Location) []zone {
	z := zoneAt(t)
	zones := make([]zone, 0, 3)
	if prev, ok := previousZone(z, loc); ok {
		zones = append(zones, prev)
	}
	zones = append(zones, z)
	if z.end != math.MaxInt64 {
		zones = append(zones, zoneAt(time.Unix(z.end, 0).In(loc)))
	}
	return zones
}

// resolve returns the instant at which the wall-clock time c occurs in loc. A time that occurs
// twice (the clocks fell back) resolves to the first instant. A time in a gap (the clocks sprang
// forward over it) resolves to the instant after the gap that is as far from the gap's end as c
// is from the gap's start, that is c read with the offset in effect before the gap.
func resolve(c civil, loc *time.Location) time.Time {
	guess := time.Date(c.year, time.Month(c.month), c.day, c.hour, c.min, c.sec, 0, loc)
	w := c.unix()
	zones := neighbours(guess, loc)
	found := false
	var first int64
	for _, z := range zones {
		if x := w - z.offset; z.start <= x && x < z.end && (!found || x < first) {
			first, found = x, true
		}
	}
	if found {
		return time.Unix(first, 0).In(loc)
	}
	for i := 0; i+1 < len(zones); i++ {
		before, after := zones[i], zones[i+1]
		if before.offset < after.offset && after.start+before.offset <= w && w < after.start+after.offset {
			return time.Unix(w-before.offset, 0).In(loc)
		}
	}
	return guess // not reached with real time zone data
}
