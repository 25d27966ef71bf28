package sdk_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
)

func TestScheduledActions(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "function:my-function:BLUE"
	put := func(in aas.PutScheduledActionInput) error {
		in.ServiceNamespace, in.ResourceId, in.ScalableDimension = "lambda", aws.String(rid), lambdaDim
		_, err := c.PutScheduledAction(ctx(t), &in)
		return err
	}
	action := &types.ScalableTargetAction{MinCapacity: aws.Int32(2), MaxCapacity: aws.Int32(10)}
	err := put(aas.PutScheduledActionInput{ScheduledActionName: aws.String("a"), Schedule: aws.String("rate(5 minutes)"), ScalableTargetAction: action})
	wantAPIError(t, err, "ObjectNotFoundException", "No scalable target registered for service namespace: lambda")
	registerLambda(t, c, rid, 0, 100)

	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(48 * time.Hour)
	for _, in := range []aas.PutScheduledActionInput{
		{ScheduledActionName: aws.String("weekday-evening"), Schedule: aws.String("cron(0 18 ? * MON-FRI *)"), Timezone: aws.String("America/New_York"), ScalableTargetAction: action},
		{ScheduledActionName: aws.String("every-5"), Schedule: aws.String("rate(5 minutes)"), ScalableTargetAction: &types.ScalableTargetAction{MaxCapacity: aws.Int32(50)}},
		{ScheduledActionName: aws.String("once"), Schedule: aws.String("at(2030-01-01T09:36:00)"), Timezone: aws.String("UTC"), StartTime: &start, EndTime: &end, ScalableTargetAction: action},
	} {
		if err := put(in); err != nil {
			t.Fatalf("put %s: %v", aws.ToString(in.ScheduledActionName), err)
		}
	}
	desc, err := c.DescribeScheduledActions(ctx(t), &aas.DescribeScheduledActionsInput{ServiceNamespace: "lambda"})
	if err != nil || len(desc.ScheduledActions) != 3 {
		t.Fatalf("describe: %v, %d", err, len(desc.ScheduledActions))
	}
	byName := map[string]types.ScheduledAction{}
	for _, a := range desc.ScheduledActions {
		byName[aws.ToString(a.ScheduledActionName)] = a
	}
	arnRe := regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:` + uuidRe + `:resource/lambda/function:my-function:BLUE:scheduledActionName/weekday-evening$`)
	we := byName["weekday-evening"]
	if !arnRe.MatchString(aws.ToString(we.ScheduledActionARN)) {
		t.Errorf("ScheduledActionARN %q", aws.ToString(we.ScheduledActionARN))
	}
	if aws.ToString(we.Timezone) != "America/New_York" || aws.ToString(we.Schedule) != "cron(0 18 ? * MON-FRI *)" ||
		aws.ToInt32(we.ScalableTargetAction.MinCapacity) != 2 || aws.ToInt32(we.ScalableTargetAction.MaxCapacity) != 10 {
		t.Errorf("weekday-evening = %s", mustJSON(we))
	}
	if e5 := byName["every-5"]; e5.Timezone != nil || e5.ScalableTargetAction.MinCapacity != nil || aws.ToInt32(e5.ScalableTargetAction.MaxCapacity) != 50 {
		t.Errorf("every-5 = %s (no Timezone and no MinCapacity expected)", mustJSON(e5))
	}
	if once := byName["once"]; aws.ToString(once.Timezone) != "UTC" || !aws.ToTime(once.StartTime).Equal(start) || !aws.ToTime(once.EndTime).Equal(end) {
		t.Errorf("once = %s", mustJSON(once))
	}

	// Update with only ScalableTargetAction: Schedule and Timezone stay, StartTime/EndTime are cleared.
	if err := put(aas.PutScheduledActionInput{ScheduledActionName: aws.String("once"), ScalableTargetAction: &types.ScalableTargetAction{MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(3)}}); err != nil {
		t.Fatal(err)
	}
	desc, _ = c.DescribeScheduledActions(ctx(t), &aas.DescribeScheduledActionsInput{ServiceNamespace: "lambda", ScheduledActionNames: []string{"once"}, ResourceId: aws.String(rid), ScalableDimension: lambdaDim})
	if len(desc.ScheduledActions) != 1 {
		t.Fatalf("describe once: %d", len(desc.ScheduledActions))
	}
	once := desc.ScheduledActions[0]
	if aws.ToString(once.Schedule) != "at(2030-01-01T09:36:00)" || aws.ToString(once.Timezone) != "UTC" || once.StartTime != nil || once.EndTime != nil ||
		aws.ToInt32(once.ScalableTargetAction.MaxCapacity) != 3 || aws.ToString(once.ScheduledActionARN) != aws.ToString(byName["once"].ScheduledActionARN) ||
		!aws.ToTime(once.CreationTime).Equal(aws.ToTime(byName["once"].CreationTime)) {
		t.Errorf("after update: %s", mustJSON(once))
	}

	bad := []struct {
		name string
		in   aas.PutScheduledActionInput
		msg  string
	}{
		{"bare cron", aas.PutScheduledActionInput{Schedule: aws.String("0 12 * * ? *"), ScalableTargetAction: action}, ""},
		{"five-field cron", aas.PutScheduledActionInput{Schedule: aws.String("cron(0 12 * * ?)"), ScalableTargetAction: action}, ""},
		{"minute 60", aas.PutScheduledActionInput{Schedule: aws.String("cron(60 12 * * ? *)"), ScalableTargetAction: action}, ""},
		{"rate zero", aas.PutScheduledActionInput{Schedule: aws.String("rate(0 minutes)"), ScalableTargetAction: action}, ""},
		{"bad at", aas.PutScheduledActionInput{Schedule: aws.String("at(2021-02-30T00:00:00)"), ScalableTargetAction: action}, ""},
		{"unknown zone", aas.PutScheduledActionInput{Schedule: aws.String("rate(1 hour)"), Timezone: aws.String("Mars/Olympus"), ScalableTargetAction: action}, ""},
		{"empty action", aas.PutScheduledActionInput{Schedule: aws.String("rate(1 hour)"), ScalableTargetAction: &types.ScalableTargetAction{}}, `^At least one of minimum capacity and maximum capacity should be provided$`},
		{"no action on create", aas.PutScheduledActionInput{Schedule: aws.String("rate(1 hour)")}, `^At least one of minimum capacity and maximum capacity should be provided$`},
		{"no schedule on create", aas.PutScheduledActionInput{ScalableTargetAction: action}, "Schedule is required"},
		{"end before start", aas.PutScheduledActionInput{Schedule: aws.String("rate(1 hour)"), ScalableTargetAction: action, StartTime: &end, EndTime: &start}, "EndTime must be after StartTime"},
		{"min above max", aas.PutScheduledActionInput{Schedule: aws.String("rate(1 hour)"), ScalableTargetAction: &types.ScalableTargetAction{MinCapacity: aws.Int32(5), MaxCapacity: aws.Int32(1)}}, "cannot be greater"},
		{"name with colon", aas.PutScheduledActionInput{ScheduledActionName: aws.String("a:b"), Schedule: aws.String("rate(1 hour)"), ScalableTargetAction: action}, `at 'scheduledActionName' failed to satisfy constraint: Member must satisfy regular expression pattern`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in.ScheduledActionName == nil {
				tc.in.ScheduledActionName = aws.String("new-" + tc.name)
			}
			wantAPIError(t, put(tc.in), "ValidationException", tc.msg)
		})
	}

	// 200 scheduled actions per target, then LimitExceededException.
	for i := 3; i < 200; i++ {
		if err := put(aas.PutScheduledActionInput{ScheduledActionName: aws.String(fmt.Sprintf("s%03d", i)), Schedule: aws.String("rate(1 day)"), ScalableTargetAction: action}); err != nil {
			t.Fatalf("action %d: %v", i, err)
		}
	}
	wantAPIError(t, put(aas.PutScheduledActionInput{ScheduledActionName: aws.String("s200"), Schedule: aws.String("rate(1 day)"), ScalableTargetAction: action}), "LimitExceededException", "")
	n := 0
	pg := aas.NewDescribeScheduledActionsPaginator(c, &aas.DescribeScheduledActionsInput{ServiceNamespace: "lambda"})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.ScheduledActions)
	}
	if n != 200 {
		t.Fatalf("paginated %d actions, want 200", n)
	}

	_, err = c.DeleteScheduledAction(ctx(t), &aas.DeleteScheduledActionInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim, ScheduledActionName: aws.String("once")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteScheduledAction(ctx(t), &aas.DeleteScheduledActionInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim, ScheduledActionName: aws.String("once")})
	wantAPIError(t, err, "ObjectNotFoundException", `^No scheduled action found for service namespace: lambda, resource ID: function:my-function:BLUE, scalable dimension: lambda:function:ProvisionedConcurrency, scheduled action name: once$`)
}

func TestScheduledScalingNotForKafka(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1234"
	if _, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "kafka", ScalableDimension: types.ScalableDimensionKafkaBrokerStorageVolumeSize,
		ResourceId: aws.String(rid), MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutScheduledAction(ctx(t), &aas.PutScheduledActionInput{ServiceNamespace: "kafka", ResourceId: aws.String(rid), ScalableDimension: types.ScalableDimensionKafkaBrokerStorageVolumeSize,
		ScheduledActionName: aws.String("x"), Schedule: aws.String("rate(1 day)"), ScalableTargetAction: &types.ScalableTargetAction{MaxCapacity: aws.Int32(5)}})
	wantAPIError(t, err, "ValidationException", "Scheduled scaling is not supported for service namespace kafka")
}
