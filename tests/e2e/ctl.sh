#!/usr/bin/env bash
# ctl.sh — `c8s ctl` against a real server, and the real kubectl beside it: the same commands
# run by both (each in its own namespace, or on the same object for reads) must print the same
# lines — created / configured / unchanged / labeled / scaled / patched / deleted, -o name,
# -o json / yaml, jsonpath, api-resources, rollout status of the three workload kinds, wait,
# server-side apply (conflicts, force, managers), and kubectl's error line and exit code.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-ctl-XXXXXX)
TMPDIRS+=("$WORK")
# Controllers off: the script sets Deployment status by hand to drive `rollout status`.
start_managed_server "$WORK" --disable-controller-manager || { fail "server start"; finish; exit 1; }
export KUBECONFIG="$SERVER_DATA/admin.kubeconfig"
export HOME="$WORK" # no user kubeconfig or kubectl cache leaks in
CTL=("$C8S_BIN" ctl)
HAVE_KUBECTL=0
command -v kubectl >/dev/null && HAVE_KUBECTL=1
# The server has no OpenAPI documents yet on every branch: create and apply pass
# --validate=false (c8s ctl accepts and ignores it; the server validates).
KUBECTL=(kubectl)
kubectl_ro() { kubectl "$@"; }

cat >"$WORK/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: ns-c}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns-k}
YAML
out=$("${CTL[@]}" create -f "$WORK/ns.yaml" 2>&1)
check_eq "create namespaces" "$out" $'namespace/ns-c created\nnamespace/ns-k created'

mkdir -p "$WORK/m"
cat >"$WORK/m/app.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
      - name: side
        image: busybox
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  labels: {app: web}
data: {a: "1"}
YAML
# The second apply: replicas and one container's image change, a container is added.
sed -e 's/replicas: 2/replicas: 3/' -e 's/image: busybox/image: busybox:1.36/' \
  -e 's/^      - name: web$/      - name: log\n        image: fluentd\n      - name: web/' \
  "$WORK/m/app.yaml" >"$WORK/app2.yaml"

# flow TOOL NS OUTDIR: the mutating commands, stdout and exit code of each kept per step.
flow() {
  local tool=$1 ns=$2 out=$3
  local -a T
  if [ "$tool" = ctl ]; then T=("${CTL[@]}"); else T=("${KUBECTL[@]}"); fi
  mkdir -p "$out"
  step() { local name=$1; shift; "$@" >"$out/$name" 2>"$out/$name.err"; echo "rc=$?" >>"$out/$name"; }
  step apply1 "${T[@]}" -n "$ns" apply --validate=false -f "$WORK/m"
  step apply1b "${T[@]}" -n "$ns" apply --validate=false -f "$WORK/m/app.yaml"
  step apply2 "${T[@]}" -n "$ns" apply --validate=false -f - <"$WORK/app2.yaml"
  step images "${T[@]}" -n "$ns" get deploy web -o \
    'jsonpath={.spec.replicas}{range .spec.template.spec.containers[*]} {.name}={.image}{end}'
  step create_again "${T[@]}" -n "$ns" create --validate=false -f "$WORK/m/app.yaml"
  step label "${T[@]}" -n "$ns" label deploy web tier=front
  step label_no_overwrite "${T[@]}" -n "$ns" label deploy/web tier=back
  step label_overwrite "${T[@]}" -n "$ns" label deploy/web tier=back --overwrite
  step unlabel "${T[@]}" -n "$ns" label deploy web tier-
  step annotate "${T[@]}" -n "$ns" annotate configmap cfg note=hello
  step scale "${T[@]}" -n "$ns" scale deployment web --replicas=4
  step patch_strategic "${T[@]}" -n "$ns" patch deploy web -p '{"spec":{"replicas":5}}'
  step patch_merge "${T[@]}" -n "$ns" patch cm cfg --type merge -p '{"data":{"b":"2"}}'
  step patch_json "${T[@]}" -n "$ns" patch deploy web --type json \
    -p '[{"op":"replace","path":"/spec/replicas","value":1}]'
  step after "${T[@]}" -n "$ns" get deploy,cm -o \
    'jsonpath={range .items[*]}{.kind}/{.metadata.name} {.spec.replicas} {.data.b} {.metadata.annotations.note}{"\n"}{end}'
  step names_l "${T[@]}" -n "$ns" get deploy,configmaps -l app=web -o name
  step missing "${T[@]}" -n "$ns" get pod nope
  step missing_del "${T[@]}" -n "$ns" delete configmap nope
  step delete_f "${T[@]}" -n "$ns" delete -f "$WORK/m/app.yaml"
  step delete_again "${T[@]}" -n "$ns" delete -f "$WORK/m/app.yaml"
}

flow ctl ns-c "$WORK/ctl"
check_eq "ctl apply folder" "$(cat "$WORK/ctl/apply1")" $'deployment.apps/web created\nconfigmap/cfg created\nrc=0'
check_eq "ctl apply unchanged" "$(cat "$WORK/ctl/apply1b")" $'deployment.apps/web unchanged\nconfigmap/cfg unchanged\nrc=0'
check_eq "ctl apply change (stdin)" "$(cat "$WORK/ctl/apply2")" $'deployment.apps/web configured\nconfigmap/cfg unchanged\nrc=0'
check_eq "containers merged by name" "$(cat "$WORK/ctl/images")" \
  $'3 log=fluentd web=nginx side=busybox:1.36rc=0'
check_eq "create again" "$(cat "$WORK/ctl/create_again.err")" \
  $'Error from server (AlreadyExists): error when creating "'"$WORK"$'/m/app.yaml": deployments.apps "web" already exists\nError from server (AlreadyExists): error when creating "'"$WORK"$'/m/app.yaml": configmaps "cfg" already exists'
check_eq "label" "$(cat "$WORK/ctl/label")" $'deployment.apps/web labeled\nrc=0'
check_eq "label refused" "$(cat "$WORK/ctl/label_no_overwrite.err")" \
  "error: 'tier' already has a value (front), and --overwrite is false"
check_eq "unlabel" "$(cat "$WORK/ctl/unlabel")" $'deployment.apps/web unlabeled\nrc=0'
check_eq "annotate" "$(cat "$WORK/ctl/annotate")" $'configmap/cfg annotated\nrc=0'
check_eq "scale" "$(cat "$WORK/ctl/scale")" $'deployment.apps/web scaled\nrc=0'
check_eq "patch json" "$(cat "$WORK/ctl/patch_json")" $'deployment.apps/web patched\nrc=0'
check_eq "after patches" "$(cat "$WORK/ctl/after")" \
  $'Deployment/web 1  \nConfigMap/cfg  2 hello\nrc=0'
check_eq "-l -o name" "$(cat "$WORK/ctl/names_l")" $'deployment.apps/web\nconfigmap/cfg\nrc=0'
check_eq "missing pod" "$(cat "$WORK/ctl/missing.err"; tail -1 "$WORK/ctl/missing")" \
  $'Error from server (NotFound): pods "nope" not found\nrc=1'
check_eq "delete -f" "$(cat "$WORK/ctl/delete_f")" \
  $'deployment.apps "web" deleted\nconfigmap "cfg" deleted\nrc=0'

if [ "$HAVE_KUBECTL" = 1 ]; then
  flow kubectl ns-k "$WORK/kubectl"
  for s in apply1 apply1b apply2 images label label_no_overwrite label_overwrite unlabel annotate \
    scale patch_strategic patch_merge patch_json after names_l missing missing_del delete_f \
    delete_again; do
    check_eq "same stdout as kubectl: $s" "$(cat "$WORK/ctl/$s")" "$(cat "$WORK/kubectl/$s")"
  done
  for s in create_again label_no_overwrite missing missing_del delete_again; do
    check_eq "same error as kubectl: $s" "$(cat "$WORK/ctl/$s.err")" \
      "$(sed "s#ns-k#ns-c#g" "$WORK/kubectl/$s.err")"
  done
fi

# Server-side apply, by both tools: create, an out-of-band change by another manager
# (kubectl-patch), the conflict kubectl words, --force-conflicts, and the managers recorded.
cat >"$WORK/ssa.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: 2
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: main
        image: nginx
YAML
ssa_flow() {
  local tool=$1 ns=$2 out=$3
  local -a T
  if [ "$tool" = ctl ]; then T=("${CTL[@]}"); else T=("${KUBECTL[@]}"); fi
  mkdir -p "$out"
  step() { local name=$1; shift; "$@" >"$out/$name" 2>"$out/$name.err"; echo "rc=$?" >>"$out/$name"; }
  local managers='jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}'
  step ssa_create "${T[@]}" -n "$ns" apply --server-side -f "$WORK/ssa.yaml"
  step ssa_managers1 "${T[@]}" -n "$ns" get deploy ssa -o "$managers"
  step ssa_patch "${T[@]}" -n "$ns" patch deploy ssa -p '{"spec":{"replicas":3}}'
  step ssa_managers2 "${T[@]}" -n "$ns" get deploy ssa -o "$managers"
  step ssa_conflict "${T[@]}" -n "$ns" apply --server-side -f "$WORK/ssa.yaml"
  step ssa_force "${T[@]}" -n "$ns" apply --server-side --force-conflicts -f "$WORK/ssa.yaml"
  step ssa_managers3 "${T[@]}" -n "$ns" get deploy ssa -o "$managers"
  step ssa_replicas "${T[@]}" -n "$ns" get deploy ssa -o 'jsonpath={.spec.replicas}'
  step ssa_label "${T[@]}" -n "$ns" label deploy ssa owner=me
  step ssa_managers4 "${T[@]}" -n "$ns" get deploy ssa -o "$managers"
  step ssa_yaml "${T[@]}" -n "$ns" get deploy ssa -o yaml
  step ssa_yaml_mf "${T[@]}" -n "$ns" get deploy ssa -o yaml --show-managed-fields
  step ssa_delete "${T[@]}" -n "$ns" delete deploy ssa
}
ssa_flow ctl ns-c "$WORK/ctl"
check_eq "ctl apply --server-side" "$(cat "$WORK/ctl/ssa_create")" \
  $'deployment.apps/ssa serverside-applied\nrc=0'
check_eq "ctl ssa managers" "$(cat "$WORK/ctl/ssa_managers1")" $'kubectl/Apply rc=0'
check_eq "ctl ssa managers after patch" "$(cat "$WORK/ctl/ssa_managers2")" \
  $'kubectl/Apply kubectl-patch/Update rc=0'
check_eq "ctl ssa conflict exit code" "$(tail -1 "$WORK/ctl/ssa_conflict")" "rc=1"
check_contains "ctl ssa conflict" "$(cat "$WORK/ctl/ssa_conflict.err")" \
  $'error: Apply failed with 1 conflict: conflict with "kubectl-patch" using apps/v1: .spec.replicas\nPlease review the fields above'
check_eq "ctl ssa force" "$(cat "$WORK/ctl/ssa_force")" $'deployment.apps/ssa serverside-applied\nrc=0'
check_eq "ctl ssa force took the field" "$(cat "$WORK/ctl/ssa_managers3")" $'kubectl/Apply rc=0'
check_eq "ctl ssa replicas" "$(cat "$WORK/ctl/ssa_replicas")" $'2rc=0'
check_eq "ctl ssa label manager" "$(cat "$WORK/ctl/ssa_managers4")" \
  $'kubectl/Apply kubectl-label/Update rc=0'
check_eq "ctl -o yaml hides managedFields" "$(grep -c managedFields "$WORK/ctl/ssa_yaml")" 0
check_contains "ctl --show-managed-fields" "$(cat "$WORK/ctl/ssa_yaml_mf")" "    manager: kubectl-label"
if [ "$HAVE_KUBECTL" = 1 ]; then
  ssa_flow kubectl ns-k "$WORK/kubectl"
  for s in ssa_create ssa_managers1 ssa_patch ssa_managers2 ssa_conflict ssa_force ssa_managers3 \
    ssa_replicas ssa_label ssa_managers4 ssa_delete; do
    check_eq "same stdout as kubectl: $s" "$(cat "$WORK/ctl/$s")" "$(cat "$WORK/kubectl/$s")"
  done
  check_eq "same error as kubectl: ssa_conflict" "$(cat "$WORK/ctl/ssa_conflict.err")" \
    "$(cat "$WORK/kubectl/ssa_conflict.err")"
  check_eq "kubectl -o yaml hides managedFields too" "$(grep -c managedFields "$WORK/kubectl/ssa_yaml")" 0
fi

# Validation errors as kubectl words them: one line per cause.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: BAD_name}\nspec: {containers: [{name: c}]}\n' \
  >"$WORK/bad.yaml"
out=$("${CTL[@]}" create -f "$WORK/bad.yaml" 2>&1)
check_eq "invalid exit code" "$?" 1
check_contains "invalid" "$out" $'The Pod "BAD_name" is invalid: \n* metadata.name: Invalid value: "BAD_name"'
check_contains "invalid second cause" "$out" $'\n* spec.containers[0].image: Required value'
if [ "$HAVE_KUBECTL" = 1 ]; then
  check_eq "invalid as kubectl" "$out" "$(kubectl create --validate=false -f "$WORK/bad.yaml" 2>&1)"
fi

# Reads of the same objects by both tools print the same.
"${CTL[@]}" apply -f "$WORK/m/app.yaml" >/dev/null
for args in "get deploy web -o yaml" "get deploy web -o json" "get cm cfg -o yaml" \
  "get deploy,cm -o name" "get cm -A -o name" "get cm cfg -o jsonpath={.data}" \
  "get deployments -o jsonpath={.items[*].metadata.name}" "api-resources" \
  "api-resources -o name" "get configmaps -l app=none" "get svc -A -o name"; do
  # shellcheck disable=SC2086
  got=$("${CTL[@]}" $args 2>&1)
  check "ctl $args" test -n "$got"
  if [ "$HAVE_KUBECTL" = 1 ]; then
    # shellcheck disable=SC2086
    want=$(kubectl_ro $args 2>&1)
    check_eq "same as kubectl: $args" "$got" "$want"
  fi
done

# Tables (server-side, or NAME/AGE when the server sends plain lists): the same as kubectl's
# once ages and the spaces around them are set aside.
norm() { sed -E 's/\b[0-9]+[smhdy]([0-9]+[smhd])?\b/AGE/g; s/ +/ /g'; }
if [ "$HAVE_KUBECTL" = 1 ]; then
  for args in "get deploy" "get deploy -o wide" "get cm -A" "get all" "get ns" "get deploy web" \
    "get svc -o wide" "get ns --show-labels" "get cm --no-headers"; do
    # shellcheck disable=SC2086
    check_eq "same table as kubectl: $args" "$("${CTL[@]}" $args 2>&1 | norm)" \
      "$(kubectl_ro $args 2>&1 | norm)"
  done
fi

# Tables: kubectl's header and columns, NAMESPACE first with -A.
out=$("${CTL[@]}" get deploy)
check_contains "table header" "$out" "NAME   "
check_contains "table row" "$out" "web"
out=$("${CTL[@]}" get cm -A)
check_contains "-A adds NAMESPACE" "$(head -1 <<<"$out")" "NAMESPACE   NAME"
out=$("${CTL[@]}" get deploy -o wide)
check_contains "-o wide" "$out" "web"
out=$("${CTL[@]}" get cm/cfg deploy/web -o name)
check_eq "type/name pairs" "$out" $'configmap/cfg\ndeployment.apps/web'
out=$("${CTL[@]}" get configmap cfg cfg -o name)
check_eq "type name name" "$out" $'configmap/cfg\nconfigmap/cfg'
out=$("${CTL[@]}" get ns --sort-by=.metadata.name -o name)
check_eq "--sort-by" "$out" "$(printf 'namespace/%s\n' default kube-node-lease kube-public kube-system ns-c ns-k)"
out=$("${CTL[@]}" get ns --sort-by='{.metadata.name}' --no-headers | awk '{print $1}' | head -2)
check_eq "--sort-by table" "$out" $'default\nkube-node-lease'
out=$("${CTL[@]}" get no-such-type 2>&1)
check_eq "unknown type" "$out" 'error: the server doesn'"'"'t have a resource type "no-such-type"'

# describe: the object and its events.
"${CTL[@]}" create -f - >/dev/null <<YAML
apiVersion: v1
kind: Event
metadata: {name: web-ev1}
involvedObject: {kind: Deployment, name: web, namespace: default, apiVersion: apps/v1, uid: "$("${CTL[@]}" get deploy web -o jsonpath='{.metadata.uid}')"}
reason: ScalingReplicaSet
message: Scaled up replica set web-abc to 2
type: Normal
source: {component: deployment-controller}
YAML
out=$("${CTL[@]}" describe deployment web)
check_contains "describe name" "$out" "Name:         web"
check_contains "describe labels" "$out" "Labels:       app=web"
check_contains "describe spec" "$out" "Replicas:  2"
check_contains "describe events" "$out" "ScalingReplicaSet"
check_contains "describe event source" "$out" "deployment-controller"

# describe job: kubectl's JobDescriber lines, the same as kubectl prints them (status set by hand).
"${CTL[@]}" create -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: batch, labels: {team: a}}
spec:
  completions: 3
  parallelism: 2
  completionMode: Indexed
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
YAML
curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
  -d '{"status":{"startTime":"2026-01-02T03:04:05Z","completionTime":"2026-01-02T03:06:10Z","succeeded":3,"ready":0,"active":0,"completedIndexes":"0-2"}}' \
  "$SERVER_URL/apis/batch/v1/namespaces/default/jobs/batch/status"
out=$("${CTL[@]}" describe job batch)
check_contains "describe job statuses" "$out" "Pods Statuses:            0 Active (0 Ready) / 3 Succeeded / 0 Failed"
check_contains "describe job indexes" "$out" "Completed Indexes:        0-2"
check_contains "describe job duration" "$out" "Duration:                 2m5s"
check_contains "describe job template" "$out" "Pod Template:"
if [ "$HAVE_KUBECTL" = 1 ]; then
  want=$(kubectl_ro describe job batch | sed '/^Pod Template:/q')
  check_eq "describe job as kubectl" "$(printf '%s\n' "$out" | sed '/^Pod Template:/q')" "$want"
fi

out=$("${CTL[@]}" version)
check_contains "version client" "$out" "Client Version: v1."
check_contains "version server" "$out" "Server Version: v1."

# get -w: the table, then a row per event, aligned with it.
"${CTL[@]}" get cm -w >"$WORK/watch.out" 2>&1 &
WPID=$!
PIDS+=("$WPID")
sleep 1
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n' | "${CTL[@]}" create -f - >/dev/null
for _ in $(seq 1 50); do grep -q watched "$WORK/watch.out" && break; sleep 0.1; done
kill -TERM "$WPID" 2>/dev/null
wait "$WPID" 2>/dev/null
check_contains "watch shows the table" "$(cat "$WORK/watch.out")" "cfg"
check_contains "watch shows the new row" "$(cat "$WORK/watch.out")" "watched"

# delete -l, rollout pause/resume, completion, not-yet verbs.
out=$("${CTL[@]}" rollout pause deployment/web)
check_eq "rollout pause" "$out" "deployment.apps/web paused"
out=$("${CTL[@]}" rollout resume deployment/web)
check_eq "rollout resume" "$out" "deployment.apps/web resumed"
out=$("${CTL[@]}" delete configmap -l app=web)
check_eq "delete -l" "$out" 'configmap "cfg" deleted'
out=$("${CTL[@]}" completion bash)
check_contains "completion" "$out" "complete -F _c8s_ctl"
"${CTL[@]}" logs x >/dev/null 2>&1
check_eq "logs not yet" "$?" 1

# Nodes: cordon, uncordon and taint print as kubectl's; drain evicts all but DaemonSet pods.
"${CTL[@]}" create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
YAML
nodes_flow() { # TOOL NODE
  local -a T
  if [ "$1" = ctl ]; then T=("${CTL[@]}"); else T=(kubectl); fi
  "${T[@]}" cordon "$2"; "${T[@]}" cordon "$2"; "${T[@]}" uncordon "$2"
  "${T[@]}" taint nodes "$2" dedicated=gpu:NoSchedule
  "${T[@]}" taint nodes "$2" dedicated=gpu:NoSchedule 2>&1
  "${T[@]}" taint nodes "$2" dedicated:NoSchedule-
  "${T[@]}" get node "$2" -o 'jsonpath={.spec}'
}
got=$(nodes_flow ctl n1 2>&1)
check_eq "nodes" "$got" $'node/n1 cordoned
node/n1 already cordoned
node/n1 uncordoned
node/n1 tainted
error: node n1 already has dedicated taint(s) with same effect(s) and --overwrite is false
node/n1 untainted
{}'
if [ "$HAVE_KUBECTL" = 1 ]; then
  check_eq "nodes as kubectl" "$got" "$(nodes_flow kubectl n2 2>&1 | sed 's/n2/n1/g')"
fi
pod_on() { # NAME NODE OWNER-KIND|""
  local owner="[]"
  [ -n "$3" ] && owner="[{apiVersion: apps/v1, kind: $3, name: o, uid: 1$(printf %07d $RANDOM)-0000-0000-0000-000000000000, controller: true}]"
  printf 'apiVersion: v1
kind: Pod
metadata: {name: %s, ownerReferences: %s}
spec: {nodeName: %s, containers: [{name: c, image: busybox}]}
' "$1" "$owner" "$2"
}
{ pod_on ds1 n1 DaemonSet; echo ---; pod_on bare1 n1 ""; } | "${CTL[@]}" create -f - >/dev/null
out=$("${CTL[@]}" drain n1 2>&1)
check_eq "drain refuses" "$?" 1
check_contains "drain names DaemonSet pods" "$out" "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds1"
check_contains "drain names bare pods" "$out" "cannot delete Pods that declare no controller (use --force to override): default/bare1"
out=$("${CTL[@]}" drain n1 --ignore-daemonsets --force 2>/dev/null)
check_eq "drain" "$out" $'node/n1 already cordoned\nevicting pod default/bare1\npod/bare1 evicted\nnode/n1 drained'

# edit: $EDITOR changes the YAML, the object is updated; an untouched file changes nothing.
"${CTL[@]}" apply -f "$WORK/m/app.yaml" >/dev/null
out=$(EDITOR="sed -i -e 's/^  a: .*/  a: edited/'" "${CTL[@]}" edit configmap cfg)
check_eq "edit" "$out" "configmap/cfg edited"
check_eq "edit applied" "$("${CTL[@]}" get cm cfg -o 'jsonpath={.data.a}')" "edited"
out=$(EDITOR=true "${CTL[@]}" edit configmap cfg 2>&1)
check_eq "edit unchanged" "$out" "Edit cancelled, no changes made."

# rollout status: kubectl's messages from the Deployment's status (set here by hand: the
# deployment controller is another issue's).
setstatus() { # OBSERVED UPDATED AVAILABLE
  curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d "{\"status\":{\"observedGeneration\":$1,\"replicas\":2,\"updatedReplicas\":$2,\"availableReplicas\":$3}}" \
    "$SERVER_URL/apis/apps/v1/namespaces/default/deployments/web/status"
}
gen=$("${CTL[@]}" get deploy web -o 'jsonpath={.metadata.generation}')
setstatus "$gen" 2 1
out=$("${CTL[@]}" rollout status deployment/web --timeout=1s 2>&1)
check_eq "rollout status waiting" "$out" $'Waiting for deployment "web" rollout to finish: 1 of 2 updated replicas are available...\nerror: timed out waiting for the condition'
if [ "$HAVE_KUBECTL" = 1 ]; then
  check_eq "rollout status as kubectl" "$out" "$(kubectl rollout status deployment/web --timeout=1s 2>&1)"
fi
setstatus "$gen" 2 2
out=$("${CTL[@]}" rollout status deploy web --timeout=60s 2>&1)
check_eq "rollout status done" "$out" 'deployment "web" successfully rolled out'

# rollout status of a DaemonSet and a StatefulSet: kubectl's words, status set by hand.
cat >"$WORK/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox}]}
YAML
"${CTL[@]}" create -f "$WORK/ds.yaml" >/dev/null
substatus() { # RESOURCE NAME JSON
  curl -sf -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d "{\"status\":$3}" "$SERVER_URL/apis/apps/v1/namespaces/default/$1/$2/status"
}
substatus daemonsets agent '{"observedGeneration":1,"desiredNumberScheduled":3,"currentNumberScheduled":3,"numberMisscheduled":0,"numberReady":1,"updatedNumberScheduled":3,"numberAvailable":1}'
substatus statefulsets db '{"observedGeneration":1,"replicas":3,"readyReplicas":1,"updatedReplicas":1,"currentRevision":"db-1","updateRevision":"db-2"}'
for target in daemonset/agent statefulset/db; do
  out=$("${CTL[@]}" rollout status "$target" --timeout=1s 2>&1)
  case $target in
    daemonset/*) want=$'Waiting for daemon set "agent" rollout to finish: 1 of 3 updated pods are available...\nerror: timed out waiting for the condition' ;;
    *) want=$'Waiting for 2 pods to be ready...\nerror: timed out waiting for the condition' ;;
  esac
  check_eq "rollout status $target waiting" "$out" "$want"
  if [ "$HAVE_KUBECTL" = 1 ]; then
    check_eq "rollout status $target as kubectl" "$out" "$(kubectl rollout status "$target" --timeout=1s 2>&1)"
  fi
done
substatus daemonsets agent '{"numberReady":3,"numberAvailable":3}'
substatus statefulsets db '{"readyReplicas":3,"updatedReplicas":3,"currentReplicas":3,"currentRevision":"db-2"}'
check_eq "daemon set rolled out" "$("${CTL[@]}" rollout status ds agent 2>&1)" 'daemon set "agent" successfully rolled out'
# The API defaults rollingUpdate.partition to 0, so kubectl speaks of a partitioned roll out.
check_eq "stateful set rolled out" "$("${CTL[@]}" rollout status sts/db 2>&1)" 'partitioned roll out complete: 3 new pods have been updated...'
if [ "$HAVE_KUBECTL" = 1 ]; then
  check_eq "stateful set as kubectl" "$(kubectl rollout status sts/db 2>&1)" 'partitioned roll out complete: 3 new pods have been updated...'
fi

# wait: kubectl's results and exit codes; c8s ctl also says on stderr what it waits for.
for tool in ctl kubectl; do
  [ $tool = kubectl ] && [ "$HAVE_KUBECTL" = 0 ] && continue
  if [ $tool = ctl ]; then W=("${CTL[@]}"); else W=(kubectl); fi
  check_eq "$tool wait jsonpath met" "$("${W[@]}" wait --for=jsonpath='{.status.numberReady}'=3 ds/agent 2>/dev/null)" "daemonset.apps/agent condition met"
  out=$("${W[@]}" wait --for=condition=Available deploy/web --timeout=1s 2>/dev/null)
  rc=$?
  check_eq "$tool wait condition timeout" "$out:$rc" ":1"
  check_eq "$tool wait for a missing object to go" "$("${W[@]}" wait --for=delete configmap/nope --timeout=1s 2>&1; echo "rc=$?")" "rc=0"
  check_eq "$tool wait on nothing" "$("${W[@]}" wait --for=condition=Ready pod -l app=none --timeout=1s 2>&1; echo "rc=$?")" $'error: no matching resources found\nrc=1'
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone-%s}\n' "$tool" | "${CTL[@]}" create -f - >/dev/null
  (sleep 1; "${CTL[@]}" delete configmap "gone-$tool" >/dev/null) &
  deleter=$!
  check_eq "$tool wait for delete" "$("${W[@]}" wait --for=delete "configmap/gone-$tool" --timeout=20s 2>/dev/null)" "configmap/gone-$tool condition met"
  wait "$deleter"
done
err=$("${CTL[@]}" wait --for=condition=Available deploy/web --timeout=1s 2>&1 >/dev/null)
check_contains "ctl wait shows what it waits for" "$err" "waiting for deployment.apps/web: "
check_contains "and times out as kubectl" "$err" "error: timed out waiting for the condition on deployments/web"

# argv[0] c8sctl, and an unreachable server as kubectl words it.
ln -s "$C8S_BIN" "$WORK/c8sctl"
out=$("$WORK/c8sctl" get deploy web -o name)
check_eq "argv[0] c8sctl" "$out" "deployment.apps/web"
out=$("${CTL[@]}" --server http://127.0.0.1:1 get pods 2>&1)
rc=$?
check_eq "unreachable server" "$out" \
  "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?"
check_eq "unreachable exit code" "$rc" 1

finish
