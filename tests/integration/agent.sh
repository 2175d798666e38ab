#!/usr/bin/env bash
# agent.sh — `c8s agent` joins a cluster with a bootstrap token: a wrong token or a wrong CA pin
# fails the join; the right ones give a Node that is Ready, reported with the node's own
# certificate (issued through an auto-approved CSR); a restart reuses the credentials. Everything
# runs in a private network namespace the test makes (the agent's proxy writes iptables rules,
# its DNS role adds an interface).
if [ -z "${C8S_AGENT_INNER:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
    echo "SKIP: needs root and unshare"
    exit 77
  fi
  exec unshare -n env C8S_AGENT_INNER=1 bash "$0" "$@"
fi
source "$(dirname "$0")/../support/lib.sh"
ip link set lo up
# The agent's node: a network namespace held by a sleeping process, joined with nsenter.
unshare -n sleep 100000 &
NODE_NS=$!
PIDS+=("$NODE_NS")
sleep 0.2
ip link add c8s-srv type veth peer name c8s-node netns "$NODE_NS"
ip addr add 10.199.0.1/24 dev c8s-srv
ip link set c8s-srv up
nsenter -t "$NODE_NS" -n sh -c 'ip link set lo up && ip addr add 10.199.0.2/24 dev c8s-node &&
  ip link set c8s-node up'
on_node() { nsenter -F -t "$NODE_NS" -n "$@"; }

WORK=$(mktemp -d /tmp/c8s-test-agent-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" --disable-scheduler --enable-bootstrap-token-auth \
  --bind-address 0.0.0.0 --advertise-address 10.199.0.1 || {
  fail "server start"; finish; exit 1; }
CA="$SERVER_DATA/pki/ca.crt"
TOKEN=$("$C8S_BIN" token create --ttl 1h)
JOIN=$("$C8S_BIN" token create --ttl 1h --print-join-command)
HASH=${JOIN##*--ca-cert-hash }
check_contains "join command has a pin" "$HASH" "sha256:"
check_contains "join command names the advertised address" "$JOIN" "--server https://10.199.0.1:$SERVER_PORT"
REMOTE="https://10.199.0.1:$SERVER_PORT"
for _ in $(seq 1 100); do
  curl -q -s --cacert "$CA" "$SERVER_URL/api/v1/namespaces/kube-public/configmaps/cluster-info" |
    jq -e ".data[\"jws-kubeconfig-${TOKEN%%.*}\"]" >/dev/null && break
  sleep 0.1
done

OUT=$(timeout 60 "$C8S_BIN" agent --data-dir "$WORK/bad1" --node-name bad1 --disable-pods \
  --server "$SERVER_URL" --token abcdef.0123456789abcdef 2>&1)
check_eq "unknown token: join fails" "$?" 1
check_contains "unknown token: why" "$OUT" "no signature for token id abcdef"
OUT=$(timeout 60 "$C8S_BIN" agent --data-dir "$WORK/bad2" --node-name bad2 --disable-pods \
  --server "$SERVER_URL" --token "${TOKEN%%.*}.0123456789abcdef" 2>&1)
check_eq "wrong secret: join fails" "$?" 1
check_contains "wrong secret: why" "$OUT" "does not verify"
OUT=$(timeout 60 "$C8S_BIN" agent --data-dir "$WORK/bad3" --node-name bad3 --disable-pods \
  --server "$SERVER_URL" --token "$TOKEN" \
  --ca-cert-hash sha256:0000000000000000000000000000000000000000000000000000000000000000 2>&1)
check_eq "wrong CA pin: join fails" "$?" 1
check_contains "wrong CA pin: why" "$OUT" "does not match --ca-cert-hash"
OUT=$(timeout 60 "$C8S_BIN" agent --data-dir "$WORK/bad4" --proxy-mode ipvs \
  --server "$SERVER_URL" --token "$TOKEN" 2>&1)
check_eq "unknown --proxy-mode refused (a usage error)" "$?" 2
check_contains "unknown --proxy-mode: why" "$OUT" "invalid --proxy-mode ipvs"
check_eq "no CSR from failed joins" "$(kubectl get csr -o name | wc -l)" 0

# The real join from the other node, with the node roles but no pods (no scheduler either).
nsenter -F -t "$NODE_NS" -n "$C8S_BIN" agent --data-dir "$WORK/n1" --node-name n1 --disable-pods --server "$REMOTE" \
  --token "$TOKEN" --ca-cert-hash "$HASH" >"$WORK/n1.log" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
READY=""
for _ in $(seq 1 300); do
  READY=$(kubectl get node n1 -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)
  [ "$READY" = "True" ] && break
  sleep 0.1
done
check_eq "node n1 Ready" "$READY" "True"
# The client certificate's CSR (the node asks for a serving certificate too: agent_serving.sh).
client_csrs() { kubectl get csr -o json | jq '{items: [.items[] | select(.spec.signerName=="kubernetes.io/kube-apiserver-client-kubelet")]}'; }
CSR=$(client_csrs)
check_eq "one client CSR" "$(jq '.items | length' <<<"$CSR")" 1
check_eq "asked by the bootstrap token" "$(jq -r '.items[0].spec.username' <<<"$CSR")" "system:bootstrap:${TOKEN%%.*}"
check_contains "approved and issued" "$(kubectl get csr --no-headers)" "Approved,Issued"
check "kubelet.kubeconfig written" test -s "$WORK/n1/kubelet.kubeconfig"
check "key kept private" test "$(stat -c %a "$WORK/n1/pki/kubelet-client-current.pem")" = 600
WHO=$(curl -q -s --cacert "$CA" --cert "$WORK/n1/pki/kubelet-client-current.pem" \
  -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
  "$SERVER_URL/apis/authentication.k8s.io/v1/selfsubjectreviews")
check_eq "the node's identity" "$(jq -r .status.userInfo.username <<<"$WHO")" "system:node:n1"
check_contains "in system:nodes" "$(jq -c .status.userInfo.groups <<<"$WHO")" "system:nodes"
HOLDER=$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.holderIdentity}')
check_eq "lease renewed by the node" "$HOLDER" "n1"
check_contains "node roles ran" "$(cat "$WORK/n1.log")" "runs against $REMOTE"
check_eq "the node's address is in its own namespace" \
  "$(kubectl get node n1 -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')" "10.199.0.2"
check_contains "the node's DNS role took its address there" "$(on_node ip -o addr show)" "10.96.0.10"
case "$(ip -o addr show)" in *10.96.0.10*) fail "the DNS address leaked into the server's namespace" ;; *) ok ;; esac

# A restart skips the join: no --token, no new CSR, the node keeps reporting.
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "agent stops cleanly" "$?" 0
nsenter -F -t "$NODE_NS" -n "$C8S_BIN" agent --data-dir "$WORK/n1" --node-name n1 --disable-pods >"$WORK/n1b.log" 2>&1 &
AGENT=$!
PIDS+=("$AGENT")
T0=$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.renewTime}')
RENEWED=""
for _ in $(seq 1 300); do
  T1=$(kubectl get lease -n kube-node-lease n1 -o jsonpath='{.spec.renewTime}')
  [ "$T1" != "$T0" ] && { RENEWED=yes; break; }
  sleep 0.1
done
check_eq "restarted agent renews the lease" "$RENEWED" "yes"
check_contains "restart: already joined" "$(cat "$WORK/n1b.log")" "already joined"
check_eq "restart: no new client CSR" "$(client_csrs | jq '.items | length')" 1
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "agent stops cleanly again" "$?" 0
finish
