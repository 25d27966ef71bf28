package cli_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

var allFalse = map[string]any{
	"DynamicScalingInSuspended":  false,
	"DynamicScalingOutSuspended": false,
	"ScheduledScalingSuspended":  false,
}

// TestSeedWalkthrough runs the seed documents' three register-scalable-target commands as
// users copy them and checks what the CLI prints, then what describe-scalable-targets shows.
func TestSeedWalkthrough(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)

	arns := map[string]string{}
	for _, tc := range []struct {
		dim  string
		args []string
	}{
		{lambdaDim, seedLambda},
		{cacheNodeDim, seedNodeGroups},
		{cacheReplDim, seedReplicas},
	} {
		arn := c.registerARN(tc.args...)
		if !targetARNRe.MatchString(arn) {
			t.Errorf("%s: ScalableTargetARN %q does not match %s", tc.dim, arn, targetARNRe)
		}
		for d, other := range arns {
			if other == arn {
				t.Errorf("%s and %s got the same ARN %s", d, tc.dim, arn)
			}
		}
		arns[tc.dim] = arn
	}

	// Running a seed command again is an update of the same target: same ARN.
	if again := c.registerARN(seedLambda...); again != arns[lambdaDim] {
		t.Errorf("re-registering the lambda target returned %s, want the original %s", again, arns[lambdaDim])
	}

	got := c.describeTargets(cacheNS)
	if len(got.ScalableTargets) != 2 || got.NextToken != "" {
		t.Fatalf("describe-scalable-targets --service-namespace elasticache: %+v, want the two replication-group targets", got)
	}
	seen := map[string]bool{}
	for _, st := range got.ScalableTargets {
		seen[st.ScalableDimension] = true
		want := scalableTarget{
			ServiceNamespace: cacheNS, ResourceId: cacheRID, ScalableDimension: st.ScalableDimension,
			MinCapacity: 1, MaxCapacity: 5, RoleARN: cacheRoleARN, CreationTime: st.CreationTime,
			SuspendedState: allFalse, ScalableTargetARN: arns[st.ScalableDimension],
		}
		if !reflect.DeepEqual(st, want) {
			t.Errorf("described target\n got %+v\nwant %+v", st, want)
		}
		if st.CreationTime < 1.7e9 || st.CreationTime > float64(time.Now().Add(time.Minute).Unix()) {
			t.Errorf("%s: CreationTime %v is not a recent epoch number", st.ScalableDimension, st.CreationTime)
		}
	}
	if !seen[cacheNodeDim] || !seen[cacheReplDim] {
		t.Errorf("elasticache targets have dimensions %v, want NodeGroups and Replicas", seen)
	}

	got = c.describeTargets(lambdaNS)
	if len(got.ScalableTargets) != 1 {
		t.Fatalf("describe-scalable-targets --service-namespace lambda: %+v, want one target", got)
	}
	st := got.ScalableTargets[0]
	if !strings.HasSuffix(st.RoleARN, "lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency") ||
		st.RoleARN != lambdaRoleARN {
		t.Errorf("lambda RoleARN = %q, want %q", st.RoleARN, lambdaRoleARN)
	}
	if st.ResourceId != lambdaRID || st.ScalableDimension != lambdaDim || st.MinCapacity != 0 || st.MaxCapacity != 100 ||
		st.ScalableTargetARN != arns[lambdaDim] || !reflect.DeepEqual(st.SuspendedState, allFalse) {
		t.Errorf("lambda target %+v", st)
	}

	// Filters the CLI user reaches for next: by resource id and dimension.
	got = c.describeTargets(cacheNS, "--resource-ids", cacheRID, "--scalable-dimension", cacheReplDim)
	if len(got.ScalableTargets) != 1 || got.ScalableTargets[0].ScalableTargetARN != arns[cacheReplDim] {
		t.Errorf("describe with --resource-ids and --scalable-dimension Replicas: %+v", got)
	}
}

// TestSeedWalkthroughScript runs seed-walkthrough.sh (which a README points at) against a
// fresh server: it must exit 0 and print the three ARNs and the described targets.
func TestSeedWalkthroughScript(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	text := runScript(t, "seed-walkthrough.sh", srv.URL, 3*time.Minute)
	arnLine := regexp.MustCompile(`"ScalableTargetARN": "(arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target/[a-z0-9]{36})"`)
	distinct := map[string]bool{}
	for _, m := range arnLine.FindAllStringSubmatch(text, -1) {
		distinct[m[1]] = true
	}
	// Three from the registrations; the describes repeat them.
	if len(distinct) != 3 {
		t.Errorf("the script printed %d distinct target ARNs, want 3:\n%s", len(distinct), text)
	}
	for _, want := range []string{cacheRoleARN, lambdaRoleARN, `"ScalableDimension": "elasticache:replication-group:Replicas"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the script's output lacks %s:\n%s", want, text)
		}
	}
	// And the server holds what the script registered.
	c := newCLI(t, srv.URL)
	if n := len(c.describeTargets(cacheNS).ScalableTargets); n != 2 {
		t.Errorf("%d elasticache targets after the script, want 2", n)
	}
	if n := len(c.describeTargets(lambdaNS).ScalableTargets); n != 1 {
		t.Errorf("%d lambda targets after the script, want 1", n)
	}
}

// TestEngineDemoScript runs engine-demo.sh (the README's engine demo) against a server at
// --time-scale 20: the printed activities must show the scale-out, the scale-in and the
// scheduled action with its capacity change.
func TestEngineDemoScript(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{TimeScale: 20, EmulatedDelay: 500 * time.Millisecond})
	text := runScript(t, "engine-demo.sh", srv.URL, 5*time.Minute)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^TargetTracking-service/demo/web-AlarmHigh-\S+\tGreaterThanThreshold\t50.0\t3\t`),
		regexp.MustCompile(`(?m)^Successful\tSetting desired count to 3\.\tmonitor alarm TargetTracking-service/demo/web-AlarmHigh-\S+ in state ALARM triggered policy cpu50$`),
		regexp.MustCompile(`(?m)^Successful\tSetting desired count to 2\.\tmonitor alarm TargetTracking-service/demo/web-AlarmLow-\S+ in state ALARM triggered policy cpu50$`),
		regexp.MustCompile(`(?m)^Successful\tSetting min capacity to 4 and max capacity to 8\tscheduled action name raise-min was triggered$`),
		regexp.MustCompile(`(?m)^Successful\tSetting desired count to 4\.\tminimum capacity was set to 4$`),
		regexp.MustCompile(`(?m)^service/demo/web\t4\t8$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("the demo's output lacks %s:\n%s", want, text)
		}
	}
}
