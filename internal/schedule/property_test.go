package schedule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// wallMinute is a wall-clock minute with the fields an independent matcher needs.
type wallMinute struct {
	year           int
	month          time.Month
	day, hour, min int
	weekday        time.Weekday
	daysInMonth    int
	civil          civil
	instant        time.Time // when it occurs, by the reference rules
}

// referenceCases are cron expressions without seconds, each with a matcher written directly from
// the documented meaning of the fields, independently of the parser.
var referenceCases = []struct {
	expr  string
	match func(w wallMinute) bool
}{
	{"cron(0 10 * * ? *)", func(w wallMinute) bool { return w.hour == 10 && w.min == 0 }},
	{"cron(0/15 * * * ? *)", func(w wallMinute) bool { return w.min%15 == 0 }},
	{"cron(* * * * ? *)", func(w wallMinute) bool { return true }},
	{"cron(0 * * * ? *)", func(w wallMinute) bool { return w.min == 0 }},
	{"cron(0/5 8-17 ? * MON-FRI *)", func(w wallMinute) bool {
		return w.min%5 == 0 && w.hour >= 8 && w.hour <= 17 && isWeekday(w.weekday)
	}},
	{"cron(30 6 * * 2 *)", func(w wallMinute) bool {
		return w.weekday == time.Monday && w.hour == 6 && w.min == 30
	}},
	{"cron(0 9 ? * 2#1 *)", func(w wallMinute) bool {
		return w.weekday == time.Monday && w.day <= 7 && w.hour == 9 && w.min == 0
	}},
	{"cron(0 0 ? * 4#5 *)", func(w wallMinute) bool {
		return w.weekday == time.Wednesday && w.day > 28 && w.hour == 0 && w.min == 0
	}},
	{"cron(0 0 L * ? *)", func(w wallMinute) bool { return w.day == w.daysInMonth && w.hour == 0 && w.min == 0 }},
	{"cron(0 0 L-2 * ? *)", func(w wallMinute) bool { return w.day == w.daysInMonth-2 && w.hour == 0 && w.min == 0 }},
	{"cron(0 0 LW * ? *)", func(w wallMinute) bool {
		if !isWeekday(w.weekday) || w.hour != 0 || w.min != 0 {
			return false
		}
		for d, wd := w.day+1, w.weekday+1; d <= w.daysInMonth; d, wd = d+1, (wd+1)%7 {
			if isWeekday(wd) {
				return false // a later weekday in the month
			}
		}
		return true
	}},
	{"cron(0 0 ? * 6L *)", func(w wallMinute) bool {
		return w.weekday == time.Friday && w.day+7 > w.daysInMonth && w.hour == 0 && w.min == 0
	}},
	{"cron(0 0 15W * ? *)", func(w wallMinute) bool {
		// Day 15 is never the first or last day, so it moves by one day at most.
		wd15 := (w.weekday + 7 + time.Weekday((15-w.day)%7+7)) % 7
		want := 15
		switch wd15 {
		case time.Saturday:
			want = 14
		case time.Sunday:
			want = 16
		}
		return w.day == want && w.hour == 0 && w.min == 0
	}},
	{"cron(0 0 1W * ? *)", func(w wallMinute) bool {
		wd1 := (w.weekday + 7*5 - time.Weekday(w.day-1)) % 7
		want := 1
		switch wd1 {
		case time.Saturday:
			want = 3
		case time.Sunday:
			want = 2
		}
		return w.day == want && w.hour == 0 && w.min == 0
	}},
	{"cron(*/10 1,3,5-7 1-10/3 */2 ? *)", func(w wallMinute) bool {
		return w.min%10 == 0 && slices.Contains([]int{1, 3, 5, 6, 7}, w.hour) &&
			slices.Contains([]int{1, 4, 7, 10}, w.day) && w.month%2 == 1
	}},
	{"cron(30 2 * * ? *)", func(w wallMinute) bool { return w.hour == 2 && w.min == 30 }},
	{"cron(30 1 * * ? *)", func(w wallMinute) bool { return w.hour == 1 && w.min == 30 }},
	{"cron(15,45 1-3 ? * SUN *)", func(w wallMinute) bool {
		return w.weekday == time.Sunday && w.hour >= 1 && w.hour <= 3 && (w.min == 15 || w.min == 45)
	}},
	{"cron(0 12 29 2 ? *)", func(w wallMinute) bool {
		return w.month == time.February && w.day == 29 && w.hour == 12 && w.min == 0
	}},
	{"cron(0 0 1 1 ? 2024)", func(w wallMinute) bool {
		return w.year == 2024 && w.month == time.January && w.day == 1 && w.hour == 0 && w.min == 0
	}},
}

func isWeekday(wd time.Weekday) bool { return wd != time.Saturday && wd != time.Sunday }

// referenceWallMinutes lists every wall-clock minute of loc from (about) from to to, each with
// the instant at which it occurs by the documented rules, worked out by brute force: the first
// instant whose wall-clock reading it is, or, for a minute that no instant reads (it is in a
// spring-forward gap), the first instant that reads an hour later (the zones tested have
// one-hour gaps).
func referenceWallMinutes(t *testing.T, loc *time.Location, from, to time.Time) []wallMinute {
	t.Helper()
	first := map[civil]time.Time{}
	for x := from.Add(-3 * time.Hour); x.Before(to.Add(3 * time.Hour)); x = x.Add(time.Minute) {
		c := civilOf(x.In(loc))
		if _, seen := first[c]; !seen {
			first[c] = x
		}
	}
	var walls []wallMinute
	start, end := civilOf(from.In(loc)).unix(), civilOf(to.In(loc)).unix()
	for w := start - 3600; w <= end+3600; w += 60 {
		c := civilFromUnix(w)
		x, ok := first[c]
		if !ok {
			if x, ok = first[civilFromUnix(w+3600)]; !ok {
				t.Fatalf("%v: wall-clock time %+v is not read by any instant, nor an hour later", loc, c)
			}
		}
		walls = append(walls, wallMinute{
			year: c.year, month: time.Month(c.month), day: c.day, hour: c.hour, min: c.min,
			weekday:     time.Date(c.year, time.Month(c.month), c.day, 0, 0, 0, 0, time.UTC).Weekday(),
			daysInMonth: time.Date(c.year, time.Month(c.month)+1, 0, 0, 0, 0, 0, time.UTC).Day(),
			civil:       c, instant: x,
		})
	}
	return walls
}

// civilOf returns the wall-clock reading of t in its location.
func civilOf(t time.Time) civil {
	return civil{year: t.Year(), month: int(t.Month()), day: t.Day(), hour: t.Hour(), min: t.Minute(), sec: t.Second()}
}

// referenceOccurrences returns the sorted, distinct occurrences in (from, to) of the walls that
// match.
func referenceOccurrences(walls []wallMinute, match func(wallMinute) bool, from, to time.Time) []time.Time {
	var occ []time.Time
	for _, w := range walls {
		if match(w) && w.instant.After(from) && w.instant.Before(to) {
			occ = append(occ, w.instant)
		}
	}
	slices.SortFunc(occ, time.Time.Compare)
	return slices.CompactFunc(occ, time.Time.Equal)
}

// TestNextMatchesBruteForce checks Next against a minute-by-minute reference: chained from the
// start of a window it must produce exactly the reference occurrences (so none is skipped or
// repeated), and from random instants it must return the first reference occurrence after them.
func TestNextMatchesBruteForce(t *testing.T) {
	windows := []struct {
		zone     string
		from, to string
	}{
		{"UTC", "2024-01-20T00:00:00Z", "2024-04-20T00:00:00Z"},
		{"America/New_York", "2024-02-01T00:00:00Z", "2024-04-15T00:00:00Z"},
		{"America/New_York", "2024-10-01T00:00:00Z", "2024-12-15T00:00:00Z"},
		{"Europe/London", "2023-12-20T00:00:00Z", "2024-04-10T00:00:00Z"},
		{"Europe/London", "2024-10-01T00:00:00Z", "2024-11-30T00:00:00Z"},
		{"America/New_York", "2040-12-01T00:00:00Z", "2041-03-31T00:00:00Z"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, win := range windows {
		loc := mustLoad(t, win.zone)
		from, to := instant(t, win.from), instant(t, win.to)
		walls := referenceWallMinutes(t, loc, from, to)
		for _, rc := range referenceCases {
			s, err := Parse(rc.expr)
			if err != nil {
				t.Fatal(err)
			}
			want := referenceOccurrences(walls, rc.match, from, to)
			if got := chain(s, loc, from, to); !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("%s in %s from %s: chained Next differs from the reference:\n%s",
					rc.expr, win.zone, win.from, diffTimes(got, want, loc))
				continue
			}
			for _, after := range probes(rng, loc, from, to) {
				i, _ := slices.BinarySearchFunc(want, after, func(a, b time.Time) int {
					if a.After(b) {
						return 1
					}
					return -1 // the first occurrence strictly after after
				})
				if i == len(want) {
					continue // the reference does not know beyond the window
				}
				got, ok := s.Next(time.Time{}, after, loc)
				if !ok || !got.Equal(want[i]) || !got.After(after) {
					t.Errorf("%s in %s: Next(%s) = %s, %v; want %s",
						rc.expr, win.zone, after.In(loc), got.In(loc), ok, want[i].In(loc))
				}
			}
		}
	}
}

// probes returns instants to call Next from: random ones in [from, to), and every 7 minutes and
// a few random ones within three hours of each change of the UTC offset.
func probes(rng *rand.Rand, loc *time.Location, from, to time.Time) []time.Time {
	var ps []time.Time
	for range 200 {
		ps = append(ps, from.Add(time.Duration(rng.Int64N(int64(to.Sub(from))))))
	}
	_, prev := from.In(loc).Zone()
	for x := from; x.Before(to); x = x.Add(time.Minute) {
		_, offset := x.In(loc).Zone()
		if offset == prev {
			continue
		}
		prev = offset
		for d := -3 * time.Hour; d <= 3*time.Hour; d += 7 * time.Minute {
			ps = append(ps, x.Add(d), x.Add(d+time.Duration(rng.Int64N(int64(time.Minute)))))
		}
	}
	return ps
}

// chain returns the occurrences of s in (from, to) by calling Next repeatedly, checking that
// each is strictly after the previous one.
func chain(s *Schedule, loc *time.Location, from, to time.Time) []time.Time {
	var got []time.Time
	for after := from; ; {
		next, ok := s.Next(time.Time{}, after, loc)
		if !ok || !next.Before(to) {
			return got
		}
		if !next.After(after) {
			return append(got, time.Time{}) // fails the comparison
		}
		got = append(got, next)
		after = next
	}
}

// diffTimes describes the first difference between two sorted lists of times.
func diffTimes(got, want []time.Time, loc *time.Location) string {
	for i := range min(len(got), len(want)) {
		if !got[i].Equal(want[i]) {
			return fmt.Sprintf("occurrence %d: got %s, want %s", i, got[i].In(loc), want[i].In(loc))
		}
	}
	return fmt.Sprintf("got %d occurrences, want %d", len(got), len(want))
}
