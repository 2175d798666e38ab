#!/usr/bin/env bash
# soak_short.sh — issue 10's soak in its CI length, against a real etcd and `c8s server` process:
# bench_soak --short (50 watchers as HTTP/2 streams over two TLS connections, as client-go
# watches; 50 writes/s for 30 s; every stream ended by the server about every 12 s and resumed
# from its last resourceVersion), then the same for 15 s with a connection per watcher
# (HTTP/1.1), the server's other watch path. Each must see every acknowledged write in every
# watcher, in order, and leave no fds behind for closed watches. The 10-minute run with 1,000
# watchers at 500 writes/s is `make soak`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/lib.sh"
BENCH=$(dirname "$C8S_BIN")/bench_soak
command -v etcd >/dev/null || { echo "SKIP: etcd not installed"; exit 77; }
[ -x "$BENCH" ] || { echo "SKIP: $BENCH not built"; exit 77; }

run() { # run "what" args...: one bench_soak run and its checks
  local what=$1
  shift
  local out rc
  out=$("$BENCH" "$@" 2>&1)
  rc=$?
  echo "$out" | grep '^soak:\|^RESULT'
  check_eq "$what: bench_soak $*" "$rc" 0
  [ "$rc" = 0 ] || echo "$out" | tail -n 20 >&2
  check_contains "$what: every acknowledged write seen" "$out" " missed=0 "
  check_contains "$what: in order" "$out" " out_of_order=0 "
  # The streams the server ended were resumed (the 12 s timeout), so resuming was exercised.
  check "$what: streams resumed" grep -Eq ' resumes=[1-9]' <<<"$out"
  LAST=$out
}

run "HTTP/2" --short
check_contains "HTTP/2: two connections carried the 50 streams" "$LAST" "mode=h2 conns=2 "
run "HTTP/1.1" --short --http1 -s 15
check_contains "HTTP/1.1: a connection per watcher" "$LAST" "mode=http1 conns=50 "
finish
