#!/usr/bin/env bash
# api_table.sh — server-side printing and Accept negotiation over HTTP, as kubectl and metadata
# clients meet them: meta.k8s.io Tables for GET, LIST (paged) and WATCH with includeObject,
# priority-1 (wide) columns, the v1beta1 form, YAML, PartialObjectMetadata[List], and 406 when
# nothing offered is acceptable.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-table-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

T='Accept: application/json;as=Table;v=v1;g=meta.k8s.io'
# What kubectl get sends.
TK='Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'

post() { # post PATH JSON
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "$U$1"
}
jqr() { jq -r "$1" 2>/dev/null <<<"$2"; }
jqc() { jq -c "$1" 2>/dev/null <<<"$2"; }

check_eq "create deployment" "$(post /apis/apps/v1/namespaces/default/deployments '{
  "metadata":{"name":"web","labels":{"app":"web"}},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
    "template":{"metadata":{"labels":{"app":"web"}},
      "spec":{"containers":[{"name":"web","image":"busybox"},{"name":"side","image":"nginx"}]}}}}')" 201
for i in 1 2 3; do
  post /api/v1/namespaces/default/configmaps "{\"metadata\":{\"name\":\"cm$i\"},\"data\":{\"a\":\"1\",\"b\":\"2\"}}" >/dev/null
done

# GET of one object: one row, the object's resourceVersion, PartialObjectMetadata by default.
obj=$(curl -s "$U/apis/apps/v1/namespaces/default/deployments/web")
out=$(curl -s -H "$T" "$U/apis/apps/v1/namespaces/default/deployments/web")
check_eq "GET Table kind" "$(jqr '.kind + " " + .apiVersion' "$out")" "Table meta.k8s.io/v1"
check_eq "GET Table columns" "$(jqc '[.columnDefinitions[] | [.name, .priority]]' "$out")" \
  '[["Name",0],["Ready",0],["Up-to-date",0],["Available",0],["Age",0],["Containers",1],["Images",1],["Selector",1]]'
# (Cells the controllers change — ready, up-to-date, available — are left out.)
check_eq "GET Table cells" "$(jqc '.rows[0].cells | [.[0], (.[1] | split("/")[1]), .[5], .[6], .[7], (. | length)]' "$out")" \
  '["web","2","web,side","busybox,nginx","app=web",8]'
check_eq "GET Table resourceVersion" "$(jqr .metadata.resourceVersion "$out")" \
  "$(jqr .metadata.resourceVersion "$obj")"
check_eq "GET Table row object" "$(jqr '.rows[0].object | .kind + " " + .apiVersion + " " + .metadata.name' "$out")" \
  "PartialObjectMetadata meta.k8s.io/v1 web"
check_eq "GET Table row object has no spec" "$(jqr '.rows[0].object.spec' "$out")" null
# From the watch cache too (resourceVersion=0).
out=$(curl -s -H "$T" "$U/apis/apps/v1/namespaces/default/deployments/web?resourceVersion=0")
check_eq "GET Table from the cache" "$(jqr '.kind + " " + .rows[0].cells[0]' "$out")" "Table web"

out=$(curl -s -H "$T" "$U/apis/apps/v1/namespaces/default/deployments/web?includeObject=None")
check_eq "includeObject=None" "$(jqr '.rows[0].object' "$out")" null
out=$(curl -s -H "$T" "$U/apis/apps/v1/namespaces/default/deployments/web?includeObject=Object")
check_eq "includeObject=Object" "$(jqr '.rows[0].object | .kind + " " + .apiVersion + " " + (.spec.replicas|tostring)' "$out")" \
  "Deployment apps/v1 2"
code=$(curl -s -o "$WORK/bad.json" -w '%{http_code}' -H "$T" "$U/apis/apps/v1/namespaces/default/deployments/web?includeObject=All")
check_eq "bad includeObject" "$code" 400
check_eq "bad includeObject message" "$(jqr .message "$(cat "$WORK/bad.json")")" \
  "Unable to convert to Table as requested: includeObject: Invalid value: \"All\": must be 'Metadata', 'Object', 'None', or empty"
# includeObject means nothing without as=Table.
check_eq "includeObject ignored without Table" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U/apis/apps/v1/namespaces/default/deployments/web?includeObject=All")" 200

# Subresources: a Scale prints as upstream's printScale; status as the object.
out=$(curl -s -H "$TK" "$U/apis/apps/v1/namespaces/default/deployments/web/scale")
check_eq "scale Table" "$(jqc '[[.columnDefinitions[].name], .rows[0].cells[0:2], .rows[0].object.kind]' "$out")" \
  '[["Name","Desired","Available","Age"],["web",2],"PartialObjectMetadata"]'
out=$(curl -s -H "$TK" "$U/apis/apps/v1/namespaces/default/deployments/web/status")
check_eq "status Table" "$(jqc '[.columnDefinitions[0:2][].name, .rows[0].cells[0]]' "$out")" '["Name","Ready","web"]'
check_eq "scale 406" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/html' "$U/apis/apps/v1/namespaces/default/deployments/web/scale")" 406

# LIST, with kubectl's Accept; from etcd and from the cache; paged.
for q in "" "?resourceVersion=0"; do
  out=$(curl -s -H "$TK" "$U/api/v1/namespaces/default/configmaps$q")
  check_eq "LIST Table$q" "$(jqc '[.kind, .apiVersion, [.columnDefinitions[].name], [.rows[].cells[0:2]]]' "$out")" \
    '["Table","meta.k8s.io/v1",["Name","Data","Age"],[["cm1",2],["cm2",2],["cm3",2]]]'
  check "LIST Table$q resourceVersion" test -n "$(jqr '.metadata.resourceVersion // empty' "$out")"
done
out=$(curl -s -H "$TK" "$U/api/v1/namespaces/default/configmaps?limit=2")
check_eq "paged Table rows" "$(jqc '[.rows[].cells[0]]' "$out")" '["cm1","cm2"]'
check_eq "paged Table remainingItemCount" "$(jqr .metadata.remainingItemCount "$out")" 1
cont=$(jqr .metadata.continue "$out")
check "paged Table continue" test -n "$cont"
out=$(curl -s -H "$TK" "$U/api/v1/namespaces/default/configmaps?limit=2&continue=$cont")
check_eq "second page" "$(jqc '[.rows[].cells[0]]' "$out")" '["cm3"]'
check_eq "second page has no continue" "$(jqr '.metadata.continue // "none"' "$out")" none

# Only v1beta1 acceptable: the v1beta1 Table.
out=$(curl -s -H 'Accept: application/json;as=Table;v=v1beta1;g=meta.k8s.io' "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "v1beta1 Table" "$(jqr '.apiVersion + " " + .rows[0].object.apiVersion' "$out")" \
  "meta.k8s.io/v1beta1 meta.k8s.io/v1beta1"
# YAML Tables.
out=$(curl -s -H 'Accept: application/yaml;as=Table;v=v1;g=meta.k8s.io' "$U/api/v1/namespaces/default/configmaps/cm1")
check_contains "YAML Table" "$out" "kind: Table"
# Quality values order the clauses: the Table clause wins despite coming second.
out=$(curl -s -H 'Accept: application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io' "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "q orders clauses" "$(jqr .kind "$out")" Table
# Long headers are read whole.
many=$(printf 'text/html,%.0s' $(seq 1 60))
out=$(curl -s -H "Accept: ${many}application/json" "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "many clauses" "$(jqr .kind "$out")" ConfigMap
out=$(curl -s -H "Accept: application/json;$(printf 'p%d=1;' $(seq 1 40))as=Table;v=v1;g=meta.k8s.io" \
  "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "many parameters" "$(jqr .kind "$out")" Table
out=$(curl -s -H 'Accept: */*' "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "*/* is JSON" "$(jqr .kind "$out")" ConfigMap

# Nothing acceptable: 406.
for a in 'text/html' 'application/vnd.kubernetes.protobuf' 'application/json;as=Table' \
  'application/json;as=Table;v=v2;g=meta.k8s.io' 'application/json;as=Pod;v=v1;g='; do
  code=$(curl -s -o "$WORK/406.json" -w '%{http_code}' -H "Accept: $a" "$U/api/v1/namespaces/default/configmaps")
  check_eq "406 for $a" "$code" 406
done
check_eq "406 Status" "$(jqr '.reason + ": " + .message' "$(cat "$WORK/406.json")")" \
  "NotAcceptable: only the following media types are accepted: application/json, application/yaml"
# …unless a later clause is.
out=$(curl -s -H 'Accept: application/vnd.kubernetes.protobuf,application/json' "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "protobuf then JSON" "$(jqr .kind "$out")" ConfigMap

# PartialObjectMetadata and its list.
P='application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'
PL='application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
out=$(curl -s -H "Accept: $P" "$U/api/v1/namespaces/default/configmaps/cm1")
check_eq "PartialObjectMetadata" "$(jqc '[.kind, .apiVersion, .metadata.name, .data]' "$out")" \
  '["PartialObjectMetadata","meta.k8s.io/v1","cm1",null]'
out=$(curl -s -H "Accept: $PL" "$U/api/v1/namespaces/default/configmaps")
check_eq "PartialObjectMetadataList" "$(jqc '[.kind, [.items[] | .kind + "/" + .metadata.name]]' "$out")" \
  '["PartialObjectMetadataList",["PartialObjectMetadata/cm1","PartialObjectMetadata/cm2","PartialObjectMetadata/cm3"]]'
check "PartialObjectMetadataList resourceVersion" test -n "$(jqr '.metadata.resourceVersion // empty' "$out")"
check_eq "list form of one object" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $PL" "$U/api/v1/namespaces/default/configmaps/cm1")" 406
check_eq "list form of one object, then JSON" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $PL, application/json" "$U/api/v1/namespaces/default/configmaps/cm1")" 406
check_eq "object form of a list" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "Accept: $P" "$U/api/v1/namespaces/default/configmaps")" 406

# WATCH: each event's object a one-row Table; column definitions in the first event only.
out=$(curl -s --max-time 10 -H "$TK" "$U/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
check_eq "watch initial events" "$(jq -c -s '[.[] | [.type, .object.kind, (.object.rows | length), .object.rows[0].cells[0], (.object.columnDefinitions | length)]]' <<<"$out" 2>/dev/null)" \
  '[["ADDED","Table",1,"cm1",3],["ADDED","Table",1,"cm2",0],["ADDED","Table",1,"cm3",0]]'
check_eq "watch later events have null columnDefinitions" \
  "$(jq -c -s '[.[1:][] | .object.columnDefinitions]' <<<"$out" 2>/dev/null)" '[null,null]'
check_eq "watch event Table resourceVersion" \
  "$(jq -r -s '.[0] | (.object.metadata.resourceVersion == .object.rows[0].object.metadata.resourceVersion)' <<<"$out" 2>/dev/null)" true
rv=$(curl -s "$U/api/v1/namespaces/default/configmaps" | jq -r .metadata.resourceVersion)
curl -s --max-time 10 -H "$TK" "$U/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$rv&timeoutSeconds=2&includeObject=Object" \
  >"$WORK/watch.out" &
wpid=$!
PIDS+=("$wpid")
sleep 0.5
post /api/v1/namespaces/default/configmaps '{"metadata":{"name":"cm4"},"data":{"a":"1"}}' >/dev/null
curl -s -o /dev/null -X DELETE "$U/api/v1/namespaces/default/configmaps/cm4"
wait "$wpid"
check_eq "watch changes as Tables" \
  "$(jq -c -s '[.[] | [.type, .object.kind, .object.rows[0].cells[0], .object.rows[0].object.kind, (.object.columnDefinitions | length)]]' "$WORK/watch.out" 2>/dev/null)" \
  '[["ADDED","Table","cm4","ConfigMap",3],["DELETED","Table","cm4","ConfigMap",0]]'
out=$(curl -s --max-time 10 -H "Accept: $P" "$U/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
check_eq "watch as PartialObjectMetadata" "$(jq -c -s '[.[] | .object.kind] | unique' <<<"$out" 2>/dev/null)" \
  '["PartialObjectMetadata"]'
code=$(curl -s -o "$WORK/w406.json" -w '%{http_code}' --max-time 10 -H 'Accept: application/yaml' \
  "$U/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
check_eq "watch in YAML" "$code" 406
check_contains "watch 406 names the stream type" "$(cat "$WORK/w406.json")" "application/json;stream=watch"

finish
