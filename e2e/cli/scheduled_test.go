package cli_test

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestScheduledActions puts scheduled actions with the CLI's shorthand and time arguments
// and checks what describe-scheduled-actions prints.
func TestScheduledActions(t *testing.T) {
	needAWS(t)
	t.Parallel()
	srv := testserver.Start(t, testserver.Options{})
	c := newCLI(t, srv.URL)
	c.registerARN(seedLambda...)

	const (
		jan2030 = 1893456000 // 2030-01-01T00:00:00Z
		jul2030 = 1909137600 // 2030-07-01T12:00:00Z
	)
	cases := []struct {
		name   string
		args   []string
		want   map[string]any // the members that depend on the put
		absent []string       // members that must not be printed
	}{
		{
			name: "weekday-evening",
			args: []string{"--schedule", "cron(0 18 ? * MON-FRI *)", "--timezone", "America/New_York",
				"--scalable-target-action", "MinCapacity=2,MaxCapacity=10"},
			want: map[string]any{"Schedule": "cron(0 18 ? * MON-FRI *)", "Timezone": "America/New_York",
				"ScalableTargetAction": map[string]any{"MinCapacity": 2.0, "MaxCapacity": 10.0}},
			absent: []string{"StartTime", "EndTime"},
		},
		{
			name:   "every-5-minutes",
			args:   []string{"--schedule", "rate(5 minutes)", "--scalable-target-action", "MinCapacity=1"},
			want:   map[string]any{"Schedule": "rate(5 minutes)", "ScalableTargetAction": map[string]any{"MinCapacity": 1.0}},
			absent: []string{"Timezone", "StartTime", "EndTime"},
		},
		{
			name: "new-year",
			args: []string{"--schedule", "at(2030-01-01T00:00:00)", "--timezone", "Europe/Berlin",
				"--scalable-target-action", `{"MaxCapacity": 20}`},
			want: map[string]any{"Schedule": "at(2030-01-01T00:00:00)", "Timezone": "Europe/Berlin",
				"ScalableTargetAction": map[string]any{"MaxCapacity": 20.0}},
			absent: []string{"StartTime", "EndTime"},
		},
		{
			name: "from-2030",
			args: []string{"--schedule", "cron(0 8 * * ? *)", "--start-time", "2030-01-01T00:00:00Z",
				"--scalable-target-action", "MinCapacity=5,MaxCapacity=50"},
			want: map[string]any{"Schedule": "cron(0 8 * * ? *)", "StartTime": float64(jan2030),
				"ScalableTargetAction": map[string]any{"MinCapacity": 5.0, "MaxCapacity": 50.0}},
			absent: []string{"Timezone", "EndTime"},
		},
		{
			name: "first-half-2030",
			args: []string{"--schedule", "rate(1 day)", "--timezone", "UTC", "--start-time", "2030-01-01T00:00:00Z",
				"--end-time", "2030-07-01T12:00:00Z", "--scalable-target-action", "MinCapacity=0,MaxCapacity=0"},
			want: map[string]any{"Schedule": "rate(1 day)", "Timezone": "UTC", "StartTime": float64(jan2030), "EndTime": float64(jul2030),
				"ScalableTargetAction": map[string]any{"MinCapacity": 0.0, "MaxCapacity": 0.0}},
		},
	}
	for _, tc := range cases {
		c.quiet(append([]string{"application-autoscaling", "put-scheduled-action", "--service-namespace", lambdaNS,
			"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID, "--scheduled-action-name", tc.name}, tc.args...)...)
	}

	type describeOutput struct {
		ScheduledActions []map[string]any
		NextToken        string
	}
	describe := func(extra ...string) (out describeOutput) {
		t.Helper()
		c.json(&out, append([]string{"application-autoscaling", "describe-scheduled-actions", "--service-namespace", lambdaNS}, extra...)...)
		return out
	}
	out := describe()
	byName := map[string]map[string]any{}
	for _, a := range out.ScheduledActions {
		name, _ := a["ScheduledActionName"].(string)
		byName[name] = a
	}
	if len(out.ScheduledActions) != len(cases) || len(byName) != len(cases) || out.NextToken != "" {
		t.Fatalf("describe-scheduled-actions printed %d actions (%d names), want %d: %+v", len(out.ScheduledActions), len(byName), len(cases), out)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := byName[tc.name]
			if a == nil {
				t.Fatalf("not described")
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(a[k], v) {
					t.Errorf("%s = %#v, want %#v", k, a[k], v)
				}
			}
			for _, k := range tc.absent {
				if v, ok := a[k]; ok {
					t.Errorf("%s is printed (%#v) although it was not given", k, v)
				}
			}
			arn := regexp.MustCompile(`^arn:aws:autoscaling:us-east-1:000000000000:scheduledAction:[0-9a-f-]{36}:resource/lambda/function:my-function:BLUE:scheduledActionName/` + regexp.QuoteMeta(tc.name) + `$`)
			if s, _ := a["ScheduledActionARN"].(string); !arn.MatchString(s) {
				t.Errorf("ScheduledActionARN %q does not match %s", s, arn)
			}
			if a["ServiceNamespace"] != lambdaNS || a["ResourceId"] != lambdaRID || a["ScalableDimension"] != lambdaDim {
				t.Errorf("target members: %v", a)
			}
			if ct, _ := a["CreationTime"].(float64); ct < 1.7e9 {
				t.Errorf("CreationTime %#v is not an epoch number", a["CreationTime"])
			}
		})
	}

	// Filtering by name, and an update that changes only the capacities: Schedule and
	// Timezone stay, StartTime/EndTime are cleared (AWS: omitted times are deleted).
	c.quiet("application-autoscaling", "put-scheduled-action", "--service-namespace", lambdaNS,
		"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID, "--scheduled-action-name", "first-half-2030",
		"--scalable-target-action", "MinCapacity=1,MaxCapacity=3")
	out = describe("--scheduled-action-names", "first-half-2030")
	if len(out.ScheduledActions) != 1 {
		t.Fatalf("--scheduled-action-names first-half-2030: %+v", out.ScheduledActions)
	}
	a := out.ScheduledActions[0]
	if a["Schedule"] != "rate(1 day)" || a["Timezone"] != "UTC" || a["StartTime"] != nil || a["EndTime"] != nil ||
		!reflect.DeepEqual(a["ScalableTargetAction"], map[string]any{"MinCapacity": 1.0, "MaxCapacity": 3.0}) {
		t.Errorf("after a capacity-only update: %v", a)
	}

	// Delete one; it is gone and a second delete is ObjectNotFoundException.
	del := []string{"application-autoscaling", "delete-scheduled-action", "--service-namespace", lambdaNS,
		"--scalable-dimension", lambdaDim, "--resource-id", lambdaRID, "--scheduled-action-name", "every-5-minutes"}
	c.quiet(del...)
	out = describe()
	if len(out.ScheduledActions) != len(cases)-1 {
		t.Errorf("%d scheduled actions after deleting one, want %d", len(out.ScheduledActions), len(cases)-1)
	}
	c.fails("ObjectNotFoundException", "DeleteScheduledAction", del...)
}
