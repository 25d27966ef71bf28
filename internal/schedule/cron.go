package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The year range of cron expressions.
const (
	minYear = 1970
	maxYear = 2199
)

// cronSpec is a parsed cron expression. The small fields are bit sets: bit v is set when value v
// matches.
type cronSpec struct {
	seconds, minutes, hours, months uint64
	years                           yearSet
	days                            daySpec
}

// field describes one cron field.
type field struct {
	name     string
	min, max int
	names    []string // names[i] is another spelling of min+i; nil if the field has no names
	step     bool     // whether /step is allowed
}

var (
	secondsField = field{name: "Seconds", min: 0, max: 59, step: true}
	minutesField = field{name: "Minutes", min: 0, max: 59, step: true}
	hoursField   = field{name: "Hours", min: 0, max: 23, step: true}
	domField     = field{name: "Day-of-month", min: 1, max: 31, step: true}
	monthField   = field{name: "Month", min: 1, max: 12, step: true,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	dowField = field{name: "Day-of-week", min: 1, max: 7,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
	yearField = field{name: "Year", min: minYear, max: maxYear, step: true}
)

// parseCron parses the body of cron(...).
func parseCron(body string) (*cronSpec, error) {
	if strings.ContainsAny(body, "\t\r\n\v\f") {
		return nil, errors.New("the fields must be separated by spaces")
	}
	fields := strings.FieldsFunc(body, func(r rune) bool { return r == ' ' })
	c := &cronSpec{seconds: 1} // second 0 unless a Seconds field is given
	switch len(fields) {
	case 7:
		c.seconds = 0
		if err := parseBits(&c.seconds, secondsField, fields[0]); err != nil {
			return nil, err
		}
		fields = fields[1:]
	case 6:
	default:
		return nil, fmt.Errorf("got %d fields, want 6 (Minutes Hours Day-of-month Month Day-of-week Year) "+
			"or 7 (Seconds first)", len(fields))
	}
	plain := []struct {
		dst  *uint64
		f    field
		text string
	}{
		{&c.minutes, minutesField, fields[0]},
		{&c.hours, hoursField, fields[1]},
		{&c.months, monthField, fields[3]},
	}
	for _, p := range plain {
		if err := parseBits(p.dst, p.f, p.text); err != nil {
			return nil, err
		}
	}
	if err := parseList(yearField, strings.ToUpper(fields[5]), c.years.add); err != nil {
		return nil, err
	}
	var err error
	c.days, err = parseDays(strings.ToUpper(fields[2]), strings.ToUpper(fields[4]))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// parseBits parses a plain field into a bit set.
func parseBits(dst *uint64, f field, text string) error {
	return parseList(f, strings.ToUpper(text), func(v int) { *dst |= 1 << v })
}

// parseList parses a comma-separated list of *, values, ranges and steps (text in upper case)
// and calls add for every value it selects.
func parseList(f field, text string, add func(int)) error {
	if err := f.checkPlain(text); err != nil {
		return err
	}
	for _, item := range strings.Split(text, ",") {
		if err := f.parseItem(text, item, add); err != nil {
			return err
		}
	}
	return nil
}

// checkPlain rejects the wildcards ?, L, W and # where only , - * / are allowed, with a clearer
// message than "invalid value".
func (f field) checkPlain(text string) error {
	for _, special := range []string{"?", "#"} {
		if strings.Contains(text, special) {
			return f.errorf(text, "%s is allowed only in the Day-of-month and Day-of-week fields", special)
		}
	}
	if f.names == nil && strings.ContainsAny(text, "LW") {
		return f.errorf(text, "L and W are allowed only in the Day-of-month and Day-of-week fields")
	}
	return nil
}

// parseItem parses one list item: *, a value or a range a-b, optionally followed by /step.
func (f field) parseItem(text, item string, add func(int)) error {
	if item == "" {
		return f.errorf(text, "empty value")
	}
	base, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		if !f.step {
			return f.errorf(text, "/ is not allowed in this field")
		}
		span := f.max - f.min + 1
		n, ok := parseDecimal(stepText, int64(span))
		if !ok || n == 0 {
			return f.errorf(text, "step %q must be a number from 1 to %d", stepText, span)
		}
		step = int(n)
	}
	lo, hi, err := f.parseRange(text, base, hasStep)
	if err != nil {
		return err
	}
	for v := lo; v <= hi; v += step {
		add(v)
	}
	return nil
}

// parseRange parses *, a value or a range a-b. A single value followed by a step (a/step)
// extends to the field's maximum.
func (f field) parseRange(text, base string, hasStep bool) (lo, hi int, err error) {
	if base == "*" {
		return f.min, f.max, nil
	}
	loText, hiText, isRange := strings.Cut(base, "-")
	if lo, err = f.parseValue(text, loText); err != nil {
		return 0, 0, err
	}
	switch {
	case isRange:
		if hi, err = f.parseValue(text, hiText); err != nil {
			return 0, 0, err
		}
		if lo > hi {
			return 0, 0, f.errorf(text, "range %s goes backwards; wrap-around ranges are not supported, "+
				"use a list such as %s-%s,%s-%s", base, loText, f.spell(f.max), f.spell(f.min), hiText)
		}
	case hasStep:
		hi = f.max
	default:
		hi = lo
	}
	return lo, hi, nil
}

// parseValue parses a number or a name of the field.
func (f field) parseValue(text, s string) (int, error) {
	if n, ok := parseDecimal(s, 1<<20); ok {
		if n < int64(f.min) || n > int64(f.max) {
			return 0, f.errorf(text, "value %d is out of range %d-%d", n, f.min, f.max)
		}
		return int(n), nil
	}
	for i, name := range f.names {
		if s == name {
			return f.min + i, nil
		}
	}
	if s == "" {
		return 0, f.errorf(text, "missing value")
	}
	return 0, f.errorf(text, "invalid value %q, want %s", s, f.valueRange())
}

// spell writes value v of the field the way users may: as a name if the field has names.
func (f field) spell(v int) string {
	if f.names != nil {
		return f.names[v-f.min]
	}
	return fmt.Sprint(v)
}

// valueRange describes the values of the field for error messages.
func (f field) valueRange() string {
	r := fmt.Sprintf("%d-%d", f.min, f.max)
	if f.names != nil {
		r += fmt.Sprintf(" or %s-%s", f.names[0], f.names[len(f.names)-1])
	}
	return r
}

// errorf reports a problem with the field whose text is text.
func (f field) errorf(text, format string, args ...any) error {
	return fmt.Errorf("%s field %q: %s", f.name, text, fmt.Sprintf(format, args...))
}

// yearSet is a set of years from minYear to maxYear.
type yearSet [(maxYear - minYear + 64) / 64]uint64

// add adds year y (minYear <= y <= maxYear).
func (s *yearSet) add(y int) {
	i := y - minYear
	s[i/64] |= 1 << (i % 64)
}

// next returns the first year of the set that is >= y.
func (s *yearSet) next(y int) (int, bool) {
	for y = max(y, minYear); y <= maxYear; y++ {
		i := y - minYear
		if s[i/64]&(1<<(i%64)) != 0 {
			return y, true
		}
	}
	return 0, false
}

// weekdayOfField converts a Day-of-week value (1 = Sunday) to a time.Weekday.
func weekdayOfField(v int) time.Weekday { return time.Weekday(v - 1) }
