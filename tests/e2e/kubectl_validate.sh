#!/usr/bin/env bash
# kubectl_validate.sh — the real kubectl (1.27, 1.28, 1.32, 1.33) against c8s with its defaults,
# i.e. --validate=strict: it reads /openapi/v3 (≤ 1.28: /openapi/v2 in protobuf), sees
# fieldValidation on the PATCH operations and lets the server validate. Apply a Deployment and a Service, apply a change, create with a typo
# (rejected), explain; and the OpenAPI documents' caching as kubectl's cache relies on it.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-validate-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-scheduler --disable-controller-manager ||
  { fail "server start"; finish; exit 1; }
U=$SERVER_URL
KC="$SERVER_DATA/admin.kubeconfig"

BIN=$(dirname "$(readlink -f "$(command -v kubectl)")")
KUBECTLS=()
for v in 1.27 1.28 1.32 1.33; do
  if [ -x "$BIN/kubectl.$v" ]; then KUBECTLS+=("$BIN/kubectl.$v"); fi
done
[ ${#KUBECTLS[@]} -gt 0 ] || KUBECTLS=(kubectl)

n=0
for K in "${KUBECTLS[@]}"; do
  n=$((n + 1))
  v=$("$K" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')
  # Own cache dir per run: kubectl caches discovery and OpenAPI by hash.
  k() { HOME="$WORK/home$n" "$K" --kubeconfig "$KC" -n "ns$n" "$@"; }
  # (`kubectl create namespace` speaks protobuf, which c8s does not: a manifest instead.)
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns%s\n' "$n" >"$WORK/ns.yaml"
  out=$(k apply -f "$WORK/ns.yaml" 2>&1)
  check_contains "$v apply namespace" "$out" "namespace/ns$n created"

  cat >"$WORK/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox
        command: ["sleep", "3600"]
        ports:
        - containerPort: 80
        env:
        - name: A
          value: "1"
YAML
  cat >"$WORK/svc.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 80
YAML
  out=$(k apply -f "$WORK/deploy.yaml" 2>&1)
  check_contains "$v apply deployment" "$out" "deployment.apps/web created"
  out=$(k apply -f "$WORK/svc.yaml" 2>&1)
  check_contains "$v apply service" "$out" "service/web created"
  out=$(k apply -f "$WORK/deploy.yaml" 2>&1)
  check_contains "$v apply again" "$out" "deployment.apps/web unchanged"

  sed -e 's/replicas: 2/replicas: 3/' -e 's/value: "1"/value: "2"/' "$WORK/deploy.yaml" \
    >"$WORK/deploy2.yaml"
  out=$(k apply -f "$WORK/deploy2.yaml" 2>&1)
  check_contains "$v apply a change" "$out" "deployment.apps/web configured"
  out=$(k get deploy web -o jsonpath='{.spec.replicas} {.spec.template.spec.containers[0].env[0].value}' 2>&1)
  check_eq "$v change stored" "$out" "3 2"
  sed -e 's/port: 80/port: 8080/' "$WORK/svc.yaml" >"$WORK/svc2.yaml"
  out=$(k apply -f "$WORK/svc2.yaml" 2>&1)
  check_contains "$v apply service change" "$out" "service/web configured"

  # A typo, deep in the pod template and at the top of spec: strict validation rejects it.
  sed -e 's/name: web$/name: typo/' -e 's/^  replicas: 2/  replicaz: 2/' \
    -e 's/        image: busybox/        image: busybox\n        imagePullPolicyy: Always/' \
    "$WORK/deploy.yaml" >"$WORK/bad.yaml"
  out=$(k create -f "$WORK/bad.yaml" 2>&1)
  rc=$?
  check "$v create with unknown field fails" test "$rc" -ne 0
  check_contains "$v strict error" "$out" 'strict decoding error: unknown field "spec.replicaz"'
  check_contains "$v strict error (template)" "$out" \
    'unknown field "spec.template.spec.containers[0].imagePullPolicyy"'
  out=$(k apply -f "$WORK/bad.yaml" 2>&1)
  check "$v apply with unknown field fails" test $? -ne 0
  check_contains "$v apply strict error" "$out" 'unknown field "spec.replicaz"'
  # The same typo applied to the existing object: a PATCH, which strict validation rejects too.
  sed -e 's/^  replicas: 2/  replicaz: 2/' "$WORK/deploy.yaml" >"$WORK/bad-patch.yaml"
  out=$(k apply -f "$WORK/bad-patch.yaml" 2>&1)
  check "$v apply (patch) with unknown field fails" test $? -ne 0
  check_contains "$v patch strict error" "$out" 'strict decoding error: unknown field "spec.replicaz"'
  out=$(k get deploy web -o jsonpath='{.spec.replicas}' 2>&1)
  check_eq "$v patch rejected whole" "$out" 3
  out=$(k get deploy typo 2>&1)
  check_contains "$v nothing created" "$out" "NotFound"
  # --validate=warn: created, the unknown fields dropped, kubectl prints the warnings.
  out=$(k create --validate=warn -f "$WORK/bad.yaml" 2>&1)
  check_contains "$v warn creates" "$out" "deployment.apps/typo created"
  check_contains "$v warn warns" "$out" 'Warning: unknown field "spec.replicaz"'
  out=$(k get deploy typo -o json 2>&1)
  case "$out" in *replicaz*|*imagePullPolicyy*) fail "$v unknown fields stored" ;; *) ok ;; esac

  out=$(k explain pod.spec.containers 2>&1)
  check_contains "$v explain pod.spec.containers" "$out" "FIELD: containers <[]Container>"
  check_contains "$v explain lists image" "$out" "image"
  check_contains "$v explain name required" "$out" "-required-"
  out=$(k explain deployment.spec.strategy 2>&1)
  check_contains "$v explain deployment.spec.strategy" "$out" "rollingUpdate"
  check_contains "$v explain kind" "$out" "KIND:       Deployment"
done

# The documents themselves: the index hands out hashed URLs; ETag revalidation; a stale hash
# is redirected to the current one; v2 in JSON or protobuf, as asked.
url=$(curl -s "$U/openapi/v3" | sed -n 's/.*"apis\/apps\/v1":{"serverRelativeURL":"\([^"]*\)".*/\1/p')
check_contains "v3 index" "$url" "/openapi/v3/apis/apps/v1?hash="
hdr=$(curl -s -D - -o /dev/null "$U$url")
check_contains "hashed document is immutable" "$hdr" "public, immutable"
etag=$(printf '%s' "$hdr" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/openapi/v3/apis/apps/v1")
check_eq "ETag revalidation" "$code" 304
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$U/openapi/v3/apis/apps/v1?hash=0")
check_contains "stale hash redirected" "$code" "301 "
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/openapi/v2")
check_eq "v2 served" "$code" 200
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' \
  -H 'Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf' "$U/openapi/v2")
check_eq "v2 in protobuf" "$ct" "200 application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/xml' "$U/openapi/v2")
check_eq "v2 in xml not acceptable" "$code" 406

# fieldValidation over plain HTTP: Warn headers, Ignore silence, a bad value.
body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"a":"b"},"dataa":{}}'
hdr=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" \
  "$U/api/v1/namespaces/default/configmaps")
check_contains "Warn by default" "$hdr" 'unknown field \"dataa\"'
body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c2"},"data":{"a":"b"},"dataa":{}}'
hdr=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d "$body" \
  "$U/api/v1/namespaces/default/configmaps?fieldValidation=Ignore")
case "$hdr" in *"201 "*) ok ;; *) fail "Ignore accepted: $hdr" ;; esac
case "$hdr" in *[Ww]arning*) fail "Ignore warns: $hdr" ;; *) ok ;; esac
body='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c3"},"data":{"a":"b","a":"c"}}'
out=$(curl -s -X POST -H 'Content-Type: application/json' -d "$body" \
  "$U/api/v1/namespaces/default/configmaps?fieldValidation=Strict")
check_contains "Strict duplicate" "$out" 'duplicate field \"a\"'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "$body" "$U/api/v1/namespaces/default/configmaps?fieldValidation=Bogus")
check_eq "bad fieldValidation" "$code" 400

finish
