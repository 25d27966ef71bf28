package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// tristate is the outcome of a condition: it holds, it does not, or it cannot be evaluated.
type tristate uint8

const (
	condTrue tristate = iota
	condFalse
	condUnknown
)

// condition is one operator/key pair of a Condition block, e.g.
// "StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}.
type condition struct {
	known  bool // an operator and key this package evaluates
	negate bool
	values []pattern // any may match
}

// stringOperators are the evaluated operators: negated, case-folding, wildcard.
var stringOperators = map[string]struct{ negate, fold, like bool }{
	"StringEquals":              {},
	"StringNotEquals":           {negate: true},
	"StringEqualsIgnoreCase":    {fold: true},
	"StringNotEqualsIgnoreCase": {negate: true, fold: true},
	"StringLike":                {like: true},
	"StringNotLike":             {negate: true, like: true},
}

const requestedRegion = "aws:RequestedRegion"

func parseConditions(raw json.RawMessage) ([]condition, string) {
	opNames, ops, err := fields(raw)
	if err != nil {
		return nil, "Syntax errors in policy. Condition must be an object of operators."
	}
	var out []condition
	for _, op := range opNames {
		keyNames, keys, err := fields(ops[op])
		if err != nil {
			return nil, fmt.Sprintf("Syntax errors in policy. Condition operator %q must map condition keys to values.", op)
		}
		for _, key := range keyNames {
			vals := keys[key]
			values, ok := conditionValues(vals)
			if !ok {
				return nil, fmt.Sprintf("Syntax errors in policy. Values of condition %s/%s must be strings, numbers or booleans, or arrays of them.", op, key)
			}
			spec, known := stringOperators[op]
			c := condition{known: known && strings.EqualFold(key, requestedRegion), negate: spec.negate}
			for _, v := range values {
				switch {
				case spec.like:
					c.values = append(c.values, compile(v, false))
				case spec.fold:
					c.values = append(c.values, pattern{kind: matchExact, fold: true, s: strings.ToLower(v)})
				default:
					c.values = append(c.values, pattern{kind: matchExact, s: v})
				}
			}
			out = append(out, c)
		}
	}
	return out, ""
}

// conditionValues reads a scalar or an array of scalars, as strings.
func conditionValues(raw json.RawMessage) ([]string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		switch e := e.(type) {
		case string:
			out = append(out, e)
		case json.Number:
			out = append(out, e.String())
		case bool:
			out = append(out, strconv.FormatBool(e))
		default:
			return nil, false
		}
	}
	return out, true
}

// eval evaluates c for the requested region ("" = unknown).
func (c *condition) eval(region string) tristate {
	if !c.known || region == "" {
		return condUnknown
	}
	match := false
	for _, v := range c.values {
		if v.match(region) {
			match = true
			break
		}
	}
	if match != c.negate {
		return condTrue
	}
	return condFalse
}

// evalAll combines conditions with AND: any false makes false, else any unknown makes
// unknown.
func evalAll(cs []condition, region string) tristate {
	res := condTrue
	for i := range cs {
		switch cs[i].eval(region) {
		case condFalse:
			return condFalse
		case condUnknown:
			res = condUnknown
		}
	}
	return res
}
