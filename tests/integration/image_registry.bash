# image_registry.bash — sourced by the image tests (after lib.sh): Debian's docker-registry on a
# free loopback port, and pushing blobs and manifests to it with curl through the registry's
# upload API (POST /v2/<name>/blobs/uploads/, PUT <location>&digest=…, PUT the manifest).
# Needs WORK (a temp dir the test owns).

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# start_registry NAME [AUTH-YAML] : sets REG (host:port) and REG_PID. AUTH-YAML is the registry
# config's `auth:` section, indented by two spaces, or empty.
start_registry() {
  local name=$1 auth=${2:-}
  for attempt in 1 2 3; do
    local port
    port=$(free_port)
    REG="127.0.0.1:$port"
    mkdir -p "$WORK/$name"
    cat >"$WORK/$name.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/$name
http:
  addr: $REG
EOF
    if [ -n "$auth" ]; then printf 'auth:\n%s\n' "$auth" >>"$WORK/$name.yml"; fi
    docker-registry serve "$WORK/$name.yml" >"$WORK/$name.log" 2>&1 &
    REG_PID=$!
    PIDS+=("$REG_PID")
    for _ in $(seq 1 100); do
      # Any HTTP answer (200, or 401 with auth) means it is listening.
      local code
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/")
      if [ "$code" = 200 ] || [ "$code" = 401 ]; then return 0; fi
      kill -0 "$REG_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$REG_PID" 2>/dev/null
    wait "$REG_PID" 2>/dev/null
  done
  cat "$WORK/$name.log" >&2
  return 1
}

# CURL_AUTH: extra curl arguments for pushing (-u user:pass, or -H "Authorization: Bearer …").
CURL_AUTH=()

push_blob() { # repo file
  local loc
  loc=$(curl -sf "${CURL_AUTH[@]}" -X POST -D - -o /dev/null "http://$REG/v2/$1/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
  [ -n "$loc" ] || return 1
  case "$loc" in http*) ;; *) loc="http://$REG$loc" ;; esac
  case "$loc" in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
  curl -sf "${CURL_AUTH[@]}" -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@$2" "${loc}digest=sha256:$(sha "$2")" -o /dev/null
}

push_manifest() { # repo ref file media-type
  curl -sf "${CURL_AUTH[@]}" -X PUT -H "Content-Type: $4" --data-binary "@$3" \
    "http://$REG/v2/$1/manifests/$2" -o /dev/null
}

# build_small_image DIR : a one-layer busybox image in DIR (layer.tar.gz, config.json,
# manifest.json); sets SMALL_MANIFEST (its digest hex).
build_small_image() {
  local d=$1
  mkdir -p "$d/root/bin"
  cp /bin/busybox "$d/root/bin/busybox"
  ln -sf busybox "$d/root/bin/sh"
  tar --numeric-owner -C "$d/root" -czf "$d/layer.tar.gz" .
  local diff
  diff=$(gzip -dc "$d/layer.tar.gz" | sha256sum | cut -d' ' -f1)
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff" >"$d/config.json"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"sha256:%s","size":%s}]}' \
    "$(sha "$d/config.json")" "$(size "$d/config.json")" "$(sha "$d/layer.tar.gz")" \
    "$(size "$d/layer.tar.gz")" >"$d/manifest.json"
  SMALL_MANIFEST=$(sha "$d/manifest.json")
}

# push_small_image REPO TAG DIR
push_small_image() {
  push_blob "$1" "$3/layer.tar.gz" && push_blob "$1" "$3/config.json" &&
    push_manifest "$1" "$2" "$3/manifest.json" application/vnd.docker.distribution.manifest.v2+json
}
