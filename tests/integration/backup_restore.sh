#!/usr/bin/env bash
# backup_restore.sh — the backup procedure docs/operations.md gives: an etcd snapshot of a
# running server's managed etcd, restored into a fresh data dir, brings back the objects (and a
# server started on it serves them).
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-backup-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-controller-manager --disable-scheduler ||
  { fail "server start"; finish; exit 1; }

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"keep"},"data":{"k":"before-backup"}}' \
  "$SERVER_URL/api/v1/namespaces/default/configmaps")
check_eq "create configmap" "$code" 201

check "snapshot save" etcdctl --endpoints "http://127.0.0.1:$EC" snapshot save "$WORK/snap.db"
# Written after the snapshot: must not come back.
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"after"},"data":{"k":"after-backup"}}' \
  "$SERVER_URL/api/v1/namespaces/default/configmaps"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null

# Restore into a new data dir, with the member name and peer URL the managed etcd uses.
NEW="$WORK/restored"
mkdir -p "$NEW"
PEER=$(free_port)
check "snapshot restore" etcdctl snapshot restore "$WORK/snap.db" --data-dir "$NEW/etcd" \
  --name default --initial-cluster "default=http://127.0.0.1:$PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER"
EC=$(free_port)
start_server "$NEW" --etcd-client-port "$EC" --etcd-peer-port "$PEER" \
  --disable-controller-manager --disable-scheduler || { fail "restored server start"; finish; exit 1; }
got=$(curl -s "$SERVER_URL/api/v1/namespaces/default/configmaps/keep" | jq -r '.data.k')
check_eq "object from before the backup" "$got" "before-backup"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/api/v1/namespaces/default/configmaps/after")
check_eq "object from after the backup is absent" "$code" 404
finish
