#!/usr/bin/env bash
# install.sh — installs a built c8s: the binary (and its c8sctl name), the systemd units of the
# server and the agent, and their config files (left alone when they exist). Run as root after
# `make`; DESTDIR stages a package root instead (nothing is started then). --agent starts
# c8s-agent (a node joining a cluster: fill in /etc/c8s/agent.yaml first) instead of c8s-server.
#
#   deploy/install.sh [--build-dir DIR] [--prefix /usr/local] [--no-start] [--agent]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
prefix=/usr/local
start=1
unit=c8s-server
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    --agent) unit=c8s-agent; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
dest=${DESTDIR:-}
[ -x "$build/c8s" ] || { echo "install.sh: $build/c8s not found; run make first" >&2; exit 1; }

install -d "$dest$prefix/bin" "$dest/etc/c8s" "$dest/etc/systemd/system"
install -m 0755 "$build/c8s" "$dest$prefix/bin/c8s"
ln -sf c8s "$dest$prefix/bin/c8sctl"
for u in c8s-server c8s-agent; do
  sed "s|/usr/local/bin/c8s|$prefix/bin/c8s|" "$here/systemd/$u.service" \
    >"$dest/etc/systemd/system/$u.service"
  chmod 0644 "$dest/etc/systemd/system/$u.service"
done
if [ ! -e "$dest/etc/c8s/config.yaml" ]; then
  install -m 0600 "$here/config.yaml" "$dest/etc/c8s/config.yaml"
fi
if [ ! -e "$dest/etc/c8s/agent.yaml" ]; then
  install -m 0600 "$here/agent.yaml" "$dest/etc/c8s/agent.yaml"
fi
echo "c8s: installed $prefix/bin/c8s, /etc/systemd/system/c8s-{server,agent}.service, /etc/c8s/{config,agent}.yaml"

# A staged install, or a machine without a running systemd, stops here.
if [ -n "$dest" ] || [ "$start" = 0 ] || [ ! -d /run/systemd/system ]; then
  exit 0
fi
systemctl daemon-reload
systemctl enable --now "$unit.service"
if [ "$unit" = c8s-server ]; then
  echo "c8s: c8s-server started; kubeconfig /var/lib/c8s/admin.kubeconfig (journalctl -u c8s-server for logs)"
else
  echo "c8s: c8s-agent started; it joins with /etc/c8s/agent.yaml (journalctl -u c8s-agent for logs)"
fi
