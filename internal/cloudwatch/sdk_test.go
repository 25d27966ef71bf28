package cloudwatch

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	srv     *httptest.Server
	svc     *Service
	store   *fakeStore
	reg     *fakeRegistry
	clock   *fakeClock
	mu      sync.Mutex
	changes []string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{t: time.Now().UTC().Truncate(time.Hour)}}
	h.store = newFakeStore(h.clock.Now)
	h.reg = newFakeRegistry(h.clock.Now)
	h.svc = New(Options{Metrics: h.store, Alarms: h.reg, Clock: h.clock, OnAlarmChange: func(s autoscaling.Scope, name string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.changes = append(h.changes, s.Account+"/"+s.Region+"/"+name)
	}})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !h.svc.Owns(r) {
			http.Error(w, "not cloudwatch", http.StatusTeapot)
			return
		}
		h.svc.ServeHTTP(w, r)
	})
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) client(akid, region string) *cw.Client {
	return cw.New(cw.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		BaseEndpoint:     aws.String(h.srv.URL),
		RetryMaxAttempts: 1,
	})
}

func apiCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an APIError", err, err)
	}
	return ae.ErrorCode()
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := apiCode(t, err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func wantErrorMessage(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	var ae smithy.APIError
	errors.As(err, &ae)
	if ae.ErrorMessage() != msg {
		t.Fatalf("message %q, want %q", ae.ErrorMessage(), msg)
	}
}

func TestSDKMetricsRoundTrip(t *testing.T) {
	h := newHarness(t)
	c := h.client("AKIAEXAMPLE", "eu-west-1")
	ctx := context.Background()
	now := h.clock.Now()
	dims := []types.Dimension{{Name: aws.String("Queue"), Value: aws.String("q1")}}
	_, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{
		Namespace: aws.String("App"),
		MetricData: []types.MetricDatum{
			{MetricName: aws.String("Depth"), Dimensions: dims, Value: aws.Float64(10), Timestamp: aws.Time(now.Add(-90 * time.Second)), Unit: types.StandardUnitCount},
			{MetricName: aws.String("Depth"), Dimensions: dims, Values: []float64{20, 30}, Counts: []float64{1, 2}, Timestamp: aws.Time(now.Add(-80 * time.Second)), Unit: types.StandardUnitCount},
			{MetricName: aws.String("Depth"), Dimensions: dims, StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(8), Minimum: aws.Float64(3), Maximum: aws.Float64(5)},
				Timestamp: aws.Time(now.Add(-30 * time.Second)), Unit: types.StandardUnitCount, StorageResolution: aws.Int32(1)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// AWS/ namespaces are accepted on purpose.
	if _, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("AWS/SQS"),
		MetricData: []types.MetricDatum{{MetricName: aws.String("ApproximateNumberOfMessagesVisible"), Value: aws.Float64(1)}}}); err != nil {
		t.Fatal(err)
	}
	sc := autoscaling.Scope{Account: DefaultAccount, Region: "eu-west-1"}
	if n := len(h.store.data[sc]); n != 4 {
		t.Fatalf("stored %d data in %v, want 4", n, sc)
	}

	st, err := c.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims,
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSum, types.StatisticMaximum, types.StatisticSampleCount},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(st.Label) != "Depth" || len(st.Datapoints) != 2 {
		t.Fatalf("statistics %+v", st)
	}
	dp := st.Datapoints[0]
	if !dp.Timestamp.Equal(now.Add(-2*time.Minute)) || aws.ToFloat64(dp.Sum) != 90 || aws.ToFloat64(dp.SampleCount) != 4 || aws.ToFloat64(dp.Maximum) != 30 || dp.Unit != types.StandardUnitCount || dp.Average != nil {
		t.Fatalf("datapoint %+v", dp)
	}
	ext, err := c.GetMetricStatistics(ctx, &cw.GetMetricStatisticsInput{
		Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims,
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(3600),
		ExtendedStatistics: []string{"p99"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Datapoints) != 1 || ext.Datapoints[0].ExtendedStatistics["p99"] != 30 {
		t.Fatalf("extended %+v", ext.Datapoints)
	}

	lm, err := c.ListMetrics(ctx, &cw.ListMetricsInput{Namespace: aws.String("App")})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Metric{{Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims}}
	if diff := cmp.Diff(want, lm.Metrics, cmp.AllowUnexported(types.Metric{}, types.Dimension{})); diff != "" {
		t.Fatalf("ListMetrics (-want +got):\n%s", diff)
	}
	lm, err = c.ListMetrics(ctx, &cw.ListMetricsInput{Dimensions: []types.DimensionFilter{{Name: aws.String("Queue")}}, RecentlyActive: types.RecentlyActivePt3h})
	if err != nil || len(lm.Metrics) != 1 {
		t.Fatalf("ListMetrics by dimension name: %v %+v", err, lm)
	}

	md, err := c.GetMetricData(ctx, &cw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []types.MetricDataQuery{
			{Id: aws.String("m1"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims}, Period: aws.Int32(60), Stat: aws.String("Sum")}},
			{Id: aws.String("e1"), Expression: aws.String("m1"), Label: aws.String("copy")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(md.MetricDataResults) != 1 {
		t.Fatalf("results %+v", md.MetricDataResults)
	}
	r := md.MetricDataResults[0]
	if aws.ToString(r.Id) != "e1" || aws.ToString(r.Label) != "copy" || r.StatusCode != types.StatusCodeComplete ||
		!slices.Equal(r.Values, []float64{8, 90}) || !r.Timestamps[0].Equal(now.Add(-time.Minute)) {
		t.Fatalf("result (descending) %+v", r)
	}
	// Paging: one datapoint per page, ascending.
	in := &cw.GetMetricDataInput{
		StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now), ScanBy: types.ScanByTimestampAscending, MaxDatapoints: aws.Int32(1),
		MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Depth"), Dimensions: dims}, Period: aws.Int32(60), Stat: aws.String("Maximum")}}},
	}
	var got []float64
	for page := 0; page < 5; page++ {
		md, err := c.GetMetricData(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, md.MetricDataResults[0].Values...)
		if md.NextToken == nil {
			break
		}
		in.NextToken = md.NextToken
	}
	if !slices.Equal(got, []float64{30, 5}) {
		t.Fatalf("paged values %v", got)
	}
}

func TestSDKMetricErrors(t *testing.T) {
	h := newHarness(t)
	c := h.client("AKIAEXAMPLE", "us-east-1")
	ctx := context.Background()
	now := h.clock.Now()
	put := func(d types.MetricDatum) error {
		_, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: []types.MetricDatum{d}})
		return err
	}
	wantErrorMessage(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(math.NaN())}),
		"InvalidParameterValue", "The value NaN for parameter MetricData.member.1.Value is invalid.")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(math.Ldexp(1, 361))}), "InvalidParameterValue")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(math.Inf(1))}), "InvalidParameterValue")
	wantErrorMessage(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StatisticValues: &types.StatisticSet{
		SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}),
		"InvalidParameterCombination", "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Values: []float64{1, 2}, Counts: []float64{1}}), "InvalidParameterValue")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Timestamp: aws.Time(now.Add(-15 * 24 * time.Hour))}), "InvalidParameterValue")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), StorageResolution: aws.Int32(5)}), "InvalidParameterValue")
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m")}), "MissingParameter")
	dims := make([]types.Dimension, 31)
	for i := range dims {
		dims[i] = types.Dimension{Name: aws.String(strings.Repeat("d", i+1)), Value: aws.String("v")}
	}
	wantCode(t, put(types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1), Dimensions: dims}), "InvalidParameterValue")
	many := make([]types.MetricDatum, 1001)
	for i := range many {
		many[i] = types.MetricDatum{MetricName: aws.String("m"), Value: aws.Float64(1)}
	}
	_, err := c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("App"), MetricData: many})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String(""), MetricData: many[:1]})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.PutMetricData(ctx, &cw.PutMetricDataInput{Namespace: aws.String("App")})
	wantCode(t, err, "MissingParameter")

	gms := func(in cw.GetMetricStatisticsInput) error {
		in.Namespace, in.MetricName = aws.String("App"), aws.String("m")
		if in.StartTime == nil {
			in.StartTime, in.EndTime = aws.Time(now.Add(-time.Hour)), aws.Time(now)
		}
		if in.Period == nil {
			in.Period = aws.Int32(60)
		}
		_, err := c.GetMetricStatistics(ctx, &in)
		return err
	}
	wantErrorMessage(t, gms(cw.GetMetricStatisticsInput{}), "InvalidParameterCombination",
		"At least one of the parameters Statistics and ExtendedStatistics must be specified.")
	wantCode(t, gms(cw.GetMetricStatisticsInput{Statistics: []types.Statistic{"Median"}}), "InvalidParameterValue")
	wantCode(t, gms(cw.GetMetricStatisticsInput{ExtendedStatistics: []string{"p200"}}), "InvalidParameterValue")
	wantCode(t, gms(cw.GetMetricStatisticsInput{Statistics: []types.Statistic{"Sum"}, Period: aws.Int32(61)}), "InvalidParameterValue")
	wantErrorMessage(t, gms(cw.GetMetricStatisticsInput{Statistics: []types.Statistic{"Sum"}, StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}),
		"InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
	wantErrorMessage(t, gms(cw.GetMetricStatisticsInput{Statistics: []types.Statistic{"Sum"}, StartTime: aws.Time(now.Add(-1441 * time.Minute)), EndTime: aws.Time(now)}),
		"InvalidParameterCombination", "You have requested up to 1,441 datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.")

	metricStat := &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("m")}, Period: aws.Int32(60), Stat: aws.String("Sum")}
	gmd := func(in cw.GetMetricDataInput) error {
		in.StartTime, in.EndTime = aws.Time(now.Add(-time.Hour)), aws.Time(now)
		_, err := c.GetMetricData(ctx, &in)
		return err
	}
	wantCode(t, gmd(cw.GetMetricDataInput{NextToken: aws.String("!!"), MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: metricStat}}}), "InvalidNextToken")
	wantCode(t, gmd(cw.GetMetricDataInput{MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("M1"), MetricStat: metricStat}}}), "InvalidParameterValue")
	wantCode(t, gmd(cw.GetMetricDataInput{MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: metricStat, Expression: aws.String("m1")}}}), "InvalidParameterCombination")
	wantCode(t, gmd(cw.GetMetricDataInput{MetricDataQueries: []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("nope(")}}}), "InvalidParameterValue")
	_, err = c.ListMetrics(ctx, &cw.ListMetricsInput{RecentlyActive: "PT1H"})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.ListMetrics(ctx, &cw.ListMetricsInput{NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidNextToken")
	// Modeled errors come back as their types.
	_, err = c.ListMetrics(ctx, &cw.ListMetricsInput{RecentlyActive: "PT1H"})
	var ipv *types.InvalidParameterValueException
	if !errors.As(err, &ipv) {
		t.Fatalf("error %T is not *types.InvalidParameterValueException", err)
	}
}

func singleAlarm(name string) *cw.PutMetricAlarmInput {
	return &cw.PutMetricAlarmInput{
		AlarmName: aws.String(name), AlarmDescription: aws.String("high depth"),
		Namespace: aws.String("App"), MetricName: aws.String("Depth"), Statistic: types.StatisticAverage,
		Dimensions: []types.Dimension{{Name: aws.String("Queue"), Value: aws.String("q1")}},
		Period:     aws.Int32(60), EvaluationPeriods: aws.Int32(3), DatapointsToAlarm: aws.Int32(2), Threshold: aws.Float64(100),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold, TreatMissingData: aws.String("notBreaching"),
		AlarmActions: []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x"},
		Tags:         []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}},
	}
}

func TestSDKAlarms(t *testing.T) {
	h := newHarness(t)
	c := h.client("123456789012", "us-west-2")
	ctx := context.Background()
	if _, err := c.PutMetricAlarm(ctx, singleAlarm("high")); err != nil {
		t.Fatal(err)
	}
	math := &cw.PutMetricAlarmInput{
		AlarmName: aws.String("math"), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1.5),
		ComparisonOperator: types.ComparisonOperatorLessThanThreshold, ActionsEnabled: aws.Bool(false),
		Metrics: []types.MetricDataQuery{
			{Id: aws.String("m1"), ReturnData: aws.Bool(false), MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Depth")}, Period: aws.Int32(300), Stat: aws.String("p90")}},
			{Id: aws.String("e1"), Expression: aws.String("m1*2"), Label: aws.String("double"), ReturnData: aws.Bool(true)},
		},
	}
	if _, err := c.PutMetricAlarm(ctx, math); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 2 || out.CompositeAlarms == nil || len(out.CompositeAlarms) != 0 {
		t.Fatalf("alarms %+v", out)
	}
	a := out.MetricAlarms[0]
	if aws.ToString(a.AlarmArn) != "arn:aws:cloudwatch:us-west-2:123456789012:alarm:high" || aws.ToString(a.AlarmName) != "high" ||
		a.Statistic != types.StatisticAverage || aws.ToInt32(a.Period) != 60 || aws.ToInt32(a.DatapointsToAlarm) != 2 ||
		aws.ToFloat64(a.Threshold) != 100 || a.StateValue != types.StateValueInsufficientData || !aws.ToBool(a.ActionsEnabled) ||
		len(a.Dimensions) != 1 || aws.ToString(a.Dimensions[0].Value) != "q1" || a.StateUpdatedTimestamp == nil ||
		!a.AlarmConfigurationUpdatedTimestamp.Equal(h.clock.Now()) || aws.ToString(a.TreatMissingData) != "notBreaching" ||
		len(a.AlarmActions) != 1 || a.OKActions == nil {
		t.Fatalf("single alarm %+v", a)
	}
	m := out.MetricAlarms[1]
	if aws.ToBool(m.ActionsEnabled) || len(m.Metrics) != 2 || aws.ToString(m.Metrics[1].Expression) != "m1*2" || aws.ToBool(m.Metrics[0].ReturnData) ||
		aws.ToString(m.Metrics[0].MetricStat.Stat) != "p90" || aws.ToInt32(m.Metrics[0].MetricStat.Period) != 300 || m.MetricName != nil {
		t.Fatalf("math alarm %+v", m)
	}
	if got := h.reg.alarms[autoscaling.Scope{Account: "123456789012", Region: "us-west-2"}]["high"].Tags["team"]; got != "a" {
		t.Fatalf("tags not stored: %q", got)
	}

	// Filters and paging.
	for _, tc := range []struct {
		in   cw.DescribeAlarmsInput
		want []string
	}{
		{cw.DescribeAlarmsInput{AlarmNames: []string{"math", "nope"}}, []string{"math"}},
		{cw.DescribeAlarmsInput{AlarmNamePrefix: aws.String("hi")}, []string{"high"}},
		{cw.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:autoscaling:")}, []string{"high"}},
		{cw.DescribeAlarmsInput{StateValue: types.StateValueAlarm}, nil},
		{cw.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}, nil},
	} {
		out, err := c.DescribeAlarms(ctx, &tc.in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range out.MetricAlarms {
			names = append(names, aws.ToString(a.AlarmName))
		}
		if !slices.Equal(names, tc.want) {
			t.Fatalf("DescribeAlarms(%+v) = %v, want %v", tc.in, names, tc.want)
		}
	}
	p := cw.NewDescribeAlarmsPaginator(c, &cw.DescribeAlarmsInput{MaxRecords: aws.Int32(1)})
	var pages int
	for p.HasMorePages() {
		if _, err := p.NextPage(ctx); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	if pages != 2 {
		t.Fatalf("%d pages, want 2", pages)
	}

	// SetAlarmState.
	if _, err := c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("high"), StateValue: types.StateValueAlarm,
		StateReason: aws.String("testing"), StateReasonData: aws.String(`{"version":"1.0"}`)}); err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil || len(out.MetricAlarms) != 1 || aws.ToString(out.MetricAlarms[0].StateReasonData) != `{"version":"1.0"}` || aws.ToString(out.MetricAlarms[0].StateReason) != "testing" {
		t.Fatalf("after SetAlarmState: %v %+v", err, out)
	}
	_, err = c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
	wantErrorMessage(t, err, "ResourceNotFound", "Alarm nope not found")
	var rnf *types.ResourceNotFound
	if !errors.As(err, &rnf) {
		t.Fatalf("error %T is not *types.ResourceNotFound", err)
	}
	_, err = c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("high"), StateValue: types.StateValueOk, StateReason: aws.String("x"), StateReasonData: aws.String("{not json")})
	wantCode(t, err, "InvalidFormat")
	_, err = c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("high"), StateValue: "BROKEN", StateReason: aws.String("x")})
	wantCode(t, err, "InvalidParameterValue")

	// History.
	h.clock.Advance(time.Minute)
	if _, err := c.SetAlarmState(ctx, &cw.SetAlarmStateInput{AlarmName: aws.String("high"), StateValue: types.StateValueOk, StateReason: aws.String("back")}); err != nil {
		t.Fatal(err)
	}
	hist, err := c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{AlarmName: aws.String("high")})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.AlarmHistoryItems) != 3 || hist.AlarmHistoryItems[0].HistorySummary == nil || aws.ToString(hist.AlarmHistoryItems[0].HistorySummary) != "Alarm updated to OK" ||
		hist.AlarmHistoryItems[0].AlarmType != types.AlarmTypeMetricAlarm || !hist.AlarmHistoryItems[0].Timestamp.Equal(h.clock.Now()) {
		t.Fatalf("history %+v", hist.AlarmHistoryItems)
	}
	hist, err = c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{AlarmName: aws.String("high"), ScanBy: types.ScanByTimestampAscending, MaxRecords: aws.Int32(2)})
	if err != nil || len(hist.AlarmHistoryItems) != 2 || hist.AlarmHistoryItems[0].HistoryItemType != types.HistoryItemTypeConfigurationUpdate || hist.NextToken == nil {
		t.Fatalf("ascending history %v %+v", err, hist)
	}
	hist, err = c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{AlarmName: aws.String("high"), ScanBy: types.ScanByTimestampAscending, MaxRecords: aws.Int32(2), NextToken: hist.NextToken})
	if err != nil || len(hist.AlarmHistoryItems) != 1 || aws.ToString(hist.AlarmHistoryItems[0].HistorySummary) != "Alarm updated to OK" || hist.NextToken != nil {
		t.Fatalf("second history page %v %+v", err, hist)
	}
	hist, err = c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{HistoryItemType: types.HistoryItemTypeConfigurationUpdate})
	if err != nil || len(hist.AlarmHistoryItems) != 2 {
		t.Fatalf("history by type %v %+v", err, hist)
	}
	_, err = c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{NextToken: aws.String("zz")})
	wantCode(t, err, "InvalidNextToken")
	_, err = c.DescribeAlarmHistory(ctx, &cw.DescribeAlarmHistoryInput{MaxRecords: aws.Int32(101)})
	wantCode(t, err, "InvalidParameterValue")

	// DeleteAlarms.
	_, err = c.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"high", "ghost"}})
	wantErrorMessage(t, err, "ResourceNotFound", "Alarm ghost not found")
	if _, err := c.DeleteAlarms(ctx, &cw.DeleteAlarmsInput{AlarmNames: []string{"high", "math"}}); err != nil {
		t.Fatal(err)
	}
	out, err = c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{})
	if err != nil || len(out.MetricAlarms) != 0 {
		t.Fatalf("after delete: %v %+v", err, out)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	want := []string{"123456789012/us-west-2/high", "123456789012/us-west-2/math", "123456789012/us-west-2/high", "123456789012/us-west-2/high",
		"123456789012/us-west-2/high", "123456789012/us-west-2/math"}
	if !slices.Equal(h.changes, want) {
		t.Fatalf("OnAlarmChange calls %v, want %v", h.changes, want)
	}
}

func TestSDKAlarmValidation(t *testing.T) {
	h := newHarness(t)
	c := h.client("AKIAEXAMPLE", "us-east-1")
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mod  func(in *cw.PutMetricAlarmInput)
		code string
	}{
		{"statistic and extended", func(in *cw.PutMetricAlarmInput) { in.ExtendedStatistic = aws.String("p99") }, "InvalidParameterCombination"},
		{"no statistic", func(in *cw.PutMetricAlarmInput) { in.Statistic = "" }, "InvalidParameterCombination"},
		{"bad extended", func(in *cw.PutMetricAlarmInput) { in.Statistic, in.ExtendedStatistic = "", aws.String("p101") }, "InvalidParameterValue"},
		{"no period", func(in *cw.PutMetricAlarmInput) { in.Period = nil }, "MissingParameter"},
		{"bad period", func(in *cw.PutMetricAlarmInput) { in.Period = aws.Int32(45) }, "InvalidParameterValue"},
		{"datapoints > periods", func(in *cw.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(4) }, "InvalidParameterValue"},
		{"too long", func(in *cw.PutMetricAlarmInput) { in.Period, in.EvaluationPeriods = aws.Int32(60), aws.Int32(1441) }, "InvalidParameterValue"},
		{"treat missing", func(in *cw.PutMetricAlarmInput) { in.TreatMissingData = aws.String("sometimes") }, "InvalidParameterValue"},
		{"anomaly operator", func(in *cw.PutMetricAlarmInput) {
			in.ComparisonOperator = types.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold
		}, "InvalidParameterValue"},
		{"no threshold", func(in *cw.PutMetricAlarmInput) { in.Threshold = nil }, "MissingParameter"},
		{"metrics and metric name", func(in *cw.PutMetricAlarmInput) {
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("e1"), Expression: aws.String("1")}}
		}, "InvalidParameterCombination"},
		{"two return data", func(in *cw.PutMetricAlarmInput) {
			in.Namespace, in.MetricName, in.Statistic, in.Period, in.Dimensions = nil, nil, "", nil, nil
			ms := &types.MetricStat{Metric: &types.Metric{Namespace: aws.String("App"), MetricName: aws.String("Depth")}, Period: aws.Int32(60), Stat: aws.String("Sum")}
			in.Metrics = []types.MetricDataQuery{{Id: aws.String("m1"), MetricStat: ms}, {Id: aws.String("m2"), MetricStat: ms}}
		}, "InvalidParameterValue"},
		{"too many actions", func(in *cw.PutMetricAlarmInput) { in.OKActions = []string{"a", "b", "c", "d", "e", "f"} }, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := singleAlarm("v")
			tc.mod(in)
			_, err := c.PutMetricAlarm(ctx, in)
			wantCode(t, err, tc.code)
		})
	}
	_, err := c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{MaxRecords: aws.Int32(101)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{NextToken: aws.String("%%%")})
	wantCode(t, err, "InvalidNextToken")
	_, err = c.DescribeAlarms(ctx, &cw.DescribeAlarmsInput{AlarmNames: []string{"a"}, AlarmNamePrefix: aws.String("a")})
	wantCode(t, err, "InvalidParameterCombination")
}

func TestSDKUnknownOperation(t *testing.T) {
	h := newHarness(t)
	c := h.client("AKIAEXAMPLE", "us-east-1")
	_, err := c.ListDashboards(context.Background(), &cw.ListDashboardsInput{})
	wantCode(t, err, "UnknownOperationException")
}
