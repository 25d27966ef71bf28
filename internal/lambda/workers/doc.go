// Package workers is the execution side of the local Lambda: a Lambda Runtime API server,
// worker processes (one per execution environment) running a function's bootstrap,
// provisioned concurrency as real warm workers, the invoke path (warm, then on-demand cold
// start, then throttle), and the AWS/Lambda metrics. The Lambda REST API (functions,
// versions, aliases, PutProvisionedConcurrencyConfig...) is built on top of it and does the
// validation; this package trusts its arguments.
//
// # Workers and the Runtime API
//
// A worker is CodeDir/bootstrap started with cwd CodeDir, in its own process group, with the
// function's variables plus Lambda's reserved ones (AWS_LAMBDA_RUNTIME_API, _HANDLER,
// AWS_LAMBDA_FUNCTION_*, AWS_LAMBDA_LOG_GROUP_NAME / _STREAM_NAME, AWS_REGION,
// AWS_DEFAULT_REGION, LAMBDA_TASK_ROOT, AWS_LAMBDA_INITIALIZATION_TYPE, TZ=:UTC, PATH,
// LD_LIBRARY_PATH). Lambda passes the execution role's credentials; a local pool has no role,
// so AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are placeholders that let
// SDKs start, and Options.ExtraEnv can supply real ones (or AWS_ENDPOINT_URL). stdout and
// stderr share one pipe into LogDir/<function>/<version>/<worker-id>.log, with Lambda's START,
// END and REPORT lines; the last 4 KB are kept for InvokeResult.LogTail.
//
// Worker identification: each worker gets its own Runtime API listener on 127.0.0.1:0,
// served by the same handlers bound to that worker, and AWS_LAMBDA_RUNTIME_API is a plain
// host:port. Runtime clients build URLs differently: aws-lambda-go concatenates
// "http://" + value + "/2018-06-01/...", so it accepts a path prefix, but clients that split
// the value into host and port (the Node.js runtime client does, as far as we know) would
// not, and a request's source address does not identify a process reliably. One listener per
// worker costs a socket and an accept goroutine per environment and needs nothing from the
// client. Options.SharedRuntimeAPI switches to the pool's single listener with
// AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>/w/<worker-id> (tested with aws-lambda-go).
//
// A worker is initialised (warm) when it first polls /invocation/next. An /init/error, an exit
// before that poll or InitTimeout discard the environment. A function error (/error) keeps
// the environment; a crash mid-invocation fails it with Runtime.ExitError; a timeout kills
// the process and fails the invocation with Lambda's "<time> <request id> Task timed out after
// N.NN seconds"; a response above 6 MB fails with Function.ResponseSizeTooLarge. A stop sends
// SIGTERM to the process group, then SIGKILL after StopGrace (2 s). Reaping waits with waitid
// WNOWAIT, kills what is left of the group while the zombie still holds the group id, then
// reaps, so no process of the group survives and no signal can hit a reused pid. Pdeathsig
// SIGKILL ties each worker to autoscaled (it applies to the bootstrap process itself, not to
// processes it starts, and in Go it follows the OS thread that started the process).
//
// # Invoke routing and concurrency accounting
//
// An invocation goes to an idle provisioned worker of its version (Provisioned), else to an
// idle on-demand worker (a warm reuse), else to a new on-demand worker (ColdStart; counted as
// spillover when the version has provisioned concurrency and none of it is available), else
// it is throttled with a *ThrottleError.
//
// Accounting follows Lambda, where provisioned concurrency is taken out of the account's pool
// when it is configured, busy or idle: a function's slots are its on-demand invocations
// (running or cold-starting) plus, per version, max(requested provisioned concurrency, live
// provisioned workers). A function with reserved concurrency r uses at most r slots (its
// provisioned concurrency inside r, so with all of r provisioned, $LATEST is throttled with
// ReservedFunctionConcurrentInvocationLimitExceeded); functions without share AccountLimit −
// Σ reserved; and the sum over all functions never exceeds AccountLimit
// (ConcurrentInvocationLimitExceeded). Usage reports the numbers the API layer needs to
// validate a Put (it keeps the unreserved floor of 100). SetProvisioned does not validate: a
// configuration beyond the limits takes its workers and starves on-demand invocations. The
// reserved concurrency comes with every Function (nil leaves it as it is) and from
// SetReservedConcurrency.
//
// # Provisioned concurrency
//
// SetProvisioned returns at once with IN_PROGRESS. After AllocationDelay the allocator starts
// workers, AllocationBurst at once then AllocationPerMinute; Allocated counts initialised
// workers; READY comes when Allocated == Requested and no other provisioned process is left.
// Available rises with Allocated or, with AvailableAtEnd, keeps its value from before the Put
// until READY (only Available workers take invocations). While IN_PROGRESS, InitRetries
// failed inits make it FAILED with StatusReason FUNCTION_ERROR_INIT_FAILURE (Lambda's reason;
// Provisioned.InitError has the detail). Once READY, a crashed or timed-out environment is
// replaced (the status stays READY; failed replacement inits back off). Lowering stops
// starting workers, then idle ones, then busy ones after their invocation, so Allocated comes
// down to Requested; workers that are stopping still hold their place, so live provisioned
// processes never exceed max(Requested, Allocated before the change). A new code or
// environment (CodeSHA256, CodeDir, Handler, Runtime, MemoryMB, Env) starts a new generation:
// the old workers retire and the configuration is allocated afresh.
//
// # Metrics
//
// Every MetricsPeriod, per scope, in AWS/Lambda, dated at the period start, for periods with
// activity only:
//
//   - Invocations, Errors (Count, Sum) and Duration (Milliseconds, as Values/Counts rounded to
//     3 significant digits, so percentiles work) with dimensions {}, {FunctionName},
//     {FunctionName, Resource} and, for qualified resources, {FunctionName, Resource,
//     ExecutedVersion}; Throttles with {}, {FunctionName}, {FunctionName, Resource}.
//   - ConcurrentExecutions ({} and {FunctionName}), UnreservedConcurrentExecutions and
//     ClaimedAccountConcurrency ({}): statistic sets whose Maximum is exact (updated at each
//     change) and whose SampleCount/Sum/Minimum come from samples every SampleInterval.
//   - ProvisionedConcurrencyInvocations, ProvisionedConcurrencySpilloverInvocations,
//     ProvisionedConcurrentExecutions and ProvisionedConcurrencyUtilization (busy provisioned /
//     allocated) with {FunctionName, Resource} of the configuration, the last two as statistic
//     sets so that both Average (target tracking's default) and Maximum work. Units are Count.
//
// Like AWS, a version with no invocation in a period publishes no
// ProvisionedConcurrencyUtilization: target tracking's scale-in alarm then has no data and an
// idle function keeps (and pays for) its provisioned concurrency, a long-standing complaint
// about Lambda with Application Auto Scaling. Options.EmitIdleUtilization publishes 0 for idle
// configured versions instead, so that the low alarm fires and AAS scales them in.
package workers
