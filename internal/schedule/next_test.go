package schedule

import (
	"testing"
	"time"
)

// mustLoad loads a time zone or fails the test.
func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// instant parses an RFC 3339 time or fails the test.
func instant(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNext(t *testing.T) {
	const none = ""
	tests := []struct {
		name   string
		expr   string
		zone   string
		anchor string // rate only
		after  string
		want   string // none: no occurrence
	}{
		// Simple daily schedules.
		{"strictly after", "cron(0 10 * * ? *)", "UTC", "", "2025-01-01T10:00:00Z", "2025-01-02T10:00:00Z"},
		{"just before", "cron(0 10 * * ? *)", "UTC", "", "2025-01-01T09:59:59.999Z", "2025-01-01T10:00:00Z"},
		{"year rollover", "cron(15 12 * * ? *)", "UTC", "", "2025-12-31T12:15:00Z", "2026-01-01T12:15:00Z"},
		{"weekdays skip the weekend", "cron(0 18 ? * MON-FRI *)", "UTC", "", "2025-01-03T18:00:00Z", "2025-01-06T18:00:00Z"},
		{"first of the month", "cron(0 8 1 * ? *)", "UTC", "", "2025-01-31T00:00:00Z", "2025-02-01T08:00:00Z"},
		{"month and year rollover", "cron(0 8 1 * ? *)", "UTC", "", "2025-12-01T08:00:00Z", "2026-01-01T08:00:00Z"},
		{"every 15 minutes, day rollover", "cron(0/15 * * * ? *)", "UTC", "", "2025-01-01T23:59:00Z", "2025-01-02T00:00:00Z"},
		{"every 15 minutes", "cron(0/15 * * * ? *)", "UTC", "", "2025-01-01T10:07:30Z", "2025-01-01T10:15:00Z"},
		{"every 10 minutes on weekdays", "cron(0/10 * ? * MON-FRI *)", "UTC", "", "2025-01-03T23:55:00Z", "2025-01-06T00:00:00Z"},
		{"business hours", "cron(0/5 8-17 ? * MON-FRI *)", "UTC", "", "2025-01-06T17:55:00Z", "2025-01-07T08:00:00Z"},
		{"business hours within", "cron(0/5 8-17 ? * MON-FRI *)", "UTC", "", "2025-01-07T12:31:00Z", "2025-01-07T12:35:00Z"},
		{"Monday with * day of month", "cron(30 6 * * 2 *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-06T06:30:00Z"},
		{"Feb 29", "cron(0 0 29 2 ? *)", "UTC", "", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"Feb 29 in a leap year", "cron(0 0 29 2 ? *)", "UTC", "", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00Z"},
		{"day 31 skips short months", "cron(0 0 31 * ? *)", "UTC", "", "2025-03-31T00:00:00Z", "2025-05-31T00:00:00Z"},

		// Steps and lists.
		{"steps in minutes and hours", "cron(5/20 1-10/3 * * ? *)", "UTC", "", "2025-01-01T10:45:00Z", "2025-01-02T01:05:00Z"},
		{"steps within the hour", "cron(5/20 1-10/3 * * ? *)", "UTC", "", "2025-01-01T04:30:00Z", "2025-01-01T04:45:00Z"},
		{"month step", "cron(0 0 1 */4 ? *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-05-01T00:00:00Z"},
		{"month names", "cron(0 0 1 jul ? *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-07-01T00:00:00Z"},
		{"year list", "cron(0 12 1 1 ? 2030,2025-2026)", "UTC", "", "2026-06-01T00:00:00Z", "2030-01-01T12:00:00Z"},
		{"year step", "cron(0 0 1 1 ? 2000/10)", "UTC", "", "2021-01-01T00:00:00Z", "2030-01-01T00:00:00Z"},
		{"day-of-month step", "cron(0 0 1/10 * ? *)", "UTC", "", "2025-01-21T00:00:00Z", "2025-01-31T00:00:00Z"},

		// L, W and #.
		{"L", "cron(0 0 L * ? *)", "UTC", "", "2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"L in a leap February", "cron(0 0 L * ? *)", "UTC", "", "2024-02-01T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"L-3", "cron(0 0 L-3 * ? *)", "UTC", "", "2025-02-01T00:00:00Z", "2025-02-25T00:00:00Z"},
		{"L-30 only in 31-day months", "cron(0 0 L-30 * ? *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"},
		{"LW on a Saturday", "cron(0 0 LW * ? *)", "UTC", "", "2025-05-01T00:00:00Z", "2025-05-30T00:00:00Z"},
		{"LW on a Sunday", "cron(0 0 LW * ? *)", "UTC", "", "2025-08-01T00:00:00Z", "2025-08-29T00:00:00Z"},
		{"LW on a weekday", "cron(0 0 LW * ? *)", "UTC", "", "2025-06-01T00:00:00Z", "2025-06-30T00:00:00Z"},
		{"15W on a Saturday", "cron(0 0 15W * ? *)", "UTC", "", "2025-02-01T00:00:00Z", "2025-02-14T00:00:00Z"},
		{"15W on a Sunday", "cron(0 0 15W * ? *)", "UTC", "", "2025-06-01T00:00:00Z", "2025-06-16T00:00:00Z"},
		{"15W on a weekday", "cron(0 0 15W * ? *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-15T00:00:00Z"},
		{"1W on a Saturday stays in the month", "cron(0 0 1W * ? *)", "UTC", "", "2025-01-15T00:00:00Z", "2025-02-03T00:00:00Z"},
		{"30W on the last day, a Sunday", "cron(0 0 30W * ? *)", "UTC", "", "2025-11-01T00:00:00Z", "2025-11-28T00:00:00Z"},
		{"31W skips 30-day months", "cron(0 0 31W * ? *)", "UTC", "", "2025-04-01T00:00:00Z", "2025-05-30T00:00:00Z"},
		{"last Friday", "cron(0 0 ? * 6L *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-31T00:00:00Z"},
		{"last Friday next month", "cron(0 0 ? * 6L *)", "UTC", "", "2025-01-31T00:00:00Z", "2025-02-28T00:00:00Z"},
		{"last Thursday by name", "cron(0 0 ? * THUL *)", "UTC", "", "2025-02-01T00:00:00Z", "2025-02-27T00:00:00Z"},
		{"L alone is Saturday", "cron(0 0 ? * L *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-04T00:00:00Z"},
		{"first Monday", "cron(0 9 ? * 2#1 *)", "UTC", "", "2025-01-06T09:00:00Z", "2025-02-03T09:00:00Z"},
		{"second Tuesday", "cron(0 0 ? * 3#2 *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-14T00:00:00Z"},
		{"fifth Thursday", "cron(0 0 ? * 5#5 *)", "UTC", "", "2025-01-01T00:00:00Z", "2025-01-30T00:00:00Z"},
		{"fifth Thursday skips months without one", "cron(0 0 ? * 5#5 *)", "UTC", "", "2025-01-31T00:00:00Z", "2025-05-29T00:00:00Z"},

		// Seconds.
		{"seconds step", "cron(*/20 * * * * ? *)", "UTC", "", "2025-01-01T00:00:40Z", "2025-01-01T00:01:00Z"},
		{"seconds value", "cron(30 0 12 * * ? *)", "UTC", "", "2025-01-01T12:00:00Z", "2025-01-01T12:00:30Z"},
		{"seconds rollover", "cron(30 0 12 * * ? *)", "UTC", "", "2025-01-01T12:00:30Z", "2025-01-02T12:00:30Z"},

		// The year range.
		{"single year exhausted", "cron(0 0 1 1 ? 2025)", "UTC", "", "2025-01-01T00:00:00Z", none},
		{"last minute of 2199", "cron(59 23 31 12 ? 2199)", "UTC", "", "2199-12-31T23:58:00Z", "2199-12-31T23:59:00Z"},
		{"after the last minute of 2199", "cron(59 23 31 12 ? 2199)", "UTC", "", "2199-12-31T23:59:00Z", none},
		{"every minute after 2199", "cron(* * * * ? *)", "UTC", "", "2200-01-01T00:00:00Z", none},
		{"far future", "cron(* * * * ? *)", "UTC", "", "9999-01-01T00:00:00Z", none},
		{"before 1970", "cron(0 0 1 1 ? 1970)", "UTC", "", "1900-06-01T00:00:00Z", "1970-01-01T00:00:00Z"},
		{"never occurs", "cron(0 0 30 2 ? *)", "UTC", "", "1970-01-01T00:00:00Z", none},
		{"never occurs: no fifth Monday in Feb 2026", "cron(0 0 ? 2 2#5 2026)", "UTC", "", "2025-01-01T00:00:00Z", none},

		// Time zones.
		{"New York winter", "cron(0 12 * * ? *)", "America/New_York", "", "2025-01-01T00:00:00Z", "2025-01-01T17:00:00Z"},
		{"New York summer", "cron(0 12 * * ? *)", "America/New_York", "", "2025-07-01T00:00:00Z", "2025-07-01T16:00:00Z"},
		{"day boundary in the zone", "cron(0 0 1 * ? *)", "Asia/Tokyo", "", "2025-01-31T15:00:00Z", "2025-02-28T15:00:00Z"},
		{"Etc/GMT+9 is UTC-9", "cron(0 0 * * ? *)", "Etc/GMT+9", "", "2025-01-01T00:00:00Z", "2025-01-01T09:00:00Z"},

		// America/New_York springs forward on 2021-03-14 at 02:00 EST (07:00Z) and falls back
		// on 2021-11-07 at 02:00 EDT (06:00Z).
		{"NY gap: 02:30 fires at 03:30 EDT", "cron(30 2 * * ? *)", "America/New_York", "", "2021-03-13T08:00:00Z", "2021-03-14T07:30:00Z"},
		{"NY gap: then 02:30 EDT the next day", "cron(30 2 * * ? *)", "America/New_York", "", "2021-03-14T07:30:00Z", "2021-03-15T06:30:00Z"},
		{"NY gap: 02:00 fires at 03:00 EDT", "cron(0 2 * * ? *)", "America/New_York", "", "2021-03-13T08:00:00Z", "2021-03-14T07:00:00Z"},
		{"NY gap: 02:30 and 03:30 fire once", "cron(30 2,3 * * ? *)", "America/New_York", "", "2021-03-14T07:30:00Z", "2021-03-15T06:30:00Z"},
		{"NY gap: first of 02:30 and 03:30", "cron(30 2,3 * * ? *)", "America/New_York", "", "2021-03-14T05:00:00Z", "2021-03-14T07:30:00Z"},
		{"NY gap: shifted time after a later real time", "cron(15,45 2,3 * * ? *)", "America/New_York", "", "2021-03-14T07:15:00Z", "2021-03-14T07:45:00Z"},
		{"NY gap: shifted time found after the gap", "cron(45 2 * * ? *)", "America/New_York", "", "2021-03-14T07:10:00Z", "2021-03-14T07:45:00Z"},
		{"NY gap: hourly", "cron(0 * * * ? *)", "America/New_York", "", "2021-03-14T06:30:00Z", "2021-03-14T07:00:00Z"},
		{"NY gap: hourly after the gap", "cron(0 * * * ? *)", "America/New_York", "", "2021-03-14T07:00:00Z", "2021-03-14T08:00:00Z"},
		{"NY gap: at()", "at(2021-03-14T02:30:00)", "America/New_York", "", "2021-01-01T00:00:00Z", "2021-03-14T07:30:00Z"},
		{"NY overlap: first 01:30", "cron(30 1 * * ? *)", "America/New_York", "", "2021-11-07T04:00:00Z", "2021-11-07T05:30:00Z"},
		{"NY overlap: not the second 01:30", "cron(30 1 * * ? *)", "America/New_York", "", "2021-11-07T05:30:00Z", "2021-11-08T06:30:00Z"},
		{"NY overlap: half-hourly skips the repeated hour", "cron(0/30 * * * ? *)", "America/New_York", "", "2021-11-07T05:30:00Z", "2021-11-07T07:00:00Z"},
		{"NY overlap: after inside the second pass", "cron(0/30 * * * ? *)", "America/New_York", "", "2021-11-07T06:10:00Z", "2021-11-07T07:00:00Z"},
		{"NY overlap: at()", "at(2021-11-07T01:30:00)", "America/New_York", "", "2021-01-01T00:00:00Z", "2021-11-07T05:30:00Z"},

		// Europe/London springs forward on 2021-03-28 at 01:00 GMT (01:00Z) and falls back on
		// 2021-10-31 at 02:00 BST (01:00Z).
		{"London gap: 01:30 fires at 02:30 BST", "cron(30 1 * * ? *)", "Europe/London", "", "2021-03-27T12:00:00Z", "2021-03-28T01:30:00Z"},
		{"London gap: then 01:30 BST", "cron(30 1 * * ? *)", "Europe/London", "", "2021-03-28T01:30:00Z", "2021-03-29T00:30:00Z"},
		{"London gap: at()", "at(2021-03-28T01:30:00)", "Europe/London", "", "2021-03-01T00:00:00Z", "2021-03-28T01:30:00Z"},
		{"London overlap: first 01:30", "cron(30 1 * * ? *)", "Europe/London", "", "2021-10-30T12:00:00Z", "2021-10-31T00:30:00Z"},
		{"London overlap: not the second 01:30", "cron(30 1 * * ? *)", "Europe/London", "", "2021-10-31T00:30:00Z", "2021-11-01T01:30:00Z"},

		// Australia/Lord_Howe springs forward half an hour on 2021-10-03 at 02:00 +1030
		// (2021-10-02T15:30Z): the skipped 02:15 occurs at 02:45 +11, after the real 02:30.
		{"Lord Howe: real 02:30 first", "cron(15,30 2 * * ? *)", "Australia/Lord_Howe", "", "2021-10-02T15:00:00Z", "2021-10-02T15:30:00Z"},
		{"Lord Howe: then the skipped 02:15", "cron(15,30 2 * * ? *)", "Australia/Lord_Howe", "", "2021-10-02T15:30:00Z", "2021-10-02T15:45:00Z"},
		{"Lord Howe: at() in the gap", "at(2021-10-03T02:15:00)", "Australia/Lord_Howe", "", "2021-10-01T00:00:00Z", "2021-10-02T15:45:00Z"},
		{"Lord Howe: then the next day", "cron(15,30 2 * * ? *)", "Australia/Lord_Howe", "", "2021-10-02T15:45:00Z", "2021-10-03T15:15:00Z"},

		// Pacific/Apia skipped 2011-12-30 entirely (UTC-10 to UTC+14).
		{"Apia skipped day", "cron(0 12 * * ? *)", "Pacific/Apia", "", "2011-12-29T22:00:00Z", "2011-12-30T22:00:00Z"},
		{"Apia skipped day fires once", "cron(0 12 * * ? *)", "Pacific/Apia", "", "2011-12-30T22:00:00Z", "2011-12-31T22:00:00Z"},
		{"Apia skipped day only", "cron(0 12 30 12 ? 2011)", "Pacific/Apia", "", "2011-12-30T12:00:00Z", "2011-12-30T22:00:00Z"},

		// Far years, served by the zones' TZ rules: around the end of leap year 2040, where
		// time.Time.ZoneBounds misreports (golang/go#81583), and at the end of the year range.
		{"NY on the last day of 2040", "cron(0 12 31 12 ? *)", "America/New_York", "", "2040-12-30T00:00:00Z", "2040-12-31T17:00:00Z"},
		{"NY across the end of 2040", "cron(0 12 * * ? *)", "America/New_York", "", "2040-12-31T17:00:00Z", "2041-01-01T17:00:00Z"},
		{"NY gap in 2041", "cron(30 2 * * ? *)", "America/New_York", "", "2041-03-09T12:00:00Z", "2041-03-10T07:30:00Z"},
		{"NY last minute of 2199", "cron(59 23 31 12 ? 2199)", "America/New_York", "", "2021-01-01T00:00:00Z", "2200-01-01T04:59:00Z"},
		{"London never", "cron(0 0 30 2 ? *)", "Europe/London", "", "2021-01-01T00:00:00Z", none},

		// at().
		{"at in the future", "at(2021-06-01T00:00:00)", "UTC", "", "2021-05-31T23:59:59Z", "2021-06-01T00:00:00Z"},
		{"at now", "at(2021-06-01T00:00:00)", "UTC", "", "2021-06-01T00:00:00Z", none},
		{"at in the past", "at(2021-06-01T00:00:00)", "UTC", "", "2022-01-01T00:00:00Z", none},
		{"at in a far leap year", "at(2040-12-31T23:30:00)", "America/New_York", "", "2040-01-01T00:00:00Z", "2041-01-01T04:30:00Z"},
		{"at single-digit hour in a zone", "at(2020-12-08T9:36:00)", "America/New_York", "", "2020-01-01T00:00:00Z", "2020-12-08T14:36:00Z"},

		// rate(): anchor + k*interval, k >= 0.
		{"rate before the anchor", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00Z", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z"},
		{"rate at the anchor", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "2025-01-01T00:05:00Z"},
		{"rate between", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00Z", "2025-01-01T00:07:00Z", "2025-01-01T00:10:00Z"},
		{"rate on an occurrence", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00Z", "2025-01-01T00:10:00Z", "2025-01-01T00:15:00Z"},
		{"rate just after an occurrence", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00Z", "2025-01-01T00:10:00.000000001Z", "2025-01-01T00:15:00Z"},
		{"rate keeps the anchor's fraction", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00.5Z", "2025-01-01T00:05:00.4Z", "2025-01-01T00:05:00.5Z"},
		{"rate keeps the anchor's fraction, later", "rate(5 minutes)", "UTC", "2025-01-01T00:00:00.5Z", "2025-01-01T00:05:00.6Z", "2025-01-01T00:10:00.5Z"},
		{"rate ignores the zone's DST", "rate(1 day)", "America/New_York", "2021-03-13T06:00:00Z", "2021-03-14T06:00:00Z", "2021-03-15T06:00:00Z"},
		{"rate with an odd anchor", "rate(7 hours)", "UTC", "2025-01-01T00:03:00Z", "2025-01-03T00:00:00Z", "2025-01-03T01:03:00Z"},
		{"rate centuries from the anchor", "rate(1 minute)", "UTC", "1900-01-01T00:00:00Z", "2500-01-01T00:00:30Z", "2500-01-01T00:01:00Z"},
		{"rate with the longest interval", "rate(106751 days)", "UTC", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2292-04-10T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			loc := mustLoad(t, tt.zone)
			var anchor time.Time
			if tt.anchor != "" {
				anchor = instant(t, tt.anchor)
			}
			after := instant(t, tt.after)
			got, ok := s.Next(anchor, after, loc)
			if tt.want == none {
				if ok {
					t.Fatalf("%s.Next(%s) = %s, want none", tt.expr, after, got)
				}
				return
			}
			want := instant(t, tt.want)
			if !ok || !got.Equal(want) {
				t.Fatalf("%s.Next(%s) in %s = %s, %v; want %s",
					tt.expr, after, tt.zone, got.In(loc), ok, want.In(loc))
			}
			if s.Kind() != KindRate && got.Location() != loc {
				t.Errorf("result is in %v, want %v", got.Location(), loc)
			}
		})
	}
}

func TestNextNilLocationIsUTC(t *testing.T) {
	s, err := Parse("cron(0 12 * * ? *)")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s.Next(time.Time{}, instant(t, "2025-01-01T00:00:00Z"), nil)
	if want := instant(t, "2025-01-01T12:00:00Z"); !ok || !got.Equal(want) {
		t.Errorf("Next with nil location = %v, %v; want %v", got, ok, want)
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		s    string
		max  int64
		want int64
		ok   bool
	}{
		{"0", 5, 0, true},
		{"5", 5, 5, true},
		{"6", 5, 0, false},
		{"05", 5, 5, true},
		{"10", 9, 0, false},
		{"9223372036854775807", 1<<63 - 1, 1<<63 - 1, true},
		{"9223372036854775808", 1<<63 - 1, 0, false},
		{"", 5, 0, false},
		{"1a", 50, 0, false},
		{"-1", 50, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDecimal(tt.s, tt.max)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseDecimal(%q, %d) = %d, %v; want %d, %v", tt.s, tt.max, got, ok, tt.want, tt.ok)
		}
	}
}
