package schedule

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// rateUnits maps the accepted units of rate() to their length.
var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

// parseRate parses the body of rate(value unit) and returns the interval.
func parseRate(body string) (time.Duration, error) {
	valueText, unitText, ok := strings.Cut(body, " ")
	unitText = strings.TrimLeft(unitText, " ")
	if !ok || unitText == "" {
		return 0, errors.New("must be rate(value unit), for example rate(5 minutes)")
	}
	unit, ok := rateUnits[unitText]
	if !ok {
		return 0, fmt.Errorf("unit %q must be minute, minutes, hour, hours, day or days", unitText)
	}
	unitName := strings.TrimSuffix(unitText, "s") + "s"
	maxValue := int64(math.MaxInt64 / unit)
	value, ok := parseDecimal(valueText, maxValue)
	if !ok || value == 0 {
		return 0, fmt.Errorf("value %q must be a whole number from 1 to %d for %s", valueText, maxValue, unitName)
	}
	return time.Duration(value) * unit, nil
}

// parseDecimal parses a non-empty string of decimal digits whose value is at most limit.
func parseDecimal(s string, limit int64) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		d := int64(s[i] - '0')
		if s[i] < '0' || s[i] > '9' || d > limit || v > (limit-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

// nextRate returns the first of anchor + k*interval (k >= 0) strictly after after. The
// arithmetic is done in whole seconds (every interval is a whole number of minutes) so that it
// does not overflow for anchors and afters centuries apart.
func nextRate(anchor, after time.Time, interval time.Duration) (time.Time, bool) {
	if after.Before(anchor) {
		return anchor, true
	}
	const limit = 1 << 61 // seconds; far beyond any real time, keeps the sums below from overflowing
	if anchor.Unix() < -limit || after.Unix() > limit {
		return time.Time{}, false
	}
	step := int64(interval / time.Second)
	elapsed := after.Unix() - anchor.Unix()
	if after.Nanosecond() < anchor.Nanosecond() {
		elapsed-- // borrow: the whole seconds elapsed are one fewer
	}
	k := elapsed/step + 1
	next := time.Unix(anchor.Unix()+k*step, int64(anchor.Nanosecond())).In(anchor.Location())
	return next, next.After(after)
}
