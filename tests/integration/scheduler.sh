#!/usr/bin/env bash
# scheduler.sh — the scheduler role in `c8s server` with simulated nodes (Node objects with
# capacity and Ready status, no kubelet behind them): pods are bound within their nodes' room,
# a tainted node is avoided, a pod that fits nowhere is reported Unschedulable with upstream's
# message and an event, and is placed once a node that fits is added.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-sched-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" ${C8S_SERVER_ARGS:-} || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
K="kubectl --kubeconfig $SERVER_DATA/admin.kubeconfig"

node() { # node NAME CPU MEMORY [TAINT-JSON]
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$U/api/v1/nodes" -d "{
    \"metadata\":{\"name\":\"$1\",\"labels\":{\"kubernetes.io/hostname\":\"$1\"}},
    \"spec\":{\"taints\":${4:-[]}},
    \"status\":{\"capacity\":{\"cpu\":\"$2\",\"memory\":\"$3\",\"pods\":\"110\"},
                \"allocatable\":{\"cpu\":\"$2\",\"memory\":\"$3\",\"pods\":\"110\"},
                \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
}
pod() { # pod NAME CPU [TOLERATIONS-JSON]
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$U/api/v1/namespaces/default/pods" -d "{
    \"metadata\":{\"name\":\"$1\"},
    \"spec\":{\"tolerations\":${3:-[]},\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",
      \"resources\":{\"requests\":{\"cpu\":\"$2\",\"memory\":\"64Mi\"}}}]}}"
}
node_of() { $K get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null; }
wait_bound() { # wait_bound POD -> prints node
  local n=""
  for _ in $(seq 1 100); do n=$(node_of "$1"); [ -n "$n" ] && break; sleep 0.1; done
  echo "$n"
}

check_eq "node a" "$(node a 2 4Gi)" 201
check_eq "node b (tainted)" "$(node b 8 16Gi '[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]')" 201

# Two pods of 1500m: a (2 CPUs) takes one; the tainted b takes nobody without a toleration.
check_eq "pod p1" "$(pod p1 1500m)" 201
check_eq "p1 bound to a" "$(wait_bound p1)" a
check_eq "pod p2" "$(pod p2 1500m)" 201
for _ in $(seq 1 100); do
  msg=$($K get pod p2 -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].message}' 2>/dev/null)
  [ -n "$msg" ] && break; sleep 0.1
done
check_eq "p2 unschedulable message" "$msg" \
  "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}."
check_eq "p2 reason" "$($K get pod p2 -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].reason}')" Unschedulable
# The event is written just after the condition: give it a moment.
for _ in $(seq 1 50); do
  evs=$(curl -s "$U/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedScheduling")
  case "$evs" in *'"name":"p2"'*) break ;; esac
  sleep 0.1
done
check_contains "FailedScheduling event" "$evs" '"involvedObject":{"kind":"Pod","namespace":"default","name":"p2"'
check_eq "p2 still pending" "$(node_of p2)" ""
# Reported once: its own status write must not wake it again (no write loop).
rv1=$($K get pod p2 -o jsonpath='{.metadata.resourceVersion}')
sleep 2
rv2=$($K get pod p2 -o jsonpath='{.metadata.resourceVersion}')
check_eq "unschedulable pod left alone" "$rv2" "$rv1"
nev=$(curl -s "$U/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedScheduling" | grep -o '"name":"p2"' | wc -l)
check_eq "one FailedScheduling event" "$nev" 1

# A pod that tolerates the taint goes to b.
check_eq "pod p3" "$(pod p3 1 '[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]')" 201
check_eq "p3 bound to b" "$(wait_bound p3)" b

# Adding a node that fits: the pending pod is placed there.
check_eq "node c" "$(node c 4 8Gi)" 201
check_eq "p2 bound to c" "$(wait_bound p2)" c

# Room is given back when a pod goes: c is filled, a 2-CPU pod waits, and takes a's room once
# p1 is deleted.
check_eq "pod p5" "$(pod p5 2500m)" 201
check_eq "p5 bound to c" "$(wait_bound p5)" c
check_eq "pod p6" "$(pod p6 2)" 201
sleep 1
check_eq "p6 waits" "$(node_of p6)" ""
curl -s -o /dev/null -X DELETE "$U/api/v1/namespaces/default/pods/p1?gracePeriodSeconds=0"
check_eq "p6 bound to a after p1 left" "$(wait_bound p6)" a
finish
