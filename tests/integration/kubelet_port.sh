#!/usr/bin/env bash
# kubelet_port.sh — the kubelet's HTTPS port (kubelet_server.h) and the API server's way to it:
# the Node reports the port; the port wants a client certificate of the cluster CA (401 without
# one or with a foreign one) from the API server's kubelet client or a system:masters user (403
# for anyone else); GET nodes/{name}/proxy/… reaches it through the API server, for whoever may
# get nodes/proxy. No pods run here.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-kport-XXXXXX)
TMPDIRS+=("$WORK")
started=""
for attempt in 1 2 3; do
  EC=$(free_port)
  EP=$(free_port)
  while [ "$EP" = "$EC" ]; do EP=$(free_port); done
  SERVER_DATA="$WORK/data-$attempt"
  TMPDIRS+=("$SERVER_DATA.log")
  if C8S_NODE_ROLES="--disable-proxy --disable-dns" start_server "$SERVER_DATA" \
    --etcd-client-port "$EC" --etcd-peer-port "$EP" --disable-scheduler \
    --disable-controller-manager --node-name kp1 --node-ip 127.0.0.1 \
    --cluster-cidr 10.42.0.0/16; then
    started=1
    break
  fi
done
[ -n "$started" ] || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
PKI=$SERVER_DATA/pki

port=0
for _ in $(seq 1 100); do
  port=$(curl -sf "$U/api/v1/nodes/kp1" | jq -r '.status.daemonEndpoints.kubeletEndpoint.Port // 0')
  [ "${port:-0}" -gt 0 ] && break
  sleep 0.1
done
check "node reports a kubelet port" test "${port:-0}" -gt 0
node=$(curl -sf "$U/api/v1/nodes/kp1")
# Without the controllers, the server's own node gets the first range of --cluster-cidr.
check_eq "podCIDR from --cluster-cidr" "$(jq -r .spec.podCIDR <<<"$node")" 10.42.0.0/24
check_eq "InternalIP is --node-ip" \
  "$(jq -r '.status.addresses[] | select(.type=="InternalIP") | .address' <<<"$node")" 127.0.0.1
K="https://127.0.0.1:$port"

# The serving certificate: the cluster CA's, for the node's name and address.
check "kubelet cert names the node" bash -c \
  "openssl x509 -in '$PKI/kubelet.crt' -noout -ext subjectAltName | grep -q 'DNS:kp1'"
check "kubelet cert has the node IP" bash -c \
  "openssl x509 -in '$PKI/kubelet.crt' -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1'"

# The admin (system:masters) is let in; so is the API server's kubelet client.
check_eq "admin: /healthz" "$(curl -s "$K/healthz")" ok
check_eq "kubelet client: /healthz" "$(curl -q -s --cacert "$PKI/ca.crt" \
  --cert "$PKI/apiserver-kubelet-client.crt" --key "$PKI/apiserver-kubelet-client.key" \
  "$K/healthz")" ok
check_eq "admin: unknown path 404" "$(curl -s -o /dev/null -w '%{http_code}' "$K/nope")" 404
check_eq "logs of a pod not on the node: 404" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$K/containerLogs/default/nosuch/c")" 404
check_eq "logs with a bad tailLines: 400" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$K/containerLogs/default/nosuch/c?tailLines=x")" 400
check_eq "exec without a websocket: 400" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$K/exec/default/nosuch/c?command=true")" 400
check_eq "attach: 400" "$(curl -s -o /dev/null -w '%{http_code}' "$K/attach/default/nosuch/c")" 400

# No certificate: 401 with a Status.
out=$(curl -q -s --cacert "$PKI/ca.crt" -w '\n%{http_code}' "$K/healthz")
check_eq "no cert: 401" "$(tail -n1 <<<"$out")" 401
check_eq "no cert: Status reason" "$(head -n1 <<<"$out" | jq -r .reason)" Unauthorized

# A certificate of another CA: 401.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=evil-ca \
  -keyout "$WORK/evil-ca.key" -out "$WORK/evil-ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=admin/O=system:masters" \
  -keyout "$WORK/evil.key" -out "$WORK/evil.csr" 2>/dev/null
openssl x509 -req -in "$WORK/evil.csr" -CA "$WORK/evil-ca.crt" -CAkey "$WORK/evil-ca.key" \
  -CAcreateserial -days 1 -out "$WORK/evil.crt" 2>/dev/null
check_eq "foreign CA: 401" "$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" \
  --cert "$WORK/evil.crt" --key "$WORK/evil.key" "$K/healthz")" 401

# A user of the cluster CA outside system:masters: 403, from the kubelet and the API server.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=dev/O=developers" \
  -keyout "$WORK/dev.key" -out "$WORK/dev.csr" 2>/dev/null
openssl x509 -req -in "$WORK/dev.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
  -days 1 -out "$WORK/dev.crt" 2>/dev/null
out=$(curl -q -s --cacert "$PKI/ca.crt" --cert "$WORK/dev.crt" --key "$WORK/dev.key" \
  -w '\n%{http_code}' "$K/healthz")
check_eq "non-admin: 403" "$(tail -n1 <<<"$out")" 403
check_contains "non-admin: message names the user" "$(head -n1 <<<"$out")" "user=dev"
check_eq "non-admin via the API server: 403" "$(curl -q -s -o /dev/null -w '%{http_code}' \
  --cacert "$PKI/ca.crt" --cert "$WORK/dev.crt" --key "$WORK/dev.key" \
  "$U/api/v1/nodes/kp1/proxy/healthz")" 403

# Through the API server (its kubelet client, the node's address and port from the Node).
check_eq "nodes/proxy/healthz" "$(curl -s "$U/api/v1/nodes/kp1/proxy/healthz")" ok
check_eq "nodes/proxy unknown path" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/nodes/kp1/proxy/nope")" 404
check_eq "nodes/proxy of a missing node" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/nodes/nosuch/proxy/healthz")" 404
if command -v kubectl >/dev/null; then
  check_eq "kubectl get --raw nodes/proxy" \
    "$(kubectl get --raw /api/v1/nodes/kp1/proxy/healthz 2>&1)" ok
fi

# A restart keeps the kubelet's certificate (still valid, same names).
fp1=$(openssl x509 -in "$PKI/kubelet.crt" -noout -fingerprint)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
rc=$?; [ "$rc" = 0 ] || tail -30 "$SERVER_DATA.log"
check_eq "server stopped cleanly" "$rc" 0
check_eq "kubelet cert kept" "$(openssl x509 -in "$PKI/kubelet.crt" -noout -fingerprint)" "$fp1"
finish
