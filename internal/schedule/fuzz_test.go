package schedule

import (
	"testing"
	"time"
)

// fuzzSeeds are the corpus of FuzzParse: the documented examples, valid and invalid.
var fuzzSeeds = []string{
	"cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
	"cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)",
	"cron(0 9 ? * 2#1 *)", "cron(30 6 * * 2 *)", "cron(0 0 L * ? *)", "cron(0 0 LW * ? *)",
	"cron(0 0 ? * 6L *)", "cron(0 0 15W * ? *)", "cron(0 0 L-3 * ? *)", "cron(*/20 * * * * ? *)",
	"cron(0 0 29 2 ? *)", "cron(59 23 31 12 ? 2199)", "cron(0 0 30 2 ? *)", "cron(* * * * * ? *)",
	"rate(5 minutes)", "rate(1 hour)", "rate(106751 days)", "at(2021-06-01T00:00:00)",
	"at(2020-12-08T9:36:00)", "at(2021-03-14T02:30:00)",
	"0 12 * * ? *", "cron(0 12 * * ?)", "cron(60 12 * * ? *)", "cron(0 24 * * ? *)",
	"cron(0 0 32 * ? *)", "cron(0 0 ? * 8 *)", "cron(0 0 ? * 3#1,6#3 *)", "cron(0 0 ? ? * *)",
	"cron(0 0 ? * ? *)", "cron(0 0 1 * MON *)", "rate(0 minutes)", "rate(-1 minutes)",
	"rate(5 weeks)", "rate(five minutes)", "at(2021-13-01T00:00:00)", "at(2021-02-30T00:00:00)",
	"cron(0 0 1 * ? 2200)", "foo(1)", "",
}

// fuzzAfters are the instants FuzzParse calls Next from: ordinary ones, around daylight-saving
// changes, and at the ends of the cron year range.
var fuzzAfters = []struct {
	zone  string
	after string
}{
	{"UTC", "2025-01-01T00:00:00Z"},
	{"UTC", "1969-12-31T23:59:59Z"},
	{"UTC", "2199-12-31T23:00:00Z"},
	{"America/New_York", "2021-03-14T06:59:30Z"},
	{"America/New_York", "2021-03-14T07:20:00Z"},
	{"America/New_York", "2021-11-07T05:59:30Z"},
	{"Europe/London", "2021-03-28T00:59:30Z"},
	{"Pacific/Apia", "2011-12-29T09:59:00Z"},
	{"Australia/Lord_Howe", "2021-10-02T15:29:00Z"},
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	locs := make([]*time.Location, len(fuzzAfters))
	for i, a := range fuzzAfters {
		locs[i] = mustLoad(f, a.zone)
	}
	anchor := instant(f, "2024-06-01T12:34:56Z")
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := Parse(expr)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse(%q) returned both a schedule and an error", expr)
			}
			return
		}
		if s.String() != expr {
			t.Fatalf("Parse(%q).String() = %q", expr, s.String())
		}
		if k := s.Kind(); k != KindAt && k != KindRate && k != KindCron {
			t.Fatalf("Parse(%q).Kind() = %v", expr, k)
		}
		if (s.Kind() == KindRate) != (s.Interval() > 0) {
			t.Fatalf("Parse(%q): kind %v with interval %v", expr, s.Kind(), s.Interval())
		}
		for i, a := range fuzzAfters {
			after := instant(t, a.after)
			for range 3 {
				next, ok := s.Next(anchor, after, locs[i])
				if !ok {
					break
				}
				if !next.After(after) {
					t.Fatalf("%s in %s: Next(%s) = %s, not after it", expr, a.zone, after, next)
				}
				if s.Kind() == KindCron && locs[i] == time.UTC {
					checkUTC(t, s, after, next)
				}
				after = next
			}
		}
	})
}

// checkUTC checks a cron occurrence in UTC, where wall-clock time is the instant: next must be
// the first wall-clock time after after that matches the fields.
func checkUTC(t *testing.T, s *Schedule, after, next time.Time) {
	t.Helper()
	want, ok := s.cron.nextMatch(civilFromUnix(after.Unix() + 1))
	if got := civilOf(next); !ok || got != want {
		t.Fatalf("%s: Next(%s) = %s, but the first matching time after it is %+v (%v)", s, after, next, want, ok)
	}
}
