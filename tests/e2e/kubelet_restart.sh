#!/usr/bin/env bash
# kubelet_restart.sh — issue 6: pods survive a kill -9 of c8s. A one-node cluster in network and
# mount namespaces of the test's own (as cluster.sh) runs a long-running pod and a pod that exits
# 3 while c8s is down; c8s is killed with SIGKILL and started again on the same data dir: the
# same container (same init PID) still runs, no second one was made, the exit code of the one
# that ended is in its status. Then all pods are deleted and nothing is left: no runc
# container, mount, network namespace, veth, pod cgroup or pod dir.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer restart "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 78 || { finish; exit 1; }
NODE=restart-node
REG=127.0.0.1:5000

ARGS=(--node-name "$NODE" --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT"
  --kubepods-cgroup "$CGROUP" --insecure-registry "$REG" --resolv-conf "$WORK/resolv.conf"
  --disable-controller-manager)
C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" "${ARGS[@]}" ||
  { fail "server start"; finish; exit 1; }
EP=$(tr '\0' '\n' </proc/"$SERVER_PID"/cmdline | grep -A1 -x -- --etcd-peer-port | tail -n 1)
k() { kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" "$@"; }
T=240

pod() { # pod NAME SCRIPT
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", command: [sh, -c, "$2"]}
YAML
}
wait_for() { # wait_for JSONPATH_CMD... VALUE
  local want=${*: -1} got=""
  for _ in $(seq 1 $T); do
    got=$("${@:1:$#-1}" 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "got '$got', want '$want'" >&2
  tail -n 40 "$SERVER_DATA.log" >&2
  return 1
}

pod long "sleep 100000"
pod later "while [ ! -e /tmp/go ]; do sleep 0.2; done; exit 3"
check "long runs" wait_for k get pod long -o 'jsonpath={.status.phase}' Running
check "later runs" wait_for k get pod later -o 'jsonpath={.status.phase}' Running
LONG_UID=$(k get pod long -o jsonpath='{.metadata.uid}')
LATER_UID=$(k get pod later -o jsonpath='{.metadata.uid}')
LONG_PID=$(runc --root "$RUNC_ROOT" state "$LONG_UID-main" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
check "long has an init PID" test -n "$LONG_PID"
LONG_IP=$(k get pod long -o jsonpath='{.status.podIP}')
BEFORE=$(runc --root "$RUNC_ROOT" list -q | sort | tr '\n' ' ')

# c8s goes away the hard way; the pod "later" ends while it is down.
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
runc --root "$RUNC_ROOT" exec "$LATER_UID-main" touch /tmp/go
for _ in $(seq 1 50); do
  [ "$(runc --root "$RUNC_ROOT" state "$LATER_UID-main" 2>/dev/null | grep -c '"running"')" = 0 ] && break
  sleep 0.2
done
check "long still runs while c8s is down" kill -0 "$LONG_PID"
sleep 2 # etcd follows c8s (PDEATHSIG)

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_server "$SERVER_DATA" --etcd-client-port "$EC" \
  --etcd-peer-port "$EP" "${ARGS[@]}" || { fail "server restart"; finish; exit 1; }
check "later's exit code reported" wait_for k get pod later \
  -o 'jsonpath={.status.phase}/{.status.containerStatuses[0].state.terminated.exitCode}' Failed/3
check "long Running again" wait_for k get pod long -o 'jsonpath={.status.phase}' Running
sleep 3 # a few sync ticks: a kubelet that did not adopt would start a second container now
check_eq "long: the same init PID" \
  "$(runc --root "$RUNC_ROOT" state "$LONG_UID-main" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')" "$LONG_PID"
check_eq "the same containers, no duplicate" \
  "$(runc --root "$RUNC_ROOT" list -q | sort | tr '\n' ' ')" "$(echo "$BEFORE" | tr ' ' '\n' | grep -v -e "^$LATER_UID" -e "^$" | sort | tr '\n' ' ')"
check_eq "long: restartCount 0" "$(k get pod long -o 'jsonpath={.status.containerStatuses[0].restartCount}')" 0
check_eq "long: the same IP" "$(k get pod long -o 'jsonpath={.status.podIP}')" "$LONG_IP"
check_contains "adoption logged" "$(cat "$SERVER_DATA.log")" "adopted container $LONG_UID-main"

k delete pod long later --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no mount under the data dir" "$(grep -c " $SERVER_DATA" /proc/self/mountinfo)" 0
check_eq "no pod cgroup" "$(find /sys/fs/cgroup -type d -path "*$CGROUP/*pod*" 2>/dev/null | wc -l)" 0
check_eq "no pod network namespace" "$(find "$SERVER_DATA/run/netns" -type f 2>/dev/null | wc -l)" 0
check_eq "no pod dir" "$(find "$SERVER_DATA/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" 0
check_eq "no veth left but the node's" "$(ip -o link show type veth | grep -vc 'eth0')" 0
finish
