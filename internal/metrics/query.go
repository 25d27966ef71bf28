package metrics

import (
	"errors"
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

// StatusComplete is the StatusCode of every Result: the store always has all the data it
// answers from.
const StatusComplete = "Complete"

// evaluator evaluates the queries of one GetMetricData request.
type evaluator struct {
	queries  []Query
	byID     map[string]int
	parsed   []node // the parsed expression of each Expression query
	values   []*value
	fetch    func(ms *MetricStat) *tseries
	from, to time.Time
}

// Validate checks a GetMetricData query set without reading data, as CloudWatch does before
// running it: every query has a well-formed, unique Id (a lower-case letter, then letters,
// digits and underscores) and exactly one of MetricStat (with a positive period and a valid
// statistic) or Expression; expressions parse, call known functions with the right number of
// arguments, refer only to ids of the request, and do not refer to themselves, directly or
// not; and at least one query returns data. The error wraps ErrInvalidQuery.
func Validate(queries []Query) error {
	_, err := prepare(queries)
	return err
}

// prepare validates the queries and parses their expressions.
func prepare(queries []Query) (*evaluator, error) {
	e := &evaluator{queries: queries, byID: make(map[string]int, len(queries)),
		parsed: make([]node, len(queries)), values: make([]*value, len(queries))}
	if len(queries) == 0 {
		return nil, invalid("no metric data queries")
	}
	returned := 0
	for i, q := range queries {
		if !validID(q.ID) {
			return nil, invalid("the Id %q is not valid: it must start with a lower-case letter and hold only letters, digits and underscores", q.ID)
		}
		if _, dup := e.byID[q.ID]; dup {
			return nil, invalid("the Id %q is used by more than one query", q.ID)
		}
		e.byID[q.ID] = i
		if q.ReturnData {
			returned++
		}
		switch {
		case (q.MetricStat == nil) == (q.Expression == ""):
			return nil, invalid("the query %s must have exactly one of MetricStat and Expression", q.ID)
		case q.MetricStat != nil:
			ms := q.MetricStat
			if ms.Period <= 0 {
				return nil, invalid("the query %s has an invalid period %v", q.ID, ms.Period)
			}
			if !ms.Stat.Valid() {
				return nil, invalid("the query %s has an invalid statistic %q", q.ID, ms.Stat)
			}
		default:
			n, err := parseExpression(q.Expression)
			if err != nil {
				return nil, invalid("the expression of query %s is not valid: %v", q.ID, err)
			}
			e.parsed[i] = n
		}
	}
	if returned == 0 {
		return nil, invalid("no query has ReturnData set")
	}
	for i, n := range e.parsed {
		if n != nil {
			if err := e.check(i, n); err != nil {
				return nil, invalid("the expression of query %s is not valid: %v", queries[i].ID, err)
			}
		}
	}
	// Cycles: depth-first over the references.
	state := make([]uint8, len(queries)) // 0 new, 1 in progress, 2 done
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return invalid("the expression of query %s refers to itself through a cycle", queries[i].ID)
		case 2:
			return nil
		}
		state[i] = 1
		for _, ref := range refs(e.parsed[i], nil) {
			if err := visit(e.byID[ref]); err != nil {
				return err
			}
		}
		state[i] = 2
		return nil
	}
	for i := range queries {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidQuery, fmt.Sprintf(format, args...))
}

func validID(id string) bool {
	if id == "" || len(id) > 255 || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// check validates the ids and calls of an expression.
func (e *evaluator) check(self int, n node) error {
	switch n := n.(type) {
	case *strNode:
		return evalError(n, "a string is only allowed as the argument of METRICS")
	case *kwNode:
		return evalError(n, "REPEAT and LINEAR are only allowed as the second argument of FILL")
	case *idNode:
		if _, ok := e.byID[n.name]; !ok {
			return evalError(n, "unknown id %q", n.name)
		}
		if n.name == e.queries[self].ID {
			return evalError(n, "the expression refers to its own id %q", n.name)
		}
	case *unaryNode:
		return e.check(self, n.x)
	case *binNode:
		if err := e.check(self, n.l); err != nil {
			return err
		}
		return e.check(self, n.r)
	case *listNode:
		for _, it := range n.items {
			if err := e.check(self, it); err != nil {
				return err
			}
		}
	case *callNode:
		lo, hi, ok := functionArity(n.name)
		if !ok {
			return evalError(n, "unknown function %s", n.name)
		}
		if len(n.args) < lo || len(n.args) > hi {
			if lo == hi {
				return evalError(n, "%s takes %d argument(s), not %d", n.name, lo, len(n.args))
			}
			return evalError(n, "%s takes %d to %d arguments, not %d", n.name, lo, hi, len(n.args))
		}
		for i, a := range n.args {
			switch a.(type) {
			case *strNode:
				if n.name != "METRICS" {
					return evalError(a, "a string is only allowed as the argument of METRICS")
				}
				continue
			case *kwNode:
				if n.name != "FILL" || i != 1 {
					return evalError(a, "REPEAT and LINEAR are only allowed as the second argument of FILL")
				}
				continue
			}
			if n.name == "METRICS" {
				return evalError(a, "METRICS takes a string")
			}
			if err := e.check(self, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// refs appends the ids n refers to (METRICS() refers to MetricStat queries, which refer to
// nothing, so it cannot make a cycle).
func refs(n node, out []string) []string {
	switch n := n.(type) {
	case *idNode:
		out = append(out, n.name)
	case *unaryNode:
		out = refs(n.x, out)
	case *binNode:
		out = refs(n.r, refs(n.l, out))
	case *listNode:
		for _, it := range n.items {
			out = refs(it, out)
		}
	case *callNode:
		for _, a := range n.args {
			out = refs(a, out)
		}
	}
	return out
}

// valueOf evaluates the query id once.
func (e *evaluator) valueOf(id string) (*value, error) {
	i := e.byID[id]
	if v := e.values[i]; v != nil {
		return v, nil
	}
	q := &e.queries[i]
	var v *value
	if q.MetricStat != nil {
		s := e.fetch(q.MetricStat)
		s.label = q.Label
		if s.label == "" {
			s.label = q.MetricStat.Metric.MetricName
		}
		v = single(s)
	} else {
		var err error
		if v, err = e.eval(i, e.parsed[i]); err != nil {
			return nil, invalid("the expression of query %s cannot be evaluated: %v", q.ID, err)
		}
	}
	e.values[i] = v
	return v, nil
}

// Query answers GetMetricData: the results of the queries with ReturnData, in request order.
// The request is checked as Validate does. Series arithmetic keeps the timestamps present in
// both operands; non-finite values (division by zero) are dropped.
//
// Labels default to the metric name for MetricStat queries and to the Id for expressions.
// An expression that yields an array of series returns one Result per series, all with the
// query's Id, labelled by the query's Label or else by each series' own label. An expression
// that yields a scalar returns it at every timestamp of the request's MetricStat queries.
func (m *Memory) Query(scope autoscaling.Scope, queries []Query, from, to time.Time) ([]Result, error) {
	e, err := prepare(queries)
	if err != nil {
		return nil, err
	}
	e.from, e.to = from, to
	e.fetch = func(ms *MetricStat) *tseries {
		s := &tseries{period: int64(ms.Period)}
		for _, d := range m.Datapoints(scope, *ms, from, to) {
			s.push(d.Start.UnixNano(), d.Value)
		}
		return s
	}
	var out []Result
	for i := range queries {
		q := &queries[i]
		if !q.ReturnData {
			continue
		}
		v, err := e.valueOf(q.ID)
		if err != nil {
			return nil, err
		}
		switch v.kind {
		case kindScalar:
			out = append(out, e.scalarResult(q, v.num))
		default:
			for _, s := range v.series {
				r := toResult(q, s)
				if v.kind == kindArray && q.Label == "" && s.label != "" {
					r.Label = s.label
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func defaultLabel(q *Query) string {
	switch {
	case q.Label != "":
		return q.Label
	case q.MetricStat != nil:
		return q.MetricStat.Metric.MetricName
	}
	return q.ID
}

func toResult(q *Query, s *tseries) Result {
	r := Result{ID: q.ID, Label: defaultLabel(q), StatusCode: StatusComplete,
		Timestamps: make([]time.Time, len(s.t)), Values: make([]float64, len(s.v))}
	for i, t := range s.t {
		r.Timestamps[i] = time.Unix(0, t).UTC()
	}
	copy(r.Values, s.v)
	return r
}

// scalarResult spreads a scalar over the timestamps of the MetricStat queries.
func (e *evaluator) scalarResult(q *Query, v float64) Result {
	var stamps []*tseries
	for i := range e.queries {
		if e.queries[i].MetricStat != nil {
			mv, _ := e.valueOf(e.queries[i].ID) // MetricStat queries cannot fail
			stamps = append(stamps, mv.series...)
		}
	}
	u := reduce("SUM", array(stamps)).one()
	s := &tseries{}
	if finite(v) {
		for _, t := range u.t {
			s.push(t, v)
		}
	}
	return toResult(q, s)
}

// ErrNotSingle is wrapped (with ErrInvalidQuery) by QueryOne when the queries do not yield
// exactly one series.
var ErrNotSingle = errors.New("the queries must return exactly one time series")

// QueryOne runs queries that must return exactly one series, as target tracking with a
// customized metric math specification needs: one query with ReturnData whose result is one
// series (a scalar counts as one series).
func QueryOne(s Store, scope autoscaling.Scope, queries []Query, from, to time.Time) (Result, error) {
	returned := 0
	for _, q := range queries {
		if q.ReturnData {
			returned++
		}
	}
	if returned > 1 {
		return Result{}, fmt.Errorf("%w: %w: %d queries have ReturnData set", ErrInvalidQuery, ErrNotSingle, returned)
	}
	rs, err := s.Query(scope, queries, from, to)
	if err != nil {
		return Result{}, err
	}
	if len(rs) != 1 {
		return Result{}, fmt.Errorf("%w: %w: the query returned %d series", ErrInvalidQuery, ErrNotSingle, len(rs))
	}
	return rs[0], nil
}
