#!/usr/bin/env bash
# proxy_mode.sh — which mode the proxy runs in when nft is not there (a node without the nftables
# package), in a network namespace the test makes: the default (nftables) falls back to iptables
# with one warning, and services are programmed in iptables; an explicit
# `--proxy-mode nftables` is refused at start, saying why; `c8s proxy --cleanup` still removes
# every KUBE- chain. "Without nft" is a PATH holding every command of the system's but nft (the
# real iptables, etcd, ...). With nft, the default's nftables is what e2e/cluster.sh checks.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (network namespaces, iptables)"
  exit 77
fi
if [ -z "${C8S_IN_NODE_NS:-}" ]; then
  exec unshare -n env C8S_IN_NODE_NS=1 bash "$0" "$@"
fi

. "$HERE/../support/lib.sh"
C8S_BIN=${C8S_BIN:?C8S_BIN must point at the c8s binary}
ip link set lo up

WORK=$(mktemp -d /tmp/c8s-test-proxymode-XXXXXX)
TMPDIRS+=("$WORK")
NONFT="$WORK/bin"
mkdir -p "$NONFT"
IFS=: read -ra dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    n=${f##*/}
    [ "$n" = nft ] && continue
    [ -x "$f" ] && [ ! -e "$NONFT/$n" ] && ln -s "$f" "$NONFT/$n"
  done
done
check_eq "no nft on the test's PATH" "$(PATH="$NONFT" command -v nft)" ""

# The default mode without nft: iptables, said once.
PATH="$NONFT" C8S_NODE_ROLES="--disable-kubelet --disable-dns" start_managed_server "$WORK" \
  --disable-scheduler --disable-controller-manager --node-name node1 ||
  { fail "server start"; finish; exit 1; }
LOG="$SERVER_DATA.log"
check_eq "one warning: the default mode falls back" \
  "$(grep -c 'nftables mode (the default) cannot work here: nft is not installed; using iptables mode' "$LOG")" 1
check "the proxy programs iptables" grep -q "proxy: programming iptables rules" "$LOG"
# The kubernetes Service (10.96.0.1) reaches iptables: services work in iptables mode.
for _ in $(seq 1 600); do
  iptables-save | grep -q -- '-A KUBE-SERVICES .*10.96.0.1/32' && break
  sleep 0.2
done
check "the kubernetes Service in iptables' rules" \
  sh -c "iptables-save | grep -q -- '-A KUBE-SERVICES .*10.96.0.1/32'"
check_eq "no nftables table" "$(nft list tables 2>/dev/null | grep -c kube-proxy)" 0
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check_eq "server stopped cleanly" "$?" 0

# --cleanup on a node without nft: the iptables mode's chains go; nft's absence is no error.
check "c8s proxy --cleanup without nft" env PATH="$NONFT" "$C8S_BIN" proxy --cleanup
check_eq "no KUBE chains left" "$(iptables-save | grep -c KUBE-)" 0

# Asked for explicitly, nftables without nft is an error at start, not a fallback.
OUT=""
rc=1
for attempt in 1 2 3; do
  EC=$(free_port); EP=$(free_port); P=$(free_port)
  OUT=$(timeout 180 env PATH="$NONFT" "$C8S_BIN" server --port "$P" --data-dir "$WORK/explicit-$attempt" \
    --bind-address 127.0.0.1 --etcd-client-port "$EC" --etcd-peer-port "$EP" --kubelet-port 0 \
    --disable-kubelet --disable-dns --disable-scheduler --disable-controller-manager \
    --disable-admission-plugins=ServiceAccount --node-name node1 --proxy-mode nftables 2>&1)
  rc=$?
  # A port taken meanwhile by a parallel test fails earlier, for another reason: try again.
  case "$OUT" in *"needs nft"*) break ;; esac
done
check_eq "explicit nftables without nft: refused" "$rc" 1
check_contains "explicit nftables without nft: why" "$OUT" "--proxy-mode nftables needs nft (Debian package nftables)"
check_eq "explicit nftables: no fallback" "$(grep -c 'using iptables mode' <<<"$OUT")" 0
finish
