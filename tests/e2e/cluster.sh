#!/usr/bin/env bash
# cluster.sh — a one-node cluster with every role (API, scheduler, controllers, kubelet with runc
# and CNI, proxy in its default mode (nftables), cluster DNS) in network and mount namespaces of the test's own,
# driven by the real kubectl the way the user guide (docs/user-guide.md) does, with the
# manifests of deploy/examples and the image their script builds, pushed to Debian's
# docker-registry on 127.0.0.1:5000 inside the namespace.
#
# Flows: web.yaml's two pods Running on the node; a pod made by `kubectl run` reaches the web
# Service by ClusterIP and by DNS name (answers from both replicas); scale up and down; a rolling
# update (`kubectl set env`) and `kubectl rollout undo`, each seen in what the Service serves; a
# Job to completion; the CronJob starting a Job; the StatefulSet's pods with stable names, each
# reached by its DNS name through the headless Service; the DaemonSet's one pod on the node;
# a bare ReplicaSet replacing a deleted pod; `kubectl delete namespace` emptying it. At the end
# nothing is left: no pod, no runc container under the test's runc root, no mount under the data
# dir, no pod cgroup, no pod network namespace, no KUBE- chain nor nftables table after `c8s proxy --cleanup`, and
# (checked from outside) no process left in the network namespace, so it is gone, and no cgroup.
#
# A client pod tells its result by its phase: Succeeded when what it fetched was right (these flows
# predate kubectl exec and logs, which tests/e2e/logs_exec.sh checks). (`timeout 10 wget`, not
# `wget -T`: Debian's busybox-static 1.35 wget crashes with -T.)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer e2e "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 77 || { finish; exit 1; }
NODE=e2e-node
ok

C8S_NODE_ROLES="" start_managed_server "$WORK" --node-name "$NODE" --pod-cidr 10.244.0.0/24 \
  --runc-root "$RUNC_ROOT" --kubepods-cgroup "$CGROUP" --insecure-registry 127.0.0.1:5000 \
  --insecure-registry 127.0.0.1:5001 --resolv-conf "$WORK/resolv.conf" || { fail "server start"; finish; exit 1; }
KC=$SERVER_DATA/admin.kubeconfig
# Services go through the default mode, nftables (nft and nf_tables are there: Debian's
# iptables is iptables-nft), not the fallback to iptables.
check "the proxy programs nftables (the default)" grep -q "proxy: programming nftables" "$SERVER_DATA.log"
k() { kubectl --kubeconfig "$KC" "$@"; }
T=240s # generous: a loaded two-core machine, a sanitizer build

dump() { # what a failed step needs to be understood
  echo "---- kubectl get all -A -o wide" >&2
  k get all -A -o wide >&2 2>&1
  echo "---- pods" >&2
  k get pods -A -o yaml 2>&1 | grep -E '^  (  name|    phase|      (reason|message))' >&2
  echo "---- server log (tail)" >&2
  tail -n 60 "$SERVER_DATA.log" >&2
}
step() { # step "what" command... : a check that dumps the cluster when it fails
  local what=$1; shift
  if "$@" >"$WORK/step.out" 2>&1; then ok; else
    fail "$what"
    cat "$WORK/step.out" >&2
    dump
  fi
}
# probe NAME SCRIPT: a pod (kubectl run) running SCRIPT with sh; passes when it Succeeded. On
# failure its output is shown with kubectl logs.
probe() {
  local name=$1 script=$2 phase="" uid
  k run "$name" --image="$IMAGE" --restart=Never --command -- sh -c "$script" >/dev/null || return 1
  for _ in $(seq 1 ${T%s}); do
    phase=$(k get pod "$name" -o jsonpath='{.status.phase}')
    case "$phase" in Succeeded | Failed) break ;; esac
    sleep 1
  done
  uid=$(k get pod "$name" -o jsonpath='{.metadata.uid}')
  [ "$phase" = Succeeded ] || { echo "pod $name: $phase"; k logs "$name"; }
  k delete pod "$name" --wait=false >/dev/null
  [ "$phase" = Succeeded ]
}

# settled N: exactly N web pods, none of them terminating (rollout status is done once the old
# ReplicaSet is scaled down, while its pods may still be on their way out and in the Service).
settled() {
  for _ in $(seq 1 ${T%s}); do
    [ "$(k get pods -l app=web -o jsonpath='{range .items[?(@.status.phase=="Running")]}{.metadata.deletionTimestamp}{"|"}{end}')" = "$(printf '|%.0s' $(seq 1 "$1"))" ] && return 0
    sleep 1
  done
  k get pods -l app=web
  return 1
}

step "the node is Ready" k wait --for=condition=Ready "node/$NODE" --timeout=$T

# The CronJob first: its schedule is a minute; it is checked near the end.
step "apply cronjob.yaml" k apply -f "$SRC/deploy/examples/cronjob.yaml"

# web.yaml: two replicas Running on the node.
step "apply web.yaml" k apply -f "$SRC/deploy/examples/web.yaml"
step "web rolled out" k rollout status deployment/web --timeout=$T
step "web's pods Ready" k wait --for=condition=Ready pod -l app=web --timeout=$T
check_eq "two web pods" "$(k get pods -l app=web --field-selector=status.phase=Running -o name | wc -l)" 2
# Pods starting together wait for one pull of their image (the kubelet coalesces pulls).
check_eq "the image pulled once" "$(grep -c 'image: pulled 127.0.0.1:5000/examples/busybox:1 ' "$SERVER_DATA.log")" 1
check_eq "on the node" "$(k get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u)" "$NODE"
# What `kubectl describe pod` shows: the scheduler's and the kubelet's events, in upstream's words.
WEB1=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
web_events=$(k get events --field-selector "involvedObject.name=$WEB1" -o jsonpath='{range .items[*]}{.source.component}|{.reason}|{.message}{"\n"}{end}')
check_contains "Scheduled event" "$web_events" "default-scheduler|Scheduled|Successfully assigned default/$WEB1 to $NODE"
check_contains "Created event" "$web_events" "kubelet|Created|Created container httpd"
check_contains "Started event" "$web_events" "kubelet|Started|Started container httpd"
pulled=$(k get events --field-selector reason=Pulled -o jsonpath='{range .items[*]}{.message}{"\n"}{end}')
check_contains "Pulled event" "$pulled" 'Successfully pulled image "127.0.0.1:5000/examples/busybox:1" in '
check_contains "Pulled event's image size" "$pulled" "Image size: "
# imagePullSecrets: a second registry asks for basic credentials. A pod without them gets
# ErrImagePull and then ImagePullBackOff; one naming a `kubectl create secret docker-registry`
# secret runs from the image pulled with it.
python3 -c 'import crypt, sys; print("alice:" + crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
  's3cret' >"$WORK/htpasswd" 2>/dev/null
mkdir -p "$WORK/private"
cat >"$WORK/private.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/private
http:
  addr: 127.0.0.1:5001
auth:
  htpasswd:
    realm: c8s-e2e
    path: $WORK/htpasswd
EOF
docker-registry serve "$WORK/private.yml" >"$WORK/private.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5001/v2/)" = 401 ] && break
  sleep 0.1
done
step "push to the registry with basic auth" bash "$SRC/deploy/examples/build-busybox-image.sh" \
  --push 127.0.0.1:5001 --user alice:s3cret --name private/busybox
PRIVATE=127.0.0.1:5001/private/busybox:1
k run nocred --image="$PRIVATE" --restart=Never -- true >/dev/null
reason=""
for _ in $(seq 1 ${T%s}); do
  reason=$(k get pod nocred -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')
  [ "$reason" = ImagePullBackOff ] && break
  sleep 1
done
check_eq "no credentials: ImagePullBackOff" "$reason" ImagePullBackOff
check_contains "the pull's failure says why" "$(k get events --field-selector involvedObject.name=nocred,reason=Failed -o jsonpath='{.items[*].message}')" "Failed to pull image \"$PRIVATE\""
step "a docker-registry secret" k create secret docker-registry regcred --docker-server=127.0.0.1:5001 \
  --docker-username=alice --docker-password=s3cret
k run withcred --image="$PRIVATE" --restart=Never \
  --overrides='{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}' -- true >/dev/null
step "pulled with the pod's imagePullSecrets" k wait --for=jsonpath='{.status.phase}'=Succeeded pod/withcred --timeout=$T
k delete pod nocred withcred --wait=false >/dev/null

IP=$(k get service web -o jsonpath='{.spec.clusterIP}')
check_contains "web has a ClusterIP" "$IP" "10."

# From a pod: by ClusterIP, then by DNS name, both replicas answering through the Service.
# fetch_all URL N: N fetches; fails unless every answer is a web page and two pods answered.
# Every fetch is made and logged with its time (a failure's log, shown by probe, says whether
# it was the first fetch or one amid answers, and what wget said).
# The node's rules follow the EndpointSlice a moment later (kube-proxy's min-sync-period, as
# upstream), so answers from both pods are waited for first (up to 60 fetches, about a minute
# at most); then all N must come.
fetch_all='u=$1; n=$2; bad=0; : >/tmp/seen; : >/tmp/warm; for w in $(seq 1 60); do
  if timeout 5 wget -q -O- "$u" >>/tmp/warm 2>/tmp/err; then
    [ "$(sort -u /tmp/warm | wc -l)" -ge 2 ] && break; echo "$(date +%T) warming ($w): $(tail -n 1 /tmp/warm)"; sleep 1;
  else echo "$(date +%T) not yet ($w): $(cat /tmp/err)"; sleep 1; fi; done;
  for i in $(seq 1 $n); do
  if timeout 10 wget -q -O- "$u" >/tmp/one 2>/tmp/err; then cat /tmp/one >>/tmp/seen;
    echo "$(date +%T) $i: $(cat /tmp/one)"; else bad=$((bad + 1));
    echo "$(date +%T) $i: FAILED: $(cat /tmp/err)"; fi; done;
  [ "$bad" = 0 ] && [ "$(grep -c "^hello from web-" /tmp/seen)" = "$n" ] &&
  [ "$(sort -u /tmp/seen | wc -l)" -ge 2 ]'
# netdump: the path from a pod to web through the Service, as the node sees it, for a failed
# fetch: what the EndpointSlice says, what the proxy wrote for the ClusterIP, the neighbours,
# and when the pods and the slice changed.
netdump() {
  echo "---- $pre_rules"
  echo "---- $(date +%T) EndpointSlices of web"
  k get endpointslices -l kubernetes.io/service-name=web -o yaml | grep -E \
    '^(  - |    )(addressType|metadata|    (creationTimestamp|resourceVersion|name))|addresses|- 10\.|ready|serving|terminating|nodeName|port'
  echo "---- pods"
  k get pods -o wide
  k get pods -o jsonpath='{range .items[*]}{.metadata.name} created {.metadata.creationTimestamp}{range .status.conditions[*]} {.type}={.status}@{.lastTransitionTime}{end}{"\n"}{end}'
  echo "---- nat rules for $IP and web's chains"
  local chains
  chains=$(iptables-save -t nat | grep -F "default/web" | grep -oE 'KUBE-(SVC|SEP)-[A-Z0-9]+' | sort -u)
  iptables-save -t nat | grep -F -e "$IP" $(printf -- '-e %s ' $chains)
  echo "---- filter rules for $IP"
  iptables-save -t filter | grep -F "$IP"
  echo "---- nftables (the default mode): elements for $IP and default/web's"
  nft list table ip kube-proxy 2>&1 | grep -F -e "$IP" -e "default/web" -e "balance-"
  echo "---- neighbours, routes, bridge"
  ip neigh
  ip route
  ip -br link
  ip -br addr
  echo "---- proxy and kubelet lines of the server log"
  grep -E ' (proxy|kubelet|cni): ' "$SERVER_DATA.log" | tail -n 30
}
failed_before=$FAILED
pre_rules="$(date +%T) before the probe: $(iptables-save -t nat | grep -cF "$IP") nat rules and $(nft list table ip kube-proxy 2>/dev/null | grep -cF "$IP") nftables lines name $IP"
step "a pod reaches web by ClusterIP" probe by-ip "set -- http://$IP/ 30; $fetch_all"
[ "$FAILED" = "$failed_before" ] || netdump >&2
step "a pod reaches web by DNS name" probe by-name \
  "set -- http://web.default.svc.cluster.local/ 30; $fetch_all"
step "short name through the search path" probe by-short "timeout 10 wget -q -O- http://web/ | grep -q '^hello from web-'"

# Scale.
step "scale to 3" k scale deployment/web --replicas=3
step "3 rolled out" k rollout status deployment/web --timeout=$T
check_eq "three pods" "$(k get deployment web -o jsonpath='{.status.readyReplicas}')" 3
step "scale to 1" k scale deployment/web --replicas=1
step "1 rolled out" k rollout status deployment/web --timeout=$T
step "one pod left" settled 1
step "scale back to 2" k scale deployment/web --replicas=2
step "2 rolled out" k rollout status deployment/web --timeout=$T

# A rolling update, then undo; the page says which version answered.
step "set env GREETING=v2" k set env deployment/web GREETING=v2
step "v2 rolled out" k rollout status deployment/web --timeout=$T
step "old pods gone" settled 2
# only VERSION: a probe script that waits (up to 30 s: the rules follow the EndpointSlices a
# moment later) for the Service to answer with VERSION, then wants it from 10 fetches in a row.
only() {
  echo "for w in \$(seq 1 30); do timeout 5 wget -q -O- http://web/ | grep -q ' $1\$' && break; sleep 1; done;
    for i in \$(seq 1 10); do timeout 10 wget -q -O- http://web/ | grep -q ' $1\$' || exit 1; done"
}
step "the Service serves v2 only" probe see-v2 \
  "$(only v2)"
check_eq "two ReplicaSets (old kept for undo)" "$(k get rs -l app=web -o name | wc -l)" 2
step "rollout undo" k rollout undo deployment/web
step "undo rolled out" k rollout status deployment/web --timeout=$T
step "v2 pods gone" settled 2
step "the Service serves v1 again" probe see-v1 \
  "$(only v1)"
check_eq "template back to v1" "$(k get deployment web -o jsonpath='{.spec.template.spec.containers[0].env[0].value}')" v1

# A Job to completion.
step "create job" k create job once --image="$IMAGE" -- sh -c 'echo done; exit 0'
step "job complete" k wait --for=condition=Complete job/once --timeout=$T
check_eq "job succeeded once" "$(k get job once -o jsonpath='{.status.succeeded}')" 1

# StatefulSet: stable names, each reachable by name through the headless Service.
step "apply statefulset.yaml" k apply -f "$SRC/deploy/examples/statefulset.yaml"
step "store rolled out" k rollout status statefulset/store --timeout=$T
check_eq "stable names" "$(k get pods -l app=store -o jsonpath='{range .items[*]}{.metadata.name}{" "}{end}' | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" "store-0 store-1 store-2 "
step "store-1 by its DNS name" probe see-store \
  "timeout 10 wget -q -O- http://store-1.store.default.svc.cluster.local:8080/ | grep -qx 'I am store-1'"
uid0=$(k get pod store-0 -o jsonpath='{.metadata.uid}')
step "delete store-0" k delete pod store-0 --wait=true --timeout=$T
step "store-0 comes back" k wait --for=condition=Ready pod/store-0 --timeout=$T
check "under the same name, a new pod" test "$(k get pod store-0 -o jsonpath='{.metadata.uid}')" != "$uid0"
check_eq "claims provisioned and bound" "$(k get pvc -l app=store -o jsonpath='{range .items[*]}{.status.phase}{" "}{end}')" "Bound Bound Bound "
step "store-0 kept its data (two boots)" probe see-boots \
  "timeout 10 wget -q -O- http://store-0.store.default.svc.cluster.local:8080/boots | wc -l | grep -qx 2"

# DaemonSet: one pod, on the node.
step "apply daemonset.yaml" k apply -f "$SRC/deploy/examples/daemonset.yaml"
step "node-agent rolled out" k rollout status daemonset/node-agent --timeout=$T
check_eq "one daemon pod, on the node" "$(k get pods -l app=node-agent -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}')" "$NODE"

# The CronJob applied at the start has made a Job whose pod ran to completion.
cron_done() {
  for _ in $(seq 1 180); do
    [ -n "$(k get jobs -o jsonpath='{range .items[?(@.metadata.ownerReferences[0].kind=="CronJob")]}{.status.succeeded}{"\n"}{end}' | grep -x 1)" ] && return 0
    sleep 1
  done
  return 1
}
step "the CronJob's Job completed" cron_done
step "suspend the CronJob" k patch cronjob hello --type=merge -p '{"spec":{"suspend":true}}'

# A namespace with a Deployment in it, then deleted: everything in it goes, and it does too.
step "create namespace" k create namespace e2e
step "deployment in it" k -n e2e create deployment inner --image="$IMAGE" --replicas=2 -- sleep 3600
step "its pods Running" k -n e2e rollout status deployment/inner --timeout=$T
# A bare ReplicaSet in it: a deleted pod is replaced.
cat >"$WORK/rs.yaml" <<EOF
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: pair, namespace: e2e}
spec:
  replicas: 2
  selector: {matchLabels: {app: pair}}
  template:
    metadata: {labels: {app: pair}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: "$IMAGE", command: [sleep, "3600"]}]
EOF
rs_ready() { # rs_ready N: the ReplicaSet reports N ready
  for _ in $(seq 1 ${T%s}); do
    [ "$(k -n e2e get rs pair -o jsonpath='{.status.readyReplicas}')" = "$1" ] && return 0
    sleep 1
  done
  return 1
}
step "apply a ReplicaSet" k apply -f "$WORK/rs.yaml"
step "two ready" rs_ready 2
victim=$(k -n e2e get pods -l app=pair -o jsonpath='{.items[0].metadata.name}')
step "delete one of its pods" k -n e2e delete pod "$victim" --wait=true --timeout=$T
step "two ready again" rs_ready 2
check "a new pod took its place" bash -c "! kubectl --kubeconfig $KC -n e2e get pods -l app=pair -o name | grep -qx pod/$victim"
step "delete namespace" k delete namespace e2e --timeout=$T
check_eq "the namespace is gone" "$(k get namespace e2e -o name 2>/dev/null)" ""
check_eq "no pod of it left" "$(k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}{"\n"}{end}' | grep -cx e2e)" 0

# Everything else away; the node is left with nothing.
for f in web statefulset daemonset cronjob; do
  step "delete $f.yaml" k delete -f "$SRC/deploy/examples/$f.yaml" --wait=true --timeout=$T
done
step "delete job" k delete job once --wait=true --timeout=$T
step "delete the store's claims" k delete pvc -l app=store --wait=true --timeout=$T
step "their volumes go too" bash -c "for i in \$(seq 1 30); do [ -z \"\$(kubectl --kubeconfig $KC get pv -o name)\" ] && exit 0; sleep 1; done; exit 1"
step "delete the probes" k delete pods --all --wait=true --timeout=$T
no_pods() {
  for _ in $(seq 1 $((${T%s} / 2))); do
    [ -z "$(k get pods -A -o name)" ] && return 0
    sleep 2
  done
  k get pods -A -o wide
  return 1
}
step "no pod left" no_pods
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no mount under the data dir" "$(grep -c " $SERVER_DATA" /proc/self/mountinfo)" 0
check_eq "no pod cgroup" "$(find /sys/fs/cgroup -type d -path "*$CGROUP/*pod*" 2>/dev/null | wc -l)" 0
check_eq "no pod network namespace" "$(find "$SERVER_DATA/run/netns" -type f 2>/dev/null | wc -l)" 0

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
rc=$?
check_eq "server stopped cleanly (no leaks)" "$rc" 0
[ "$rc" = 0 ] || tail -n 80 "$SERVER_DATA.log" >&2
check "c8s proxy --cleanup" "$C8S_BIN" proxy --cleanup
check_eq "no KUBE chains left" "$(iptables-save | grep -c KUBE-)" 0
check_eq "no nftables table left" "$(nft list tables 2>/dev/null | grep -c kube-proxy)" 0
finish
