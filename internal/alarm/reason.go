package alarm

import (
	"math"
	"strconv"
	"time"
)

// ReasonData mirrors CloudWatch's StateReasonData, and MarshalJSON encodes it the same way:
//
//	{"version":"1.0","queryDate":"2024-04-16T08:43:36.958+0000","startDate":"2024-04-16T08:42:00.000+0000",
//	 "statistic":"Average","period":60,"recentDatapoints":[161.0],"threshold":150.0,
//	 "evaluatedDatapoints":[{"timestamp":"2024-04-16T08:42:00.000+0000","sampleCount":3.0,"value":161.0}]}
type ReasonData struct {
	Version   string    // "1.0"
	QueryDate time.Time // when the evaluation ran
	StartDate time.Time // start of the oldest evaluated datapoint that was present; zero (omitted) if none
	Statistic Statistic // omitted when empty
	Period    int       // seconds
	// RecentDatapoints are the values of the evaluated datapoints that were present, oldest first.
	RecentDatapoints []float64
	Threshold        float64
	// EvaluatedDatapoints are the evaluated datapoints, newest first; missing ones have no value.
	EvaluatedDatapoints []EvaluatedDatapoint
}

// EvaluatedDatapoint is one evaluated period of ReasonData.
type EvaluatedDatapoint struct {
	Timestamp   time.Time // start of the period
	SampleCount float64   // omitted when zero
	Value       float64   // omitted when Missing
	Missing     bool      // the period had no datapoint (it was filled in or left unknown)
}

// MarshalJSON encodes d as CloudWatch encodes StateReasonData: field order and names, timestamps
// as 2006-01-02T15:04:05.000+0000 in UTC, numbers as Java doubles (161.0).
func (d ReasonData) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 160+24*len(d.RecentDatapoints)+80*len(d.EvaluatedDatapoints))
	b = append(b, `{"version":`...)
	b = strconv.AppendQuote(b, d.Version)
	b = append(b, `,"queryDate":"`...)
	b = appendISOTime(b, d.QueryDate)
	b = append(b, '"')
	if !d.StartDate.IsZero() {
		b = append(b, `,"startDate":"`...)
		b = appendISOTime(b, d.StartDate)
		b = append(b, '"')
	}
	if d.Statistic != "" {
		b = append(b, `,"statistic":`...)
		b = strconv.AppendQuote(b, string(d.Statistic))
	}
	b = append(b, `,"period":`...)
	b = strconv.AppendInt(b, int64(d.Period), 10)
	b = append(b, `,"recentDatapoints":[`...)
	for i, v := range d.RecentDatapoints {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONNumber(b, v)
	}
	b = append(b, `],"threshold":`...)
	b = appendJSONNumber(b, d.Threshold)
	if d.EvaluatedDatapoints != nil {
		b = append(b, `,"evaluatedDatapoints":[`...)
		for i, p := range d.EvaluatedDatapoints {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"timestamp":"`...)
			b = appendISOTime(b, p.Timestamp)
			b = append(b, '"')
			if p.SampleCount != 0 {
				b = append(b, `,"sampleCount":`...)
				b = appendJSONNumber(b, p.SampleCount)
			}
			if !p.Missing {
				b = append(b, `,"value":`...)
				b = appendJSONNumber(b, p.Value)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return b, nil
}

// appendJSONNumber appends v as a Java double; JSON has no NaN or infinities, so those become null.
func appendJSONNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return appendJavaDouble(b, v)
}

// ReasonData is the CloudWatch-style StateReasonData of the evaluation.
func (r Result) ReasonData() ReasonData {
	d := ReasonData{
		Version:   "1.0",
		QueryDate: r.now,
		Statistic: r.statistic,
		Period:    int(r.period),
		Threshold: r.threshold,
	}
	if r.kind == reasonInvalid {
		return d
	}
	d.RecentDatapoints = make([]float64, 0, r.real)
	points := r.evaluated()
	d.EvaluatedDatapoints = make([]EvaluatedDatapoint, len(points))
	for i, p := range points {
		d.EvaluatedDatapoints[i] = EvaluatedDatapoint{Timestamp: time.Unix(p.start, 0).UTC(), Missing: !p.present}
		if p.present {
			d.EvaluatedDatapoints[i].Value, d.EvaluatedDatapoints[i].SampleCount = p.value, p.sampleCount
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		if p := points[i]; p.present {
			if len(d.RecentDatapoints) == 0 {
				d.StartDate = time.Unix(p.start, 0).UTC()
			}
			d.RecentDatapoints = append(d.RecentDatapoints, p.value)
		}
	}
	return d
}

func plural(k int, one, many string) string {
	if k == 1 {
		return one
	}
	return many
}

// Reason is the CloudWatch-style StateReason of the evaluation, for example "Threshold Crossed: 3
// out of the last 3 datapoints [0.9 (22/11/26 12:03:00), 0.85 (22/11/26 12:02:00), 0.8
// (22/11/26 12:01:00)] were greater than the threshold (0.7) (minimum 3 datapoints for OK ->
// ALARM transition).".
//
// When missing data is ignored and the alarm keeps its state, CloudWatch writes no new reason;
// Reason then says "Insufficient Data: ..." for INSUFFICIENT_DATA and "Missing data ignored: ..."
// otherwise.
func (r Result) Reason() string {
	var buf [1024]byte
	b := buf[:0]
	n := r.Evaluated
	unknown := n - r.real

	switch r.kind {
	case reasonInvalid:
		return "Invalid alarm configuration: the period must be a whole number of seconds and there must be at least one evaluation period."
	case reasonInsufficient:
		return string(appendUnknown(b, unknown))
	case reasonRetained:
		if r.prev == StateInsufficientData {
			return string(appendUnknown(b, unknown))
		}
		b = append(b, "Missing data ignored: "...)
		b = strconv.AppendInt(b, int64(unknown), 10)
		b = append(b, " out of the last "...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " datapoints were unknown, so the alarm stays in "...)
		b = append(b, r.prev...)
		b = append(b, '.')
		return string(b)
	}

	// The datapoints listed are those that support the new state: breaching ones for ALARM,
	// non-breaching ones for OK.
	alarm := r.State == StateAlarm
	listed := r.real - r.realBreaching
	if alarm {
		listed = r.realBreaching
	}
	b = append(b, "Threshold Crossed: "...)

	if r.kind == reasonFilled {
		switch {
		case r.real == 0:
			b = append(b, "no datapoints were received for "...)
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, plural(n, " period", " periods")...)
		case listed == 0:
			b = strconv.AppendInt(b, int64(r.real), 10)
			b = append(b, plural(r.real, " datapoint was received for ", " datapoints were received for ")...)
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, plural(n, " period", " periods")...)
		default:
			b = strconv.AppendInt(b, int64(listed), 10)
			b = append(b, plural(listed, " datapoint ", " datapoints ")...)
			b = r.appendList(b, alarm)
			b = append(b, plural(listed, " was ", " were ")...)
			b = r.appendComparison(b, alarm)
		}
		b = append(b, " and "...)
		b = strconv.AppendInt(b, int64(r.Missing), 10)
		b = append(b, plural(r.Missing, " missing datapoint was treated as ", " missing datapoints were treated as ")...)
		if r.treatBreaching {
			b = append(b, "[Breaching]."...)
		} else {
			b = append(b, "[NonBreaching]."...)
		}
		return string(b)
	}

	b = strconv.AppendInt(b, int64(listed), 10)
	if r.legacy {
		b = append(b, plural(listed, " datapoint ", " datapoints ")...)
	} else {
		b = append(b, " out of the last "...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, " datapoints "...)
	}
	b = r.appendList(b, alarm)
	b = append(b, plural(listed, " was ", " were ")...)
	b = r.appendComparison(b, alarm)
	if r.legacy {
		b = append(b, '.')
		return string(b)
	}
	min, transition := r.m, " for OK -> ALARM transition)."
	if !alarm {
		min, transition = n-r.m+1, " for ALARM -> OK transition)."
	}
	b = append(b, " (minimum "...)
	b = strconv.AppendInt(b, int64(min), 10)
	b = append(b, plural(min, " datapoint", " datapoints")...)
	b = append(b, transition...)
	return string(b)
}

// appendUnknown appends "Insufficient Data: k datapoints were unknown.".
func appendUnknown(b []byte, k int) []byte {
	b = append(b, "Insufficient Data: "...)
	b = strconv.AppendInt(b, int64(k), 10)
	return append(b, plural(k, " datapoint was unknown.", " datapoints were unknown.")...)
}

// appendList appends [v (dd/MM/yy HH:mm:ss), ...] for the evaluated present datapoints that
// breach (or do not), newest first.
func (r *Result) appendList(b []byte, breaching bool) []byte {
	b = append(b, '[')
	first := true
	for _, p := range r.evaluated() {
		if !p.present || p.breaching != breaching {
			continue
		}
		if !first {
			b = append(b, ", "...)
		}
		first = false
		b = appendJavaDouble(b, p.value)
		b = append(b, " ("...)
		b = appendReasonTime(b, p.start)
		b = append(b, ')')
	}
	return append(b, ']')
}

// appendComparison appends "[not ]greater than the threshold (0.7)".
func (r *Result) appendComparison(b []byte, breaching bool) []byte {
	if !breaching {
		b = append(b, "not "...)
	}
	b = append(b, r.op.phrase()...)
	b = append(b, " the threshold ("...)
	b = appendJavaDouble(b, r.threshold)
	return append(b, ')')
}

// appendJavaDouble appends v as Java's Double.toString prints it: at least one decimal digit
// (70.0), the shortest digits that identify v, and computerized scientific notation (1.0E7,
// 1.0E-4) outside [0.001, 10000000).
func appendJavaDouble(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case math.IsInf(v, 1):
		return append(b, "Infinity"...)
	case math.IsInf(v, -1):
		return append(b, "-Infinity"...)
	case v == 0:
		if math.Signbit(v) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	// Shortest digits d1.d2d3...e±x from strconv, then laid out the Java way.
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], v, 'e', -1, 64)
	ei := 0
	for s[ei] != 'e' {
		ei++
	}
	var digits [24]byte
	nd := 0
	for _, c := range s[:ei] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	exp := 0
	neg := s[ei+1] == '-'
	for _, c := range s[ei+2:] {
		exp = exp*10 + int(c-'0')
	}
	if neg {
		exp = -exp
	}
	if v >= 1e-3 && v < 1e7 {
		if exp >= 0 {
			// Integer part: digits[0..exp], padded with zeros.
			for i := 0; i <= exp; i++ {
				if i < nd {
					b = append(b, digits[i])
				} else {
					b = append(b, '0')
				}
			}
			b = append(b, '.')
			if exp+1 < nd {
				b = append(b, digits[exp+1:nd]...)
			} else {
				b = append(b, '0')
			}
			return b
		}
		b = append(b, '0', '.')
		for i := -1; i > exp; i-- {
			b = append(b, '0')
		}
		return append(b, digits[:nd]...)
	}
	b = append(b, digits[0], '.')
	if nd > 1 {
		b = append(b, digits[1:nd]...)
	} else {
		b = append(b, '0')
	}
	b = append(b, 'E')
	return strconv.AppendInt(b, int64(exp), 10)
}

// appendReasonTime appends the Unix second sec as dd/MM/yy HH:mm:ss in UTC.
func appendReasonTime(b []byte, sec int64) []byte {
	t := time.Unix(sec, 0).UTC()
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	b = append2(b, day)
	b = append(b, '/')
	b = append2(b, int(month))
	b = append(b, '/')
	b = append2(b, ((year%100)+100)%100)
	b = append(b, ' ')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, minute)
	b = append(b, ':')
	return append2(b, second)
}

// appendISOTime appends t as 2006-01-02T15:04:05.000+0000 in UTC.
func appendISOTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000+0000")
	}
	hour, minute, second := t.Clock()
	ms := t.Nanosecond() / 1e6
	b = append2(b, year/100)
	b = append2(b, year%100)
	b = append(b, '-')
	b = append2(b, int(month))
	b = append(b, '-')
	b = append2(b, day)
	b = append(b, 'T')
	b = append2(b, hour)
	b = append(b, ':')
	b = append2(b, minute)
	b = append(b, ':')
	b = append2(b, second)
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10), '+', '0', '0', '0', '0')
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}
