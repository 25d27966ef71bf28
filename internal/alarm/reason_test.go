package alarm

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func utc(year int, month time.Month, day, hour, minute, second int) time.Time {
	return time.Date(year, month, day, hour, minute, second, 0, time.UTC)
}

// TestReasons checks the StateReason wording against reasons CloudWatch has written (quoted in
// public alarm notifications), rebuilt with 60-second periods.
func TestReasons(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		prev   State
		points []Datapoint
		now    time.Time
		state  State
		want   string
	}{
		{
			name: "M out of N, ALARM",
			cfg:  Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.7, Comparison: GreaterThanThreshold},
			points: []Datapoint{
				{Start: utc(2026, 11, 22, 12, 1, 0), Value: 0.8},
				{Start: utc(2026, 11, 22, 12, 2, 0), Value: 0.85},
				{Start: utc(2026, 11, 22, 12, 3, 0), Value: 0.9},
			},
			now:   utc(2026, 11, 22, 12, 4, 20),
			state: StateAlarm,
			want:  "Threshold Crossed: 3 out of the last 3 datapoints [0.9 (22/11/26 12:03:00), 0.85 (22/11/26 12:02:00), 0.8 (22/11/26 12:01:00)] were greater than the threshold (0.7) (minimum 3 datapoints for OK -> ALARM transition).",
		},
		{
			// "Threshold Crossed: 2 out of the last 2 datapoints [10.25 (05/10/20 06:25:00), 10.0 (05/10/20 06:20:00)] were
			// greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition)."
			name: "M out of N, ALARM, 5-minute periods",
			cfg:  Config{Period: 5 * time.Minute, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 10, Comparison: GreaterThanOrEqualToThreshold},
			points: []Datapoint{
				{Start: utc(2020, 10, 5, 6, 20, 0), Value: 10},
				{Start: utc(2020, 10, 5, 6, 25, 0), Value: 10.25},
			},
			now:   utc(2020, 10, 5, 6, 30, 58),
			state: StateAlarm,
			want:  "Threshold Crossed: 2 out of the last 2 datapoints [10.25 (05/10/20 06:25:00), 10.0 (05/10/20 06:20:00)] were greater than or equal to the threshold (10.0) (minimum 2 datapoints for OK -> ALARM transition).",
		},
		{
			// "Threshold Crossed: 1 out of the last 2 datapoints [0.0 (02/06/23 12:28:00)] was not greater than or equal to
			// the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition)."
			name: "M out of N, OK",
			cfg:  Config{Period: time.Minute, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 1, Comparison: GreaterThanOrEqualToThreshold},
			prev: StateAlarm,
			points: []Datapoint{
				{Start: utc(2023, 6, 2, 12, 27, 0), Value: 1},
				{Start: utc(2023, 6, 2, 12, 28, 0), Value: 0},
			},
			now:   utc(2023, 6, 2, 12, 29, 57),
			state: StateOK,
			want:  "Threshold Crossed: 1 out of the last 2 datapoints [0.0 (02/06/23 12:28:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).",
		},
		{
			// "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (19/03/18 00:13:00)] was greater than the threshold
			// (0.0) (minimum 1 datapoint for OK -> ALARM transition)."
			name:   "1 out of 1",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 0, Comparison: GreaterThanThreshold},
			points: []Datapoint{{Start: utc(2018, 3, 19, 0, 13, 0), Value: 1}},
			now:    utc(2018, 3, 19, 0, 14, 25),
			state:  StateAlarm,
			want:   "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (19/03/18 00:13:00)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).",
		},
		{
			// "Threshold Crossed: 5 out of the last 5 datapoints ..." for LessThanThreshold, and a premature
			// alarm: "1 out of the last 3 datapoints [0.0] was less than the threshold (minimum 3 datapoints
			// for OK -> ALARM transition)".
			name:   "premature alarm",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1, Comparison: LessThanThreshold},
			points: []Datapoint{{Start: utc(2025, 1, 2, 3, 4, 0), Value: 0}},
			now:    utc(2025, 1, 2, 3, 7, 0),
			state:  StateAlarm,
			want:   "Threshold Crossed: 1 out of the last 3 datapoints [0.0 (02/01/25 03:04:00)] was less than the threshold (1.0) (minimum 3 datapoints for OK -> ALARM transition).",
		},
		{
			// "Threshold Crossed: 1 datapoint [161.0 (16/04/24 08:42:00)] was greater than or equal to the threshold (150.0)."
			name:   "DatapointsToAlarm unset, ALARM",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 1, Threshold: 150, Comparison: GreaterThanOrEqualToThreshold},
			points: []Datapoint{{Start: utc(2024, 4, 16, 8, 42, 0), Value: 161}},
			now:    utc(2024, 4, 16, 8, 43, 36),
			state:  StateAlarm,
			want:   "Threshold Crossed: 1 datapoint [161.0 (16/04/24 08:42:00)] was greater than or equal to the threshold (150.0).",
		},
		{
			// "Threshold Crossed: 1 datapoint [95.0 (16/04/24 08:33:00)] was not greater than or equal to the threshold (150.0)."
			name:   "DatapointsToAlarm unset, OK",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 1, Threshold: 150, Comparison: GreaterThanOrEqualToThreshold},
			prev:   StateAlarm,
			points: []Datapoint{{Start: utc(2024, 4, 16, 8, 33, 0), Value: 95}},
			now:    utc(2024, 4, 16, 8, 34, 36),
			state:  StateOK,
			want:   "Threshold Crossed: 1 datapoint [95.0 (16/04/24 08:33:00)] was not greater than or equal to the threshold (150.0).",
		},
		{
			// "Threshold Crossed: 3 datapoints [82.6 (...), 81.2 (...), 80.3 (...)] were greater than or equal to the threshold (80.0)."
			name: "DatapointsToAlarm unset, 3 datapoints",
			cfg:  Config{Period: time.Minute, EvaluationPeriods: 3, Threshold: 80, Comparison: GreaterThanOrEqualToThreshold},
			points: []Datapoint{
				{Start: utc(2020, 9, 28, 14, 39, 0), Value: 80.3},
				{Start: utc(2020, 9, 28, 14, 40, 0), Value: 81.2},
				{Start: utc(2020, 9, 28, 14, 41, 0), Value: 82.6},
			},
			now:   utc(2020, 9, 28, 14, 42, 0),
			state: StateAlarm,
			want:  "Threshold Crossed: 3 datapoints [82.6 (28/09/20 14:41:00), 81.2 (28/09/20 14:40:00), 80.3 (28/09/20 14:39:00)] were greater than or equal to the threshold (80.0).",
		},
		{
			// "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."
			name:  "all missing, breaching",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 1, Comparison: LessThanThreshold, TreatMissingData: TreatBreaching},
			now:   utc(2026, 8, 9, 21, 56, 0),
			state: StateAlarm,
			want:  "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].",
		},
		{
			// "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."
			name:  "all missing, not breaching",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 1, Threshold: 0, Comparison: GreaterThanThreshold, TreatMissingData: TreatNotBreaching},
			prev:  StateAlarm,
			now:   utc(2018, 9, 16, 0, 22, 56),
			state: StateOK,
			want:  "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].",
		},
		{
			// "Threshold Crossed: 1 datapoint [0.0 (20/04/26 18:45:00)] was less than the threshold (1.0) and 1 missing
			// datapoint was treated as [Breaching]."
			name:   "some missing, breaching, ALARM",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 1, Comparison: LessThanThreshold, TreatMissingData: TreatBreaching},
			points: []Datapoint{{Start: utc(2026, 4, 20, 18, 45, 0), Value: 0}},
			now:    utc(2026, 4, 20, 18, 47, 3),
			state:  StateAlarm,
			want:   "Threshold Crossed: 1 datapoint [0.0 (20/04/26 18:45:00)] was less than the threshold (1.0) and 1 missing datapoint was treated as [Breaching].",
		},
		{
			// "Threshold Crossed: 1 datapoint [1.0 (26/08/26 16:16:00)] was not less than the threshold (1.0) and 2
			// missing datapoints were treated as [Breaching]."
			name:   "some missing, breaching, OK",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1, Comparison: LessThanThreshold, TreatMissingData: TreatBreaching},
			prev:   StateAlarm,
			points: []Datapoint{{Start: utc(2026, 8, 26, 16, 16, 0), Value: 1}},
			now:    utc(2026, 8, 26, 16, 19, 41),
			state:  StateOK,
			want:   "Threshold Crossed: 1 datapoint [1.0 (26/08/26 16:16:00)] was not less than the threshold (1.0) and 2 missing datapoints were treated as [Breaching].",
		},
		{
			name:   "some missing, breaching, no supporting datapoint",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 1, Comparison: GreaterThanThreshold, TreatMissingData: TreatBreaching},
			points: []Datapoint{{Start: utc(2026, 1, 1, 0, 0, 0), Value: 0}},
			now:    utc(2026, 1, 1, 0, 3, 0),
			state:  StateAlarm,
			want:   "Threshold Crossed: 1 datapoint was received for 3 periods and 2 missing datapoints were treated as [Breaching].",
		},
		{
			// "Insufficient Data: 1 datapoint was unknown."
			name:  "insufficient data, 1 period",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 1, Threshold: 1, Comparison: GreaterThanThreshold},
			prev:  StateAlarm,
			now:   utc(2013, 6, 21, 19, 8, 27),
			state: StateInsufficientData,
			want:  "Insufficient Data: 1 datapoint was unknown.",
		},
		{
			// "Insufficient Data: 5 datapoints were unknown."
			name:  "insufficient data, 5 periods",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 5, Threshold: 1, Comparison: GreaterThanThreshold},
			prev:  StateOK,
			now:   utc(2023, 8, 4, 12, 31, 29),
			state: StateInsufficientData,
			want:  "Insufficient Data: 5 datapoints were unknown.",
		},
		{
			name:   "insufficient data, one breaching datapoint too recent",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1, Comparison: GreaterThanThreshold},
			prev:   StateOK,
			points: []Datapoint{{Start: utc(2026, 1, 1, 0, 2, 0), Value: 2}},
			now:    utc(2026, 1, 1, 0, 3, 0),
			state:  StateInsufficientData,
			want:   "Insufficient Data: 2 datapoints were unknown.",
		},
		{
			name:  "ignore keeps ALARM",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 3, Threshold: 1, Comparison: GreaterThanThreshold, TreatMissingData: TreatIgnore},
			prev:  StateAlarm,
			now:   utc(2026, 1, 1, 0, 3, 0),
			state: StateAlarm,
			want:  "Missing data ignored: 3 out of the last 3 datapoints were unknown, so the alarm stays in ALARM.",
		},
		{
			name:  "ignore keeps INSUFFICIENT_DATA",
			cfg:   Config{Period: time.Minute, EvaluationPeriods: 3, Threshold: 1, Comparison: GreaterThanThreshold, TreatMissingData: TreatIgnore},
			now:   utc(2026, 1, 1, 0, 3, 0),
			state: StateInsufficientData,
			want:  "Insufficient Data: 3 datapoints were unknown.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Evaluate(tc.cfg, tc.prev, tc.points, tc.now)
			if got.State != tc.state {
				t.Errorf("state %s, want %s", got.State, tc.state)
			}
			if got.Reason() != tc.want {
				t.Errorf("reason\n got %s\nwant %s", got.Reason(), tc.want)
			}
		})
	}
}

func TestReasonDataJSON(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		points []Datapoint
		now    time.Time
		want   string
	}{
		{
			// StateReasonData of "Threshold Crossed: 1 datapoint [161.0 (16/04/24 08:42:00)] ...".
			name:   "one datapoint",
			cfg:    Config{Period: time.Minute, EvaluationPeriods: 1, Threshold: 150, Comparison: GreaterThanOrEqualToThreshold},
			points: []Datapoint{{Start: utc(2024, 4, 16, 8, 42, 0), Value: 161}},
			now:    time.Date(2024, 4, 16, 8, 43, 36, 958_000_000, time.UTC),
			want:   `{"version":"1.0","queryDate":"2024-04-16T08:43:36.958+0000","startDate":"2024-04-16T08:42:00.000+0000","period":60,"recentDatapoints":[161.0],"threshold":150.0,"evaluatedDatapoints":[{"timestamp":"2024-04-16T08:42:00.000+0000","value":161.0}]}`,
		},
		{
			name: "statistic, sample counts, order",
			cfg: Config{Period: 5 * time.Minute, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: 10,
				Comparison: GreaterThanOrEqualToThreshold, Statistic: Average},
			points: []Datapoint{
				{Start: utc(2020, 10, 5, 6, 25, 0), Value: 10.25, SampleCount: 5},
				{Start: utc(2020, 10, 5, 6, 20, 0), Value: 10, SampleCount: 3},
			},
			now:  time.Date(2020, 10, 5, 8, 30, 58, 947_000_000, time.FixedZone("CEST", 2*3600)),
			want: `{"version":"1.0","queryDate":"2020-10-05T06:30:58.947+0000","startDate":"2020-10-05T06:20:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[10.0,10.25],"threshold":10.0,"evaluatedDatapoints":[{"timestamp":"2020-10-05T06:25:00.000+0000","sampleCount":5.0,"value":10.25},{"timestamp":"2020-10-05T06:20:00.000+0000","sampleCount":3.0,"value":10.0}]}`,
		},
		{
			name: "insufficient data",
			cfg:  Config{Period: time.Minute, EvaluationPeriods: 3, Threshold: 5, Comparison: GreaterThanThreshold, Statistic: Average},
			now:  time.Date(2023, 8, 4, 12, 31, 29, 591_000_000, time.UTC),
			want: `{"version":"1.0","queryDate":"2023-08-04T12:31:29.591+0000","statistic":"Average","period":60,"recentDatapoints":[],"threshold":5.0,"evaluatedDatapoints":[{"timestamp":"2023-08-04T12:30:00.000+0000"},{"timestamp":"2023-08-04T12:29:00.000+0000"},{"timestamp":"2023-08-04T12:28:00.000+0000"}]}`,
		},
		{
			name: "filled in",
			cfg: Config{Period: time.Minute, EvaluationPeriods: 3, Threshold: 1, Comparison: LessThanThreshold,
				TreatMissingData: TreatBreaching, Statistic: "p99.9"},
			points: []Datapoint{{Start: utc(2026, 8, 26, 16, 16, 0), Value: 1}, {Start: utc(2026, 8, 26, 16, 10, 0), Value: 0}},
			now:    utc(2026, 8, 26, 16, 19, 41),
			want:   `{"version":"1.0","queryDate":"2026-08-26T16:19:41.000+0000","startDate":"2026-08-26T16:16:00.000+0000","statistic":"p99.9","period":60,"recentDatapoints":[1.0],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2026-08-26T16:18:00.000+0000"},{"timestamp":"2026-08-26T16:17:00.000+0000"},{"timestamp":"2026-08-26T16:16:00.000+0000","value":1.0}]}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.cfg, StateOK, tc.points, tc.now)
			got, err := json.Marshal(r.ReasonData())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("reason data\n got %s\nwant %s", got, tc.want)
			}
			var decoded map[string]any
			if err := json.Unmarshal(got, &decoded); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
}

func TestReasonDataFields(t *testing.T) {
	cfg := Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0.7, Comparison: GreaterThanThreshold, Statistic: Maximum}
	now := at(10 * time.Second)
	got := Evaluate(cfg, StateOK, pattern(t, "X 0 - X -", cfg.Period, now, 0.5, 0.9), now)
	// 3 real datapoints in the range (ages 4, 3 and 1): enough, the missing ones play no part.
	if got.State != StateAlarm || got.Breaching != 2 || got.Evaluated != 3 || got.Missing != 0 || !got.Changed() {
		t.Errorf("got %s, %d of %d breaching, %d missing, changed %v", got.State, got.Breaching, got.Evaluated, got.Missing, got.Changed())
	}
	wantReason := "Threshold Crossed: 2 out of the last 3 datapoints [0.9 (22/11/26 11:58:00), 0.9 (22/11/26 11:55:00)] were greater than the threshold (0.7) (minimum 2 datapoints for OK -> ALARM transition)."
	if got.Reason() != wantReason {
		t.Errorf("reason\n got %s\nwant %s", got.Reason(), wantReason)
	}
	want := ReasonData{
		Version:          "1.0",
		QueryDate:        now,
		StartDate:        utc(2026, 11, 22, 11, 55, 0),
		Statistic:        Maximum,
		Period:           60,
		RecentDatapoints: []float64{0.9, 0.5, 0.9},
		Threshold:        0.7,
		EvaluatedDatapoints: []EvaluatedDatapoint{
			{Timestamp: utc(2026, 11, 22, 11, 58, 0), Value: 0.9},
			{Timestamp: utc(2026, 11, 22, 11, 56, 0), Value: 0.5},
			{Timestamp: utc(2026, 11, 22, 11, 55, 0), Value: 0.9},
		},
	}
	if diff := cmp.Diff(want, got.ReasonData()); diff != "" {
		t.Errorf("reason data (-want +got):\n%s", diff)
	}
	if again := Evaluate(cfg, StateAlarm, pattern(t, "X 0 - X -", cfg.Period, now, 0.5, 0.9), now); again.Changed() {
		t.Error("ALARM -> ALARM reported as a change")
	}
}

func TestAppendJavaDouble(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{70, "70.0"},
		{0.7, "0.7"},
		{0.85, "0.85"},
		{10.25, "10.25"},
		{161, "161.0"},
		{100, "100.0"},
		{1141, "1141.0"},
		{8.891518474692088, "8.891518474692088"},
		{99.83333333333333, "99.83333333333333"},
		{0.001, "0.001"},
		{0.0012345, "0.0012345"},
		{0.000999, "9.99E-4"},
		{1e-4, "1.0E-4"},
		{9999999, "9999999.0"},
		{9999999.5, "9999999.5"},
		{1e7, "1.0E7"},
		{12345678, "1.2345678E7"},
		{1.5e300, "1.5E300"},
		{-2.5e-10, "-2.5E-10"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tc := range tests {
		if got := string(appendJavaDouble(nil, tc.v)); got != tc.want {
			t.Errorf("appendJavaDouble(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestAppendISOTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2024, 4, 16, 8, 43, 36, 958_123_456, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.FixedZone("x", -3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 1_000_000, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		want := tm.UTC().Format("2006-01-02T15:04:05.000+0000")
		if got := string(appendISOTime(nil, tm)); got != want {
			t.Errorf("appendISOTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
