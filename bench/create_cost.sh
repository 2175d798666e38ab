#!/usr/bin/env bash
# create_cost.sh — the API server's own CPU per create and per GET, in a figure that does not
# move with the machine's load: the server runs under callgrind (instrumentation off while it
# starts), then N ConfigMap creates of ~1 KB and N GETs from the watch cache (resourceVersion=0, as bench/api), one after another on one kept-alive TLS
# connection (one curl process), are counted as instructions of the server process (every
# thread: the HTTP loop, the etcd client, the watch that brings each create back into the
# cache) and system calls. The managed etcd and curl are not counted. Run by hand:
#   bash bench/create_cost.sh [N [path/to/c8s]]      (defaults 300, build/c8s: `make` builds it)
# Prints instructions and system calls per create and per GET, the top functions of the creates
# (callgrind_annotate, inclusive of nothing: self cost), and a last line RESULT key=value ….
# Kernel time is not in the instruction count: the system calls per request stand for it.
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-300}
REAL_BIN=$(readlink -f "${2:-$HERE/build/c8s}")
[ -x "$REAL_BIN" ] || { echo "no binary $REAL_BIN (run make)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 77; }
source "$HERE/tests/support/lib.sh"
WORK=$(mktemp -d /tmp/c8s-bench-cost-XXXXXX)
TMPDIRS+=("$WORK")
# start_server runs "$C8S_BIN": a wrapper that execs valgrind keeps the PID it records.
cat >"$WORK/c8s" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --instr-atstart=no --collect-systime=yes \
  --callgrind-out-file=$WORK/cg.%p --log-file=$WORK/valgrind.log "$REAL_BIN" "\$@"
EOF
chmod +x "$WORK/c8s"
C8S_BIN="$WORK/c8s"
start_managed_server "$WORK" --disable-scheduler --disable-controller-manager \
  --max-requests-inflight 0 --max-mutating-requests-inflight 0 ||
  { echo "server did not start" >&2; exit 1; }
curl -sf -o /dev/null -H 'Content-Type: application/json' -X POST \
  -d '{"metadata":{"name":"bench"}}' "$SERVER_URL/api/v1/namespaces" ||
  { echo "namespace not created" >&2; exit 1; }
PAYLOAD=$(printf 'x%.0s' $(seq 1 1000))

# One curl config of N requests: curl keeps the connection between them (--next).
requests() { # requests create|get PREFIX
  local i
  for i in $(seq 1 "$N"); do
    [ "$i" -gt 1 ] && echo "next"
    if [ "$1" = create ]; then
      echo "url = \"$SERVER_URL/api/v1/namespaces/bench/configmaps\""
      echo "request = \"POST\""
      echo "header = \"Content-Type: application/json\""
      echo "data = \"{\\\"metadata\\\":{\\\"name\\\":\\\"$2-$i\\\"},\\\"data\\\":{\\\"k\\\":\\\"$PAYLOAD\\\"}}\""
    else
      echo "url = \"$SERVER_URL/api/v1/namespaces/bench/configmaps/$2-$i?resourceVersion=0\""
    fi
    cat "$CURL_HOME/.curlrc" # the credentials: --next forgets them
    echo "output = \"/dev/null\""
    echo "write-out = \"%{http_code}\\n\""
  done
}
run() { # run create|get PREFIX : fails unless all N answered 201 / 200
  requests "$@" >"$WORK/req"
  local want=201
  [ "$1" = get ] && want=200
  local got
  got=$(curl -q -s -K "$WORK/req" | grep -c "^$want$")
  [ "$got" -eq "$N" ] || { echo "$1: $got of $N answered $want" >&2; return 1; }
}
# What the server does once only (the first create's lookups, caches filled) stays out of it.
run create warm || exit 1
callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1
callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
run create cm || exit 1
# The last creates' watch events are still on their way into the cache: let them in.
sleep 2
callgrind_control -d creates "$SERVER_PID" >/dev/null 2>&1
run get cm || exit 1
callgrind_control -d gets "$SERVER_PID" >/dev/null 2>&1
callgrind_control -i off "$SERVER_PID" >/dev/null 2>&1

# The dumps: a file per dump, cg.PID.<n>; the creates' is the first one with the right reason.
dump() { grep -l "^desc: Trigger: dump $1" "$WORK"/cg.* | head -n 1; }
totals() { sed -n 's/^summary: *//p' "$1"; }   # Ir sysCount sysTime
CF=$(dump creates)
GF=$(dump gets)
[ -n "$CF" ] && [ -n "$GF" ] || { echo "no callgrind dumps in $WORK" >&2; ls "$WORK" >&2; exit 1; }
read -r c_ir c_sys _ <<<"$(totals "$CF")"
read -r g_ir g_sys _ <<<"$(totals "$GF")"
echo "c8s server under callgrind ($REAL_BIN), $N sequential requests on one connection:"
printf '  create: %d instructions/request, %.1f system calls/request\n' $((c_ir / N)) \
  "$(echo "$c_sys / $N" | bc -l)"
printf '  get:    %d instructions/request, %.1f system calls/request\n' $((g_ir / N)) \
  "$(echo "$g_sys / $N" | bc -l)"
echo "top functions of the creates (self instructions):"
callgrind_annotate --threshold=90 "$CF" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -n 25
echo "RESULT create_instr=$((c_ir / N)) create_syscalls=$(echo "scale=1; $c_sys / $N" | bc) get_instr=$((g_ir / N)) get_syscalls=$(echo "scale=1; $g_sys / $N" | bc)"
[ -n "${KEEP:-}" ] && echo "kept: $CF $GF"
exit 0
