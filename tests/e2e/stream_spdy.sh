#!/usr/bin/env bash
# stream_spdy.sh — exec and attach over SPDY/3.1 (kubectl 1.27 to 1.29 upgrade to it, with one
# stream per channel) through the API server's proxy to the kubelet: the exit code, stdin piped
# through -i to its end, stderr apart, `exec -it` with the terminal's size and a resize while
# the command runs, attach, `run -i --rm`; and the older websocket port-forward
# (v4.channel.k8s.io, or no subprotocol; ?ports=), which no kubectl speaks, with a small client.
# A one-node cluster in namespaces of the test's own, as stream.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer stream_spdy "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=spdy-node

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" --node-name "$NODE" \
  --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" --kubepods-cgroup "$CGROUP" \
  --insecure-registry 127.0.0.1:5000 --resolv-conf "$WORK/resolv.conf" \
  --disable-controller-manager || { fail "server start"; finish; exit 1; }
export KUBECONFIG=$SERVER_DATA/admin.kubeconfig
k() { kubectl "$@"; }
T=240
SDK=/usr/lib/google-cloud-sdk/bin
command -v gcloud >/dev/null && SDK=$(dirname "$(readlink -f "$(command -v gcloud)")")

wait_for() { # wait_for CMD... VALUE
  local want=${*: -1} got=""
  for _ in $(seq 1 $T); do
    got=$("${@:1:$#-1}" 2>/dev/null)
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  echo "got '$got', want '$want'" >&2
  tail -n 40 "$SERVER_DATA.log" >&2
  return 1
}

k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", command: [sleep, "100000"]}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: "$IMAGE"
    command: [sh, -c, "mkdir -p /www && echo hello from the pod >/www/index.html && exec httpd -f -p 80 -h /www"]
---
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", command: [sh, -c, "i=0; while true; do i=\$((i+1)); echo tick \$i; sleep 1; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", stdin: true, command: [sh, -c, "while read l; do echo got \$l; echo err \$l >&2; done; echo stdin closed; sleep 100000"]}
YAML
for p in shell web talker reader; do
  check "$p runs" wait_for k get pod $p -o 'jsonpath={.status.phase}' Running
done

lines() { grep -c "$2" "$1" 2>/dev/null; }
at_least() { # at_least FILE PATTERN N : yes once FILE has N lines matching PATTERN
  [ "$(lines "$1" "$2")" -ge "$3" ] 2>/dev/null && echo yes
}

# `exec -it` under script(1) (kubectl wants a terminal for -t): the command prints the size it
# starts with, then waits for the size to change; a helper in the same session changes the
# terminal's size once that first line is out, which sends kubectl SIGWINCH and a resize.
cat >"$WORK/tty-resize.sh" <<'EOF'
kc=$1 out=$2 tty=$(tty)
stty cols 123 rows 45
# (An asynchronous command's stdin is /dev/null: the terminal is named.)
( for _ in $(seq 1 1200); do grep -q 'first [0-9]' "$out" && break; sleep 0.2; done
  stty -F "$tty" cols 77 rows 22 ) &
"$kc" exec -it shell -- sh -c 'echo first $(stty size); i=0
  while [ $i -lt 480 ]; do [ "$(stty size)" = "22 77" ] && { echo resized; exit 0; }; sleep 0.5; i=$((i+1)); done
  echo never resized; exit 1' 2>"$out.err"
rc=$?
wait
exit $rc
EOF
tty_run() { # tty_run KUBECTL ARGS... : the output, CRs dropped
  local cmd
  printf -v cmd '%q ' "$@"
  timeout 120 script -qec "stty cols 123 rows 45; $cmd" /dev/null </dev/null | tr -d '\r'
}

ran=0
for v in 27 28 29; do
  kc=$SDK/kubectl.1.$v
  [ -x "$kc" ] || { echo "SKIP: no $kc" >&2; continue; }
  ran=$((ran + 1))
  # Exit code, stdout and stderr apart.
  out=$("$kc" exec shell -- sh -c 'echo out; echo err >&2; exit 3' 2>"$WORK/err-$v")
  rc=$?
  check_eq "kubectl 1.$v exec: the exit code" "$rc" 3
  check_eq "kubectl 1.$v exec: stdout" "$out" out
  check_contains "kubectl 1.$v exec: stderr apart" "$(cat "$WORK/err-$v")" err
  check_eq "kubectl 1.$v exec: success" "$("$kc" exec shell -- echo fine; echo "rc=$?")" \
    "$(printf 'fine\nrc=0')"
  # stdin through -i: its end closes the command's stdin.
  out=$(printf 'one\ntwo\n' | timeout 120 "$kc" exec -i shell -- sh -c 'cat; echo eof')
  check_eq "kubectl 1.$v exec -i: stdin to its end" "$out" "$(printf 'one\ntwo\neof')"
  big=$(head -c 300000 /dev/zero | tr '\0' x | timeout 120 "$kc" exec -i shell -- wc -c)
  check_eq "kubectl 1.$v exec -i: 300 kB of stdin" "$(echo $big)" 300000
  check_eq "kubectl 1.$v exec: 1 MB of output" \
    "$(timeout 120 "$kc" exec shell -- sh -c 'head -c 1000000 /dev/zero' | wc -c)" 1000000
  [ "$v" = 28 ] && continue # 1.28: the basics; 1.27 and 1.29: the rest
  out=$(tty_run "$kc" exec -it shell -- stty size)
  check_contains "kubectl 1.$v exec -it: the terminal's size" "$out" "45 123"
  out=$(tty_run "$kc" exec -it shell -- sh -c 'tty; echo err >&2; exit 4')
  check_contains "kubectl 1.$v exec -it: a pty" "$out" "/dev/pts/"
  check_contains "kubectl 1.$v exec -it: stderr through the tty" "$out" "err"
  check_contains "kubectl 1.$v exec -it: the exit code" "$out" "command terminated with exit code 4"
  rm -f "$WORK/resize-$v.out"
  timeout 300 script -qfec "bash $WORK/tty-resize.sh $kc $WORK/resize-$v.out" /dev/null \
    </dev/null >"$WORK/resize-$v.out"
  rc=$?
  out=$(tr -d '\r' <"$WORK/resize-$v.out")
  check_contains "kubectl 1.$v exec -it: the first size" "$out" "first 45 123"
  check_eq "kubectl 1.$v exec -it: a resize reaches the command" "$(grep -c '^resized$' <<<"$out")" 1
  check_eq "kubectl 1.$v exec -it: resized, exit 0" "$rc" 0
  [ "$rc" = 0 ] || cat "$WORK/resize-$v.out" "$WORK/resize-$v.out.err" >&2

  # attach: live output; then stdin in, stdout and stderr apart.
  "$kc" attach talker >"$WORK/attach-$v.out" 2>"$WORK/attach-$v.err" &
  A_PID=$!
  PIDS+=("$A_PID")
  check "kubectl 1.$v attach: live output arrives" wait_for at_least "$WORK/attach-$v.out" '^tick ' 2 yes
  kill "$A_PID" 2>/dev/null
  wait "$A_PID" 2>/dev/null
  rm -f "$WORK/in-$v"
  mkfifo "$WORK/in-$v"
  "$kc" attach -i reader <"$WORK/in-$v" >"$WORK/reader-$v.out" 2>"$WORK/reader-$v.err" &
  A_PID=$!
  PIDS+=("$A_PID")
  exec 7>"$WORK/in-$v"
  echo "one$v" >&7
  echo "two$v" >&7
  check "kubectl 1.$v attach -i: stdin reaches the container" \
    wait_for at_least "$WORK/reader-$v.out" "^got two$v\$" 1 yes
  check_eq "kubectl 1.$v attach -i: its stdout" "$(grep '^got' "$WORK/reader-$v.out")" \
    "$(printf 'got one%s\ngot two%s' "$v" "$v")"
  check "kubectl 1.$v attach -i: its stderr apart" wait_for at_least "$WORK/reader-$v.err" "^err two$v\$" 1 yes
  exec 7>&-
  kill "$A_PID" 2>/dev/null
  wait "$A_PID" 2>/dev/null

  # run -i --rm: a pod with stdinOnce, attached once it runs, deleted after.
  out=$(echo hello | timeout 300 "$kc" run "catter$v" -i --rm --restart=Never --image="$IMAGE" \
    --pod-running-timeout=4m -- sh -c 'read l; echo got $l' 2>"$WORK/run-$v.err")
  check_contains "kubectl 1.$v run -i --rm: stdin in, output out" "$out" "got hello"
  check "kubectl 1.$v run -i --rm: the pod is deleted" \
    wait_for bash -c "kubectl get pod catter$v -o name 2>/dev/null" ""
done
check "a kubectl that speaks SPDY for exec ran" test "$ran" -gt 0
check_eq "reader's stdin stays open" "$(k logs reader | grep -c 'stdin closed')" 0
check_eq "no exec process file left" "$(find "$SERVER_DATA" -name 'exec-*.json' 2>/dev/null | wc -l)" 0

# A SPDY upgrade offering no protocol the kubelet speaks: refused before any stream.
check_eq "exec over SPDY with an unknown protocol: 403" "$(curl --http1.1 -s -o /dev/null \
  -w '%{http_code}' -X POST -H 'Connection: Upgrade' -H 'Upgrade: SPDY/3.1' \
  -H 'X-Stream-Protocol-Version: v9.channel.k8s.io' \
  "$SERVER_URL/api/v1/namespaces/default/pods/shell/exec?command=true&stdout=true")" 403

# ---- the websocket port-forward of the channel protocol ----
cat >"$WORK/wspf.py" <<'EOF'
# wspf.py URL CA CERT KEY PROTOCOL("" for none) PORTS DATA_FOR_PORT0 : one websocket session of
# the channel port-forward protocol; prints "port CH N" for each channel's first message (the
# port), then "data CH TEXT" per later message, then "close" once the server closes.
import base64, os, socket, ssl, struct, sys
from urllib.parse import urlparse
url, ca, cert, key, proto, ports, send = sys.argv[1:8]
u = urlparse(url)
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
ctx.load_cert_chain(cert, key)
s = ctx.wrap_socket(socket.create_connection((u.hostname, u.port), timeout=120))
req = ("GET %s?ports=%s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
       % (u.path, ports, u.netloc, base64.b64encode(os.urandom(16)).decode()))
if proto:
    req += "Sec-WebSocket-Protocol: %s\r\n" % proto
s.sendall((req + "\r\n").encode())
buf = b""
while b"\r\n\r\n" not in buf:
    c = s.recv(4096)
    if not c:
        sys.exit("no answer")
    buf += c
head, buf = buf.split(b"\r\n\r\n", 1)
lines = head.decode().split("\r\n")
print("status", lines[0].split()[1])
for l in lines[1:]:
    if l.lower().startswith("sec-websocket-protocol:"):
        print("protocol", l.split(":", 1)[1].strip())
if " 101 " not in lines[0] + " ":
    sys.exit(0)
def frame(op, payload):
    m = os.urandom(4)
    n = len(payload)
    h = bytes([0x80 | op])
    h += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    return h + m + bytes(b ^ m[i % 4] for i, b in enumerate(payload))
def read(n):
    global buf
    while len(buf) < n:
        c = s.recv(65536)
        if not c:
            raise EOFError
        buf += c
    out, buf = buf[:n], buf[n:]
    return out
seen, sent = set(), False
try:
    while True:
        b0, b1 = read(2)
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack(">H", read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", read(8))[0]
        p = read(n)
        op = b0 & 0x0f
        if op == 8:
            print("close")
            break
        if op != 2 or not p:
            continue
        ch = p[0]
        if ch not in seen:
            seen.add(ch)
            print("port", ch, struct.unpack("<H", p[1:3])[0])
            if ch == 1 and not sent and send:
                # Both of port 0's channels are announced: a request on its data channel.
                s.sendall(frame(2, b"\x00" + send.encode().replace(b"\\n", b"\r\n")))
                sent = True
            continue
        print("data", ch, p[1:].decode(errors="replace").replace("\r", "").replace("\n", "|"))
except EOFError:
    print("eof")
EOF
wspf() { # wspf PROTOCOL PORTS SEND : the client's lines, sorted as printed
  timeout 180 python3 "$WORK/wspf.py" "$SERVER_URL/api/v1/namespaces/default/pods/web/portforward" \
    "$SERVER_DATA/pki/ca.crt" "$SERVER_DATA/pki/admin.crt" "$SERVER_DATA/pki/admin.key" "$@" 2>&1
}
out=$(wspf v4.channel.k8s.io 80 'GET /index.html HTTP/1.0\n\n')
check_contains "ws port-forward v4: switched" "$out" "status 101"
check_contains "ws port-forward v4: its subprotocol" "$out" "protocol v4.channel.k8s.io"
check_contains "ws port-forward v4: the data channel's port" "$out" "port 0 80"
check_contains "ws port-forward v4: the error channel's port" "$out" "port 1 80"
check_contains "ws port-forward v4: the pod's page" "$out" "hello from the pod"
check_contains "ws port-forward v4: the session ends with the pod's connection" "$out" "close"
check_eq "ws port-forward v4: nothing on the error channel" "$(grep -c '^data 1 ' <<<"$out")" 0
out=$(wspf "" 80 'GET /nosuch HTTP/1.0\n\n')
check_contains "ws port-forward, no subprotocol: switched" "$out" "status 101"
check_eq "ws port-forward, no subprotocol: none answered" "$(grep -c '^protocol' <<<"$out")" 0
check_contains "ws port-forward, no subprotocol: the pod's 404" "$out" "404"
# Two ports: 81 has no listener (its error channel says so), 80 answers.
out=$(wspf v4.channel.k8s.io 80,81 'GET /index.html HTTP/1.0\n\n')
check_contains "ws port-forward, two ports: the second's channels" "$out" "port 3 81"
check_contains "ws port-forward, two ports: the refusal on 81's error channel" "$out" \
  "data 3 error forwarding port 81 to pod default/web"
check_contains "ws port-forward, two ports: 80's page" "$out" "hello from the pod"
check_contains "ws port-forward, two ports: the end" "$out" "close"
check_contains "ws port-forward without ports: refused" "$(wspf v4.channel.k8s.io "" "")" "status 400"
check_contains "ws port-forward, port 0: refused" "$(wspf v4.channel.k8s.io 0 "")" "status 400"

k delete pod shell web talker reader --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
finish
