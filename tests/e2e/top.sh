#!/usr/bin/env bash
# top.sh — issues 6, 3 and 5: resource metrics from real pods. A one-node cluster in network and
# mount namespaces of the test's own (as cluster.sh) runs a Deployment whose pod burns CPU under
# runc; the kubelet's /stats/summary and /metrics/resource report it; the API server's
# metrics.k8s.io (scraped every 2 s here) gives `kubectl top pod` and `kubectl top node` non-zero
# figures, and `c8s ctl top` prints the same columns; an HPA (autoscaling/v2, 50% CPU
# utilization) scales the Deployment up with SuccessfulRescale and ScalingActive=True. At the end
# nothing is left.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer top "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=top-node

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" \
  --node-name "$NODE" --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" \
  --kubepods-cgroup "$CGROUP" --insecure-registry 127.0.0.1:5000 \
  --resolv-conf "$WORK/resolv.conf" --metric-resolution 2s \
  --horizontal-pod-autoscaler-sync-period 2s || { fail "server start"; finish; exit 1; }
KC=$SERVER_DATA/admin.kubeconfig
k() { kubectl --kubeconfig "$KC" "$@"; }
ctl() { "$C8S_BIN" ctl --kubeconfig "$KC" "$@"; }
T=240

step() {
  local what=$1; shift
  if "$@" >"$WORK/step.out" 2>&1; then ok; else
    fail "$what"
    cat "$WORK/step.out" >&2
    k get pods -o wide >&2 2>&1
    tail -n 40 "$SERVER_DATA.log" >&2
  fi
}
# until_ok SECONDS command...: retries once a second.
until_ok() {
  local n=$1; shift
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@"
}

step "the node is Ready" k wait --for=condition=Ready "node/$NODE" --timeout=${T}s

k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: burn}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: spin
        image: $IMAGE
        command: ["sh", "-c", "while :; do :; done"]
        resources: {requests: {cpu: 20m, memory: 8Mi}, limits: {cpu: 200m}}
YAML
step "burn rolled out" k rollout status deployment/burn --timeout=${T}s
POD=$(k get pods -l app=burn -o jsonpath='{.items[0].metadata.name}')

# The kubelet's own endpoints, through the API server's node proxy.
summary=$(k get --raw "/api/v1/nodes/$NODE/proxy/stats/summary")
check "summary: node CPU counter" test "$(jq -r '.node.cpu.usageCoreNanoSeconds' <<<"$summary")" -gt 0
check "summary: the pod's container has CPU time" test "$(jq -r --arg p "$POD" \
  '.pods[] | select(.podRef.name==$p) | .containers[0].cpu.usageCoreNanoSeconds' <<<"$summary")" -gt 0
check_eq "summary: container name" "$(jq -r --arg p "$POD" \
  '.pods[] | select(.podRef.name==$p) | .containers[0].name' <<<"$summary")" spin
res=$(k get --raw "/api/v1/nodes/$NODE/proxy/metrics/resource")
check_contains "metrics/resource: container CPU" "$res" \
  "container_cpu_usage_seconds_total{container=\"spin\",namespace=\"default\",pod=\"$POD\"}"
check_contains "metrics/resource: node memory" "$res" "node_memory_working_set_bytes "

# kubectl top: non-zero CPU once two scrapes are in.
nonzero_pod() { k top pod "$POD" --no-headers | awk '{exit !($2 != "0m")}'; }
step "kubectl top pod shows CPU" until_ok 60 nonzero_pod
# (The pod's container may restart meanwhile; its figures then return two scrapes later.)
listed() { k top pod | grep -q "$POD"; }
step "kubectl top pod lists the pod" until_ok 30 listed
out=$(k top pod 2>&1)
check_contains "kubectl top pod header" "$(head -n1 <<<"$out")" "CPU(cores)"
nonzero_node() { k top node --no-headers | awk '{exit !($2 != "0m")}'; }
step "kubectl top node shows CPU" until_ok 30 nonzero_node
check_eq "c8s ctl top node: kubectl's header" "$(ctl top node | head -n1 | tr -s ' ')" \
  "$(k top node | head -n1 | tr -s ' ')"
check_eq "c8s ctl top pod: kubectl's header" "$(ctl top pod | head -n1 | tr -s ' ')" \
  "$(k top pod | head -n1 | tr -s ' ')"
ctl_listed() { ctl top pod | grep -q "$POD"; }
step "c8s ctl top pod lists the pod" until_ok 30 ctl_listed
check_eq "c8s ctl top node lists the node" "$(ctl top node --no-headers | awk '{print $1}')" "$NODE"
ctl_containers() { ctl top pod --containers | grep -q spin; }
step "c8s ctl top pod --containers" until_ok 30 ctl_containers
echo "info: restarts of the burning container: $(k get pod "$POD" -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState}')"

# An HPA at 50% of a 20m request: the burning pod is far above it, so it scales up.
k apply -f - >/dev/null <<YAML
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: burn}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 1
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
YAML
scaled() { [ "$(k get deployment burn -o jsonpath='{.spec.replicas}')" -gt 1 ]; }
step "the HPA scales burn up" until_ok 90 scaled
active() { [ "$(k get hpa burn -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].status}')" = True ]; }
step "ScalingActive True" until_ok 30 active
check "currentMetrics has the CPU utilization" test \
  "$(k get hpa burn -o jsonpath='{.status.currentMetrics[0].resource.current.averageUtilization}')" -gt 50
check_contains "SuccessfulRescale event" \
  "$(k get events --field-selector involvedObject.name=burn,reason=SuccessfulRescale -o name)" event

step "delete the hpa" k delete hpa burn
step "delete burn" k delete deployment burn --wait=true --timeout=${T}s
no_pods() { [ -z "$(k get pods -o name)" ]; }
step "no pod left" until_ok 120 no_pods
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
rc=$?
check_eq "server stopped cleanly (no leaks)" "$rc" 0
[ "$rc" = 0 ] || tail -n 80 "$SERVER_DATA.log" >&2
finish
