#!/usr/bin/env bash
# lambda-walkthrough.sh ENDPOINT
#
# The Lambda seed document, end to end, with real function workers: build a small Go function
# (e2e/cli/lambdafn), create it with the aws CLI, publish a version, alias it BLUE, register it
# with the seed's exact command, put a target tracking policy on
# LambdaProvisionedConcurrencyUtilization at 0.7, drive concurrent invocations and watch the
# warm workers grow, stop the load and watch them shrink. Start the server with a time scale
# (a one-minute period lasts one second) and, for the scale-in, with --lambda-idle-utilization
# (AWS emits no utilization for an idle function, so on AWS it never scales in):
#
#   go run ./cmd/autoscaled serve --time-scale 60 --lambda-idle-utilization &
#   e2e/cli/lambda-walkthrough.sh http://127.0.0.1:8686
#
# Needs go, zip, curl (7.75+, for --aws-sigv4) and the aws CLI v1 (with v2 add
# --cli-binary-format raw-in-base64-out to the invoke). Run from the repository.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 ENDPOINT   (for example http://127.0.0.1:8686)" >&2
  exit 2
fi
EP="$1"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-AKIAEXAMPLE}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-secret}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_PAGER=""
LAMBDA=(aws lambda --endpoint-url "$EP")
AAS=(aws application-autoscaling --endpoint-url "$EP")
CONCURRENCY="${CONCURRENCY:-6}"
LOAD_SECONDS="${LOAD_SECONDS:-30}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s\n' "$*"; }

pc() {
  "${LAMBDA[@]}" get-provisioned-concurrency-config --function-name my-function --qualifier BLUE \
    --query '[RequestedProvisionedConcurrentExecutions, AllocatedProvisionedConcurrentExecutions, Status]' --output text 2>/dev/null || echo "none"
}

activities() {
  "${AAS[@]}" describe-scaling-activities --service-namespace lambda --resource-id function:my-function:BLUE \
    --query 'reverse(ScalingActivities)[].[StatusCode, Description, Cause]' --output text
}

# invoke_loop: invoke the alias again and again (each call sleeps 1 s in the function), signed
# by curl, until the deadline.
invoke_loop() {
  local end=$1
  while ((SECONDS < end)); do
    curl -s -o /dev/null --aws-sigv4 "aws:amz:${AWS_DEFAULT_REGION}:lambda" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
      -H 'Content-Type: application/json' -d '{"ms": 1000}' \
      "$EP/2015-03-31/functions/my-function/invocations?Qualifier=BLUE" || true
  done
}

step "build the function (Go, custom runtime provided.al2023)"
(cd "$ROOT" && CGO_ENABLED=0 go build -o "$WORK/bootstrap" ./e2e/cli/lambdafn)
(cd "$WORK" && zip -q function.zip bootstrap)

step "create it, publish version 1, alias it BLUE"
"${LAMBDA[@]}" create-function --function-name my-function --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::123456789012:role/lambda-role --zip-file "fileb://$WORK/function.zip" --timeout 10 \
  --query '[FunctionName, Runtime, State]' --output text
"${LAMBDA[@]}" publish-version --function-name my-function --query Version --output text
"${LAMBDA[@]}" create-alias --function-name my-function --name BLUE --function-version 1 --query AliasArn --output text
"${LAMBDA[@]}" invoke --function-name my-function --qualifier BLUE \
  --payload '{"ms": 10}' "$WORK/out.json" --query '[StatusCode, ExecutedVersion]' --output text
cat "$WORK/out.json"; echo

step "provisioned concurrency 1 to start with (AWS advises configuring it before scaling)"
"${LAMBDA[@]}" put-provisioned-concurrency-config --function-name my-function --qualifier BLUE \
  --provisioned-concurrent-executions 1 --query '[RequestedProvisionedConcurrentExecutions, Status]' --output text
end=$((SECONDS + 30))
until [[ "$(pc)" == *READY ]] || ((SECONDS > end)); do sleep 0.5; done
echo "provisioned: $(pc)"

step "register the alias (the seed's command)"
"${AAS[@]}" register-scalable-target --service-namespace lambda \
  --scalable-dimension lambda:function:ProvisionedConcurrency \
  --resource-id function:my-function:BLUE \
  --min-capacity 0 --max-capacity 100

step "target tracking on LambdaProvisionedConcurrencyUtilization at 0.7"
"${AAS[@]}" put-scaling-policy --service-namespace lambda \
  --scalable-dimension lambda:function:ProvisionedConcurrency --resource-id function:my-function:BLUE \
  --policy-name utilization --policy-type TargetTrackingScaling \
  --target-tracking-scaling-policy-configuration \
  '{"TargetValue": 0.7, "PredefinedMetricSpecification": {"PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"}}' \
  --query 'Alarms[].AlarmName' --output text

step "$CONCURRENCY concurrent invocations for $LOAD_SECONDS s"
end=$((SECONDS + LOAD_SECONDS))
for _ in $(seq "$CONCURRENCY"); do invoke_loop "$end" & done
while ((SECONDS < end)); do sleep 5; echo "provisioned: $(pc)"; done
wait
activities
echo "after the load: $(pc)"

step "load stopped: the warm workers go"
end=$((SECONDS + 120))
until [[ "$(pc)" == none ]] || ((SECONDS > end)); do sleep 2; done
echo "provisioned: $(pc)"
activities
