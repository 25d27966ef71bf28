package alarm

import (
	"math"
	"time"
)

// Datapoint is one aggregated value of one period (the statistic already applied), keyed by the
// period's start.
type Datapoint struct {
	Start time.Time
	Value float64
	// SampleCount, optional, is how many samples the value aggregates; it is only reported in
	// ReasonData, and omitted there when zero.
	SampleCount float64
}

// Result is the outcome of one evaluation. Its reason is formatted only when asked for, by the
// Reason and ReasonData methods: an alarm that keeps its state needs none (CloudWatch leaves the
// StateReason of such an alarm as it was, see Changed), and formatting the 15 datapoints of a
// reason costs several times the evaluation itself.
type Result struct {
	// State is the state the alarm is in after the evaluation.
	State State
	// Breaching is how many of the evaluated datapoints breach, counting missing ones filled in as
	// breaching.
	Breaching int
	// Evaluated is how many datapoints were evaluated: EvaluationPeriods.
	Evaluated int
	// Missing is how many of the evaluated datapoints were missing: filled in (breaching,
	// notBreaching) or left unknown (missing, ignore).
	Missing int

	// What Reason and ReasonData are made of.
	prev                State
	kind                reasonKind
	real, realBreaching int
	m                   int
	legacy              bool // DatapointsToAlarm unset
	treatBreaching      bool
	period              int64 // seconds
	threshold           float64
	op                  ComparisonOperator
	statistic           Statistic
	now                 time.Time
	// The evaluated datapoints, newest first: the first npoints of inline, or more when they do
	// not fit (so that the usual alarms need no allocation).
	npoints int
	inline  [inlinePoints]evaluatedPoint
	more    []evaluatedPoint
}

// inlinePoints is how many evaluated datapoints a Result holds without allocating: enough for the
// alarms of target tracking (3 and 15 evaluation periods).
const inlinePoints = 16

// evaluated returns the evaluated datapoints, newest first.
func (r *Result) evaluated() []evaluatedPoint {
	if r.more != nil {
		return r.more
	}
	return r.inline[:r.npoints]
}

// Changed reports whether the evaluation moved the alarm out of the state it was given (with ""
// or an unknown state counting as INSUFFICIENT_DATA): whether CloudWatch would record a state
// transition, with Reason and ReasonData as its new StateReason and StateReasonData.
func (r Result) Changed() bool { return r.State != r.prev }

// evaluatedPoint is one evaluated period of a Result.
type evaluatedPoint struct {
	start              int64 // Unix seconds
	value, sampleCount float64
	present, breaching bool
}

// stackSlots is how many periods Evaluate handles without allocating its working space.
const stackSlots = 64

// slot is one period of the evaluation range.
type slot struct {
	value, sampleCount float64
	present            bool
	breaching          bool // present and breaching
	// evaluated marks the periods taken into the evaluation: a present datapoint or a missing one.
	evaluated bool
}

// Evaluate decides the alarm's state at now from the datapoints of the evaluation range, given
// the previous state prev ("" counts as INSUFFICIENT_DATA, the state of a new alarm).
//
// Periods are aligned to multiples of cfg.Period since the Unix epoch; the newest period that is
// complete at now is the last one evaluated (a period [s, s+Period) is complete once
// now >= s+Period). Datapoints are placed in the period that contains their Start; those outside
// the evaluation range (cfg.Range() periods ending with the newest complete one), in incomplete
// periods, or with a NaN value are ignored, and of several datapoints in one period the last one in
// points counts. points need not be sorted.
//
// The missing-data rules are those of the package documentation. cfg should satisfy Validate;
// when its period or number of evaluation periods cannot be used at all, the result is
// INSUFFICIENT_DATA with a reason that says so.
//
// Evaluate does not allocate for alarms of up to 16 evaluation periods (evaluation range up to 64);
// beyond, it allocates its working space and a copy of the evaluated datapoints for the reason.
func Evaluate(cfg Config, prev State, points []Datapoint, now time.Time) Result {
	if !prev.Valid() {
		prev = StateInsufficientData
	}
	n := cfg.EvaluationPeriods
	if n < 1 || cfg.Period < time.Second || cfg.Period%time.Second != 0 {
		return Result{State: StateInsufficientData, prev: prev, kind: reasonInvalid, now: now}
	}
	m := cfg.EffectiveDatapointsToAlarm()
	r := cfg.Range()
	psec := int64(cfg.Period / time.Second)
	treat := cfg.TreatMissingData.normalized()

	var stack [stackSlots]slot
	var slots []slot
	if r <= stackSlots {
		slots = stack[:r]
	} else {
		slots = make([]slot, r)
	}

	// Index of the newest complete period, and the ages (0 = newest) of the points' periods.
	last := floorDiv(now.Unix(), psec) - 1
	for i := range points {
		p := &points[i]
		if math.IsNaN(p.Value) {
			continue
		}
		age := last - floorDiv(p.Start.Unix(), psec)
		if age < 0 || age >= int64(r) {
			continue
		}
		slots[age] = slot{value: p.Value, sampleCount: p.SampleCount, present: true}
	}

	present := 0
	for i := range slots {
		if slots[i].present {
			present++
		}
	}

	e := evaluation{m: m}
	var state State
	if present >= n {
		// Enough real datapoints: the N most recent ones, however far back; missing data plays
		// no part.
		taken := 0
		for i := range slots {
			if taken == n {
				break
			}
			if s := &slots[i]; s.present {
				s.evaluated = true
				taken++
				e.real++
				if cfg.Comparison.Breaches(s.value, cfg.Threshold) {
					s.breaching = true
					e.realBreaching++
				}
			}
		}
		state = e.decide(e.realBreaching)
		e.kind = reasonThreshold
	} else {
		// Every real datapoint of the range, and as few missing ones as needed: the most recent.
		fill := n - present
		oldestBreaching := -1
		for i := range slots {
			s := &slots[i]
			switch {
			case s.present:
				s.evaluated = true
				e.real++
				if cfg.Comparison.Breaches(s.value, cfg.Threshold) {
					s.breaching = true
					e.realBreaching++
					oldestBreaching = i
				}
			case fill > 0:
				s.evaluated = true
				fill--
				e.missing++
			}
		}
		switch treat {
		case TreatBreaching:
			e.filledBreaching = e.missing
			state = e.decide(e.realBreaching + e.missing)
			e.kind = reasonFilled
		case TreatNotBreaching:
			state = e.decide(e.realBreaching)
			e.kind = reasonFilled
		default: // missing, ignore: missing datapoints stay unknown.
			switch {
			case e.realBreaching >= m:
				state = StateAlarm
				e.kind = reasonThreshold
			case e.real > e.realBreaching:
				state = StateOK
				e.kind = reasonThreshold
			case treat == TreatIgnore:
				state = prev
				e.kind = reasonRetained
			case e.real > 0 && oldestBreaching+1 >= m:
				// "Avoiding premature transitions to alarm state": every datapoint of the range
				// breaches, fewer than M of them, but the oldest is at least M periods old.
				state = StateAlarm
				e.kind = reasonThreshold
			default:
				state = StateInsufficientData
				e.kind = reasonInsufficient
			}
		}
	}

	res := Result{
		State:          state,
		Breaching:      e.realBreaching + e.filledBreaching,
		Evaluated:      e.real + e.missing,
		Missing:        e.missing,
		prev:           prev,
		kind:           e.kind,
		real:           e.real,
		realBreaching:  e.realBreaching,
		m:              m,
		legacy:         cfg.DatapointsToAlarm <= 0,
		treatBreaching: treat == TreatBreaching,
		period:         psec,
		threshold:      cfg.Threshold,
		op:             cfg.Comparison,
		statistic:      cfg.Statistic,
		now:            now,
	}
	// Keep the evaluated datapoints, newest first, for the reason.
	res.npoints = e.real + e.missing
	if res.npoints <= inlinePoints {
		keepEvaluated(res.inline[:res.npoints], slots, last, psec)
	} else {
		res.more = make([]evaluatedPoint, res.npoints)
		keepEvaluated(res.more, slots, last, psec)
	}
	return res
}

// keepEvaluated copies the evaluated slots into dst, which has room for exactly them.
func keepEvaluated(dst []evaluatedPoint, slots []slot, last, psec int64) {
	i := 0
	for age := range slots {
		if s := &slots[age]; s.evaluated {
			dst[i] = evaluatedPoint{
				start: (last - int64(age)) * psec, value: s.value, sampleCount: s.sampleCount,
				present: s.present, breaching: s.breaching,
			}
			i++
		}
	}
}

// reasonKind selects the wording of the reason.
type reasonKind uint8

const (
	reasonThreshold    reasonKind = iota // Threshold Crossed: k (out of the last N) datapoints [...]
	reasonFilled                         // ... and k missing datapoints were treated as [...]
	reasonInsufficient                   // Insufficient Data: k datapoints were unknown.
	reasonRetained                       // ignore kept the state
	reasonInvalid                        // the configuration cannot be evaluated
)

// evaluation is the working state of one Evaluate call.
type evaluation struct {
	m                   int
	real, realBreaching int
	missing             int
	filledBreaching     int
	kind                reasonKind
}

func (e *evaluation) decide(breaching int) State {
	if breaching >= e.m {
		return StateAlarm
	}
	return StateOK
}

// floorDiv is a / b rounded towards negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
