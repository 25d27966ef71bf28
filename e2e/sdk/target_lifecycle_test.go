package sdk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
)

func TestDeregisterCascadesAndTagsGoWithTheTarget(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	const rid = "function:f:live"
	out, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: lambdaDim,
		ResourceId: aws.String(rid), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(10), Tags: map[string]string{"team": "a", "env": "dev"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.ScalableTargetARN
	tags, err := c.ListTagsForResource(ctx(t), &aas.ListTagsForResourceInput{ResourceARN: arn})
	if err != nil || len(tags.Tags) != 2 || tags.Tags["team"] != "a" {
		t.Fatalf("tags at creation: %v %v", tags, err)
	}
	if _, err := c.TagResource(ctx(t), &aas.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"team": "b", "cost": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx(t), &aas.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env", "not-there"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListTagsForResource(ctx(t), &aas.ListTagsForResourceInput{ResourceARN: arn})
	if want := map[string]string{"team": "b", "cost": "1"}; fmt.Sprint(tags.Tags) != fmt.Sprint(want) {
		t.Fatalf("tags = %v, want %v", tags.Tags, want)
	}
	many := map[string]string{}
	for i := range 49 {
		many[fmt.Sprintf("k%d", i)] = "v"
	}
	_, err = c.TagResource(ctx(t), &aas.TagResourceInput{ResourceARN: arn, Tags: many})
	wantAPIError(t, err, "TooManyTagsException", "")
	_, err = c.TagResource(ctx(t), &aas.TagResourceInput{ResourceARN: aws.String("arn:aws:s3:::bucket"), Tags: map[string]string{"a": "b"}})
	wantAPIError(t, err, "ValidationException", `at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern`)

	if _, err := c.PutScalingPolicy(ctx(t), &aas.PutScalingPolicyInput{PolicyName: aws.String("p"), ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		PolicyType: types.PolicyTypeTargetTrackingScaling, TargetTrackingScalingPolicyConfiguration: ttLambda(0.7)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutScheduledAction(ctx(t), &aas.PutScheduledActionInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim,
		ScheduledActionName: aws.String("s"), Schedule: aws.String("rate(1 hour)"), ScalableTargetAction: &types.ScalableTargetAction{MinCapacity: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeregisterScalableTarget(ctx(t), &aas.DeregisterScalableTargetInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim}); err != nil {
		t.Fatal(err)
	}
	pols, _ := c.DescribeScalingPolicies(ctx(t), &aas.DescribeScalingPoliciesInput{ServiceNamespace: "lambda"})
	acts, _ := c.DescribeScheduledActions(ctx(t), &aas.DescribeScheduledActionsInput{ServiceNamespace: "lambda"})
	if len(pols.ScalingPolicies) != 0 || len(acts.ScheduledActions) != 0 {
		t.Fatalf("deregister left %d policies and %d scheduled actions", len(pols.ScalingPolicies), len(acts.ScheduledActions))
	}
	_, err = c.ListTagsForResource(ctx(t), &aas.ListTagsForResourceInput{ResourceARN: arn})
	wantAPIError(t, err, "ResourceNotFoundException", "")
	_, err = c.DeregisterScalableTarget(ctx(t), &aas.DeregisterScalableTargetInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim})
	wantAPIError(t, err, "ObjectNotFoundException", `^No scalable target found for service namespace: lambda, resource ID: function:f:live, scalable dimension: lambda:function:ProvisionedConcurrency$`)
	// Re-registering gives a new identity and no tags.
	arn2 := registerLambda(t, c, rid, 0, 1)
	if arn2 == aws.ToString(arn) {
		t.Error("re-registered target reuses the old ARN")
	}
	tags, err = c.ListTagsForResource(ctx(t), &aas.ListTagsForResourceInput{ResourceARN: aws.String(arn2)})
	if err != nil || len(tags.Tags) != 0 || tags.Tags == nil {
		t.Errorf("tags of a new target: %v, %v (want an empty map)", tags.Tags, err)
	}
}

func TestDescribeScalingActivitiesReadsTheStore(t *testing.T) {
	t.Parallel()
	srv, c := start(t)
	const rid = "function:f:live"
	registerLambda(t, c, rid, 0, 10)
	out, err := c.DescribeScalingActivities(ctx(t), &aas.DescribeScalingActivitiesInput{ServiceNamespace: "lambda"})
	if err != nil || len(out.ScalingActivities) != 0 {
		t.Fatalf("fresh activities: %v %v", out, err)
	}
	// The engine writes activities; here the test plays the engine.
	scope := autoscaling.Scope{Account: "000000000000", Region: "us-east-1"}
	key := autoscaling.TargetKey{Namespace: "lambda", ResourceID: rid, Dimension: string(lambdaDim)}
	base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	err = srv.Server().Store().Update(context.Background(), func(tx store.Tx) error {
		for i := range 60 {
			end := base.Add(time.Duration(i)*time.Minute + 30*time.Second)
			a := &autoscaling.ScalingActivity{Scope: scope, TargetKey: key, ActivityID: autoscaling.NewUUID(),
				Description: fmt.Sprintf("Setting desired concurrency to %d.", i), Cause: "monitor alarm X in state ALARM triggered policy p",
				StartTime: base.Add(time.Duration(i) * time.Minute), EndTime: &end, StatusCode: autoscaling.StatusSuccessful,
				StatusMessage: fmt.Sprintf("Successfully set desired concurrency to %d. Change successfully fulfilled by lambda.", i)}
			if i%10 == 9 {
				a.Description, a.StatusCode, a.StatusMessage = "Attempting to scale due to alarm triggered", autoscaling.StatusFailed, ""
				a.NotScaledReasons = []autoscaling.NotScaledReason{{Code: "AlreadyAtMaxCapacity", MaxCapacity: aws.Int32(10)}}
			}
			if err := tx.PutActivity(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var all []types.ScalingActivity
	pg := aas.NewDescribeScalingActivitiesPaginator(c, &aas.DescribeScalingActivitiesInput{ServiceNamespace: "lambda", ResourceId: aws.String(rid), ScalableDimension: lambdaDim})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.ScalingActivities...)
	}
	if len(all) != 54 {
		t.Fatalf("got %d activities, want the 54 that scaled", len(all))
	}
	for i := 1; i < len(all); i++ {
		if !aws.ToTime(all[i-1].StartTime).After(aws.ToTime(all[i].StartTime)) {
			t.Fatalf("activities not newest first at %d", i)
		}
		if all[i].NotScaledReasons != nil {
			t.Fatalf("NotScaledReasons without IncludeNotScaledActivities")
		}
	}
	if aws.ToString(all[0].Description) != "Setting desired concurrency to 58." || all[0].EndTime == nil {
		t.Errorf("newest = %s", mustJSON(all[0]))
	}
	withNS, err := c.DescribeScalingActivities(ctx(t), &aas.DescribeScalingActivitiesInput{ServiceNamespace: "lambda", IncludeNotScaledActivities: aws.Bool(true), MaxResults: aws.Int32(5)})
	if err != nil || len(withNS.ScalingActivities) != 5 || withNS.NextToken == nil {
		t.Fatalf("with not-scaled: %v %v", withNS, err)
	}
	r := withNS.ScalingActivities[0]
	if len(r.NotScaledReasons) != 1 || aws.ToString(r.NotScaledReasons[0].Code) != "AlreadyAtMaxCapacity" || aws.ToInt32(r.NotScaledReasons[0].MaxCapacity) != 10 {
		t.Errorf("newest with not-scaled = %s", mustJSON(r))
	}
}

func TestPredictiveForecastIsNotSupportedYet(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	_, err := c.GetPredictiveScalingForecast(ctx(t), &aas.GetPredictiveScalingForecastInput{
		ServiceNamespace: "ecs", ResourceId: aws.String("service/c/s"), ScalableDimension: types.ScalableDimensionECSServiceDesiredCount,
		PolicyName: aws.String("p"), StartTime: aws.Time(time.Now()), EndTime: aws.Time(time.Now().Add(time.Hour)),
	})
	wantAPIError(t, err, "ValidationException", "not supported yet")
}

func TestTargetQuotaPerResourceType(t *testing.T) {
	t.Parallel()
	_, c := start(t)
	for i := range 500 {
		registerLambda(t, c, fmt.Sprintf("function:q%d:live", i), 0, 1)
	}
	_, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "lambda", ScalableDimension: lambdaDim,
		ResourceId: aws.String("function:q500:live"), MinCapacity: aws.Int32(0), MaxCapacity: aws.Int32(1)})
	wantAPIError(t, err, "LimitExceededException", `Maximum number of scalable targets \(500\) reached for service namespace lambda`)
	// Updating an existing target at the quota works, and another namespace has its own quota.
	registerLambda(t, c, "function:q7:live", 0, 2)
	if _, err := c.RegisterScalableTarget(ctx(t), &aas.RegisterScalableTargetInput{ServiceNamespace: "elasticache",
		ScalableDimension: types.ScalableDimensionElastiCacheReplicationGroupNodeGroups, ResourceId: aws.String("replication-group/rg"),
		MinCapacity: aws.Int32(1), MaxCapacity: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
}
