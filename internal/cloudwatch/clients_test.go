package cloudwatch

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// needTool skips a test when an external client is not installed, except on CI where it
// must be.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required on CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

func clientEnv() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY=x", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true")
}

// TestAWSCLI drives the service with the real aws CLI (v1, botocore, RPC v2 CBOR).
func TestAWSCLI(t *testing.T) {
	awsBin := needTool(t, "aws")
	h := newHarness(t)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		cmd := exec.Command(awsBin, append([]string{"--endpoint-url", h.srv.URL, "--region", "us-east-1", "--output", "json", "cloudwatch"}, args...)...)
		cmd.Env = clientEnv()
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := run(args...)
		if code != 0 {
			t.Fatalf("aws %v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	now := h.clock.Now()
	ts := now.Add(-2 * time.Minute).Format(time.RFC3339)
	must("put-metric-data", "--namespace", "App", "--metric-name", "Depth", "--value", "5", "--unit", "Count",
		"--dimensions", "Queue=q1", "--timestamp", ts)
	must("put-metric-data", "--namespace", "App", "--metric-data",
		`[{"MetricName":"Depth","Dimensions":[{"Name":"Queue","Value":"q1"}],"Values":[1,2],"Counts":[1,3],"Timestamp":"`+ts+`","Unit":"Count"}]`)
	out := must("get-metric-statistics", "--namespace", "App", "--metric-name", "Depth", "--dimensions", "Name=Queue,Value=q1",
		"--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Format(time.RFC3339), "--period", "60",
		"--statistics", "Sum", "SampleCount")
	var stats struct {
		Label      string
		Datapoints []struct {
			Timestamp   float64 // aws CLI v1 prints CBOR timestamps as epoch seconds
			Sum         float64
			SampleCount float64
			Unit        string
		}
	}
	if err := json.Unmarshal([]byte(out), &stats); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if stats.Label != "Depth" || len(stats.Datapoints) != 1 || stats.Datapoints[0].Sum != 12 || stats.Datapoints[0].SampleCount != 5 || stats.Datapoints[0].Unit != "Count" {
		t.Fatalf("get-metric-statistics: %s", out)
	}
	if got := stats.Datapoints[0].Timestamp; got != float64(now.Add(-2*time.Minute).Unix()) {
		t.Fatalf("timestamp %v, want %v", got, now.Add(-2*time.Minute).Unix())
	}

	must("put-metric-alarm", "--alarm-name", "cli-alarm", "--namespace", "App", "--metric-name", "Depth", "--statistic", "Average",
		"--period", "60", "--evaluation-periods", "2", "--threshold", "10", "--comparison-operator", "GreaterThanThreshold",
		"--dimensions", "Name=Queue,Value=q1", "--tags", "Key=team,Value=a")
	out = must("describe-alarms", "--alarm-names", "cli-alarm")
	var da struct {
		MetricAlarms []struct {
			AlarmName, AlarmArn, StateValue, Statistic, ComparisonOperator string
			Period, EvaluationPeriods                                      int
			Threshold                                                      float64
			Dimensions                                                     []struct{ Name, Value string }
			StateUpdatedTimestamp                                          any
		}
		CompositeAlarms []any
	}
	if err := json.Unmarshal([]byte(out), &da); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(da.MetricAlarms) != 1 {
		t.Fatalf("describe-alarms: %s", out)
	}
	a := da.MetricAlarms[0]
	if a.AlarmArn != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-alarm" || a.StateValue != "INSUFFICIENT_DATA" || a.Period != 60 ||
		a.Threshold != 10 || len(a.Dimensions) != 1 || a.Dimensions[0].Value != "q1" || a.StateUpdatedTimestamp == nil {
		t.Fatalf("describe-alarms: %s", out)
	}

	_, errOut, code := run("set-alarm-state", "--alarm-name", "ghost", "--state-value", "OK", "--state-reason", "x")
	if code != 255 || !strings.Contains(errOut, "(ResourceNotFound)") || !strings.Contains(errOut, "Alarm ghost not found") {
		t.Fatalf("set-alarm-state on a missing alarm: exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = run("get-metric-statistics", "--namespace", "App", "--metric-name", "Depth",
		"--start-time", now.Add(-time.Hour).Format(time.RFC3339), "--end-time", now.Format(time.RFC3339), "--period", "60")
	if code != 255 || !strings.Contains(errOut, "(InvalidParameterCombination)") {
		t.Fatalf("get-metric-statistics without statistics: exit %d, stderr %q", code, errOut)
	}
}

// botoScript builds a botocore client whose CloudWatch model is forced to one protocol and
// runs a few calls, printing their results as JSON.
const botoScript = `
import copy, json, sys, datetime
import botocore.session
from botocore.exceptions import ClientError
proto, endpoint = sys.argv[1], sys.argv[2]
s = botocore.session.get_session()
loader = s.get_component('data_loader')
orig = loader.load_service_model
def patched(service_name, type_name, api_version=None):
    m = orig(service_name, type_name, api_version)
    if service_name == 'cloudwatch' and type_name == 'service-2':
        m = copy.deepcopy(m)
        m['metadata']['protocol'] = proto
        m['metadata']['protocols'] = [proto]
    return m
loader.load_service_model = patched
c = s.create_client('cloudwatch', region_name='eu-central-1', endpoint_url=endpoint,
                    aws_access_key_id='123456789012', aws_secret_access_key='x')
assert c.meta.service_model.protocol == proto, c.meta.service_model.protocol
out = {}
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
c.put_metric_data(Namespace='App', MetricData=[{'MetricName': 'Depth', 'Value': 7.5, 'Unit': 'Count',
    'Timestamp': now - datetime.timedelta(minutes=1), 'Dimensions': [{'Name': 'Queue', 'Value': 'q1'}]}])
st = c.get_metric_statistics(Namespace='App', MetricName='Depth', Dimensions=[{'Name': 'Queue', 'Value': 'q1'}],
    StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1), Period=3600, Statistics=['Maximum'],
    )
out['stats'] = [{'Maximum': d['Maximum'], 'Unit': d['Unit'], 'ts': type(d['Timestamp']).__name__} for d in st['Datapoints']]
c.put_metric_alarm(AlarmName='boto-alarm', Namespace='App', MetricName='Depth', Statistic='Maximum', Period=60,
    EvaluationPeriods=1, Threshold=1.0, ComparisonOperator='GreaterThanThreshold', Dimensions=[{'Name': 'Queue', 'Value': 'q1'}],
    AlarmActions=['arn:aws:sns:eu-central-1:123456789012:t'])
c.set_alarm_state(AlarmName='boto-alarm', StateValue='ALARM', StateReason='r', StateReasonData='{"a":1}')
da = c.describe_alarms(AlarmNamePrefix='boto')
a = da['MetricAlarms'][0]
out['alarm'] = {'AlarmArn': a['AlarmArn'], 'StateValue': a['StateValue'], 'StateReasonData': a['StateReasonData'],
    'Dimensions': a['Dimensions'], 'AlarmActions': a['AlarmActions'], 'Period': a['Period'], 'Threshold': a['Threshold'],
    'ts': type(a['StateUpdatedTimestamp']).__name__, 'Composite': da.get('CompositeAlarms')}
lm = c.list_metrics(Namespace='App')
out['metrics'] = lm['Metrics']
try:
    c.delete_alarms(AlarmNames=['ghost'])
    out['error'] = None
except ClientError as e:
    out['error'] = {'Code': e.response['Error']['Code'], 'Message': e.response['Error']['Message'],
        'Status': e.response['ResponseMetadata']['HTTPStatusCode']}
try:
    c.get_metric_statistics(Namespace='App', MetricName='Depth', StartTime=now - datetime.timedelta(hours=1), EndTime=now, Period=60)
except ClientError as e:
    out['error2'] = e.response['Error']['Code']
print(json.dumps(out))
`

// TestBotoProtocols runs botocore forced to the JSON 1.0 and to the query protocol.
func TestBotoProtocols(t *testing.T) {
	py := needTool(t, "python3")
	if err := exec.Command(py, "-c", "import botocore").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("botocore is required on CI: %v", err)
		}
		t.Skipf("botocore not installed: %v", err)
	}
	for _, proto := range []string{"json", "query", "smithy-rpc-v2-cbor"} {
		t.Run(proto, func(t *testing.T) {
			h := newHarness(t)
			h.clock.t = time.Now().UTC()
			cmd := exec.Command(py, "-c", botoScript, proto, h.srv.URL)
			cmd.Env = clientEnv()
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			var got struct {
				Stats []struct {
					Maximum float64
					Unit    string
					Ts      string `json:"ts"`
				}
				Alarm struct {
					AlarmArn, StateValue, StateReasonData string
					Dimensions                            []struct{ Name, Value string }
					AlarmActions                          []string
					Period                                int
					Threshold                             float64
					Ts                                    string `json:"ts"`
					Composite                             []any
				}
				Metrics []struct {
					Namespace, MetricName string
					Dimensions            []struct{ Name, Value string }
				}
				Error struct {
					Code, Message string
					Status        int
				}
				Error2 string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if len(got.Stats) != 1 || got.Stats[0].Maximum != 7.5 || got.Stats[0].Unit != "Count" || got.Stats[0].Ts != "datetime" {
				t.Errorf("stats: %s", out)
			}
			a := got.Alarm
			if a.AlarmArn != "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:boto-alarm" || a.StateValue != "ALARM" || a.StateReasonData != `{"a":1}` ||
				len(a.Dimensions) != 1 || a.Dimensions[0].Name != "Queue" || len(a.AlarmActions) != 1 || a.Period != 60 || a.Threshold != 1 ||
				a.Ts != "datetime" || a.Composite == nil {
				t.Errorf("alarm: %s", out)
			}
			if len(got.Metrics) != 1 || got.Metrics[0].MetricName != "Depth" || len(got.Metrics[0].Dimensions) != 1 {
				t.Errorf("metrics: %s", out)
			}
			if got.Error.Code != "ResourceNotFound" || got.Error.Message != "Alarm ghost not found" || got.Error.Status != 404 {
				t.Errorf("error: %s", out)
			}
			if got.Error2 != "InvalidParameterCombination" {
				t.Errorf("error2: %s", out)
			}
		})
	}
}
