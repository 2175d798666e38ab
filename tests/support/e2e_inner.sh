# e2e_inner.sh — the inner side shared by the e2e scripts that run a whole node, once
# e2e_outer.sh has re-run them in network and mount namespaces of their own: lib.sh, the work dir
# and cgroup e2e_outer named, a teardown that leaves nothing, an eth0 with a default route (as a
# machine has: pods' traffic to the service range leaves through it until the proxy's rules
# rewrite it; a veth pair whose other end stays here, since the dummy driver may not be
# loadable), a resolv.conf naming an address nobody answers (nothing leaves the namespace), and
# the examples' image built by their own script and pushed to Debian's docker-registry on
# 127.0.0.1:5000 inside the namespace.
#
# e2e_inner NET : sets WORK, CGROUP, RUNC_ROOT, IMAGE and REGISTRY_PID; eth0 is 192.168.NET.2/24.
# A script with more of its own to stop defines e2e_teardown_extra, run once the processes in
# PIDS are stopped and before the leftovers are cleared. Returns 1 (the
# build's log shown, a check failed) when the image could not be built.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

e2e_teardown() {
  cleanup # the servers and the registry, by PID
  if declare -F e2e_teardown_extra >/dev/null; then e2e_teardown_extra; fi
  # Whatever a failed run left: our containers, our mounts, our cgroups.
  if [ -d "$RUNC_ROOT" ]; then
    for c in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
      runc --root "$RUNC_ROOT" delete -f "$c" >/dev/null 2>&1
    done
  fi
  grep " $WORK" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null
  done
  find /sys/fs/cgroup -depth -type d -path "*$CGROUP*" -exec rmdir {} + 2>/dev/null
  [ -n "${REGISTRY_PID:-}" ] && kill -KILL "$REGISTRY_PID" 2>/dev/null
}

e2e_inner() {
  local net=$1
  WORK=$E2E_WORK
  CGROUP=$E2E_CGROUP
  RUNC_ROOT=$WORK/runc
  IMAGE=127.0.0.1:5000/examples/busybox:1
  readlink /proc/self/ns/net >"$WORK/netns"
  trap e2e_teardown EXIT
  trap 'exit 143' TERM INT

  ip link set lo up
  sysctl -qw net.ipv4.ip_forward=1
  ip link add eth0 type veth peer name eth0-peer
  ip addr add "192.168.$net.2/24" dev eth0
  ip link set eth0-peer up
  ip link set eth0 up
  ip route add default via "192.168.$net.1" dev eth0
  echo "nameserver 192.168.$net.53" >"$WORK/resolv.conf"

  if ! bash "$SRC/deploy/examples/build-busybox-image.sh" --start-registry 5000 \
    --registry-dir "$WORK/registry" >"$WORK/build.log" 2>&1; then
    cat "$WORK/build.log" >&2
    fail "build-busybox-image.sh"
    return 1
  fi
  REGISTRY_PID=$(cat "$WORK/registry/registry.pid")
  PIDS+=("$REGISTRY_PID")
}
