package lambdaapi

import (
	"slices"
)

type routingConfigInput struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

// checkAliasVersion checks that an alias can point at version v of f.
func (f *function) checkAliasVersion(ref fnRef, v string) *Error {
	if v == "" {
		return errValidation("null", "functionVersion", "Member must not be null")
	}
	if !isVersion(v) {
		return errValidation(v, "functionVersion", `Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)`)
	}
	if f.version(v) == nil {
		return errFunctionNotFound(qualifiedARN(ref.scope, f.Name, v))
	}
	return nil
}

// checkRouting validates an alias's routing configuration: at most one additional published
// version, other than the primary one, with a weight in [0, 1].
func (f *function) checkRouting(ref fnRef, primary string, weights map[string]float64) *Error {
	if len(weights) == 0 {
		return nil
	}
	if len(weights) > 1 {
		return errInvalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	if primary == LATEST {
		return errInvalid("$LATEST is not supported for an alias pointing to more than 1 version")
	}
	for v, w := range weights {
		if w < 0 || w > 1 {
			return errValidation(w, "routingConfig.additionalVersionWeights."+v, "Member must have value less than or equal to 1.0 and greater than or equal to 0.0")
		}
		if v == LATEST || !isVersion(v) {
			return errInvalid("Invalid function version %s. Function version %s is not supported in routing configuration.", v, v)
		}
		if v == primary {
			return errInvalid("Invalid function version %s. Function version %s is already included in routing configuration.", v, v)
		}
		if f.version(v) == nil {
			return errFunctionNotFound(qualifiedARN(ref.scope, f.Name, v))
		}
	}
	return nil
}

// aliasNames lists a function's alias names in order.
func (f *function) aliasNames() []string {
	names := make([]string, 0, len(f.Aliases))
	for n := range f.Aliases {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
