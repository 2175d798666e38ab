#!/usr/bin/env bash
# security_tls.sh — the API port is TLS only and client certificates authenticate (issue 8):
# the PKI a first start makes under <data-dir>/pki (modes, names, reuse on restart, re-issue
# when a name is missing), anonymous requests refused except the health endpoints, a foreign
# CA's certificate refused with 401 (not a TLS error), the admin's and another user's
# certificate accepted, ALPN h2, TLS 1.2 as the floor, the real kubectl with the admin
# kubeconfig alone, and operator-supplied certificate files.
source "$(dirname "$0")/../support/lib.sh"
command -v openssl >/dev/null || { echo "openssl not found: skipping"; exit 77; }

WORK=$(mktemp -d /tmp/c8s-test-tls-XXXXXX)
TMPDIRS+=("$WORK")
# Our own etcd ports (kept for the restarts below); a start that loses a port race to a
# parallel test is tried again with fresh ports and a fresh data dir.
started=""
for attempt in 1 2 3; do
  EC=$(free_port)
  EP=$(free_port)
  while [ "$EP" = "$EC" ]; do EP=$(free_port); done
  SERVER_DATA="$WORK/data-$attempt"
  TMPDIRS+=("$SERVER_DATA.log")
  ARGS=(--etcd-client-port "$EC" --etcd-peer-port "$EP" --disable-scheduler
    --disable-controller-manager --node-name tls-node)
  if start_server "$SERVER_DATA" "${ARGS[@]}"; then
    started=1
    break
  fi
done
[ -n "$started" ] || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
PKI=$SERVER_DATA/pki

# --- the PKI on disk ---
for f in ca.crt ca.key apiserver.crt apiserver.key admin.crt admin.key sa.key sa.pub; do
  check "pki/$f exists" test -s "$PKI/$f"
done
for f in ca.key apiserver.key admin.key sa.key; do
  check_eq "pki/$f mode" "$(stat -c %a "$PKI/$f")" 600
done
check_eq "admin.kubeconfig mode" "$(stat -c %a "$SERVER_DATA/admin.kubeconfig")" 600
check_contains "kubeconfig server is https" "$(cat "$SERVER_DATA/admin.kubeconfig")" \
  "server: https://127.0.0.1:$SERVER_PORT"
check_contains "kubeconfig embeds the CA" "$(cat "$SERVER_DATA/admin.kubeconfig")" \
  "certificate-authority-data:"
check_contains "admin subject" "$(openssl x509 -in "$PKI/admin.crt" -noout -subject)" \
  "O = system:masters, CN = kubernetes-admin"
check_contains "sa key is RSA 2048" "$(openssl pkey -in "$PKI/sa.key" -noout -text 2>&1 | head -1)" \
  "2048 bit"
check "sa.pub is the public half of sa.key" \
  cmp -s <(openssl pkey -in "$PKI/sa.key" -pubout) "$PKI/sa.pub"
for ip in 127.0.0.1 ::1 10.96.0.1; do
  check "serving cert verifies for $ip" \
    openssl verify -CAfile "$PKI/ca.crt" -verify_ip "$ip" "$PKI/apiserver.crt"
done
for name in kubernetes.default.svc kubernetes.default.svc.cluster.local localhost tls-node "$(hostname)"; do
  check "serving cert verifies for $name" \
    openssl verify -CAfile "$PKI/ca.crt" -verify_hostname "$name" "$PKI/apiserver.crt"
done
check "not for other names" \
  bash -c "! openssl verify -CAfile '$PKI/ca.crt' -verify_hostname example.com '$PKI/apiserver.crt' >/dev/null 2>&1"
# And as a client sees it: curl reaching the server by its service name.
code=$(curl -q -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" \
  --resolve "kubernetes.default.svc:$SERVER_PORT:127.0.0.1" "https://kubernetes.default.svc:$SERVER_PORT/healthz")
check_eq "https://kubernetes.default.svc verifies" "$code" 200

# --- authentication (curl -q: without the admin's .curlrc) ---
anon() { curl -q -s -o "$WORK/body" -w '%{http_code}' --cacert "$PKI/ca.crt" "$@"; }
check_eq "anonymous /api/v1/pods" "$(anon "$U/api/v1/pods")" 401
check_contains "401 is a Status" "$(cat "$WORK/body")" '"reason":"Unauthorized"'
check_eq "anonymous discovery" "$(anon "$U/api")" 401
check_eq "anonymous /metrics" "$(anon "$U/metrics")" 401
for p in healthz livez readyz version; do
  check_eq "anonymous /$p" "$(anon "$U/$p")" 200
done
check_eq "plain HTTP is not served" \
  "$(curl -q -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVER_PORT/healthz")" 000

# A certificate from another CA, even one claiming system:masters: 401, after a handshake.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/other-ca.key" -out "$WORK/other-ca.crt" -subj "/CN=other-ca" 2>/dev/null
mkcert() { # mkcert NAME SUBJECT CA_CRT CA_KEY
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/$1.key" -out "$WORK/$1.csr" -subj "$2" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$WORK/$1.ext"
  openssl x509 -req -in "$WORK/$1.csr" -CA "$3" -CAkey "$4" -CAcreateserial -days 1 \
    -extfile "$WORK/$1.ext" -out "$WORK/$1.crt" 2>/dev/null
}
mkcert mallory "/O=system:masters/CN=mallory" "$WORK/other-ca.crt" "$WORK/other-ca.key"
check_eq "foreign CA's certificate" \
  "$(anon --cert "$WORK/mallory.crt" --key "$WORK/mallory.key" "$U/api/v1/pods")" 401
check_eq "admin certificate" \
  "$(anon --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$U/api/v1/pods")" 200
# alice in group dev, from the cluster CA: authenticated, but not system:masters.
mkcert alice "/O=dev/CN=alice" "$PKI/ca.crt" "$PKI/ca.key"
# No authorizer grants her anything on this branch (RBAC comes with its own change): 403, and
# the refusal names her, which shows the certificate authenticated her.
alice=$(anon --cert "$WORK/alice.crt" --key "$WORK/alice.key" "$U/api/v1/namespaces/default/pods")
check_eq "alice (cluster CA, O=dev) is not system:masters" "$alice" 403
check_contains "403 names alice" "$(cat "$WORK/body")" 'User \"alice\"'
check_eq "alice still gets /healthz" \
  "$(anon --cert "$WORK/alice.crt" --key "$WORK/alice.key" "$U/healthz")" 200
# A server certificate is not a client certificate.
check_eq "serving certificate as a client" \
  "$(anon --cert "$PKI/apiserver.crt" --key "$PKI/apiserver.key" "$U/api/v1/pods")" 401

# --- protocol ---
check_eq "ALPN h2" "$(curl -s -o /dev/null -w '%{http_version}' --http2 "$U/api/v1/namespaces")" 2
check_eq "HTTP/1.1 too" "$(curl -s -o /dev/null -w '%{http_version}' --http1.1 "$U/api/v1/namespaces")" 1.1
check "TLS 1.1 refused" bash -c "! curl -s -o /dev/null --tlsv1 --tls-max 1.1 '$U/healthz'"
check_eq "TLS 1.2 accepted" "$(curl -s -o /dev/null -w '%{http_code}' --tlsv1.2 --tls-max 1.2 "$U/healthz")" 200

# --- kubectl with the admin kubeconfig and no other flag (several releases) ---
if command -v kubectl >/dev/null; then
  out=$(kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" get ns -o name 2>&1)
  check_contains "kubectl get ns" "$out" "namespace/default"
  sdk=$(dirname "$(readlink -f "$(command -v gcloud 2>/dev/null || echo /usr/lib/google-cloud-sdk/bin/gcloud)")")
  for k in "$sdk"/kubectl.1.27 "$sdk"/kubectl.1.33; do
    [ -x "$k" ] || continue
    out=$("$k" --kubeconfig "$SERVER_DATA/admin.kubeconfig" get ns -o name 2>&1)
    check_contains "$(basename "$k") get ns" "$out" "namespace/kube-system"
  done
fi
check_contains "c8s ctl get ns" "$("$C8S_BIN" ctl --kubeconfig "$SERVER_DATA/admin.kubeconfig" get ns 2>&1)" default

# --- restart: everything reused; a new node name re-issues the serving certificate only ---
sum() { sha256sum "$PKI/$1" | cut -d' ' -f1; }
ca1=$(sum ca.crt); srv1=$(sum apiserver.crt); adm1=$(sum admin.crt); sa1=$(sum sa.key)
restart() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null
  check_eq "server stopped cleanly" "$?" 0
  start_server "$SERVER_DATA" "$@" || { fail "server restart"; finish; exit 1; }
  U=$SERVER_URL
}
restart "${ARGS[@]}"
check_eq "CA reused" "$(sum ca.crt)" "$ca1"
check_eq "serving certificate reused" "$(sum apiserver.crt)" "$srv1"
check_eq "admin certificate reused" "$(sum admin.crt)" "$adm1"
check_eq "sa key reused" "$(sum sa.key)" "$sa1"
check_eq "old admin cert still works" \
  "$(anon --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$U/api/v1/pods")" 200
restart "${ARGS[@]}" --node-name renamed-node
check_eq "CA kept" "$(sum ca.crt)" "$ca1"
check "serving certificate re-issued" test "$(sum apiserver.crt)" != "$srv1"
check "it names the new node" \
  openssl verify -CAfile "$PKI/ca.crt" -verify_hostname renamed-node "$PKI/apiserver.crt"

# --- operator-supplied files: their serving certificate, their client CA ---
mkdir -p "$WORK/op"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/op/ca.key" -out "$WORK/op/ca.crt" -subj "/CN=operator-ca" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$WORK/op/srv.key" -out "$WORK/op/srv.csr" -subj "/CN=operator-apiserver" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$WORK/op/srv.ext"
openssl x509 -req -in "$WORK/op/srv.csr" -CA "$WORK/op/ca.crt" -CAkey "$WORK/op/ca.key" \
  -CAcreateserial -days 1 -extfile "$WORK/op/srv.ext" -out "$WORK/op/srv.crt" 2>/dev/null
mkcert opuser "/O=system:masters/CN=op-admin" "$WORK/op/ca.crt" "$WORK/op/ca.key"
restart "${ARGS[@]}" --tls-cert-file "$WORK/op/srv.crt" --tls-private-key-file "$WORK/op/srv.key" \
  --client-ca-file "$WORK/op/ca.crt"
opcurl() { curl -q -s -o /dev/null -w '%{http_code}' --cacert "$WORK/op/ca.crt" "$@"; }
check_eq "operator serving certificate" "$(opcurl "$U/healthz")" 200
check_eq "operator's client CA" \
  "$(opcurl --cert "$WORK/opuser.crt" --key "$WORK/opuser.key" "$U/api/v1/pods")" 200
check_eq "cluster CA no longer trusted for clients" \
  "$(opcurl --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$U/api/v1/pods")" 401
finish
