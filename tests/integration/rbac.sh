#!/usr/bin/env bash
# rbac.sh — authorization as a user meets it, with the real kubectl (--as / --as-group) and curl
# (Impersonate-* headers): the default roles view / edit / admin / cluster-admin and a custom Role
# give 403 or 2xx exactly where upstream does, escalation is refused unless the permissions are
# held (or escalate / bind granted), `kubectl auth can-i` answers, the Node authorizer confines a
# kubelet to its own pods and the secrets they mount, and aggregation extends view.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-rbac-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
KC="$SERVER_DATA/admin.kubeconfig"
k() { kubectl --kubeconfig "$KC" "$@" 2>&1; }

# RBAC decisions read the watch caches, which follow etcd a moment later: wait for a grant.
wait_can() { # wait_can ARGS... (of kubectl auth can-i): until it says yes
  for _ in $(seq 1 100); do
    [ "$(k auth can-i "$@")" = yes ] && return 0
    sleep 0.1
  done
  return 1
}

# The default policy exists from the start.
out=$(k get clusterroles -o name)
for r in cluster-admin admin edit view system:discovery system:basic-user \
  system:public-info-viewer system:aggregate-to-view; do
  check_contains "default ClusterRole $r" "$out" "clusterrole.rbac.authorization.k8s.io/$r"
done
out=$(k get clusterrolebinding cluster-admin -o jsonpath='{.subjects[0].name}')
check_eq "cluster-admin is bound to system:masters" "$out" system:masters
out=$(k get clusterrole view -o jsonpath='{.aggregationRule.clusterRoleSelectors[0].matchLabels}')
check_contains "view aggregates aggregate-to-view" "$out" 'aggregate-to-view":"true"'
out=$(k get clusterrole view -o jsonpath='{.metadata.labels}')
check_contains "view feeds edit" "$out" 'aggregate-to-edit":"true"'
out=$(k get clusterrole view -o jsonpath='{.metadata.annotations}')
check_contains "autoupdate annotation" "$out" 'rbac.authorization.kubernetes.io/autoupdate":"true"'

k create namespace dev >/dev/null
k create namespace prod >/dev/null
k create rolebinding viewer --clusterrole=view --user=viewer -n dev >/dev/null
k create rolebinding editor --clusterrole=edit --user=editor -n dev >/dev/null
k create rolebinding nsadmin --clusterrole=admin --user=nsadmin -n dev >/dev/null
k create clusterrolebinding root --clusterrole=cluster-admin --user=root >/dev/null
k create role pod-reader --verb=get,list --resource=pods -n dev >/dev/null
k create rolebinding carol --role=pod-reader --group=readers -n dev >/dev/null
k create secret generic s1 --from-literal=a=b -n dev >/dev/null
k create secret generic s2 --from-literal=a=b -n dev >/dev/null
check "caches caught up" wait_can get pods -n dev --as=carol --as-group=readers
wait_can create roles -n dev --as=nsadmin >/dev/null
wait_can create clusterroles --as=root >/dev/null

# A real request per cell: (user, kubectl args, want "ok" or "403").
matrix() {
  local user=$1 want=$2; shift 2
  local out
  out=$(k --as="$user" "$@")
  if [ "$want" = 403 ]; then
    check_contains "$user: $* is forbidden" "$out" "orbidden"
  else
    case "$out" in *orbidden* | *rror*) fail "$user: $* should be allowed: $out" ;; *) ok ;; esac
  fi
}
matrix viewer ok get pods -n dev
matrix viewer ok get deployments.apps -n dev
matrix viewer 403 get secrets -n dev
matrix viewer 403 get pods -n prod
matrix viewer 403 get pods -A
matrix viewer 403 create configmap c1 -n dev
matrix editor ok create configmap c1 -n dev
matrix editor ok get secret s1 -n dev
matrix editor 403 create role r1 --verb=get --resource=pods -n dev
matrix editor 403 get rolebindings -n dev
matrix nsadmin ok create role r1 --verb=get --resource=pods -n dev
matrix nsadmin ok create rolebinding rb-edit --clusterrole=edit --user=someone -n dev
matrix nsadmin 403 create clusterrole cr1 --verb=get --resource=pods
matrix nsadmin 403 create role r1 --verb=get --resource=pods -n prod
matrix nsadmin 403 get nodes
matrix root ok create clusterrole cr1 --verb=get --resource=pods
matrix root ok get nodes
matrix carol ok get pods -n dev --as-group=readers
matrix carol 403 get pods -n prod --as-group=readers
matrix carol 403 delete pod nothing -n dev --as-group=readers

# The refusal names what was asked, as upstream.
out=$(k --as=viewer get secrets -n dev)
check_contains "forbidden message" "$out" \
  'secrets is forbidden: User "viewer" cannot list resource "secrets" in API group "" in the namespace "dev"'

# Escalation: a namespace admin cannot grant what it does not hold...
out=$(k --as=nsadmin create role nodes-reader --verb=get --resource=nodes -n dev)
check_contains "escalating role refused" "$out" \
  'user "nsadmin" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:'
check_contains "missing rule listed" "$out" '{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}'
out=$(k --as=nsadmin create rolebinding rb-root --clusterrole=cluster-admin --user=someone -n dev)
check_contains "escalating binding refused" "$out" "is attempting to grant RBAC permissions not currently held"
# ...unless it holds escalate on roles, or bind on the referenced role.
k create clusterrole escalator --verb=escalate,bind --resource=roles,clusterroles >/dev/null
k create rolebinding nsadmin-escalate --clusterrole=escalator --user=nsadmin -n dev >/dev/null
wait_can escalate roles -n dev --as=nsadmin >/dev/null
matrix nsadmin ok create role nodes-reader --verb=get --resource=nodes -n dev
matrix nsadmin ok create rolebinding rb-root --clusterrole=cluster-admin --user=someone -n dev

# kubectl auth can-i.
check_eq "can-i as admin" "$(k auth can-i create pods)" yes
check_eq "can-i as viewer" "$(k auth can-i get pods --as=viewer -n dev)" yes
check_eq "can-i secrets as viewer" "$(k auth can-i get secrets --as=viewer -n dev)" no
check_eq "can-i in another namespace" "$(k auth can-i get pods --as=viewer -n prod)" no
check_eq "can-i non-resource" "$(k auth can-i get /version --as=viewer)" yes
out=$(k auth can-i --list --as=viewer -n dev)
check_contains "can-i --list: a view rule" "$out" "deployments.apps"
check_contains "can-i --list: basic-user" "$out" "selfsubjectaccessreviews.authorization.k8s.io"
out=$(k auth can-i --list)
check_contains "can-i --list as admin" "$out" "*.*"

# SubjectAccessReview over curl, with upstream's reason.
out=$(curl -s -X POST -H 'Content-Type: application/json' "$U/apis/authorization.k8s.io/v1/subjectaccessreviews" \
  -d '{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":"viewer","resourceAttributes":{"verb":"list","resource":"pods","namespace":"dev"}}}')
check_contains "SAR allowed" "$out" '"allowed":true'
check_contains "SAR reason" "$out" 'RBAC: allowed by RoleBinding \"viewer/dev\" of ClusterRole \"view\" to User \"viewer\"'
out=$(curl -s -X POST -H 'Content-Type: application/json' "$U/apis/authorization.k8s.io/v1/namespaces/prod/localsubjectaccessreviews" \
  -d '{"spec":{"user":"viewer","resourceAttributes":{"verb":"list","resource":"pods"}}}')
check_contains "LocalSAR in another namespace" "$out" '"allowed":false'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  "$U/apis/authorization.k8s.io/v1/subjectaccessreviews" -d '{"spec":{"user":"x"}}')
check_eq "SAR without attributes" "$code" 422

# Impersonation over curl: as the user, and refused when a group is asked without a user.
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Impersonate-User: viewer' "$U/api/v1/namespaces/dev/secrets")
check_eq "curl as viewer: secrets" "$code" 403
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Impersonate-User: viewer' "$U/api/v1/namespaces/dev/pods")
check_eq "curl as viewer: pods" "$code" 200
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Impersonate-Group: system:masters' "$U/api/v1/namespaces/dev/pods")
check_eq "group without user" "$code" 400

# The Node authorizer: n1's kubelet writes its own pods' status and reads the secret its pod
# mounts; n2's pod and another secret are out of reach.
pod() { # pod NAME NODE SECRET
  cat <<JSON
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1","namespace":"dev"},
 "spec":{"nodeName":"$2","containers":[{"name":"c","image":"busybox"}],
 "volumes":[{"name":"s","secret":{"secretName":"$3"}}]}}
JSON
}
pod p1 n1 s1 | k create -f - >/dev/null
pod p2 n2 s2 | k create -f - >/dev/null
for _ in $(seq 1 50); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Impersonate-User: system:node:n1' -H 'Impersonate-Group: system:nodes' \
    "$U/api/v1/namespaces/dev/secrets/s1")" = 200 ] && break
  sleep 0.1
done
node() { # node METHOD PATH [BODY]: the HTTP code as kubelet n1
  curl -s -o /dev/null -w '%{http_code}' -X "$1" -H 'Impersonate-User: system:node:n1' \
    -H 'Impersonate-Group: system:nodes' -H 'Content-Type: application/merge-patch+json' \
    ${3:+-d "$3"} "$U$2"
}
check_eq "node: own pod status" "$(node PATCH /api/v1/namespaces/dev/pods/p1/status '{"status":{"message":"hi"}}')" 200
check_eq "node: other node's pod status" "$(node PATCH /api/v1/namespaces/dev/pods/p2/status '{"status":{"message":"hi"}}')" 403
check_eq "node: own pod's secret" "$(node GET /api/v1/namespaces/dev/secrets/s1)" 200
check_eq "node: another secret" "$(node GET /api/v1/namespaces/dev/secrets/s2)" 403
check_eq "node: list secrets" "$(node GET /api/v1/namespaces/dev/secrets)" 403
check_eq "node: list pods" "$(node GET /api/v1/pods)" 200
check_eq "node: other pod delete" "$(node DELETE /api/v1/namespaces/dev/pods/p2)" 403
# ConfigMaps through env, the pod's ServiceAccount and its token; its own Node and Lease only.
k create configmap cm1 --from-literal=a=b -n dev >/dev/null
k create configmap cm2 --from-literal=a=b -n dev >/dev/null
k create serviceaccount runner -n dev >/dev/null
k create serviceaccount other -n dev >/dev/null
cat <<'JSON' | k create -f - >/dev/null
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p3","namespace":"dev"},
 "spec":{"nodeName":"n1","serviceAccountName":"runner","containers":[{"name":"c","image":"busybox",
 "env":[{"name":"A","valueFrom":{"configMapKeyRef":{"name":"cm1","key":"a"}}}]}]}}
JSON
for _ in $(seq 1 50); do
  [ "$(node GET /api/v1/namespaces/dev/configmaps/cm1)" = 200 ] && break
  sleep 0.1
done
check_eq "node: configmap from env" "$(node GET /api/v1/namespaces/dev/configmaps/cm1)" 200
check_eq "node: another configmap" "$(node GET /api/v1/namespaces/dev/configmaps/cm2)" 403
check_eq "node: its pod's service account" "$(node GET /api/v1/namespaces/dev/serviceaccounts/runner)" 200
check_eq "node: another service account" "$(node GET /api/v1/namespaces/dev/serviceaccounts/other)" 403
lease() { # lease NAME
  printf '{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"%s"},"spec":{"holderIdentity":"%s"}}' "$1" "$1"
}
check_eq "node: create its lease" "$(node POST /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases "$(lease n1)")" 201
check_eq "node: renew its lease" "$(node PATCH /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1 '{"spec":{"renewTime":null}}')" 200
k create -f - >/dev/null <<<"$(lease n2 | sed 's/"metadata":{/"metadata":{"namespace":"kube-node-lease",/')"
check_eq "node: another node's lease" "$(node PATCH /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2 '{"spec":{"renewTime":null}}')" 403
check_eq "node: a lease elsewhere" "$(node GET /apis/coordination.k8s.io/v1/namespaces/default/leases/n1)" 403
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"}}' n1 | k create -f - >/dev/null
printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"}}' n2 | k create -f - >/dev/null
check_eq "node: its Node's status" "$(node PATCH /api/v1/nodes/n1/status '{"status":{"phase":"Running"}}')" 200
check_eq "node: another Node" "$(node PATCH /api/v1/nodes/n2/status '{"status":{"phase":"Running"}}')" 403
check_eq "node: delete its Node" "$(node DELETE /api/v1/nodes/n1)" 403
check_eq "node: create an event" "$(node POST /api/v1/namespaces/dev/events \
  '{"apiVersion":"v1","kind":"Event","metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"p1","namespace":"dev"},"reason":"X","message":"m"}')" 201
out=$(k --as=system:node:n1 --as-group=system:nodes auth can-i update pods/status -n dev)
check_eq "node: can-i without an object" "$out" no
# Without the group it is just a user with that name: nothing.
check_eq "node name without group" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Impersonate-User: system:node:n1' \
  "$U/api/v1/namespaces/dev/secrets/s1")" 403

# Aggregation: a ClusterRole labelled aggregate-to-view adds to view (and so to edit and admin).
check_eq "before aggregation" "$(k auth can-i list secrets --as=viewer -n dev)" no
k apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: secrets-view
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["list"]
YAML
check "aggregated into view" wait_can list secrets --as=viewer -n dev
matrix viewer ok get secrets -n dev
for _ in $(seq 1 100); do
  out=$(k get clusterrole view -o jsonpath='{.rules}')
  case "$out" in *secrets*) break ;; esac
  sleep 0.1
done
check_contains "the controller wrote view's rules" "$out" secrets
out=$(k get clusterrole admin -o jsonpath='{.rules}')
check_contains "admin holds view's rules too" "$out" secrets
k delete clusterrole secrets-view >/dev/null
for _ in $(seq 1 100); do
  [ "$(k auth can-i list secrets --as=viewer -n dev)" = no ] && break
  sleep 0.1
done
check_eq "removed from view" "$(k auth can-i list secrets --as=viewer -n dev)" no

# A restart reconciles the default policy as upstream: what was removed from a default role or
# binding comes back, unless the object says autoupdate "false"; nothing added is taken away.
k patch clusterrole system:basic-user --type=json -p '[{"op":"remove","path":"/rules/1"}]' >/dev/null
k patch clusterrolebinding system:discovery --type=json -p '[{"op":"remove","path":"/subjects/0"}]' >/dev/null
k patch clusterrole system:basic-user --type=json \
  -p '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}}]' >/dev/null
k annotate clusterrole system:public-info-viewer rbac.authorization.kubernetes.io/autoupdate=false --overwrite >/dev/null
k patch clusterrole system:public-info-viewer --type=json -p '[{"op":"remove","path":"/rules/0"}]' >/dev/null
CMD=$(tr '\0' ' ' <"/proc/$SERVER_PID/cmdline")
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
# shellcheck disable=SC2086
$CMD >"$SERVER_DATA.log2" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
TMPDIRS+=("$SERVER_DATA.log2")
for _ in $(seq 1 300); do curl -sf -o /dev/null "$U/readyz" && break; sleep 0.1; done
out=$(k get clusterrole system:basic-user -o jsonpath='{.rules}')
check_contains "reconciled: a removed rule is back" "$out" selfsubjectreviews
check_contains "reconciled: an added rule stays" "$out" nodes
out=$(k get clusterrolebinding system:discovery -o jsonpath='{.subjects}')
check_contains "reconciled: a removed subject is back" "$out" system:authenticated
check_eq "autoupdate false is left alone" "$(k get clusterrole system:public-info-viewer -o jsonpath='{.rules}')" "[]"

finish
