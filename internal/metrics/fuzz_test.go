package metrics

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseExpression checks that no expression makes the parser or the evaluator panic, and
// that every rejection wraps ErrInvalidQuery.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{
		"m1", "m1 + m2", "100*(m1/60)/m2", "SUM([m1, m2])", "AVG(METRICS())", `MAX(METRICS("m"))`,
		"FILL(m1, 0)", "FILL(m1, REPEAT)", "FILL(METRICS(), LINEAR)", "ABS(-m1)", "IF(m1 > 2 AND m2 <= 3, m1, 0)",
		"IF(m1 == 1 || NOT m2 != 2, m1)", "RATE(m1)", "DIFF(m2)", "PERIOD(m1)", "2^-m1", "1.5e3", "((m1))",
		"[m1, m2]", "m1 +", "SUM(", "'x'", "m1 & m2", "e1", "METRICS() * METRICS()", "", "((((", "-.5",
	} {
		f.Add(s)
	}
	m, _ := newTestStore(t0.Add(time.Hour))
	mustPut(f, m, val(Metric{Namespace: "NS", MetricName: "A"}, t0, 1), val(Metric{Namespace: "NS", MetricName: "A"}, t0.Add(time.Minute), 3))
	f.Fuzz(func(t *testing.T, expr string) {
		_, _ = parseExpression(expr)
		qs := []Query{stat("m1", "A"), stat("m2", "B"), {ID: "e1", Expression: expr, ReturnData: true}}
		if _, err := m.Query(testScope, qs, t0, t0.Add(5*time.Minute)); err != nil && !errors.Is(err, ErrInvalidQuery) {
			t.Errorf("%q: error %v does not wrap ErrInvalidQuery", expr, err)
		}
	})
}
