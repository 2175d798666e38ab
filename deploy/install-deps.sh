#!/usr/bin/env bash
# Installs the Debian packages c8s builds and tests with. Idempotent and quiet when all is present.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git curl
  libuv1-dev libcurl4-openssl-dev libjansson-dev libyaml-dev libh2o-dev libssl-dev zlib1g-dev
  etcd-server etcd-client
  libarchive-dev runc containernetworking-plugins iptables iproute2
  docker-registry busybox-static bind9-dnsutils python3 openssl zstd python3-grpcio
  util-linux hostname dnsmasq-base conntrack nftables
  clang libclang-rt-14-dev jq tzdata
  libnghttp2-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
