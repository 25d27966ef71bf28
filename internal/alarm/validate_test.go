package alarm

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	valid := Config{Period: time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0.7, Comparison: GreaterThanThreshold, TreatMissingData: TreatMissing}
	tests := []struct {
		name        string
		edit        func(*Config)
		unsupported bool
		wantErr     string // substring; "" means valid
	}{
		{"target tracking AlarmHigh", func(c *Config) {}, false, ""},
		{"target tracking AlarmLow", func(c *Config) { *c = alarmLow }, false, ""},
		{"DatapointsToAlarm unset", func(c *Config) { c.DatapointsToAlarm = 0 }, false, ""},
		{"M < N", func(c *Config) { c.EvaluationPeriods, c.DatapointsToAlarm = 5, 2 }, false, ""},
		{"M = 1", func(c *Config) { c.DatapointsToAlarm = 1 }, false, ""},
		{"M > N", func(c *Config) { c.DatapointsToAlarm = 4 }, false, "DatapointsToAlarm"},
		{"M < 0", func(c *Config) { c.DatapointsToAlarm = -1 }, false, "DatapointsToAlarm"},
		{"N = 0", func(c *Config) { c.EvaluationPeriods, c.DatapointsToAlarm = 0, 0 }, false, "EvaluationPeriods must be at least 1"},
		{"N < 0", func(c *Config) { c.EvaluationPeriods, c.DatapointsToAlarm = -3, 0 }, false, "EvaluationPeriods must be at least 1"},

		{"period 10s", func(c *Config) { c.Period = 10 * time.Second }, false, ""},
		{"period 20s", func(c *Config) { c.Period = 20 * time.Second }, false, ""},
		{"period 30s", func(c *Config) { c.Period = 30 * time.Second }, false, ""},
		{"period 5m", func(c *Config) { c.Period = 5 * time.Minute }, false, ""},
		{"period 1d", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 24*time.Hour, 1, 1 }, false, ""},
		{"period 0", func(c *Config) { c.Period = 0 }, false, "Period must be"},
		{"period 15s", func(c *Config) { c.Period = 15 * time.Second }, false, "Period must be"},
		{"period 45s", func(c *Config) { c.Period = 45 * time.Second }, false, "Period must be"},
		{"period 90s", func(c *Config) { c.Period = 90 * time.Second }, false, "Period must be"},
		{"period 60.5s", func(c *Config) { c.Period = 60*time.Second + 500*time.Millisecond }, false, "Period must be"},
		{"period negative", func(c *Config) { c.Period = -time.Minute }, false, "Period must be"},

		{"1 minute × 1440 = one day", func(c *Config) { c.EvaluationPeriods, c.DatapointsToAlarm = 1440, 1 }, false, ""},
		{"1 minute × 1441", func(c *Config) { c.EvaluationPeriods, c.DatapointsToAlarm = 1441, 1 }, false, "must not exceed 24h0m0s"},
		{"10 seconds × 8640 = one day", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 10*time.Second, 8640, 1 }, false, ""},
		{"10 seconds × 8641", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 10*time.Second, 8641, 1 }, false, "must not exceed"},
		{"59 minutes × 25", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 59*time.Minute, 25, 1 }, false, "must not exceed 24h0m0s"},
		{"1 hour × 168 = seven days", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = time.Hour, 168, 1 }, false, ""},
		{"1 hour × 169", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = time.Hour, 169, 1 }, false, "must not exceed 168h0m0s"},
		{"1 day × 7", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 24*time.Hour, 7, 1 }, false, ""},
		{"1 day × 8", func(c *Config) { c.Period, c.EvaluationPeriods, c.DatapointsToAlarm = 24*time.Hour, 8, 1 }, false, "must not exceed"},

		{"threshold NaN", func(c *Config) { c.Threshold = math.NaN() }, false, "Threshold"},
		{"threshold infinite", func(c *Config) { c.Threshold = math.Inf(-1) }, false, "Threshold"},
		{"threshold negative", func(c *Config) { c.Threshold = -5 }, false, ""},

		{"GreaterThanOrEqualToThreshold", func(c *Config) { c.Comparison = GreaterThanOrEqualToThreshold }, false, ""},
		{"LessThanThreshold", func(c *Config) { c.Comparison = LessThanThreshold }, false, ""},
		{"LessThanOrEqualToThreshold", func(c *Config) { c.Comparison = LessThanOrEqualToThreshold }, false, ""},
		{"anomaly band", func(c *Config) { c.Comparison = LessThanLowerOrGreaterThanUpperThreshold }, true, "anomaly detection band"},
		{"anomaly lower", func(c *Config) { c.Comparison = LessThanLowerThreshold }, true, "anomaly detection band"},
		{"anomaly upper", func(c *Config) { c.Comparison = GreaterThanUpperThreshold }, true, "anomaly detection band"},
		{"no operator", func(c *Config) { c.Comparison = "" }, false, "ComparisonOperator"},
		{"bad operator", func(c *Config) { c.Comparison = "GreaterThan" }, false, "ComparisonOperator"},

		{"treat default", func(c *Config) { c.TreatMissingData = "" }, false, ""},
		{"treat breaching", func(c *Config) { c.TreatMissingData = TreatBreaching }, false, ""},
		{"treat notBreaching", func(c *Config) { c.TreatMissingData = TreatNotBreaching }, false, ""},
		{"treat ignore", func(c *Config) { c.TreatMissingData = TreatIgnore }, false, ""},
		{"treat bad case", func(c *Config) { c.TreatMissingData = "NotBreaching" }, false, "TreatMissingData"},

		{"statistic p99.9", func(c *Config) { c.Statistic = "p99.9" }, false, ""},
		{"statistic bad", func(c *Config) { c.Statistic = "Avg" }, false, "Statistic"},
		{"evaluation range", func(c *Config) { c.EvaluationRange = 10 }, false, ""},
		{"evaluation range below N", func(c *Config) { c.EvaluationRange = 2 }, false, "EvaluationRange"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid
			tc.edit(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if got := errors.Is(err, ErrUnsupported); got != tc.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v", got)
			}
			if got := errors.Is(err, ErrInvalidConfig); got == tc.unsupported {
				t.Errorf("errors.Is(err, ErrInvalidConfig) = %v", got)
			}
		})
	}

	// Every violation is reported.
	err := Config{Period: 7 * time.Second, EvaluationPeriods: 0, DatapointsToAlarm: -1, Threshold: math.NaN(), Comparison: "x", TreatMissingData: "y"}.Validate()
	for _, want := range []string{"Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{EvaluationPeriods: 15}
	if got := c.EffectiveDatapointsToAlarm(); got != 15 {
		t.Errorf("M = %d, want 15", got)
	}
	if got := c.Range(); got != 17 {
		t.Errorf("range = %d, want 17", got)
	}
	c.DatapointsToAlarm, c.EvaluationRange = 4, 30
	if c.EffectiveDatapointsToAlarm() != 4 || c.Range() != 30 {
		t.Errorf("M = %d, range = %d, want 4 and 30", c.EffectiveDatapointsToAlarm(), c.Range())
	}
}
