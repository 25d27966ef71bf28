// Package iampolicy parses IAM identity-policy documents and decides whether they allow
// an action on a resource. It knows nothing of autoscaling.
//
// Supported: Version (2012-10-17 or 2008-10-17, default 2008-10-17), Id, and Statement as
// one object or an array of objects with Sid, Effect (Allow or Deny), Action or NotAction,
// Resource or NotResource (each a string or an array of strings), and Condition.
// Actions ("service:Action") match case-insensitively, resources (ARNs) case-sensitively;
// both take the wildcards * (any run of characters) and ? (one character; matching is
// byte-wise, and action patterns must be printable ASCII).
//
// Evaluation follows IAM: an explicit Deny wins over any Allow, and without a matching
// Allow the answer is an implicit deny.
//
// Conditions: the operators StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike and StringNotLike on the key aws:RequestedRegion
// are evaluated when the caller gives the region ([Policy.Evaluate] with Request.Region).
// Any other condition, or a region condition when the region is not given, cannot be
// evaluated and fails closed: the statement never grants (an Allow does not apply) and
// always restricts (a Deny applies as if the condition held).
//
// Refused at parse time, so that nothing is silently read differently from IAM: Principal
// and NotPrincipal (identity policies have none), policy variables (${...}), duplicate
// keys in an object, unknown fields, Action with NotAction, Resource with NotResource.
package iampolicy
