package controller

import (
	"strings"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

const ecsDim = "ecs:service:DesiredCount"

func descriptions(as []*autoscaling.ScalingActivity) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Description+"|"+a.Cause+"|"+a.StatusCode)
	}
	return out
}

func TestScheduledActionSetsRangeAndMovesCapacity(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 3)
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "morning", Schedule: "at(2026-03-02T00:10:00)", MinCapacity: i32(5), MaxCapacity: i32(10)})
	h.run(9*time.Minute, nil)
	if as := h.activities(tgt); len(as) != 0 {
		t.Fatalf("fired early: %v", descriptions(as))
	}
	h.run(2*time.Minute, nil)
	wantList(t, "activities", descriptions(h.activities(tgt)), []string{
		"Setting min capacity to 5 and max capacity to 10|scheduled action name morning was triggered|Successful",
		"Setting desired count to 5.|minimum capacity was set to 5|Successful",
	})
	got, err := h.st.GetTarget(h.ctx, scope, tgt.TargetKey)
	if err != nil || got.MinCapacity != 5 || got.MaxCapacity != 10 {
		t.Fatalf("target after the action: %+v %v", got, err)
	}
	if as := h.activities(tgt); as[0].StatusMessage != "Successfully set min capacity to 5 and max capacity to 10" || as[0].Details != "" {
		t.Fatalf("status message %q details %q", as[0].StatusMessage, as[0].Details)
	}
	// at() runs once, also after a restart.
	h.restart()
	h.run(time.Hour, nil)
	if n := len(h.activities(tgt)); n != 2 {
		t.Fatalf("%d activities after restart, want 2", n)
	}
}

func TestCronInTimeZoneAcrossDST(t *testing.T) {
	h := newHarness(t)
	h.tick = time.Minute
	// Friday 2026-03-06; US daylight saving time starts Sunday 2026-03-08 at 02:00 local.
	h.clock.set(time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC))
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 10)
	ny := "America/New_York"
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "nine", Schedule: "cron(0 9 * * ? *)", Timezone: &ny, MinCapacity: i32(2)})
	h.run(4*24*time.Hour, nil)
	var starts []string
	for _, a := range h.activities(tgt) {
		if strings.HasPrefix(a.Description, "Setting min capacity") {
			starts = append(starts, a.StartTime.UTC().Format("2006-01-02T15:04"))
		}
	}
	// 09:00 EST is 14:00 UTC; 09:00 EDT is 13:00 UTC.
	wantList(t, "occurrences", starts, []string{"2026-03-06T14:00", "2026-03-07T14:00", "2026-03-08T13:00", "2026-03-09T13:00"})
}

func TestScheduledAfterDowntimeRunsLatestOnceAndSaysLate(t *testing.T) {
	h := newHarness(t)
	h.tick = 30 * time.Second
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 10)
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "hourly", Schedule: "rate(1 hour)", MinCapacity: i32(2), MaxCapacity: i32(8)})
	h.run(61*time.Minute, nil)
	if n := len(h.activities(tgt)); n != 2 { // range + clamp to 2
		t.Fatalf("%d activities after the first occurrence, want 2: %v", n, descriptions(h.activities(tgt)))
	}
	// The process is down from 01:01 to 05:30: occurrences at 02:00..05:00 are missed.
	h.clock.set(start.Add(5*time.Hour + 30*time.Minute))
	h.restart()
	h.run(time.Minute, nil)
	as := h.activities(tgt)
	if len(as) != 3 {
		t.Fatalf("activities %v", descriptions(as))
	}
	late := as[2]
	if !strings.Contains(late.Details, "due at 2026-03-02T05:00:00Z and ran 30m") || !strings.Contains(late.Details, "3 earlier missed occurrence(s) were not run") {
		t.Fatalf("details %q", late.Details)
	}
	h.run(20*time.Minute, nil)
	if n := len(h.activities(tgt)); n != 3 {
		t.Fatalf("ran again: %v", descriptions(h.activities(tgt)))
	}
}

func TestRestartJustBeforeOccurrence(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 10)
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "soon", Schedule: "cron(5 0 * * ? *)", MinCapacity: i32(3)})
	h.run(4*time.Minute+55*time.Second, nil)
	h.restart()
	h.run(time.Minute, nil)
	h.restart()
	h.run(time.Minute, nil)
	wantList(t, "activities", descriptions(h.activities(tgt)), []string{
		"Setting min capacity to 3|scheduled action name soon was triggered|Successful",
		"Setting desired count to 3.|minimum capacity was set to 3|Successful",
	})
	if d := h.activities(tgt)[0].Details; d != "" {
		t.Fatalf("on-time occurrence says %q", d)
	}
}

func TestScheduledScalingSuspendedSkipsWithoutReplay(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 10)
	h.setRange(tgt, 1, 10, autoscaling.SuspendedState{ScheduledScalingSuspended: true})
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "s", Schedule: "at(2026-03-02T00:05:00)", MinCapacity: i32(4)})
	h.run(10*time.Minute, nil)
	h.setRange(tgt, 1, 10, autoscaling.SuspendedState{})
	h.run(10*time.Minute, nil)
	if as := h.activities(tgt); len(as) != 0 {
		t.Fatalf("suspended action ran: %v", descriptions(as))
	}
}

func TestOnlyMinAboveMaxFails(t *testing.T) {
	h := newHarness(t)
	tgt := h.register("ecs", "service/c/s", ecsDim, 1, 3)
	h.putScheduled(tgt, &autoscaling.ScheduledAction{Name: "bad", Schedule: "at(2026-03-02T00:01:00)", MinCapacity: i32(5)})
	h.run(2*time.Minute, nil)
	as := h.activities(tgt)
	if len(as) != 1 || as[0].StatusCode != autoscaling.StatusFailed {
		t.Fatalf("activities %v", descriptions(as))
	}
	got, _ := h.st.GetTarget(h.ctx, scope, tgt.TargetKey)
	if got.MinCapacity != 1 || got.MaxCapacity != 3 {
		t.Fatalf("range changed: %d-%d", got.MinCapacity, got.MaxCapacity)
	}
}
