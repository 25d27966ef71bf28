package cwalarms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/cwalarms"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/memstore"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var scope = autoscaling.Scope{Account: "123456789012", Region: "us-east-1"}

const policyARN = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:u:resource/ecs/service/c/s:policyName/p"

func alarmNamed(name string, actions ...string) *cwalarms.MetricAlarm {
	return &cwalarms.MetricAlarm{Scope: scope, AlarmName: name, AlarmArn: autoscaling.AlarmARN(scope, name), ActionsEnabled: true,
		AlarmActions: actions, Namespace: "N", MetricName: "M", Statistic: "Average", Period: 60, EvaluationPeriods: 1,
		Threshold: 1, ComparisonOperator: "GreaterThanThreshold"}
}

func TestStored(t *testing.T) {
	ctx := context.Background()
	sq, err := sqlite.Open(ctx, t.TempDir()+"/db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	for name, st := range map[string]store.Store{"memstore": memstore.New(), "sqlite": sq} {
		t.Run(name, func(t *testing.T) {
			clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			var changed []string
			r := &cwalarms.Stored{Store: st, Clock: clk, OnChange: func(_ autoscaling.Scope, n string) { changed = append(changed, n) }}
			for _, n := range []string{"b", "a", "c/with/slash"} {
				if err := r.PutAlarm(ctx, alarmNamed(n, policyARN+":createdBy/x")); err != nil {
					t.Fatal(err)
				}
			}
			other := autoscaling.Scope{Account: "999999999999", Region: "us-east-1"}
			oa := alarmNamed("a")
			oa.Scope = other
			if err := r.PutAlarm(ctx, oa); err != nil {
				t.Fatal(err)
			}
			all, err := r.ListAlarms(ctx, scope, cwalarms.ListQuery{})
			if err != nil || len(all) != 3 || all[0].AlarmName != "a" || all[2].AlarmName != "c/with/slash" {
				t.Fatalf("list: %v %v", names(all), err)
			}
			if all[0].StateValue != "INSUFFICIENT_DATA" || all[0].StateReason != "Unchecked: Initial alarm creation" {
				t.Fatalf("initial state %s %q", all[0].StateValue, all[0].StateReason)
			}
			page, _ := r.ListAlarms(ctx, scope, cwalarms.ListQuery{After: "a", Limit: 1})
			if len(page) != 1 || page[0].AlarmName != "b" {
				t.Fatalf("page after a: %v", names(page))
			}
			pre, _ := r.ListAlarms(ctx, scope, cwalarms.ListQuery{NamePrefix: "c/"})
			if len(pre) != 1 {
				t.Fatalf("prefix: %v", names(pre))
			}
			byAction, _ := r.ListAlarms(ctx, scope, cwalarms.ListQuery{ActionPrefix: policyARN})
			if len(byAction) != 3 {
				t.Fatalf("by action: %v", names(byAction))
			}
			pa, err := cwalarms.AlarmsOfPolicy(ctx, st, scope, policyARN)
			if err != nil || len(pa) != 3 || pa[0].AlarmName != "a" || pa[0].AlarmARN != autoscaling.AlarmARN(scope, "a") {
				t.Fatalf("alarms of policy: %+v %v", pa, err)
			}
			clk.now = clk.now.Add(time.Minute)
			if err := r.SetAlarmState(ctx, scope, "a", "ALARM", "because", `{"x":1}`); err != nil {
				t.Fatal(err)
			}
			// A definition update keeps the state and drops the action index entry it no longer has.
			clk.now = clk.now.Add(time.Minute)
			if err := r.PutAlarm(ctx, alarmNamed("a")); err != nil {
				t.Fatal(err)
			}
			got, _ := r.ListAlarms(ctx, scope, cwalarms.ListQuery{Names: []string{"a"}})
			if got[0].StateValue != "ALARM" || got[0].StateReason != "because" || !got[0].AlarmConfigurationUpdatedTimestamp.Equal(clk.now) {
				t.Fatalf("after update: %+v", got[0])
			}
			if pa, _ := cwalarms.AlarmsOfPolicy(ctx, st, scope, policyARN); len(pa) != 2 {
				t.Fatalf("index after update: %+v", pa)
			}
			h, err := r.History(ctx, scope, cwalarms.HistoryQuery{AlarmName: "a"})
			if err != nil || len(h) != 3 || h[0].HistoryItemType != cwalarms.HistoryConfigurationUpdate ||
				h[1].HistoryItemType != cwalarms.HistoryStateUpdate || h[1].HistorySummary != "Alarm updated from INSUFFICIENT_DATA to ALARM" {
				t.Fatalf("history %+v %v", h, err)
			}
			if err := r.DeleteAlarms(ctx, scope, []string{"a", "missing"}); !errors.Is(err, cwalarms.ErrNotFound) {
				t.Fatalf("delete with a missing name: %v", err)
			}
			if got, _ := r.ListAlarms(ctx, scope, cwalarms.ListQuery{Names: []string{"a"}}); len(got) != 1 {
				t.Fatal("a failed delete removed an alarm")
			}
			if err := r.DeleteAlarms(ctx, scope, []string{"a", "b"}); err != nil {
				t.Fatal(err)
			}
			if h, _ := r.History(ctx, scope, cwalarms.HistoryQuery{AlarmName: "a"}); len(h) != 0 {
				t.Fatalf("history survives delete: %d", len(h))
			}
			if pa, _ := cwalarms.AlarmsOfPolicy(ctx, st, scope, policyARN); len(pa) != 1 {
				t.Fatalf("index after delete: %+v", pa)
			}
			if o, _ := r.ListAlarms(ctx, other, cwalarms.ListQuery{}); len(o) != 1 {
				t.Fatalf("other scope: %v", names(o))
			}
			if len(changed) == 0 {
				t.Fatal("OnChange never called")
			}
		})
	}
}

func names(as []*cwalarms.MetricAlarm) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.AlarmName)
	}
	return out
}
