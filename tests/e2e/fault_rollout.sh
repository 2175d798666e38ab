#!/usr/bin/env bash
# fault_rollout.sh — issue 10's fault-injection test. A one-node cluster in network and mount
# namespaces of the test's own (as kubelet_restart.sh), on an etcd the test runs, rolls out a
# Deployment of 20 real runc pods and then a new template, while c8s is killed with SIGKILL at
# random moments (FAULT_KILLS times, 20 by default; the seed is printed, FAULT_SEED=N repeats a
# run) and etcd is stopped and started again twice (once with SIGTERM while c8s is down, once
# with SIGKILL while c8s runs). A writer creates ConfigMaps all along. At the end: the rollout is
# complete; every ConfigMap whose create was acknowledged is there with its data, none is there
# that was never asked for; one ReplicaSet per template; the pods are exactly the Deployment's
# replicas and the running runc containers are exactly theirs. After deleting everything nothing
# is left: containers, mounts, pod network namespaces, veths, pod cgroups, iptables rules beyond
# the ones before the pods, host-local IP leases.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  command -v etcd >/dev/null || { echo "SKIP: etcd not installed"; exit 77; }
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer fault "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_teardown_extra() { # the writer and the test's etcd
  [ -n "${WRITER:-}" ] && kill -TERM "$WRITER" 2>/dev/null
  [ -n "${ETCD_PID:-}" ] && { kill -KILL "$ETCD_PID"; wait "$ETCD_PID"; } 2>/dev/null
}
e2e_inner 79 || { finish; exit 1; }
NODE=fault-node
KILLS=${FAULT_KILLS:-20}
SEED=${FAULT_SEED:-$(($(date +%s) % 100000))}
echo "fault_rollout: seed $SEED (FAULT_SEED=$SEED repeats this run), $KILLS kills"
RANDOM=$SEED

# The etcd of the test (in this network namespace, so any port is ours): it outlives c8s's kills
# and is stopped on its own.
ETCD_URL=http://127.0.0.1:12379
start_etcd() {
  etcd --name fault --data-dir "$WORK/etcd" --listen-client-urls "$ETCD_URL" \
    --advertise-client-urls "$ETCD_URL" --listen-peer-urls http://127.0.0.1:12380 \
    --initial-advertise-peer-urls http://127.0.0.1:12380 \
    --initial-cluster fault=http://127.0.0.1:12380 >>"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 1 300); do
    curl -q -sf "$ETCD_URL/health" >/dev/null && return 0
    kill -0 "$ETCD_PID" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$WORK/etcd.log" >&2
  return 1
}
start_etcd || { fail "etcd start"; finish; exit 1; }

DATA=$WORK/data
PORT=16443
ARGS=(--port "$PORT" --data-dir "$DATA" --bind-address 127.0.0.1 --etcd-servers "$ETCD_URL"
  --node-name "$NODE" --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT"
  --kubepods-cgroup "$CGROUP" --insecure-registry 127.0.0.1:5000
  --resolv-conf "$WORK/resolv.conf" --disable-proxy --disable-dns)
URL=https://127.0.0.1:$PORT
STARTS=0
# start_c8s: a c8s server on the same port and data dir each time (the writer and kubectl keep
# their address); ready once /readyz answers.
start_c8s() {
  STARTS=$((STARTS + 1))
  "$C8S_BIN" server "${ARGS[@]}" >>"$WORK/c8s.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 600); do
    curl -q -sfk -o /dev/null "$URL/readyz" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "c8s did not become ready (start $STARTS); log:" >&2
  tail -n 40 "$WORK/c8s.log" >&2
  return 1
}
start_c8s || { fail "c8s start"; finish; exit 1; }
use_server_credentials "$DATA"
k() { kubectl --kubeconfig "$DATA/admin.kubeconfig" --request-timeout=10s "$@"; }
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$URL/api/v1/namespaces/default/serviceaccounts/default" && break
  sleep 0.1
done
# Rules and chains of our own, in every table (an empty table is not listed until used).
ipt_rules() {
  iptables-save | grep -E '^(-A|:)' | grep -vE '^:(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) ' |
    sed 's/\[[0-9:]*\]//' | sort
}
IPT_BEFORE=$(ipt_rules)

# The writer: a ConfigMap every ~0.1 s, named by its sequence number; a 201 is an acknowledged
# write, recorded in acked; every name tried is in tried.
writer() {
  local i=0 code
  while :; do
    i=$((i + 1))
    echo "$i" >>"$WORK/tried"
    code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      --data "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"w-$i\"},\"data\":{\"seq\":\"$i\"}}" \
      "$URL/api/v1/namespaces/default/configmaps")
    [ "$code" = 201 ] && echo "$i" >>"$WORK/acked"
    sleep 0.1
  done
}
: >"$WORK/tried"
: >"$WORK/acked"
writer &
WRITER=$!

deployment() { # deployment VERSION
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 20
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: "$IMAGE"
        command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 1; done"]
        env: [{name: VERSION, value: "$1"}]
YAML
}
# apply_acked VERSION: applied until the API server acknowledges it (c8s may be down).
apply_acked() {
  for _ in $(seq 1 120); do
    deployment "$1" | k apply -f - >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
check "v1 applied" apply_acked v1

FAULTS=0
ms_sleep() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
for i in $(seq 1 "$KILLS"); do
  # c8s runs 0.5–4 s (counted from ready) before each kill: kills land in the API server's
  # writes, the controllers' syncs, the kubelet's container starts and its status posts.
  ms_sleep $((500 + RANDOM % 3500))
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null
  FAULTS=$((FAULTS + 1))
  if [ "$i" = $((KILLS / 3)) ]; then
    # etcd stopped cleanly while c8s is down, and back before it.
    kill -TERM "$ETCD_PID"
    wait "$ETCD_PID" 2>/dev/null
    FAULTS=$((FAULTS + 1))
    sleep 1
    start_etcd || { fail "etcd restart (TERM)"; break; }
  fi
  start_c8s || { fail "c8s restart $i"; break; }
  [ "$i" = $((KILLS / 4)) ] && { check "v2 applied" apply_acked v2; }
  if [ "$i" = $((2 * KILLS / 3)) ]; then
    # etcd killed under a running c8s, away 3 s.
    ms_sleep $((RANDOM % 1000))
    { kill -KILL "$ETCD_PID"; wait "$ETCD_PID"; } 2>/dev/null
    FAULTS=$((FAULTS + 1))
    sleep 3
    start_etcd || { fail "etcd restart (KILL)"; break; }
  fi
done
echo "fault_rollout: $FAULTS faults injected ($STARTS c8s starts)"
kill -TERM "$WRITER"
wait "$WRITER" 2>/dev/null
WRITER=""

T=240
wait_for() { # wait_for CMD... VALUE
  local want=${*: -1} got=""
  for _ in $(seq 1 $T); do
    got=$("${@:1:$#-1}" 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "got '$got', want '$want'" >&2
  tail -n 40 "$WORK/c8s.log" >&2
  return 1
}
rollout_state() {
  k get deployment web -o 'jsonpath={.spec.template.spec.containers[0].env[0].value} {.status.observedGeneration}={.metadata.generation} {.status.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}'
}
gen=$(k get deployment web -o 'jsonpath={.metadata.generation}')
check "the rollout completes" wait_for rollout_state "v2 $gen=$gen 20/20/20/20"
pod_count() { k get pods -l app=web -o name | wc -l; }
check "exactly the 20 replicas remain" wait_for pod_count 20
running() { k get pods -l app=web -o 'jsonpath={range .items[*]}{.status.phase}{"\n"}{end}' | sort | uniq -c | tr -s ' '; }
check "all Running" wait_for running " 20 Running"

# One ReplicaSet per template: the old one scaled to 0, the new one with every pod.
RS=$(k get rs -l app=web -o 'jsonpath={range .items[*]}{.metadata.labels.pod-template-hash} {.spec.replicas} {.spec.template.spec.containers[0].env[0].value}{"\n"}{end}' | sort -k3)
check_eq "two ReplicaSets, one per template" "$(echo "$RS" | awk '{print $3, $2}' | tr '\n' ' ')" "v1 0 v2 20 "
NEW_HASH=$(echo "$RS" | awk '$3 == "v2" {print $1}')
check_eq "every pod of the new template" \
  "$(k get pods -l "app=web,pod-template-hash=$NEW_HASH" -o name | wc -l)" 20
UIDS=$(k get pods -l app=web -o 'jsonpath={range .items[*]}{.metadata.uid}{"\n"}{end}' | sort)
check_eq "pod UIDs unique" "$(echo "$UIDS" | sort -u | wc -l)" 20
# A few kubelet sync ticks: one that lost track of a container would start a second one now.
sleep 3
WANT=$(echo "$UIDS" | sed 's/$/-main/' | sort | tr '\n' ' ')
runc_running() { runc --root "$RUNC_ROOT" list -f json | jq -r '.[] | select(.status == "running") | .id' | sort | tr '\n' ' '; }
check_eq "running containers == the pods' containers" "$(runc_running)" "$WANT"
check_eq "no container but the pods'" "$(runc --root "$RUNC_ROOT" list -q | sort | tr '\n' ' ')" "$WANT"

# Objects: every acknowledged ConfigMap is there with its data; nothing that was never tried.
k get configmaps -o 'jsonpath={range .items[*]}{.metadata.name} {.data.seq} {.metadata.uid}{"\n"}{end}' |
  grep '^w-' | sed 's/^w-//' | sort -n >"$WORK/present"
ACKED=$(wc -l <"$WORK/acked")
PRESENT=$(wc -l <"$WORK/present")
LOST=$(comm -23 <(sort "$WORK/acked") <(awk '{print $1}' "$WORK/present" | sort) | wc -l)
check_eq "acknowledged ConfigMaps lost" "$LOST" 0
check_eq "ConfigMaps never asked for" \
  "$(comm -13 <(sort "$WORK/tried") <(awk '{print $1}' "$WORK/present" | sort) | wc -l)" 0
check_eq "ConfigMaps with other data than written" "$(awk '$1 != $2' "$WORK/present" | wc -l)" 0
check_eq "ConfigMap UIDs unique" "$(awk '{print $3}' "$WORK/present" | sort -u | wc -l)" "$PRESENT"
echo "fault_rollout: $(wc -l <"$WORK/tried") writes tried, $ACKED acknowledged, $PRESENT present, lost $LOST; objects checked: $((PRESENT + 20 + 2 + 1))"

# Everything deleted: nothing left.
k delete deployment web >/dev/null
check "pods gone" wait_for pod_count 0
k delete configmaps --all >/dev/null
# Pods the kubelet learns were deleted while c8s was down are torn down from their dirs (orphans):
# given a while, then whatever is left is shown.
leftovers() { grep -c " $DATA" /proc/self/mountinfo; find "$DATA/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
for _ in $(seq 1 30); do [ "$(leftovers | tr '\n' ' ')" = "0 0 " ] && break; sleep 1; done
if [ "$(leftovers | tr '\n' ' ')" != "0 0 " ]; then
  grep " $DATA" /proc/self/mountinfo | awk '{print "left mount: " $5}' >&2
  for d in "$DATA"/pods/*; do
    echo "left pod dir: $d: $(ls "$d" | tr '\n' ' ') $(jq -r '.metadata.name' "$d/pod.json" 2>/dev/null)" >&2
    grep -F "$(basename "$d")" "$WORK/c8s.log" | tail -n 5 | cut -c1-240 >&2
  done
fi
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no mount under the data dir" "$(grep -c " $DATA" /proc/self/mountinfo)" 0
check_eq "no pod cgroup" "$(find /sys/fs/cgroup -type d -path "*$CGROUP/*pod*" 2>/dev/null | wc -l)" 0
check_eq "no pod network namespace" "$(find "$DATA/run/netns" -type f 2>/dev/null | wc -l)" 0
check_eq "no pod dir" "$(find "$DATA/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" 0
check_eq "no veth left but the node's" "$(ip -o link show type veth | grep -vc 'eth0')" 0
LEASES=$(find "$DATA" -path '*ipam*' -type f ! -name 'last_reserved_ip*' ! -name lock 2>/dev/null)
check_eq "no host-local IP lease" "$LEASES" ""
IPT_AFTER=$(ipt_rules)
check_eq "iptables rules as before the pods" \
  "$(diff <(echo "$IPT_BEFORE") <(echo "$IPT_AFTER") | grep '^[<>]')" ""
finish
