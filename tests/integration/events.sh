#!/usr/bin/env bash
# events.sh — Events as client-go's recorder writes them: a ReplicaSet creating twelve pods
# records nine SuccessfulCreate Events, then combines the rest into one
# "(combined from similar events): ..." Event whose count grows.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-events-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-scheduler || { fail "server start"; finish; exit 1; }

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{
  "metadata":{"name":"many"},
  "spec":{"replicas":12,"selector":{"matchLabels":{"app":"many"}},
    "template":{"metadata":{"labels":{"app":"many"}},
      "spec":{"containers":[{"name":"c","image":"busybox"}]}}}}' \
  "$SERVER_URL/apis/apps/v1/namespaces/default/replicasets")
check_eq "create replicaset" "$code" 201

EVS=""
for _ in $(seq 1 100); do
  EVS=$(curl -s "$SERVER_URL/api/v1/namespaces/default/events?fieldSelector=reason%3DSuccessfulCreate")
  total=$(jq '[.items[].count] | add // 0' <<<"$EVS")
  [ "$total" = 12 ] && break
  sleep 0.1
done
check_eq "twelve creations counted" "$(jq '[.items[].count] | add' <<<"$EVS")" 12
check_eq "ten Event objects" "$(jq '.items | length' <<<"$EVS")" 10
check_eq "nine single ones" "$(jq '[.items[] | select(.count == 1 and (.message | startswith("Created pod: ")))] | length' <<<"$EVS")" 9
COMBINED=$(jq -c '.items[] | select(.message | startswith("(combined from similar events): Created pod: "))' <<<"$EVS")
check_eq "one combined Event" "$(jq -s length <<<"$COMBINED")" 1
check_eq "combined count" "$(jq .count <<<"$COMBINED")" 3
check "combined timestamps ordered" test "$(jq -r .firstTimestamp <<<"$COMBINED")" \< "$(jq -r .lastTimestamp <<<"$COMBINED")" -o \
  "$(jq -r .firstTimestamp <<<"$COMBINED")" = "$(jq -r .lastTimestamp <<<"$COMBINED")"
check_contains "event name is <object>.<hex>" "$(jq -r .metadata.name <<<"$COMBINED")" "many."
finish
