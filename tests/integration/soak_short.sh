#!/usr/bin/env bash
# soak_short.sh — issue 10's soak in its CI length: bench_soak --short (50 watchers, 50
# writes/s for 30 s against a real etcd and `c8s server` process; every acknowledged write seen
# by every watcher, in order; no fds kept for closed watches). The 10-minute run with 1,000
# watchers at 500 writes/s is `make soak`.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../support/lib.sh"
BENCH=$(dirname "$C8S_BIN")/bench_soak
command -v etcd >/dev/null || { echo "SKIP: etcd not installed"; exit 77; }
[ -x "$BENCH" ] || { echo "SKIP: $BENCH not built"; exit 77; }
OUT=$("$BENCH" --short 2>&1)
rc=$?
echo "$OUT" | grep '^soak:\|^RESULT'
check_eq "bench_soak --short" "$rc" 0
[ "$rc" = 0 ] || echo "$OUT" | tail -n 20 >&2
check_contains "every acknowledged write seen" "$OUT" " missed=0 "
finish
