#!/usr/bin/env bash
# agent_serving.sh — a joined node's certificates (include/c8s/certmgr.h): once its Node is
# registered the agent asks for a kubelet-serving certificate by CSR (approved because the node
# asks for its own addresses), opens the kubelet port with it, and the API server reaches that
# port; with short-lived certificates (the test knobs C8S_CSR_MIN_EXPIRATION_S on the server,
# C8S_KUBELET_CERT_EXPIRATION_S on the agent) both the client and the serving certificate are
# renewed by new CSRs, the node stays Ready and the port answers with the new certificate; a
# restart reuses the serving certificate it has. The node lives in a network namespace of the
# test's own, as in agent.sh.
if [ -z "${C8S_AGENT_INNER:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
    echo "SKIP: needs root and unshare"
    exit 77
  fi
  exec unshare -n env C8S_AGENT_INNER=1 bash "$0" "$@"
fi
source "$(dirname "$0")/../support/lib.sh"
ip link set lo up
unshare -n sleep 100000 &
NODE_NS=$!
PIDS+=("$NODE_NS")
sleep 0.2
ip link add c8s-srv type veth peer name c8s-node netns "$NODE_NS"
ip addr add 10.199.1.1/24 dev c8s-srv
ip link set c8s-srv up
nsenter -t "$NODE_NS" -n sh -c 'ip link set lo up && ip addr add 10.199.1.2/24 dev c8s-node &&
  ip link set c8s-node up'

WORK=$(mktemp -d /tmp/c8s-test-agentserving-XXXXXX)
TMPDIRS+=("$WORK")
# Certificates of 180 s: the signer backdates them 5 minutes, so their lifetime is 480 s and a
# renewal is due 36 to 132 s after each is issued (70-90 %).
export C8S_CSR_MIN_EXPIRATION_S=120
start_managed_server "$WORK" --disable-scheduler --enable-bootstrap-token-auth \
  --bind-address 0.0.0.0 --advertise-address 10.199.1.1 || {
  fail "server start"; finish; exit 1; }
CA="$SERVER_DATA/pki/ca.crt"
TOKEN=$("$C8S_BIN" token create --ttl 1h)
REMOTE="https://10.199.1.1:$SERVER_PORT"
for _ in $(seq 1 100); do
  curl -q -s --cacert "$CA" "$SERVER_URL/api/v1/namespaces/kube-public/configmaps/cluster-info" |
    jq -e ".data[\"jws-kubeconfig-${TOKEN%%.*}\"]" >/dev/null && break
  sleep 0.1
done
PKI="$WORK/n1/pki"

start_agent() { # start_agent LOG ARGS...
  local log=$1; shift
  C8S_KUBELET_CERT_EXPIRATION_S=180 nsenter -F -t "$NODE_NS" -n "$C8S_BIN" agent \
    --data-dir "$WORK/n1" --node-name n1 --disable-pods --disable-proxy --disable-dns \
    --node-status-interval-ms 2000 "$@" \
    >"$log" 2>&1 &
  AGENT=$!
  PIDS+=("$AGENT")
}
until_ok() { # until_ok SECONDS command... : polls every half second
  local end=$((SECONDS + $1)); shift
  while [ "$SECONDS" -lt "$end" ]; do "$@" && return 0; sleep 0.5; done
  return 1
}
serving_csrs() { kubectl get csr -o json | jq '[.items[] | select(.spec.signerName=="kubernetes.io/kubelet-serving")]'; }
issued_serving() { [ "$(serving_csrs | jq '[.[] | select(.status.certificate != null)] | length')" -ge "$1" ]; }
node_ready() { [ "$(kubectl get node n1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }
port_published() { [ "$(kubectl get node n1 -o jsonpath='{.status.daemonEndpoints.kubeletEndpoint.Port}' 2>/dev/null)" = 10250 ]; }
# The certificate the kubelet port presents, verified against the cluster CA (empty when the
# handshake or the verification fails).
NODE_IP=10.199.1.2
port_cert() {
  local out
  out=$(openssl s_client -connect "$NODE_IP:10250" -CAfile "$CA" -verify_return_error </dev/null 2>/dev/null) || return 1
  openssl x509 <<<"$out" 2>/dev/null
}
port_serial() { port_cert | openssl x509 -noout -serial 2>/dev/null; }
pem_serial() { openssl x509 -in "$1" -noout -serial 2>/dev/null; }

start_agent "$WORK/n1.log" --server "$REMOTE" --token "$TOKEN"
check "node n1 Ready" until_ok 120 node_ready
check "a kubelet-serving CSR issued" until_ok 120 issued_serving 1
CSR=$(serving_csrs | jq '.[0]')
check_eq "asked by the node itself" "$(jq -r .spec.username <<<"$CSR")" "system:node:n1"
check_contains "approved" "$(jq -c .status.conditions <<<"$CSR")" '"type":"Approved"'
check_eq "serving usages" "$(jq -c '.spec.usages | sort' <<<"$CSR")" '["digital signature","server auth"]'
check "kubelet-server-current.pem written" until_ok 60 test -s "$PKI/kubelet-server-current.pem"
check_eq "its key kept private" "$(stat -c %a "$PKI/kubelet-server-current.pem")" 600
check_eq "the client pair kept private" "$(stat -c %a "$PKI/kubelet-client-current.pem")" 600
check "the port's number published on the Node" until_ok 60 port_published
check "the port answers with a certificate the cluster CA signed" until_ok 60 port_cert
CERT=$(port_cert)
check_contains "subject is the node" "$(openssl x509 -noout -subject <<<"$CERT")" "system:node:n1"
SAN=$(openssl x509 -noout -ext subjectAltName <<<"$CERT")
check_contains "SANs name the node IP" "$SAN" "IP Address:10.199.1.2"
check_contains "server auth" "$(openssl x509 -noout -ext extendedKeyUsage <<<"$CERT")" "TLS Web Server Authentication"
check_eq "the port serves the file's certificate" "$(port_serial)" "$(pem_serial "$PKI/kubelet-server-current.pem")"
# Through the API server (nodes/proxy): it verifies the kubelet with the cluster CA.
summary_via_api() { [ "$(kubectl get --raw /api/v1/nodes/n1/proxy/stats/summary 2>/dev/null | jq -r .node.nodeName)" = n1 ]; }
check "the API server reaches the agent's kubelet" until_ok 60 summary_via_api

# Rotation: both certificates are replaced by new CSRs (the client one as the node itself, the
# approver's selfnodeclient path) and used without a restart.
CLIENT0=$(pem_serial "$PKI/kubelet-client-current.pem")
cp "$PKI/kubelet-client-current.pem" "$WORK/old-client.pem"
OLD_END=$(date -d "$(openssl x509 -in "$WORK/old-client.pem" -noout -enddate | cut -d= -f2)" +%s)
SERVING0=$(pem_serial "$PKI/kubelet-server-current.pem")
client_renewed() { local s; s=$(pem_serial "$PKI/kubelet-client-current.pem"); [ -n "$s" ] && [ "$s" != "$CLIENT0" ]; }
serving_renewed() { local s; s=$(port_serial); [ -n "$s" ] && [ "$s" != "$SERVING0" ]; }
check "the client certificate is renewed" until_ok 240 client_renewed
check "the port serves a renewed certificate" until_ok 240 serving_renewed
check_eq "the port serves the renewed file's certificate" "$(port_serial)" "$(pem_serial "$PKI/kubelet-server-current.pem")"
SELF=$(kubectl get csr -o json | jq '[.items[] | select(.spec.signerName=="kubernetes.io/kube-apiserver-client-kubelet" and .spec.username=="system:node:n1")] | .[0]')
check_contains "the renewal asked as the node" "$(jq -r '.status.conditions[0].message' <<<"$SELF")" "self kubelet client"
check "issued" test -n "$(jq -r '.status.certificate // empty' <<<"$SELF")"
check_contains "the kubeconfig names the renewed pair" "$(cat "$WORK/n1/kubelet.kubeconfig")" "kubelet-client-current.pem"
WHO=$(curl -q -s --cacert "$CA" --cert "$PKI/kubelet-client-current.pem" \
  -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  "$SERVER_URL/apis/authentication.k8s.io/v1/selfsubjectreviews")
check_eq "the renewed client certificate is the node's" "$(jq -r .status.userInfo.username <<<"$WHO")" "system:node:n1"
# The Lease keeps being renewed with the new pair.
T0=$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.renewTime}')
lease_moved() { [ "$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.renewTime}')" != "$T0" ]; }
check "the lease is renewed after the rotation" until_ok 60 lease_moved
check "node n1 still Ready" node_ready
# Once the first client certificate has expired the API server refuses it, even on a connection
# opened before (validity is judged per request); the node goes on with the renewed one. Its
# heartbeats every 2 s keep a connection busy (the server drops idle ones after 10 s): the
# client must not go on reusing one opened with the old certificate.
expired() { [ "$(date +%s)" -gt "$((OLD_END + 2))" ]; }
check "the first client certificate expires" until_ok 240 expired
self_review() { # self_review PEM : the HTTP status of a SelfSubjectReview made with PEM
  curl -q -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert "$1" -X POST \
    -H 'Content-Type: application/json' \
    -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
    "$SERVER_URL/apis/authentication.k8s.io/v1/selfsubjectreviews"
}
check_eq "the expired certificate is refused" "$(self_review "$WORK/old-client.pem")" 401
check_eq "the current one is accepted" "$(self_review "$PKI/kubelet-client-current.pem")" 201
T0=$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.renewTime}')
check "the lease is renewed after the first certificate expired" until_ok 60 lease_moved
check "node n1 Ready after the first certificate expired" node_ready
check_eq "no renewal denied or failed" "$(grep -c ': Denied: \|: Failed: ' "$WORK/n1.log")" 0

# A restart serves at once with the certificate it has, before asking for any other (one may
# be due meanwhile: the renewal point is drawn again at every start). It restarts with another
# --node-ip: once the Node reports that address the certificate no longer names all of the
# Node's addresses and is renewed for them.
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "agent stops cleanly" "$?" 0
nsenter -t "$NODE_NS" -n ip addr add 10.199.1.3/24 dev c8s-node
NODE_IP=10.199.1.3
RESTART_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
start_agent "$WORK/n1b.log" --node-ip "$NODE_IP"
served() { grep -q "serves on port 10250 with $PKI/kubelet-server-current.pem" "$WORK/n1b.log"; }
check "restart: the port opens with the kept certificate" until_ok 60 served
first_serve=$(grep -n "serving with the kept certificate" "$WORK/n1b.log" | head -1 | cut -d: -f1)
first_csr=$(grep -n "kubelet-serving) sent" "$WORK/n1b.log" | head -1 | cut -d: -f1)
check "restart: served before any new serving CSR" test "${first_csr:-999999}" -gt "${first_serve:-0}"
check "restart: the port answers on the new address" until_ok 60 port_cert
check_contains "restart: already joined" "$(cat "$WORK/n1b.log")" "already joined"
# The join CSR itself may be gone by now: the csrcleaner deletes it once its 180 s certificate
# has expired, as upstream's. What counts is that the restart made none.
check_eq "restart: no new join CSR" "$(kubectl get csr -o json | jq --arg t "$RESTART_AT" '[.items[] | select((.spec.username | startswith("system:bootstrap:")) and .metadata.creationTimestamp >= $t)] | length')" 0
names_new_ip() { port_cert | openssl x509 -noout -ext subjectAltName 2>/dev/null | grep -q "IP Address:10.199.1.3"; }
check "restart: a serving certificate naming the new address" until_ok 180 names_new_ip
check_eq "the Node's InternalIP" "$(kubectl get node n1 -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')" 10.199.1.3
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "agent stops cleanly again" "$?" 0
if [ "$FAILED" -ne 0 ]; then tail -n 30 "$WORK/n1.log" "$WORK/n1b.log" >&2; fi
finish
