// Package alarm evaluates CloudWatch metric alarms over datapoints, as CloudWatch does: periods,
// M out of N datapoints, missing-data treatment, comparison operators, and the OK / ALARM /
// INSUFFICIENT_DATA state machine. It is pure: time and data come in, a state and its reason go
// out.
//
// # Sources
//
// The rules follow the Amazon CloudWatch User Guide, "Using Amazon CloudWatch alarms"
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html),
// sections "Evaluating an alarm", "Configuring how CloudWatch alarms treat missing data", "How
// alarm state is evaluated when data is missing" and "Avoiding premature transitions to alarm
// state", and the PutMetricAlarm API reference for the configuration limits. The tables of the
// missing-data section are reproduced row by row in the tests (docs_table_test.go), from the guide
// as published in 2023 and from its earlier revision, whose extra rows are still consistent with
// the current prose.
//
// # Periods
//
// A datapoint is the statistic of one period, keyed by the period's start. Periods are aligned to
// multiples of Period since the Unix epoch, and a period [s, s+Period) is evaluated once it is
// complete, that is once now >= s+Period. For 60-second periods (every target-tracking alarm) this
// is exactly CloudWatch's grid. For longer periods CloudWatch slides its windows every minute
// instead ("at the end of minute 6, the alarm is evaluated based on the data from minutes 2 to
// 6"); this package keeps the epoch grid so that datapoints can be aggregated once and shared, and
// such alarms therefore change state only at period boundaries.
//
// # Evaluation range and missing data
//
// CloudWatch retrieves more periods than EvaluationPeriods (N), the evaluation range, and then:
//
//   - if at least N datapoints are present in the range, the N most recent present datapoints are
//     evaluated, however far back they are, and TreatMissingData plays no part;
//   - otherwise every present datapoint in the range is evaluated together with N-present missing
//     ones (the most recent missing periods), which TreatMissingData decides:
//     breaching and notBreaching fill them in as breaching or not breaching;
//     missing and ignore leave them unknown: the alarm goes to ALARM if at least M of the present
//     datapoints breach, and to OK if any present datapoint does not breach; when no datapoint is
//     present, missing goes to INSUFFICIENT_DATA and ignore keeps the current state; when the
//     present datapoints all breach but are fewer than M, missing goes to ALARM if the oldest
//     breaching datapoint is at least M periods old ("Avoiding premature transitions to alarm
//     state") and to INSUFFICIENT_DATA otherwise, and ignore keeps the current state.
//
// In every case N datapoints are evaluated, and the alarm is in ALARM only if at least M
// (DatapointsToAlarm) of them breach, with two exceptions that are CloudWatch's own: the
// premature-alarm rule above, and ignore keeping an alarm in ALARM.
//
// AWS does not publish the size of the evaluation range, only that it depends on the period and
// the resolution, and gives 5 periods for N = 3 in its examples. This package uses N+2 by default,
// which reproduces the documented tables; Config.EvaluationRange overrides it.
//
// # Reasons
//
// Result.Reason follows the wording of CloudWatch's StateReason ("Threshold Crossed: 3 out of the
// last 3 datapoints [...] were greater than the threshold (0.7) (minimum 3 datapoints for OK ->
// ALARM transition).", "Insufficient Data: 15 datapoints were unknown.", "... and 2 missing
// datapoints were treated as [Breaching]."), with numbers printed as Java prints doubles (70.0,
// 0.85, 1.0E7) and timestamps as dd/MM/yy HH:mm:ss in UTC. Alarms that leave DatapointsToAlarm
// unset get CloudWatch's older "3 datapoints [...] were greater than the threshold (0.7)." form.
// Result.ReasonData mirrors StateReasonData and encodes to the same JSON.
package alarm
