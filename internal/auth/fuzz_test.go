package auth

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(validFile))
	f.Add([]byte(`{"principals": [{"name": "x", "accessKeyId": "K", "secretAccessKey": "s", "accountId": "123456789012", "policy": {"Statement": []}}]}`))
	f.Add([]byte(`{"principals": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := Parse(data)
		if err != nil {
			if ps != nil {
				t.Fatal("set and error")
			}
			return
		}
		for _, p := range ps.All() {
			if p.Policy == nil || p.Secret() == "" || !validAccount(p.AccountID) {
				t.Fatalf("invalid principal accepted: %v", p)
			}
			if q, ok := ps.Lookup(p.AccessKeyID); !ok || q != p {
				t.Fatalf("Lookup(%s) = %v", p.AccessKeyID, q)
			}
			if !strings.Contains(p.GoString(), "[REDACTED]") {
				t.Fatalf("GoString = %s", p.GoString())
			}
		}
	})
}
