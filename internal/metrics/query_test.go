package metrics

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
)

// queryStore holds two metrics over five minutes: a = 1,2,3,4,5 and b = 10,_,30,40,0 (b has
// no datapoint in the second minute), plus c = 2 in the first minute only.
func queryStore(t *testing.T) *Memory {
	m, _ := newTestStore(t0.Add(time.Hour))
	for i, v := range []float64{1, 2, 3, 4, 5} {
		mustPut(t, m, val(Metric{Namespace: "NS", MetricName: "A"}, t0.Add(time.Duration(i)*time.Minute), v))
	}
	for i, v := range []float64{10, -1, 30, 40, 0} {
		if i != 1 {
			mustPut(t, m, val(Metric{Namespace: "NS", MetricName: "B"}, t0.Add(time.Duration(i)*time.Minute), v))
		}
	}
	mustPut(t, m, val(Metric{Namespace: "NS", MetricName: "C"}, t0, 2))
	return m
}

func stat(id, name string) Query {
	return Query{ID: id, MetricStat: &MetricStat{Metric: Metric{Namespace: "NS", MetricName: name}, Period: time.Minute, Stat: alarm.Sum}}
}

func mins(idx ...int) []time.Time {
	out := make([]time.Time, len(idx))
	for i, k := range idx {
		out[i] = t0.Add(time.Duration(k) * time.Minute)
	}
	return out
}

func TestQueryExpressions(t *testing.T) {
	m := queryStore(t)
	tests := []struct {
		expr  string
		times []time.Time
		vals  []float64
	}{
		{"a", mins(0, 1, 2, 3, 4), []float64{1, 2, 3, 4, 5}},
		{"a + b", mins(0, 2, 3, 4), []float64{11, 33, 44, 5}},
		{"b / a * 2", mins(0, 2, 3, 4), []float64{20, 20, 20, 0}},
		{"a / (b - b)", nil, nil}, // division by zero drops the points
		{"-a + 10", mins(0, 1, 2, 3, 4), []float64{9, 8, 7, 6, 5}},
		{"2 ^ a", mins(0, 1, 2, 3, 4), []float64{2, 4, 8, 16, 32}},
		{"1 + 2 * 3 - 4 / 2", mins(0, 1, 2, 3, 4), []float64{5, 5, 5, 5, 5}},
		{"SUM([a, b])", mins(0, 1, 2, 3, 4), []float64{11, 2, 33, 44, 5}},
		{"AVG([a, b])", mins(0, 1, 2, 3, 4), []float64{5.5, 2, 16.5, 22, 2.5}},
		{"MAX(METRICS())", mins(0, 1, 2, 3, 4), []float64{10, 2, 30, 40, 5}},
		{"MIN(METRICS(\"a\"))", mins(0, 1, 2, 3, 4), []float64{1, 2, 3, 4, 5}},
		{"SUM(a)", mins(0, 1, 2, 3, 4), []float64{15, 15, 15, 15, 15}},
		{"a - AVG(a)", mins(0, 1, 2, 3, 4), []float64{-2, -1, 0, 1, 2}},
		{"FILL(b, 7)", mins(0, 1, 2, 3, 4, 5), []float64{10, 7, 30, 40, 0, 7}},
		{"FILL(b, REPEAT)", mins(0, 1, 2, 3, 4, 5), []float64{10, 10, 30, 40, 0, 0}},
		{"FILL(b, LINEAR)", mins(0, 1, 2, 3, 4, 5), []float64{10, 20, 30, 40, 0, 0}},
		{"FILL(c, LINEAR)", mins(0, 1, 2, 3, 4, 5), []float64{2, 2, 2, 2, 2, 2}},
		{"ABS(b - 35)", mins(0, 2, 3, 4), []float64{25, 5, 5, 35}},
		{"IF(b > 20, 1, 0)", mins(0, 2, 3, 4), []float64{0, 1, 1, 0}},
		{"IF(a >= 2 AND a <= 4, a)", mins(1, 2, 3), []float64{2, 3, 4}},
		{"IF(a < 2 || a == 5, b)", mins(0, 4), []float64{10, 0}},
		{"IF(a != 3 && NOT (a > 4), a * 10, b)", mins(0, 1, 2, 3, 4), []float64{10, 20, 30, 40, 0}},
		{"DIFF(a)", mins(1, 2, 3, 4), []float64{1, 1, 1, 1}},
		{"RATE(a * 60)", mins(1, 2, 3, 4), []float64{1, 1, 1, 1}},
		{"PERIOD(a) + 0 * a", mins(0, 1, 2, 3, 4), []float64{60, 60, 60, 60, 60}},
		{"e1 * 2", mins(0, 2, 3, 4), []float64{22, 66, 88, 10}},
		{"SUM([e1, c])", mins(0, 2, 3, 4), []float64{13, 33, 44, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			qs := []Query{stat("a", "A"), stat("b", "B"), stat("c", "C"),
				{ID: "e1", Expression: "a + b"},
				{ID: "out", Expression: tt.expr, ReturnData: true}}
			rs, err := m.Query(testScope, qs, t0, t0.Add(6*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			if len(rs) != 1 {
				t.Fatalf("got %d results", len(rs))
			}
			r := rs[0]
			if r.ID != "out" || r.Label != "out" || r.StatusCode != StatusComplete {
				t.Errorf("result header %q %q %q", r.ID, r.Label, r.StatusCode)
			}
			if len(r.Timestamps) != len(tt.times) || len(tt.times) > 0 && (!reflect.DeepEqual(r.Timestamps, tt.times) || !reflect.DeepEqual(r.Values, tt.vals)) {
				t.Errorf("got %v %v\nwant %v %v", r.Timestamps, r.Values, tt.times, tt.vals)
			}
		})
	}
}

func TestQueryResults(t *testing.T) {
	m := queryStore(t)
	a, b := stat("a", "A"), stat("b", "B")
	a.ReturnData = true
	b.Label = "Bee"
	rs, err := m.Query(testScope, []Query{a, b, {ID: "arr", Expression: "METRICS() * 2", ReturnData: true}}, t0, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.ID+"/"+r.Label)
	}
	if want := []string{"a/A", "arr/A", "arr/Bee"}; !reflect.DeepEqual(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if !reflect.DeepEqual(rs[2].Values, []float64{20}) {
		t.Errorf("arr/Bee values %v", rs[2].Values)
	}

	// QueryOne: exactly one series.
	r, err := QueryOne(m, testScope, []Query{stat("m1", "A"), {ID: "e1", Expression: "m1 * 100", ReturnData: true}}, t0, t0.Add(2*time.Minute))
	if err != nil || !reflect.DeepEqual(r.Values, []float64{100, 200}) {
		t.Errorf("QueryOne: %v %v", r, err)
	}
	_, err = QueryOne(m, testScope, []Query{stat("m1", "A"), stat("m2", "B"), {ID: "e1", Expression: "METRICS()", ReturnData: true}}, t0, t0.Add(2*time.Minute))
	if !errors.Is(err, ErrNotSingle) || !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("QueryOne with an array: %v", err)
	}
}

func TestQueryErrors(t *testing.T) {
	m := queryStore(t)
	tests := []struct {
		name    string
		queries []Query
		msg     string
	}{
		{"unknown id", []Query{stat("a", "A"), {ID: "e", Expression: "a + zz", ReturnData: true}}, `unknown id "zz"`},
		{"syntax", []Query{stat("a", "A"), {ID: "e", Expression: "a +", ReturnData: true}}, "unexpected end of expression"},
		{"paren", []Query{stat("a", "A"), {ID: "e", Expression: "(a + 1", ReturnData: true}}, `expected ")"`},
		{"character", []Query{stat("a", "A"), {ID: "e", Expression: "a % 2", ReturnData: true}}, "unexpected character"},
		{"cycle", []Query{{ID: "x", Expression: "y + 1", ReturnData: true}, {ID: "y", Expression: "x * 2"}}, "cycle"},
		{"self", []Query{{ID: "x", Expression: "x + 1", ReturnData: true}}, "its own id"},
		{"unknown function", []Query{stat("a", "A"), {ID: "e", Expression: "NOPE(a)", ReturnData: true}}, "unknown function NOPE"},
		{"arity", []Query{stat("a", "A"), {ID: "e", Expression: "FILL(a)", ReturnData: true}}, "FILL takes 2 argument(s), not 1"},
		{"keyword", []Query{stat("a", "A"), {ID: "e", Expression: "a + REPEAT", ReturnData: true}}, "only allowed as the second argument of FILL"},
		{"upper id", []Query{stat("a", "A"), {ID: "e", Expression: "A + 1", ReturnData: true}}, "must start with a lower-case letter"},
		{"arrays", []Query{stat("a", "A"), {ID: "e", Expression: "METRICS() + METRICS()", ReturnData: true}}, "two arrays"},
		{"rate of scalar", []Query{stat("a", "A"), {ID: "e", Expression: "RATE(3)", ReturnData: true}}, "RATE needs a time series"},
		{"bad id", []Query{{ID: "Bad", Expression: "1", ReturnData: true}}, `the Id "Bad" is not valid`},
		{"duplicate id", []Query{stat("a", "A"), {ID: "a", Expression: "1", ReturnData: true}}, "more than one query"},
		{"both", []Query{{ID: "a", Expression: "1", MetricStat: stat("a", "A").MetricStat, ReturnData: true}}, "exactly one of"},
		{"nothing returned", []Query{stat("a", "A")}, "no query has ReturnData"},
		{"bad stat", []Query{{ID: "a", MetricStat: &MetricStat{Period: time.Minute, Stat: "Median"}, ReturnData: true}}, "invalid statistic"},
		{"empty", []Query{{ID: "a", Expression: "  ", ReturnData: true}}, "empty"},
		{"deep", []Query{{ID: "a", Expression: strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100), ReturnData: true}}, "nested more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Query(testScope, tt.queries, t0, t0.Add(time.Hour))
			if !errors.Is(err, ErrInvalidQuery) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want an invalid-query error containing %q", err, tt.msg)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := []Query{stat("m1", "A"), stat("m2", "B"), {ID: "e1", Expression: "100*(m1/60)/m2", ReturnData: true}}
	if err := Validate(ok); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if err := Validate(nil); !errors.Is(err, ErrInvalidQuery) {
		t.Errorf("Validate(nil): %v", err)
	}
}

func TestParseExpression(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a+b*c", "(a + (b * c))"},
		{"-a^2", "-(a ^ 2)"},
		{"2^-1", "(2 ^ -1)"},
		{"a > 1 AND b < 2 OR c", "(((a > 1) && (b < 2)) || c)"},
		{"SUM([m1, m2]) / 2", "(SUM([m1, m2]) / 2)"},
		{"fill(m1, REPEAT)", "FILL(m1, REPEAT)"},
		{"METRICS('x')", `METRICS("x")`},
		{"1.5e3 + .5", "(1500 + 0.5)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := parseExpression(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := show(n); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// show prints a parsed expression with every operation in parentheses.
func show(n node) string {
	switch n := n.(type) {
	case *numNode:
		return strconv.FormatFloat(n.v, 'g', -1, 64)
	case *idNode:
		return n.name
	case *strNode:
		return `"` + n.s + `"`
	case *kwNode:
		return n.name
	case *unaryNode:
		return n.op + show(n.x)
	case *binNode:
		return "(" + show(n.l) + " " + n.op + " " + show(n.r) + ")"
	case *callNode:
		var args []string
		for _, a := range n.args {
			args = append(args, show(a))
		}
		return n.name + "(" + strings.Join(args, ", ") + ")"
	case *listNode:
		var items []string
		for _, a := range n.items {
			items = append(items, show(a))
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return "?"
}
