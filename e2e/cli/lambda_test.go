package cli_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/testserver"
)

// TestLambdaWalkthroughScript runs the Lambda seed walkthrough against real function workers at
// --time-scale 60 with --lambda-idle-utilization: provisioned concurrency grows from 1 under
// concurrent invocations, and goes back to none when they stop.
func TestLambdaWalkthroughScript(t *testing.T) {
	needAWS(t)
	for _, bin := range []string{"go", "zip", "curl"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required when CI=true: %v", bin, err)
			}
			t.Skipf("%s not on PATH", bin)
		}
	}
	srv := testserver.Start(t, testserver.Options{TimeScale: 60, RealBackends: true, LambdaIdleUtilization: true})
	text := runScript(t, "lambda-walkthrough.sh", srv.URL, 8*time.Minute)
	t.Logf("walkthrough output:\n%s", text)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^my-function\tprovided\.al2023\tActive$`),
		regexp.MustCompile(`(?m)^arn:aws:lambda:us-east-1:000000000000:function:my-function:BLUE$`),
		regexp.MustCompile(`(?m)^200\t1$`),
		regexp.MustCompile(`(?m)^provisioned: 1\t1\tREADY$`),
		regexp.MustCompile(`(?m)^Successful\tSetting desired concurrency to ([2-9]|[1-9][0-9])\.\tmonitor alarm TargetTracking-function:my-function:BLUE-AlarmHigh-\S+ in state ALARM triggered policy utilization$`),
		regexp.MustCompile(`(?m)^Successful\tSetting desired concurrency to 0\.\tmonitor alarm TargetTracking-function:my-function:BLUE-AlarmLow-\S+ in state ALARM triggered policy utilization$`),
		regexp.MustCompile(`(?m)^provisioned: none$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("the walkthrough's output lacks %s", want)
		}
	}
}
