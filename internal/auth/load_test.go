package auth

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoscaled/autoscaled/internal/iampolicy"
)

const (
	aliceSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYALICEKEY"
	adminSecret = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbADMINKEY"
)

const validFile = `{"principals": [
  {"name": "alice", "accessKeyId": "AKIAALICE0000000001", "secretAccessKey": "` + aliceSecret + `", "accountId": "111111111111",
   "policy": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "application-autoscaling:Describe*", "Resource": "*"},
     {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}]}},
  {"name": "admin", "accessKeyId": "AKIAADMIN0000000001", "secretAccessKey": "` + adminSecret + `", "accountId": "222222222222", "policy": "*"}
]}`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "principals.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ps, err := Load(writeFile(t, validFile))
	if err != nil {
		t.Fatal(err)
	}
	if ps.Len() != 2 || len(ps.All()) != 2 || ps.All()[0].Name != "alice" {
		t.Fatalf("Len = %d, All = %v", ps.Len(), ps.All())
	}
	alice, ok := ps.Lookup("AKIAALICE0000000001")
	if !ok || alice.Name != "alice" || alice.AccountID != "111111111111" || alice.Secret() != aliceSecret {
		t.Fatalf("Lookup(alice) = %v, %v", alice, ok)
	}
	if alice.ARN() != "arn:aws:iam::111111111111:user/alice" {
		t.Errorf("ARN = %s", alice.ARN())
	}
	if d := alice.Policy.Allowed("application-autoscaling:DescribeScalableTargets", "*"); d != iampolicy.Allow {
		t.Errorf("alice describe: %v", d)
	}
	if d := alice.Policy.Allowed("application-autoscaling:DeleteScalingPolicy", "*"); d != iampolicy.ImplicitDeny {
		t.Errorf("alice delete: %v", d)
	}
	admin, _ := ps.Lookup("AKIAADMIN0000000001")
	if d := admin.Policy.Allowed("iam:CreateUser", "arn:aws:iam::222222222222:user/x"); d != iampolicy.Allow {
		t.Errorf(`"policy": "*" does not allow everything: %v`, d)
	}
	if s, ok := ps.Secret("AKIAADMIN0000000001"); !ok || s != adminSecret {
		t.Error("Secret(admin)")
	}
	if _, ok := ps.Secret("AKIAUNKNOWN"); ok {
		t.Error("Secret of an unknown key")
	}
	if _, ok := ps.Lookup("akiaalice0000000001"); ok {
		t.Error("access key ids must match exactly")
	}

	var none *Principals
	if _, ok := none.Lookup("x"); ok || none.Len() != 0 || none.All() != nil {
		t.Error("nil *Principals must be empty")
	}
	if _, ok := none.Secret("x"); ok {
		t.Error("nil *Principals has a secret")
	}
}

func TestLoadEmptyList(t *testing.T) {
	t.Parallel()
	ps, err := Parse([]byte(`{"principals": []}`))
	if err != nil || ps.Len() != 0 {
		t.Fatalf("empty list: %v, %v", ps, err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	const s = "SECRETVALUE/shouldneverbeprinted"
	entry := func(fields string) string {
		return `{"principals": [` + fields + `]}`
	}
	good := `"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"`
	tests := []struct{ name, content, want string }{
		{"not JSON", `{"principals": [`, "empty or truncated JSON document"},
		{"syntax", "{\n\"principals\": [{\"secretAccessKey\": " + s + "}]}", "invalid JSON at line 2, column 36"},
		{"trailing data", `{"principals": []} {}`, "unexpected data after the JSON document"},
		{"no principals key", `{}`, `missing "principals"`},
		{"unknown top-level field", `{"principals": [], "users": []}`, `json: unknown field "users"`},
		{"unknown principal field", entry(`{` + good + `,"secretKey":"x"}`), `json: unknown field "secretKey"`},
		{"wrong type", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":12345,"accountId":"123456789012","policy":"*"}`),
			"field principals.secretAccessKey at line 1, column 77: expected string, got a JSON number"},
		{"empty name", entry(`{"name":"","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"}`), "principal 0: name is empty"},
		{"bad name", entry(`{"name":"bob smith","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"}`),
			"principal 0: name must be 1 to 64 of"},
		{"short account", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"12345678901","policy":"*"}`),
			"principal 0 (bob): accountId must be 12 digits"},
		{"letters in account", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"12345678901x","policy":"*"}`),
			"accountId must be 12 digits"},
		{"empty key id", entry(`{"name":"bob","accessKeyId":"","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"}`),
			"principal 0 (bob): accessKeyId must be 1 to 128 of A-Z a-z 0-9 _"},
		{"secret as key id", entry(`{"name":"bob","accessKeyId":"` + s + `","secretAccessKey":"x","accountId":"123456789012","policy":"*"}`),
			"accessKeyId must be 1 to 128"},
		{"empty secret", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"","accountId":"123456789012","policy":"*"}`),
			"principal 0 (bob): secretAccessKey is empty"},
		{"missing policy", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012"}`),
			`principal 0 (bob): policy is missing: give an IAM policy document, or "*" for full access`},
		{"null policy", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":null}`),
			"policy is missing"},
		{"policy string", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"all"}`),
			`policy must be an IAM policy document (a JSON object) or "*"`},
		{"malformed policy", entry(`{"name":"bob","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":{"Statement":{"Effect":"Allow","Action":"*"}}}`),
			"principal 0 (bob): policy: MalformedPolicyDocument: statement 0: Policy statement must contain resources."},
		{"duplicate key id", entry(`{` + good + `},{"name":"carol","accessKeyId":"AKIABOB","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"}`),
			"principal 1 (carol): accessKeyId AKIABOB is already used by another principal"},
		{"duplicate name", entry(`{` + good + `},{"name":"bob","accessKeyId":"AKIABOB2","secretAccessKey":"` + s + `","accountId":"123456789012","policy":"*"}`),
			"principal 1 (bob): another principal has the same name in account 123456789012"},
	}
	for _, tc := range tests {
		path := writeFile(t, tc.content)
		_, err := Load(path)
		if err == nil {
			t.Errorf("%s: loaded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "auth: "+path+": ") {
			t.Errorf("%s: error %q\nwant it to contain %q", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), "SECRETVALUE") || strings.Contains(err.Error(), "neverbeprinted") {
			t.Errorf("%s: error leaks the secret: %v", tc.name, err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "auth: ") {
		t.Fatalf("Load(missing) = %v", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	t.Parallel()
	_, err := Load(writeFile(t, `{"principals": [], "x": "`+strings.Repeat("a", MaxFileSize)+`"}`))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Load(huge) = %v", err)
	}
}
