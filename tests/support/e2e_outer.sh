# e2e_outer.sh — the outer side shared by the e2e scripts that run a whole node: checks what is
# needed, re-runs the calling script inside private network and mount namespaces (iptables, the
# bridge, the registry's port, pod mounts and the cluster DNS address exist only there), then,
# from outside, checks that nothing outlived it: no process in its network namespace, no mount
# under its work dir, no cgroup. The inner side finds E2E_WORK and E2E_CGROUP in its environment
# and writes its network namespace to $E2E_WORK/netns.
#
# e2e_outer NAME SCRIPT : never returns (exits with the checks' result; 77 to skip).
e2e_outer() {
  local name=$1 script=$2
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (namespaces, runc, iptables)"
    exit 77
  fi
  for t in runc kubectl docker-registry iptables unshare; do
    command -v "$t" >/dev/null || { echo "SKIP: $t not installed"; exit 77; }
  done
  if [ ! -x /usr/lib/cni/bridge ] || [ ! -x /bin/busybox ]; then
    echo "SKIP: needs containernetworking-plugins and busybox-static"
    exit 77
  fi
  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
  WORK=$(mktemp -d "/tmp/c8s-$name-XXXXXX")
  CG="c8s-$name-$$"
  # WORK is removed only once the inner side has ended: its containers' state is in it.
  trap 'cleanup; [ -n "${INNER:-}" ] && kill -TERM "$INNER" 2>/dev/null && wait "$INNER"' EXIT
  trap 'exit 143' TERM INT
  unshare -n -m --propagation private env C8S_E2E_INNER=1 E2E_WORK="$WORK" E2E_CGROUP="/$CG" \
    bash "$script" &
  INNER=$!
  wait "$INNER"
  check_eq "the inner side's checks" "$?" 0
  INNER=""
  # Outside again: the namespace is gone once no process holds it.
  local ns left p
  ns=$(cat "$WORK/netns" 2>/dev/null)
  check "the inner side recorded its network namespace" test -n "$ns"
  for _ in $(seq 1 50); do
    left=""
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] && left+="${p#/proc/} "
    done
    [ -z "$left" ] && break
    sleep 0.2
  done
  check_eq "no process left in the test's network namespace" "$left" ""
  check_eq "no mount left under the work dir" "$(grep -c " $WORK" /proc/self/mountinfo)" 0
  check_eq "no cgroup left" "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$CG" 2>/dev/null | wc -l)" 0
  [ -z "$left" ] && [ -z "${KEEP:-}" ] && rm -rf "$WORK"
  finish
  exit $?
}
