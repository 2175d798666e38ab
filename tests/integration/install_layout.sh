#!/usr/bin/env bash
# install_layout.sh — deploy/install.sh staged into a DESTDIR: the binary and its c8sctl name,
# a systemd unit systemd accepts (Type=notify, KillMode=process, Delegate=yes), and a config
# file the binary reads; an existing config is kept on reinstall.
source "$(dirname "$0")/../support/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=$(mktemp -d /tmp/c8s-test-install-XXXXXX)
TMPDIRS+=("$DEST")
BUILD=$(dirname "$C8S_BIN")

check "install.sh into DESTDIR" env DESTDIR="$DEST" bash "$ROOT/deploy/install.sh" --build-dir "$BUILD"
check "binary installed" test -x "$DEST/usr/local/bin/c8s"
check_eq "c8sctl names the binary" "$(readlink "$DEST/usr/local/bin/c8sctl")" "c8s"
UNIT="$DEST/etc/systemd/system/c8s-server.service"
check "unit installed" test -f "$UNIT"
for want in "Type=notify" "KillMode=process" "Delegate=yes" "Restart=always" \
            "ExecStart=/usr/local/bin/c8s server --config /etc/c8s/config.yaml"; do
  check "unit has $want" grep -qx "$want" "$UNIT"
done
check_eq "config mode" "$(stat -c %a "$DEST/etc/c8s/config.yaml")" "600"
AUNIT="$DEST/etc/systemd/system/c8s-agent.service"
for want in "Type=notify" "KillMode=process" "Delegate=yes" "Restart=always" \
            "ExecStart=/usr/local/bin/c8s agent --config /etc/c8s/agent.yaml"; do
  check "agent unit has $want" grep -qx "$want" "$AUNIT"
done
check_eq "agent config mode" "$(stat -c %a "$DEST/etc/c8s/agent.yaml")" "600"
OUT=$("$DEST/usr/local/bin/c8s" agent --config "$DEST/etc/c8s/agent.yaml" --help 2>&1)
check_eq "the shipped agent config parses" "$?" "0"
check_contains "agent help" "$OUT" "--token"
OUT=$("$DEST/usr/local/bin/c8s" server --config "$DEST/etc/c8s/config.yaml" --help 2>&1)
check_eq "the shipped config parses" "$?" "0"
check_contains "server help" "$OUT" "--config FILE"

echo "port: 7443" >"$DEST/etc/c8s/config.yaml"
check "reinstall" env DESTDIR="$DEST" bash "$ROOT/deploy/install.sh" --build-dir "$BUILD"
check_eq "existing config kept" "$(cat "$DEST/etc/c8s/config.yaml")" "port: 7443"

if command -v systemd-analyze >/dev/null; then
  # systemd's own parser on the unit, pointed at the staged binary.
  mkdir -p "$DEST/verify"
  sed "s|/usr/local/bin/c8s|$DEST/usr/local/bin/c8s|; s|/etc/c8s|$DEST/etc/c8s|" "$UNIT" >"$DEST/verify/c8s-server.service"
  OUT=$(systemd-analyze verify "$DEST/verify/c8s-server.service" 2>&1)
  check_eq "systemd-analyze verify: $OUT" "$?" "0"
  sed "s|/usr/local/bin/c8s|$DEST/usr/local/bin/c8s|; s|/etc/c8s|$DEST/etc/c8s|" "$AUNIT" >"$DEST/verify/c8s-agent.service"
  OUT=$(systemd-analyze verify "$DEST/verify/c8s-agent.service" 2>&1)
  check_eq "systemd-analyze verify agent: $OUT" "$?" "0"
fi
finish
