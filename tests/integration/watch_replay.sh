#!/usr/bin/env bash
# watch_replay.sh — an HTTP watch from a resourceVersion with changes after it: the replayed
# events arrive first, and the server survives (it used to send its opening newline while the
# replay was still in h2o's hands, which aborted the whole server).
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-wreplay-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-controller-manager --disable-scheduler || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

rv=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"1"}}' \
  "$U/api/v1/namespaces/default/configmaps" | jq -r .metadata.resourceVersion)
check "created" test -n "$rv" -a "$rv" != null
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"2"}}' \
  "$U/api/v1/namespaces/default/configmaps/c1")
check_eq "updated" "$code" 200
# The update is in the watch cache once a cache read sees it.
for _ in $(seq 1 50); do
  curl -s "$U/api/v1/namespaces/default/configmaps/c1?resourceVersion=0" | grep -q '"a":"2"' && break
  sleep 0.1
done
out=$(curl -s -N --max-time 2 "$U/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv")
check_contains "replayed update" "$out" '"type":"MODIFIED"'
check_contains "replayed value" "$out" '"a":"2"'
check "server still running" kill -0 "$SERVER_PID"
check_eq "server still serving" "$(curl -s -o /dev/null -w '%{http_code}' "$U/readyz")" 200
finish
