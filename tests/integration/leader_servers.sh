#!/usr/bin/env bash
# leader_servers.sh — two `c8s server` processes on one etcd share the work: both serve the API
# (the same cluster: one CA, copied, as an operator copies pki/ to a second server), only one
# runs the controllers and only one the scheduler (Leases kube-system/c8s-controller-manager and
# c8s-scheduler: independent, as upstream's, so each server may win one), and when the
# controller manager's leader is killed with SIGKILL the other holds both leases within the
# lease duration and the cluster keeps working: a Deployment created afterwards gets its pods
# made and scheduled.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-leaders-XXXXXX)
TMPDIRS+=("$WORK")

# The shared etcd, on ports of our own (fresh ones if a parallel test took them meanwhile).
ETCD_URL=""
for attempt in 1 2 3; do
  EC=$(free_port)
  EP=$(free_port)
  while [ "$EP" = "$EC" ]; do EP=$(free_port); done
  url="http://127.0.0.1:$EC"
  etcd --name shared --data-dir "$WORK/etcd-$attempt" --listen-client-urls "$url" \
    --advertise-client-urls "$url" --listen-peer-urls "http://127.0.0.1:$EP" \
    --initial-advertise-peer-urls "http://127.0.0.1:$EP" \
    --initial-cluster "shared=http://127.0.0.1:$EP" >"$WORK/etcd-$attempt.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 300); do
    curl -q -sf "$url/health" >/dev/null && { ETCD_URL=$url; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$ETCD_URL" ] && break
  kill -KILL "$pid" 2>/dev/null
done
check "etcd up" test -n "$ETCD_URL"
C8S_NODE_ROLES="--disable-proxy --disable-dns --disable-kubelet" \
  start_server "$WORK/a" --etcd-servers "$ETCD_URL" || { fail "server a"; finish; exit 1; }
PID_A=$SERVER_PID
URL_A=$SERVER_URL
# The second server of the same cluster: the first one's CA and keys.
mkdir -p "$WORK/b"
cp -a "$WORK/a/pki" "$WORK/b/pki"
C8S_NODE_ROLES="--disable-proxy --disable-dns --disable-kubelet" \
  start_server "$WORK/b" --etcd-servers "$ETCD_URL" || { fail "server b"; finish; exit 1; }
PID_B=$SERVER_PID
URL_B=$SERVER_URL

# Which process leads a role: the one whose log says it acquired the role's lease.
leader_of() { # leader_of LEASE: a or b (or empty)
  for s in a b; do
    if grep -q "acquired lease kube-system/$1" "$WORK/$s.log"; then echo "$s"; return; fi
  done
}
wait_leader() { # wait_leader LEASE
  for _ in $(seq 1 600); do [ -n "$(leader_of "$1")" ] && return 0; sleep 0.1; done
  return 1
}
check "a controller-manager leader" wait_leader c8s-controller-manager
check "a scheduler leader" wait_leader c8s-scheduler
LEADER=$(leader_of c8s-controller-manager)
check_eq "only one acquired the controller lease" \
  "$(grep -l 'acquired lease kube-system/c8s-controller-manager' "$WORK/a.log" "$WORK/b.log" | wc -l)" 1
check_eq "only one acquired the scheduler lease" \
  "$(grep -l 'acquired lease kube-system/c8s-scheduler' "$WORK/a.log" "$WORK/b.log" | wc -l)" 1

# A node to schedule onto, kept alive through its Lease while the test runs.
post() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$1$2" -d "$3"; }
check_eq "node n1" "$(post "$URL_A" /api/v1/nodes '{"metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},"status":{"capacity":{"cpu":"8","memory":"16Gi","pods":"110"},"allocatable":{"cpu":"8","memory":"16Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}}')" 201
curl -sS -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
  "$URL_A/api/v1/nodes/n1/status" \
  -d '{"status":{"conditions":[{"type":"Ready","status":"True"}],"allocatable":{"cpu":"8","memory":"16Gi","pods":"110"},"capacity":{"cpu":"8","memory":"16Gi","pods":"110"}}}'
(
  while true; do
    now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
    for u in "$URL_A" "$URL_B"; do
      curl -sS -o /dev/null -X PUT -H 'Content-Type: application/json' \
        "$u/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1" \
        -d "{\"metadata\":{\"name\":\"n1\"},\"spec\":{\"holderIdentity\":\"n1\",\"leaseDurationSeconds\":40,\"renewTime\":\"$now\"}}" 2>/dev/null && break
    done
    sleep 5
  done
) &
PIDS+=($!)

deployment() { # deployment URL NAME
  post "$1" /apis/apps/v1/namespaces/default/deployments "{\"metadata\":{\"name\":\"$2\"},\"spec\":{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"$2\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"$2\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}"
}
scheduled() { # scheduled URL APP: how many of the app's pods have a node
  curl -sS "$1/api/v1/namespaces/default/pods?labelSelector=app%3D$2" |
    jq '[.items[] | select(.spec.nodeName == "n1")] | length'
}
wait_scheduled() { # wait_scheduled URL APP N SECONDS
  for _ in $(seq 1 $(($4 * 5))); do [ "$(scheduled "$1" "$2")" = "$3" ] && return 0; sleep 0.2; done
  return 1
}

# Written through one server, acted on by the leader, read through the other.
check_eq "deployment one through a" "$(deployment "$URL_A" one)" 201
check "its pods made and scheduled, seen through b" wait_scheduled "$URL_B" one 2 30

# The controller manager's leader dies (with the scheduler's, if it led both); the other takes
# over within the lease duration (15 s) and works.
if [ "$LEADER" = a ]; then DEAD=$PID_A; ALIVE=$URL_B; OTHER=b; else DEAD=$PID_B; ALIVE=$URL_A; OTHER=a; fi
kill -KILL "$DEAD"
wait "$DEAD" 2>/dev/null
check_eq "deployment two through the survivor" "$(deployment "$ALIVE" two)" 201
took_over() {
  for _ in $(seq 1 250); do
    grep -q 'acquired lease kube-system/c8s-controller-manager' "$WORK/$OTHER.log" &&
      grep -q 'acquired lease kube-system/c8s-scheduler' "$WORK/$OTHER.log" && return 0
    sleep 0.2
  done
  return 1
}
check "the survivor took both leases over" took_over
check "deployment two's pods made and scheduled by it" wait_scheduled "$ALIVE" two 2 30
check_eq "deployment one untouched" "$(scheduled "$ALIVE" one)" 2

finish
