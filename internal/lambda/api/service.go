// Package lambdaapi serves the subset of the AWS Lambda API (REST JSON, as the aws CLI, the
// SDKs and Terraform speak it) that creates functions from zip packages, publishes versions,
// manages aliases, invokes functions and configures reserved and provisioned concurrency.
// The functions are real: workers.Pool runs them as processes on this machine (OS-only
// runtimes: provided.al2023, provided.al2, provided). One file per operation.
//
// Metadata (configurations, versions, aliases, concurrency settings) is one record per
// function in the store's record table; code is kept in DataDir/<account>/<region>/<function>/
// as <sha256>.zip and an unpacked directory per package. The Service is the only writer of
// its records and keeps every function in memory (a node of a shared PostgreSQL store does
// not see functions other nodes create until it restarts; Lambda functions are local to a
// node anyway since their code and workers are).
package lambdaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/autoscaled/autoscaled/internal/autoscaling"
	"github.com/autoscaled/autoscaled/internal/awsjson"
	"github.com/autoscaled/autoscaled/internal/lambda/workers"
	"github.com/autoscaled/autoscaled/internal/sigv4"
	"github.com/autoscaled/autoscaled/internal/store"
)

// SigningName is the SigV4 service name of Lambda.
const SigningName = "lambda"

// recordPrefix prefixes the records of functions: lambda/functions/<account>/<region>/<name>.
const recordPrefix = "lambda/functions/"

// Body limits.
const (
	// maxInvokeBody is Lambda's synchronous invocation payload limit (6 MB).
	maxInvokeBody = 6 * 1024 * 1024
	// maxEventBody is the asynchronous (Event) payload limit (1 MB since 2025).
	maxEventBody = 1024 * 1024
	// maxCodeBody bounds CreateFunction and UpdateFunctionCode bodies: a 50 MB zip in base64
	// plus the rest of the request.
	maxCodeBody = MaxZipSize/3*4 + 1<<20
	maxBody     = 1 << 20
)

// Options configure a Service.
type Options struct {
	// Store keeps the functions' metadata in its record table.
	Store store.Store
	// Pool runs the functions; it must be started before New.
	Pool *workers.Pool
	// DataDir receives the code: DataDir/<account>/<region>/<function>/<sha256>.zip and an
	// unpacked directory per package.
	DataDir string
	Logger  *slog.Logger
	// Clock dates LastModified (nil = time.Now).
	Clock func() time.Time
}

// Service is the Lambda API.
type Service struct {
	o     Options
	log   *slog.Logger
	pool  *workers.Pool
	clock func() time.Time

	// mu serialises every change: the record, the cache and the pool change together, so
	// that concurrency limits are checked against what the pool holds.
	mu sync.Mutex

	cmu   sync.RWMutex
	cache map[fnKey]*entry
}

type fnKey struct {
	scope autoscaling.Scope
	name  string
}

func (k fnKey) record() string {
	return recordPrefix + k.scope.Account + "/" + k.scope.Region + "/" + k.name
}

// entry is a function as the cache holds it: never changed once installed.
type entry struct {
	key fnKey
	fn  *function
	// wf is the pool's view of each version, by version.
	wf map[string]*workers.Function
}

// New returns the service. It loads every stored function, and re-creates in the pool the
// reserved concurrency and the provisioned concurrency configurations (warm workers start
// again after a restart).
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Store == nil || o.Pool == nil {
		return nil, errors.New("lambdaapi: Store and Pool are required")
	}
	if o.DataDir == "" {
		return nil, errors.New("lambdaapi: DataDir is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	s := &Service{o: o, log: o.Logger, pool: o.Pool, clock: o.Clock, cache: map[fnKey]*entry{}}
	recs, err := o.Store.ListRecords(ctx, recordPrefix, "", 0)
	if err != nil {
		return nil, fmt.Errorf("lambdaapi: list functions: %w", err)
	}
	restored := 0
	for _, rec := range recs {
		parts := strings.Split(strings.TrimPrefix(rec.Key, recordPrefix), "/")
		if len(parts) != 3 {
			continue
		}
		key := fnKey{scope: autoscaling.Scope{Account: parts[0], Region: parts[1]}, name: parts[2]}
		var fn function
		if err := json.Unmarshal(rec.Value, &fn); err != nil || fn.Latest == nil {
			s.log.Error("lambda: unreadable function record", "key", rec.Key, "err", err)
			continue
		}
		for sha := range fn.codeSHAs() {
			if err := s.ensureCode(key.scope, key.name, sha); err != nil {
				s.log.Error("lambda: function code", "function", key.name, "err", err)
			}
		}
		e := s.install(key, &fn)
		if fn.Reserved != nil {
			s.pool.SetReservedConcurrency(key.scope, key.name, fn.Reserved)
		}
		for _, pc := range fn.PC {
			if wf := e.wf[pc.Version]; wf != nil {
				s.pool.SetProvisioned(wf, key.name+":"+pc.Qualifier, pc.Requested)
				restored++
			}
		}
	}
	if restored > 0 {
		s.log.Info("lambda: provisioned concurrency restored", "configurations", restored)
	}
	return s, nil
}

// install builds the cache entry of a function and makes it current.
func (s *Service) install(key fnKey, fn *function) *entry {
	e := &entry{key: key, fn: fn, wf: make(map[string]*workers.Function, len(fn.Versions)+1)}
	add := func(c *config) {
		e.wf[c.Version] = &workers.Function{
			Scope:      key.scope,
			Name:       fn.Name,
			Version:    c.Version,
			CodeDir:    s.codeDir(key.scope, fn.Name, c.CodeSHA256),
			CodeSHA256: c.CodeSHA256,
			Handler:    c.Handler,
			Runtime:    c.Runtime,
			Env:        c.Env,
			Timeout:    time.Duration(c.Timeout) * time.Second,
			MemoryMB:   c.MemorySize,
			// nil: the reserved concurrency is set with SetReservedConcurrency only, so that
			// a Function resolved before a change cannot undo it.
			ReservedConcurrency: nil,
		}
	}
	add(fn.Latest)
	for _, v := range fn.Versions {
		add(v)
	}
	s.cmu.Lock()
	s.cache[key] = e
	s.cmu.Unlock()
	return e
}

// lookup returns a function's cache entry, or nil.
func (s *Service) lookup(sc autoscaling.Scope, name string) *entry {
	s.cmu.RLock()
	e := s.cache[fnKey{sc, name}]
	s.cmu.RUnlock()
	return e
}

// get returns the function a reference names, or ResourceNotFoundException.
func (s *Service) get(ref fnRef) (*entry, *Error) {
	e := s.lookup(ref.scope, ref.name)
	if e == nil {
		return nil, errFunctionNotFound(functionARN(ref.scope, ref.name))
	}
	return e, nil
}

// save stores fn (nil deletes the function) and installs it in the cache. Callers hold s.mu.
func (s *Service) save(ctx context.Context, key fnKey, fn *function) (*entry, error) {
	var b []byte
	if fn != nil {
		var err error
		if b, err = json.Marshal(fn); err != nil {
			return nil, err
		}
	}
	// A caller that goes away does not interrupt a change half made.
	err := s.o.Store.Update(context.WithoutCancel(ctx), func(tx store.Tx) error {
		if fn == nil {
			err := tx.DeleteRecord(key.record())
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		return tx.PutRecord(key.record(), b)
	})
	if err != nil {
		return nil, fmt.Errorf("store function %s: %w", key.name, err)
	}
	if fn == nil {
		s.cmu.Lock()
		delete(s.cache, key)
		s.cmu.Unlock()
		return nil, nil
	}
	return s.install(key, fn), nil
}

// resolve returns the version a qualifier names ("" and $LATEST: $LATEST; an alias: its
// version), with ResourceNotFoundException for a missing version or alias.
func (e *entry) resolve(ref fnRef) (string, *Error) {
	q := ref.qualifier
	switch {
	case q == "" || q == LATEST:
		return LATEST, nil
	case isVersion(q):
		if e.fn.version(q) == nil {
			return "", errFunctionNotFound(ref.arn())
		}
		return q, nil
	}
	a := e.fn.Aliases[q]
	if a == nil {
		return "", errAliasNotFound(ref.arn())
	}
	return a.Version, nil
}

// Owns reports whether a request is a Lambda call: a REST path of the Lambda API
// (/<date>/functions..., /2016-08-19/account-settings), or any request signed for lambda.
func (s *Service) Owns(r *http.Request) bool {
	p := r.URL.Path
	if len(p) > 12 && p[0] == '/' && p[5] == '-' && p[8] == '-' && p[11] == '/' && isDigits(p[1:5]) {
		rest := p[12:]
		for _, top := range []string{"functions", "account-settings", "tags/", "event-source-mappings", "layers", "code-signing-configs"} {
			if strings.HasPrefix(rest, top) {
				return true
			}
		}
	}
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	c, err := sigv4.CredentialFromRequest(r)
	return err == nil && c.Service == SigningName
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// call is what an operation knows of its request.
type call struct {
	r     *http.Request
	w     http.ResponseWriter
	scope autoscaling.Scope
	fn    string // FunctionName path parameter (unescaped)
	sub   string // Name path parameter of alias operations
	query url.Values
	reqID string
}

// handler serves one operation; it writes its result and returns nil, or returns an error.
type handler func(c *call) error

// ServeHTTP serves one call.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{r: r, w: w, scope: scopeOf(r)}
	h, op := s.route(r, c)
	if h == nil {
		c.reqID = awsjson.NewRequestID()
		w.Header().Set("x-amzn-RequestId", c.reqID)
		writeError(w, newErr(nil, CodeUnknownOperation, "Lambda operation %s %s is not supported by this server", r.Method, r.URL.Path))
		return
	}
	if op != "Invoke" {
		c.reqID = awsjson.NewRequestID()
		w.Header().Set("x-amzn-RequestId", c.reqID)
	}
	if err := s.run(h, c); err != nil {
		if c.reqID == "" {
			c.reqID = awsjson.NewRequestID()
			w.Header().Set("x-amzn-RequestId", c.reqID)
		}
		var e *Error
		if !errors.As(err, &e) {
			s.log.Error("lambda: internal error", "op", op, "request_id", c.reqID, "err", err)
			e = newErr(nil, CodeService, "An internal error occurred (request id %s)", c.reqID)
		} else {
			s.log.Debug("lambda: client error", "op", op, "code", e.Code, "message", e.Message)
		}
		writeError(w, e)
	}
}

// run runs a handler, turning a panic into an internal error.
func (s *Service) run(h handler, c *call) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(c)
}

// route finds the operation of a request and fills c's path parameters.
func (s *Service) route(r *http.Request, c *call) (handler, string) {
	raw := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	parts := strings.Split(strings.TrimPrefix(raw, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	m := r.Method
	if len(parts) == 2 && parts[0] == "2016-08-19" && parts[1] == "account-settings" && m == http.MethodGet {
		return s.getAccountSettings, "GetAccountSettings"
	}
	if len(parts) == 3 && parts[0] == "2017-03-31" && parts[1] == "tags" {
		c.fn = parts[2]
		switch m {
		case http.MethodGet:
			return s.listTags, "ListTags"
		case http.MethodPost:
			return s.tagResource, "TagResource"
		case http.MethodDelete:
			return s.untagResource, "UntagResource"
		}
		return nil, ""
	}
	if len(parts) < 2 || parts[1] != "functions" {
		return nil, ""
	}
	date := parts[0]
	if len(parts) == 2 {
		if date != "2015-03-31" {
			return nil, ""
		}
		switch m {
		case http.MethodPost:
			return s.createFunction, "CreateFunction"
		case http.MethodGet:
			return s.listFunctions, "ListFunctions"
		}
		return nil, ""
	}
	c.fn = parts[2]
	rest := parts[3:]
	sub := ""
	if len(rest) > 0 {
		sub = rest[0]
	}
	type rk struct{ date, method, sub string }
	switch (rk{date, m, sub}) {
	case rk{"2015-03-31", http.MethodGet, ""}:
		return s.getFunction, "GetFunction"
	case rk{"2015-03-31", http.MethodDelete, ""}:
		return s.deleteFunction, "DeleteFunction"
	case rk{"2015-03-31", http.MethodGet, "configuration"}:
		return s.getFunctionConfiguration, "GetFunctionConfiguration"
	case rk{"2015-03-31", http.MethodPut, "configuration"}:
		return s.updateFunctionConfiguration, "UpdateFunctionConfiguration"
	case rk{"2015-03-31", http.MethodPut, "code"}:
		return s.updateFunctionCode, "UpdateFunctionCode"
	case rk{"2015-03-31", http.MethodPost, "versions"}:
		return s.publishVersion, "PublishVersion"
	case rk{"2015-03-31", http.MethodGet, "versions"}:
		return s.listVersionsByFunction, "ListVersionsByFunction"
	case rk{"2015-03-31", http.MethodPost, "invocations"}:
		return s.invoke, "Invoke"
	case rk{"2014-11-13", http.MethodPost, "invoke-async"}:
		return s.invokeAsync, "InvokeAsync"
	case rk{"2019-09-30", http.MethodPut, "provisioned-concurrency"}:
		return s.putProvisionedConcurrencyConfig, "PutProvisionedConcurrencyConfig"
	case rk{"2019-09-30", http.MethodGet, "provisioned-concurrency"}:
		if r.URL.Query().Get("List") == "ALL" {
			return s.listProvisionedConcurrencyConfigs, "ListProvisionedConcurrencyConfigs"
		}
		return s.getProvisionedConcurrencyConfig, "GetProvisionedConcurrencyConfig"
	case rk{"2019-09-30", http.MethodDelete, "provisioned-concurrency"}:
		return s.deleteProvisionedConcurrencyConfig, "DeleteProvisionedConcurrencyConfig"
	case rk{"2017-10-31", http.MethodPut, "concurrency"}:
		return s.putFunctionConcurrency, "PutFunctionConcurrency"
	case rk{"2017-10-31", http.MethodDelete, "concurrency"}:
		return s.deleteFunctionConcurrency, "DeleteFunctionConcurrency"
	case rk{"2019-09-30", http.MethodGet, "concurrency"}:
		return s.getFunctionConcurrency, "GetFunctionConcurrency"
	case rk{"2020-06-30", http.MethodGet, "code-signing-config"}:
		return s.getFunctionCodeSigningConfig, "GetFunctionCodeSigningConfig"
	case rk{"2021-07-20", http.MethodGet, "runtime-management-config"}:
		return s.getRuntimeManagementConfig, "GetRuntimeManagementConfig"
	case rk{"2024-08-31", http.MethodGet, "recursion-config"}:
		return s.getFunctionRecursionConfig, "GetFunctionRecursionConfig"
	}
	if date == "2015-03-31" && sub == "aliases" {
		if len(rest) == 1 {
			switch m {
			case http.MethodPost:
				return s.createAlias, "CreateAlias"
			case http.MethodGet:
				return s.listAliases, "ListAliases"
			}
		} else if len(rest) == 2 {
			c.sub = rest[1]
			switch m {
			case http.MethodGet:
				return s.getAlias, "GetAlias"
			case http.MethodPut:
				return s.updateAlias, "UpdateAlias"
			case http.MethodDelete:
				return s.deleteAlias, "DeleteAlias"
			}
		}
	}
	return nil, ""
}

// Request helpers.

func (c *call) query1(k string) string {
	if c.query == nil {
		c.query = c.r.URL.Query()
	}
	return c.query.Get(k)
}

// body reads the request body, up to limit bytes.
func (c *call) body(limit int64) ([]byte, *Error) {
	if c.r.ContentLength > limit {
		return nil, newErr(ErrInvalid, CodeRequestTooLarge, "Request must be smaller than %d bytes for the operation", limit)
	}
	b, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return nil, newErr(ErrInvalid, CodeInvalidRequestContent, "The request body could not be read: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, newErr(ErrInvalid, CodeRequestTooLarge, "Request must be smaller than %d bytes for the operation", limit)
	}
	return b, nil
}

// decode reads a JSON body into v (an empty body leaves v as it is).
func (c *call) decode(v any, limit int64) *Error {
	b, err := c.body(limit)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if jerr := json.Unmarshal(b, v); jerr != nil {
		return errBadJSON(jerr)
	}
	return nil
}

// maxItems reads MaxItems (1..10000, default def).
func (c *call) maxItems(def int) (int, *Error) {
	v := c.query1("MaxItems")
	if v == "" {
		return def, nil
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' || n > 1e6 {
			return 0, errValidation(v, "maxItems", "Member must have value greater than or equal to 1")
		}
		n = n*10 + int(v[i]-'0')
	}
	if n < 1 {
		return 0, errValidation(v, "maxItems", "Member must have value greater than or equal to 1")
	}
	if n > 10000 {
		return 0, errValidation(v, "maxItems", "Member must have value less than or equal to 10000")
	}
	return n, nil
}

// now is the time of LastModified values (millisecond precision, as Lambda reports it).
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

func newRevision() string { return autoscaling.NewUUID() }
