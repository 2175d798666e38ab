#!/usr/bin/env bash
# examples_image.sh — deploy/examples agree with their image script: every manifest names the
# image build-busybox-image.sh makes, the image's manifest and config are consistent (digests and
# sizes of what it references), its root filesystem has the applets the manifests run, and
# `--import` puts it into a node's store under that same name. (Pushing to a registry and running
# the manifests is tests/e2e/cluster.sh.)
source "$(dirname "$0")/../support/lib.sh"
SRC=${C8S_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
EX=$SRC/deploy/examples
[ -x /bin/busybox ] || { echo "SKIP: needs busybox-static"; exit 77; }

WORK=$(mktemp -d /tmp/c8s-test-examples-XXXXXX)
TMPDIRS+=("$WORK")
out=$(bash "$EX/build-busybox-image.sh" --out "$WORK/img" --import --data-dir "$WORK/node" \
  --c8s "$C8S_BIN" 2>&1)
check_eq "script succeeds" "$?" 0
REF=$(sed -n 's/^built \([^ ]*\) .*/\1/p' <<<"$out")
check_eq "the image's name" "$REF" 127.0.0.1:5000/examples/busybox:1
for f in web cronjob daemonset statefulset; do
  check_eq "$f.yaml names it" "$(grep -h 'image:' "$EX/$f.yaml" | awk '{print $2}' | sort -u)" "$REF"
done

M=$WORK/img/manifest.json
sha() { sha256sum "$1" | cut -d' ' -f1; }
check_eq "config digest" "$(jq -r .config.digest "$M")" "sha256:$(sha "$WORK/img/config.json")"
check_eq "config size" "$(jq -r .config.size "$M")" "$(stat -c %s "$WORK/img/config.json")"
check_eq "layer digest" "$(jq -r '.layers[0].digest' "$M")" "sha256:$(sha "$WORK/img/layer.tar.gz")"
check_eq "diff_id" "$(jq -r '.rootfs.diff_ids[0]' "$WORK/img/config.json")" "sha256:$(sha "$WORK/img/layer.tar")"
check_eq "OCI media type" "$(jq -r .mediaType "$M")" application/vnd.oci.image.manifest.v1+json
files=$(tar -tf "$WORK/img/layer.tar")
for f in ./bin/busybox ./bin/sh ./usr/bin/wget ./usr/sbin/httpd ./bin/hostname ./etc/passwd ./etc/nsswitch.conf; do
  check_contains "layer has $f" "$files" "$f"
done
# Built twice, the same bytes: the layer does not depend on when it was made.
bash "$EX/build-busybox-image.sh" --out "$WORK/img2" >/dev/null 2>&1
check_eq "reproducible" "$(sha "$WORK/img2/manifest.json")" "$(sha "$M")"

check_contains "imported" "$("$C8S_BIN" image --data-dir "$WORK/node" ls 2>&1)" "$REF"
finish
