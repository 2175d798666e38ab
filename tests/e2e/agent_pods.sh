#!/usr/bin/env bash
# agent_pods.sh — a pod runs on a node that joined with `c8s agent`: a server without node roles
# and an agent in network and mount namespaces of the test's own (as cluster.sh). The agent's
# kubelet works over HTTPS as system:node:<name> only (Node authorizer, NodeRestriction): it sees
# the pod bound to it, pulls the image, mounts the ServiceAccount token it asks for through
# TokenRequest and the kube-root-ca.crt ConfigMap, reports status; `kubectl logs` and `kubectl
# exec` reach the pod through the kubelet port the agent serves with a certificate it got by
# CSR; the pod's deletion leaves nothing behind on the node.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer agentpods "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=agent-node
AGENT_DATA=$WORK/agent
REG=127.0.0.1:5000

C8S_NODE_ROLES="--disable-proxy --disable-dns --disable-kubelet" start_managed_server "$WORK" \
  --enable-bootstrap-token-auth || { fail "server start"; finish; exit 1; }
k() { kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" "$@"; }
T=240
JOIN=$("$C8S_BIN" token create --ttl 1h --print-join-command)
TOKEN=$(sed -n 's/.*--token \([^ ]*\).*/\1/p' <<<"$JOIN")
HASH=${JOIN##*--ca-cert-hash }
for _ in $(seq 1 100); do
  k get cm -n kube-public cluster-info -o json | jq -e ".data[\"jws-kubeconfig-${TOKEN%%.*}\"]" \
    >/dev/null 2>&1 && break
  sleep 0.1
done

"$C8S_BIN" agent --server "$SERVER_URL" --token "$TOKEN" --ca-cert-hash "$HASH" \
  --data-dir "$AGENT_DATA" --node-name "$NODE" --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" \
  --kubepods-cgroup "$CGROUP" --insecure-registry "$REG" --disable-proxy --disable-dns \
  >"$WORK/agent.log" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")

wait_for() { # wait_for JSONPATH_CMD... VALUE
  local want=${*: -1} got=""
  for _ in $(seq 1 $T); do
    got=$("${@:1:$#-1}" 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "got '$got', want '$want'" >&2
  tail -n 40 "$WORK/agent.log" >&2
  return 1
}

check "node Ready" wait_for k get node "$NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' True
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: "$IMAGE"
    command: [sh, -c, "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace >/tmp/ns; echo hello from the agent; sleep 100000"]
YAML
check "pod scheduled to the agent's node" wait_for k get pod web -o 'jsonpath={.spec.nodeName}' "$NODE"
check "pod Running" wait_for k get pod web -o 'jsonpath={.status.phase}' Running
check "pod Ready" wait_for k get pod web -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' True
UID_=$(k get pod web -o jsonpath='{.metadata.uid}')
check "the ServiceAccount token is mounted" wait_for runc --root "$RUNC_ROOT" exec "$UID_-main" cat /tmp/ns default
# logs and exec through the API server: it reaches the agent's kubelet port, served with the
# certificate the node got by a kubelet-serving CSR (the API server verifies it with the CA).
serving_issued() {
  k get csr -o json | jq '[.items[] | select(.spec.signerName=="kubernetes.io/kubelet-serving"
    and .status.certificate != null)] | length > 0'
}
check "a kubelet-serving CSR issued" wait_for serving_issued true
check "the Node publishes the kubelet port" wait_for k get node "$NODE" -o 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}' 10250
check "kubectl logs of the pod on the agent" wait_for k logs web "hello from the agent"
check "kubectl exec in the pod on the agent" wait_for k exec web -- cat /tmp/ns default
check_contains "no authorization refusals" "$(grep -c 'forbidden\|403' "$WORK/agent.log")" "0"

k delete pod web --wait=false >/dev/null
check "pod gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no pod dir" "$(find "$AGENT_DATA/pods" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" 0
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "agent stops cleanly" "$?" 0
finish
