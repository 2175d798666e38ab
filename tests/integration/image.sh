#!/usr/bin/env bash
# image.sh — the image store against real things: an image built here from Debian's busybox-static
# (two layers, the second with whiteouts), pushed with curl to Debian's docker-registry on a free
# loopback port, pulled with `c8s image pull` (insecure registry; also through an OCI index with
# two platforms), mounted as an overlayfs root filesystem and run with chroot; docker-archive and
# OCI-layout tarballs imported; malicious layers refused; everything removed again.
source "$C8S_SOURCE_DIR/tests/support/lib.sh"
source "$C8S_SOURCE_DIR/tests/integration/image_registry.bash"

WORK=$(mktemp -d /tmp/c8s-image.XXXXXX)
TMPDIRS+=("$WORK")
DATA="$WORK/data"
MOUNTS=()
image_cleanup() {
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
  cleanup
}
trap image_cleanup EXIT

c8s_image() { "$C8S_BIN" image --data-dir "$DATA" "$@"; }

# ---- build the image: layer 1 = busybox with its applet links, layer 2 = whiteouts ----
R1="$WORK/rootfs1"
mkdir -p "$R1/bin" "$R1/etc/opaque" "$R1/etc/keep" "$R1/tmp"
cp /bin/busybox "$R1/bin/busybox"
for a in sh ls cat echo; do ln -s busybox "$R1/bin/$a"; done
ln "$R1/bin/busybox" "$R1/bin/busybox-hardlink"
echo gone >"$R1/etc/removed"
echo old-a >"$R1/etc/opaque/a"
echo kept >"$R1/etc/keep/k"
chmod 1777 "$R1/tmp"
chmod 0640 "$R1/etc/keep/k"
chown 123:456 "$R1/etc/keep/k"
tar --numeric-owner -C "$R1" -czf "$WORK/layer1.tar.gz" .
R2="$WORK/rootfs2"
mkdir -p "$R2/etc/opaque"
: >"$R2/etc/.wh.removed"
: >"$R2/etc/opaque/.wh..wh..opq"
echo new-b >"$R2/etc/opaque/b"
echo hello >"$R2/hello.txt"
tar --numeric-owner -C "$R2" -cf "$WORK/layer2.tar" .

L1=$(sha "$WORK/layer1.tar.gz")
L2=$(sha "$WORK/layer2.tar")
DIFF1=$(gzip -dc "$WORK/layer1.tar.gz" | sha256sum | cut -d' ' -f1)
make_config() { # arch
  printf '{"architecture":"%s","os":"linux","config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Env":["PATH=/bin"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s","sha256:%s"]}}' \
    "$1" "$DIFF1" "$L2"
}
make_config amd64 >"$WORK/config.json"
make_config arm64 >"$WORK/config-arm64.json"
CFG=$(sha "$WORK/config.json")
CFGA=$(sha "$WORK/config-arm64.json")
make_manifest() { # config-file
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$(sha "$1")" "$(size "$1")" "$L1" "$(size "$WORK/layer1.tar.gz")" "$L2" "$(size "$WORK/layer2.tar")"
}
make_manifest "$WORK/config.json" >"$WORK/manifest.json"
make_manifest "$WORK/config-arm64.json" >"$WORK/manifest-arm64.json"
MAN=$(sha "$WORK/manifest.json")
MANA=$(sha "$WORK/manifest-arm64.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \
  "$MANA" "$(size "$WORK/manifest-arm64.json")" "$MAN" "$(size "$WORK/manifest.json")" >"$WORK/index.json"

# ---- a registry on loopback ----
if ! start_registry registry; then
  fail "docker-registry did not start"
  finish
  exit 1
fi
REPO=test/busybox
check "push layer 1" push_blob $REPO "$WORK/layer1.tar.gz"
check "push layer 2" push_blob $REPO "$WORK/layer2.tar"
check "push config" push_blob $REPO "$WORK/config.json"
check "push arm64 config" push_blob $REPO "$WORK/config-arm64.json"
OCI_M=application/vnd.oci.image.manifest.v1+json
check "push manifest" push_manifest $REPO v1 "$WORK/manifest.json" $OCI_M
check "push arm64 manifest" push_manifest $REPO arm64 "$WORK/manifest-arm64.json" $OCI_M
check "push index" push_manifest $REPO multi "$WORK/index.json" application/vnd.oci.image.index.v1+json

# ---- pull ----
out=$(c8s_image pull "$REG/$REPO:v1" 2>&1)
check_eq "pull without --insecure-registry fails (https)" "$?" 1
out=$(c8s_image pull "$REG/$REPO:v1" --insecure-registry "$REG" 2>&1)
check_eq "pull v1 exit" "$?" 0
check_eq "pull prints the manifest digest" "$(echo "$out" | tail -1)" "sha256:$MAN"
for d in "$MAN" "$CFG" "$L1" "$L2"; do
  f="$DATA/images/blobs/sha256/$d"
  check "blob $d stored" test -f "$f"
  check_eq "blob $d verifies" "$(sha "$f")" "$d"
done
check "layer 1 unpacked" test -x "$DATA/images/layers/$L1/bin/busybox"
check "layer 2 whiteout is a 0/0 char device" \
  test "$(stat -c '%F %t %T' "$DATA/images/layers/$L2/etc/removed")" = "character special file 0 0"
out=$(c8s_image pull "$REG/$REPO:multi" --insecure-registry "$REG" 2>&1)
check_eq "pull through the index picks linux/amd64" "$(echo "$out" | tail -1)" "sha256:$MAN"
out=$(c8s_image pull "$REG/$REPO:nope" --insecure-registry "$REG" 2>&1)
check_eq "pull of a missing tag fails" "$?" 1
check_contains "missing tag reports 404" "$out" "404"

# A registry that serves a blob not matching its digest (its storage tampered with on disk):
# the pull fails and keeps nothing of it.
build_small_image "$WORK/small"
check "push small image" push_small_image test/tamper v1 "$WORK/small"
small_layer=$(sha "$WORK/small/layer.tar.gz")
data="$WORK/registry/docker/registry/v2/blobs/sha256/${small_layer:0:2}/$small_layer/data"
check "registry stores the layer where expected" test -f "$data"
printf '\x00' | dd of="$data" bs=1 seek=100 conv=notrunc status=none
out=$(c8s_image pull "$REG/test/tamper:v1" --insecure-registry "$REG" 2>&1)
check_eq "pull of a tampered blob fails" "$?" 1
check_contains "it says digest mismatch" "$out" "digest mismatch"
check "the tampered blob is not stored" test ! -e "$DATA/images/blobs/sha256/$small_layer"
check_eq "the failed pull leaves no image" "$(c8s_image ls | grep -c tamper)" 0

ls_out=$(c8s_image ls)
check_contains "ls shows v1" "$ls_out" "$REG/$REPO:v1"
check_contains "ls shows multi" "$ls_out" "$REG/$REPO:multi"
check_contains "ls shows the image ID" "$ls_out" "${CFG:0:12}"
check_eq "v1 and multi are one image" "$(echo "$ls_out" | grep -c "sha256:$MAN")" 2
inspect=$(c8s_image inspect "$REG/$REPO:v1")
check_contains "inspect has the config" "$inspect" '"Entrypoint"'

# ---- an overlayfs root filesystem ----
C1="$WORK/containers/c1"
out=$(c8s_image mount c1 "$REG/$REPO:v1" "$C1" 2>&1)
check_eq "mount exit ($out)" "$?" 0
MOUNTS+=("$C1/rootfs")
RF="$C1/rootfs"
check "busybox is in the rootfs" test -x "$RF/bin/busybox"
check_eq "busybox runs in the rootfs" "$(chroot "$RF" /bin/sh -c 'echo hi from busybox')" \
  "hi from busybox"
check "whiteout hides etc/removed" test ! -e "$RF/etc/removed"
check_eq "opaque dir shows only layer 2" "$(ls "$RF/etc/opaque" | tr '\n' ' ')" "b "
check_eq "untouched dir is kept" "$(cat "$RF/etc/keep/k")" "kept"
check_eq "mode and owner kept" "$(stat -c '%a %u:%g' "$RF/etc/keep/k")" "640 123:456"
check_eq "sticky tmp kept" "$(stat -c '%a' "$RF/tmp")" "1777"
check_eq "symlink kept" "$(readlink "$RF/bin/sh")" "busybox"
check_eq "hardlink kept" "$(stat -c %i "$DATA/images/layers/$L1/bin/busybox-hardlink")" \
  "$(stat -c %i "$DATA/images/layers/$L1/bin/busybox")"
check_eq "layer 2 file" "$(cat "$RF/hello.txt")" "hello"
echo scribble >"$RF/hello.txt"
check_eq "writes go to the upper dir" "$(cat "$C1/upper/hello.txt")" "scribble"
check_eq "the layer is untouched" "$(cat "$DATA/images/layers/$L2/hello.txt")" "hello"
out=$(c8s_image rm "sha256:$MAN" 2>&1)
check_eq "rm of an image in use is refused" "$?" 1
check_contains "rm says in use" "$out" "in use"

# ---- import: docker-archive (shares layer 2 with the pulled image) ----
DA="$WORK/docker-archive"
mkdir -p "$DA"
gzip -dc "$WORK/layer1.tar.gz" | zstd -q >"$DA/layer1.tar.zst" # zstd, as newer builders write
cp "$WORK/layer2.tar" "$DA/layer2.tar"
cp "$WORK/config.json" "$DA/cfg.json"
echo '[{"Config":"cfg.json","RepoTags":["example.com/imp/busybox:1"],"Layers":["layer1.tar.zst","layer2.tar"]}]' >"$DA/manifest.json"
tar -C "$DA" -cf "$WORK/docker-archive.tar" .
out=$(c8s_image import "$WORK/docker-archive.tar" 2>&1)
check_eq "import docker-archive ($out)" "$?" 0
check_contains "import names the image" "$out" "example.com/imp/busybox:1"
check_eq "layers shared: three layer dirs for four layer references" \
  "$(ls "$DATA/images/layers" | wc -l)" 3
C2="$WORK/containers/c2"
out=$(c8s_image mount c2 example.com/imp/busybox:1 "$C2" 2>&1)
check_eq "mount imported ($out)" "$?" 0
MOUNTS+=("$C2/rootfs")
check_eq "imported image runs" "$(chroot "$C2/rootfs" /bin/cat /hello.txt)" "hello"
check "imported image has the whiteout applied" test ! -e "$C2/rootfs/etc/removed"
check "umount imported" c8s_image umount c2 "$C2"
check "container dir gone" test ! -e "$C2"

# ---- import: OCI layout ----
OL="$WORK/oci"
mkdir -p "$OL/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' >"$OL/oci-layout"
for f in layer1.tar.gz layer2.tar config.json config-arm64.json manifest.json manifest-arm64.json index.json; do
  cp "$WORK/$f" "$OL/blobs/sha256/$(sha "$WORK/$f")"
done
IDX=$(sha "$WORK/index.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"example.com/oci/busybox:2","org.opencontainers.image.ref.name":"2"}}]}' \
  "$IDX" "$(size "$WORK/index.json")" >"$OL/index.json"
tar -C "$OL" -cf "$WORK/oci.tar" .
out=$(c8s_image import "$WORK/oci.tar" 2>&1)
check_eq "import OCI layout ($out)" "$?" 0
check_contains "OCI import names the image" "$(c8s_image ls)" "example.com/oci/busybox:2"
check_contains "OCI import chose amd64: the pulled image" "$(c8s_image ls | grep example.com/oci)" \
  "sha256:$MAN"

# ---- malicious layers are refused ----
python3 - "$WORK" <<'EOF'
import io, sys, tarfile
w = sys.argv[1]
def layer(name, entries):
    with tarfile.open(f"{w}/{name}", "w") as t:
        for e, data in entries:
            t.addfile(e, io.BytesIO(data) if data is not None else None)
def f(n, data=b"x"):
    i = tarfile.TarInfo(n); i.size = len(data); return (i, data)
def sl(n, target):
    i = tarfile.TarInfo(n); i.type = tarfile.SYMTYPE; i.linkname = target; return (i, None)
def hl(n, target):
    i = tarfile.TarInfo(n); i.type = tarfile.LNKTYPE; i.linkname = target; return (i, None)
layer("dotdot.tar", [f("../escaped")])
layer("symlink.tar", [sl("evil", w + "/outside"), f("evil/pwned")])
layer("hardlink.tar", [hl("evil", "../../../../etc/passwd")])
layer("hardlink-symlink.tar", [sl("evil", "/etc"), hl("x", "evil/passwd")])
layer("abs-symlink-ok.tar", [sl("etc/mtab", "/proc/mounts"), f("etc/x")])
EOF
mkdir -p "$WORK/outside"
for bad in dotdot symlink hardlink hardlink-symlink; do
  BA="$WORK/bad-$bad"
  mkdir -p "$BA"
  cp "$WORK/$bad.tar" "$BA/l.tar"
  cp "$WORK/config.json" "$BA/c.json"
  echo "[{\"Config\":\"c.json\",\"RepoTags\":[\"bad/$bad:1\"],\"Layers\":[\"l.tar\"]}]" >"$BA/manifest.json"
  tar -C "$BA" -cf "$WORK/bad-$bad-archive.tar" .
  out=$(c8s_image import "$WORK/bad-$bad-archive.tar" 2>&1)
  check_eq "layer with $bad escape refused ($out)" "$?" 1
  check_contains "$bad refused for its path" "$out" "layer"
done
check "nothing escaped to the parent" test ! -e "$DATA/images/escaped"
check "nothing written through the symlink" test ! -e "$WORK/outside/pwned"
check_eq "no layer kept from refused imports" "$(ls "$DATA/images/layers" | wc -l)" 3
GA="$WORK/good-abs"
mkdir -p "$GA"
cp "$WORK/abs-symlink-ok.tar" "$GA/l.tar"
cp "$WORK/config.json" "$GA/c.json"
echo '[{"Config":"c.json","RepoTags":["ok/abs:1"],"Layers":["l.tar"]}]' >"$GA/manifest.json"
tar -C "$GA" -cf "$WORK/good-abs.tar" .
out=$(c8s_image import "$WORK/good-abs.tar" 2>&1)
check_eq "absolute symlink targets are content ($out)" "$?" 0
check "ok/abs removed" c8s_image rm ok/abs:1
check_contains "ok/abs gone" "$(c8s_image ls)" "example.com/oci"

# ---- an image of 60 layers: past mount(2)'s one-page options, mounted with lowerdir+ ----
ML="$WORK/many"
mkdir -p "$ML"
layers_json=""
diffs=""
for i in $(seq 0 59); do
  mkdir -p "$ML/r$i"
  if [ "$i" = 0 ]; then
    cp -a "$R1/." "$ML/r0/"
  else
    echo "$i" >"$ML/r$i/l$i"
  fi
  [ "$i" = 59 ] && : >"$ML/r59/.wh.l1"
  tar --numeric-owner -C "$ML/r$i" -cf "$ML/l$i.tar" .
  h=$(sha "$ML/l$i.tar")
  push_blob test/many "$ML/l$i.tar" || fail "push layer $i"
  layers_json="$layers_json${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$h\",\"size\":$(size "$ML/l$i.tar")}"
  diffs="$diffs${diffs:+,}\"sha256:$h\""
done
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$ML/config.json"
check "push many-layer config" push_blob test/many "$ML/config.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
  "$(sha "$ML/config.json")" "$(size "$ML/config.json")" "$layers_json" >"$ML/manifest.json"
check "push many-layer manifest" push_manifest test/many v1 "$ML/manifest.json" $OCI_M
out=$(c8s_image pull "$REG/test/many:v1" --insecure-registry "$REG" 2>&1)
check_eq "pull 60 layers ($out)" "$?" 0
C3="$WORK/containers/c3"
out=$(c8s_image mount c3 "$REG/test/many:v1" "$C3" 2>&1)
check_eq "mount 60 layers ($out)" "$?" 0
check "60 layers' lowerdir list is past mount(2)'s page" test $(((${#DATA} + 85) * 60)) -gt 4096
MOUNTS+=("$C3/rootfs")
check_eq "60 layers: the top layer's file" "$(cat "$C3/rootfs/l59")" 59
check "60 layers: the bottom layer's busybox runs" chroot "$C3/rootfs" /bin/busybox true
check "60 layers: the top layer's whiteout hides l1" test ! -e "$C3/rootfs/l1"
check_eq "60 layers: all the others are there" "$(ls "$C3/rootfs" | grep -c '^l')" 58
check "umount 60 layers" c8s_image umount c3 "$C3"
check "rm 60 layers" c8s_image rm "$REG/test/many:v1"

# ---- four pulls of one image at once into an empty store: one image, each layer once ----
PD="$WORK/parallel"
ppids=()
for i in 1 2 3 4; do
  "$C8S_BIN" image --data-dir "$PD" pull "$REG/$REPO:v1" --insecure-registry "$REG" \
    >"$WORK/parallel.$i.out" 2>&1 &
  ppids+=($!)
done
pfail=0
for p in "${ppids[@]}"; do wait "$p" || pfail=$((pfail + 1)); done
check_eq "parallel pulls all succeed ($(cat "$WORK"/parallel.*.out | grep -v '^sha256' | head -3))" \
  "$pfail" 0
check_eq "parallel pulls: one image" "$("$C8S_BIN" image --data-dir "$PD" ls | tail -n +2 | wc -l)" 1
check_eq "parallel pulls: each layer unpacked once" "$(ls "$PD/images/layers" | wc -l)" 2
check_eq "parallel pulls: nothing left in tmp" "$(ls -A "$PD/images/tmp" | wc -l)" 0
check "parallel pulls: rm" "$C8S_BIN" image --data-dir "$PD" rm "$REG/$REPO:v1"

# ---- GC: with thresholds the disk is certainly over, every unused image goes, c1's stays ----
c8s_image pull "$REG/test/tamper:v1" --insecure-registry "$REG" >/dev/null 2>&1 # fails again
check "import for GC" c8s_image import "$WORK/good-abs.tar"
out=$(c8s_image gc --high 1 --low 0 2>&1)
check_contains "gc spares images younger than the minimum age" "$out" "removed 0 images"
out=$(c8s_image gc --high 1 --low 0 --min-age 0 2>&1)
check_eq "gc ($out)" "$?" 0
ls_out=$(c8s_image ls)
check_contains "gc kept the image in use" "$ls_out" "$REG/$REPO:v1"
case "$ls_out" in *ok/abs*|*example.com/imp*) fail "gc left unused images: $ls_out" ;; *) ok ;; esac
check_contains "gc reports what it removed" "$out" "removed 2 images"

# ---- removal ----
check "umount c1" c8s_image umount c1 "$C1"
check "rm by name keeps the image under its other name" c8s_image rm "$REG/$REPO:multi"
check_contains "v1 still listed" "$(c8s_image ls)" "$REG/$REPO:v1"
check "rm v1" c8s_image rm "$REG/$REPO:v1"
check "rm the OCI import (the same image)" c8s_image rm example.com/oci/busybox:2
check_eq "no image left" "$(c8s_image ls | tail -n +2 | wc -l)" 0
check_eq "no blob left" "$(ls "$DATA/images/blobs/sha256" | wc -l)" 0
check_eq "no layer left" "$(ls "$DATA/images/layers" | wc -l)" 0
check_eq "no lease left" "$(ls -A "$DATA/images/leases" | wc -l)" 0
check_eq "no tmp left" "$(ls -A "$DATA/images/tmp" | wc -l)" 0
# What a killed process left in tmp/ goes at the next open; a live process's stays.
mkdir -p "$DATA/images/tmp/layer-999999999-0-1/x" "$DATA/images/tmp/layer-$$-0-1"
c8s_image ls >/dev/null
check "a dead process's tmp entry is swept" test ! -e "$DATA/images/tmp/layer-999999999-0-1"
check "a live process's tmp entry stays" test -d "$DATA/images/tmp/layer-$$-0-1"
check_eq "no overlay mount left" "$(grep -c "$WORK" /proc/self/mountinfo)" 0

finish
