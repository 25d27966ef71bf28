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
# When the server runs real replication groups, the script first creates mycluster with the aws
# CLI. autoscaled does not check signatures, so any credentials do; the defaults below are used
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

# When the server runs real functions (the default), my-function:BLUE must exist: create a
# placeholder function (a custom runtime that does nothing; lambda-walkthrough.sh runs a real
# one), publish it and alias it BLUE, unless it exists.
if ! aws lambda get-alias --endpoint-url "$EP" --function-name my-function --name BLUE >/dev/null 2>&1 &&
   AWS_MAX_ATTEMPTS=1 aws lambda list-functions --endpoint-url "$EP" >/dev/null 2>&1; then
  ZIP="$(mktemp -d)/function.zip"
  python3 -c 'import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w")
i = zipfile.ZipInfo("bootstrap"); i.external_attr = 0o755 << 16
z.writestr(i, "#!/bin/sh\nexit 0\n"); z.close()' "$ZIP"
  aws lambda create-function --endpoint-url "$EP" --function-name my-function --runtime provided.al2023 \
    --handler bootstrap --role arn:aws:iam::123456789012:role/lambda-role --zip-file "fileb://$ZIP" >/dev/null
  aws lambda publish-version --endpoint-url "$EP" --function-name my-function >/dev/null
  aws lambda create-alias --endpoint-url "$EP" --function-name my-function --name BLUE --function-version 1 >/dev/null
fi

aws application-autoscaling register-scalable-target --endpoint-url "$EP" \
  --service-namespace lambda \
  --scalable-dimension lambda:function:ProvisionedConcurrency \
  --resource-id function:my-function:BLUE \
  --min-capacity 0 \
  --max-capacity 100

# When the server runs real replication groups (redis-server on its machine), the group the
# seed registers must exist: create it (1 shard, 1 replica) unless it does.
if AWS_MAX_ATTEMPTS=1 aws elasticache describe-replication-groups --endpoint-url "$EP" >/dev/null 2>&1; then
  if ! aws elasticache describe-replication-groups --endpoint-url "$EP" --replication-group-id mycluster >/dev/null 2>&1; then
    aws elasticache create-replication-group --endpoint-url "$EP" --replication-group-id mycluster \
      --replication-group-description "seed walkthrough" --engine redis --num-node-groups 1 --replicas-per-node-group 1 >/dev/null
  fi
  aws elasticache wait replication-group-available --endpoint-url "$EP" --replication-group-id mycluster
fi

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
