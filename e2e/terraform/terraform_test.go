package terraform_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// config is the variable part of main.tf.
type config struct {
	Endpoint        string
	LambdaMax       int
	Tags            map[string]string
	MorningSchedule string
	// PolicyTarget is the lambda policy's target value; ScaleOutCooldown, when set, is added.
	PolicyTarget     string
	ScaleOutCooldown int
	// NewYearEnd is the end_time of the one-time action.
	NewYearEnd string
	// SuspendScaleIn adds a suspended_state block to the node-groups target.
	SuspendScaleIn bool
	// LambdaOnly keeps only the lambda target and its policy (for the import).
	LambdaOnly bool
}

var mainTF = template.Must(template.New("main.tf").Parse(`
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAEXAMPLE"
  secret_key                  = "secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    applicationautoscaling = "{{.Endpoint}}"
  }
}

resource "aws_appautoscaling_target" "lambda" {
  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:my-function:BLUE"
  min_capacity       = 0
  max_capacity       = {{.LambdaMax}}
  tags = {
{{- range $k, $v := .Tags}}
    "{{$k}}" = "{{$v}}"
{{- end}}
  }
}

{{- if not .LambdaOnly}}

resource "aws_appautoscaling_target" "nodegroups" {
  service_namespace  = "elasticache"
  scalable_dimension = "elasticache:replication-group:NodeGroups"
  resource_id        = "replication-group/mycluster"
  min_capacity       = 1
  max_capacity       = 5
  tags = {
{{- range $k, $v := .Tags}}
    "{{$k}}" = "{{$v}}"
{{- end}}
  }
{{- if .SuspendScaleIn}}

  suspended_state {
    dynamic_scaling_in_suspended = true
  }
{{- end}}
}

{{- end}}

resource "aws_appautoscaling_policy" "lambda" {
  name               = "pc-utilization"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value      = {{.PolicyTarget}}
    scale_in_cooldown = 60
{{- if .ScaleOutCooldown}}
    scale_out_cooldown = {{.ScaleOutCooldown}}
{{- end}}

    predefined_metric_specification {
      predefined_metric_type = "LambdaProvisionedConcurrencyUtilization"
    }
  }
}

{{- if not .LambdaOnly}}

resource "aws_appautoscaling_policy" "nodegroups" {
  name               = "engine-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.nodegroups.service_namespace
  resource_id        = aws_appautoscaling_target.nodegroups.resource_id
  scalable_dimension = aws_appautoscaling_target.nodegroups.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = 60

    predefined_metric_specification {
      predefined_metric_type = "ElastiCachePrimaryEngineCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_scheduled_action" "morning" {
  name               = "morning"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension
  schedule           = "{{.MorningSchedule}}"
  timezone           = "Europe/Berlin"

  scalable_target_action {
    min_capacity = 5
    max_capacity = 50
  }
}

resource "aws_appautoscaling_scheduled_action" "new_year" {
  name               = "new-year"
  service_namespace  = aws_appautoscaling_target.lambda.service_namespace
  resource_id        = aws_appautoscaling_target.lambda.resource_id
  scalable_dimension = aws_appautoscaling_target.lambda.scalable_dimension
  schedule           = "at(2030-01-01T00:00:00)"
  start_time         = "2029-12-31T00:00:00Z"
  end_time           = "{{.NewYearEnd}}"

  scalable_target_action {
    min_capacity = 10
    max_capacity = 100
  }
}
{{- end}}
`))

func render(t *testing.T, c config) string {
	t.Helper()
	var b strings.Builder
	if err := mainTF.Execute(&b, c); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const (
	lambdaTarget = `{"ServiceNamespace":"lambda","ResourceIds":["function:my-function:BLUE"],"ScalableDimension":"lambda:function:ProvisionedConcurrency"}`
	cacheTarget  = `{"ServiceNamespace":"elasticache","ResourceIds":["replication-group/mycluster"],"ScalableDimension":"elasticache:replication-group:NodeGroups"}`
)

func TestTerraformLifecycle(t *testing.T) {
	mirror := needTerraform(t)
	srv := testserver.Start(t, testserver.Options{})
	rec, endpoint := startRecorder(t, srv.URL)
	w := newWorkspace(t, mirror, rec)

	first := config{Endpoint: endpoint, LambdaMax: 100, Tags: map[string]string{"team": "x"}, MorningSchedule: "cron(0 8 * * ? *)",
		PolicyTarget: "0.7", NewYearEnd: "2030-01-02T00:00:00Z"}
	w.write(render(t, first))
	w.must("init", "-input=false")

	mark := rec.mark()
	w.must("apply", "-auto-approve", "-input=false")
	check(t, srv.URL, w, rec, mark, first)
	w.planClean("the first apply")

	// Change max_capacity, tags and the schedule (and suspend scale-in on the node groups,
	// retune the lambda policy, move the one-time action's end): apply, check the server,
	// and the plan is clean again.
	second := config{Endpoint: endpoint, LambdaMax: 200, Tags: map[string]string{"team": "y", "env": "prod"},
		MorningSchedule: "cron(30 7 ? * MON-FRI *)", SuspendScaleIn: true,
		PolicyTarget: "0.6", ScaleOutCooldown: 30, NewYearEnd: "2030-01-03T00:00:00Z"}
	w.write(render(t, second))
	mark = rec.mark()
	w.must("apply", "-auto-approve", "-input=false")
	check(t, srv.URL, w, rec, mark, second)
	w.planClean("the update")

	// Import the lambda target and its policy into a fresh state; the plan is clean.
	original := w.stateResources()["aws_appautoscaling_target.lambda"]
	t.Run("import", func(t *testing.T) {
		imp := newWorkspace(t, mirror, rec)
		only := second
		only.LambdaOnly = true
		imp.write(render(t, only))
		imp.must("init", "-input=false")
		imp.must("import", "-input=false", "aws_appautoscaling_target.lambda",
			"lambda/function:my-function:BLUE/lambda:function:ProvisionedConcurrency")
		imp.must("import", "-input=false", "aws_appautoscaling_policy.lambda",
			"lambda/function:my-function:BLUE/lambda:function:ProvisionedConcurrency/pc-utilization")
		imported := imp.stateResources()["aws_appautoscaling_target.lambda"]
		for _, k := range []string{"arn", "id", "max_capacity", "min_capacity", "role_arn", "tags", "suspended_state"} {
			if !reflect.DeepEqual(imported[k], original[k]) {
				t.Errorf("imported target %s = %v, created target has %v", k, imported[k], original[k])
			}
		}
		imp.planClean("importing the target and its policy")
	})

	mark = rec.mark()
	w.must("destroy", "-auto-approve", "-input=false")
	for _, ns := range []string{"lambda", "elasticache"} {
		in := map[string]any{"ServiceNamespace": ns}
		if n := len(list(t, srv.URL, "DescribeScalableTargets", "ScalableTargets", in)); n != 0 {
			t.Errorf("%s: %d scalable targets left after destroy", ns, n)
		}
		if n := len(list(t, srv.URL, "DescribeScalingPolicies", "ScalingPolicies", in)); n != 0 {
			t.Errorf("%s: %d scaling policies left after destroy", ns, n)
		}
		if n := len(list(t, srv.URL, "DescribeScheduledActions", "ScheduledActions", in)); n != 0 {
			t.Errorf("%s: %d scheduled actions left after destroy", ns, n)
		}
	}
	if t.Failed() {
		t.Logf("API calls of the destroy:\n%s", rec.since(mark))
	}
}

// check compares the server's objects after an apply with the configuration, with what
// Terraform sent (recorded since mark) and with Terraform's state.
func check(t *testing.T, endpoint string, w *workspace, rec *recorder, mark int, c config) {
	t.Helper()
	state := w.stateResources()

	// Targets: capacities, the service-linked role, tags, suspended state, and the ARN
	// Terraform stored.
	for _, tc := range []struct {
		addr, query   string
		min, max      float64
		role          string
		suspendedIn   bool
		wantStateTags map[string]string
	}{
		{"aws_appautoscaling_target.lambda", lambdaTarget, 0, float64(c.LambdaMax),
			"arn:aws:iam::000000000000:role/aws-service-role/lambda.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_LambdaConcurrency",
			false, c.Tags},
		{"aws_appautoscaling_target.nodegroups", cacheTarget, 1, 5,
			"arn:aws:iam::000000000000:role/aws-service-role/elasticache.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ElastiCacheRG",
			c.SuspendScaleIn, c.Tags},
	} {
		targets := list(t, endpoint, "DescribeScalableTargets", "ScalableTargets", jsonRaw(tc.query))
		if len(targets) != 1 {
			t.Errorf("%s: the server has %d matching targets, want 1", tc.addr, len(targets))
			continue
		}
		st := targets[0]
		if st["MinCapacity"] != tc.min || st["MaxCapacity"] != tc.max || st["RoleARN"] != tc.role {
			t.Errorf("%s: server has Min %v Max %v RoleARN %v, want %v %v %v", tc.addr, st["MinCapacity"], st["MaxCapacity"], st["RoleARN"], tc.min, tc.max, tc.role)
		}
		wantSS := map[string]any{"DynamicScalingInSuspended": tc.suspendedIn, "DynamicScalingOutSuspended": false, "ScheduledScalingSuspended": false}
		if !reflect.DeepEqual(st["SuspendedState"], wantSS) {
			t.Errorf("%s: SuspendedState %v, want %v", tc.addr, st["SuspendedState"], wantSS)
		}
		arn, _ := st["ScalableTargetARN"].(string)
		if s := state[tc.addr]; s == nil || s["arn"] != arn {
			t.Errorf("%s: state arn %v, server ScalableTargetARN %s", tc.addr, s["arn"], arn)
		}
		tags := api(t, endpoint, "ListTagsForResource", map[string]any{"ResourceARN": arn})["Tags"]
		if !reflect.DeepEqual(tags, stringMap(tc.wantStateTags)) {
			t.Errorf("%s: server tags %v, want %v", tc.addr, tags, tc.wantStateTags)
		}
	}

	// Policies: the stored configuration is exactly what Terraform sent, and the state has
	// the policy ARN and both alarm ARNs.
	policyTarget, err := strconv.ParseFloat(c.PolicyTarget, 64)
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]map[string]any{}
	for _, req := range rec.requests(mark, "PutScalingPolicy") {
		name, _ := req["PolicyName"].(string)
		cfg, _ := req["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
		sent[name] = cfg
	}
	for _, tc := range []struct {
		addr, ns, name string
		target         float64
		metric         string
		scaleIn        any
		scaleOut       any
	}{
		{"aws_appautoscaling_policy.lambda", "lambda", "pc-utilization", policyTarget, "LambdaProvisionedConcurrencyUtilization", 60.0, float64(c.ScaleOutCooldown)},
		// Terraform sends unset cooldowns as 0 (and DisableScaleIn false).
		{"aws_appautoscaling_policy.nodegroups", "elasticache", "engine-cpu", 60, "ElastiCachePrimaryEngineCPUUtilization", 0.0, 0.0},
	} {
		policies := list(t, endpoint, "DescribeScalingPolicies", "ScalingPolicies",
			map[string]any{"ServiceNamespace": tc.ns, "PolicyNames": []string{tc.name}})
		if len(policies) != 1 {
			t.Errorf("%s: the server has %d policies named %s, want 1", tc.addr, len(policies), tc.name)
			continue
		}
		p := policies[0]
		cfg, _ := p["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
		metric, _ := cfg["PredefinedMetricSpecification"].(map[string]any)
		if cfg["TargetValue"] != tc.target || metric["PredefinedMetricType"] != tc.metric || cfg["ScaleInCooldown"] != tc.scaleIn ||
			cfg["ScaleOutCooldown"] != tc.scaleOut {
			t.Errorf("%s: server configuration %v", tc.addr, cfg)
		}
		if want, ok := sent[tc.name]; ok && !reflect.DeepEqual(cfg, want) {
			t.Errorf("%s: DescribeScalingPolicies returns configuration\n  %v\nbut Terraform sent\n  %v", tc.addr, cfg, want)
		}
		s := state[tc.addr]
		if s == nil || s["arn"] != p["PolicyARN"] {
			t.Errorf("%s: state arn %v, server PolicyARN %v", tc.addr, s["arn"], p["PolicyARN"])
			continue
		}
		alarms, _ := p["Alarms"].([]any)
		var alarmARNs []any
		for _, a := range alarms {
			alarmARNs = append(alarmARNs, a.(map[string]any)["AlarmARN"])
		}
		if len(alarmARNs) != 2 || !sameElements(s["alarm_arns"], alarmARNs) {
			t.Errorf("%s: state alarm_arns %v, server alarms %v", tc.addr, s["alarm_arns"], alarmARNs)
		}
	}

	// Scheduled actions.
	end, err := time.Parse(time.RFC3339, c.NewYearEnd)
	if err != nil {
		t.Fatal(err)
	}
	actions := list(t, endpoint, "DescribeScheduledActions", "ScheduledActions",
		map[string]any{"ServiceNamespace": "lambda", "ResourceId": "function:my-function:BLUE"})
	byName := map[string]map[string]any{}
	for _, a := range actions {
		byName[a["ScheduledActionName"].(string)] = a
	}
	if len(actions) != 2 {
		t.Errorf("the server has %d scheduled actions, want 2: %v", len(actions), actions)
	}
	for _, tc := range []struct {
		name, schedule, tz string
		start, end         any
		action             map[string]any
	}{
		{"morning", c.MorningSchedule, "Europe/Berlin", nil, nil, map[string]any{"MinCapacity": 5.0, "MaxCapacity": 50.0}},
		// Terraform sends its default time zone, UTC, when none is configured.
		{"new-year", "at(2030-01-01T00:00:00)", "UTC", 1893369600.0, float64(end.Unix()), map[string]any{"MinCapacity": 10.0, "MaxCapacity": 100.0}},
	} {
		a := byName[tc.name]
		if a == nil {
			t.Errorf("scheduled action %s is missing", tc.name)
			continue
		}
		if a["Schedule"] != tc.schedule || a["Timezone"] != tc.tz || a["StartTime"] != tc.start || a["EndTime"] != tc.end ||
			!reflect.DeepEqual(a["ScalableTargetAction"], tc.action) {
			t.Errorf("scheduled action %s on the server: %v", tc.name, a)
		}
	}
	if s := state["aws_appautoscaling_scheduled_action.new_year"]; s == nil ||
		s["start_time"] != "2029-12-31T00:00:00Z" || s["end_time"] != c.NewYearEnd || s["timezone"] != "UTC" {
		t.Errorf("state of the new-year action: %v", s)
	}
	if t.Failed() {
		t.Logf("API calls of the apply:\n%s", rec.since(mark))
	}
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func stringMap(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sameElements reports whether a (a []any from JSON) holds the elements of b in any order.
func sameElements(a any, b []any) bool {
	l, ok := a.([]any)
	if !ok || len(l) != len(b) {
		return false
	}
	seen := map[any]int{}
	for _, x := range l {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
