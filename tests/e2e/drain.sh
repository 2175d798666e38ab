#!/usr/bin/env bash
# drain.sh — node maintenance with the real kubectl on a one-node cluster (API, scheduler,
# controllers, kubelet with runc and CNI) in network and mount namespaces of the test's own, as
# cluster.sh: a Deployment of 2 replicas under a PodDisruptionBudget minAvailable 1
# (`kubectl create pdb`, its columns in `kubectl get pdb`); `kubectl drain` cordons the node,
# evicts one pod and then keeps being refused by the budget (the replacement cannot be scheduled
# on the cordoned node) until its timeout, saying why; without the budget a drain empties the
# node; `kubectl uncordon` lets the pods back. At the end nothing is left: no pod, no runc
# container, no pod network namespace.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer drain "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 80 || { finish; exit 1; }
NODE=drain-node

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" --node-name "$NODE" \
  --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" --kubepods-cgroup "$CGROUP" \
  --insecure-registry 127.0.0.1:5000 --resolv-conf "$WORK/resolv.conf" ||
  { fail "server start"; finish; exit 1; }
k() { kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" "$@"; }
T=240 # generous: a loaded two-core machine, a sanitizer build

wait_for() { # wait_for CMD... VALUE: bounded poll until CMD prints VALUE
  local want=${*: -1} got=""
  for _ in $(seq 1 $T); do
    got=$("${@:1:$#-1}" 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "got '$got', want '$want'" >&2
  k get pods -o wide >&2
  k get pdb -o yaml >&2
  tail -n 40 "$SERVER_DATA.log" >&2
  return 1
}
running() { # how many web pods are Running and not terminating
  k get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase}{.metadata.deletionTimestamp}{"\n"}{end}' |
    grep -cx Running
}

k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - {name: main, image: "$IMAGE", command: [sh, -c, "sleep 100000"]}
YAML
check "two web pods Running" wait_for running 2
check "kubectl create pdb" k create pdb web --selector=app=web --min-available=1
check "the budget allows one disruption" wait_for k get pdb web -o 'jsonpath={.status.disruptionsAllowed}' 1
GET=$(k get pdb web)
check_contains "kubectl get pdb: columns" "$(echo "$GET" | head -n 1 | tr -s ' ')" \
  "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE"
check_contains "kubectl get pdb: the row" "$(echo "$GET" | tail -n 1 | tr -s ' ')" "web 1 N/A 1"

# The budget lets one pod go; its replacement stays Pending on the cordoned node, so the second
# eviction is refused (429) again and again until drain's own timeout.
k drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=40s >"$WORK/drain1.out" 2>&1
RC=$?
check "drain under the budget fails" test "$RC" -ne 0
check_contains "drain says why" "$(cat "$WORK/drain1.out")" \
  "Cannot evict pod as it would violate the pod's disruption budget"
check_contains "drain cordoned the node" "$(cat "$WORK/drain1.out")" "node/$NODE cordoned"
check_contains "drain evicts" "$(cat "$WORK/drain1.out")" "evicting pod default/web-"
check_eq "the node is unschedulable" "$(k get node "$NODE" -o 'jsonpath={.spec.unschedulable}')" true
check_eq "one web pod still Running" "$(running)" 1
check "the budget allows none" wait_for k get pdb web -o 'jsonpath={.status.disruptionsAllowed}' 0
[ "$RC" -ne 0 ] || cat "$WORK/drain1.out" >&2
# c8s ctl drain retries a refused eviction every 5 s as kubectl does, until its --timeout.
"$C8S_BIN" ctl --kubeconfig "$SERVER_DATA/admin.kubeconfig" drain "$NODE" --ignore-daemonsets --timeout=12s \
  >"$WORK/drain1c.out" 2>&1
RC=$?
check "c8s ctl drain under the budget fails" test "$RC" -ne 0
check_contains "c8s ctl drain retries" "$(cat "$WORK/drain1c.out")" \
  "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget"
check_contains "c8s ctl drain gives up at its timeout" "$(cat "$WORK/drain1c.out")" \
  "global timeout reached: 12s"

# Without the budget the drain empties the node.
check "kubectl delete pdb" k delete pdb web
k drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=${T}s >"$WORK/drain2.out" 2>&1
RC=$?
check_eq "drain without a budget succeeds" "$RC" 0
check_contains "drain says drained" "$(cat "$WORK/drain2.out")" "node/$NODE drained"
[ "$RC" -eq 0 ] || { cat "$WORK/drain2.out" >&2; tail -n 40 "$SERVER_DATA.log" >&2; }
check_eq "no web pod Running" "$(running)" 0
check_eq "still unschedulable" "$(k get node "$NODE" -o 'jsonpath={.spec.unschedulable}')" true

check "kubectl uncordon" k uncordon "$NODE"
check_eq "schedulable again" "$(k get node "$NODE" -o 'jsonpath={.spec.unschedulable}')" ""
check "the pods come back" wait_for running 2

k delete deployment web --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no pod network namespace" "$(find "$SERVER_DATA/run/netns" -type f 2>/dev/null | wc -l)" 0
finish
