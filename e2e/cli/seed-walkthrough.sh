#!/usr/bin/env bash
# seed-walkthrough.sh ENDPOINT
#
# Runs the AWS documentation's register-scalable-target examples (Lambda provisioned
# concurrency, ElastiCache node groups and replicas) against an autoscaled endpoint, exactly
# as the docs print them plus --endpoint-url, then describes what was registered.
#
#   autoscaled serve --listen 127.0.0.1:8686 &
#   e2e/cli/seed-walkthrough.sh http://127.0.0.1:8686
#
# autoscaled does not check signatures, so any credentials do; the defaults below are used
# when none are set. A 12-digit AWS_ACCESS_KEY_ID is taken as the account id.
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

set -x

aws application-autoscaling register-scalable-target --endpoint-url "$EP" \
  --service-namespace lambda \
  --scalable-dimension lambda:function:ProvisionedConcurrency \
  --resource-id function:my-function:BLUE \
  --min-capacity 0 \
  --max-capacity 100

aws application-autoscaling register-scalable-target --endpoint-url "$EP" \
   --service-namespace elasticache \
   --scalable-dimension elasticache:replication-group:NodeGroups \
   --resource-id replication-group/mycluster \
   --min-capacity 1 \
   --max-capacity 5

aws application-autoscaling register-scalable-target --endpoint-url "$EP" \
   --service-namespace elasticache \
   --scalable-dimension elasticache:replication-group:Replicas \
   --resource-id replication-group/mycluster \
   --min-capacity 1 \
   --max-capacity 5

aws application-autoscaling describe-scalable-targets --endpoint-url "$EP" \
   --service-namespace elasticache

aws application-autoscaling describe-scalable-targets --endpoint-url "$EP" \
   --service-namespace lambda
