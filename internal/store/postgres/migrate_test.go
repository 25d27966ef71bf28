package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/postgres"
)

// Nodes starting together on an empty schema create it once, without errors.
func TestConcurrentOpen(t *testing.T) {
	dsn := freshSchema(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := postgres.Open(context.Background(), dsn, nil)
			if err == nil {
				_, err = st.Meta(context.Background(), "k", func() ([]byte, error) { return []byte(fmt.Sprint(i)), nil })
				st.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dsn := freshSchema(t)
	openDSN(t, dsn).Close()
	conn := connect(t, dsn)
	if _, err := conn.Exec(context.Background(), `UPDATE meta SET value = '99' WHERE owner = 'store' AND key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	if st, err := postgres.Open(context.Background(), dsn, nil); err == nil {
		st.Close()
		t.Fatal("opened a database of a newer schema version")
	}
}

func TestMissingSchema(t *testing.T) {
	dsn := freshSchema(t)
	i := strings.LastIndex(dsn, "search_path=")
	_, err := postgres.Open(context.Background(), dsn[:i]+"search_path=autoscaled_no_such_schema", nil)
	if err == nil || !strings.Contains(err.Error(), "search_path") {
		t.Errorf("Open on a missing schema: %v, want an error naming search_path", err)
	}
}

// A version 1 schema (before the record table) is migrated to version 2: its data stays,
// the record table appears, and the version is recorded.
func TestMigratesVersion1(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	st := openDSN(t, dsn)
	scope := autoscaling.Scope{Account: "123456789012", Region: "eu-central-1"}
	tg := &autoscaling.ScalableTarget{Scope: scope, TargetKey: autoscaling.TargetKey{Namespace: "ecs", ResourceID: "service/c/v1", Dimension: "ecs:service:DesiredCount"}}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.InsertTarget(tg) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Version 1 is version 2 without the record table.
	conn := connect(t, dsn)
	if _, err := conn.Exec(ctx, `DROP TABLE records; UPDATE meta SET value = '1' WHERE owner = 'store' AND key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	st = openDSN(t, dsn)
	if got, err := st.GetTarget(ctx, scope, tg.TargetKey); err != nil || got.Seq != tg.Seq {
		t.Errorf("target after migration: %v %v", got, err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutRecord("k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if v, err := st.GetRecord(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("record after migration: %q %v", v, err)
	}
	var version string
	if err := conn.QueryRow(ctx, `SELECT convert_from(value, 'UTF8') FROM meta WHERE owner = 'store' AND key = 'schema_version'`).Scan(&version); err != nil || version != "2" {
		t.Errorf("schema version after migration: %q %v, want 2", version, err)
	}
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// legacySchema is the former layout: key columns and the object as JSON.
const legacySchema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL);
CREATE TABLE targets (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, id TEXT NOT NULL, rtype TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension)
);
CREATE INDEX targets_by_id ON targets (account, region, id);
CREATE INDEX targets_by_ns ON targets (account, region, namespace, seq);
CREATE TABLE target_counts (
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL, rtype TEXT NOT NULL,
	n BIGINT NOT NULL, PRIMARY KEY (account, region, namespace, rtype)
);
CREATE TABLE policies (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX policies_by_ns ON policies (account, region, namespace, seq);
CREATE TABLE scheduled_actions (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, name TEXT NOT NULL,
	data TEXT NOT NULL,
	UNIQUE (account, region, namespace, resource_id, dimension, name)
);
CREATE INDEX scheduled_actions_by_ns ON scheduled_actions (account, region, namespace, seq);
CREATE TABLE activities (
	seq BIGSERIAL PRIMARY KEY,
	account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
	resource_id TEXT NOT NULL, dimension TEXT NOT NULL, not_scaled BOOLEAN NOT NULL,
	start_us BIGINT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX activities_by_ns ON activities (account, region, namespace, seq);
CREATE INDEX activities_by_start ON activities (start_us);
`

func ptr[T any](v T) *T { return &v }

// A database of the former layout is imported in place on Open.
func TestImportsFormerLayout(t *testing.T) {
	ctx := context.Background()
	dsn := freshSchema(t)
	conn := connect(t, dsn)
	if _, err := conn.Exec(ctx, legacySchema); err != nil {
		t.Fatal(err)
	}
	scope := autoscaling.Scope{Account: "123456789012", Region: "eu-central-1"}
	now := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	put := func(q string, seq *int64, args ...any) {
		t.Helper()
		if err := conn.QueryRow(ctx, q+" RETURNING seq", args...).Scan(seq); err != nil {
			t.Fatal(err)
		}
	}
	doc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var targets []*autoscaling.ScalableTarget
	var policies []*autoscaling.ScalingPolicy
	var actions []*autoscaling.ScheduledAction
	var acts []*autoscaling.ScalingActivity
	for i := range 4 {
		k := autoscaling.TargetKey{Namespace: "ecs", ResourceID: fmt.Sprintf("service/c/s%d", i), Dimension: "ecs:service:DesiredCount"}
		tg := &autoscaling.ScalableTarget{Scope: scope, TargetKey: k, ID: autoscaling.NewTargetID("ecs"), ResourceUUID: autoscaling.NewUUID(),
			MinCapacity: int32(i), MaxCapacity: 10, RoleARN: "arn:role", CreationTime: now, Tags: map[string]string{"i": fmt.Sprint(i)},
			Suspended: autoscaling.SuspendedState{ScheduledScalingSuspended: i%2 == 1}}
		put(`INSERT INTO targets (account, region, namespace, resource_id, dimension, id, rtype, data) VALUES ($1, $2, $3, $4, $5, $6, 'service', $7)`,
			&tg.Seq, scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension, tg.ID, doc(tg))
		targets = append(targets, tg)
		p := &autoscaling.ScalingPolicy{Scope: scope, TargetKey: k, Name: "p", ARN: "arn:p", Type: autoscaling.PolicyTypeTargetTracking, CreationTime: now,
			TargetTracking: &autoscaling.TargetTrackingScalingPolicyConfiguration{TargetValue: ptr(50.0),
				PredefinedMetricSpecification: &autoscaling.PredefinedMetricSpecification{PredefinedMetricType: ptr("ECSServiceAverageCPUUtilization")}},
			Alarms: []autoscaling.Alarm{{AlarmName: "x", AlarmARN: "arn:x"}}}
		put(`INSERT INTO policies (account, region, namespace, resource_id, dimension, name, data) VALUES ($1, $2, $3, $4, $5, 'p', $6)`,
			&p.Seq, scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension, doc(p))
		a := &autoscaling.ScheduledAction{Scope: scope, TargetKey: k, Name: "s", ARN: "arn:s", Schedule: "cron(0 * * * ? *)", Timezone: ptr("UTC"),
			StartTime: &now, MinCapacity: ptr(int32(1)), CreationTime: now}
		put(`INSERT INTO scheduled_actions (account, region, namespace, resource_id, dimension, name, data) VALUES ($1, $2, $3, $4, $5, 's', $6)`,
			&a.Seq, scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension, doc(a))
		act := &autoscaling.ScalingActivity{Scope: scope, TargetKey: k, ActivityID: autoscaling.NewUUID(), Description: "d", Cause: "c",
			StartTime: now.Add(time.Duration(i) * time.Second), StatusCode: autoscaling.StatusSuccessful}
		put(`INSERT INTO activities (account, region, namespace, resource_id, dimension, not_scaled, start_us, data) VALUES ($1, $2, $3, $4, $5, false, $6, $7)`,
			&act.Seq, scope.Account, scope.Region, k.Namespace, k.ResourceID, k.Dimension, act.StartTime.UnixMicro(), doc(act))
		policies, actions, acts = append(policies, p), append(actions, a), append(acts, act)
	}
	// An orphan policy (its target was deleted) and a deleted last target.
	var orphan, deleted int64
	put(`INSERT INTO policies (account, region, namespace, resource_id, dimension, name, data) VALUES ($1, $2, 'ecs', 'service/c/gone', 'ecs:service:DesiredCount', 'p', $3)`,
		&orphan, scope.Account, scope.Region, doc(&autoscaling.ScalingPolicy{Name: "p"}))
	put(`INSERT INTO targets (account, region, namespace, resource_id, dimension, id, rtype, data) VALUES ($1, $2, 'ecs', 'service/c/deleted', 'ecs:service:DesiredCount', 'x', 'service', '{}')`,
		&deleted, scope.Account, scope.Region)
	if _, err := conn.Exec(ctx, `DELETE FROM targets WHERE seq = $1`, deleted); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('token-key', 'secret')`); err != nil {
		t.Fatal(err)
	}

	st := openDSN(t, dsn)
	eq := cmpopts.EquateEmpty()
	ts, err := st.ListTargets(ctx, scope, store.TargetQuery{Namespace: "ecs"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(targets, ts, eq); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	ps, _ := st.ListPolicies(ctx, scope, store.PolicyQuery{Namespace: "ecs"})
	if diff := cmp.Diff(policies, ps, eq); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	as, _ := st.ListScheduledActions(ctx, scope, store.ScheduledActionQuery{Namespace: "ecs"})
	if diff := cmp.Diff(actions, as, eq); diff != "" {
		t.Errorf("scheduled actions (-want +got):\n%s", diff)
	}
	gotActs, _ := st.ListActivities(ctx, scope, store.ActivityQuery{Namespace: "ecs", IncludeNotScaled: true})
	for i, j := 0, len(acts)-1; i < j; i, j = i+1, j-1 {
		acts[i], acts[j] = acts[j], acts[i]
	}
	if diff := cmp.Diff(acts, gotActs, eq); diff != "" {
		t.Errorf("activities (-want +got):\n%s", diff)
	}
	if v, err := st.Meta(ctx, "token-key", func() ([]byte, error) { return []byte("new"), nil }); err != nil || string(v) != "secret" {
		t.Errorf("meta: %q %v", v, err)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if n, err := tx.CountTargets(scope, "ecs", "service"); n != 4 || err != nil {
			return fmt.Errorf("count after import: %d %v", n, err)
		}
		tg := &autoscaling.ScalableTarget{Scope: scope, TargetKey: autoscaling.TargetKey{Namespace: "ecs", ResourceID: "service/c/new", Dimension: "ecs:service:DesiredCount"}}
		if err := tx.InsertTarget(tg); err != nil {
			return err
		}
		p := &autoscaling.ScalingPolicy{Scope: scope, TargetKey: tg.TargetKey, Name: "p"}
		if err := tx.PutPolicy(p); err != nil {
			return err
		}
		if tg.Seq <= deleted || p.Seq <= orphan {
			return fmt.Errorf("seq went back: target %d <= %d, policy %d <= %d", tg.Seq, deleted, p.Seq, orphan)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	var legacyLeft int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'legacy_%'`).Scan(&legacyLeft); err != nil || legacyLeft != 0 {
		t.Errorf("%d legacy tables left (%v)", legacyLeft, err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutRecord("after-import", []byte("v")) }); err != nil {
		t.Errorf("record after import: %v", err)
	}
	st.Close()
	st = openDSN(t, dsn) // no second import
	if ts, _ := st.ListTargets(ctx, scope, store.TargetQuery{Namespace: "ecs"}); len(ts) != 5 {
		t.Errorf("after a second open: %d targets, want 5", len(ts))
	}
	if _, err := st.GetTarget(ctx, scope, autoscaling.TargetKey{Namespace: "ecs", ResourceID: "service/c/deleted", Dimension: "ecs:service:DesiredCount"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted target: %v", err)
	}
}
