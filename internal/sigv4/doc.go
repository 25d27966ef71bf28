// Package sigv4 reads and verifies AWS Signature Version 4 on HTTP requests, as the aws
// CLI, the AWS SDKs and Terraform send them. It knows nothing of autoscaling.
//
// [Verifier.Verify] checks header-signed requests (Authorization: AWS4-HMAC-SHA256 ...)
// and presigned ones (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature in the query). [Verifier.VerifyWellFormed] checks
// all that needs no secret, for servers that accept any key. Failures are *[Error] values
// carrying the code, HTTP status and message AWS answers with: JSON and REST protocols use
// Code as is, query protocols use [Error.ForQuery].
//
// The canonical request is built as aws-sdk-go-v2 and botocore build it:
//   - the path as sent (r.URL.EscapedPath), percent-encoded once more for every service
//     but s3, so Lambda's /functions/my-function%3ABLUE signs as %253A; if that does not
//     match, the path with empty and dot segments removed (what botocore signs) is tried;
//   - the query decoded ('+' is a space) and re-encoded per RFC 3986, pairs sorted after
//     encoding; X-Amz-Signature left out of presigned ones;
//   - the signed headers in the client's order, values trimmed with runs of spaces
//     collapsed (not tabs: botocore would collapse those too, the Go SDK not), repeated
//     headers joined by commas, host from r.Host;
//   - the payload hash: x-amz-content-sha256 when sent (UNSIGNED-PAYLOAD accepted: the
//     body is then not covered by the signature; any other value must be the body's
//     hash), else the SHA-256 of the body.
//
// Host must be signed, and so must the date header of header-signed requests. Derived
// signing keys are cached per (secret, date, region, service), so a verification costs
// two SHA-256 passes over the request and no allocation in the common case.
// X-Amz-Security-Token is treated as an ordinary header: no session tokens are issued, so
// the access key and its secret alone identify the caller.
package sigv4
