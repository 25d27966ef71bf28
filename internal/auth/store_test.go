package auth

import (
	"os"
	"sync"
	"testing"
)

func TestStoreReload(t *testing.T) {
	t.Parallel()
	var empty Store
	if empty.Current() != nil {
		t.Fatal("zero Store has principals")
	}
	if _, ok := empty.Current().Lookup("AKIAALICE0000000001"); ok {
		t.Fatal("zero Store finds a key")
	}

	path := writeFile(t, validFile)
	s, err := NewStore(path)
	if err != nil {
		t.Fatal(err)
	}
	first := s.Current()
	if first.Len() != 2 {
		t.Fatalf("Len = %d", first.Len())
	}

	// A broken file: the error is returned and the old set kept.
	if err := os.WriteFile(path, []byte(`{"principals": [{"name": "x"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(path); err == nil {
		t.Fatal("Reload of a broken file succeeded")
	}
	if s.Current() != first {
		t.Fatal("a failed Reload replaced the set")
	}

	// A good file replaces it.
	next := `{"principals": [{"name": "bob", "accessKeyId": "AKIABOB", "secretAccessKey": "s", "accountId": "333333333333", "policy": "*"}]}`
	if err := os.WriteFile(path, []byte(next), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(path); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Current().Lookup("AKIAALICE0000000001"); ok {
		t.Fatal("removed principal still found")
	}
	if _, ok := s.Current().Lookup("AKIABOB"); !ok {
		t.Fatal("new principal not found")
	}
	if _, ok := first.Lookup("AKIAALICE0000000001"); !ok {
		t.Fatal("a set taken before Reload must stay as it was")
	}

	if _, err := NewStore(path + ".missing"); err == nil {
		t.Fatal("NewStore of a missing file succeeded")
	}
}

func TestStoreConcurrent(t *testing.T) {
	t.Parallel()
	path := writeFile(t, validFile)
	s, err := NewStore(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				ps := s.Current()
				if sec, ok := ps.Secret("AKIAALICE0000000001"); !ok || sec != aliceSecret {
					t.Error("lookup during reload failed")
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if err := s.Reload(path); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
