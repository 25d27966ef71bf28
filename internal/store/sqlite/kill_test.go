package sqlite_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autoscaled/autoscaled/internal/store"
	"github.com/autoscaled/autoscaled/internal/store/sqlite"
)

// killChildEnv, when set, makes TestKillDashNine the child: it writes to the database at
// that path until it is killed.
const killChildEnv = "AUTOSCALED_SQLITE_KILL_CHILD"

// TestKillDashNine runs this test binary again as a child that performs Updates from
// several goroutines and prints "ack <resource id>" (and "max <n>" for a counter it
// increments) only after Update returned nil. The parent sends SIGKILL after a few hundred
// acks, reopens the database, and checks that it is intact and that every acknowledged
// write is there. Three rounds on the same database.
func TestKillDashNine(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "db")
	acked := map[string]bool{}
	var maxAcked int64
	deadline := time.Now().Add(2 * time.Minute)
	for round := range 3 {
		if time.Now().After(deadline) {
			t.Fatal("out of time")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillDashNine$", "-test.count=1")
		cmd.Env = append(os.Environ(), killChildEnv+"="+path)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAfter := 200 + rand.IntN(300)
		timer := time.AfterFunc(time.Until(deadline), func() { _ = cmd.Process.Kill() })
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				continue // test framework output
			}
			switch f[0] {
			case "ack":
				acked[f[1]] = true
				if n++; n == killAfter {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
				}
			case "max":
				v, _ := strconv.ParseInt(f[1], 10, 64)
				maxAcked = max(maxAcked, v)
			}
		}
		// Lines written before the kill are still read; then EOF.
		timer.Stop()
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v after %d acks, want killed", round, err, n)
		}
		if n < killAfter {
			t.Fatalf("round %d: only %d acks", round, n)
		}
		checkIntegrity(t, path)
		st, err := sqlite.Open(context.Background(), path, nil)
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		ts, err := st.ListTargets(context.Background(), scope, store.TargetQuery{Namespace: "lambda"})
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, tg := range ts {
			have[tg.ResourceID] = true
		}
		missing := 0
		for id := range acked {
			if !have[id] {
				missing++
			}
		}
		counter, err := st.GetTarget(context.Background(), scope, key("counter"))
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		if missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged targets are missing after kill -9", round, missing, len(acked))
		}
		if int64(counter.MaxCapacity) < maxAcked {
			t.Fatalf("round %d: counter is %d after kill -9, but %d was acknowledged", round, counter.MaxCapacity, maxAcked)
		}
		t.Logf("round %d: killed after %d acks; %d acknowledged targets (of %d stored) and counter %d (>= %d) survived",
			round, n, len(acked), len(ts), counter.MaxCapacity, maxAcked)
	}
}

func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity check: %q %v", res, err)
	}
}

// killChild writes until killed (or for at most a minute, should the parent be gone).
func killChild(path string) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(2)
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetTarget(scope, key("counter")); err == nil {
			return nil
		}
		c := target("counter")
		c.MaxCapacity = 0
		return tx.InsertTarget(c)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: counter:", err)
		os.Exit(2)
	}
	time.AfterFunc(time.Minute, func() { os.Exit(3) })
	var mu sync.Mutex // one line per write(2)
	say := func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(os.Stdout, format, args...)
		mu.Unlock()
	}
	prefix := strconv.FormatInt(time.Now().UnixNano(), 36)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				if w == 0 { // read-modify-write of the counter
					var v int32
					err := st.Update(ctx, func(tx store.Tx) error {
						c, err := tx.GetTarget(scope, key("counter"))
						if err != nil {
							return err
						}
						c.MaxCapacity++
						v = c.MaxCapacity
						return tx.UpdateTarget(c)
					})
					if err != nil {
						fmt.Fprintln(os.Stderr, "child: increment:", err)
						os.Exit(2)
					}
					say("max %d\n", v)
					continue
				}
				tg := target(fmt.Sprintf("k%s-%d-%d", prefix, w, i))
				err := st.Update(ctx, func(tx store.Tx) error {
					if _, err := tx.GetTarget(tg.Scope, tg.TargetKey); !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("lookup: %v", err)
					}
					return tx.InsertTarget(tg)
				})
				if err != nil {
					fmt.Fprintln(os.Stderr, "child: insert:", err)
					os.Exit(2)
				}
				say("ack %s\n", tg.ResourceID)
			}
		}()
	}
	wg.Wait()
}
