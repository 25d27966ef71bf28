// Package auth holds the principals a server authenticates: named access keys, each in
// an account and with an IAM policy, read from a JSON file. It knows nothing of
// autoscaling.
//
// The file:
//
//	{"principals": [
//	  {"name": "alice", "accessKeyId": "AKIA...", "secretAccessKey": "...",
//	   "accountId": "111111111111",
//	   "policy": {"Version": "2012-10-17", "Statement": [...]}},
//	  {"name": "admin", "accessKeyId": "AKIA...", "secretAccessKey": "...",
//	   "accountId": "111111111111", "policy": "*"}
//	]}
//
// Every principal needs a policy: a principal without one is a load error, never a
// principal with some default. "policy": "*" is the explicit way to grant everything (it
// is the policy Allow * on *); the server scopes resources to the principal's account.
// Names must be IAM user names ([A-Za-z0-9+=,.@_-], at most 64), account ids 12 digits,
// access key ids unique ([A-Za-z0-9_], at most 128); (account, name) pairs unique.
// Unknown fields are errors, so a misspelt key never silently drops a setting.
//
// Secrets are never printed: Principal formats, logs (slog) and marshals to JSON without
// its secret, and load errors never quote the file's content. Use [Principal.Secret] to
// read it. The file should be readable by the server only.
//
// A [Store] holds the current set and swaps it atomically on [Store.Reload] (for SIGHUP,
// handled by the server). Take Current once per request and use that set throughout:
//
//	ps := store.Current()
//	cred, err := verifier.Verify(r, body, ps.Secret)
//	p, _ := ps.Lookup(cred.AccessKeyID)
package auth
