package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is the form of a schedule expression.
type Kind int

// The kinds of schedule expression.
const (
	KindAt   Kind = iota + 1 // at(yyyy-mm-ddThh:mm:ss): one wall-clock time
	KindRate                 // rate(value unit): a fixed interval from an anchor
	KindCron                 // cron(fields): wall-clock times matching the fields
)

// String returns the expression keyword of k: "at", "rate" or "cron".
func (k Kind) String() string {
	switch k {
	case KindAt:
		return "at"
	case KindRate:
		return "rate"
	case KindCron:
		return "cron"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Schedule is a parsed, valid schedule expression. Its methods are safe for concurrent use.
type Schedule struct {
	expr     string
	kind     Kind
	at       civil         // KindAt: the wall-clock time
	interval time.Duration // KindRate: the interval
	cron     *cronSpec     // KindCron: the fields
}

// ParseError reports an invalid schedule expression. Its Error text is meant for users (it is
// returned in ValidationException messages).
type ParseError struct {
	Expr   string // the expression as given
	Reason string // what is wrong with it
}

func (e *ParseError) Error() string {
	if e.Expr == "" {
		return "Invalid schedule expression: " + e.Reason
	}
	return "Invalid schedule expression: " + e.Expr + ": " + e.Reason
}

// Parse parses and validates a schedule expression: "at(yyyy-mm-ddThh:mm:ss)", "rate(value unit)"
// or "cron(fields)"; see the package documentation for the exact syntax. The error, a
// *ParseError, says what is wrong.
func Parse(expr string) (*Schedule, error) {
	s := &Schedule{expr: expr}
	err := s.parse(expr)
	if err != nil {
		return nil, &ParseError{Expr: expr, Reason: err.Error()}
	}
	return s, nil
}

// parse fills in s from expr.
func (s *Schedule) parse(expr string) error {
	if expr == "" {
		return errors.New("the expression is empty; use at(...), rate(...) or cron(...)")
	}
	keyword, body, ok := splitCall(expr)
	if !ok {
		return errors.New("must be at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)")
	}
	if body == "" {
		return errors.New("nothing between the parentheses")
	}
	if strings.TrimSpace(body) != body {
		return errors.New("no spaces are allowed just inside the parentheses")
	}
	var err error
	switch keyword {
	case "at":
		s.kind = KindAt
		s.at, err = parseAt(body)
	case "rate":
		s.kind = KindRate
		s.interval, err = parseRate(body)
	case "cron":
		s.kind = KindCron
		s.cron, err = parseCron(body)
	default:
		return fmt.Errorf("unknown expression type %q; use at(...), rate(...) or cron(...)", keyword)
	}
	return err
}

// splitCall splits "keyword(body)" into keyword and body. The keyword must be lower-case letters.
func splitCall(expr string) (keyword, body string, ok bool) {
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", "", false
	}
	keyword = expr[:open]
	for i := 0; i < len(keyword); i++ {
		if keyword[i] < 'a' || keyword[i] > 'z' {
			return "", "", false
		}
	}
	return keyword, expr[open+1 : len(expr)-1], true
}

// Kind returns the form of the expression.
func (s *Schedule) Kind() Kind { return s.kind }

// String returns the expression exactly as it was given to Parse.
func (s *Schedule) String() string { return s.expr }

// Interval returns the interval of a rate schedule, and 0 for the other kinds.
func (s *Schedule) Interval() time.Duration { return s.interval }

// Next returns the first occurrence strictly after after, and ok=false if there is none.
//
// For rate schedules the occurrences are anchor + k*Interval for k >= 0 and loc is ignored; the
// result is in anchor's location. For at and cron schedules anchor is ignored, the wall-clock
// fields are read in loc (UTC if loc is nil) and the result is in loc; daylight saving time is
// handled as the package documentation describes. An at schedule has no occurrence after its one
// instant; a cron schedule has none after the last matching time of year 2199.
func (s *Schedule) Next(anchor, after time.Time, loc *time.Location) (next time.Time, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	switch s.kind {
	case KindAt:
		if t := resolve(s.at, loc); t.After(after) {
			return t, true
		}
		return time.Time{}, false
	case KindRate:
		return nextRate(anchor, after, s.interval)
	case KindCron:
		return s.cron.next(after, loc)
	}
	return time.Time{}, false
}
