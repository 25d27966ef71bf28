// Package engine_test drives the real server, with the engine running at --time-scale 60,
// through the real aws-sdk-go-v2 Application Auto Scaling and CloudWatch clients: pushed load
// scales an emulated target out and back in through target tracking, a scheduled action
// fires, and everything is visible as AWS shows it (managed alarms, activities, policies).
package engine_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

type clients struct {
	aas *aas.Client
	cw  *cloudwatch.Client
}

func start(t *testing.T) clients {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{TimeScale: 60, EmulatedDelay: 300 * time.Millisecond})
	creds := credentials.NewStaticCredentialsProvider("AKIAEXAMPLE", "secret", "")
	return clients{
		aas: aas.New(aas.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds}),
		cw:  cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds}),
	}
}

const (
	ns  = aastypes.ServiceNamespaceEcs
	rid = "service/demo/web"
	dim = aastypes.ScalableDimensionECSServiceDesiredCount
)

// activities returns the target's activities, oldest first.
func (c clients) activities(ctx context.Context, t *testing.T, notScaled bool) []aastypes.ScalingActivity {
	t.Helper()
	out, err := c.aas.DescribeScalingActivities(ctx, &aas.DescribeScalingActivitiesInput{ServiceNamespace: ns, ResourceId: aws.String(rid),
		ScalableDimension: dim, IncludeNotScaledActivities: aws.Bool(notScaled)})
	if err != nil {
		t.Fatalf("describe activities: %v", err)
	}
	as := out.ScalingActivities
	for i, j := 0, len(as)-1; i < j; i, j = i+1, j-1 {
		as[i], as[j] = as[j], as[i]
	}
	return as
}

// waitFor polls cond every 100 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool, dump ...func()) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			for _, f := range dump {
				f()
			}
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestTargetTrackingAndScheduledScalingEndToEnd(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := c.aas.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: ns, ResourceId: aws.String(rid),
		ScalableDimension: dim, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(8)})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.aas.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("cpu50"), ServiceNamespace: ns,
		ResourceId: aws.String(rid), ScalableDimension: dim, PolicyType: aastypes.PolicyTypeTargetTrackingScaling,
		TargetTrackingScalingPolicyConfiguration: &aastypes.TargetTrackingScalingPolicyConfiguration{TargetValue: aws.Float64(50),
			PredefinedMetricSpecification: &aastypes.PredefinedMetricSpecification{PredefinedMetricType: aastypes.MetricTypeECSServiceAverageCPUUtilization}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pol.Alarms) != 2 {
		t.Fatalf("alarms %+v", pol.Alarms)
	}
	high, low := *pol.Alarms[0].AlarmName, *pol.Alarms[1].AlarmName

	// The managed alarms are CloudWatch alarms, as AWS creates them.
	da, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{high, low}})
	if err != nil {
		t.Fatal(err)
	}
	if len(da.MetricAlarms) != 2 {
		t.Fatalf("DescribeAlarms: %d alarms", len(da.MetricAlarms))
	}
	for _, a := range da.MetricAlarms {
		isHigh := *a.AlarmName == high
		wantThreshold, wantOp, wantN := 45.0, cwtypes.ComparisonOperatorLessThanThreshold, int32(15)
		if isHigh {
			wantThreshold, wantOp, wantN = 50, cwtypes.ComparisonOperatorGreaterThanThreshold, 3
		}
		if *a.Threshold != wantThreshold || a.ComparisonOperator != wantOp || *a.EvaluationPeriods != wantN || *a.Period != 60 ||
			*a.MetricName != "CPUUtilization" || *a.Namespace != "AWS/ECS" || a.Statistic != cwtypes.StatisticAverage ||
			!strings.HasPrefix(*a.AlarmDescription, "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy "+*pol.PolicyARN) ||
			len(a.AlarmActions) != 1 || !strings.HasPrefix(a.AlarmActions[0], *pol.PolicyARN+":createdBy/") {
			t.Fatalf("alarm %s: %+v", *a.AlarmName, a)
		}
	}

	// Push the service's CPU: work divided over the tasks the last successful activity set.
	var work atomic.Int64
	work.Store(150)
	tasks := func() float64 {
		n := 1.0
		for _, a := range c.activities(ctx, t, false) {
			if a.StatusCode == aastypes.ScalingActivityStatusCodeSuccessful && strings.HasPrefix(*a.Description, "Setting desired count to ") {
				v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(*a.Description, "Setting desired count to "), "."), 64)
				if err == nil {
					n = v
				}
			}
		}
		return n
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			v := float64(work.Load()) / tasks()
			_, err := c.cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/ECS"), MetricData: []cwtypes.MetricDatum{{
				MetricName: aws.String("CPUUtilization"), Value: aws.Float64(v), Unit: cwtypes.StandardUnitPercent,
				Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("demo")}, {Name: aws.String("ServiceName"), Value: aws.String("web")}},
			}}})
			if err != nil && ctx.Err() == nil {
				t.Errorf("put metric data: %v", err)
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()

	// CPU 150 % on one task: 3 one-second periods later AlarmHigh fires; ceil(1 × 150 / 50) = 3.
	waitFor(t, "scale-out to 3", 30*time.Second, func() bool {
		for _, a := range c.activities(ctx, t, false) {
			if *a.Description == "Setting desired count to 3." && a.StatusCode == aastypes.ScalingActivityStatusCodeSuccessful {
				if !strings.HasPrefix(*a.Cause, "monitor alarm "+high+" in state ALARM triggered policy cpu50") {
					t.Fatalf("cause %q", *a.Cause)
				}
				return true
			}
		}
		return false
	})
	// Load drops: 30 % at 3 tasks is below 45 % for 15 periods: scale in, ceil(3 × 30 / 50) = 2
	// (and further as the work shrinks per task).
	work.Store(90)
	waitFor(t, "scale-in", 60*time.Second, func() bool {
		as := c.activities(ctx, t, false)
		last := as[len(as)-1]
		return strings.HasPrefix(*last.Cause, "monitor alarm "+low) && last.StatusCode == aastypes.ScalingActivityStatusCodeSuccessful
	}, func() {
		for _, a := range c.activities(ctx, t, true) {
			t.Logf("%s %s | %s | %s | %s %+v", a.StartTime.Format("15:04:05.000"), *a.Description, *a.Cause, a.StatusCode, aws.ToString(a.StatusMessage), a.NotScaledReasons)
		}
		da, _ := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{high, low}})
		for _, a := range da.MetricAlarms {
			t.Logf("%s %s %s", *a.AlarmName, a.StateValue, aws.ToString(a.StateReason))
		}
	})
	st, err := c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{low}})
	if err != nil || len(st.MetricAlarms) != 1 || st.MetricAlarms[0].StateValue != cwtypes.StateValueAlarm {
		t.Fatalf("AlarmLow after scale-in: %+v %v", st.MetricAlarms, err)
	}

	// A scheduled action two seconds from now raises the range; capacity follows.
	at := time.Now().UTC().Add(2 * time.Second).Truncate(time.Second)
	_, err = c.aas.PutScheduledAction(ctx, &aas.PutScheduledActionInput{ServiceNamespace: ns, ResourceId: aws.String(rid), ScalableDimension: dim,
		ScheduledActionName: aws.String("burst"), Schedule: aws.String("at(" + at.Format("2006-01-02T15:04:05") + ")"),
		ScalableTargetAction: &aastypes.ScalableTargetAction{MinCapacity: aws.Int32(5), MaxCapacity: aws.Int32(8)}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the scheduled action", 30*time.Second, func() bool {
		for _, a := range c.activities(ctx, t, false) {
			if *a.Cause == "minimum capacity was set to 5" && a.StatusCode == aastypes.ScalingActivityStatusCodeSuccessful {
				return true
			}
		}
		return false
	})
	var sawRange bool
	for _, a := range c.activities(ctx, t, false) {
		sawRange = sawRange || (*a.Description == "Setting min capacity to 5 and max capacity to 8" && *a.Cause == "scheduled action name burst was triggered")
	}
	if !sawRange {
		t.Fatal("no range activity for the scheduled action")
	}
	tg, err := c.aas.DescribeScalableTargets(ctx, &aas.DescribeScalableTargetsInput{ServiceNamespace: ns, ResourceIds: []string{rid}})
	if err != nil || len(tg.ScalableTargets) != 1 || *tg.ScalableTargets[0].MinCapacity != 5 {
		t.Fatalf("target after the scheduled action: %+v %v", tg.ScalableTargets, err)
	}

	// Deleting the policy deletes its alarms.
	if _, err := c.aas.DeleteScalingPolicy(ctx, &aas.DeleteScalingPolicyInput{PolicyName: aws.String("cpu50"), ServiceNamespace: ns,
		ResourceId: aws.String(rid), ScalableDimension: dim}); err != nil {
		t.Fatal(err)
	}
	da, err = c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{high, low}})
	if err != nil || len(da.MetricAlarms) != 0 {
		t.Fatalf("alarms after DeleteScalingPolicy: %d %v", len(da.MetricAlarms), err)
	}
}

func TestStepPolicyListsTheAlarmsThatInvokeIt(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.aas.RegisterScalableTarget(ctx, &aas.RegisterScalableTargetInput{ServiceNamespace: ns, ResourceId: aws.String(rid),
		ScalableDimension: dim, MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(8)}); err != nil {
		t.Fatal(err)
	}
	pol, err := c.aas.PutScalingPolicy(ctx, &aas.PutScalingPolicyInput{PolicyName: aws.String("step"), ServiceNamespace: ns,
		ResourceId: aws.String(rid), ScalableDimension: dim, PolicyType: aastypes.PolicyTypeStepScaling,
		StepScalingPolicyConfiguration: &aastypes.StepScalingPolicyConfiguration{AdjustmentType: aastypes.AdjustmentTypeChangeInCapacity,
			StepAdjustments: []aastypes.StepAdjustment{{MetricIntervalLowerBound: aws.Float64(0), ScalingAdjustment: aws.Int32(2)}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("web-cpu-high"), Namespace: aws.String("AWS/ECS"),
		MetricName: aws.String("CPUUtilization"), Statistic: cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(70), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, AlarmActions: []string{*pol.PolicyARN},
		Dimensions: []cwtypes.Dimension{{Name: aws.String("ClusterName"), Value: aws.String("demo")}, {Name: aws.String("ServiceName"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	dp, err := c.aas.DescribeScalingPolicies(ctx, &aas.DescribeScalingPoliciesInput{ServiceNamespace: ns})
	if err != nil || len(dp.ScalingPolicies) != 1 || len(dp.ScalingPolicies[0].Alarms) != 1 || *dp.ScalingPolicies[0].Alarms[0].AlarmName != "web-cpu-high" {
		t.Fatalf("policies %+v %v", dp.ScalingPolicies, err)
	}
	// SetAlarmState puts the alarm in ALARM: the policy runs (+2).
	if _, err := c.cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("web-cpu-high"), StateValue: cwtypes.StateValueAlarm,
		StateReason: aws.String("testing the policy")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the step policy", 20*time.Second, func() bool {
		for _, a := range c.activities(ctx, t, false) {
			if *a.Description == "Setting desired count to 3." && *a.Cause == "monitor alarm web-cpu-high in state ALARM triggered policy step" {
				return true
			}
		}
		return false
	})
}
