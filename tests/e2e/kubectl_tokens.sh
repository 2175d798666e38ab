#!/usr/bin/env bash
# kubectl_tokens.sh — the real kubectl and tokens: `kubectl create token` (TokenRequest), a
# TokenReview of what it printed, `kubectl auth whoami` (SelfSubjectReview) as the admin and as a
# static-token user, and a bad token refused with 401. Discovery must show serviceaccounts/token
# and the authentication.k8s.io reviews for kubectl to use them.
source "$(dirname "$0")/../support/lib.sh"

command -v kubectl >/dev/null || { echo "SKIP: no kubectl"; exit 77; }

WORK=$(mktemp -d /tmp/c8s-test-ktokens-XXXXXX)
TMPDIRS+=("$WORK")
openssl genrsa -out "$WORK/sa.key" 2048 2>/dev/null || { fail "openssl genrsa"; finish; exit 1; }
printf 'root-token,root,0,"system:masters"\n' >"$WORK/tokens.csv"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.crt" -days 1 \
  -subj /CN=test-ca 2>/dev/null || { fail "openssl req"; finish; exit 1; }
start_managed_server "$WORK" --disable-scheduler \
  --service-account-signing-key-file "$WORK/sa.key" --token-auth-file "$WORK/tokens.csv" \
  --root-ca-file "$WORK/ca.crt" --enable-bootstrap-token-auth ||
  { fail "server start"; finish; exit 1; }
KC="$SERVER_DATA/admin.kubeconfig"
k() { kubectl --kubeconfig "$KC" "$@"; }

out=$(k api-resources --api-group=authentication.k8s.io -o name 2>&1)
check_contains "api-resources lists tokenreviews" "$out" "tokenreviews.authentication.k8s.io"
check_contains "api-resources lists selfsubjectreviews" "$out" "selfsubjectreviews.authentication.k8s.io"

k create serviceaccount robot >/dev/null 2>&1 || fail "create serviceaccount"
tok=$(k create token robot --duration 20m 2>&1)
check "kubectl create token prints a JWT" bash -c '[[ "$0" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]]' "$tok"

# --validate=false: kubectl looks for a PATCH operation to learn whether the server validates
# fields, finds none on a create-only kind, and then lists CRDs, which c8s does not serve.
review=$(k create --validate=false -o json -f - 2>&1 <<EOF
{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"$tok"}}
EOF
)
check_contains "TokenReview authenticated" "$review" '"authenticated": true'
check_contains "TokenReview user" "$review" '"username": "system:serviceaccount:default:robot"'

# The default ServiceAccount of a namespace (the controller-manager makes it).
for _ in $(seq 1 50); do k get serviceaccount default >/dev/null 2>&1 && break; sleep 0.1; done
dtok=$(k create token default 2>&1)
check "kubectl create token default" bash -c '[[ "$0" == *.*.* ]]' "$dtok"

# `kubectl auth whoami` (a SelfSubjectReview sent as protobuf). The admin kubeconfig has no
# credentials while the server speaks plain HTTP, so it is anonymous (and trusted) until TLS
# lands and gives it a client certificate.
out=$(k auth whoami 2>&1)
check_contains "whoami answers" "$out" "Username"
# Tokens are checked with curl -q (no .curlrc): the admin's client certificate from lib.sh's
# curlrc would be taken before the token, as upstream's authenticator chain takes it.
out=$(curl -q -s --cacert "$SERVER_DATA/pki/ca.crt" -X POST -H "Authorization: Bearer root-token" -H "Content-Type: application/json" \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  "$SERVER_URL/apis/authentication.k8s.io/v1/selfsubjectreviews")
check_contains "SelfSubjectReview with a static token" "$out" '"username":"root"'
code=$(curl -q -s --cacert "$SERVER_DATA/pki/ca.crt" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer wrong-token" "$SERVER_URL/api/v1/namespaces")
check_eq "a bad token is refused" "$code" 401

# A bootstrap token made by `c8s token create` authenticates as system:bootstrap:<id>.
btok=$(KUBECONFIG="$KC" "$C8S_BIN" token create --ttl 1h 2>&1)
bid=${btok%%.*}
breview=""
for _ in $(seq 1 50); do
  breview=$(curl -s -X POST -H "Content-Type: application/json" \
    -d "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenReview\",\"spec\":{\"token\":\"$btok\"}}" \
    "$SERVER_URL/apis/authentication.k8s.io/v1/tokenreviews")
  case "$breview" in *'"authenticated":true'*) break ;; esac
  sleep 0.1
done
check_contains "bootstrap token authenticated" "$breview" "\"username\":\"system:bootstrap:$bid\""
check_contains "bootstrap token groups" "$breview" "system:bootstrappers:c8s:default-node-token"

# The root-CA publisher: kube-root-ca.crt in every namespace, put back when deleted.
ca_in() { k get configmap kube-root-ca.crt -n "$1" -o jsonpath='{.data.ca\.crt}' 2>/dev/null; }
wait_ca() { for _ in $(seq 1 100); do [ "$(ca_in "$1")" = "$(cat "$WORK/ca.crt")" ] && return 0; sleep 0.1; done; return 1; }
check "kube-root-ca.crt in default" wait_ca default
check "kube-root-ca.crt in kube-system" wait_ca kube-system
k create namespace team-a >/dev/null 2>&1 || fail "create namespace"
check "kube-root-ca.crt in a new namespace" wait_ca team-a
k delete configmap kube-root-ca.crt -n team-a >/dev/null 2>&1 || fail "delete configmap"
check "kube-root-ca.crt comes back" wait_ca team-a

# ServiceAccount admission: a pod gets the kube-api-access volume mounted in its container.
k create serviceaccount sa-pod >/dev/null 2>&1
# Admission reads the watch cache (resourceVersion=0 reads it too): wait until it has the account.
for _ in $(seq 1 50); do k get --raw '/api/v1/namespaces/default/serviceaccounts/sa-pod?resourceVersion=0' >/dev/null 2>&1 && break; sleep 0.1; done
out=$(k run p1 --image=busybox --restart=Never --overrides='{"spec":{"serviceAccountName":"sa-pod"}}' -o json --dry-run=server 2>&1)
check_contains "pod has the kube-api-access volume" "$out" '"name": "kube-api-access-'
check_contains "mounted at the service account path" "$out" '/var/run/secrets/kubernetes.io/serviceaccount'

finish
