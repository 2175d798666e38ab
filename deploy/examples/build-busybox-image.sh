#!/usr/bin/env bash
# build-busybox-image.sh — a small image built on this machine from Debian's busybox-static, for
# the examples in this folder (a machine without access to public registries can still run them).
#
#   build-busybox-image.sh --push 127.0.0.1:5000           push to a registry already running
#   build-busybox-image.sh --start-registry 5000           start Debian's docker-registry on
#                                                          127.0.0.1:5000, then push to it
#   build-busybox-image.sh --import [--data-dir DIR]       put it straight into a node's image
#                                                          store (`c8s image import`)
#
# Other flags: --user USER:PASSWORD (basic credentials for --push, for a registry that asks),
# --name REPO (default examples/busybox), --tag TAG (default 1), --out DIR (keep the
# image files there; default a temporary dir), --registry-dir DIR (where --start-registry keeps
# its blobs, config, log and registry.pid; default /var/lib/c8s-registry), --c8s BIN (the c8s
# binary for --import; default c8s from PATH). The image is
#   <registry>/<name>:<tag>, by default 127.0.0.1:5000/examples/busybox:1,
# which is what the manifests here name; --import stores it under that same reference, so the
# manifests work either way. A node pulls from a plain-HTTP registry only when it is named with
# `c8s server --insecure-registry 127.0.0.1:5000`.
set -euo pipefail

NAME=examples/busybox
TAG=1
OUT=""
PUSH=""
CURL_USER=()
START_PORT=""
REGDIR=/var/lib/c8s-registry
IMPORT=""
DATA_DIR=/var/lib/c8s
C8S=c8s

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME=$2; shift 2 ;;
    --tag) TAG=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --push) PUSH=$2; shift 2 ;;
    --user) CURL_USER=(-u "$2"); shift 2 ;;
    --start-registry) START_PORT=$2; shift 2 ;;
    --registry-dir) REGDIR=$2; shift 2 ;;
    --import) IMPORT=1; shift ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --c8s) C8S=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 >&2 ;;
  esac
done
if [ -n "$START_PORT" ]; then PUSH=${PUSH:-127.0.0.1:$START_PORT}; fi
if [ -z "$PUSH" ] && [ -z "$IMPORT" ] && [ -z "$OUT" ]; then
  echo "nothing to do: give --push, --start-registry, --import or --out" >&2
  exit 2
fi
BUSYBOX=$(command -v busybox || true)
if [ -z "$BUSYBOX" ] || ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
  # A dynamically linked busybox would need its libraries in the image too.
  [ -x /bin/busybox ] && BUSYBOX=/bin/busybox
fi
[ -x "$BUSYBOX" ] || { echo "needs busybox-static (apt-get install busybox-static)" >&2; exit 1; }
REF="${PUSH:-127.0.0.1:5000}/$NAME:$TAG"

if [ -n "$OUT" ]; then mkdir -p "$OUT"; W=$OUT; else
  W=$(mktemp -d /tmp/c8s-busybox-XXXXXX)
  trap 'rm -rf "$W"' EXIT
fi
case "$(uname -m)" in
  x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; armv7l) ARCH=arm ;; *) ARCH=$(uname -m) ;;
esac

# The root filesystem: busybox, a link for every applet where busybox installs it, and the few
# files a program expects (users, a writable /tmp, nsswitch.conf so the static glibc inside
# busybox looks names up in /etc/hosts and then DNS without searching for NSS modules).
R=$W/rootfs
rm -rf "$R"
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/etc" "$R/tmp" "$R/root" "$R/var/www"
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
"$BUSYBOX" --list-full | while read -r path; do
  [ "$path" = bin/busybox ] && continue
  mkdir -p "$R/$(dirname "$path")"
  ln -sf /bin/busybox "$R/$path"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$R/etc/nsswitch.conf"
echo '<html><body><h1>c8s busybox</h1></body></html>' >"$R/var/www/index.html"

# One gzipped layer, made the same way every time (sorted, fixed times and owners).
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$R" -cf "$W/layer.tar" .
gzip -nc "$W/layer.tar" >"$W/layer.tar.gz"
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
DIFF=$(sha "$W/layer.tar")
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"deploy/examples/build-busybox-image.sh"}]}' \
  "$ARCH" "$DIFF" >"$W/config.json"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$(sha "$W/config.json")" "$(size "$W/config.json")" "$(sha "$W/layer.tar.gz")" \
  "$(size "$W/layer.tar.gz")" >"$W/manifest.json"
echo "built $REF (manifest sha256:$(sha "$W/manifest.json"))"

if [ -n "$START_PORT" ]; then
  mkdir -p "$REGDIR/storage"
  cat >"$REGDIR/config.yml" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $REGDIR/storage
http:
  addr: 127.0.0.1:$START_PORT
CFG
  if curl -sf -o /dev/null "http://127.0.0.1:$START_PORT/v2/"; then
    echo "a registry already answers on 127.0.0.1:$START_PORT; pushing to it"
  else
    command -v docker-registry >/dev/null || { echo "needs docker-registry (apt-get install docker-registry)" >&2; exit 1; }
    setsid docker-registry serve "$REGDIR/config.yml" >"$REGDIR/registry.log" 2>&1 </dev/null &
    echo $! >"$REGDIR/registry.pid"
    for _ in $(seq 1 100); do
      curl -sf -o /dev/null "http://127.0.0.1:$START_PORT/v2/" && break
      kill -0 "$(cat "$REGDIR/registry.pid")" 2>/dev/null || { cat "$REGDIR/registry.log" >&2; exit 1; }
      sleep 0.1
    done
    echo "registry on 127.0.0.1:$START_PORT (pid $(cat "$REGDIR/registry.pid"), stop it with: kill \$(cat $REGDIR/registry.pid))"
  fi
fi

# The registry's upload API: POST an upload, PUT its location with the digest, then the manifest.
push_blob() { # file
  if curl -sf "${CURL_USER[@]}" -o /dev/null -I "http://$PUSH/v2/$NAME/blobs/sha256:$(sha "$1")"; then return 0; fi
  local loc
  loc=$(curl -sf "${CURL_USER[@]}" -X POST -D - -o /dev/null "http://$PUSH/v2/$NAME/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [ -n "$loc" ] || { echo "the registry at $PUSH refused an upload" >&2; return 1; }
  case "$loc" in http*) ;; *) loc="http://$PUSH$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
  curl -sf "${CURL_USER[@]}" -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
    "${loc}digest=sha256:$(sha "$1")" -o /dev/null
}
if [ -n "$PUSH" ]; then
  push_blob "$W/layer.tar.gz"
  push_blob "$W/config.json"
  curl -sf "${CURL_USER[@]}" -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$W/manifest.json" "http://$PUSH/v2/$NAME/manifests/$TAG" -o /dev/null
  echo "pushed $REF"
fi

if [ -n "$IMPORT" ]; then
  # A docker-archive names its image in full (RepoTags), so the node finds it under $REF.
  A=$W/archive
  mkdir -p "$A"
  cp "$W/layer.tar" "$A/layer.tar"
  cp "$W/config.json" "$A/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$REF" >"$A/manifest.json"
  tar -C "$A" -cf "$W/image.tar" manifest.json config.json layer.tar
  "$C8S" image --data-dir "$DATA_DIR" import "$W/image.tar"
  echo "imported $REF into $DATA_DIR"
fi
