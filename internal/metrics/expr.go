package metrics

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// maxFillPoints bounds the datapoints FILL may create per series: GetMetricData's limit of
// 100,800 datapoints per request.
const maxFillPoints = 100800

// tseries is a time series of metric math: period starts (unix nanoseconds) and values,
// oldest first, every value finite.
type tseries struct {
	label  string
	period int64 // nanoseconds
	t      []int64
	v      []float64
}

func (s *tseries) push(t int64, v float64) {
	if finite(v) {
		s.t = append(s.t, t)
		s.v = append(s.v, v)
	}
}

// at returns the value of s at t.
func (s *tseries) at(t int64) (float64, bool) {
	i, ok := slices.BinarySearch(s.t, t)
	if !ok {
		return 0, false
	}
	return s.v[i], true
}

type valueKind int

const (
	kindScalar valueKind = iota
	kindSeries
	kindArray
)

// value is what an expression evaluates to: a scalar, one series or an array of series.
type value struct {
	kind   valueKind
	num    float64
	series []*tseries // one for kindSeries
}

func scalar(v float64) *value    { return &value{kind: kindScalar, num: v} }
func single(s *tseries) *value   { return &value{kind: kindSeries, series: []*tseries{s}} }
func array(ss []*tseries) *value { return &value{kind: kindArray, series: ss} }
func (v *value) one() *tseries   { return v.series[0] }
func (k valueKind) String() string {
	return [...]string{"a scalar", "a time series", "an array of time series"}[k]
}
func newSeriesLike(s *tseries) *tseries { return &tseries{label: s.label, period: s.period} }

// functionArity is the number of arguments of each function: minimum and maximum.
func functionArity(name string) (lo, hi int, ok bool) {
	switch name {
	case "SUM", "AVG", "MIN", "MAX", "ABS", "CEIL", "FLOOR", "LOG", "LOG10", "RATE", "DIFF", "PERIOD":
		return 1, 1, true
	case "FILL":
		return 2, 2, true
	case "IF":
		return 2, 3, true
	case "METRICS":
		return 0, 1, true
	}
	return 0, 0, false
}

// evalError is an error of an expression at a position.
func evalError(n node, format string, args ...any) error {
	return fmt.Errorf("at position %d: %s", n.pos()+1, fmt.Sprintf(format, args...))
}

// eval evaluates n in the evaluation of query q.
func (e *evaluator) eval(q int, n node) (*value, error) {
	switch n := n.(type) {
	case *numNode:
		return scalar(n.v), nil
	case *idNode:
		return e.valueOf(n.name)
	case *strNode, *kwNode:
		return nil, evalError(n, "a string or keyword is only allowed as an argument of METRICS or FILL")
	case *listNode:
		var ss []*tseries
		for _, it := range n.items {
			v, err := e.eval(q, it)
			if err != nil {
				return nil, err
			}
			switch v.kind {
			case kindScalar:
				return nil, evalError(it, "an array can only hold time series")
			default:
				ss = append(ss, v.series...)
			}
		}
		return array(ss), nil
	case *unaryNode:
		x, err := e.eval(q, n.x)
		if err != nil {
			return nil, err
		}
		switch n.op {
		case "-":
			return mapValue(x, func(v float64) float64 { return -v }), nil
		case "!":
			return mapValue(x, func(v float64) float64 { return bool01(v == 0) }), nil
		}
		return x, nil
	case *binNode:
		l, err := e.eval(q, n.l)
		if err != nil {
			return nil, err
		}
		r, err := e.eval(q, n.r)
		if err != nil {
			return nil, err
		}
		return binaryValue(n, l, r)
	case *callNode:
		return e.call(q, n)
	}
	return nil, fmt.Errorf("unknown expression node %T", n)
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// mapValue applies f to every number of x.
func mapValue(x *value, f func(float64) float64) *value {
	if x.kind == kindScalar {
		return scalar(f(x.num))
	}
	out := &value{kind: x.kind, series: make([]*tseries, len(x.series))}
	for i, s := range x.series {
		r := newSeriesLike(s)
		for k, t := range s.t {
			r.push(t, f(s.v[k]))
		}
		out.series[i] = r
	}
	return out
}

func applyOp(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		return a / b
	case "^":
		return math.Pow(a, b)
	case "==":
		return bool01(a == b)
	case "!=":
		return bool01(a != b)
	case "<":
		return bool01(a < b)
	case "<=":
		return bool01(a <= b)
	case ">":
		return bool01(a > b)
	case ">=":
		return bool01(a >= b)
	case "&&":
		return bool01(a != 0 && b != 0)
	case "||":
		return bool01(a != 0 || b != 0)
	}
	return math.NaN()
}

// binaryValue applies a binary operator: scalars broadcast, two series are joined on their
// common timestamps, arrays apply element by element.
func binaryValue(n *binNode, l, r *value) (*value, error) {
	op := func(a, b float64) float64 { return applyOp(n.op, a, b) }
	switch {
	case l.kind == kindScalar && r.kind == kindScalar:
		return scalar(op(l.num, r.num)), nil
	case l.kind == kindScalar:
		return mapValue(r, func(v float64) float64 { return op(l.num, v) }), nil
	case r.kind == kindScalar:
		return mapValue(l, func(v float64) float64 { return op(v, r.num) }), nil
	case l.kind == kindSeries && r.kind == kindSeries:
		return single(joinSeries(l.one(), r.one(), op)), nil
	case l.kind == kindArray && r.kind == kindArray:
		return nil, evalError(n, "operator %s cannot combine two arrays of time series", n.op)
	case l.kind == kindArray:
		out := make([]*tseries, len(l.series))
		for i, s := range l.series {
			out[i] = joinSeries(s, r.one(), op)
		}
		return array(out), nil
	default:
		out := make([]*tseries, len(r.series))
		for i, s := range r.series {
			out[i] = joinSeries(l.one(), s, op)
			out[i].label = s.label
		}
		return array(out), nil
	}
}

// joinSeries applies op at the timestamps both series have.
func joinSeries(a, b *tseries, op func(x, y float64) float64) *tseries {
	out := newSeriesLike(a)
	out.period = max(a.period, b.period)
	i, j := 0, 0
	for i < len(a.t) && j < len(b.t) {
		switch {
		case a.t[i] < b.t[j]:
			i++
		case a.t[i] > b.t[j]:
			j++
		default:
			out.push(a.t[i], op(a.v[i], b.v[j]))
			i++
			j++
		}
	}
	return out
}

// call evaluates a function call; arities were checked by validation.
func (e *evaluator) call(q int, n *callNode) (*value, error) {
	switch n.name {
	case "METRICS":
		prefix := ""
		if len(n.args) == 1 {
			s, ok := n.args[0].(*strNode)
			if !ok {
				return nil, evalError(n, "METRICS takes a string")
			}
			prefix = s.s
		}
		var ss []*tseries
		for i := range e.queries {
			if e.queries[i].MetricStat != nil && strings.HasPrefix(e.queries[i].ID, prefix) {
				v, err := e.valueOf(e.queries[i].ID)
				if err != nil {
					return nil, err
				}
				ss = append(ss, v.series...)
			}
		}
		return array(ss), nil
	case "FILL":
		return e.fill(q, n)
	case "IF":
		return e.ifFunc(q, n)
	}
	x, err := e.eval(q, n.args[0])
	if err != nil {
		return nil, err
	}
	switch n.name {
	case "ABS":
		return mapValue(x, math.Abs), nil
	case "CEIL":
		return mapValue(x, math.Ceil), nil
	case "FLOOR":
		return mapValue(x, math.Floor), nil
	case "LOG":
		return mapValue(x, math.Log), nil
	case "LOG10":
		return mapValue(x, math.Log10), nil
	case "SUM", "AVG", "MIN", "MAX":
		return reduce(n.name, x), nil
	case "RATE", "DIFF":
		if x.kind == kindScalar {
			return nil, evalError(n, "%s needs a time series, not a scalar", n.name)
		}
		out := &value{kind: x.kind, series: make([]*tseries, len(x.series))}
		for i, s := range x.series {
			r := newSeriesLike(s)
			for k := 1; k < len(s.t); k++ {
				d := s.v[k] - s.v[k-1]
				if n.name == "RATE" {
					d /= float64(s.t[k]-s.t[k-1]) / 1e9
				}
				r.push(s.t[k], d)
			}
			out.series[i] = r
		}
		return out, nil
	case "PERIOD":
		if x.kind == kindScalar || len(x.series) == 0 {
			return nil, evalError(n, "PERIOD needs a time series")
		}
		return scalar(float64(x.series[0].period) / 1e9), nil
	}
	return nil, evalError(n, "unknown function %s", n.name)
}

// reduce is SUM, AVG, MIN or MAX: of an array, the series of the values present at each
// timestamp; of one series, the scalar over its values; of a scalar, the scalar.
func reduce(name string, x *value) *value {
	combine := func(acc, v float64) float64 {
		switch name {
		case "MIN":
			return math.Min(acc, v)
		case "MAX":
			return math.Max(acc, v)
		}
		return acc + v
	}
	finish := func(acc float64, n int) float64 {
		if n == 0 {
			return math.NaN()
		}
		if name == "AVG" {
			return acc / float64(n)
		}
		return acc
	}
	switch x.kind {
	case kindScalar:
		return x
	case kindSeries:
		s := x.one()
		acc := 0.0
		for i, v := range s.v {
			if i == 0 {
				acc = v
			} else {
				acc = combine(acc, v)
			}
		}
		return scalar(finish(acc, len(s.v)))
	}
	type point struct {
		t int64
		v float64
	}
	var pts []point
	out := &tseries{}
	for _, s := range x.series {
		out.period = max(out.period, s.period)
		for i, t := range s.t {
			pts = append(pts, point{t, s.v[i]})
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.t, b.t) })
	for i := 0; i < len(pts); {
		acc, j := pts[i].v, i+1
		for ; j < len(pts) && pts[j].t == pts[i].t; j++ {
			acc = combine(acc, pts[j].v)
		}
		out.push(pts[i].t, finish(acc, j-i))
		i = j
	}
	return single(out)
}

// fill is FILL(x, value | REPEAT | LINEAR): every period of the query range without a value
// gets one.
func (e *evaluator) fill(q int, n *callNode) (*value, error) {
	x, err := e.eval(q, n.args[0])
	if err != nil {
		return nil, err
	}
	if x.kind == kindScalar {
		return nil, evalError(n, "FILL needs a time series, not a scalar")
	}
	mode, with := "", 0.0
	if kw, ok := n.args[1].(*kwNode); ok {
		mode = kw.name
	} else {
		v, err := e.eval(q, n.args[1])
		if err != nil {
			return nil, err
		}
		if v.kind != kindScalar {
			return nil, evalError(n.args[1], "the fill value must be a number, REPEAT or LINEAR")
		}
		if !finite(v.num) {
			return x, nil
		}
		with = v.num
	}
	out := &value{kind: x.kind, series: make([]*tseries, len(x.series))}
	for i, s := range x.series {
		period := s.period
		if p := e.queries[q].Period; p > 0 {
			period = int64(p)
		}
		if period <= 0 {
			out.series[i] = s
			continue
		}
		w := newWindow(time.Duration(period), e.from, e.to)
		first, last := floorDiv(w.from, period), ceilDiv(w.to, period)
		if last-first > maxFillPoints {
			return nil, evalError(n, "FILL would create more than %d datapoints", maxFillPoints)
		}
		out.series[i] = fillSeries(s, period, first, last, mode, with)
	}
	return out, nil
}

// fillSeries fills the periods first..last-1 of s.
func fillSeries(s *tseries, period, first, last int64, mode string, with float64) *tseries {
	if mode != "" && len(s.t) == 0 {
		return s
	}
	r := newSeriesLike(s)
	k := 0 // next point of s
	for idx := first; idx < last; idx++ {
		t := idx * period
		for k < len(s.t) && s.t[k] < t {
			r.push(s.t[k], s.v[k]) // off-grid point
			k++
		}
		if k < len(s.t) && s.t[k] == t {
			r.push(t, s.v[k])
			k++
			continue
		}
		v := with
		switch {
		case mode == "":
		case k == 0:
			v = s.v[0]
		case k == len(s.t) || mode == "REPEAT":
			v = s.v[k-1]
		default: // LINEAR between s[k-1] and s[k]
			t0, t1 := s.t[k-1], s.t[k]
			v = s.v[k-1] + (s.v[k]-s.v[k-1])*float64(t-t0)/float64(t1-t0)
		}
		r.push(t, v)
	}
	for ; k < len(s.t); k++ {
		r.push(s.t[k], s.v[k])
	}
	return r
}

// ifFunc is IF(condition, trueValue[, falseValue]).
func (e *evaluator) ifFunc(q int, n *callNode) (*value, error) {
	vals := make([]*value, len(n.args))
	for i, a := range n.args {
		v, err := e.eval(q, a)
		if err != nil {
			return nil, err
		}
		if v.kind == kindArray {
			return nil, evalError(a, "IF does not take arrays of time series")
		}
		vals[i] = v
	}
	cond, yes := vals[0], vals[1]
	var no *value
	if len(vals) == 3 {
		no = vals[2]
	}
	if cond.kind == kindScalar {
		switch {
		case cond.num != 0:
			return yes, nil
		case no != nil:
			return no, nil
		}
		return single(&tseries{}), nil
	}
	c := cond.one()
	out := newSeriesLike(c)
	for i, t := range c.t {
		pick := yes
		if c.v[i] == 0 {
			pick = no
		}
		switch {
		case pick == nil:
		case pick.kind == kindScalar:
			out.push(t, pick.num)
		default:
			if v, ok := pick.one().at(t); ok {
				out.push(t, v)
			}
		}
	}
	return single(out), nil
}
