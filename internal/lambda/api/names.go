package lambdaapi

import (
	"regexp"
	"strings"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
)

var (
	reFunctionName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	reQualifier    = regexp.MustCompile(`^(\$LATEST|[a-zA-Z0-9_-]{1,128})$`)
	reAliasName    = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	reEnvKey       = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	reRole         = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	// A full ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]) or a partial one
	// (ACCOUNT:function:NAME[:QUALIFIER]).
	reFullARN    = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::([^:]+))?$`)
	rePartialARN = regexp.MustCompile(`^(\d{12}):function:([^:]+)(?::([^:]+))?$`)
)

const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

// fnRef is a FunctionName (and Qualifier) of a request, resolved against the caller's scope.
type fnRef struct {
	scope     autoscaling.Scope
	name      string
	qualifier string // "" when none was given
}

func (r fnRef) arn() string { return qualifiedARN(r.scope, r.name, r.qualifier) }

// parseFunctionName reads a FunctionName as Lambda accepts it: a name, name:qualifier, a full
// ARN or a partial ARN; qualifier is the Qualifier parameter ("" if absent). A function of
// another account or region than the caller's does not exist for it.
func parseFunctionName(sc autoscaling.Scope, s, qualifier string) (fnRef, *Error) {
	ref := fnRef{scope: sc}
	var name, derived string
	switch {
	case strings.HasPrefix(s, "arn:"):
		m := reFullARN.FindStringSubmatch(s)
		if m == nil {
			return ref, errValidation(s, "functionName", "Member must satisfy regular expression pattern: "+functionNamePattern)
		}
		if m[1] != sc.Region || m[2] != sc.Account {
			return ref, errFunctionNotFound(s)
		}
		name, derived = m[3], m[4]
	case rePartialARN.MatchString(s):
		m := rePartialARN.FindStringSubmatch(s)
		if m[1] != sc.Account {
			return ref, errFunctionNotFound(s)
		}
		name, derived = m[2], m[3]
	default:
		name, derived, _ = strings.Cut(s, ":")
	}
	if !reFunctionName.MatchString(name) {
		return ref, errValidation(s, "functionName", "Member must satisfy regular expression pattern: "+functionNamePattern)
	}
	if derived != "" && !reQualifier.MatchString(derived) {
		return ref, errValidation(s, "functionName", "Member must satisfy regular expression pattern: "+functionNamePattern)
	}
	if qualifier != "" && !reQualifier.MatchString(qualifier) {
		return ref, errValidation(qualifier, "qualifier", `Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`)
	}
	if derived != "" && qualifier != "" && derived != qualifier {
		return ref, errInvalid("The derived qualifier from the function name does not match the specified qualifier.")
	}
	if qualifier == "" {
		qualifier = derived
	}
	ref.name, ref.qualifier = name, qualifier
	return ref, nil
}

// parseUnqualified reads a FunctionName that must not carry a qualifier (operations on the
// function as a whole).
func parseUnqualified(sc autoscaling.Scope, s string) (fnRef, *Error) {
	ref, err := parseFunctionName(sc, s, "")
	if err != nil {
		return ref, err
	}
	if ref.qualifier != "" {
		return ref, errInvalid("Unsupported function name %s: this operation takes an unqualified function name or ARN.", s)
	}
	return ref, nil
}
