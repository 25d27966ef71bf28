package alarm

import (
	"strings"
	"testing"
	"time"
)

// t0 is an arbitrary minute boundary used as "now" by the tests.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// pattern builds the datapoints of a pattern such as "0 - X - X" (spaces are ignored), written as
// the CloudWatch guide writes them: oldest period first, the last character being the newest
// period that is complete at now. '0' is a datapoint with value ok, 'X' one with value bad, '-' a
// period without datapoint.
func pattern(t testing.TB, p string, period time.Duration, now time.Time, ok, bad float64) []Datapoint {
	t.Helper()
	p = strings.ReplaceAll(p, " ", "")
	newest := now.Truncate(period).Add(-period) // period-aligned: the tests' now is epoch-aligned to minutes
	var out []Datapoint
	for i := range len(p) {
		start := newest.Add(-time.Duration(len(p)-1-i) * period)
		switch p[i] {
		case '0':
			out = append(out, Datapoint{Start: start, Value: ok})
		case 'X':
			out = append(out, Datapoint{Start: start, Value: bad})
		case '-':
		default:
			t.Fatalf("bad pattern character %q in %q", p[i], p)
		}
	}
	return out
}

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// dp is a datapoint starting at t0+d.
func dp(d time.Duration, v float64) Datapoint { return Datapoint{Start: t0.Add(d), Value: v} }

var allStates = []State{StateOK, StateAlarm, StateInsufficientData}
