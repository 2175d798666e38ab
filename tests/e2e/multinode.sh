#!/usr/bin/env bash
# multinode.sh — three nodes on this machine, each a network namespace of the test's own joined
# by veth pairs to a test bridge (10.77.0.0/24, an address range that exists only inside these
# namespaces), a three-member etcd cluster on node 1's loopback, `c8s server` on node 1 and the
# other two nodes joined to it with `c8s agent` and a bootstrap token from `c8s ctl token
# create` (C8S_MULTINODE_JOIN=server makes them two more `c8s server` processes on the same etcd
# instead, one cluster through node 1's pki copied, sharing the work by leader election). With
# the real kubectl:
#   - three nodes Ready, each with its own pod CIDR; a Deployment spreads one pod per node;
#   - a pod on node 1 reaches, by ClusterIP and by DNS name, a Service whose pods run only on
#     nodes 2 and 3 (routes between the nodes' pod CIDRs, service rules on each node);
#   - node 3 stopped (its c8s killed, its containers gone, as a machine that lost power) → it is
#     marked Unknown, tainted, its pod evicted and made again on node 2; node 3 started again →
#     Ready, and a new replica runs on it;
#   - the etcd member that leads is killed with SIGKILL → the cluster keeps working;
#   - at the end nothing is left: no pod, no container under any node's runc root, no mount, no
#     process in any node's namespace, no cgroup.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  for t in etcd nsenter jq; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
  done
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer multinode "$0"
fi

# ---- inside the test's namespaces: this one is the switch ----
. "$HERE/../support/lib.sh"
WORK=$E2E_WORK
CGROUP=$E2E_CGROUP
JOIN=${C8S_MULTINODE_JOIN:-agent}
IMAGE=127.0.0.1:5000/examples/busybox:1 # imported into each node's store: never pulled
PORT=16443
T=240 # seconds: generous, a loaded two-core machine, a sanitizer build
readlink /proc/self/ns/net >"$WORK/netns"
# Node lifecycle at test speed: kubelets renew their Leases every second, and a node silent for
# 8 s is Unknown (upstream: 10 s and 40 s).
export C8S_NODE_MONITOR_GRACE_MS=8000

declare -a NSPID NODEPID ETCDPID ECPORT EPPORT
node_ip() { echo "10.77.0.1$1"; }
in_node() { # in_node N command... : runs it in node N's network namespace
  local n=$1; shift
  nsenter --net="/proc/${NSPID[$n]}/ns/net" -- "$@"
}
# in_node_bg N LOG command... : the same in the background, $! its PID (nsenter execs it).
in_node_bg() {
  local n=$1 log=$2; shift 2
  nsenter --net="/proc/${NSPID[$n]}/ns/net" -- "$@" >>"$log" 2>&1 &
}
k() { in_node 1 kubectl --kubeconfig "$WORK/n1/admin.kubeconfig" "$@"; }

teardown() {
  local n c
  for n in 1 2 3; do
    [ -n "${NODEPID[$n]:-}" ] && kill -TERM "${NODEPID[$n]}" 2>/dev/null
  done
  for n in 1 2 3; do
    [ -n "${NODEPID[$n]:-}" ] || continue
    for _ in $(seq 1 100); do kill -0 "${NODEPID[$n]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${NODEPID[$n]}" 2>/dev/null
  done
  for n in 0 1 2; do [ -n "${ETCDPID[$n]:-}" ] && kill -KILL "${ETCDPID[$n]}" 2>/dev/null; done
  # Whatever a failed run left: containers, mounts, cgroups.
  for n in 1 2 3; do
    if [ -d "$WORK/n$n/runc" ]; then
      for c in $(runc --root "$WORK/n$n/runc" list -q 2>/dev/null); do
        runc --root "$WORK/n$n/runc" delete -f "$c" >/dev/null 2>&1
      done
    fi
  done
  grep " $WORK" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
  find /sys/fs/cgroup -depth -type d -path "*$CGROUP*" -exec rmdir {} + 2>/dev/null
  for n in 1 2 3; do [ -n "${NSPID[$n]:-}" ] && kill -KILL "${NSPID[$n]}" 2>/dev/null; done
  cleanup
}
trap teardown EXIT
trap 'exit 143' TERM INT

dump() {
  echo "---- nodes and pods" >&2
  k get nodes -o wide >&2 2>&1
  k get pods -A -o wide >&2 2>&1
  for n in 1 2 3; do
    echo "---- node $n log (tail)" >&2
    tail -n 30 "$WORK/n$n.log" >&2 2>/dev/null
  done
}
step() { # step "what" command... : a check that dumps the cluster when it fails
  local what=$1; shift
  if "$@" >"$WORK/step.out" 2>&1; then ok; else
    fail "$what"
    cat "$WORK/step.out" >&2
    dump
  fi
}
until_ok() { # until_ok SECONDS command... : retried every second
  local s=$1; shift
  for _ in $(seq 1 "$s"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@"
}

# ---- the network: a bridge here, a namespace per node, a veth pair from each to the bridge ----
ip link set lo up
ip link add sw0 type bridge
ip addr add 10.77.0.1/24 dev sw0
ip link set sw0 up
for n in 1 2 3; do
  unshare -n sleep infinity &
  NSPID[$n]=$!
  PIDS+=("${NSPID[$n]}")
  for _ in $(seq 1 50); do
    [ "$(readlink /proc/${NSPID[$n]}/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.1
  done
  ip link add "sw-n$n" type veth peer name eth0 netns "${NSPID[$n]}"
  ip link set "sw-n$n" master sw0 up
  in_node "$n" ip link set lo up
  in_node "$n" ip addr add "$(node_ip "$n")/24" dev eth0
  in_node "$n" ip link set eth0 up
  in_node "$n" ip route add default via 10.77.0.1 dev eth0
  in_node "$n" sysctl -qw net.ipv4.ip_forward=1
done
# Nothing leaves: names outside the cluster go to an address nobody answers.
echo "nameserver 10.77.0.53" >"$WORK/resolv.conf"

# ---- etcd: three members on node 1's loopback ----
CLUSTER=""
for i in 0 1 2; do
  ECPORT[$i]=$((2381 + 2 * i))
  EPPORT[$i]=$((2382 + 2 * i))
  CLUSTER+="${CLUSTER:+,}e$i=http://127.0.0.1:${EPPORT[$i]}"
done
start_member() { # start_member I new|existing
  local i=$1
  in_node_bg 1 "$WORK/etcd-e$i.log" etcd --name "e$i" --data-dir "$WORK/etcd-e$i" \
    --listen-client-urls "http://127.0.0.1:${ECPORT[$i]},http://$(node_ip 1):${ECPORT[$i]}" \
    --advertise-client-urls "http://127.0.0.1:${ECPORT[$i]}" \
    --listen-peer-urls "http://127.0.0.1:${EPPORT[$i]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${EPPORT[$i]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state "$2" --initial-cluster-token c8s-e2e \
    --heartbeat-interval 50 --election-timeout 500
  ETCDPID[$i]=$!
}
for i in 0 1 2; do start_member $i new; done
endpoints() { # endpoints HOST : the three client URLs as HOST reaches them
  echo "http://$1:${ECPORT[0]},http://$1:${ECPORT[1]},http://$1:${ECPORT[2]}"
}
etcd_healthy() { in_node 1 curl -q -sf -m 2 "http://127.0.0.1:${ECPORT[$1]}/health" | grep -q '"health":"true"'; }
three_members() { etcd_healthy 0 && etcd_healthy 1 && etcd_healthy 2; }
step "three etcd members healthy" until_ok 60 three_members

# ---- the nodes ----
# The image, imported into each node's store (the nodes have no registry to pull from).
for n in 1 2 3; do
  mkdir -p "$WORK/n$n"
  if ! bash "$SRC/deploy/examples/build-busybox-image.sh" --import --data-dir "$WORK/n$n" \
    --c8s "$C8S_BIN" >"$WORK/build-n$n.log" 2>&1; then
    cat "$WORK/build-n$n.log" >&2
    fail "the image imported on node $n"
  fi
done

node_flags() { # node_flags N : what every node's c8s is given
  echo --data-dir "$WORK/n$1" --node-name "n$1" --runc-root "$WORK/n$1/runc" \
    --kubepods-cgroup "$CGROUP/n$1" --resolv-conf "$WORK/resolv.conf" --node-status-interval-ms 1000
}
start_node() { # start_node N : node 1 the server, the others joined as $JOIN
  local n=$1
  if [ "$n" = 1 ] || [ "$JOIN" = server ]; then
    # shellcheck disable=SC2046
    # Node 1 reaches etcd on its loopback; the other servers through node 1's address.
    local host=127.0.0.1
    [ "$n" = 1 ] || host=$(node_ip 1)
    in_node_bg "$n" "$WORK/n$n.log" "$C8S_BIN" server $(node_flags "$n") \
      --etcd-servers "$(endpoints $host)" --bind-address 0.0.0.0 \
      --advertise-address "$(node_ip "$n")" --port "$PORT" --enable-bootstrap-token-auth
  else
    # shellcheck disable=SC2046
    in_node_bg "$n" "$WORK/n$n.log" "$C8S_BIN" agent $(node_flags "$n") \
      --server "https://$(node_ip 1):$PORT" --token "$JOIN_TOKEN"
  fi
  NODEPID[$n]=$!
}
start_node 1
step "the server on node 1 serves" until_ok 120 in_node 1 curl -q -sfk "https://127.0.0.1:$PORT/readyz"
if [ "$JOIN" = server ]; then
  # One cluster: the other servers get the first one's CA and keys before their first start.
  for n in 2 3; do cp -a "$WORK/n1/pki" "$WORK/n$n/pki"; done
else
  JOIN_TOKEN=$(in_node 1 "$C8S_BIN" ctl --kubeconfig "$WORK/n1/admin.kubeconfig" token create | grep -oE '[a-z0-9]{6}\.[a-z0-9]{16}' | head -1)
  check "a join token" test -n "$JOIN_TOKEN"
fi
start_node 2
start_node 3
three_ready() {
  [ "$(k get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | sort | tr '\n' ' ')" = "n1=True n2=True n3=True " ]
}
step "three nodes Ready" until_ok $T three_ready
# Every node's proxy (the server's and the agents') in the default mode, nftables, not its
# fallback to iptables.
for n in 1 2 3; do
  check "node $n's proxy programs nftables (the default)" grep -q "proxy: programming nftables" "$WORK/n$n.log"
done
cidrs=$(k get nodes -o jsonpath='{range .items[*]}{.spec.podCIDR}{"\n"}{end}' | sort -u | grep -c .)
check_eq "each node has a pod CIDR of its own" "$cidrs" 3

# ---- a Deployment spreads over the nodes ----
cat >"$WORK/spread.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 3
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      terminationGracePeriodSeconds: 1
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: spread}}
              topologyKey: kubernetes.io/hostname
      containers: [{name: c, image: "$IMAGE", command: [sleep, "3600"]}]
EOF
step "apply the spread Deployment" k apply -f "$WORK/spread.yaml"
step "spread rolled out" k rollout status deployment/spread --timeout=${T}s
check_eq "one spread pod on each node" \
  "$(k get pods -l app=spread -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ')" \
  "n1 n2 n3 "

# ---- a Service whose pods are only on nodes 2 and 3, reached from a pod on node 1 ----
cat >"$WORK/far.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: far}
spec:
  replicas: 2
  selector: {matchLabels: {app: far}}
  template:
    metadata: {labels: {app: far}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
        - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [n2, n3]}]
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                labelSelector: {matchLabels: {app: far}}
                topologyKey: kubernetes.io/hostname
      containers:
        - name: httpd
          image: "$IMAGE"
          command: [sh, -c, 'mkdir -p /www && echo "far \$(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www']
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: far}
spec:
  selector: {app: far}
  ports: [{name: http, port: 80, targetPort: http}]
EOF
step "apply far" k apply -f "$WORK/far.yaml"
step "far rolled out" k rollout status deployment/far --timeout=${T}s
check_eq "far's pods on nodes 2 and 3" \
  "$(k get pods -l app=far -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort | tr '\n' ' ')" \
  "n2 n3 "

# probe NAME SCRIPT: a pod on node 1 running SCRIPT; passes when it Succeeded.
probe() {
  local name=$1 script=$2 phase=""
  k run "$name" --image="$IMAGE" --restart=Never \
    --overrides='{"apiVersion":"v1","spec":{"nodeName":"n1"}}' --command -- sh -c "$script" >/dev/null || return 1
  for _ in $(seq 1 $T); do
    phase=$(k get pod "$name" -o jsonpath='{.status.phase}')
    case "$phase" in Succeeded | Failed) break ;; esac
    sleep 1
  done
  if [ "$phase" != Succeeded ]; then
    echo "pod $name: $phase; its output:"
    cat "$WORK/n1/pods/$(k get pod "$name" -o jsonpath='{.metadata.uid}')/logs/$name.log"
    for n in 1 2 3; do echo "node $n routes:"; in_node "$n" ip route; done
  fi
  k delete pod "$name" --wait=false >/dev/null
  [ "$phase" = Succeeded ]
}
cip=$(k get service far -o jsonpath='{.spec.clusterIP}')
# Both backends answer, the one on node 2 and the one on node 3.
# (Once the Endpoints list both: node 1's rules follow them a moment later, so the pod keeps
# asking until it has heard both, for up to 200 requests.)
two_endpoints() { [ "$(k get endpoints far -o jsonpath='{.subsets[*].addresses[*].ip}' | wc -w)" = 2 ]; }
step "far's Endpoints list both pods" until_ok $T two_endpoints
fetch_both='seen=""; n=0; for i in $(seq 1 200); do a=$(timeout 5 wget -qO- http://'"$cip"'/ 2>/dev/null); seen="$seen|$a"; n=$(echo "$seen" | tr "|" "\n" | sort -u | grep -c "^far "); [ "$n" = 2 ] && break; done; echo "$seen"; [ "$n" = 2 ]'
step "a pod on node 1 reaches both of far's pods (nodes 2 and 3) by ClusterIP" probe by-ip "$fetch_both"
step "and by DNS name" probe by-name 'timeout 10 wget -qO- http://far.default.svc.cluster.local/ | grep -q "^far "'

# ---- node 3 stopped: its c8s killed, its containers gone ----
kill -KILL "${NODEPID[3]}"
wait "${NODEPID[3]}" 2>/dev/null
for c in $(runc --root "$WORK/n3/runc" list -q 2>/dev/null); do
  runc --root "$WORK/n3/runc" kill "$c" KILL >/dev/null 2>&1
done
n3_unknown() { [ "$(k get node n3 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = Unknown ]; }
step "node 3 marked Unknown" until_ok $T n3_unknown
# running APP: the nodes of APP's Running pods that are not being deleted, sorted, on one line.
running() {
  k get pods -l "app=$1" -o json |
    jq -r '.items[] | select(.metadata.deletionTimestamp == null and .status.phase == "Running") | .spec.nodeName' |
    sort | tr '\n' ' '
}
far_moved() {
  [ "$(running far)" = "n2 n2 " ] && [ "$(k get deployment far -o jsonpath='{.status.availableReplicas}')" = 2 ]
}
# far prefers its pods apart among n2 and n3: with n3 gone, its pod comes back on n2.
step "far's pod on node 3 evicted and made again on node 2" until_ok $T far_moved
step "a pod of node 1 still reaches far by ClusterIP" probe after-stop 'timeout 10 wget -qO- http://'"$cip"'/ | grep -q "^far "'

# ---- node 3 back ----
start_node 3
# Ready, and the unreachable taints the node lifecycle controller put on it gone (until then the
# scheduler rightly keeps new pods off it).
n3_ready() {
  [ "$(k get node n3 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] &&
    [ -z "$(k get node n3 -o jsonpath='{.spec.taints[*].key}')" ]
}
step "node 3 Ready again, untainted" until_ok $T n3_ready
# Pods are not moved back; a third replica goes where far has none: node 3.
step "scale far to 3" k scale deployment/far --replicas=3
far_back() {
  [ "$(running far)" = "n2 n2 n3 " ] && [ "$(k get deployment far -o jsonpath='{.status.availableReplicas}')" = 3 ]
}
step "far runs on node 3 again" until_ok $T far_back

# ---- the etcd member that leads killed ----
leader_id=$(in_node 1 curl -q -sf -X POST -d '{}' "http://127.0.0.1:${ECPORT[0]}/v3/maintenance/status" | jq -r .leader)
leader=""
for i in 0 1 2; do
  id=$(in_node 1 curl -q -sf -X POST -d '{}' "http://127.0.0.1:${ECPORT[$i]}/v3/maintenance/status" | jq -r .header.member_id)
  [ "$id" = "$leader_id" ] && leader=$i
done
check "etcd names its leader" test -n "$leader"
kill -KILL "${ETCDPID[${leader:-0}]}"
wait "${ETCDPID[${leader:-0}]}" 2>/dev/null
ETCDPID[${leader:-0}]=""
step "scale spread down with the leading etcd member dead" until_ok 60 k scale deployment/spread --replicas=2
spread_two() { [ "$(running spread | wc -w)" = 2 ]; }
step "spread scaled" until_ok $T spread_two
step "a new Deployment rolls out" k create deployment after-etcd --image="$IMAGE" --replicas=2 -- sleep 3600
step "after-etcd rolled out" k rollout status deployment/after-etcd --timeout=${T}s

# ---- everything away; nothing left on any node ----
step "delete the workloads" k delete deployment spread far after-etcd --wait=true --timeout=${T}s
step "delete far's Service" k delete service far
no_pods() { [ -z "$(k get pods -o name)" ]; }
step "no pod left" until_ok $T no_pods
for n in 1 2 3; do
  kill -TERM "${NODEPID[$n]}" 2>/dev/null
done
for n in 1 2 3; do
  for _ in $(seq 1 150); do kill -0 "${NODEPID[$n]}" 2>/dev/null || break; sleep 0.1; done
  check "node $n's c8s stopped on SIGTERM" bash -c "! kill -0 ${NODEPID[$n]} 2>/dev/null"
  NODEPID[$n]=""
  check_eq "no container left on node $n" "$(runc --root "$WORK/n$n/runc" list -q 2>/dev/null | grep -c .)" 0
done
for n in 1 2 3; do
  ns=$(readlink "/proc/${NSPID[$n]}/ns/net")
  left=""
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "${NSPID[$n]}" ] && continue
    [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] && left+="${p#/proc/}($(cat "$p/comm" 2>/dev/null)) "
  done
  check_eq "no process left in node $n's namespace but its holder and etcd" \
    "$(for x in $left; do case "$x" in *"(etcd)") ;; *) echo "$x" ;; esac; done)" ""
done
check_eq "no pod mount left" "$(grep " $WORK/n" /proc/self/mountinfo | grep -c .)" 0
finish
