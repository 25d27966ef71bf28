package cloudwatch

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/autoscaled/autoscaled/internal/alarm"
	"github.com/autoscaled/autoscaled/internal/metrics"
)

// Wire shapes shared by several operations. Field names are the model's member names.

type wireDimension struct {
	Name  *string
	Value *string
}

type wireMetric struct {
	Namespace  *string
	MetricName *string
	Dimensions []wireDimension
}

type wireMetricStat struct {
	Metric *wireMetric
	Period *int32
	Stat   *string
	Unit   *string
}

type wireMetricDataQuery struct {
	Id         *string
	MetricStat *wireMetricStat
	Expression *string
	Label      *string
	ReturnData *bool
	Period     *int32
	AccountId  *string
}

// standardUnits are the StandardUnit values.
var standardUnits = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
	"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

func checkUnit(param string, u *string) error {
	if u != nil && !slices.Contains(standardUnits, *u) {
		return invalidValue(param, *u)
	}
	return nil
}

// unitOf is the store's unit of an optional wire unit ("" is None).
func unitOf(u *string) string {
	if u == nil || *u == "None" {
		return ""
	}
	return *u
}

func checkLen(param string, s *string, lo, hi int) error {
	if s == nil {
		return nil
	}
	if n := len([]rune(*s)); n < lo || n > hi {
		return invalidValue(param, *s)
	}
	return nil
}

func checkNamespace(param string, ns *string) error {
	if err := checkLen(param, ns, 1, 255); err != nil {
		return err
	}
	if ns != nil && strings.HasPrefix(*ns, ":") {
		return invalidValue(param, *ns)
	}
	// Deliberate difference from AWS: CloudWatch rejects PutMetricData into namespaces that
	// start with "AWS/"; autoscaled accepts them so that users can drive the emulated AWS
	// resources (their AWS/... metrics) with pushed load.
	return nil
}

// dimensions validates and converts wire dimensions (at most max of them; a dimension filter
// may leave out the value when filter is set).
func dimensions(param string, in []wireDimension, max int, filter bool) ([]metrics.Dimension, error) {
	if len(in) > max {
		return nil, errf(CodeInvalidParameterValue, "The collection %s must not have a size greater than %d.", param, max)
	}
	out := make([]metrics.Dimension, 0, len(in))
	seen := map[string]bool{}
	for i, d := range in {
		p := fmt.Sprintf("%s.member.%d", param, i+1)
		if d.Name == nil {
			return nil, missing(p + ".Name")
		}
		if err := checkLen(p+".Name", d.Name, 1, 255); err != nil {
			return nil, err
		}
		if d.Value == nil && !filter {
			return nil, missing(p + ".Value")
		}
		if err := checkLen(p+".Value", d.Value, 1, 1024); err != nil {
			return nil, err
		}
		if seen[*d.Name] && !filter {
			return nil, errf(CodeInvalidParameterValue, "No metric may have duplicate dimension names: %s.", *d.Name)
		}
		seen[*d.Name] = true
		out = append(out, metrics.Dimension{Name: *d.Name, Value: valueOf(d.Value)})
	}
	return out, nil
}

func wireDimensions(in []metrics.Dimension) []wireDimension {
	out := make([]wireDimension, 0, len(in))
	for _, d := range in {
		out = append(out, wireDimension{Name: ptrTo(d.Name), Value: ptrTo(d.Value)})
	}
	return out
}

func wireMetricOf(m metrics.Metric) *wireMetric {
	return &wireMetric{Namespace: ptrTo(m.Namespace), MetricName: ptrTo(m.MetricName), Dimensions: wireDimensions(m.Dimensions)}
}

var metricID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// validPeriod is CloudWatch's rule for periods: 1, 5, 10, 20 or 30 seconds (high resolution)
// or a multiple of 60.
func validPeriod(p int32) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p > 0 && p%60 == 0
}

// queries validates and converts MetricDataQueries (GetMetricData, and PutMetricAlarm's
// Metrics). ReturnData defaults to true.
func queries(param string, in []wireMetricDataQuery) ([]metrics.Query, error) {
	if len(in) == 0 {
		return nil, missing(param)
	}
	if len(in) > 500 {
		return nil, errf(CodeInvalidParameterValue, "The collection %s must not have a size greater than 500.", param)
	}
	out := make([]metrics.Query, 0, len(in))
	ids := map[string]bool{}
	for i, q := range in {
		p := fmt.Sprintf("%s.member.%d", param, i+1)
		if q.Id == nil {
			return nil, missing(p + ".Id")
		}
		if len(*q.Id) > 255 || !metricID.MatchString(*q.Id) {
			return nil, errf(CodeInvalidParameterValue, "The value %s for parameter %s.Id is invalid. Ids must start with a lowercase letter and contain only letters, numbers and underscores.", *q.Id, p)
		}
		if ids[*q.Id] {
			return nil, errf(CodeInvalidParameterValue, "The value %s for parameter %s.Id is not unique.", *q.Id, p)
		}
		ids[*q.Id] = true
		mq := metrics.Query{ID: *q.Id, Label: valueOf(q.Label), ReturnData: q.ReturnData == nil || *q.ReturnData}
		if q.Period != nil {
			if *q.Period < 1 {
				return nil, invalidValue(p+".Period", *q.Period)
			}
			mq.Period = time.Duration(*q.Period) * time.Second
		}
		switch {
		case q.MetricStat != nil && q.Expression != nil:
			return nil, exclusive(p+".MetricStat", p+".Expression")
		case q.MetricStat == nil && q.Expression == nil:
			return nil, errf(CodeInvalidParameterCombination, "Exactly one of %s.MetricStat and %s.Expression must be specified.", p, p)
		case q.Expression != nil:
			if err := checkLen(p+".Expression", q.Expression, 1, 2048); err != nil {
				return nil, err
			}
			mq.Expression = *q.Expression
		default:
			ms, err := metricStat(p+".MetricStat", q.MetricStat)
			if err != nil {
				return nil, err
			}
			mq.MetricStat = ms
		}
		out = append(out, mq)
	}
	return out, nil
}

func metricStat(p string, in *wireMetricStat) (*metrics.MetricStat, error) {
	if in.Metric == nil {
		return nil, missing(p + ".Metric")
	}
	if in.Metric.MetricName == nil {
		return nil, missing(p + ".Metric.MetricName")
	}
	if in.Metric.Namespace == nil {
		return nil, missing(p + ".Metric.Namespace")
	}
	if err := checkNamespace(p+".Metric.Namespace", in.Metric.Namespace); err != nil {
		return nil, err
	}
	if err := checkLen(p+".Metric.MetricName", in.Metric.MetricName, 1, 255); err != nil {
		return nil, err
	}
	dims, err := dimensions(p+".Metric.Dimensions", in.Metric.Dimensions, 30, false)
	if err != nil {
		return nil, err
	}
	if in.Period == nil {
		return nil, missing(p + ".Period")
	}
	if !validPeriod(*in.Period) {
		return nil, errf(CodeInvalidParameterValue, "The value %d for parameter %s.Period is invalid. The period must be 1, 5, 10, 20, 30, or a multiple of 60 seconds.", *in.Period, p)
	}
	if in.Stat == nil {
		return nil, missing(p + ".Stat")
	}
	if !alarm.Statistic(*in.Stat).Valid() {
		return nil, invalidValue(p+".Stat", *in.Stat)
	}
	if err := checkUnit(p+".Unit", in.Unit); err != nil {
		return nil, err
	}
	return &metrics.MetricStat{
		Metric: metrics.Metric{Namespace: *in.Metric.Namespace, MetricName: *in.Metric.MetricName, Dimensions: dims},
		Period: time.Duration(*in.Period) * time.Second,
		Stat:   alarm.Statistic(*in.Stat),
		Unit:   unitOf(in.Unit),
	}, nil
}

func wireQueries(in []metrics.Query) []wireMetricDataQuery {
	out := make([]wireMetricDataQuery, 0, len(in))
	for _, q := range in {
		w := wireMetricDataQuery{Id: ptrTo(q.ID), ReturnData: ptrTo(q.ReturnData)}
		if q.Label != "" {
			w.Label = ptrTo(q.Label)
		}
		if q.Expression != "" {
			w.Expression = ptrTo(q.Expression)
		}
		if q.Period > 0 {
			w.Period = ptrTo(int32(q.Period / time.Second))
		}
		if ms := q.MetricStat; ms != nil {
			w.MetricStat = &wireMetricStat{Metric: wireMetricOf(ms.Metric), Period: ptrTo(int32(ms.Period / time.Second)), Stat: ptrTo(string(ms.Stat))}
			if ms.Unit != "" {
				w.MetricStat.Unit = ptrTo(ms.Unit)
			}
		}
		out = append(out, w)
	}
	return out
}

// finite reports whether v is a value CloudWatch stores: finite and, in magnitude, zero or
// between 2^-360 and 2^360.
func finite(v float64) bool {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return false
	}
	a := math.Abs(v)
	return a == 0 || (a <= math.Ldexp(1, 360) && a >= math.Ldexp(1, -360))
}

// Pagination tokens are opaque to clients: base64 of a small JSON document.
type pageToken struct {
	After  string `json:"a,omitempty"`
	Offset int    `json:"o,omitempty"`
}

func encodeToken(t pageToken) *string {
	b, _ := json.Marshal(t)
	return ptrTo(base64.RawURLEncoding.EncodeToString(b))
}

func decodeToken(s *string) (pageToken, error) {
	var t pageToken
	if s == nil || *s == "" {
		return t, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Offset < 0 {
		return t, errf(CodeInvalidNextToken, "The service couldn't process the NextToken %q.", *s)
	}
	return t, nil
}

// maxRecords validates an optional MaxRecords (1..100).
func maxRecords(p *int32, def int) (int, error) {
	if p == nil {
		return def, nil
	}
	if *p < 1 || *p > 100 {
		return 0, invalidValue("MaxRecords", *p)
	}
	return int(*p), nil
}
