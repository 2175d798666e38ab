#!/usr/bin/env bash
# idle_server.sh — what an idle one-node cluster costs, as a user sees it: a whole `c8s server`
# (API server, scheduler, controllers, kubelet, proxy, DNS; its managed etcd) with no pods, left
# alone for a while after it became Ready, then its CPU (utime + stime from /proc) over SECONDS
# as % of one core: the server's threads one by one and the managed etcd beside it. Runs in
# network and mount namespaces of its own (the proxy writes iptables rules, DNS adds an address,
# the kubelet mounts), needs root. Run by hand:
#   bash bench/idle_server.sh [SECONDS [SETTLE [path/to/c8s]]]   (defaults 60, 30, build/c8s)
# Last line: RESULT key=value …
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_IDLE=${1:-60}
SETTLE=${2:-30}
C8S_BIN=$(readlink -f "${3:-$HERE/build/c8s}")
if [ -z "${C8S_IDLE_INNER:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "needs root (namespaces, iptables, mounts)" >&2; exit 77; }
  CG="c8s-idle-$$"
  unshare -n -m --propagation private env C8S_IDLE_INNER=1 IDLE_CGROUP="/$CG" \
    bash "$0" "$SECONDS_IDLE" "$SETTLE" "$C8S_BIN"
  rc=$?
  find /sys/fs/cgroup -depth -type d -name "$CG" -exec rmdir {} + 2>/dev/null
  exit $rc
fi

# ---- inside the namespaces ----
source "$HERE/tests/support/lib.sh"
WORK=$(mktemp -d /tmp/c8s-bench-idle-XXXXXX)
teardown() {
  cleanup
  for c in $(runc --root "$WORK/runc" list -q 2>/dev/null); do
    runc --root "$WORK/runc" delete -f "$c" >/dev/null 2>&1
  done
  grep " $WORK" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
  find /sys/fs/cgroup -depth -type d -path "*$IDLE_CGROUP*" -exec rmdir {} + 2>/dev/null
  rm -rf "$WORK"
}
trap teardown EXIT
trap 'exit 143' TERM INT
# A machine's network: lo, and an eth0 with a default route (the peer end stays here).
ip link set lo up
ip link add eth0 type veth peer name eth0-peer
ip addr add 192.168.77.2/24 dev eth0
ip link set eth0-peer up
ip link set eth0 up
ip route add default via 192.168.77.1 dev eth0
echo "nameserver 192.168.77.53" >"$WORK/resolv.conf"

C8S_NODE_ROLES="" start_managed_server "$WORK" --node-name idle-node --pod-cidr 10.244.0.0/24 \
  --runc-root "$WORK/runc" --kubepods-cgroup "$IDLE_CGROUP" --resolv-conf "$WORK/resolv.conf" ||
  { echo "server did not start" >&2; exit 1; }
ready=
for _ in $(seq 1 600); do
  ready=$(kubectl get node idle-node \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)
  [ "$ready" = True ] && break
  sleep 0.2
done
if [ "$ready" != True ]; then
  echo "the node did not become Ready; server log:" >&2
  tail -n 30 "$SERVER_DATA.log" >&2
  exit 1
fi
echo "server pid $SERVER_PID ($(ls /proc/"$SERVER_PID"/task | wc -l) threads), node Ready; settling $SETTLE s, then measuring $SECONDS_IDLE s"
sleep "$SETTLE"

ETCD_PID=$(pgrep -P "$SERVER_PID" -x etcd | head -n1)
ticks() { awk '{print $14 + $15}' "$1" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)
declare -A t0
for t in /proc/"$SERVER_PID"/task/*; do t0[${t##*/}]=$(ticks "$t/stat"); done
s0=$(ticks /proc/"$SERVER_PID"/stat)
e0=$(ticks /proc/"$ETCD_PID"/stat)
w0=$(date +%s.%N)
sleep "$SECONDS_IDLE"
s1=$(ticks /proc/"$SERVER_PID"/stat)
e1=$(ticks /proc/"$ETCD_PID"/stat)
w1=$(date +%s.%N)
pct() { awk -v d="$1" -v hz="$HZ" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", 100 * d / hz / (b - a) }'; }
echo "threads of the server (tid, name, % of one core):"
for t in /proc/"$SERVER_PID"/task/*; do
  id=${t##*/}
  d=$(($(ticks "$t/stat") - ${t0[$id]:-0}))
  [ "$d" -gt 0 ] && echo "  $id $(cat "$t/comm") $(pct "$d")"
done
echo "server (all roles): $(pct $((s1 - s0)))% of one core; managed etcd: $(pct $((e1 - e0)))%" \
  "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "RESULT idle_all_roles_pct=$(pct $((s1 - s0))) idle_etcd_pct=$(pct $((e1 - e0))) seconds=$SECONDS_IDLE"
