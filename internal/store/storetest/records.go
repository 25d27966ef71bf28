package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/autoscaled/autoscaled/internal/store"
)

// Option adjusts what Run and RunReopen check.
type Option func(*options)

type options struct {
	noRecords bool
}

// WithoutRecords leaves out the record table's subtests. Only for the first SQLite layout
// (package sqlitestore), which predates the record table and is kept to test the import of
// its databases.
func WithoutRecords() Option { return func(o *options) { o.noRecords = true } }

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// orderedKeys are record keys in ascending byte-wise order: control bytes (NUL included),
// punctuation, upper and lower case, digits, multi-byte UTF-8 and bytes that are not UTF-8
// at all. A collation other than
// byte-wise (a locale, case folding, ignoring punctuation) reorders some of them.
var orderedKeys = []string{
	"A", "B", "Z",
	"a", "a\x00", "a\x00b", "a\x01", "a b", "a-b", "a.b", "a/b", "a/b/c", "a/c", "a0", "a9", "aB", "aa", "ab",
	"a\u00e9",     // é: c3 a9
	"a\u00ff",     // ÿ: c3 bf
	"a\u0100",     // Ā: c4 80
	"a\u65e5",     // 日: e6 97 a5
	"a\U0001f600", // 😀: f0 9f 98 80
	"a\xff",       // not UTF-8
	"a\xff\xff",
	"a\xff\xffb",
	"b", "z", "~", "\u00e9", "\xff",
}

func listRecords(t *testing.T, st store.Store, prefix, after string, limit int) []store.Record {
	t.Helper()
	recs, err := st.ListRecords(context.Background(), prefix, after, limit)
	if err != nil {
		t.Fatalf("ListRecords(%q, %q, %d): %v", prefix, after, limit, err)
	}
	return recs
}

func keysOf(recs []store.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

// pageRecords pages through the records under prefix, size at a time.
func pageRecords(t *testing.T, st store.Store, prefix string, size int) []store.Record {
	t.Helper()
	var all []store.Record
	after := ""
	for range 1000 {
		page := listRecords(t, st, prefix, after, size)
		if len(page) > size {
			t.Fatalf("page of %d records for limit %d", len(page), size)
		}
		all = append(all, page...)
		if len(page) < size {
			return all
		}
		after = page[len(page)-1].Key
	}
	t.Fatal("paging does not end")
	return nil
}

func putRecords(t *testing.T, st store.Store, recs ...store.Record) {
	t.Helper()
	update(t, st, func(tx store.Tx) error {
		for _, r := range recs {
			if err := tx.PutRecord(r.Key, r.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

func runRecords(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("RecordRoundTrip", func(t *testing.T) {
		st := open(t)
		if _, err := st.GetRecord(ctx, "r/missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRecord of a missing record: %v, want ErrNotFound", err)
		}
		value := []byte("v1\x00\xff")
		putRecords(t, st, store.Record{Key: "r/a", Value: value})
		value[0] = 'X' // the store keeps its own copy
		got, err := st.GetRecord(ctx, "r/a")
		if err != nil || string(got) != "v1\x00\xff" {
			t.Fatalf("GetRecord = %q, %v; want %q", got, err, "v1\x00\xff")
		}
		got[0] = 'Y' // and hands out copies
		if again, _ := st.GetRecord(ctx, "r/a"); string(again) != "v1\x00\xff" {
			t.Errorf("changing a returned value changed the stored one: %q", again)
		}
		putRecords(t, st, store.Record{Key: "r/a", Value: []byte("v2")})
		if got, err := st.GetRecord(ctx, "r/a"); err != nil || string(got) != "v2" {
			t.Errorf("after replace: %q %v", got, err)
		}
		if recs := listRecords(t, st, "r/", "", 0); len(recs) != 1 || string(recs[0].Value) != "v2" {
			t.Errorf("replace made a second record or kept the old value: %q", recs)
		}

		// Empty values, nil or not, are values.
		putRecords(t, st, store.Record{Key: "r/empty"}, store.Record{Key: "r/empty2", Value: []byte{}})
		for _, k := range []string{"r/empty", "r/empty2"} {
			if got, err := st.GetRecord(ctx, k); err != nil || len(got) != 0 {
				t.Errorf("empty value of %s: %q %v", k, got, err)
			}
		}
		// A key of the maximum length, and a large value.
		long := strings.Repeat("k", 1024-len("r/")-1) + "\xff"
		long = "r/" + long
		if len(long) != 1024 {
			t.Fatalf("test bug: key of %d bytes", len(long))
		}
		big := []byte(strings.Repeat("0123456789abcdef", 64<<10)) // 1 MiB
		putRecords(t, st, store.Record{Key: long, Value: big})
		if got, err := st.GetRecord(ctx, long); err != nil || string(got) != string(big) {
			t.Errorf("1024-byte key with a 1 MiB value: %d bytes, %v", len(got), err)
		}

		update(t, st, func(tx store.Tx) error { return tx.DeleteRecord("r/a") })
		if _, err := st.GetRecord(ctx, "r/a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetRecord after delete: %v, want ErrNotFound", err)
		}
		err = st.Update(ctx, func(tx store.Tx) error { return fmt.Errorf("outer: %w", tx.DeleteRecord("r/a")) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteRecord of a missing record: %v, want ErrNotFound", err)
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			_, err := tx.GetRecord("r/a")
			return fmt.Errorf("outer: %w", err)
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Tx.GetRecord of a missing record: %v, want ErrNotFound", err)
		}
		want := []string{"r/empty", "r/empty2", long}
		if diff := cmp.Diff(want, keysOf(listRecords(t, st, "r/", "", 0))); diff != "" {
			t.Errorf("records left (-want +got):\n%s", diff)
		}
	})

	t.Run("RecordsListInByteOrder", func(t *testing.T) {
		st := open(t)
		var want []store.Record
		for _, k := range orderedKeys {
			want = append(want, store.Record{Key: k, Value: []byte("value of " + k)})
		}
		if !slices.IsSorted(orderedKeys) {
			t.Fatal("test bug: orderedKeys is not sorted")
		}
		// Written in a scrambled order, over several Updates.
		scrambled := slices.Clone(want)
		for i := range scrambled {
			j := (i * 7) % len(scrambled)
			scrambled[i], scrambled[j] = scrambled[j], scrambled[i]
		}
		putRecords(t, st, scrambled[:len(scrambled)/2]...)
		putRecords(t, st, scrambled[len(scrambled)/2:]...)
		if diff := cmp.Diff(want, listRecords(t, st, "", "", 0), equate); diff != "" {
			t.Errorf("all records (-want +got):\n%s", diff)
		}
		for _, prefix := range []string{"a", "a/", "a/b", "a\xff", "a\xff\xff", "a\u00e9", "\xff", "A", "nothing"} {
			var w []store.Record
			for _, r := range want {
				if strings.HasPrefix(r.Key, prefix) {
					w = append(w, r)
				}
			}
			if diff := cmp.Diff(w, listRecords(t, st, prefix, "", 0), equate); diff != "" {
				t.Errorf("prefix %q (-want +got):\n%s", prefix, diff)
			}
		}
		// Every key as the cursor of an unfiltered list.
		for i, k := range orderedKeys {
			if diff := cmp.Diff(want[i+1:], listRecords(t, st, "", k, 0), equate); diff != "" {
				t.Errorf("after %q (-want +got):\n%s", k, diff)
			}
		}
		// Page size 1 through everything.
		if diff := cmp.Diff(want, pageRecords(t, st, "", 1), equate); diff != "" {
			t.Errorf("pages of one (-want +got):\n%s", diff)
		}
	})

	t.Run("RecordsPrefixAfterLimit", func(t *testing.T) {
		st := open(t)
		var inside []store.Record
		for i := range 53 {
			inside = append(inside, store.Record{Key: fmt.Sprintf("p/%03d", i), Value: []byte(strconv.Itoa(i))})
		}
		// Neighbours that sort right before, between and after the prefix's keys.
		outside := []store.Record{{Key: "p"}, {Key: "p.z"}, {Key: "p0"}, {Key: "p\xff"}, {Key: "o/999"}, {Key: "q/000"}, {Key: "P/001"}}
		putRecords(t, st, append(slices.Clone(inside), outside...)...)
		for _, size := range []int{1, 7, 53, 100} {
			if diff := cmp.Diff(inside, pageRecords(t, st, "p/", size), equate); diff != "" {
				t.Errorf("pages of %d (-want +got):\n%s", size, diff)
			}
		}
		for _, c := range []struct {
			after string
			limit int
			want  []store.Record
		}{
			{"", 0, inside},
			{"", 5, inside[:5]},
			{"a", 0, inside},     // a cursor before the prefix does not filter
			{"p", 3, inside[:3]}, // nor does one equal to a key before the prefix
			{"p/", 0, inside},    // the prefix itself is not a key here
			{"p/010", 2, inside[11:13]},
			{"p/010a", 2, inside[11:13]}, // a cursor that is not a key
			{"p/052", 0, nil},
			{"p/9", 0, nil},
			{"q", 0, nil}, // a cursor after the prefix
		} {
			got := listRecords(t, st, "p/", c.after, c.limit)
			if diff := cmp.Diff(c.want, got, equate); diff != "" {
				t.Errorf("ListRecords(%q, %q, %d) (-want +got):\n%s", "p/", c.after, c.limit, diff)
			}
		}
		if got := listRecords(t, st, "p", "p", 0); len(got) != len(inside)+3 || got[0].Key != "p.z" {
			t.Errorf("prefix p after p: %q", keysOf(got))
		}
	})

	t.Run("DeleteRecordsByPrefix", func(t *testing.T) {
		st := open(t)
		keys := []string{"h/a", "h/a/1", "h/a/2", "h/a/3/x", "h/a0", "h/ab/1", "h/a.", "h/b/1", "h/", "g/a/1",
			"x\xff", "x\xff\xff", "x\xff\xffz", "x\xfe\xff", "y"}
		for _, k := range keys {
			putRecords(t, st, store.Record{Key: k, Value: []byte(k)})
		}
		count := func(prefix string) int {
			t.Helper()
			var n int
			update(t, st, func(tx store.Tx) error {
				var err error
				n, err = tx.DeleteRecords(prefix)
				return err
			})
			return n
		}
		if n := count("h/a/"); n != 3 {
			t.Errorf("DeleteRecords(h/a/) = %d, want 3", n)
		}
		if n := count("h/a/"); n != 0 {
			t.Errorf("DeleteRecords(h/a/) again = %d, want 0", n)
		}
		if n := count("nothing/"); n != 0 {
			t.Errorf("DeleteRecords(nothing/) = %d, want 0", n)
		}
		// Prefixes ending in 0xff bytes: nothing past them is caught.
		if n := count("x\xff\xff"); n != 2 {
			t.Errorf("DeleteRecords(x\\xff\\xff) = %d, want 2", n)
		}
		if n := count("x\xff"); n != 1 {
			t.Errorf("DeleteRecords(x\\xff) = %d, want 1", n)
		}
		if err := st.Update(ctx, func(tx store.Tx) error { _, err := tx.DeleteRecords(""); return err }); err == nil {
			t.Error("DeleteRecords with an empty prefix succeeded")
		}
		want := []string{"g/a/1", "h/", "h/a", "h/a.", "h/a0", "h/ab/1", "h/b/1", "x\xfe\xff", "y"}
		if diff := cmp.Diff(want, keysOf(listRecords(t, st, "", "", 0))); diff != "" {
			t.Errorf("records left (-want +got):\n%s", diff)
		}
		for _, k := range want {
			if v, err := st.GetRecord(ctx, k); err != nil || string(v) != k {
				t.Errorf("record %q: %q %v", k, v, err)
			}
		}
	})

	t.Run("RecordUpdateIsAtomic", func(t *testing.T) {
		st := open(t)
		putRecords(t, st, store.Record{Key: "u/keep", Value: []byte("1")}, store.Record{Key: "u/del", Value: []byte("2")},
			store.Record{Key: "u/pre/1", Value: []byte("3")}, store.Record{Key: "u/pre/2", Value: []byte("4")})
		before := listRecords(t, st, "", "", 0)
		boom := errors.New("boom")
		write := func(tx store.Tx) error {
			n, err := tx.DeleteRecords("u/pre/")
			if n != 2 {
				return fmt.Errorf("DeleteRecords = %d, %v", n, err)
			}
			return errors.Join(err, tx.PutRecord("u/keep", []byte("changed")), tx.PutRecord("u/new", []byte("new")),
				tx.DeleteRecord("u/del"), tx.PutRecord("u/pre/3", nil), tx.PutRecord("u/del", []byte("again")))
		}
		err := st.Update(ctx, func(tx store.Tx) error {
			if err := write(tx); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", boom)
		})
		if !errors.Is(err, boom) {
			t.Errorf("Update returned %v, want the function's error", err)
		}
		if diff := cmp.Diff(before, listRecords(t, st, "", "", 0), equate); diff != "" {
			t.Errorf("a failed Update left record writes (-before +after):\n%s", diff)
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			_ = write(tx)
			panic("kaboom")
		})
		if err == nil {
			t.Error("a panicking Update returned nil")
		}
		if diff := cmp.Diff(before, listRecords(t, st, "", "", 0), equate); diff != "" {
			t.Errorf("a panicking Update left record writes (-before +after):\n%s", diff)
		}

		// Failing and succeeding Updates side by side (a backend may commit them together).
		var wg sync.WaitGroup
		errs := make([]error, 32)
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.Update(ctx, func(tx store.Tx) error {
					k := fmt.Sprintf("c/%02d", i)
					if err := errors.Join(tx.PutRecord(k+"/a", []byte(k)), tx.PutRecord(k+"/b", []byte(k))); err != nil {
						return err
					}
					if _, err := tx.DeleteRecords("u/pre/"); err != nil {
						return err
					}
					if i%3 == 0 {
						return errors.New("planned failure")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i := range 32 {
			got := listRecords(t, st, fmt.Sprintf("c/%02d/", i), "", 0)
			if (i%3 == 0) != (errs[i] != nil) || (errs[i] == nil) != (len(got) == 2) || len(got)%2 != 0 {
				t.Errorf("update %d: returned %v, %d of its 2 records exist", i, errs[i], len(got))
			}
		}
		if got := listRecords(t, st, "u/pre/", "", 0); len(got) != 0 {
			t.Errorf("records the successful Updates deleted: %q", keysOf(got))
		}
	})

	t.Run("RecordTxSeesItsOwnWrites", func(t *testing.T) {
		st := open(t)
		putRecords(t, st, store.Record{Key: "o/old", Value: []byte("old")}, store.Record{Key: "o/pre/1", Value: []byte("1")})
		update(t, st, func(tx store.Tx) error {
			expect := func(key, want string, found bool) error {
				got, err := tx.GetRecord(key)
				switch {
				case found && (err != nil || string(got) != want):
					return fmt.Errorf("Tx.GetRecord(%s) = %q, %v; want %q", key, got, err, want)
				case !found && !errors.Is(err, store.ErrNotFound):
					return fmt.Errorf("Tx.GetRecord(%s) = %q, %v; want ErrNotFound", key, got, err)
				}
				return nil
			}
			if err := errors.Join(expect("o/old", "old", true), expect("o/new", "", false)); err != nil {
				return err
			}
			if err := tx.PutRecord("o/new", []byte("n1")); err != nil {
				return err
			}
			if err := expect("o/new", "n1", true); err != nil {
				return err
			}
			if err := tx.PutRecord("o/new", []byte("n2")); err != nil {
				return err
			}
			if err := tx.DeleteRecord("o/old"); err != nil {
				return err
			}
			if err := errors.Join(expect("o/new", "n2", true), expect("o/old", "", false)); err != nil {
				return err
			}
			if err := tx.DeleteRecord("o/old"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("second DeleteRecord in one transaction: %v, want ErrNotFound", err)
			}
			if err := tx.PutRecord("o/pre/2", []byte("2")); err != nil {
				return err
			}
			if n, err := tx.DeleteRecords("o/pre/"); n != 2 || err != nil {
				return fmt.Errorf("DeleteRecords of a committed and an own record = %d, %v; want 2", n, err)
			}
			if err := errors.Join(expect("o/pre/1", "", false), expect("o/pre/2", "", false)); err != nil {
				return err
			}
			if err := tx.PutRecord("o/pre/1", []byte("back")); err != nil {
				return err
			}
			return expect("o/pre/1", "back", true)
		})
		want := []store.Record{{Key: "o/new", Value: []byte("n2")}, {Key: "o/pre/1", Value: []byte("back")}}
		if diff := cmp.Diff(want, listRecords(t, st, "o/", "", 0), equate); diff != "" {
			t.Errorf("after commit (-want +got):\n%s", diff)
		}
	})

	t.Run("RecordReadModifyWriteIsRaceFree", func(t *testing.T) {
		st := open(t)
		const workers, rounds = 8, 20
		var wg sync.WaitGroup
		var failures sync.Map
		created := make([]bool, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Check-then-create: exactly one worker creates the record.
				for {
					err := st.Update(ctx, func(tx store.Tx) error {
						created[w] = false
						if _, err := tx.GetRecord("rmw/once"); err == nil {
							return nil
						} else if !errors.Is(err, store.ErrNotFound) {
							return err
						}
						created[w] = true
						return tx.PutRecord("rmw/once", []byte(strconv.Itoa(w)))
					})
					if errors.Is(err, store.ErrConflict) {
						continue // the contract allows a conflict; the caller retries
					}
					if err != nil {
						failures.Store(w, err)
						return
					}
					break
				}
				// Read-modify-write of a counter that does not exist at first.
				for i := 0; i < rounds; i++ {
					err := st.Update(ctx, func(tx store.Tx) error {
						n := 0
						b, err := tx.GetRecord("rmw/counter")
						switch {
						case err == nil:
							if n, err = strconv.Atoi(string(b)); err != nil {
								return err
							}
						case !errors.Is(err, store.ErrNotFound):
							return err
						}
						return tx.PutRecord("rmw/counter", []byte(strconv.Itoa(n+1)))
					})
					if errors.Is(err, store.ErrConflict) {
						i--
						continue
					}
					if err != nil {
						failures.Store(w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		failures.Range(func(k, v any) bool { t.Errorf("worker %v: %v", k, v); return true })
		if n := len(slices.DeleteFunc(created, func(c bool) bool { return !c })); n != 1 {
			t.Errorf("%d workers created the record, want exactly 1", n)
		}
		if got, err := st.GetRecord(ctx, "rmw/counter"); err != nil || string(got) != strconv.Itoa(workers*rounds) {
			t.Errorf("counter = %q, %v after %d increments: lost updates", got, err, workers*rounds)
		}
	})
}

// durableRecords writes records for RunReopen to check after the reopen, and returns what
// ListRecords("", "", 0) must then return.
func durableRecords(t *testing.T, st store.Store) []store.Record {
	long := "d/" + strings.Repeat("\xff", 1022)
	want := []store.Record{
		{Key: "d/a", Value: []byte("a")},
		{Key: "d/empty", Value: []byte{}},
		{Key: "d/\u00e9", Value: []byte("\x00\x01\xfe\xff")},
		{Key: long, Value: []byte("long")},
	}
	putRecords(t, st, append(slices.Clone(want), store.Record{Key: "d/gone", Value: []byte("x")},
		store.Record{Key: "e/gone/1"}, store.Record{Key: "e/gone/2"})...)
	update(t, st, func(tx store.Tx) error {
		_, err := tx.DeleteRecords("e/gone/")
		return errors.Join(err, tx.DeleteRecord("d/gone"))
	})
	return want
}

func checkDurableRecords(t *testing.T, st store.Store, want []store.Record) {
	t.Helper()
	if diff := cmp.Diff(want, listRecords(t, st, "", "", 0), equate); diff != "" {
		t.Errorf("records after reopen (-want +got):\n%s", diff)
	}
	for _, r := range want {
		if v, err := st.GetRecord(context.Background(), r.Key); err != nil || string(v) != string(r.Value) {
			t.Errorf("record %q after reopen: %q %v", r.Key, v, err)
		}
	}
}
