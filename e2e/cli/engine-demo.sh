#!/usr/bin/env bash
# engine-demo.sh ENDPOINT
#
# Target tracking and scheduled scaling of an emulated ECS service, with the aws CLI only.
# Start the server with a time scale, so that a one-minute alarm period lasts three seconds:
#
#   go run ./cmd/autoscaled serve --time-scale 20 &
#   e2e/cli/engine-demo.sh http://127.0.0.1:8686
#
# The script registers the service (1 to 8 tasks), puts a target tracking policy on average
# CPU at 50 %, pushes CPU = work / tasks every second (work 150 %, then 60 %), and prints the
# scaling activities as they happen: out to 3 tasks within three periods, back in after fifteen
# periods below 45 %. Then a scheduled action raises the minimum to 4 and capacity follows.
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
AAS=(aws application-autoscaling --endpoint-url "$EP")
CW=(aws cloudwatch --endpoint-url "$EP")
TARGET=(--service-namespace ecs --resource-id service/demo/web --scalable-dimension ecs:service:DesiredCount)

step() { printf '\n== %s\n' "$*"; }

# tasks prints the desired count of the newest successful activity (1 before any).
tasks() {
  local n
  n=$("${AAS[@]}" describe-scaling-activities "${TARGET[@]}" \
    --query 'ScalingActivities[?StatusCode==`Successful` && starts_with(Description, `Setting desired count`)] | [0].Description' \
    --output text | sed -n 's/^Setting desired count to \([0-9]*\)\.$/\1/p')
  echo "${n:-1}"
}

# push WORK SECONDS: report CPU = WORK / tasks once a second.
push() {
  local work=$1 end=$((SECONDS + $2)) n
  while ((SECONDS < end)); do
    n=$(tasks)
    "${CW[@]}" put-metric-data --namespace AWS/ECS --metric-name CPUUtilization --unit Percent \
      --dimensions ClusterName=demo,ServiceName=web --value "$((work / n))"
    printf 'tasks=%s cpu=%s%%\n' "$n" "$((work / n))"
    sleep 1
  done
}

activities() {
  "${AAS[@]}" describe-scaling-activities "${TARGET[@]}" \
    --query 'reverse(ScalingActivities)[].[StatusCode, Description, Cause]' --output text
}

step "register the service, 1 to 8 tasks"
"${AAS[@]}" register-scalable-target "${TARGET[@]}" --min-capacity 1 --max-capacity 8

step "target tracking: average CPU at 50 %"
"${AAS[@]}" put-scaling-policy "${TARGET[@]}" --policy-name cpu50 --policy-type TargetTrackingScaling \
  --target-tracking-scaling-policy-configuration \
  '{"TargetValue": 50, "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}'

step "the alarms Application Auto Scaling manages for it"
"${CW[@]}" describe-alarms --alarm-name-prefix TargetTracking-service/demo/web \
  --query 'MetricAlarms[].[AlarmName, ComparisonOperator, Threshold, EvaluationPeriods, StateValue]' --output text

step "load: 150 % of one task's CPU"
push 150 "${PUSH_OUT_SECONDS:-20}"
activities

step "load drops to 60 %"
push 60 "${PUSH_IN_SECONDS:-70}"
activities

step "a scheduled action in 5 seconds raises the minimum to 4"
AT=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%S)
"${AAS[@]}" put-scheduled-action "${TARGET[@]}" --scheduled-action-name raise-min \
  --schedule "at($AT)" --scalable-target-action MinCapacity=4,MaxCapacity=8
sleep 10
activities
"${AAS[@]}" describe-scalable-targets --service-namespace ecs \
  --query 'ScalableTargets[].[ResourceId, MinCapacity, MaxCapacity]' --output text
