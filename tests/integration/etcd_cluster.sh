#!/usr/bin/env bash
# etcd_cluster.sh — a `c8s server` on a three-member etcd cluster (loopback ports of our own)
# given all three client URLs keeps working when the member that leads is killed with SIGKILL:
# reads and writes succeed again within seconds (the store moves to the next endpoint and etcd
# elects a new leader), a watch opened before the kill sees a write made after it, nothing
# acknowledged is lost, and the killed member, restarted, rejoins and serves the same data.
source "$(dirname "$0")/../support/lib.sh"
# (curl -q, which skips the .curlrc holding the server's client credentials, only for etcd.)

WORK=$(mktemp -d /tmp/c8s-test-etcdcluster-XXXXXX)
TMPDIRS+=("$WORK")

NAMES=(m0 m1 m2)
declare -a CPORT PPORT EPID
start_member() { # start_member I STATE
  local i=$1 state=$2
  etcd --name "${NAMES[$i]}" --data-dir "$WORK/${NAMES[$i]}" \
    --listen-client-urls "http://127.0.0.1:${CPORT[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${CPORT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${PPORT[$i]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state "$state" \
    --initial-cluster-token "c8s-test-$$" \
    --heartbeat-interval 50 --election-timeout 500 >>"$WORK/${NAMES[$i]}.log" 2>&1 &
  EPID[$i]=$!
  PIDS+=("${EPID[$i]}")
}
healthy() { curl -q -sf -m 2 "http://127.0.0.1:$1/health" | grep -q '"health":"true"'; }

# Six distinct free ports; a start that loses a port race to a parallel test is tried again.
started=""
for attempt in 1 2 3; do
  used=" "
  for i in 0 1 2; do
    for kind in C P; do
      p=$(free_port)
      while [[ "$used" == *" $p "* ]]; do p=$(free_port); done
      used+="$p "
      if [ $kind = C ]; then CPORT[$i]=$p; else PPORT[$i]=$p; fi
    done
  done
  CLUSTER="m0=http://127.0.0.1:${PPORT[0]},m1=http://127.0.0.1:${PPORT[1]},m2=http://127.0.0.1:${PPORT[2]}"
  rm -rf "$WORK"/m?
  for i in 0 1 2; do start_member $i new; done
  for _ in $(seq 1 150); do
    healthy "${CPORT[0]}" && healthy "${CPORT[1]}" && healthy "${CPORT[2]}" && { started=1; break; }
    sleep 0.2
  done
  [ -n "$started" ] && break
  for i in 0 1 2; do kill -KILL "${EPID[$i]}" 2>/dev/null; wait "${EPID[$i]}" 2>/dev/null; done
done
[ -n "$started" ] || { fail "three-member etcd did not start"; tail -5 "$WORK"/m?.log >&2; finish; exit 1; }
ok

ENDPOINTS="http://127.0.0.1:${CPORT[0]},http://127.0.0.1:${CPORT[1]},http://127.0.0.1:${CPORT[2]}"
start_server "$WORK/server" --etcd-servers "$ENDPOINTS" --disable-scheduler \
  --disable-controller-manager || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

cm() { # cm NAME : creates a ConfigMap; prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"metadata\":{\"name\":\"$1\"},\"data\":{\"k\":\"$1\"}}" \
    "$U/api/v1/namespaces/default/configmaps"
}
for n in $(seq 1 20); do check_eq "create before the kill ($n)" "$(cm before-$n)" 201; done

# The member that leads, as etcd itself reports it.
status=$(curl -q -sf -X POST -d '{}' "http://127.0.0.1:${CPORT[0]}/v3/maintenance/status")
leader_id=$(jq -r '.leader' <<<"$status")
leader=""
for i in 0 1 2; do
  id=$(curl -q -sf -X POST -d '{}' "http://127.0.0.1:${CPORT[$i]}/v3/maintenance/status" | jq -r '.header.member_id')
  [ "$id" = "$leader_id" ] && leader=$i
done
check "etcd names a leader among the three members" test -n "$leader"
leader=${leader:-0}

# A watch from now on, opened before the kill.
rv=$(curl -sf "$U/api/v1/namespaces/default/configmaps" | jq -r '.metadata.resourceVersion')
curl -sN -m 60 "$U/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=$rv" \
  >"$WORK/watch.out" 2>/dev/null &
WATCH_PID=$!
PIDS+=("$WATCH_PID")
sleep 0.5

kill -KILL "${EPID[$leader]}"
wait "${EPID[$leader]}" 2>/dev/null
t0=$(date +%s%N)
# Writes come back within seconds: the first one answered 201 ends the wait.
code=""
for n in $(seq 1 100); do
  code=$(cm after-1)
  [ "$code" = 201 ] && break
  sleep 0.2
done
t1=$(date +%s%N)
check_eq "a create succeeds after the leading member was killed" "$code" 201
echo "first create answered 201 $(((t1 - t0) / 1000000)) ms after the leader was killed"
for n in $(seq 2 20); do check_eq "create after the kill ($n)" "$(cm after-$n)" 201; done
check_eq "a get is served" "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/default/configmaps/before-1")" 200

# The watch opened before the kill sees a write made after it.
seen=""
for _ in $(seq 1 100); do
  grep -q '"name":"after-20"' "$WORK/watch.out" && { seen=1; break; }
  sleep 0.2
done
check "the watch opened before the kill sees a write made after it" test -n "$seen"

# Nothing acknowledged is lost: all 40 are there, each once.
names=$(curl -sf "$U/api/v1/namespaces/default/configmaps" | jq -r '.items[].metadata.name' | sort)
check_eq "every acknowledged create is stored, once" "$(grep -cE '^(before|after)-[0-9]+$' <<<"$names")" 40
check_eq "no duplicates" "$(uniq -d <<<"$names" | wc -l)" 0

# The killed member back: it rejoins and serves what was written while it was away.
start_member "$leader" existing
back=""
for _ in $(seq 1 150); do
  healthy "${CPORT[$leader]}" && { back=1; break; }
  sleep 0.2
done
check "the killed member rejoins" test -n "$back"
key=$(printf '/registry/configmaps/default/after-20' | base64 -w0)
got=""
for _ in $(seq 1 50); do
  got=$(curl -q -sf -X POST -d "{\"key\":\"$key\",\"serializable\":true}" \
    "http://127.0.0.1:${CPORT[$leader]}/v3/kv/range" | jq -r '.count // "0"')
  [ "$got" = 1 ] && break
  sleep 0.2
done
check_eq "the rejoined member has the write made while it was away" "$got" 1
check_eq "the server still serves" "$(cm last)" 201

kill "$WATCH_PID" 2>/dev/null
finish
