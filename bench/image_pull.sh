#!/usr/bin/env bash
# image_pull.sh — how fast the image store pulls, unpacks and mounts: Debian's docker-registry on
# a free loopback port, two images pushed to it (busybox-static in one ~1 MB gzip layer; a 200 MB
# incompressible + 2,000 small files layer, ~211 MB gzip), each pulled 3 times into an empty store
# with `c8s image pull` (download, sha256 verification, unpack), then mounted and unmounted.
# Times are wall clock of the whole command (process start included). Run by hand:
#   bash bench/image_pull.sh [path/to/c8s]     (default build/c8s; needs root for the mount)
# Last line: RESULT key=value …
set -u
HERE=$(cd "$(dirname "$0")/.." && pwd)
C8S_BIN=${1:-$HERE/build/c8s}
source "$HERE/tests/support/lib.sh"
WORK=$(mktemp -d /tmp/c8s-bench-image.XXXXXX)
TMPDIRS+=("$WORK")
source "$HERE/tests/integration/image_registry.bash"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

build_small_image "$WORK/small"
d="$WORK/big"
mkdir -p "$d/root"
cp -a "$WORK/small/root/." "$d/root/"
for i in $(seq 1 20); do head -c 10M /dev/urandom >"$d/root/f$i"; done
for i in $(seq 1 2000); do echo "$i" >"$d/root/small$i"; done
tar --numeric-owner -C "$d/root" -czf "$d/layer.tar.gz" .
diff=$(gzip -dc "$d/layer.tar.gz" | sha256sum | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$diff" >"$d/config.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"sha256:%s","size":%s}]}' \
  "$(sha "$d/config.json")" "$(size "$d/config.json")" "$(sha "$d/layer.tar.gz")" \
  "$(size "$d/layer.tar.gz")" >"$d/manifest.json"
start_registry reg || { echo "registry did not start" >&2; exit 1; }
push_small_image m/small v1 "$WORK/small" && push_small_image m/big v1 "$WORK/big" ||
  { echo "push failed" >&2; exit 1; }

result="RESULT"
for img in small big; do
  best=
  for run in 1 2 3; do
    rm -rf "$WORK/data"
    s=$(now)
    "$C8S_BIN" image --data-dir "$WORK/data" pull "$REG/m/$img:v1" --insecure-registry "$REG" \
      >/dev/null || { echo "pull failed" >&2; exit 1; }
    t=$(secs "$s" "$(now)")
    echo "pull $img ($(size "$WORK/$img/layer.tar.gz") bytes gzip), run $run: $t s"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
  done
  s=$(now)
  "$C8S_BIN" image --data-dir "$WORK/data" mount c1 "$REG/m/$img:v1" "$WORK/c1" >/dev/null
  m=$(secs "$s" "$(now)")
  s=$(now)
  "$C8S_BIN" image --data-dir "$WORK/data" umount c1 "$WORK/c1"
  u=$(secs "$s" "$(now)")
  echo "mount $img: $m s, umount: $u s"
  result="$result pull_${img}_s=$best mount_${img}_s=$m umount_${img}_s=$u"
done
echo "$result"
