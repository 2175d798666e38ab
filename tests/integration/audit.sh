#!/usr/bin/env bash
# audit.sh — the audit log of a real server: a policy file, a configmap created over HTTP and
# found in the log with its level, verb, objectRef, user and Audit-Id; omitted stages; rotation
# at --audit-log-maxsize keeping --audit-log-maxbackup files; priority-and-fairness headers.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-audit-XXXXXX)
TMPDIRS+=("$WORK")
LOG="$WORK/audit.log"
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
- level: None
  resources:
  - group: "coordination.k8s.io"
    resources: ["leases"]
- level: RequestResponse
  resources:
  - group: ""
    resources: ["configmaps"]
- level: Metadata
YAML
start_managed_server "$WORK" --disable-controller-manager --disable-scheduler \
  --audit-policy-file "$WORK/policy.yaml" --audit-log-path "$LOG" \
  --audit-log-maxsize 1 --audit-log-maxbackup 2 || { fail "server start"; finish; exit 1; }
U=$SERVER_URL

# A configmap created over HTTP is in the log at RequestResponse with its objectRef and user.
hdrs=$(curl -s -D - -o "$WORK/out.json" -X POST -H 'Content-Type: application/json' \
  -H 'User-Agent: audit-test/1.0' \
  --data '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"audited"},"data":{"k":"v"}}' \
  "$U/api/v1/namespaces/default/configmaps")
check_contains "create answered" "$hdrs" "201"
audit_id=$(printf '%s' "$hdrs" | tr -d '\r' | awk -F': ' 'tolower($1)=="audit-id"{print $2}')
check "Audit-Id header" test -n "$audit_id"
check_contains "flow schema header" "$(printf '%s' "$hdrs" | tr 'A-Z' 'a-z')" \
  "x-kubernetes-pf-flowschema-uid:"
check_contains "priority level header" "$(printf '%s' "$hdrs" | tr 'A-Z' 'a-z')" \
  "x-kubernetes-pf-prioritylevel-uid:"

line=""
for _ in $(seq 1 50); do
  line=$(grep -F "\"auditID\":\"$audit_id\"" "$LOG" 2>/dev/null | head -1)
  [ -n "$line" ] && break
  sleep 0.1
done
check "event for the create in the log" test -n "$line"
if [ -n "$line" ]; then
  check_eq "kind" "$(jq -r .kind <<<"$line")" "Event"
  check_eq "apiVersion" "$(jq -r .apiVersion <<<"$line")" "audit.k8s.io/v1"
  check_eq "level" "$(jq -r .level <<<"$line")" "RequestResponse"
  check_eq "stage" "$(jq -r .stage <<<"$line")" "ResponseComplete"
  check_eq "verb" "$(jq -r .verb <<<"$line")" "create"
  check_eq "objectRef" "$(jq -c '.objectRef | {resource,namespace,name,apiVersion}' <<<"$line")" \
    '{"resource":"configmaps","namespace":"default","name":"audited","apiVersion":"v1"}'
  # Who asked: anonymous on a plain-HTTP port; the admin certificate's CN once the port is TLS.
  want_user=system:anonymous
  if [ -f "$SERVER_DATA/pki/admin.crt" ]; then
    want_user=$(openssl x509 -noout -subject -nameopt RFC2253 -in "$SERVER_DATA/pki/admin.crt" |
      tr ',' '\n' | sed -n 's/^.*CN=//p')
  fi
  check_eq "user" "$(jq -r .user.username <<<"$line")" "$want_user"
  check "user groups" test "$(jq -r '.user.groups | length' <<<"$line")" -ge 1
  check_eq "code" "$(jq -r .responseStatus.code <<<"$line")" "201"
  check_eq "requestObject" "$(jq -r .requestObject.data.k <<<"$line")" "v"
  check_eq "responseObject" "$(jq -r .responseObject.metadata.name <<<"$line")" "audited"
  check_eq "sourceIPs" "$(jq -r '.sourceIPs[0]' <<<"$line")" "127.0.0.1"
  check_eq "userAgent" "$(jq -r .userAgent <<<"$line")" "audit-test/1.0"
  check_eq "requestURI" "$(jq -r .requestURI <<<"$line")" "/api/v1/namespaces/default/configmaps"
  check "microsecond timestamps" grep -qE '"stageTimestamp":"[0-9-]+T[0-9:]+\.[0-9]{6}Z"' <<<"$line"
fi
# omitStages: RequestReceived is not written; the None rule keeps probes out.
check_eq "RequestReceived omitted" "$(grep -c '"stage":"RequestReceived"' "$LOG")" "0"
check_eq "health probes not logged" "$(grep -c '"requestURI":"/readyz"' "$LOG")" "0"
# A read at the Metadata level has no objects.
curl -s -o /dev/null "$U/api/v1/namespaces"
for _ in $(seq 1 50); do grep -q '"requestURI":"/api/v1/namespaces"' "$LOG" && break; sleep 0.1; done
ns_line=$(grep -F '"requestURI":"/api/v1/namespaces"' "$LOG" | head -1)
check_eq "list level" "$(jq -r .level <<<"$ns_line")" "Metadata"
check_eq "list verb" "$(jq -r .verb <<<"$ns_line")" "list"
check_eq "no responseObject at Metadata" "$(jq -r 'has("responseObject")' <<<"$ns_line")" "false"

# PodSecurity's audit mode annotates the event of a pod that would violate the level.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"psa","labels":{"pod-security.kubernetes.io/audit":"restricted"}}}' \
  "$U/api/v1/namespaces")
check_eq "namespace with an audit level" "$code" 201
for _ in $(seq 1 50); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{"metadata":{"name":"priv"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}' \
    "$U/api/v1/namespaces/psa/pods")
  [ "$code" = 201 ] && break
  sleep 0.1
done
check_eq "privileged pod admitted (audit only)" "$code" 201
for _ in $(seq 1 50); do grep -q '"requestURI":"/api/v1/namespaces/psa/pods"' "$LOG" && break; sleep 0.1; done
psa_line=$(grep -F '"requestURI":"/api/v1/namespaces/psa/pods"' "$LOG" | grep '"code":201' | head -1)
check_contains "audit-violations annotation" \
  "$(jq -r '.annotations["pod-security.kubernetes.io/audit-violations"] // ""' <<<"$psa_line")" \
  'privileged (container "c" must not set securityContext.privileged=true)'

# Rotation: 16 configmaps of 128 KiB, each logged with request and response objects (~256 KiB an
# event), pass the 1 MiB limit several times; two rotated files are kept.
big=$(head -c 131072 /dev/zero | tr '\0' 'x')
for i in $(seq 1 16); do
  printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big-%d"},"data":{"k":"%s"}}' \
    "$i" "$big" >"$WORK/big.json"
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$WORK/big.json" "$U/api/v1/namespaces/default/configmaps")
  [ "$code" = 201 ] || fail "big configmap $i: $code"
done
for _ in $(seq 1 50); do
  grep -q '"name":"big-16"' "$LOG" 2>/dev/null && break
  sleep 0.1
done
# shellcheck disable=SC2012
backups=$(ls "$WORK" | grep -cE '^audit-[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}\.[0-9]{3}\.log$')
check_eq "rotated files kept" "$backups" "2"
for f in "$WORK"/audit*.log; do
  size=$(stat -c %s "$f")
  [ "$size" -le 1048576 ] || fail "$f is $size bytes, over the 1 MiB limit"
  # every line of every file is a whole JSON event
  jq -e . "$f" >/dev/null || fail "$f holds a line that is not JSON"
done
check "the last event is in the current file" grep -q '"name":"big-16"' "$LOG"

finish
