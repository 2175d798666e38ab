#!/usr/bin/env bash
# stream.sh — issues 3 and 6: the streaming subresources beyond logs and plain exec, with the
# real kubectl, through the API server's proxy to the kubelet: `exec -t` (a pty: tty prints a
# /dev/pts name, the terminal's size reaches the command), and port-forward (kubectl 1.32
# tunnels SPDY over a websocket; kubectl 1.29 upgrades to SPDY/3.1 itself) fetching a pod's page,
# twice over one forward, and an error for a port nobody listens on. A one-node cluster in
# namespaces of the test's own, as logs_exec.sh.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer stream "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=stream-node

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" --node-name "$NODE" \
  --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" --kubepods-cgroup "$CGROUP" \
  --insecure-registry 127.0.0.1:5000 --resolv-conf "$WORK/resolv.conf" \
  --disable-controller-manager || { fail "server start"; finish; exit 1; }
export KUBECONFIG=$SERVER_DATA/admin.kubeconfig
k() { kubectl "$@"; }
T=240
KOLD=/usr/lib/google-cloud-sdk/bin/kubectl.1.29

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
YAML
check "shell runs" wait_for k get pod shell -o 'jsonpath={.status.phase}' Running
check "web runs" wait_for k get pod web -o 'jsonpath={.status.phase}' Running

# ---- exec -t: kubectl wants a terminal on its stdin for -t, so it runs under script(1) ----
tty_run() { # tty_run KUBECTL ARGS... : the output, CRs dropped
  local cmd
  printf -v cmd '%q ' "$@"
  timeout 60 script -qec "stty cols 123 rows 45; $cmd" /dev/null </dev/null | tr -d '\r'
}
out=$(tty_run kubectl exec -it shell -- tty)
check_contains "exec -it: the command has a pty" "$out" "/dev/pts/"
# The command starts once kubectl's first resize has set the size: never a 0x0 terminal.
for i in 1 2 3 4 5; do
  out=$(tty_run kubectl exec -it shell -- stty size)
  check_contains "exec -it: the terminal's size reaches the command ($i)" "$out" "45 123"
done
out=$(tty_run kubectl exec -it shell -- sh -c 'echo out; echo err >&2; exit 4')
check_contains "exec -it: stderr comes through the tty" "$out" "err"
check_contains "exec -it: the exit code" "$out" "command terminated with exit code 4"
check_eq "exec -it: runc's process files are removed" "$(find "$SERVER_DATA" -name 'exec-*.json' | wc -l)" 0
check_eq "exec without -t: still no pty" "$(k exec shell -- sh -c 'tty; true')" "not a tty"
# c8s ctl exec -it: the same terminal, its size at the start.
out=$(tty_run "$C8S_BIN" ctl exec -it shell -- sh -c 'tty; stty size')
check_contains "ctl exec -it: the command has a pty" "$out" "/dev/pts/"
check_contains "ctl exec -it: the terminal's size reaches the command" "$out" "45 123"
out=$("$C8S_BIN" ctl exec -t shell -- tty 2>&1 </dev/null)
check_contains "ctl exec -t without a terminal: kubectl's warning" "$out" "Unable to use a TTY"
check_contains "ctl exec -t without a terminal: no pty then" "$out" "not a tty"

# ---- port-forward: a local port of kubectl's to port 80 in the pod's network namespace ----
pf_start() { # pf_start KUBECTL PORTSPEC OUT : starts a port-forward (PF_PID), waits for its listener
  $1 port-forward pod/web "$2" >"$3" 2>&1 &
  PF_PID=$!
  PIDS+=("$PF_PID")
  for _ in $(seq 1 $T); do
    grep -q "Forwarding from 127.0.0.1" "$3" && return 0
    kill -0 "$PF_PID" 2>/dev/null || break
    sleep 1
  done
  cat "$3" >&2
  return 1
}
pf_stop() {
  kill "$PF_PID" 2>/dev/null
  wait "$PF_PID" 2>/dev/null
}
fetch() { curl -s --max-time 60 "http://127.0.0.1:$1/$2"; }

for kc in kubectl "$KOLD"; do
  v=$("$kc" version --client -o json 2>/dev/null | jq -r .clientVersion.minor)
  [ -x "$(command -v "$kc")" ] || { echo "SKIP: no $kc" >&2; continue; }
  port=$(free_port)
  if check "port-forward (kubectl 1.$v) listens" pf_start "$kc" "$port:80" "$WORK/pf-$v.out"; then
    check_eq "port-forward (kubectl 1.$v): the pod's page" "$(fetch "$port" index.html)" "hello from the pod"
    check_eq "port-forward (kubectl 1.$v): a second connection" "$(fetch "$port" index.html)" "hello from the pod"
    check_contains "port-forward (kubectl 1.$v): a missing page is the pod's 404" \
      "$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://127.0.0.1:$port/nosuch")" 404
  fi
  pf_stop
  # A port nobody listens on: the connection is closed and kubectl reports the pod's refusal.
  port=$(free_port)
  if check "port-forward (kubectl 1.$v) to a closed port listens" pf_start "$kc" "$port:81" "$WORK/pf81-$v.out"; then
    check_eq "port-forward (kubectl 1.$v) to a closed port: nothing comes back" "$(fetch "$port" x)" ""
    check "port-forward (kubectl 1.$v) to a closed port: kubectl reports the refusal" wait_for \
      bash -c "grep -c 'error forwarding port 81 to pod default/web.*connection refused' '$WORK/pf81-$v.out' | sed 's/^[1-9][0-9]*$/yes/'" yes
  fi
  pf_stop
done
# c8s ctl port-forward, the same protocol as kubectl 1.32's.
port=$(free_port)
if check "ctl port-forward listens" pf_start "$C8S_BIN ctl" "$port:80" "$WORK/ctl-pf.out"; then
  check_eq "ctl port-forward: the pod's page" "$(fetch "$port" index.html)" "hello from the pod"
  check_eq "ctl port-forward: a second connection" "$(fetch "$port" index.html)" "hello from the pod"
  big=$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nosuch")
  check_eq "ctl port-forward: the pod's 404" "$big" 404
fi
pf_stop
port=$(free_port)
if check "ctl port-forward to a closed port listens" pf_start "$C8S_BIN ctl" "$port:81" "$WORK/ctl-pf81.out"; then
  check_eq "ctl port-forward to a closed port: nothing comes back" "$(fetch "$port" x)" ""
  check "ctl port-forward to a closed port: the refusal reported" wait_for \
    bash -c "grep -c 'error forwarding port 81 to pod default/web.*connection refused' '$WORK/ctl-pf81.out' | sed 's/^[1-9][0-9]*$/yes/'" yes
fi
pf_stop
check_eq "port-forward of a missing pod: 404" "$(curl --http1.1 -s -o /dev/null -w '%{http_code}' -X POST \
  -H 'Connection: Upgrade' -H 'Upgrade: SPDY/3.1' -H 'X-Stream-Protocol-Version: portforward.k8s.io' \
  "$SERVER_URL/api/v1/namespaces/default/pods/nosuch/portforward")" 404
check_eq "port-forward without an upgrade: 400" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
  "$SERVER_URL/api/v1/namespaces/default/pods/web/portforward")" 400

# ---- attach: the running container's own stdio, through its shim ----
k apply -f - >/dev/null <<YAML
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
check "talker runs" wait_for k get pod talker -o 'jsonpath={.status.phase}' Running
check "reader runs" wait_for k get pod reader -o 'jsonpath={.status.phase}' Running
lines() { grep -c "$2" "$1" 2>/dev/null; }
at_least() { # at_least FILE PATTERN N : yes once FILE has N lines matching PATTERN
  [ "$(lines "$1" "$2")" -ge "$3" ] 2>/dev/null && echo yes
}

before=$(k logs talker | tail -n1)
kubectl attach talker >"$WORK/attach.out" 2>"$WORK/attach.err" &
A_PID=$!
PIDS+=("$A_PID")
check "attach: live output arrives" wait_for at_least "$WORK/attach.out" '^tick ' 2 yes
kill "$A_PID" 2>/dev/null
wait "$A_PID" 2>/dev/null
first=$(grep -m1 '^tick ' "$WORK/attach.out")
check "attach: output written after the attach (${before} then ${first})" \
  test "${first#tick }" -gt "${before#tick }"

# stdin through attach, stdout and stderr apart; the container's stdin stays open (no stdinOnce).
mkfifo "$WORK/in"
kubectl attach -i reader <"$WORK/in" >"$WORK/reader.out" 2>"$WORK/reader.err" &
A_PID=$!
PIDS+=("$A_PID")
exec 7>"$WORK/in"
echo one >&7
echo two >&7
check "attach -i: stdin reaches the container" wait_for at_least "$WORK/reader.out" '^got two$' 1 yes
check_eq "attach -i: its stdout" "$(grep '^got' "$WORK/reader.out")" "$(printf 'got one\ngot two')"
check "attach -i: its stderr apart" wait_for at_least "$WORK/reader.err" '^err two$' 1 yes
exec 7>&-
kill "$A_PID" 2>/dev/null
wait "$A_PID" 2>/dev/null
check_eq "attach -i: stdin stays open without stdinOnce" "$(k logs reader | grep -c 'stdin closed')" 0

# c8s ctl attach, the same.
"$C8S_BIN" ctl attach talker >"$WORK/ctl-attach.out" 2>&1 &
A_PID=$!
PIDS+=("$A_PID")
check "ctl attach: live output arrives" wait_for at_least "$WORK/ctl-attach.out" '^tick ' 2 yes
kill "$A_PID" 2>/dev/null
wait "$A_PID" 2>/dev/null
mkfifo "$WORK/in2"
"$C8S_BIN" ctl attach -i reader <"$WORK/in2" >"$WORK/ctl-reader.out" 2>&1 &
A_PID=$!
PIDS+=("$A_PID")
exec 7>"$WORK/in2"
echo three >&7
check "ctl attach -i: stdin reaches the container" wait_for at_least "$WORK/ctl-reader.out" '^got three$' 1 yes
exec 7>&-
kill "$A_PID" 2>/dev/null
wait "$A_PID" 2>/dev/null
check_contains "ctl attach to a missing pod" "$("$C8S_BIN" ctl attach nosuch 2>&1)" 'pods "nosuch" not found'

# kubectl run -i --rm: a pod with stdinOnce, attached once it runs, deleted after.
out=$(echo hello | timeout 300 kubectl run catter -i --rm --restart=Never --image="$IMAGE" \
  --pod-running-timeout=4m -- sh -c 'read l; echo got $l' 2>"$WORK/run.err")
check_contains "run -i --rm: stdin in, output out" "$out" "got hello"
check "run -i --rm: the pod is deleted" wait_for bash -c "kubectl get pod catter -o name 2>/dev/null" ""
k delete pod talker reader --wait=false >/dev/null

k delete pod shell web --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
finish
