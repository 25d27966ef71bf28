package alarm

import (
	"testing"
	"time"
)

// BenchmarkEvaluate evaluates the target-tracking AlarmLow (15 of 15, 60-second periods, evaluation
// range 17): in ALARM, in OK, and with no data at all; then in ALARM with the reason and reason
// data formatted, as on a state transition. The "100k alarms" case evaluates 100,000 such alarms
// (half in ALARM, half in OK) per operation.
func BenchmarkEvaluate(b *testing.B) {
	now := at(17*time.Minute + 12*time.Second)
	series := func(v float64) []Datapoint {
		var points []Datapoint
		for i := range 17 {
			points = append(points, dp(time.Duration(i)*time.Minute, v-float64(i)/1000))
		}
		return points
	}
	low, busy := series(0.41), series(0.91)
	cases := []struct {
		name   string
		points []Datapoint
		want   State
	}{
		{"15 of 15 ALARM", low, StateAlarm},
		{"15 of 15 OK", busy, StateOK},
		{"15 of 15 no data", nil, StateInsufficientData},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if got := Evaluate(alarmLow, StateOK, c.points, now); got.State != c.want {
				b.Fatalf("state %s, want %s", got.State, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(alarmLow, StateOK, c.points, now)
			}
		})
	}
	// What a state transition costs on top: the reason and the reason data, encoded.
	b.Run("15 of 15 ALARM with reason", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := Evaluate(alarmLow, StateOK, low, now)
			_ = r.Reason()
			if _, err := r.ReasonData().MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("100k alarms", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i := range 100_000 {
				points := low
				if i%2 == 0 {
					points = busy
				}
				Evaluate(alarmLow, StateOK, points, now)
			}
		}
	})
}

func BenchmarkAggregate(b *testing.B) {
	var raw []Sample
	for i := range 17 * 60 {
		raw = append(raw, Sample{Time: at(time.Duration(i) * time.Second), Value: float64(i % 97)})
	}
	for _, stat := range []Statistic{Average, "p99"} {
		b.Run(string(stat), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Aggregate(raw, time.Minute, stat, time.Time{}, time.Time{})
			}
		})
	}
}
