package alarm

import (
	"fmt"
	"testing"
	"time"
)

// retain stands for "Retain current state" in the guide's tables.
const retain State = "retain"

// docRow is one row of a table of the CloudWatch User Guide: the datapoints of the evaluation
// range (oldest first; 0 not breaching, X breaching, - missing) and the state for each
// TreatMissingData.
type docRow struct {
	data                                     string
	missing, ignore, breaching, notBreaching State
}

// TestDocumentedMissingDataTables replays, row by row, the tables of the Amazon CloudWatch User
// Guide, "Using Amazon CloudWatch alarms" > "Configuring how CloudWatch alarms treat missing data" >
// "How alarm state is evaluated when data is missing"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data,
// as in awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md, May 2023). In
// both tables the period is 5 minutes, Evaluation Periods is 3 and the evaluation range is 5
// datapoints; Datapoints to Alarm is 3 in the first and 2 in the second. Rows 5 of both tables are
// the "premature alarm state" case of "Avoiding premature transitions to alarm state".
//
// The earlier revision of the same section (before 2021) had rows that the current one dropped;
// they agree with the current prose ("the alarm does not go immediately into ALARM state when the
// data is either - - - - X or - - - X -", and ALARM "when the oldest available breaching datapoint
// ... is at least as old as the value of Datapoints to Alarm") and are replayed too.
func TestDocumentedMissingDataTables(t *testing.T) {
	tables := []struct {
		name string
		m    int
		rows []docRow
	}{
		{"3 of 3 (current guide, first table)", 3, []docRow{
			{"0 - X - X", StateOK, StateOK, StateOK, StateOK},                 // row 1: 0 to fill in
			{"0 - - - -", StateOK, StateOK, StateOK, StateOK},                 // row 2: 2 to fill in
			{"- - - - -", StateInsufficientData, retain, StateAlarm, StateOK}, // row 3: 3 to fill in
			{"0 X X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},     // row 4: 0 to fill in
			{"- - X - -", StateAlarm, retain, StateAlarm, StateOK},            // row 5: 2 to fill in, premature alarm
		}},
		{"2 of 3 (current guide, second table)", 2, []docRow{
			{"0 - X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm}, // row 1
			{"0 0 X 0 X", StateAlarm, StateAlarm, StateAlarm, StateAlarm}, // row 2
			{"0 - X - -", StateOK, StateOK, StateAlarm, StateOK},          // row 3
			{"- - - - 0", StateOK, StateOK, StateAlarm, StateOK},          // row 4
			{"- - - X -", StateAlarm, retain, StateAlarm, StateOK},        // row 5: premature alarm
		}},
		{"3 of 3 (earlier guide, first table)", 3, []docRow{
			{"0 - X - X", StateOK, StateOK, StateOK, StateOK},
			{"0 - - - -", StateOK, StateOK, StateOK, StateOK},
			{"- - - - -", StateInsufficientData, retain, StateAlarm, StateOK},
			{"0 X X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"- - - - X", StateInsufficientData, retain, StateAlarm, StateOK},
			{"X - - - -", StateAlarm, retain, StateAlarm, StateOK},
		}},
		{"2 of 3 (earlier guide, second table)", 2, []docRow{
			{"0 - X - X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 0 X 0 X", StateAlarm, StateAlarm, StateAlarm, StateAlarm},
			{"0 - X - -", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - - 0", StateOK, StateOK, StateAlarm, StateOK},
			{"- - - - X", StateInsufficientData, retain, StateAlarm, StateOK},
		}},
	}
	for _, table := range tables {
		cfg := Config{
			Period:            5 * time.Minute,
			EvaluationPeriods: 3,
			DatapointsToAlarm: table.m,
			Threshold:         1,
			Comparison:        GreaterThanThreshold,
			EvaluationRange:   5,
		}
		if cfg.Range() != (Config{EvaluationPeriods: 3}).Range() {
			t.Fatalf("the default evaluation range for N=3 is %d, the guide's is 5", (Config{EvaluationPeriods: 3}).Range())
		}
		for _, row := range table.rows {
			for _, treat := range []struct {
				treat TreatMissingData
				want  State
			}{
				{TreatMissing, row.missing},
				{"", row.missing},
				{TreatIgnore, row.ignore},
				{TreatBreaching, row.breaching},
				{TreatNotBreaching, row.notBreaching},
			} {
				for _, prev := range allStates {
					name := fmt.Sprintf("%s/%s/%s/from %s", table.name, row.data, treat.treat, prev)
					t.Run(name, func(t *testing.T) {
						c := cfg
						c.TreatMissingData = treat.treat
						now := at(37 * time.Second)
						got := Evaluate(c, prev, pattern(t, row.data, c.Period, now, 0, 2), now)
						want := treat.want
						if want == retain {
							want = prev
						}
						if got.State != want {
							t.Errorf("state %s, want %s (reason %q)", got.State, want, got.Reason())
						}
						if got.Evaluated != 3 {
							t.Errorf("evaluated %d datapoints, want 3", got.Evaluated)
						}
					})
				}
			}
		}
	}
}

// TestDocumentedRow2NextEvaluation follows the guide's remark on row 2 of the first table: with
// missing data treated as breaching the alarm stays OK, and "the next time this alarm is
// evaluated, if the data is still missing it will go to ALARM, as that non-breaching data point
// will no longer be in the evaluation range".
func TestDocumentedRow2NextEvaluation(t *testing.T) {
	cfg := Config{Period: 5 * time.Minute, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 1,
		Comparison: GreaterThanThreshold, TreatMissingData: TreatBreaching}
	now := at(0)
	points := pattern(t, "0 - - - -", cfg.Period, now, 0, 2)
	if got := Evaluate(cfg, StateOK, points, now); got.State != StateOK {
		t.Fatalf("first evaluation: %s (%s), want OK", got.State, got.Reason())
	}
	next := now.Add(cfg.Period)
	if got := Evaluate(cfg, StateOK, points, next); got.State != StateAlarm {
		t.Fatalf("next evaluation: %s (%s), want ALARM", got.State, got.Reason())
	}
}
