#!/usr/bin/env bash
# The seed documents' register-scalable-target commands, verbatim plus --endpoint-url, and a
# describe of what they registered. Usage: seed-walkthrough.sh [ENDPOINT]
set -euo pipefail
EP="${1:-http://127.0.0.1:8686}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-AKIAEXAMPLE}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-secret}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_PAGER=""

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

aws application-autoscaling describe-scalable-targets --endpoint-url "$EP" --service-namespace elasticache
aws application-autoscaling describe-scalable-targets --endpoint-url "$EP" --service-namespace lambda
