package alarm

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// State is the state of an alarm.
type State string

// The three alarm states.
const (
	StateOK               State = "OK"
	StateAlarm            State = "ALARM"
	StateInsufficientData State = "INSUFFICIENT_DATA"
)

// Valid reports whether s is one of the three alarm states.
func (s State) Valid() bool {
	return s == StateOK || s == StateAlarm || s == StateInsufficientData
}

// ComparisonOperator is how a datapoint is compared with the threshold; a datapoint that satisfies
// the comparison breaches.
type ComparisonOperator string

// The comparison operators of PutMetricAlarm. The last three compare with an anomaly-detection
// band and are not supported by this package.
const (
	GreaterThanOrEqualToThreshold ComparisonOperator = "GreaterThanOrEqualToThreshold"
	GreaterThanThreshold          ComparisonOperator = "GreaterThanThreshold"
	LessThanThreshold             ComparisonOperator = "LessThanThreshold"
	LessThanOrEqualToThreshold    ComparisonOperator = "LessThanOrEqualToThreshold"

	LessThanLowerOrGreaterThanUpperThreshold ComparisonOperator = "LessThanLowerOrGreaterThanUpperThreshold"
	LessThanLowerThreshold                   ComparisonOperator = "LessThanLowerThreshold"
	GreaterThanUpperThreshold                ComparisonOperator = "GreaterThanUpperThreshold"
)

// Breaches reports whether value breaches threshold under c. It is false for the anomaly-band
// operators, for unknown operators and when either number is NaN.
func (c ComparisonOperator) Breaches(value, threshold float64) bool {
	switch c {
	case GreaterThanOrEqualToThreshold:
		return value >= threshold
	case GreaterThanThreshold:
		return value > threshold
	case LessThanThreshold:
		return value < threshold
	case LessThanOrEqualToThreshold:
		return value <= threshold
	}
	return false
}

// phrase is the comparison as CloudWatch words it in a StateReason.
func (c ComparisonOperator) phrase() string {
	switch c {
	case GreaterThanOrEqualToThreshold:
		return "greater than or equal to"
	case GreaterThanThreshold:
		return "greater than"
	case LessThanThreshold:
		return "less than"
	case LessThanOrEqualToThreshold:
		return "less than or equal to"
	}
	return string(c)
}

func (c ComparisonOperator) static() bool {
	switch c {
	case GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold:
		return true
	}
	return false
}

func (c ComparisonOperator) anomalyBand() bool {
	switch c {
	case LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold:
		return true
	}
	return false
}

// TreatMissingData is how an alarm treats periods without a datapoint.
type TreatMissingData string

// The values of TreatMissingData; the empty value means TreatMissing, CloudWatch's default.
const (
	TreatMissing      TreatMissingData = "missing"
	TreatNotBreaching TreatMissingData = "notBreaching"
	TreatBreaching    TreatMissingData = "breaching"
	TreatIgnore       TreatMissingData = "ignore"
)

func (t TreatMissingData) normalized() TreatMissingData {
	if t == "" {
		return TreatMissing
	}
	return t
}

// Config is the evaluation part of a metric alarm's configuration.
type Config struct {
	// Period is the length of a period: 10, 20 or 30 seconds (high resolution) or a multiple of
	// 60 seconds.
	Period time.Duration
	// EvaluationPeriods is N, the number of datapoints evaluated.
	EvaluationPeriods int
	// DatapointsToAlarm is M, how many of the N datapoints must breach for ALARM. 0 means N (the
	// parameter is unset); such alarms also get CloudWatch's older StateReason wording.
	DatapointsToAlarm int
	// Threshold is the value the datapoints are compared with.
	Threshold float64
	// Comparison is the comparison operator.
	Comparison ComparisonOperator
	// TreatMissingData is how periods without a datapoint are treated; "" means "missing".
	TreatMissingData TreatMissingData

	// Statistic, optional, is only reported in ReasonData.
	Statistic Statistic
	// EvaluationRange, optional, is how many periods back datapoints are looked for when some of
	// the last N are missing; 0 means N+2 (see the package documentation). It cannot be below N.
	EvaluationRange int
}

// EffectiveDatapointsToAlarm is M: DatapointsToAlarm, or EvaluationPeriods when that is unset.
func (c Config) EffectiveDatapointsToAlarm() int {
	if c.DatapointsToAlarm <= 0 || c.DatapointsToAlarm > c.EvaluationPeriods {
		return c.EvaluationPeriods
	}
	return c.DatapointsToAlarm
}

// Range is the evaluation range in periods: EvaluationRange, or EvaluationPeriods+2 when that is
// unset, never fewer than EvaluationPeriods.
func (c Config) Range() int {
	if c.EvaluationRange >= c.EvaluationPeriods {
		return c.EvaluationRange
	}
	return c.EvaluationPeriods + 2
}

// ErrInvalidConfig is wrapped by the errors of Config.Validate for values CloudWatch rejects.
var ErrInvalidConfig = errors.New("invalid alarm configuration")

// ErrUnsupported is wrapped by the errors of Config.Validate for values CloudWatch accepts but this
// package does not evaluate (the anomaly-detection band operators).
var ErrUnsupported = errors.New("unsupported alarm configuration")

// Limits on Period * EvaluationPeriods (PutMetricAlarm API reference): one day for periods under
// an hour, seven days otherwise.
const (
	maxEvaluationSpanShort = 24 * time.Hour
	maxEvaluationSpanLong  = 7 * 24 * time.Hour
)

// Validate checks c against CloudWatch's rules (PutMetricAlarm): Period is 10, 20 or 30 seconds
// or a multiple of 60 seconds; EvaluationPeriods is at least 1; DatapointsToAlarm is unset or
// between 1 and EvaluationPeriods; Period × EvaluationPeriods is at most one day, or seven days
// when Period is an hour or longer; Threshold is a finite number; the comparison operator is
// one of the four static ones (the anomaly-detection band operators wrap ErrUnsupported); and
// TreatMissingData is empty or one of the four values. Statistic, when set, must be valid and
// EvaluationRange, when set, at least EvaluationPeriods. The returned error joins one error per
// violated rule.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	switch p := c.Period; {
	case p == 10*time.Second || p == 20*time.Second || p == 30*time.Second:
	case p > 0 && p%time.Minute == 0:
	default:
		bad("Period must be 10, 20 or 30 seconds or a multiple of 60 seconds, not %v", p)
	}
	if c.EvaluationPeriods < 1 {
		bad("EvaluationPeriods must be at least 1, not %d", c.EvaluationPeriods)
	}
	if c.DatapointsToAlarm < 0 || c.DatapointsToAlarm > max(c.EvaluationPeriods, 1) {
		bad("DatapointsToAlarm must be between 1 and EvaluationPeriods (%d), not %d", c.EvaluationPeriods, c.DatapointsToAlarm)
	}
	if c.Period > 0 && c.EvaluationPeriods >= 1 {
		limit := maxEvaluationSpanShort
		if c.Period >= time.Hour {
			limit = maxEvaluationSpanLong
		}
		if int64(c.EvaluationPeriods) > int64(limit/c.Period) {
			bad("Period × EvaluationPeriods must not exceed %v, not %v × %d", limit, c.Period, c.EvaluationPeriods)
		}
	}
	if math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) {
		bad("Threshold must be a finite number, not %v", c.Threshold)
	}
	switch {
	case c.Comparison.static():
	case c.Comparison.anomalyBand():
		errs = append(errs, fmt.Errorf("%w: ComparisonOperator %s compares with an anomaly detection band, which is not supported", ErrUnsupported, c.Comparison))
	default:
		bad("ComparisonOperator must be GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold, not %q", c.Comparison)
	}
	switch c.TreatMissingData {
	case "", TreatMissing, TreatNotBreaching, TreatBreaching, TreatIgnore:
	default:
		bad("TreatMissingData must be missing, notBreaching, breaching or ignore, not %q", c.TreatMissingData)
	}
	if c.Statistic != "" && !c.Statistic.Valid() {
		bad("Statistic %q is not a statistic", c.Statistic)
	}
	if c.EvaluationRange != 0 && c.EvaluationRange < c.EvaluationPeriods {
		bad("EvaluationRange must be 0 or at least EvaluationPeriods (%d), not %d", c.EvaluationPeriods, c.EvaluationRange)
	}
	return errors.Join(errs...)
}
