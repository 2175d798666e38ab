#!/usr/bin/env bash
# csr.sh — certificates.k8s.io CertificateSigningRequests with the real kubectl and openssl: the
# server records the requester, validation refuses bad requests, `kubectl certificate approve`
# leads to a certificate signed by the cluster CA that authenticates; deny; the kubelet client
# CSR of a bootstrap token is approved and issued by the controllers alone; kube-public
# cluster-info is readable without credentials (with its JWS signature) and nothing else is.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-csr-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-scheduler --enable-bootstrap-token-auth || {
  fail "server start"; finish; exit 1; }
CA="$SERVER_DATA/pki/ca.crt"

b64() { base64 -w0 "$1"; }
csr_obj() { # name csrfile signer usages-json [expirationSeconds]
  local exp=""
  [ -n "${5:-}" ] && exp=", \"expirationSeconds\": $5"
  printf '{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"%s"},"spec":{"request":"%s","signerName":"%s","usages":%s%s}}' \
    "$1" "$(b64 "$2")" "$3" "$4" "$exp"
}

# A client CSR for user alice in group dev.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/alice.key" \
  -subj "/O=dev/CN=alice" -out "$WORK/alice.csr" 2>/dev/null
csr_obj alice "$WORK/alice.csr" kubernetes.io/kube-apiserver-client '["client auth","digital signature"]' 3600 >"$WORK/alice.json"
OUT=$(kubectl create -f "$WORK/alice.json" 2>&1)
check_contains "create csr" "$OUT" "created"
S=$(kubectl get csr alice -o json)
check_eq "requester recorded" "$(jq -r .spec.username <<<"$S")" "kubernetes-admin"
check_contains "requester groups recorded" "$(jq -c .spec.groups <<<"$S")" "system:masters"
T=$(kubectl get csr alice --no-headers)
check_contains "table: signer" "$T" "kubernetes.io/kube-apiserver-client"
check_contains "table: pending" "$T" "Pending"
check_contains "table: requested duration" "$T" "60m"

# Validation.
echo "not a csr" >"$WORK/junk"
OUT=$(csr_obj junk "$WORK/junk" kubernetes.io/kube-apiserver-client '["client auth"]' | kubectl create -f - 2>&1)
check_contains "bad request refused" "$OUT" "PEM block type must be CERTIFICATE REQUEST"
OUT=$(csr_obj short "$WORK/alice.csr" kubernetes.io/kube-apiserver-client '["client auth"]' 60 | kubectl create -f - 2>&1)
check_contains "short duration refused" "$OUT" "may not specify a duration less than 600 seconds"
OUT=$(csr_obj nosigner "$WORK/alice.csr" nosigner '["client auth"]' | kubectl create -f - 2>&1)
check_contains "bad signer refused" "$OUT" "spec.signerName"
OUT=$(csr_obj badusage "$WORK/alice.csr" example.com/x '["flying"]' | kubectl create -f - 2>&1)
check_contains "bad usage refused" "$OUT" "Unsupported value: \"flying\""

# Approve with kubectl: the signing controller issues a certificate that authenticates.
OUT=$(kubectl certificate approve alice 2>&1)
check_contains "kubectl certificate approve" "$OUT" "approved"
for _ in $(seq 1 100); do
  C=$(kubectl get csr alice -o jsonpath='{.status.certificate}')
  [ -n "$C" ] && break
  sleep 0.1
done
check "certificate issued" test -n "$C"
base64 -d <<<"$C" >"$WORK/alice.crt"
check "signed by the cluster CA" openssl verify -CAfile "$CA" "$WORK/alice.crt"
check_contains "subject kept" "$(openssl x509 -in "$WORK/alice.crt" -noout -subject)" "CN = alice"
NA=$(date -d "$(openssl x509 -in "$WORK/alice.crt" -noout -enddate | cut -d= -f2)" +%s)
check "expirationSeconds honoured" test $((NA - $(date +%s))) -le 3600 -a $((NA - $(date +%s))) -gt 3000
check_contains "table: approved, issued" "$(kubectl get csr alice --no-headers)" "Approved,Issued"
WHO=$(curl -q -s --cacert "$CA" --cert "$WORK/alice.crt" --key "$WORK/alice.key" -X POST \
  -H 'Content-Type: application/json' -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  "$SERVER_URL/apis/authentication.k8s.io/v1/selfsubjectreviews")
check_eq "the certificate authenticates as alice" "$(jq -r .status.userInfo.username <<<"$WHO")" "alice"
check_contains "with its group" "$(jq -c .status.userInfo.groups <<<"$WHO")" "dev"
OUT=$(kubectl certificate deny alice 2>&1)
check "approved and denied are exclusive" test $? -ne 0

# Deny.
csr_obj bob "$WORK/alice.csr" kubernetes.io/kube-apiserver-client '["client auth"]' | kubectl create -f - >/dev/null
check_contains "kubectl certificate deny" "$(kubectl certificate deny bob 2>&1)" "denied"
sleep 1
check_eq "denied: no certificate" "$(kubectl get csr bob -o jsonpath='{.status.certificate}')" ""
check_contains "table: denied" "$(kubectl get csr bob --no-headers)" "Denied"

# Approval and status over the API with conditions that carry no times: the server fills
# lastUpdateTime and lastTransitionTime, keeping the transition of a condition that did not
# change (upstream's strategy). No controller signs for example.com/manual.
csr_obj carol "$WORK/alice.csr" example.com/manual '["client auth"]' | kubectl create -f - >/dev/null
kubectl get csr carol -o json |
  jq '.status.conditions=[{"type":"Approved","status":"True","reason":"Manual","message":"curl"}]' \
    >"$WORK/carol.json"
R=$(curl -s -o "$WORK/carol.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data-binary @"$WORK/carol.json" \
  "$SERVER_URL/apis/certificates.k8s.io/v1/certificatesigningrequests/carol/approval")
check_eq "approval over the API" "$R" 200
APPROVED_AT=$(jq -r '.status.conditions[0].lastTransitionTime // empty' "$WORK/carol.out")
check "approval: lastUpdateTime filled" \
  test -n "$(jq -r '.status.conditions[0].lastUpdateTime // empty' "$WORK/carol.out")"
check "approval: lastTransitionTime filled" test -n "$APPROVED_AT"
jq '.status.conditions=[{"type":"Approved","status":"True","reason":"Manual"},
    {"type":"Failed","status":"True","reason":"NoSigner","message":"nobody signs this"}]' \
  "$WORK/carol.out" >"$WORK/carol2.json"
sleep 1.1 # a second passes, so that a transition time made now would differ
R=$(curl -s -o "$WORK/carol2.out" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data-binary @"$WORK/carol2.json" \
  "$SERVER_URL/apis/certificates.k8s.io/v1/certificatesigningrequests/carol/status")
check_eq "status over the API" "$R" 200
check "status: Failed has lastUpdateTime" \
  test -n "$(jq -r '.status.conditions[] | select(.type=="Failed") | .lastUpdateTime // empty' "$WORK/carol2.out")"
check_eq "status: Approved keeps its transition time" \
  "$(jq -r '.status.conditions[] | select(.type=="Approved") | .lastTransitionTime' "$WORK/carol2.out")" \
  "$APPROVED_AT"

# A bootstrap token asks for a node client certificate: approved and issued with no one's help.
TOKEN=$("$C8S_BIN" token create --ttl 1h)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/n1.key" \
  -subj "/O=system:nodes/CN=system:node:n1" -out "$WORK/n1.csr" 2>/dev/null
csr_obj node-csr-n1 "$WORK/n1.csr" kubernetes.io/kube-apiserver-client-kubelet '["client auth","digital signature"]' >"$WORK/n1.json"
R=$(curl -q -s -o "$WORK/n1.out" -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/n1.json" \
  "$SERVER_URL/apis/certificates.k8s.io/v1/certificatesigningrequests")
check_eq "bootstrap token creates a CSR" "$R" 201
check_eq "requester is the bootstrap token" "$(jq -r .spec.username "$WORK/n1.out")" "system:bootstrap:${TOKEN%%.*}"
for _ in $(seq 1 100); do
  C=$(kubectl get csr node-csr-n1 -o jsonpath='{.status.certificate}')
  [ -n "$C" ] && break
  sleep 0.1
done
check "node client certificate issued" test -n "$C"
check_contains "auto-approved by the approver" "$(kubectl get csr node-csr-n1 -o json | jq -c .status.conditions)" "AutoApproved"
# A CSR of a bootstrap token for something else is left alone.
csr_obj node-csr-other "$WORK/alice.csr" kubernetes.io/kube-apiserver-client-kubelet '["client auth","digital signature"]' >"$WORK/o.json"
curl -q -s -o /dev/null --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/o.json" \
  "$SERVER_URL/apis/certificates.k8s.io/v1/certificatesigningrequests"
sleep 1.5
check_contains "not a node's CSR: not approved" "$(kubectl get csr node-csr-other --no-headers)" "Pending"
R=$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$CA" -H "Authorization: Bearer $TOKEN" \
  "$SERVER_URL/api/v1/namespaces/default/pods")
check_eq "bootstrap token cannot read pods" "$R" 403

# Cluster discovery: cluster-info without credentials, with a valid JWS for the token.
for _ in $(seq 1 100); do
  CI=$(curl -q -s --cacert "$CA" "$SERVER_URL/api/v1/namespaces/kube-public/configmaps/cluster-info")
  [ "$(jq -r ".data[\"jws-kubeconfig-${TOKEN%%.*}\"] // empty" <<<"$CI" 2>/dev/null)" != "" ] && break
  sleep 0.1
done
check_contains "cluster-info readable anonymously" "$(jq -r .data.kubeconfig <<<"$CI")" "certificate-authority-data"
check "jws present" test -n "$(jq -r ".data[\"jws-kubeconfig-${TOKEN%%.*}\"] // empty" <<<"$CI")"
R=$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$SERVER_URL/api/v1/namespaces/kube-public/configmaps")
check_eq "anonymous list: 401" "$R" 401
R=$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$SERVER_URL/api/v1/namespaces/kube-system/secrets")
check_eq "anonymous secrets: 401" "$R" 401
R=$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$CA" "$SERVER_URL/api")
check_eq "anonymous discovery: 401" "$R" 401

# The join command names the server, the token and the CA pin.
J=$("$C8S_BIN" token create --ttl 1h --print-join-command)
HASH=$(openssl x509 -in "$CA" -noout -pubkey | openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)
check_contains "join command" "$J" "c8s agent --server https://"
check_contains "join command pins the CA" "$J" "--ca-cert-hash sha256:$HASH"
finish
