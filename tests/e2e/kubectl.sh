#!/usr/bin/env bash
# kubectl.sh — the real kubectl (1.32 and 1.33) against a c8s server, the way a user drives it:
# namespaces, a Deployment and a Service from YAML, apply twice, get in every output form (the
# server-side printed tables that `get` and `get -o wide` show, a watch), label, annotate, scale,
# the three patch types, server-side apply (conflicts, force, managedFields), delete,
# api-resources, `get all`, and the typed `create` subcommands
# (configmap, secret generic, deployment, service clusterip, job, serviceaccount, namespace) whose
# bodies kubectl sends as protobuf. Column headers are compared with
# what upstream kubectl prints against kube-apiserver.
#
# Steps that fail because c8s lacks a larger piece are marked KNOWN GAP: they assert today's
# failure exactly, so the test fails (and asks to be updated) once the gap is closed.
source "$(dirname "$0")/../support/lib.sh"

# kubectl validates against the served OpenAPI documents (strict by default): no flag needed.
VALIDATE=

KDIR=$(dirname "$(readlink -f "$(command -v kubectl)")")
KUBECTLS=()
if [ -x "$KDIR/kubectl.1.32" ]; then
  KUBECTLS+=("1.32:$KDIR/kubectl.1.32")
elif command -v kubectl >/dev/null; then
  KUBECTLS+=("1.32:$(command -v kubectl)")
else
  echo "SKIP: kubectl 1.32 not installed"
fi
if [ -x "$KDIR/kubectl.1.33" ]; then
  KUBECTLS+=("1.33:$KDIR/kubectl.1.33")
else
  echo "SKIP: kubectl 1.33 not found in $KDIR"
fi
if [ ${#KUBECTLS[@]} -eq 0 ]; then
  echo "no kubectl at all"
  exit 1
fi

WORK=$(mktemp -d /tmp/c8s-test-kubectl-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" || { fail "server start"; finish; exit 1; }
KC="$SERVER_DATA/admin.kubeconfig"

# Headers of a kubectl table with runs of spaces squeezed: "NAME READY UP-TO-DATE …".
squeeze() { tr -s ' ' <<<"$1"; }
first_line() { head -n1 <<<"$1"; }

# known_gap "what" "expected error text" command... : the command must fail with that text.
known_gap() {
  local what=$1 want=$2 out rc=0
  shift 2
  out=$("$@" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then
    fail "known gap closed, update the test: $what (output: ${out:0:200})"
  else
    case "$out" in
      *"$want"*) ok; echo "KNOWN GAP: $what: ${out:0:200}" ;;
      *) fail "known gap $what failed differently: ${out:0:400}" ;;
    esac
  fi
}

# deployment_yaml NAMESPACE SIDE_IMAGE: two containers, "web" and "side".
deployment_yaml() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $1
  labels:
    app: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: busybox
        command: ["sleep", "3600"]
        ports:
        - containerPort: 80
      - name: side
        image: $2
        command: ["sleep", "3600"]
YAML
}

# ssa_yaml NAMESPACE REPLICAS IMAGE: the Deployment server-side apply drives.
ssa_yaml() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  namespace: $1
spec:
  replicas: $2
  selector:
    matchLabels:
      app: ssa
  template:
    metadata:
      labels:
        app: ssa
    spec:
      containers:
      - name: main
        image: $3
        command: ["sleep", "3600"]
YAML
}

# Server-side apply: create, update, a conflict with kubectl scale's manager refused as upstream
# words it, --force-conflicts taking the field, and the managedFields kubectl shows on request.
ssa_checks() {
  local ver=$1 ns=$2 out rc
  # kubectl scale sends no fieldManager: the server names it by its User-Agent, whose first
  # segment is the binary's name.
  local agent
  agent=$(basename "$3")
  ssa_yaml "$ns" 2 busybox >"$WORK/ssa-$ver.yaml"
  out=$("${K[@]}" apply --server-side -f "$WORK/ssa-$ver.yaml" 2>&1)
  check_eq "$ver apply --server-side creates" "$out" "deployment.apps/ssa serverside-applied"
  # kubectl hides managedFields from -o json/yaml unless asked.
  out=$("${KN[@]}" get deployment ssa -o json --show-managed-fields 2>&1)
  check_eq "$ver server-side apply recorded its manager" \
    "$(jq -c '[.metadata.managedFields[] | select(.operation == "Apply") | {manager, operation, fieldsType}]' <<<"$out")" \
    '[{"manager":"kubectl","operation":"Apply","fieldsType":"FieldsV1"}]'
  check_eq "$ver server-side apply owns the container by name" \
    "$(jq -c '.metadata.managedFields[0].fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"main\"}"] | keys' <<<"$out")" \
    '[".","f:command","f:image","f:name"]'
  check_eq "$ver no last-applied annotation" \
    "$(jq -r '.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] // "none"' <<<"$out")" none

  ssa_yaml "$ns" 2 busybox:1.37 >"$WORK/ssa2-$ver.yaml"
  out=$("${K[@]}" apply --server-side -f "$WORK/ssa2-$ver.yaml" --dry-run=server 2>&1)
  check_eq "$ver apply --server-side --dry-run=server" "$out" \
    "deployment.apps/ssa serverside-applied (server dry run)"
  check_eq "$ver dry run changed nothing" \
    "$("${KN[@]}" get deployment ssa -o jsonpath='{.spec.template.spec.containers[0].image}')" busybox
  out=$("${K[@]}" apply --server-side -f "$WORK/ssa2-$ver.yaml" 2>&1)
  check_eq "$ver apply --server-side updates" "$out" "deployment.apps/ssa serverside-applied"
  check_eq "$ver server-side update landed" \
    "$("${KN[@]}" get deployment ssa -o jsonpath='{.spec.template.spec.containers[0].image}')" busybox:1.37

  out=$("${KN[@]}" scale deployment ssa --replicas=4 2>&1)
  check_eq "$ver scale a server-side applied deployment" "$out" "deployment.apps/ssa scaled"
  rc=0
  out=$("${K[@]}" apply --server-side -f "$WORK/ssa2-$ver.yaml" 2>&1) || rc=$?
  check_eq "$ver conflicting apply exits 1" "$rc" 1
  check_contains "$ver conflict names the manager and field" "$out" \
    'Apply failed with 1 conflict: conflict with "'"$agent"'" with subresource "scale" using apps/v1: .spec.replicas'
  check_contains "$ver conflict advice" "$out" "--force-conflicts"
  check_eq "$ver conflict left the scale" \
    "$("${KN[@]}" get deployment ssa -o jsonpath='{.spec.replicas}')" 4
  out=$("${KN[@]}" get deployment ssa -o json --show-managed-fields 2>&1)
  check_eq "$ver the scaler owns replicas" \
    "$(jq -c '[.metadata.managedFields[] | select(.subresource == "scale") | [.manager, .operation, (.fieldsV1 | tostring)]]' <<<"$out")" \
    '[["'"$agent"'","Update","{\"f:spec\":{\"f:replicas\":{}}}"]]'
  out=$("${K[@]}" apply --server-side --force-conflicts -f "$WORK/ssa2-$ver.yaml" 2>&1)
  check_eq "$ver apply --force-conflicts" "$out" "deployment.apps/ssa serverside-applied"
  check_eq "$ver forced apply took replicas" \
    "$("${KN[@]}" get deployment ssa -o jsonpath='{.spec.replicas}')" 2

  out=$("${KN[@]}" get deployment ssa -o yaml 2>&1)
  case "$out" in
    *managedFields*) fail "$ver get -o yaml shows managedFields without --show-managed-fields" ;;
    *) ok ;;
  esac
  out=$("${KN[@]}" get deployment ssa -o yaml --show-managed-fields 2>&1)
  check_contains "$ver --show-managed-fields" "$out" "managedFields:"
  check_contains "$ver managedFields manager" "$out" "manager: kubectl"
  check_contains "$ver managedFields operation" "$out" "operation: Apply"
  check_contains "$ver managedFields fieldsV1" "$out" "f:replicas: {}"
  check_eq "$ver forced apply left the scaler nothing" "$(grep -c 'subresource: scale' <<<"$out")" 0
  # Client-side writes are recorded as Update operations under kubectl's manager names.
  out=$("${KN[@]}" get deployment web -o json --show-managed-fields 2>&1)
  check_contains "$ver client-side apply's manager" \
    "$(jq -c '[.metadata.managedFields[] | [.manager, .operation]]' <<<"$out")" \
    '["kubectl-client-side-apply","Update"]'
  "${KN[@]}" delete deployment ssa >/dev/null 2>&1

  # From client-side to server-side apply: kubectl rewrites the managedFields (a JSON patch of
  # metadata.managedFields, which the server takes as the new entries) so that its server-side
  # manager owns what the client-side one did.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mig\n  namespace: %s\ndata:\n  a: "1"\n' \
    "$ns" >"$WORK/mig-$ver.yaml"
  out=$("${K[@]}" apply -f "$WORK/mig-$ver.yaml" 2>&1)
  check_eq "$ver client-side apply before migrating" "$out" "configmap/mig created"
  out=$("${K[@]}" apply --server-side -f "$WORK/mig-$ver.yaml" 2>&1)
  check_eq "$ver server-side apply after client-side" "$out" "configmap/mig serverside-applied"
  out=$("${KN[@]}" get configmap mig -o json --show-managed-fields 2>&1)
  check_eq "$ver migrated managers" \
    "$(jq -c '[.metadata.managedFields[] | [.manager, .operation, (.fieldsV1 | tostring)]] | sort' <<<"$out")" \
    '[["kubectl","Apply","{\"f:data\":{\"f:a\":{}}}"],["kubectl-last-applied","Apply","{\"f:metadata\":{\"f:annotations\":{\"f:kubectl.kubernetes.io/last-applied-configuration\":{}}}}"]]'
  "${KN[@]}" delete configmap mig >/dev/null 2>&1
}

run_version() {
  local ver=$1 bin=$2
  local ns="e2e-${ver//./-}"
  K=("$bin" --kubeconfig "$KC")
  KN=("${K[@]}" -n "$ns")
  echo "--- kubectl $ver: $("$bin" version --client 2>/dev/null | head -n1)"

  # A namespace, from YAML (`kubectl create namespace` is a known gap below).
  local out
  out=$(printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns" |
    "${K[@]}" create $VALIDATE -f - 2>&1)
  check_eq "$ver create namespace from YAML" "$out" "namespace/$ns created"

  deployment_yaml "$ns" busybox >"$WORK/dep-$ver.yaml"
  cat >"$WORK/svc-$ver.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: $ns
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
YAML
  out=$("${K[@]}" apply $VALIDATE -f "$WORK/dep-$ver.yaml" 2>&1)
  check_eq "$ver apply deployment" "$out" "deployment.apps/web created"
  out=$("${K[@]}" create $VALIDATE -f "$WORK/svc-$ver.yaml" 2>&1)
  check_eq "$ver create service" "$out" "service/web created"

  # A strategic merge patch: the env lands in container "web", merged by name.
  out=$("${KN[@]}" patch deployment web --type=strategic \
    -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"MODE","value":"x"}]}]}}}}' 2>&1)
  check_eq "$ver patch --type=strategic" "$out" "deployment.apps/web patched"

  # The second apply changes one container: the patch kubectl sends is merged by name, so the
  # other container (and the env set out of band) stays.
  deployment_yaml "$ns" busybox:1.37 >"$WORK/dep2-$ver.yaml"
  out=$("${K[@]}" apply $VALIDATE -f "$WORK/dep2-$ver.yaml" 2>&1)
  check_eq "$ver second apply" "$out" "deployment.apps/web configured"
  out=$("${KN[@]}" get deployment web -o json 2>&1)
  check_eq "$ver apply merged containers by name" \
    "$(jq -c '[.spec.template.spec.containers[] | {name, image, env}]' <<<"$out")" \
    '[{"name":"web","image":"busybox","env":[{"name":"MODE","value":"x"}]},{"name":"side","image":"busybox:1.37","env":null}]'
  check_contains "$ver last-applied annotation" \
    "$(jq -r '.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]' <<<"$out")" \
    'busybox:1.37'
  out=$("${K[@]}" apply $VALIDATE -f "$WORK/dep2-$ver.yaml" 2>&1)
  check_eq "$ver apply again, unchanged" "$out" "deployment.apps/web unchanged"

  out=$("${KN[@]}" get deployment web -o yaml 2>&1)
  check_contains "$ver get -o yaml kind" "$out" "kind: Deployment"
  check_contains "$ver get -o yaml name" "$out" "  name: web"
  check_contains "$ver get -o yaml containers" "$out" "- command:"

  # Server-side printing: the columns upstream prints.
  out=$("${KN[@]}" get deployments 2>&1)
  check_eq "$ver get deployments headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE"
  check_contains "$ver get deployments row" "$(squeeze "$out")" "web 0/1 "
  out=$("${KN[@]}" get deployments -o wide 2>&1)
  check_eq "$ver get deployments -o wide headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR"
  check_contains "$ver get deployments -o wide row" "$(squeeze "$out")" \
    " web,side busybox,busybox:1.37 app=web"
  # Columns kubectl adds itself from each row's object (PartialObjectMetadata by default;
  # --sort-by asks for includeObject=Object).
  out=$("${KN[@]}" get deployments --show-labels 2>&1)
  check_eq "$ver get --show-labels headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE LABELS"
  check_contains "$ver get --show-labels row" "$out" "app=web"
  out=$("${KN[@]}" get deployments -L app 2>&1)
  check_eq "$ver get -L headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE APP"
  out=$("${KN[@]}" get deployments --sort-by=.spec.replicas -o wide 2>&1)
  check_eq "$ver get --sort-by headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR"
  check_contains "$ver get --sort-by row" "$(squeeze "$out")" "web 0/1 "
  out=$("${KN[@]}" get services -o wide 2>&1)
  check_eq "$ver get services -o wide headers" "$(squeeze "$(first_line "$out")")" \
    "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR"
  check_contains "$ver get services -o wide row" "$(squeeze "$out")" "web ClusterIP 10."
  check_contains "$ver get services -o wide ports" "$(squeeze "$out")" " <none> 80/TCP "
  out=$("${K[@]}" get namespace "$ns" 2>&1)
  check_eq "$ver get namespace headers" "$(squeeze "$(first_line "$out")")" "NAME STATUS AGE"
  check_contains "$ver get namespace row" "$(squeeze "$out")" "$ns Active "
  out=$("${KN[@]}" get serviceaccounts 2>&1)
  check_eq "$ver get serviceaccounts headers" "$(squeeze "$(first_line "$out")")" \
    "NAME SECRETS AGE"
  # kubectl run sends JSON. (No node runs it here.)
  out=$("${KN[@]}" run pod1 --image=busybox --restart=Never 2>&1)
  check_eq "$ver run" "$out" "pod/pod1 created"
  out=$("${KN[@]}" get pods 2>&1)
  check_eq "$ver get pods headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY STATUS RESTARTS AGE"
  check_contains "$ver get pods row" "$(squeeze "$out")" "pod1 0/1 "
  out=$("${KN[@]}" get pods -o wide 2>&1)
  check_eq "$ver get pods -o wide headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES"
  check_contains "$ver get pods -o wide row" "$(squeeze "$out")" " <none> <none> <none> <none>"
  # LimitRange has no printer upstream: the default table, Name and Created At.
  printf 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: lr\nspec:\n  limits:\n  - type: Container\n    default:\n      cpu: 100m\n' |
    "${KN[@]}" apply $VALIDATE -f - >/dev/null 2>&1
  out=$("${KN[@]}" get limitranges 2>&1)
  check_eq "$ver get limitranges headers" "$(squeeze "$(first_line "$out")")" "NAME CREATED AT"
  check_contains "$ver get limitranges row" "$(squeeze "$out")" "lr 20"

  # get -w: the listed row, then the row again after a change.
  local wout="$WORK/watch-$ver.out"
  timeout 30 "${KN[@]}" get deployments -w >"$wout" 2>&1 &
  local wpid=$!
  PIDS+=("$wpid")
  for _ in $(seq 1 100); do grep -q '^web ' "$wout" && break; sleep 0.1; done
  check_eq "$ver get -w header" "$(squeeze "$(first_line "$(cat "$wout")")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE"
  "${KN[@]}" label deployment web watched=yes >/dev/null 2>&1
  local rows=0
  for _ in $(seq 1 100); do
    rows=$(grep -c '^web ' "$wout")
    [ "$rows" -ge 2 ] && break
    sleep 0.1
  done
  if [ "$rows" -ge 2 ]; then ok; else fail "$ver get -w: no row after the change: $(cat "$wout")"; fi
  check_eq "$ver get -w prints the header once" "$(grep -c '^NAME ' "$wout")" 1
  kill "$wpid" 2>/dev/null
  wait "$wpid" 2>/dev/null

  out=$("${KN[@]}" label deployment web tier=front 2>&1)
  check_eq "$ver label" "$out" "deployment.apps/web labeled"
  check_eq "$ver label landed" \
    "$("${KN[@]}" get deployment web -o jsonpath='{.metadata.labels.tier}')" front
  out=$("${KN[@]}" annotate deployment web note=hello 2>&1)
  check_eq "$ver annotate" "$out" "deployment.apps/web annotated"
  check_eq "$ver annotate landed" \
    "$("${KN[@]}" get deployment web -o jsonpath='{.metadata.annotations.note}')" hello
  out=$("${KN[@]}" get deployments -l tier=front -o name 2>&1)
  check_eq "$ver get -l" "$out" "deployment.apps/web"

  out=$("${KN[@]}" scale deployment web --replicas=3 2>&1)
  check_eq "$ver scale" "$out" "deployment.apps/web scaled"
  check_eq "$ver scale landed" \
    "$("${KN[@]}" get deployment web -o jsonpath='{.spec.replicas}')" 3
  # Subresources print too: the Scale its own columns, status the object's.
  out=$("${KN[@]}" get deployment web --subresource=scale 2>&1)
  check_eq "$ver get --subresource=scale headers" "$(squeeze "$(first_line "$out")")" \
    "NAME DESIRED AVAILABLE AGE"
  check_contains "$ver get --subresource=scale row" "$(squeeze "$out")" "web 3 "
  out=$("${KN[@]}" get deployment web --subresource=status 2>&1)
  check_eq "$ver get --subresource=status headers" "$(squeeze "$(first_line "$out")")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE"

  out=$("${KN[@]}" patch deployment web --type=merge -p '{"spec":{"minReadySeconds":5}}' 2>&1)
  check_eq "$ver patch --type=merge" "$out" "deployment.apps/web patched"
  check_eq "$ver merge patch landed" \
    "$("${KN[@]}" get deployment web -o jsonpath='{.spec.minReadySeconds}')" 5
  out=$("${KN[@]}" patch deployment web --type=json \
    -p '[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"busybox:1.38"}]' 2>&1)
  check_eq "$ver patch --type=json" "$out" "deployment.apps/web patched"
  check_eq "$ver json patch landed" \
    "$("${KN[@]}" get deployment web -o jsonpath='{.spec.template.spec.containers[*].image}')" \
    "busybox busybox:1.38"
  out=$("${KN[@]}" patch service web --type=strategic \
    -p '{"spec":{"ports":[{"port":80,"name":"http"},{"port":8080,"targetPort":8080,"name":"alt"}]}}' 2>&1)
  # Service ports merge on "port": port 80 keeps its targetPort and gains a name (two ports
  # must both be named), port 8080 joins.
  check_eq "$ver patch service --type=strategic" "$out" "service/web patched"
  check_eq "$ver strategic patch merged ports" \
    "$("${KN[@]}" get service web -o jsonpath='{range .spec.ports[*]}{.name}:{.port}:{.targetPort} {end}')" \
    "http:80:80 alt:8080:8080 "

  out=$("${KN[@]}" get all 2>&1)
  check_contains "$ver get all services" "$out" "service/web"
  check_contains "$ver get all deployments" "$out" "deployment.apps/web"
  check_contains "$ver get all deployment headers" "$(squeeze "$out")" \
    "NAME READY UP-TO-DATE AVAILABLE AGE"
  check_contains "$ver get all service headers" "$(squeeze "$out")" \
    "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE"

  out=$("${K[@]}" api-resources 2>&1)
  check_eq "$ver api-resources headers" "$(squeeze "$(first_line "$out")")" \
    "NAME SHORTNAMES APIVERSION NAMESPACED KIND"
  check_contains "$ver api-resources deployments" "$(squeeze "$out")" \
    "deployments deploy apps/v1 true Deployment"
  check_contains "$ver api-resources services" "$(squeeze "$out")" "services svc v1 true Service"
  check_contains "$ver api-resources pods" "$(squeeze "$out")" "pods po v1 true Pod"
  check_contains "$ver api-resources namespaces" "$(squeeze "$out")" \
    "namespaces ns v1 false Namespace"

  ssa_checks "$ver" "$ns" "$bin"

  out=$("${KN[@]}" delete service web 2>&1)
  check_eq "$ver delete service" "$out" "service \"web\" deleted"
  out=$("${KN[@]}" get service web 2>&1)
  check_eq "$ver deleted service is gone" "$out" \
    "Error from server (NotFound): services \"web\" not found"
  out=$("${KN[@]}" delete -f "$WORK/dep2-$ver.yaml" 2>&1)
  check_eq "$ver delete -f" "$out" "deployment.apps \"web\" deleted"

  # The typed commands send protobuf bodies (Content-Type: application/vnd.kubernetes.protobuf)
  # and do not fall back to JSON: the server decodes them and answers JSON.
  out=$("${KN[@]}" create configmap cm --from-literal=a=b 2>&1)
  check_eq "$ver create configmap (protobuf body)" "$out" "configmap/cm created"
  out=$("${KN[@]}" get configmap cm -o jsonpath='{.data.a}' 2>&1)
  check_eq "$ver created configmap has its data" "$out" "b"
  out=$("${KN[@]}" create secret generic sec --from-literal=user=admin 2>&1)
  check_eq "$ver create secret generic (protobuf body)" "$out" "secret/sec created"
  out=$("${KN[@]}" get secret sec -o jsonpath='{.data.user}' 2>&1)
  check_eq "$ver created secret has its data (base64)" "$out" "YWRtaW4="
  out=$("${KN[@]}" create deployment made --image=busybox --replicas=2 -- sleep 3600 2>&1)
  check_eq "$ver create deployment (protobuf body)" "$out" "deployment.apps/made created"
  out=$("${KN[@]}" get deployment made -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].command}' 2>&1)
  check_eq "$ver created deployment has its spec" "$out" '2 busybox ["sleep","3600"]'
  out=$("${KN[@]}" create service clusterip made --tcp=80:8080 2>&1)
  check_eq "$ver create service clusterip (protobuf body)" "$out" "service/made created"
  out=$("${KN[@]}" get service made -o jsonpath='{.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort}' 2>&1)
  check_eq "$ver created service has its ports" "$out" "ClusterIP 80 8080"
  out=$("${KN[@]}" create job once --image=busybox -- true 2>&1)
  check_eq "$ver create job (protobuf body)" "$out" "job.batch/once created"
  out=$("${KN[@]}" get job once -o jsonpath='{.spec.template.spec.restartPolicy}' 2>&1)
  check_eq "$ver created job has its template" "$out" "Never"
  out=$("${KN[@]}" create serviceaccount robot 2>&1)
  check_eq "$ver create serviceaccount (protobuf body)" "$out" "serviceaccount/robot created"
  out=$("${KN[@]}" get serviceaccount robot -o name 2>&1)
  check_eq "$ver get created serviceaccount" "$out" "serviceaccount/robot"
  out=$("${K[@]}" create namespace "$ns-2" 2>&1)
  check_eq "$ver create namespace (protobuf body)" "$out" "namespace/$ns-2 created"
  out=$("${K[@]}" get namespace "$ns-2" -o name 2>&1)
  check_eq "$ver get created namespace" "$out" "namespace/$ns-2"
  out=$("${K[@]}" delete namespace "$ns-2" --timeout=60s 2>&1)
  check_eq "$ver delete created namespace" "$out" "namespace \"$ns-2\" deleted"

  out=$("${K[@]}" delete namespace "$ns" --timeout=60s 2>&1)
  check_eq "$ver delete namespace" "$out" "namespace \"$ns\" deleted"
}

for entry in "${KUBECTLS[@]}"; do
  run_version "${entry%%:*}" "${entry#*:}"
done
finish
