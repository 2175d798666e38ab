#!/usr/bin/env bash
# token.sh — `c8s token create|list|delete`: bootstrap tokens stored as kubeadm stores them (a
# bootstrap.kubernetes.io/token Secret bootstrap-token-<id> in kube-system).
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-token-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-scheduler || { fail "server start"; finish; exit 1; }
export KUBECONFIG="$SERVER_DATA/admin.kubeconfig"

TOKEN=$("$C8S_BIN" token create --ttl 2h --description "for node2")
check_eq "token create exit code" "$?" 0
check "token format" grep -qE '^[a-z0-9]{6}\.[a-z0-9]{16}$' <<<"$TOKEN"
ID=${TOKEN%%.*}
S=$(curl -s "$SERVER_URL/api/v1/namespaces/kube-system/secrets/bootstrap-token-$ID")
check_eq "secret type" "$(jq -r .type <<<"$S")" "bootstrap.kubernetes.io/token"
d() { jq -r ".data[\"$1\"]" <<<"$S" | base64 -d; }
check_eq "token-id" "$(d token-id)" "$ID"
check_eq "token-secret" "$(d token-secret)" "${TOKEN#*.}"
check_eq "usage authentication" "$(d usage-bootstrap-authentication)" "true"
check_eq "usage signing" "$(d usage-bootstrap-signing)" "true"
check_eq "extra groups" "$(d auth-extra-groups)" "system:bootstrappers:c8s:default-node-token"
check_eq "description" "$(d description)" "for node2"
EXP=$(date -d "$(d expiration)" +%s)
NOW=$(date +%s)
check "expiration about 2h ahead" test $((EXP - NOW)) -gt 7000 -a $((EXP - NOW)) -le 7200

check_eq "explicit token" "$("$C8S_BIN" token create abcdef.0123456789abcdef --ttl 0 --usages authentication)" \
  "abcdef.0123456789abcdef"
S=$(curl -s "$SERVER_URL/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef")
check_eq "ttl 0: no expiration" "$(jq -r '.data.expiration // "none"' <<<"$S")" "none"
check_eq "only authentication" "$(jq -r '.data["usage-bootstrap-signing"] // "none"' <<<"$S")" "none"

LIST=$("$C8S_BIN" token list)
check_eq "token list exit code" "$?" 0
check_contains "list header" "$LIST" "TOKEN"
check_contains "list shows the first token" "$LIST" "$TOKEN"
check_contains "list shows the second" "$LIST" "abcdef.0123456789abcdef"
check_contains "list: never expires" "$LIST" "<forever>"

OUT=$("$C8S_BIN" token create nope --ttl 1h 2>&1)
check_eq "malformed token refused" "$?" "1"
check_contains "malformed token message" "$OUT" "[a-z0-9]{6}.[a-z0-9]{16}"
OUT=$("$C8S_BIN" token create --ttl 5x 2>&1)
check_eq "malformed ttl refused" "$?" "1"
OUT=$("$C8S_BIN" token create abcdef.0123456789abcdef 2>&1)
check_eq "duplicate token refused" "$?" "1"
check_contains "duplicate message" "$OUT" "already exists"

check_contains "delete by id" "$("$C8S_BIN" token delete "$ID")" "bootstrap token \"$ID\" deleted"
check_contains "delete by token" "$("$C8S_BIN" token delete abcdef.0123456789abcdef)" "deleted"
check_eq "secret gone" "$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/namespaces/kube-system/secrets/bootstrap-token-$ID")" 404
finish
