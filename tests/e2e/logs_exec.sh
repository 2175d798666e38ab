#!/usr/bin/env bash
# logs_exec.sh — issues 3 and 6: kubectl logs and exec against pods run by runc, through the API
# server's proxy to the kubelet's port. A one-node cluster in network and mount namespaces of
# the test's own (as kubelet_restart.sh), the busybox image built by the examples' script.
#
# Logs: plain, --tail, --timestamps, -c with two containers (and the API's refusal without a
# container), -f until the container ends, --previous after a restart, limitBytes and
# sinceSeconds through the API; `c8s ctl logs` the same. Exec: stdout and stderr apart, the exit
# code, stdin with -i, a long output, -c, a finished pod refused.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${C8S_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}

if [ -z "${C8S_E2E_INNER:-}" ]; then
  . "$HERE/../support/e2e_outer.sh"
  e2e_outer logsexec "$0"
fi

# ---- inside the namespaces ----
. "$HERE/../support/e2e_inner.sh"
e2e_inner 79 || { finish; exit 1; }
NODE=logs-node

C8S_NODE_ROLES="--disable-proxy --disable-dns" start_managed_server "$WORK" --node-name "$NODE" \
  --pod-cidr 10.244.0.0/24 --runc-root "$RUNC_ROOT" --kubepods-cgroup "$CGROUP" \
  --insecure-registry 127.0.0.1:5000 --resolv-conf "$WORK/resolv.conf" \
  --disable-controller-manager || { fail "server start"; finish; exit 1; }
k() { kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" "$@"; }
U=$SERVER_URL
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

k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: "$IMAGE", command: [sh, -c, "for i in 1 2 3 4 5; do echo line \$i; done; sleep 100000"]}
---
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: "$IMAGE", command: [sh, -c, "echo from a; sleep 100000"]}
  - {name: b, image: "$IMAGE", command: [sh, -c, "echo from b; sleep 100001"]}
---
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: "$IMAGE", command: [sh, -c, "sleep 2; for i in 1 2 3 4 5 6; do echo tick \$i; sleep 0.5; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: again}
spec:
  restartPolicy: Always
  terminationGracePeriodSeconds: 1
  volumes: [{name: d, emptyDir: {}}]
  containers:
  - name: main
    image: "$IMAGE"
    volumeMounts: [{name: d, mountPath: /d}]
    command: [sh, -c, "n=\$(cat /d/n 2>/dev/null || echo 0); n=\$((n+1)); echo \$n >/d/n; echo run \$n; sleep 3; exit 1"]
YAML

check "talk runs" wait_for k get pod talk -o 'jsonpath={.status.phase}' Running
check "two runs" wait_for k get pod two -o 'jsonpath={.status.phase}' Running
check "ticker runs" wait_for k get pod ticker -o 'jsonpath={.status.phase}' Running

# -f from the start: every tick, and the command returns when the container ends.
timeout 60 kubectl --kubeconfig "$SERVER_DATA/admin.kubeconfig" logs -f ticker >"$WORK/follow.out" 2>&1
check_eq "logs -f ends with the container" "$?" 0
check_eq "logs -f saw every tick" "$(cat "$WORK/follow.out")" "$(printf 'tick %s\n' 1 2 3 4 5 6)"


# A follower over HTTP/1.1 that leaves while the container is quiet: the API server sees it go and
# closes its connection to the kubelet (h2o alone would notice only at the next log line).
KP=$(k get node "$NODE" -o 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}')
to_kubelet() { ss -Htn state established "( dport = :$KP )" | wc -l; }
base=$(to_kubelet)
curl -s -N --http1.1 "$U/api/v1/namespaces/default/pods/talk/log?follow=true" >"$WORK/f1.out" &
fpid=$!
check "an HTTP/1.1 follower gets the log" wait_for bash -c "grep -c line '$WORK/f1.out'" 5
check "it holds a connection to the kubelet" wait_for bash -c \
  "[ \$(ss -Htn state established '( dport = :$KP )' | wc -l) -gt $base ] && echo yes" yes
kill "$fpid"
wait "$fpid" 2>/dev/null
check "the follower gone, its kubelet connection closes" wait_for bash -c \
  "[ \$(ss -Htn state established '( dport = :$KP )' | wc -l) -le $base ] && echo yes" yes

check_eq "logs" "$(k logs talk)" "$(printf 'line %s\n' 1 2 3 4 5)"
check_eq "logs --tail=2" "$(k logs talk --tail=2)" "$(printf 'line 4\nline 5')"
check_eq "logs --tail=0" "$(k logs talk --tail=0)" ""
ts=$(k logs talk --timestamps --tail=1 | head -n1)
check "logs --timestamps: RFC 3339 first" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) line 5$' <<<"$ts"
check_eq "logs -c b" "$(k logs two -c b)" "from b"
check_eq "logs -c a" "$(k logs two -c a)" "from a"
out=$(curl -s "$U/api/v1/namespaces/default/pods/two/log")
check_eq "no container of two: 400" "$(jq -r .code <<<"$out")" 400
check_contains "no container of two: the choices" "$(jq -r .message <<<"$out")" "choose one of: [a b]"
check_eq "an unknown container: 400" \
  "$(curl -s "$U/api/v1/namespaces/default/pods/two/log?container=zz" | jq -r .code)" 400
check_eq "limitBytes" "$(curl -s "$U/api/v1/namespaces/default/pods/talk/log?limitBytes=9")" "line 1
li"
check_eq "sinceSeconds=1 on an old log" \
  "$(curl -s "$U/api/v1/namespaces/default/pods/talk/log?sinceSeconds=1&follow=false")" ""
check_eq "a bad tailLines: 400" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/default/pods/talk/log?tailLines=-1")" 400
check_eq "a missing pod: 404" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/namespaces/default/pods/nosuch/log")" 404

# --previous: the run before the current one.
check "again restarted" wait_for bash -c \
  "[ \"\$(kubectl --kubeconfig '$SERVER_DATA/admin.kubeconfig' get pod again -o 'jsonpath={.status.containerStatuses[0].restartCount}')\" -ge 1 ] && echo yes" yes
ok_prev=""
for _ in 1 2 3 4 5; do
  cur=$(k logs again 2>/dev/null)
  prev=$(k logs again --previous 2>/dev/null)
  cur2=$(k logs again 2>/dev/null)
  n=${cur#run }
  if [ "$cur" = "$cur2" ] && [ -n "$n" ] && [ "$prev" = "run $((n - 1))" ]; then ok_prev=1; break; fi
  sleep 1
done
check_eq "logs --previous is the run before" "$ok_prev" 1
check_eq "--previous of a first run: 400" "$(curl -s \
  "$U/api/v1/namespaces/default/pods/talk/log?previous=true" | jq -r .code)" 400

# kubectl exec over the websocket (v5.channel.k8s.io), through the API server to the kubelet.
check_eq "exec: stdout" "$(k exec talk -- echo hello 2>&1)" hello
check_eq "exec: stdout apart from stderr" "$(k exec talk -- sh -c 'echo out; echo err >&2' 2>/dev/null)" out
check_eq "exec: stderr apart from stdout" "$(k exec talk -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" err
k exec talk -- sh -c 'exit 3' >/dev/null 2>&1
check_eq "exec: the exit code" "$?" 3
check_eq "exec -i: stdin" "$(printf 'piped\nin\n' | k exec -i talk -- cat)" "$(printf 'piped\nin')"
check_eq "exec: a long output" "$(k exec talk -- sh -c 'seq 1 20000' | tail -n1)" 20000
check_eq "exec -c b" "$(k exec two -c b -- cat /proc/1/cmdline | tr '\0' ' ')" "sleep 100001 "
check_contains "exec into a finished pod" "$(k exec ticker -- true 2>&1)" "completed pod"
check_eq "exec without a websocket: 400" "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
  "$U/api/v1/namespaces/default/pods/talk/exec?command=true&stdout=1")" 400

# c8s ctl logs.
export KUBECONFIG=$SERVER_DATA/admin.kubeconfig
check_eq "ctl logs --tail" "$("$C8S_BIN" ctl logs talk --tail 2)" "$(printf 'line 4\nline 5')"
check_eq "ctl logs -c" "$("$C8S_BIN" ctl logs two -c a)" "from a"
check_eq "ctl logs -f" "$(timeout 30 "$C8S_BIN" ctl logs -f ticker)" "$(printf 'tick %s\n' 1 2 3 4 5 6)"
check_eq "ctl logs --previous" "$("$C8S_BIN" ctl logs again --previous | head -c 4)" "run "
check_eq "ctl exec" "$("$C8S_BIN" ctl exec talk -- echo hi there)" "hi there"
check_eq "ctl exec: stderr apart" "$("$C8S_BIN" ctl exec talk -- sh -c 'echo o; echo e >&2' 2>/dev/null)" o
"$C8S_BIN" ctl exec talk -- sh -c 'exit 7' 2>"$WORK/ctl-exec.err"
check_eq "ctl exec: the exit code" "$?" 7
check_contains "ctl exec: kubectl's note" "$(cat "$WORK/ctl-exec.err")" "command terminated with exit code 7"
check_eq "ctl exec -i" "$(printf 'a\nb\n' | "$C8S_BIN" ctl exec -i talk -- cat)" "$(printf 'a\nb')"
check_eq "ctl exec -c" "$("$C8S_BIN" ctl exec two -c b -- cat /proc/1/cmdline | tr '\0' ' ')" "sleep 100001 "
check_contains "ctl exec into a missing pod" "$("$C8S_BIN" ctl exec nosuch -- true 2>&1)" 'pods "nosuch" not found'
check_contains "ctl logs of a missing pod" "$("$C8S_BIN" ctl logs nosuch 2>&1)" 'pods "nosuch" not found'

k delete pod talk two ticker again --wait=false >/dev/null
check "pods gone" wait_for k get pods -o name ""
check_eq "no container under the runc root" "$(runc --root "$RUNC_ROOT" list -q | wc -l)" 0
check_eq "no mount under the data dir" "$(grep -c " $SERVER_DATA" /proc/self/mountinfo)" 0
finish
