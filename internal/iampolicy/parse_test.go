package iampolicy

import (
	"errors"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"statement object": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
		"statement array":  `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Allow","Action":["ecs:*"],"Resource":["*"]}]}`,
		"no version":       `{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/*"}}`,
		"old version":      `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:Get?bject","Resource":"arn:aws:s3:::b/*"}}`,
		"condition":        `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1",1,true]},"Bool":{"aws:SecureTransport":"true"}}}}`,
		"empty condition":  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}}`,
		"whitespace":       " \n{ \"Statement\" : [ { \"Effect\" : \"Allow\" , \"Action\" : \"a:b\" , \"Resource\" : \"*\" } ] }\n",
	} {
		p, err := Parse([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Version() == "" {
			t.Errorf("%s: no version", name)
		}
	}
}

func TestParseMalformed(t *testing.T) {
	t.Parallel()
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	tests := []struct {
		name, doc string
		statement int
		msg       string
	}{
		{"not JSON", `{"Version":`, -1, "Syntax errors in policy."},
		{"trailing garbage", `{"Statement":[]} x`, -1, "Syntax errors in policy."},
		{"not an object", `["Statement"]`, -1, "Syntax errors in policy. Expected a JSON object."},
		{"bad version", `{"Version":"2012-10-18","Statement":{}}`, -1, `The policy Version must be "2012-10-17" or "2008-10-17".`},
		{"unknown top-level field", `{"Version":"2012-10-17","Statements":[]}`, -1, `Syntax errors in policy. Unknown field "Statements".`},
		{"lower-case key", `{"version":"2012-10-17","Statement":[]}`, -1, `Syntax errors in policy. Unknown field "version".`},
		{"duplicate key", `{"Statement":[],"Statement":[]}`, -1, `Syntax errors in policy. Duplicate key "Statement".`},
		{"no statement", `{"Version":"2012-10-17"}`, -1, "Syntax errors in policy. Missing required field Statement."},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, -1, "Policy document must contain at least one statement."},
		{"statement string", `{"Version":"2012-10-17","Statement":"x"}`, 0, "Syntax errors in policy. Expected a JSON object."},
		{"missing effect", stmt(`{"Action":"*","Resource":"*"}`), 0, "Syntax errors in policy. Missing required field Effect."},
		{"lower-case effect", stmt(`{"Effect":"allow","Action":"*","Resource":"*"}`), 0, `Invalid effect: "allow". Effect must be "Allow" or "Deny".`},
		{"duplicate effect", stmt(`{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}`), 0, `Syntax errors in policy. Duplicate key "Effect".`},
		{"no action", stmt(`{"Effect":"Allow","Resource":"*"}`), 0, "Policy statement must contain actions."},
		{"empty actions", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), 0, "Policy statement must contain actions."},
		{"null action", stmt(`{"Effect":"Allow","Action":null,"Resource":"*"}`), 0, "Syntax errors in policy. Action must be a string or an array of strings."},
		{"no resource", stmt(`{"Effect":"Allow","Action":"*"}`), 0, "Policy statement must contain resources."},
		{"action and not action", stmt(`{"Effect":"Allow","Action":"*","NotAction":"iam:*","Resource":"*"}`), 0, "Statement can't contain both Action and NotAction."},
		{"resource and not resource", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), 0, "Statement can't contain both Resource and NotResource."},
		{"action without vendor", stmt(`{"Effect":"Allow","Action":"DescribeAlarms","Resource":"*"}`), 0, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
		{"action with two colons", stmt(`{"Effect":"Allow","Action":"a:b:c","Resource":"*"}`), 0, "Actions/Condition can contain only one colon."},
		{"action number", stmt(`{"Effect":"Allow","Action":[1],"Resource":"*"}`), 0, "Syntax errors in policy. Action must be a string or an array of strings."},
		{"resource not ARN", stmt(`{"Effect":"Allow","Action":"*","Resource":"my-bucket"}`), 0, `Resource my-bucket must be in ARN format or "*".`},
		{"resource empty partition", stmt(`{"Effect":"Allow","Action":"*","Resource":"arn::s3:::b"}`), 0, `Partition "" is not valid for resource "arn::s3:::b".`},
		{"principal", stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), 0, "Policy document should not specify a principal."},
		{"policy variable", stmt(`{"Effect":"Deny","Action":"*","Resource":"arn:aws:iam::1:user/${aws:username}"}`), 0, `Policy variables are not supported: "arn:aws:iam::1:user/${aws:username}".`},
		{"unknown statement field", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}`), 0, `Syntax errors in policy. Unknown field "Conditions".`},
		{"bad sid", stmt(`{"Sid":"my sid","Effect":"Allow","Action":"*","Resource":"*"}`), 0, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
		{"duplicate sid", stmt(`{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}`), 1, "Statement IDs (SID) in a single policy must be unique."},
		{"condition not object", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}`), 0, "Syntax errors in policy. Condition must be an object of operators."},
		{"condition value object", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":{"a":1}}}}`), 0,
			"Syntax errors in policy. Values of condition StringEquals/aws:RequestedRegion must be strings, numbers or booleans, or arrays of them."},
		{"second statement", stmt(`{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*"}`), 1, "Policy statement must contain resources."},
		{"too large", `{"Statement":"` + strings.Repeat("x", MaxDocumentSize) + `"}`, -1, "Policy document is larger than 131072 bytes."},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(tc.doc))
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: Parse = %v, want *Error", tc.name, err)
			continue
		}
		if pe.Message != tc.msg || pe.Statement != tc.statement {
			t.Errorf("%s: error (statement %d) %q\nwant (statement %d) %q", tc.name, pe.Statement, pe.Message, tc.statement, tc.msg)
		}
		if !strings.HasPrefix(err.Error(), "MalformedPolicyDocument: ") {
			t.Errorf("%s: Error() = %q", tc.name, err.Error())
		}
	}
}

func TestErrorNamesStatement(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(`{"Statement":[{"Sid":"Ok","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Bad","Effect":"Allow","Action":"x","Resource":"*"}]}`))
	want := `MalformedPolicyDocument: statement 1 (Sid "Bad"): Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
}
