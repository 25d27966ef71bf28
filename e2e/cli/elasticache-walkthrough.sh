#!/usr/bin/env bash
# elasticache-walkthrough.sh ENDPOINT
#
# The ElastiCache seed document, end to end, with real redis-server nodes: create a cluster-mode
# replication group with the aws CLI, load it, register both of its dimensions with the seed's
# exact commands, put a target tracking policy on ElastiCachePrimaryEngineCPUUtilization, drive
# CPU with redis-benchmark and watch the shards grow (resharded online, every key kept), stop
# the load and watch them shrink, and raise the replicas per shard with a scheduled action.
# Start the server with a time scale so that a one-minute alarm period lasts one second:
#
#   go run ./cmd/autoscaled serve --time-scale 60 &
#   e2e/cli/elasticache-walkthrough.sh http://127.0.0.1:8686
#
# Needs the aws CLI, redis-cli and redis-benchmark. LOAD_SECONDS (default 45) bounds the load.
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
EC=(aws elasticache --endpoint-url "$EP")
AAS=(aws application-autoscaling --endpoint-url "$EP")
GROUP=mycluster
KEYS="${KEYS:-50000}"

step() { printf '\n== %s\n' "$*"; }

# port prints the port of the group's configuration endpoint.
port() {
  "${EC[@]}" describe-replication-groups --replication-group-id "$GROUP" \
    --query 'ReplicationGroups[0].ConfigurationEndpoint.Port' --output text
}

# shape prints the group's status and its shards with their slots and member count.
shape() {
  "${EC[@]}" describe-replication-groups --replication-group-id "$GROUP" \
    --query 'ReplicationGroups[0].[Status, length(NodeGroups), join(`,`, NodeGroups[].join(`:`, [NodeGroupId, to_string(length(NodeGroupMembers))]))]' --output text
}

# keys prints the number of keys over every primary.
keys() {
  local total=0 n p
  for p in $("${EC[@]}" describe-cache-clusters --show-cache-node-info \
      --query "CacheClusters[?ReplicationGroupId=='$GROUP'].CacheNodes[0].Endpoint.Port" --output text); do
    if [[ "$(redis-cli -p "$p" role | head -1)" == master ]]; then
      n=$(redis-cli -p "$p" dbsize)
      total=$((total + n))
    fi
  done
  echo "$total"
}

activities() {
  "${AAS[@]}" describe-scaling-activities --service-namespace elasticache --resource-id "replication-group/$GROUP" \
    --query 'reverse(ScalingActivities)[].[StatusCode, Description, Cause]' --output text
}

# wait_shards N: wait (up to 5 minutes) until the group is available with N shards.
wait_shards() {
  local want=$1 end=$((SECONDS + 300)) s
  while ((SECONDS < end)); do
    s=$(shape)
    if [[ "$s" == available$'\t'"$want"$'\t'* ]]; then
      echo "shards: $s"
      return 0
    fi
    sleep 1
  done
  echo "the group did not reach $want shards: $(shape)" >&2
  return 1
}

step "create the replication group: 2 shards with 1 replica each, cluster mode enabled"
"${EC[@]}" create-replication-group --replication-group-id "$GROUP" \
  --replication-group-description "seed walkthrough" --engine redis --cache-node-type cache.r6g.large \
  --num-node-groups 2 --replicas-per-node-group 1 --query 'ReplicationGroup.[ReplicationGroupId, Status]' --output text
"${EC[@]}" wait replication-group-available --replication-group-id "$GROUP"
shape
PORT=$(port)
echo "configuration endpoint 127.0.0.1:$PORT"

step "load $KEYS keys"
redis-benchmark -p "$PORT" --cluster -t set -n "$KEYS" -r "$KEYS" -d 100 -P 32 -q >/dev/null
redis-cli -c -p "$PORT" set walkthrough:marker kept >/dev/null
BEFORE=$(keys)
echo "keys: $BEFORE"

step "drive CPU with redis-benchmark for ${LOAD_SECONDS:-45} s, in the background"
# Started before the policy: an idle group's low alarm would otherwise scale it in at once.
timeout "${LOAD_SECONDS:-45}" redis-benchmark -p "$PORT" --cluster -t set -n 1000000000 -r "$KEYS" -d 100 -c 32 -P 16 -q >/dev/null 2>&1 &
LOAD=$!
sleep 8
CW=(aws cloudwatch --endpoint-url "$EP")
# The primaries' engine CPU under this load, from the metrics the server collects from INFO.
LOADED_CPU=$("${CW[@]}" get-metric-statistics --namespace AWS/ElastiCache --metric-name EngineCPUUtilization \
  --dimensions Name=ReplicationGroupId,Value="$GROUP" Name=Role,Value=Primary --statistics Average --period 1 \
  --start-time "$(date -u -d '-5 seconds' +%Y-%m-%dT%H:%M:%S)" --end-time "$(date -u +%Y-%m-%dT%H:%M:%S)" \
  --query 'Datapoints[].Average' --output text | awk '{for (i = 1; i <= NF; i++) {s += $i; n++}} END {if (n) printf "%.1f", s / n; else print 0}')
echo "primary engine CPU under load: $LOADED_CPU %"
# Unless TARGET_CPU says otherwise, the target is half of that: how busy redis-benchmark makes a
# primary depends on the machine (on an idle 2-core machine 20-40 %, much less on a busy one).
TARGET=${TARGET_CPU:-$(awk -v c="$LOADED_CPU" 'BEGIN {t = c / 2; if (t < 1) t = 1; printf "%.1f", t}')}

step "register both dimensions (the seed's commands)"
"${AAS[@]}" register-scalable-target \
   --service-namespace elasticache \
   --scalable-dimension elasticache:replication-group:NodeGroups \
   --resource-id replication-group/mycluster \
   --min-capacity 1 \
   --max-capacity 5
"${AAS[@]}" register-scalable-target \
   --service-namespace elasticache \
   --scalable-dimension elasticache:replication-group:Replicas \
   --resource-id replication-group/mycluster \
   --min-capacity 1 \
   --max-capacity 5

step "target tracking on the primaries' engine CPU at $TARGET % (on AWS a typical target is 35-70 %)"
"${AAS[@]}" put-scaling-policy --service-namespace elasticache \
  --scalable-dimension elasticache:replication-group:NodeGroups --resource-id replication-group/mycluster \
  --policy-name cpu --policy-type TargetTrackingScaling \
  --target-tracking-scaling-policy-configuration \
  "{\"TargetValue\": $TARGET, \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": \"ElastiCachePrimaryEngineCPUUtilization\"}}" \
  --query 'Alarms[].AlarmName' --output text

wait "$LOAD" || true
activities
AFTER_LOAD_SHARDS=$("${EC[@]}" describe-replication-groups --replication-group-id "$GROUP" --query 'length(ReplicationGroups[0].NodeGroups)' --output text)
echo "shards after the load: $AFTER_LOAD_SHARDS"
DURING=$(keys)
echo "keys: $DURING"

step "load stopped: the shards shrink back to 1"
wait_shards 1
activities
AFTER=$(keys)
echo "keys: $AFTER"
echo "marker: $(redis-cli -c -p "$(port)" get walkthrough:marker)"

step "a scheduled action in 3 seconds raises the replicas per shard to 2"
AT=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%S)
"${AAS[@]}" put-scheduled-action --service-namespace elasticache \
  --scalable-dimension elasticache:replication-group:Replicas --resource-id replication-group/mycluster \
  --scheduled-action-name two-replicas --schedule "at($AT)" --scalable-target-action MinCapacity=2,MaxCapacity=5
end=$((SECONDS + 120))
until [[ "$(shape)" == available$'\t'1$'\t'0001:3 ]] || ((SECONDS > end)); do sleep 1; done
shape
activities

step "delete the group"
"${EC[@]}" delete-replication-group --replication-group-id "$GROUP" --query 'ReplicationGroup.Status' --output text
