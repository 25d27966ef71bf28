package schedule

import (
	"testing"
	"time"
)

func BenchmarkNext(b *testing.B) {
	cases := []struct{ name, expr, zone, after string }{
		{"daily", "cron(0 12 * * ? *)", "America/New_York", "2025-01-01T00:00:00Z"},
		{"every second", "cron(* * * * * ? *)", "America/New_York", "2025-01-01T00:00:00Z"},
		{"never occurs", "cron(0 0 30 2 ? *)", "UTC", "1970-01-01T00:00:00Z"},
		{"rare weekday", "cron(0 0 ? 2 2#5 *)", "UTC", "1970-01-01T00:00:00Z"},
		{"every second after a gap", "cron(* * * * * ? *)", "America/New_York", "2021-03-14T07:59:59Z"},
		{"every second in a repeated hour", "cron(* * * * * ? *)", "America/New_York", "2021-11-07T06:00:00Z"},
		{"every second after Apia's skipped day", "cron(* * * * * ? *)", "Pacific/Apia", "2011-12-30T10:00:00Z"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s, err := Parse(c.expr)
			if err != nil {
				b.Fatal(err)
			}
			loc, after := mustLoad(b, c.zone), instant(b, c.after)
			for b.Loop() {
				s.Next(time.Time{}, after, loc)
			}
		})
	}
}
