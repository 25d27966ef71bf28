package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxDocumentSize bounds the size of a policy document, in bytes.
const MaxDocumentSize = 128 << 10

// Error is a malformed policy document. Message is IAM-style (IAM answers such documents
// with the error code MalformedPolicyDocument); Statement is the index of the offending
// statement, or -1 for the document as a whole.
type Error struct {
	Statement int
	Sid       string
	Message   string
}

// Code is the IAM error code of a malformed policy document.
const Code = "MalformedPolicyDocument"

func (e *Error) Error() string {
	switch {
	case e.Statement < 0:
		return "MalformedPolicyDocument: " + e.Message
	case e.Sid != "":
		return fmt.Sprintf("MalformedPolicyDocument: statement %d (Sid %q): %s", e.Statement, e.Sid, e.Message)
	}
	return fmt.Sprintf("MalformedPolicyDocument: statement %d: %s", e.Statement, e.Message)
}

// Policy is a parsed identity policy. It is immutable and safe for concurrent use.
type Policy struct {
	version    string
	statements []statement
}

type statement struct {
	deny        bool
	notAction   bool
	actions     []pattern
	notResource bool
	resources   []pattern
	conditions  []condition // all must hold
}

// Version returns the policy language version of the document.
func (p *Policy) Version() string { return p.version }

// Parse parses and validates an IAM identity-policy document.
func Parse(doc []byte) (*Policy, error) {
	if len(doc) > MaxDocumentSize {
		return nil, docError(fmt.Sprintf("Policy document is larger than %d bytes.", MaxDocumentSize))
	}
	if !json.Valid(doc) {
		return nil, docError("Syntax errors in policy.")
	}
	topKeys, top, err := fields(doc)
	if err != nil {
		return nil, docError(err.Error())
	}
	p := &Policy{version: "2008-10-17"}
	var rawStatements json.RawMessage
	for _, k := range topKeys {
		v := top[k]
		switch k {
		case "Version":
			if err := json.Unmarshal(v, &p.version); err != nil || (p.version != "2012-10-17" && p.version != "2008-10-17") {
				return nil, docError("The policy Version must be \"2012-10-17\" or \"2008-10-17\".")
			}
		case "Id":
			var id string
			if json.Unmarshal(v, &id) != nil {
				return nil, docError("Syntax errors in policy. Id must be a string.")
			}
		case "Statement":
			rawStatements = v
		default:
			return nil, docError(fmt.Sprintf("Syntax errors in policy. Unknown field %q.", k))
		}
	}
	if rawStatements == nil {
		return nil, docError("Syntax errors in policy. Missing required field Statement.")
	}
	var list []json.RawMessage
	if trimmed := bytes.TrimSpace(rawStatements); len(trimmed) > 0 && trimmed[0] == '[' {
		if json.Unmarshal(rawStatements, &list) != nil {
			return nil, docError("Syntax errors in policy. Statement must be an object or an array of objects.")
		}
	} else {
		list = []json.RawMessage{rawStatements}
	}
	if len(list) == 0 {
		return nil, docError("Policy document must contain at least one statement.")
	}
	sids := map[string]bool{}
	for i, raw := range list {
		st, sid, msg := parseStatement(raw)
		if msg != "" {
			return nil, &Error{Statement: i, Sid: sid, Message: msg}
		}
		if sid != "" {
			if sids[sid] {
				return nil, &Error{Statement: i, Sid: sid, Message: "Statement IDs (SID) in a single policy must be unique."}
			}
			sids[sid] = true
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func docError(msg string) *Error { return &Error{Statement: -1, Message: msg} }

// fields decodes a JSON object into its members, refusing duplicate keys. keys lists the
// members in document order.
func fields(raw []byte) (keys []string, members map[string]json.RawMessage, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("Syntax errors in policy. Expected a JSON object.")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, errors.New("Syntax errors in policy.")
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, errors.New("Syntax errors in policy.")
		}
		if _, dup := out[key]; dup {
			return nil, nil, fmt.Errorf("Syntax errors in policy. Duplicate key %q.", key)
		}
		out[key] = v
		keys = append(keys, key)
	}
	return keys, out, nil
}

// parseStatement returns the statement, its Sid, and a message when it is malformed.
func parseStatement(raw json.RawMessage) (statement, string, string) {
	var st statement
	keys, f, err := fields(raw)
	if err != nil {
		return st, "", err.Error()
	}
	var sid string
	if v, ok := f["Sid"]; ok {
		if json.Unmarshal(v, &sid) != nil {
			return st, "", "Syntax errors in policy. Sid must be a string."
		}
		for _, c := range sid {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return st, "", "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
			}
		}
	}
	for _, k := range keys {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition":
		case "Principal", "NotPrincipal":
			return st, sid, "Policy document should not specify a principal."
		default:
			return st, sid, fmt.Sprintf("Syntax errors in policy. Unknown field %q.", k)
		}
	}
	var effect string
	if v, ok := f["Effect"]; !ok {
		return st, sid, "Syntax errors in policy. Missing required field Effect."
	} else if json.Unmarshal(v, &effect) != nil || (effect != "Allow" && effect != "Deny") {
		return st, sid, fmt.Sprintf("Invalid effect: %s. Effect must be \"Allow\" or \"Deny\".", bytes.TrimSpace(v))
	}
	st.deny = effect == "Deny"

	var msg string
	if st.actions, st.notAction, msg = parseList(f, "Action", "NotAction", "Policy statement must contain actions.", validAction); msg != "" {
		return st, sid, msg
	}
	if st.resources, st.notResource, msg = parseList(f, "Resource", "NotResource", "Policy statement must contain resources.", validResource); msg != "" {
		return st, sid, msg
	}
	if v, ok := f["Condition"]; ok {
		if st.conditions, msg = parseConditions(v); msg != "" {
			return st, sid, msg
		}
	}
	return st, sid, ""
}

// parseList reads the element name (or its negation notName), a string or an array of
// strings, validating and compiling each entry.
func parseList(f map[string]json.RawMessage, name, notName, missing string, valid func(string) string) ([]pattern, bool, string) {
	raw, has := f[name]
	notRaw, hasNot := f[notName]
	switch {
	case has && hasNot:
		return nil, false, fmt.Sprintf("Statement can't contain both %s and %s.", name, notName)
	case hasNot:
		raw, name = notRaw, notName
	case !has:
		return nil, false, missing
	}
	values, ok := stringOrList(raw)
	if !ok {
		return nil, false, fmt.Sprintf("Syntax errors in policy. %s must be a string or an array of strings.", name)
	}
	if len(values) == 0 {
		return nil, false, missing
	}
	fold := name == "Action" || name == "NotAction"
	out := make([]pattern, 0, len(values))
	for _, v := range values {
		if strings.Contains(v, "${") {
			return nil, false, fmt.Sprintf("Policy variables are not supported: %q.", v)
		}
		if msg := valid(v); msg != "" {
			return nil, false, msg
		}
		out = append(out, compile(v, fold))
	}
	return out, hasNot, ""
}

func stringOrList(raw json.RawMessage) ([]string, bool) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil, false
	}
	return many, true
}

func validAction(a string) string {
	if a == "*" {
		return ""
	}
	for i := 0; i < len(a); i++ {
		if a[i] <= ' ' || a[i] >= 0x7f {
			return fmt.Sprintf("Action %q contains a character that is not printable ASCII.", a)
		}
	}
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok || vendor == "":
		return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	case strings.Contains(name, ":"):
		return "Actions/Condition can contain only one colon."
	case name == "":
		return fmt.Sprintf("Action %q has no action name after the vendor.", a)
	}
	return ""
}

func validResource(r string) string {
	if r == "*" {
		return ""
	}
	if !strings.HasPrefix(r, "arn:") || strings.Count(r, ":") < 5 {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	if strings.Split(r, ":")[1] == "" {
		return fmt.Sprintf("Partition \"\" is not valid for resource \"%s\".", r)
	}
	return ""
}
