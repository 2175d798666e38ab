#!/usr/bin/env bash
# encryption.sh — encryption at rest with a real etcd: a Secret written before encryption stays
# readable through identity; with --encryption-provider-config new Secrets are stored as
# k8s:enc:aesgcm:v1:key1:… (read raw with etcdctl) while the API and its watches see plaintext;
# ConfigMaps, not listed, stay plaintext; after a restart with key2 in front, key1's data still
# reads and new writes use key2; a bad config stops the server with a clear message.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-enc-XXXXXX)
TMPDIRS+=("$WORK")

# Plaintexts that must never reach etcd once encryption is on, and their base64 (Secret data).
P1="hunter2-first-secret"
P2="correct-horse-battery"
B1=$(printf %s "$P1" | base64)
B2=$(printf %s "$P2" | base64)
PLAIN0=$(printf %s "written-before-encryption" | base64)

K1=$(head -c 32 /dev/urandom | base64)
K2=$(head -c 32 /dev/urandom | base64)
cat >"$WORK/enc1.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources:
  - secrets
  providers:
  - aesgcm:
      keys:
      - name: key1
        secret: $K1
  - identity: {}
EOF
cat >"$WORK/enc2.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aesgcm:
      keys:
      - {name: key2, secret: $K2}
      - {name: key1, secret: $K1}
  - identity: {}
EOF

absent() { ! "$@"; } # for check: the command must fail (grep finds nothing)
# The raw value etcd holds for KEY (binary-safe into a file).
raw() { # raw KEY FILE
  ETCDCTL_API=3 etcdctl --endpoints="http://127.0.0.1:$EC" get "$1" --print-value-only >"$2"
}
start() { # start ARGS... : the server on our etcd ports, keeping its data across restarts
  start_server "$DATA" --etcd-client-port "$EC" --etcd-peer-port "$EP" \
    --disable-controller-manager --disable-scheduler "$@"
}
PHASE=0
stop() { # keeps each phase's server log (start_server writes them all to $DATA.log)
  kill -TERM "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  PHASE=$((PHASE + 1))
  cp "$DATA.log" "$WORK/server-$PHASE.log" 2>/dev/null
}
post() { # post PATH JSON → status
  curl -s -o "$WORK/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d "$2" "$U$1"
}
secret() { # secret NAME B64
  printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s"},"data":{"pw":"%s"}}' "$1" "$2"
}

# ---- before encryption: a plaintext Secret ----
# The restarts below keep etcd's ports and data; the first start picks them, retrying with fresh
# ones (and a fresh data dir: a failed attempt's etcd may still be on its way out).
started=
for attempt in 1 2 3; do
  DATA="$WORK/data-$attempt"
  TMPDIRS+=("$DATA.log")
  EC=$(free_port)
  EP=$(free_port)
  while [ "$EP" = "$EC" ]; do EP=$(free_port); done
  if start; then started=1; break; fi
done
[ -n "$started" ] || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
check_eq "create secret before encryption" "$(post /api/v1/namespaces/default/secrets "$(secret before "$PLAIN0")")" 201
raw /registry/secrets/default/before "$WORK/raw0"
check_contains "plaintext before encryption" "$(tr -d '\0' <"$WORK/raw0")" "$PLAIN0"
stop

# ---- encryption on: key1 writes ----
start --encryption-provider-config "$WORK/enc1.yaml" || { fail "server start with enc1"; finish; exit 1; }
U=$SERVER_URL
check_contains "identity reads the old plaintext" \
  "$(curl -s "$U/api/v1/namespaces/default/secrets/before")" "\"pw\":\"$PLAIN0\""

check_eq "create secret" "$(post /api/v1/namespaces/default/secrets "$(secret s1 "$B1")")" 201
check_contains "create answers plaintext" "$(cat "$WORK/post.json")" "\"pw\":\"$B1\""
raw /registry/secrets/default/s1 "$WORK/raw1"
check_eq "stored with key1" "$(head -c 23 "$WORK/raw1")" "k8s:enc:aesgcm:v1:key1:"
check "no plaintext in etcd" absent grep -aqF -e "$B1" -e '"pw"' -e '"kind"' "$WORK/raw1"
# prefix + 12-byte nonce + JSON + 16-byte tag: longer than the prefix by more than 28 bytes.
check "nonce and tag present" [ "$(wc -c <"$WORK/raw1")" -gt $((23 + 28 + 20)) ]
rv=$(curl -s "$U/api/v1/namespaces/default/secrets/s1" | jq -r .metadata.resourceVersion)
check_contains "GET through the API" "$(curl -s "$U/api/v1/namespaces/default/secrets/s1")" "\"pw\":\"$B1\""
check_contains "LIST through the API" "$(curl -s "$U/api/v1/namespaces/default/secrets")" "\"pw\":\"$B1\""

# A watch from s1's revision sees the update in plaintext (however late it starts: it replays
# from that revision).
curl -s -N --max-time 4 \
  "$U/api/v1/namespaces/default/secrets?watch=true&resourceVersion=$rv&fieldSelector=metadata.name%3Ds1" \
  >"$WORK/watch.out" 2>/dev/null &
WPID=$!
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  -d "$(secret s1 "$B2")" "$U/api/v1/namespaces/default/secrets/s1")
check_eq "update secret" "$code" 200
wait "$WPID" 2>/dev/null
check_contains "watch event in plaintext" "$(cat "$WORK/watch.out")" "\"pw\":\"$B2\""
check_contains "watch event is MODIFIED" "$(cat "$WORK/watch.out")" '"type":"MODIFIED"'
raw /registry/secrets/default/s1 "$WORK/raw1b"
check "update stored encrypted" absent grep -aqF -e "$B2" "$WORK/raw1b"

# ConfigMaps are not listed: plaintext.
check_eq "create configmap" "$(post /api/v1/namespaces/default/configmaps \
  '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"},"data":{"k":"visible-value"}}')" 201
raw /registry/configmaps/default/c1 "$WORK/rawc"
check_eq "configmap stored as JSON" "$(head -c 1 "$WORK/rawc")" "{"
check "configmap plaintext" grep -aqF visible-value "$WORK/rawc"
stop

# ---- rotation: key2 writes, key1 still reads ----
start --encryption-provider-config "$WORK/enc2.yaml" || { fail "server start with enc2"; finish; exit 1; }
U=$SERVER_URL
check_contains "key1 data readable after rotation" \
  "$(curl -s "$U/api/v1/namespaces/default/secrets/s1")" "\"pw\":\"$B2\""
check_contains "plaintext still readable" \
  "$(curl -s "$U/api/v1/namespaces/default/secrets/before")" "\"pw\":\"$PLAIN0\""
check_eq "create secret after rotation" "$(post /api/v1/namespaces/default/secrets "$(secret s2 "$B1")")" 201
raw /registry/secrets/default/s2 "$WORK/raw2"
check_eq "new write uses key2" "$(head -c 23 "$WORK/raw2")" "k8s:enc:aesgcm:v1:key2:"
# Rewriting s1 (what `kubectl get secrets -A -o json | kubectl replace -f -` does) moves it to key2.
curl -s "$U/api/v1/namespaces/default/secrets/s1" >"$WORK/s1.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data-binary @"$WORK/s1.json" "$U/api/v1/namespaces/default/secrets/s1")
check_eq "rewrite s1" "$code" 200
raw /registry/secrets/default/s1 "$WORK/raw1c"
check_eq "rewritten with key2" "$(head -c 23 "$WORK/raw1c")" "k8s:enc:aesgcm:v1:key2:"
stop

# ---- keys gone: an error naming the key, never ciphertext passed off as data ----
K3=$(head -c 32 /dev/urandom | base64)
printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: key3, secret: %s}]}\n' "$K3" >"$WORK/enc3.yaml"
# Not start_server: the secrets cache cannot fill, so /readyz stays failed (by design).
P3=$(free_port)
"$C8S_BIN" server --port "$P3" --data-dir "$DATA" --etcd-client-port "$EC" --etcd-peer-port "$EP" \
  --disable-proxy --disable-dns --disable-kubelet --disable-controller-manager --disable-scheduler \
  --encryption-provider-config "$WORK/enc3.yaml" >"$WORK/server-keys-gone.log" 2>&1 &
P3PID=$!
PIDS+=("$P3PID")
U3="${SERVER_URL%%://*}://127.0.0.1:$P3" # the scheme start_server used
for _ in $(seq 1 300); do
  code=$(curl -s -o "$WORK/gone.json" -w '%{http_code}' "$U3/api/v1/namespaces/default/secrets/s1")
  [ "$code" != 000 ] && break
  kill -0 "$P3PID" 2>/dev/null || break
  sleep 0.1
done
check_eq "unreadable secret is an internal error" "$code" 500
check_contains "error names the key and the prefix" "$(cat "$WORK/gone.json")" \
  'unable to transform key \"/registry/secrets/default/s1\": no provider can read data with prefix \"k8s:enc:aesgcm:v1:key2:\"'
check_eq "configmaps still served" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U3/api/v1/namespaces/default/configmaps/c1")" 200
check_eq "not ready while secrets cannot be read" "$(curl -s -o /dev/null -w '%{http_code}' "$U3/readyz")" 500
check_contains "readyz names the unsynced caches, not etcd" "$(curl -s "$U3/readyz")" \
  "[+]etcd ok
[-]informer-sync failed"
kill -TERM "$P3PID" 2>/dev/null
wait "$P3PID" 2>/dev/null
check_contains "the cache's failure is logged" "$(cat "$WORK/server-keys-gone.log")" "secrets: list failed, retrying: unable to transform key"

# ---- a bad config: refused at start, with the field named ----
printf 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {keys: [{name: k, secret: c2hvcnQ=}]}\n' >"$WORK/bad.yaml"
timeout 60 "$C8S_BIN" server --port "$(free_port)" --data-dir "$DATA" --etcd-client-port "$EC" \
  --etcd-peer-port "$EP" --disable-proxy --disable-dns --disable-kubelet \
  --disable-controller-manager --disable-scheduler \
  --encryption-provider-config "$WORK/bad.yaml" >"$WORK/bad.log" 2>&1
check "bad config fails the server" [ $? -ne 0 ]
check_contains "bad config message" "$(cat "$WORK/bad.log")" "keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected length, got 5, expected one of [16 24 32]"

finish
