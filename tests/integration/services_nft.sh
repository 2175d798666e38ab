#!/usr/bin/env bash
# services_nft.sh — services.sh with the proxy in nftables mode (`--proxy-mode nftables`): every
# service check (ClusterIP balance, unready endpoints, NodePort, ClientIP affinity, stale UDP
# flows, deletion, --cleanup) against the nftables table; NetworkPolicy, DNS and routes as there.
HERE=$(cd "$(dirname "$0")" && pwd)
if ! command -v nft >/dev/null; then
  echo "SKIP: nft not installed (Debian package nftables)"
  exit 77
fi
exec env C8S_PROXY_MODE=nftables bash "$HERE/services.sh" "$@"
