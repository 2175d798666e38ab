#!/usr/bin/env bash
# kubelet_server.sh — the kubelet role inside `c8s server`: with the node roles that touch the
# network left off, the server registers --node-name with --pod-cidr, reports it Ready with
# runc's version, keeps its Lease, and `kubectl get nodes` shows it; a restarted server adopts
# the Node. The kubelet only reads facts about the machine here (no pods are bound).
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-kubelet-XXXXXX)
TMPDIRS+=("$WORK")
# Our own etcd ports (kept for the restart below); a start that loses a port race to a parallel
# test is tried again with fresh ports and a fresh data dir.
started=""
for attempt in 1 2 3; do
  EC=$(free_port)
  EP=$(free_port)
  while [ "$EP" = "$EC" ]; do EP=$(free_port); done
  SERVER_DATA="$WORK/data-$attempt"
  TMPDIRS+=("$SERVER_DATA.log")
  ARGS=(--etcd-client-port "$EC" --etcd-peer-port "$EP" --disable-scheduler
    --disable-controller-manager --node-name kn1)
  if C8S_NODE_ROLES="--disable-proxy --disable-dns" start_server "$SERVER_DATA" "${ARGS[@]}" \
    --pod-cidr 10.244.9.0/24; then
    started=1
    break
  fi
done
[ -n "$started" ] || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

node=""
for _ in $(seq 1 100); do
  node=$(curl -sf "$U/api/v1/nodes/kn1") && break
  sleep 0.1
done
check_eq "node registered" "$(jq -r .metadata.name <<<"$node")" kn1
check_eq "podCIDR" "$(jq -r .spec.podCIDR <<<"$node")" 10.244.9.0/24
check_eq "hostname label" "$(jq -r '.metadata.labels["kubernetes.io/hostname"]' <<<"$node")" kn1
ready=""
for _ in $(seq 1 100); do
  ready=$(curl -sf "$U/api/v1/nodes/kn1" | jq -r '.status.conditions[]? | select(.type=="Ready") | .status')
  [ "$ready" = True ] && break
  sleep 0.1
done
check_eq "Ready" "$ready" True
node=$(curl -sf "$U/api/v1/nodes/kn1")
check_contains "runtime version" "$(jq -r .status.nodeInfo.containerRuntimeVersion <<<"$node")" "runc://"
check_eq "pods capacity" "$(jq -r .status.capacity.pods <<<"$node")" 110
lease=""
for _ in $(seq 1 100); do
  lease=$(curl -sf "$U/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kn1") && break
  sleep 0.1
done
check_eq "lease holder" "$(jq -r .spec.holderIdentity <<<"$lease")" kn1
if command -v kubectl >/dev/null; then
  out=$(kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" get nodes --no-headers 2>&1)
  check_contains "kubectl get nodes" "$out" "kn1"
  check_contains "kubectl shows Ready" "$out" "Ready"
fi

# Restart (same etcd data, same data dir): the Node is adopted, not recreated.
uid1=$(jq -r .metadata.uid <<<"$node")
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check_eq "server stopped cleanly" "$?" 0
C8S_NODE_ROLES="--disable-proxy --disable-dns" start_server "$SERVER_DATA" "${ARGS[@]}" ||
  { fail "server restart"; finish; exit 1; }
U=$SERVER_URL
sleep 1
node=$(curl -sf "$U/api/v1/nodes/kn1")
check_eq "same node after restart" "$(jq -r .metadata.uid <<<"$node")" "$uid1"
check_eq "podCIDR kept" "$(jq -r .spec.podCIDR <<<"$node")" 10.244.9.0/24
finish
