#!/usr/bin/env bash
# config_notify.sh — `c8s server --config FILE` takes its flags from a YAML file (the command
# line wins), and the server tells systemd it is ready (READY=1) and stopping (STOPPING=1) over
# $NOTIFY_SOCKET, as a Type=notify unit expects.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-config-XXXXXX)
TMPDIRS+=("$WORK")

# A stand-in for systemd's end of the protocol: every datagram, one per line, into a file.
python3 - "$WORK/notify.sock" "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
with open(sys.argv[2], "a", buffering=1) as out:
    try:
        while True:
            out.write(s.recv(4096).decode().replace("\n", " ") + "\n")
    except socket.timeout:
        pass
PY
LISTENER=$!
PIDS+=("$LISTENER")
for _ in $(seq 1 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done

cat >"$WORK/c8s.yaml" <<'YAML'
# flags as keys; booleans switch flags on, lists join with commas
disable-controller-manager: true
disable-scheduler: true
advertise-address: 127.0.0.77
node-name: from-config
YAML

export NOTIFY_SOCKET="$WORK/notify.sock"
start_managed_server "$WORK" --config "$WORK/c8s.yaml" || { fail "server start"; finish; exit 1; }
unset NOTIFY_SOCKET

for _ in $(seq 1 50); do grep -q READY=1 "$WORK/notify.log" 2>/dev/null && break; sleep 0.1; done
check "READY=1 sent to NOTIFY_SOCKET" grep -q "READY=1" "$WORK/notify.log"

# The file's advertise-address is the kubernetes service's endpoint.
EP=""
for _ in $(seq 1 50); do
  EP=$(curl -s "$SERVER_URL/api/v1/namespaces/default/endpoints/kubernetes" | jq -r '.subsets[0].addresses[0].ip // empty')
  [ -n "$EP" ] && break
  sleep 0.1
done
check_eq "advertise-address from the config file" "$EP" "127.0.0.77"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
for _ in $(seq 1 50); do grep -q STOPPING=1 "$WORK/notify.log" 2>/dev/null && break; sleep 0.1; done
check "STOPPING=1 sent on SIGTERM" grep -q "STOPPING=1" "$WORK/notify.log"

# A file that is not a mapping of flags is refused before anything starts.
printf -- '- a\n- b\n' >"$WORK/bad.yaml"
OUT=$("$C8S_BIN" server --config "$WORK/bad.yaml" --data-dir "$WORK/never" 2>&1)
check_eq "bad config exit code" "$?" "2"
check_contains "bad config message" "$OUT" "expected a mapping of flag names"
check "nothing started for a bad config" test ! -e "$WORK/never"

kill "$LISTENER" 2>/dev/null
finish
