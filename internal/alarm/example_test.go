package alarm_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
)

// The high alarm of a target-tracking policy at 70% utilization, evaluated once a minute on the
// per-minute averages of raw samples.
func Example() {
	cfg := alarm.Config{
		Period:            time.Minute,
		EvaluationPeriods: 3,
		DatapointsToAlarm: 3,
		Threshold:         0.7,
		Comparison:        alarm.GreaterThanThreshold,
		TreatMissingData:  alarm.TreatMissing,
		Statistic:         alarm.Average,
	}
	if err := cfg.Validate(); err != nil {
		panic(err)
	}

	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var samples []alarm.Sample
	for i, v := range []float64{0.5, 0.75, 0.75, 1, 1, 1, 0.75, 0.75} {
		samples = append(samples, alarm.Sample{Time: start.Add(time.Duration(i) * 30 * time.Second), Value: v})
	}

	state := alarm.StateInsufficientData
	for minute := 1; minute <= 4; minute++ {
		now := start.Add(time.Duration(minute)*time.Minute + 5*time.Second)
		points := alarm.Aggregate(samples, cfg.Period, cfg.Statistic, now.Add(-time.Hour), now)
		res := alarm.Evaluate(cfg, state, points, now)
		if res.Changed() {
			fmt.Printf("%s %s -> %s: %s\n", now.Format(time.TimeOnly), state, res.State, res.Reason())
		}
		state = res.State
		if minute == 4 {
			data, _ := json.Marshal(res.ReasonData())
			fmt.Println(string(data))
		}
	}
	// Output:
	// 12:01:05 INSUFFICIENT_DATA -> OK: Threshold Crossed: 1 out of the last 3 datapoints [0.625 (22/11/26 12:00:00)] was not greater than the threshold (0.7) (minimum 1 datapoint for ALARM -> OK transition).
	// 12:04:05 OK -> ALARM: Threshold Crossed: 3 out of the last 3 datapoints [0.75 (22/11/26 12:03:00), 1.0 (22/11/26 12:02:00), 0.875 (22/11/26 12:01:00)] were greater than the threshold (0.7) (minimum 3 datapoints for OK -> ALARM transition).
	// {"version":"1.0","queryDate":"2026-11-22T12:04:05.000+0000","startDate":"2026-11-22T12:01:00.000+0000","statistic":"Average","period":60,"recentDatapoints":[0.875,1.0,0.75],"threshold":0.7,"evaluatedDatapoints":[{"timestamp":"2026-11-22T12:03:00.000+0000","sampleCount":2.0,"value":0.75},{"timestamp":"2026-11-22T12:02:00.000+0000","sampleCount":2.0,"value":1.0},{"timestamp":"2026-11-22T12:01:00.000+0000","sampleCount":2.0,"value":0.875}]}
}
