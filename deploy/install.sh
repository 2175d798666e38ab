#!/usr/bin/env bash
# install.sh — installs a built c8s: the binary (and its c8sctl name), the systemd unit, and a
# config file left alone when one exists. Run as root after `make`; DESTDIR stages a package
# root instead (nothing is started then).
#
#   deploy/install.sh [--build-dir DIR] [--prefix /usr/local] [--no-start]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
prefix=/usr/local
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
dest=${DESTDIR:-}
[ -x "$build/c8s" ] || { echo "install.sh: $build/c8s not found; run make first" >&2; exit 1; }

install -d "$dest$prefix/bin" "$dest/etc/c8s" "$dest/etc/systemd/system"
install -m 0755 "$build/c8s" "$dest$prefix/bin/c8s"
ln -sf c8s "$dest$prefix/bin/c8sctl"
sed "s|/usr/local/bin/c8s|$prefix/bin/c8s|" "$here/systemd/c8s-server.service" \
  >"$dest/etc/systemd/system/c8s-server.service"
chmod 0644 "$dest/etc/systemd/system/c8s-server.service"
if [ ! -e "$dest/etc/c8s/config.yaml" ]; then
  install -m 0600 "$here/config.yaml" "$dest/etc/c8s/config.yaml"
fi
echo "c8s: installed $prefix/bin/c8s, /etc/systemd/system/c8s-server.service, /etc/c8s/config.yaml"

# A staged install, or a machine without a running systemd, stops here.
if [ -n "$dest" ] || [ "$start" = 0 ] || [ ! -d /run/systemd/system ]; then
  exit 0
fi
systemctl daemon-reload
systemctl enable --now c8s-server.service
echo "c8s: c8s-server started; kubeconfig /var/lib/c8s/admin.kubeconfig (journalctl -u c8s-server for logs)"
