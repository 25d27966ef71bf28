package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"strings"
	"testing"
)

func alice(t *testing.T) *Principal {
	t.Helper()
	ps, err := Parse([]byte(validFile))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := ps.Lookup("AKIAALICE0000000001")
	return p
}

// TestSecretNeverPrinted prints a principal every way a program might and checks the
// secret appears in none of them.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	p := alice(t)
	ps, _ := Parse([]byte(validFile))
	type holder struct {
		P  Principal
		PP *Principal
	}
	type hidden struct {
		p  Principal
		pp *Principal
		ps *Principals
	}
	values := map[string]any{
		"value":              *p,
		"pointer":            p,
		"slice":              []Principal{*p},
		"slice of pointers":  []*Principal{p},
		"map":                map[string]*Principal{"a": p},
		"exported fields":    holder{*p, p},
		"unexported fields":  hidden{*p, p, ps},
		"set":                ps,
		"pointer to pointer": &p,
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T", "%p", "%60v", "%-v"}
	var outputs []string
	for name, v := range values {
		for _, verb := range verbs {
			outputs = append(outputs, name+" "+verb+": "+fmt.Sprintf(verb, v))
		}
		outputs = append(outputs, name+" Sprint: "+fmt.Sprint(v), name+" Sprintln: "+fmt.Sprintln(v))
		if b, err := json.Marshal(v); err == nil {
			outputs = append(outputs, name+" json: "+string(b))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("msg", "principal", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("msg", "principal", v)
		outputs = append(outputs, name+" slog text: "+text.String(), name+" slog json: "+js.String())
		var std bytes.Buffer
		log.New(&std, "", 0).Printf("%v %+v", v, v)
		outputs = append(outputs, name+" log: "+std.String())
		outputs = append(outputs, name+" error: "+fmt.Errorf("wrapped: %v", v).Error(), name+" errors.New: "+errors.New(fmt.Sprint(v)).Error())
	}
	for _, out := range outputs {
		if strings.Contains(out, aliceSecret) || strings.Contains(out, "ALICEKEY") {
			t.Errorf("secret printed: %s", out)
		}
	}
	// The outputs still say who it is.
	for _, want := range []string{
		"value %v: alice (access key AKIAALICE0000000001, account 111111111111)",
		`value %#v: auth.Principal{Name:"alice", AccessKeyID:"AKIAALICE0000000001", AccountID:"111111111111", secret:[REDACTED]}`,
		`pointer json: {"name":"alice","accessKeyId":"AKIAALICE0000000001","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/alice"}`,
		`set %v: auth.Principals(2)`,
	} {
		if !contains(outputs, want) {
			t.Errorf("missing output %q", want)
		}
	}
	var js bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("msg", "principal", p)
	if !strings.Contains(js.String(), `"principal":{"name":"alice","accessKeyId":"AKIAALICE0000000001","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/alice"}`) {
		t.Errorf("slog JSON = %s", js.String())
	}
	if p.Secret() != aliceSecret {
		t.Error("Secret() must still return the secret")
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func TestZeroPrincipal(t *testing.T) {
	t.Parallel()
	var p Principal
	if p.Secret() != "" || p.String() == "" || p.ARN() != "arn:aws:iam:::user/" {
		t.Fatalf("zero Principal: %q %q %q", p.Secret(), p.String(), p.ARN())
	}
}
