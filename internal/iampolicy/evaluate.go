package iampolicy

// Decision is the outcome of evaluating a policy for a request.
type Decision uint8

const (
	// ImplicitDeny: no statement allows the request (the zero value).
	ImplicitDeny Decision = iota
	// Allow: a statement allows the request and none denies it.
	Allow
	// ExplicitDeny: a Deny statement matches the request.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Request is what a policy is evaluated against.
type Request struct {
	// Action is "service:Action", e.g. "application-autoscaling:RegisterScalableTarget".
	Action string
	// Resource is the ARN acted on, or "*" for actions without a resource.
	Resource string
	// Region is the value of aws:RequestedRegion; "" when unknown (then conditions on it
	// cannot be evaluated and fail closed).
	Region string
}

// Allowed evaluates the policy for action on resource, with no request context.
func (p *Policy) Allowed(action, resource string) Decision {
	return p.Evaluate(Request{Action: action, Resource: resource})
}

// Evaluate evaluates the policy for req. A nil policy allows nothing.
func (p *Policy) Evaluate(req Request) Decision {
	if p == nil {
		return ImplicitDeny
	}
	allowed := false
	for i := range p.statements {
		st := &p.statements[i]
		if !st.deny && allowed {
			continue // already allowed; only a Deny can change the answer
		}
		if !anyMatch(st.actions, req.Action, st.notAction) || !anyMatch(st.resources, req.Resource, st.notResource) {
			continue
		}
		cond := condTrue
		if len(st.conditions) > 0 {
			cond = evalAll(st.conditions, req.Region)
		}
		if st.deny {
			if cond != condFalse { // an unevaluable condition restricts
				return ExplicitDeny
			}
		} else if cond == condTrue { // an unevaluable condition never grants
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// anyMatch reports whether s matches one of ps, or, for a Not element, none of them.
func anyMatch(ps []pattern, s string, not bool) bool {
	for i := range ps {
		if ps[i].match(s) {
			return !not
		}
	}
	return not
}
