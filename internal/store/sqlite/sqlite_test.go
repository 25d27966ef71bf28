package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/readcache"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
	"github.com/autoscaled/autoscaled/internal/store/sqlitestore"
	"github.com/autoscaled/autoscaled/internal/store/storetest"
)

func openAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openAt(t, filepath.Join(t.TempDir(), "db")) })
}

// The server runs the embedded store behind the read cache: the pair must conform too.
func TestConformanceBehindReadCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return readcache.New(openAt(t, filepath.Join(t.TempDir(), "db")))
	})
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	storetest.RunReopen(t, func(t *testing.T) store.Store { return openAt(t, path) })
}

// A file name with characters that mean something in a URI.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "my db?.sqlite")
	st := openAt(t, path)
	if _, err := st.Meta(context.Background(), "k", func() ([]byte, error) { return []byte("v"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the database is not where it was asked to be: %v", err)
	}
}

var scope = autoscaling.Scope{Account: "123456789012", Region: "us-west-2"}

func key(name string) autoscaling.TargetKey {
	return autoscaling.TargetKey{Namespace: "lambda", ResourceID: "function:" + name + ":live", Dimension: "lambda:function:ProvisionedConcurrency"}
}

func target(name string) *autoscaling.ScalableTarget {
	return &autoscaling.ScalableTarget{Scope: scope, TargetKey: key(name), ID: autoscaling.NewTargetID("lambda"),
		ResourceUUID: autoscaling.NewUUID(), MinCapacity: 1, MaxCapacity: 5, CreationTime: time.Now().UTC().Truncate(time.Millisecond)}
}

// Reads do not wait for a running Update and do not see its writes before it commits.
func TestReadsBesideTheWriter(t *testing.T) {
	st := openAt(t, filepath.Join(t.TempDir(), "db"))
	ctx := context.Background()
	written, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		done <- st.Update(ctx, func(tx store.Tx) error {
			if err := tx.InsertTarget(target("pending")); err != nil {
				return err
			}
			close(written)
			<-release
			return nil
		})
	}()
	<-written
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := st.GetTarget(rctx, scope, key("pending"))
	cancel()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a read during an Update: %v, want ErrNotFound", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetTarget(ctx, scope, key("pending")); err != nil {
		t.Errorf("after commit: %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE meta SET value = '99' WHERE owner = 'store' AND key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if st, err := sqlite.Open(context.Background(), path, nil); err == nil {
		st.Close()
		t.Fatal("opened a database of a newer schema version")
	}
}

// A version 1 database (before the record table) is migrated to version 2: its data stays,
// the record table appears, and the version is recorded.
func TestMigratesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	tg := target("v1")
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.InsertTarget(tg) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Version 1 is version 2 without the record table.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE records; UPDATE meta SET value = '1' WHERE owner = 'store' AND key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st = openAt(t, path)
	if got, err := st.GetTarget(ctx, scope, tg.TargetKey); err != nil || got.Seq != tg.Seq {
		t.Errorf("target after migration: %v %v", got, err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutRecord("k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if v, err := st.GetRecord(ctx, "k"); err != nil || string(v) != "v" {
		t.Errorf("record after migration: %q %v", v, err)
	}
	st.Close()
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version string
	if err := db.QueryRow(`SELECT value FROM meta WHERE owner = 'store' AND key = 'schema_version'`).Scan(&version); err != nil || version != "2" {
		t.Errorf("schema version after migration: %q %v, want 2", version, err)
	}
}

// A database written by the former sqlitestore package (JSON documents) is imported in
// place: every object, seq and Meta value survives, and seqs continue after the old ones.
func TestImportsFormerLayout(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	old, err := sqlitestore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var targets []*autoscaling.ScalableTarget
	var policies []*autoscaling.ScalingPolicy
	var actions []*autoscaling.ScheduledAction
	var acts []*autoscaling.ScalingActivity
	err = old.Update(ctx, func(tx store.Tx) error {
		for i := range 5 {
			tg := target(fmt.Sprint("old", i))
			tg.Tags = map[string]string{"i": fmt.Sprint(i)}
			tg.Suspended.DynamicScalingOutSuspended = i%2 == 0
			if err := tx.InsertTarget(tg); err != nil {
				return err
			}
			targets = append(targets, tg)
			p := &autoscaling.ScalingPolicy{Scope: scope, TargetKey: tg.TargetKey, Name: "p", Type: autoscaling.PolicyTypeStepScaling,
				ARN: "arn:p", CreationTime: tg.CreationTime, StepScaling: &autoscaling.StepScalingPolicyConfiguration{
					AdjustmentType:  ptr("ChangeInCapacity"),
					StepAdjustments: []autoscaling.StepAdjustment{{MetricIntervalLowerBound: ptr(0.0), ScalingAdjustment: ptr(int32(2))}}},
				Alarms: []autoscaling.Alarm{{AlarmName: "a", AlarmARN: "arn:a"}}}
			end := tg.CreationTime.Add(time.Hour)
			a := &autoscaling.ScheduledAction{Scope: scope, TargetKey: tg.TargetKey, Name: "s", ARN: "arn:s", Schedule: "rate(1 hour)",
				EndTime: &end, MaxCapacity: ptr(int32(3)), CreationTime: tg.CreationTime}
			act := &autoscaling.ScalingActivity{Scope: scope, TargetKey: tg.TargetKey, ActivityID: autoscaling.NewUUID(), Description: "d",
				Cause: "c", StartTime: tg.CreationTime, StatusCode: autoscaling.StatusSuccessful,
				NotScaledReasons: []autoscaling.NotScaledReason{{Code: "x", CurrentCapacity: ptr(int32(i))}}}
			if err := errors.Join(tx.PutPolicy(p), tx.PutScheduledAction(a), tx.PutActivity(act)); err != nil {
				return err
			}
			policies, actions, acts = append(policies, p), append(actions, a), append(acts, act)
		}
		// A deleted target at the end: its seq must not be handed out again.
		tg := target("deleted")
		if err := tx.InsertTarget(tg); err != nil {
			return err
		}
		targets = append(targets, tg)
		return tx.DeleteTarget(scope, tg.TargetKey)
	})
	if err != nil {
		t.Fatal(err)
	}
	metaV, _ := old.Meta(ctx, "token-key", func() ([]byte, error) { return []byte("secret"), nil })
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	st := openAt(t, path)
	eq := cmpopts.EquateEmpty()
	ts, err := st.ListTargets(ctx, scope, store.TargetQuery{Namespace: "lambda"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(targets[:5], ts, eq); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	ps, _ := st.ListPolicies(ctx, scope, store.PolicyQuery{Namespace: "lambda"})
	if diff := cmp.Diff(policies, ps, eq); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	as, _ := st.ListScheduledActions(ctx, scope, store.ScheduledActionQuery{Namespace: "lambda"})
	if diff := cmp.Diff(actions, as, eq); diff != "" {
		t.Errorf("scheduled actions (-want +got):\n%s", diff)
	}
	gotActs, _ := st.ListActivities(ctx, scope, store.ActivityQuery{Namespace: "lambda", IncludeNotScaled: true})
	for i, j := 0, len(acts)-1; i < j; i, j = i+1, j-1 {
		acts[i], acts[j] = acts[j], acts[i]
	}
	if diff := cmp.Diff(acts, gotActs, eq); diff != "" {
		t.Errorf("activities (-want +got):\n%s", diff)
	}
	v, err := st.Meta(ctx, "token-key", func() ([]byte, error) { return []byte("new"), nil })
	if err != nil || string(v) != string(metaV) {
		t.Errorf("meta: %q %v, want %q", v, err, metaV)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if n, err := tx.CountTargets(scope, "lambda", "function"); n != 5 || err != nil {
			return fmt.Errorf("count after import: %d %v", n, err)
		}
		tg := target("new")
		if err := tx.InsertTarget(tg); err != nil {
			return err
		}
		if tg.Seq <= targets[5].Seq {
			return fmt.Errorf("new seq %d <= the deleted target's %d", tg.Seq, targets[5].Seq)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	// The import ends at the current version: the record table is there.
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.PutRecord("after-import", []byte("v")) }); err != nil {
		t.Errorf("record after import: %v", err)
	}
	// Opening again does not import again.
	st.Close()
	st = openAt(t, path)
	if v, err := st.GetRecord(ctx, "after-import"); err != nil || string(v) != "v" {
		t.Errorf("record after a second open: %q %v", v, err)
	}
	if ts, _ := st.ListTargets(ctx, scope, store.TargetQuery{Namespace: "lambda"}); len(ts) != 6 {
		t.Errorf("after a second open: %d targets, want 6", len(ts))
	}
}

func ptr[T any](v T) *T { return &v }
