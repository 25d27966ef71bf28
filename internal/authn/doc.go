// Package authn is the front door of autoscaled: an HTTP middleware that authenticates every
// request of the APIs served on the endpoint (Application Auto Scaling, CloudWatch,
// ElastiCache, Lambda, IAM), authorizes it against the caller's IAM-style policy, applies the
// per-account rate limit, and hands the handlers a [Caller] in the request context.
//
// For each request [Middleware.Wrap]:
//
//  1. leaves the unauthenticated paths alone: GET and HEAD /healthz, GET /metrics;
//  2. reads the body (at most [Options.MaxBodyBytes], 8 MiB by default) and puts it back in
//     r.Body, so handlers read it as usual;
//  3. classifies the request ([Classify]): protocol (AWS JSON 1.1 by X-Amz-Target
//     AnyScaleFrontendService.*, Smithy RPC v2 CBOR by the path
//     /service/GraniteServiceVersion20100801/operation/*, AWS JSON 1.0 by X-Amz-Target
//     GraniteServiceVersion20100801.*, the query protocol by a form POST whose credential
//     scope names monitoring, elasticache or iam, REST JSON by a Lambda path
//     /YYYY-MM-DD/...), service (its SigV4 signing name), operation, IAM action and the
//     resources AWS would check;
//  4. verifies the SigV4 signature for that signing name: with principals (an --auth-file)
//     against the principal's secret, without them only its form ([sigv4.Verifier.VerifyWellFormed]:
//     any key is accepted, as local AWS emulators do);
//  5. resolves the caller: the principal's account, or without principals the access key id
//     when it is 12 digits, else [DefaultAccount];
//  6. evaluates the principal's policy for the action on every resource: an explicit Deny
//     wins, and without an Allow the answer is AccessDenied with AWS's text ("User: ARN is
//     not authorized to perform: ACTION on resource: RES because no identity-based policy
//     allows the ACTION action"). A request whose operation cannot be named (an unknown
//     Lambda route, a form POST without Action) is let through only when the policy allows
//     every action of its service ("lambda:*"): the handler then answers it as unknown;
//  7. applies the per-account token bucket ([Options.RateLimit]);
//  8. calls the next handler with the [Caller] in the context.
//
// Refusals are written in the request's own protocol, as that protocol's SDK clients parse
// errors: AWS JSON (__type, X-Amzn-ErrorType), RPC v2 CBOR (a CBOR map with __type and
// message, smithy-protocol: rpc-v2-cbor; CloudWatch's JSON and CBOR errors also carry
// x-amzn-query-error so that clients report the query code, as CloudWatch does), the query
// protocol (XML ErrorResponse with the query codes of [sigv4.Error.ForQuery]: AccessDenied,
// Throttling, InvalidClientTokenId, SignatureDoesNotMatch...), and Lambda's REST JSON
// (x-amzn-ErrorType and {"Type":"User","message":...}; throttling is
// TooManyRequestsException, 429, with Retry-After).
//
// Nothing is logged of a secret or of an Authorization header: refusals are logged at debug
// level with the code, the service, the operation and, once the key is known to belong to
// a principal, its access key id.
package authn
