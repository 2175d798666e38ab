# lib.sh — shared by the shell integration tests: free ports, a c8s server with its managed etcd
# (over TLS, with curl and kubectl set up as its admin), checks that count, and cleanup by PID.
set -u

PASSED=0
FAILED=0
PIDS=()
TMPDIRS=()

ok() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }
check() { # check "what" command...
  local what=$1; shift
  if "$@"; then ok; else fail "$what"; fi
}
check_eq() { # check_eq "what" got want
  if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', want '$3'"; fi
}
check_contains() { # check_contains "what" haystack needle
  case "$2" in *"$3"*) ok ;; *) fail "$1: '$3' not in: ${2:0:400}" ;; esac
}

# Ports are drawn below the kernel's ephemeral range: one inside it may be taken, between this
# check and the server's bind, as the local port of any outgoing connection (e2e/ctl's etcd
# once failed to bind its peer port three times in a row under load).
free_port() {
  local p lo=32768 hi base span
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
  base=$((lo > 22000 ? lo - 12000 : 20000))
  span=$((lo > 22000 ? 12000 : 40000))
  for _ in $(seq 1 200); do
    p=$((base + RANDOM % span))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

cleanup() {
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  if [ -z "${KEEP:-}" ]; then for d in "${TMPDIRS[@]}"; do rm -rf "$d"; done; fi
}
trap cleanup EXIT

# use_server_credentials DATA_DIR : the API port is TLS only (docs/security.md). Points curl (a
# .curlrc in CURL_HOME: the cluster CA, the admin's client certificate) and kubectl / c8s ctl
# (KUBECONFIG) at the server whose data dir is DATA_DIR, so that `curl "$SERVER_URL/..."` and
# plain `kubectl` work as the admin. The last server started wins.
use_server_credentials() {
  local dir=$1
  export CURL_HOME="$dir.curl"
  mkdir -p "$CURL_HOME"
  TMPDIRS+=("$CURL_HOME")
  printf 'cacert = "%s"\ncert = "%s"\nkey = "%s"\n' \
    "$dir/pki/ca.crt" "$dir/pki/admin.crt" "$dir/pki/admin.key" >"$CURL_HOME/.curlrc"
  export KUBECONFIG="$dir/admin.kubeconfig"
}

# start_server DATA_DIR ARGS... : sets SERVER_PID, SERVER_URL (https), SERVER_PORT, and the
# credentials (use_server_credentials). Tests running in parallel draw ports at random; a server
# that dies at once (its port taken meanwhile) is started again on another port, up to three
# times. It listens on 127.0.0.1 unless ARGS give another --bind-address.
start_server() {
  local dir=$1; shift
  for attempt in 1 2 3; do
    SERVER_PORT=$(free_port)
    SERVER_URL="https://127.0.0.1:$SERVER_PORT"
    # The node roles change the network namespace they run in (the proxy its iptables, DNS an
    # interface and port 53): off unless a test running in a namespace of its own asks for
    # them (C8S_NODE_ROLES="").
    # The kubelet's port is a free one (--kubelet-port 0): parallel servers never fight over 10250.
    # Without the controller manager nothing makes ServiceAccounts: as upstream's integration
    # framework, pods are then admitted without one.
    local adm=()
    case " $* " in
      *" --disable-admission-plugins"*) ;;
      *" --disable-controller-manager "*) adm=(--disable-admission-plugins=ServiceAccount) ;;
    esac
    # shellcheck disable=SC2086
    "$C8S_BIN" server --port "$SERVER_PORT" --data-dir "$dir" --bind-address 127.0.0.1 ${C8S_NODE_ROLES---disable-proxy --disable-dns --disable-kubelet} --kubelet-port 0 "${adm[@]}" "$@" >"$dir.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    use_server_credentials "$dir"
    for _ in $(seq 1 300); do
      # /readyz answers anonymously; -k because a test may give the server a certificate of
      # its own (--tls-cert-file) that the cluster CA did not sign.
      if curl -q -sfk -o /dev/null "$SERVER_URL/readyz"; then
        # With the controller manager, pods need the default ServiceAccount it makes: wait for
        # it (a few seconds at most), so tests do not race the controller.
        if [[ " $* " != *" --disable-controller-manager "* ]]; then
          for _ in $(seq 1 100); do
            curl -sf -o /dev/null "$SERVER_URL/api/v1/namespaces/default/serviceaccounts/default" && break
            sleep 0.1
          done
        fi
        return 0
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    echo "server did not become ready (attempt $attempt); log:" >&2
    cat "$dir.log" >&2
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  done
  return 1
}

# start_managed_server WORKDIR ARGS... : a server with its own managed etcd on free ports; each
# attempt gets its own data dir (a failed attempt's etcd may still be on its way out). Sets
# SERVER_DATA (with admin.kubeconfig and pki/ in it), EC (etcd client port) and what
# start_server sets.
start_managed_server() {
  local work=$1; shift
  for attempt in 1 2 3; do
    EC=$(free_port); local ep; ep=$(free_port)
    while [ "$ep" = "$EC" ]; do ep=$(free_port); done
    SERVER_DATA="$work/data-$attempt"
    TMPDIRS+=("$SERVER_DATA.log")
    if start_server "$SERVER_DATA" --etcd-client-port "$EC" --etcd-peer-port "$ep" "$@"; then
      return 0
    fi
  done
  return 1
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
