#!/usr/bin/env bash
# api_http.sh — the server as a user meets it: `c8s server` with its managed etcd, manifests
# applied with curl in YAML, YAML errors that say where, YAML answers, health and metrics, the
# admin kubeconfig used by the real kubectl, and a clean stop that takes etcd with it.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-http-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --etcd-compaction-interval 1 || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

cat >"$WORK/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
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
        ports:
        - containerPort: 80
YAML

# The README's line: a Deployment from YAML with curl.
code=$(curl -s -o "$WORK/out.json" -w '%{http_code}' -X POST -H 'Content-Type: application/yaml' \
  --data-binary @"$WORK/deploy.yaml" "$U/apis/apps/v1/namespaces/default/deployments")
check_eq "create deployment from YAML" "$code" 201
check_contains "created object" "$(cat "$WORK/out.json")" '"name":"web"'
check_contains "defaults applied" "$(cat "$WORK/out.json")" '"revisionHistoryLimit":10'

# Malformed YAML: 400 with the line.
code=$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: [\n' |
  curl -s -o "$WORK/bad.json" -w '%{http_code}' -X POST -H 'Content-Type: application/yaml' \
    --data-binary @- "$U/api/v1/namespaces/default/configmaps")
check_eq "malformed YAML" "$code" 400
check_contains "error says where" "$(cat "$WORK/bad.json")" 'yaml: line 5:'
check_contains "error is a Status" "$(cat "$WORK/bad.json")" '"reason":"BadRequest"'

# Answers in YAML when asked.
body=$(curl -s -H 'Accept: application/yaml' "$U/apis/apps/v1/namespaces/default/deployments/web")
check_contains "YAML answer" "$body" 'kind: Deployment'
check_contains "YAML answer nested" "$body" '- containerPort: 80'

# Events are written with a lease, so they expire (upstream's --event-ttl).
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"ev1"},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},"reason":"Test","message":"m","type":"Normal"}' \
  "$U/api/v1/namespaces/default/events")
check_eq "create event" "$code" 201
key=$(printf '/registry/events/default/ev1' | base64 -w0)
out=$(curl -s -X POST -d "{\"key\":\"$key\"}" "http://127.0.0.1:$EC/v3/kv/range")
check_contains "event stored with a lease" "$out" '"lease":"'

# Bodies over the limit: 413 as a Status.
head -c 3200000 /dev/zero | tr '\0' 'a' >"$WORK/big"
code=$(curl -s -o "$WORK/big.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary @"$WORK/big" "$U/api/v1/namespaces/default/configmaps")
check_eq "oversized body" "$code" 413
check_contains "oversized body Status" "$(cat "$WORK/big.json")" '"reason":"RequestEntityTooLarge"'

# Health, version, metrics.
check_eq "healthz" "$(curl -s "$U/healthz")" ok
check_eq "livez" "$(curl -s "$U/livez")" ok
check_eq "readyz" "$(curl -s "$U/readyz")" ok
check_contains "version" "$(curl -s "$U/version")" '"gitVersion":"v1.32'
metrics=$(curl -s "$U/metrics")
check_contains "request counter" "$metrics" 'apiserver_request_total{verb="POST",resource="deployments",code="201"} 1'
check_contains "latency histogram" "$metrics" 'apiserver_request_duration_seconds_bucket{verb="POST"'
check_contains "etcd latency" "$metrics" 'etcd_request_duration_seconds_bucket{operation="txn"'
check_contains "watchers gauge" "$metrics" 'apiserver_registered_watchers{resource="pods"}'

# Discovery.
check_contains "/api" "$(curl -s "$U/api")" '"versions":["v1"]'
check_contains "/apis" "$(curl -s "$U/apis")" '"name":"apps"'
check_contains "/api/v1" "$(curl -s "$U/api/v1")" '"name":"pods/binding"'
check_contains "/api/v1 eviction" "$(curl -s "$U/api/v1")" \
  '"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]'
check_contains "/apis/policy/v1" "$(curl -s "$U/apis/policy/v1")" '"shortNames":["pdb"]'

AGG='Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
out=$(curl -s -H "$AGG" "$U/apis")
check_contains "aggregated discovery" "$out" '"kind":"APIGroupDiscoveryList"'
check_contains "aggregated discovery resources" "$out" '"resource":"deployments"'
check_contains "aggregated discovery core" "$(curl -s -H "$AGG" "$U/api")" '"resource":"pods"'
check_contains "aggregated discovery eviction" "$(curl -s -H "$AGG" "$U/api")" \
  '"subresource":"eviction","responseKind":{"group":"policy","version":"v1","kind":"Eviction"},"verbs":["create"]'

# The real kubectl with the admin kubeconfig, as it is.
KC="$SERVER_DATA/admin.kubeconfig"
check "kubeconfig written" test -s "$KC"
out=$(kubectl --kubeconfig "$KC" get namespaces -o name 2>&1)
check_contains "kubectl get namespaces" "$out" 'namespace/kube-system'
out=$(kubectl --kubeconfig "$KC" get deployments -o jsonpath='{.items[0].spec.replicas}' 2>&1)
check_eq "kubectl sees the deployment" "$out" 2

# Controllers: a new namespace gets its default ServiceAccount; deleting a namespace empties
# it and then removes it (kubectl waits for that).
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"metadata":{"name":"team"}}' "$U/api/v1/namespaces"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/team/serviceaccounts/default")
  [ "$code" = 200 ] && break
  sleep 0.1
done
check_eq "default ServiceAccount created" "$code" 200
curl -s -o /dev/null -X DELETE "$U/api/v1/namespaces/team/serviceaccounts/default"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/team/serviceaccounts/default")
  [ "$code" = 200 ] && break
  sleep 0.1
done
check_eq "default ServiceAccount recreated" "$code" 200
for i in 1 2 3; do
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"c$i\"}}" \
    "$U/api/v1/namespaces/team/configmaps"
done
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}' "$U/api/v1/namespaces/team/pods"
out=$(timeout 30 kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" delete namespace team 2>&1)
check_contains "kubectl delete namespace" "$out" 'namespace "team" deleted'
check_eq "namespace gone" "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/team")" 404
check_contains "its objects gone" "$(curl -s "$U/api/v1/configmaps?fieldSelector=metadata.namespace%3Dteam")" '"items":[]'

# Periodic compaction (every second here): old revisions go away.
for _ in $(seq 1 50); do
  out=$(curl -s -X POST -d '{"key":"L3JlZ2lzdHJ5","revision":"2"}' "http://127.0.0.1:$EC/v3/kv/range")
  case "$out" in *compacted*) break ;; esac
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"metadata":{"generateName":"churn-"}}' \
    "$U/api/v1/namespaces/default/configmaps"
  sleep 0.2
done
check_contains "etcd compacted by the server" "$out" 'required revision has been compacted'

# A clean stop: exit 0, and the managed etcd stops with the server.
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
check_eq "server exit status" "$rc" 0
if (exec 3<>/dev/tcp/127.0.0.1/$EC) 2>/dev/null; then fail "managed etcd still listening"; else ok; fi
finish
