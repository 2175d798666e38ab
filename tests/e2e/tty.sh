#!/usr/bin/env bash
# tty.sh — containers with `tty: true`, with the real kubectl under script(1) (kubectl wants a
# terminal on its stdin and stdout for -t): the container's process runs on a terminal its shim
# holds (`tty` says /dev/pts/N), `kubectl attach -it` sets its size and follows a resize of the
# client's terminal (`stty size` inside), stdin typed through the attach reaches it, `kubectl
# logs` shows its output (one stream, lines without the terminal's CR), and `kubectl run -it
# --rm ... -- sh` is an interactive shell whose pod is deleted after `exit`. A one-node cluster
# in namespaces of the test's own, as stream.sh; c8s is killed and started again between two
# attaches (the terminal belongs to the container's shim, not to c8s).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer tty "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=tty-node

ARGS=(--node-name "$NODE" --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT"
  --kubepods-cgroup "$CGROUP" --insecure-registry 127.0.0.1:5000 --resolv-conf "$WORK/resolv.conf"
  --disable-controller-manager)
C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" "${ARGS[@]}" ||
  { fail "server start"; finish; exit 1; }
EP=$(tr '\0' '\n' </proc/"$SERVER_PID"/cmdline | grep -A1 -x -- --etcd-peer-port | tail -n 1)
export KUBECONFIG=$SERVER_DATA/admin.kubeconfig
k() { kubectl "$@"; }
T=240

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
# has FILE PATTERN : yes once FILE (a typescript: CRs dropped) has a line matching PATTERN
has() { tr -d '\r' <"$1" 2>/dev/null | grep -qE "$2" && echo yes; }

# The container prints its terminal's name, then its size every second, and echoes what it reads.
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: term}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: "$IMAGE"
    tty: true
    stdin: true
    command: [sh, -c, "tty; while true; do echo size \$(stty size); read -t 1 l && echo got-\$l; done"]
YAML
check "term runs" wait_for k get pod term -o 'jsonpath={.status.phase}' Running

# ---- logs: the terminal's output, one line per line ----
check "logs: tty names a pty" wait_for bash -c "kubectl logs term | grep -cE '^/dev/pts/[0-9]+\$'" 1
check "logs: output before any attach" wait_for bash -c "kubectl logs term | grep -m1 -cE '^size'" 1
check_eq "logs: no CR of the terminal's line ends" "$(k logs term | tr -cd '\r' | wc -c)" 0

# ---- attach -it: the client's size, a resize, stdin ----
mkfifo "$WORK/attach.in"
script -qfec "stty rows 20 cols 60; tty >$WORK/attach.pts; exec kubectl attach -it term" \
  "$WORK/attach.ts" <"$WORK/attach.in" >/dev/null 2>&1 &
S_PID=$!
PIDS+=("$S_PID")
exec 7>"$WORK/attach.in"
check "attach -it: the client's size reaches the container" wait_for has "$WORK/attach.ts" '^size 20 60$' yes
# A resize of kubectl's terminal (SIGWINCH to it) is carried to the shim's pty.
stty -F "$(cat "$WORK/attach.pts")" rows 33 cols 99
check "attach -it: a resize reaches the container" wait_for has "$WORK/attach.ts" '^size 33 99$' yes
printf 'hello\r' >&7
check "attach -it: stdin reaches the container" wait_for has "$WORK/attach.ts" '^got-hello$' yes
exec 7>&-
kill "$S_PID" 2>/dev/null
wait "$S_PID" 2>/dev/null
check "logs: the resized terminal" wait_for bash -c "kubectl logs term | grep -m1 -c '^size 33 99\$'" 1
check "logs: what was typed" wait_for bash -c "kubectl logs term | grep -c '^got-hello\$'" 1
check_eq "term still runs after the client left (no stdinOnce)" \
  "$(k get pod term -o 'jsonpath={.status.phase}')" Running

# ---- c8s killed and started again: the terminal is the shim's, attach -it works as before ----
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
port_free() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || echo yes; }
check "etcd gone with c8s" wait_for port_free "$EC" yes
C8S_NODE_ROLES="--disable-proxy --disable-dns" start_server "$SERVER_DATA" --etcd-client-port "$EC" \
  --etcd-peer-port "$EP" "${ARGS[@]}" || { fail "server restart"; finish; exit 1; }
check "term Running after the restart" wait_for k get pod term -o 'jsonpath={.status.phase}' Running
check_eq "term: not restarted" "$(k get pod term -o 'jsonpath={.status.containerStatuses[0].restartCount}')" 0
mkfifo "$WORK/again.in"
script -qfec "stty rows 25 cols 70; exec kubectl attach -it term" "$WORK/again.ts" \
  <"$WORK/again.in" >/dev/null 2>&1 &
S_PID=$!
PIDS+=("$S_PID")
exec 7>"$WORK/again.in"
check "after the restart: the size reaches the container" wait_for has "$WORK/again.ts" '^size 25 70$' yes
printf 'again\r' >&7
check "after the restart: stdin reaches the container" wait_for has "$WORK/again.ts" '^got-again$' yes
exec 7>&-
kill "$S_PID" 2>/dev/null
wait "$S_PID" 2>/dev/null

# ---- kubectl run -it --rm: an interactive shell; `exit` ends the pod, which is deleted ----
mkfifo "$WORK/run.in"
script -qfec "stty rows 24 cols 80; exec kubectl run t -it --rm --restart=Never --image=$IMAGE --pod-running-timeout=4m -- sh" \
  "$WORK/run.ts" <"$WORK/run.in" >/dev/null 2>&1 &
S_PID=$!
PIDS+=("$S_PID")
exec 7>"$WORK/run.in"
check "run -it: attached" wait_for has "$WORK/run.ts" "try pressing enter" yes
# Typed until the shell answers: kubectl may still be setting its terminal up.
for _ in $(seq 1 60); do
  printf 'echo mark-$((6*7)); tty; stty size\r' >&7
  [ "$(has "$WORK/run.ts" '^mark-42$')" = yes ] && break
  sleep 2
done
check "run -it: the shell runs what is typed" wait_for has "$WORK/run.ts" '^mark-42$' yes
check "run -it: on a terminal" wait_for has "$WORK/run.ts" '^/dev/pts/[0-9]+$' yes
# kubectl sends the size and the typed bytes from two goroutines: the first line typed may have
# run before the size arrived, so ask again until the answer is there.
for _ in $(seq 1 60); do
  [ "$(has "$WORK/run.ts" '^24 80$')" = yes ] && break
  printf 'stty size\r' >&7
  sleep 2
done
check "run -it: the size is the client's" wait_for has "$WORK/run.ts" '^24 80$' yes
printf 'exit\r' >&7
check "run -it: the session ends with the shell" wait_for bash -c "kill -0 $S_PID 2>/dev/null || echo ended" ended
exec 7>&-
wait "$S_PID" 2>/dev/null
check "run -it --rm: the pod is deleted" wait_for bash -c "kubectl get pod t -o name 2>/dev/null" ""

# ---- stdinOnce: the first client's leaving hangs the terminal up (the shell gets SIGHUP) ----
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", tty: true, stdin: true, stdinOnce: true, command: [sh]}
YAML
check "once runs" wait_for k get pod once -o 'jsonpath={.status.phase}' Running
mkfifo "$WORK/once.in"
script -qfec "exec kubectl attach -it once" "$WORK/once.ts" <"$WORK/once.in" >/dev/null 2>&1 &
S_PID=$!
PIDS+=("$S_PID")
exec 7>"$WORK/once.in"
for _ in $(seq 1 60); do
  printf 'echo once-$((1+1))\r' >&7
  [ "$(has "$WORK/once.ts" '^once-2$')" = yes ] && break
  sleep 2
done
check "stdinOnce: the shell answers" wait_for has "$WORK/once.ts" '^once-2$' yes
check_eq "stdinOnce: still running while attached" "$(k get pod once -o 'jsonpath={.status.phase}')" Running
kill "$S_PID" 2>/dev/null
wait "$S_PID" 2>/dev/null
exec 7>&-
check "stdinOnce: the container ends once its client has left" wait_for bash -c \
  "kubectl get pod once -o 'jsonpath={.status.phase}' | grep -qE '^(Succeeded|Failed)\$' && echo ended" ended

k delete pod term once --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
finish
