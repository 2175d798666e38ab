#!/usr/bin/env bash
# services.sh — the proxy role on real iptables and the cluster DNS, in network namespaces this
# test makes: the test
# re-runs itself in a private namespace (the "node"; it vanishes with the test), where it wires
# a bridge to three "pod" namespaces running busybox httpd, starts `c8s server` with the proxy
# role, and writes Services and EndpointSlices through the API (the endpoints controller is not
# what is tested here). Then: a ClusterIP service answers from all three pods; an endpoint that
# turns unready stops getting traffic; a NodePort answers on the node address from a client
# namespace; ClientIP affinity keeps one client on one pod; a UDP flow follows its service's
# endpoint change (stale conntrack entries deleted); deleting the service removes its
# rules; `c8s proxy --cleanup` leaves the tables as they were before c8s. DNS: a pod resolves a
# service, a headless service's endpoints and a StatefulSet pod's name through 10.96.0.10, and
# a name outside the cluster through the node's resolver (dnsmasq in the test).
# NetworkPolicy: ingress by podSelector and named port, egress by ipBlock with an exception,
# isolation only of selected pods, and a deleted policy allowing again.
# The mode is always given: `--proxy-mode iptables` here (no longer the default, still fully
# supported); C8S_PROXY_MODE=nftables (services_nft.sh) runs it all with `--proxy-mode nftables`:
# the same traffic checks, the rules looked for in the nftables table instead of iptables' nat
# table.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (network namespaces, iptables)"
  exit 77
fi
if [ -z "${C8S_IN_NODE_NS:-}" ]; then
  exec unshare -n env C8S_IN_NODE_NS=1 bash "$0" "$@"
fi

. "$HERE/../support/lib.sh"
C8S_BIN=${C8S_BIN:?C8S_BIN must point at the c8s binary}
WORK=$(mktemp -d /tmp/c8s-proxy-XXXXXX)
TMPDIRS+=("$WORK")
TAG=c8spx$$
NETNS=()

teardown() {
  cleanup
  for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
}
trap teardown EXIT

ip link set lo up
sysctl -qw net.ipv4.ip_forward=1
ip link add br0 type bridge
ip addr add 10.244.0.1/24 dev br0
ip link set br0 up
# A node has a default route; the service CIDR is reached through it (then DNATed).
ip route add default dev br0

# add_host NAME IP: a namespace on the bridge.
add_host() {
  local ns="$TAG-$1" ip=$2
  ip netns add "$ns"
  NETNS+=("$ns")
  ip link add "v-$1" type veth peer name eth0 netns "$ns"
  ip link set "v-$1" master br0 up
  # As the CNI bridge plugin's hairpinMode: a pod reaching itself through its service.
  ip link set "v-$1" type bridge_slave hairpin on
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via 10.244.0.1
}

for i in 1 2 3; do
  add_host "pod$i" "10.244.0.1$i"
  mkdir -p "$WORK/www$i"
  echo "pod$i" >"$WORK/www$i/index.html"
  ip netns exec "$TAG-pod$i" busybox httpd -f -p 8080 -h "$WORK/www$i" &
  PIDS+=($!)
done
add_host client 10.244.0.100
# The node's "upstream" resolver: dnsmasq in a namespace of its own, answering one name.
add_host upstream 10.244.0.250
ip netns exec "$TAG-upstream" dnsmasq --no-daemon --no-resolv --no-hosts --port=53 \
  --listen-address=10.244.0.250 --bind-interfaces --address=/outside.example/192.0.2.55 \
  >"$WORK/dnsmasq.log" 2>&1 &
PIDS+=($!)

# Rules of someone else's, which c8s must leave alone; the comparison is of rules and user chains.
iptables -A INPUT -p tcp --dport 9 -j DROP
iptables -t nat -A POSTROUTING -s 192.0.2.0/24 -j RETURN
tables() { iptables-save | grep -E '^(-A |:[^ ]+ - )' | sort; }
BEFORE=$(tables)

# Where each mode's rules are seen, and how they name things: a service port's rules, an
# endpoint (ep IP PORT), a node port.
MODE=${C8S_PROXY_MODE:-iptables}
if [ "$MODE" = nftables ]; then
  rules_dump() { nft list table ip kube-proxy 2>/dev/null; }
  # A service port's elements carry its name: 10.96.0.50 . tcp . 80 comment "default/web/tcp/http".
  svc_pat() { echo "\"$1/tcp/$2\""; }
  svc_any() { echo "$1/"; }
  # An endpoint: a slot map's element (… : 10.244.0.12 . 8080) or, with affinity, a DNAT rule.
  ep_pat() { echo "$1\\( \\. \\|:\\)$2"; }
  np_pat() { echo "tcp . $1 "; }
else
  rules_dump() { iptables-save -t nat; }
  svc_pat() { echo "$1:$2 cluster IP"; }
  svc_any() { echo "$1:"; }
  ep_pat() { echo "$1:$2"; }
  np_pat() { echo "dport $1"; }
fi
# A run in the other mode left its rules: the chosen mode removes them when it starts.
if [ "$MODE" = nftables ]; then
  iptables -t nat -N KUBE-SVC-LEFTOVER && iptables -t nat -I PREROUTING -j KUBE-SVC-LEFTOVER
else
  nft add table ip kube-proxy && nft add chain ip kube-proxy service-leftover
fi

# The node's resolver is the test's dnsmasq: nothing is forwarded out of the test's namespaces.
echo "nameserver 10.244.0.250" >"$WORK/resolv.conf"
C8S_NODE_ROLES="--disable-kubelet" start_managed_server "$WORK" --disable-scheduler --disable-controller-manager \
  --proxy-mode "$MODE" --node-name node1 --cluster-cidr 10.244.0.0/16 --resolv-conf "$WORK/resolv.conf" ||
  { fail "server start"; finish; exit 1; }
API="$SERVER_URL"

post() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$API$1" -d "$2"; }
put() { curl -sS -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' "$API$1" -d "$2"; }

slice() { # slice NAME SERVICE READY2
  printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"%s","labels":{"kubernetes.io/service-name":"%s"}},"addressType":"IPv4","ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[{"addresses":["10.244.0.11"],"conditions":{"ready":true}},{"addresses":["10.244.0.12"],"conditions":{"ready":%s}},{"addresses":["10.244.0.13"],"conditions":{"ready":true}}]}' "$1" "$2" "$3"
}

# hits FROM URL N: which pods answered N fresh connections, as "pod1 pod2 ..." sorted unique.
hits() {
  local from=$1 url=$2 n=$3 out=""
  for _ in $(seq 1 "$n"); do
    if [ "$from" = node ]; then
      out+="$(curl -s --max-time 2 "$url") "
    else
      out+="$(ip netns exec "$TAG-$from" curl -s --max-time 2 "$url") "
    fi
  done
  echo "$out" | tr ' ' '\n' | grep -v '^$' | sort | uniq -c | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'
}

# wait_rule PATTERN [absent]: until the mode's rules show (or no longer show) the pattern.
wait_rule() {
  for _ in $(seq 1 100); do
    if rules_dump | grep -q -- "$1"; then [ "${2:-}" != absent ] && return 0
    else [ "${2:-}" = absent ] && return 0; fi
    sleep 0.1
  done
  return 1
}

check_eq "create service web" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"web"},"spec":{"clusterIP":"10.96.0.50","ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}}')" 201
check_eq "create slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice web-1 web true)")" 201
check "rules for web appear" wait_rule "$(svc_pat default/web http)"
# Only the chosen mode programs services.
if [ "$MODE" = nftables ]; then
  check_eq "no iptables service rules in nftables mode" "$(iptables-save -t nat | grep -c KUBE-)" 0
else
  check_eq "no nftables table in iptables mode" "$(nft list tables 2>/dev/null | grep -c kube-proxy)" 0
fi
check_eq "ClusterIP reaches all three pods" "$(hits node http://10.96.0.50/ 40)" "pod1 pod2 pod3"
check_eq "from a pod too" "$(hits pod1 http://10.96.0.50/ 30)" "pod1 pod2 pod3"

check_eq "pod2 unready" "$(put /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-1 "$(slice web-1 web false)")" 200
check "its rule goes" wait_rule "$(ep_pat 10.244.0.12 8080)" absent
check_eq "unready pod gets no traffic" "$(hits node http://10.96.0.50/ 40)" "pod1 pod3"
# And back: in nftables mode a new endpoint count, so another shared balancer and slot map.
check_eq "pod2 ready again" "$(put /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-1 "$(slice web-1 web true)")" 200
check "its rule is back" wait_rule "$(ep_pat 10.244.0.12 8080)"
check_eq "all three get traffic again" "$(hits node http://10.96.0.50/ 40)" "pod1 pod2 pod3"

check_eq "create NodePort service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"np"},"spec":{"type":"NodePort","clusterIP":"10.96.0.51","ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080}],"selector":{"app":"web"}}}')" 201
check_eq "np slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice np-1 np true)")" 201
check "nodeport rule" wait_rule "$(np_pat 30080)"
check_eq "NodePort answers on the node address" "$(hits client http://10.244.0.1:30080/ 40)" "pod1 pod2 pod3"

# externalTrafficPolicy Local: from outside the cluster, only this node's endpoint answers
# (pod1; the others are on node2), as upstream; pods (the pod CIDR) still go cluster-wide.
# The outside client: a namespace on the bridge with an address outside 10.244.0.0/16.
ip addr add 192.168.77.1/24 dev br0
ip netns add "$TAG-outside"
NETNS+=("$TAG-outside")
ip link add v-outside type veth peer name eth0 netns "$TAG-outside"
ip link set v-outside master br0 up
ip -n "$TAG-outside" link set lo up
ip -n "$TAG-outside" addr add 192.168.77.100/24 dev eth0
ip -n "$TAG-outside" link set eth0 up
ip -n "$TAG-outside" route add default via 192.168.77.1
check_eq "create Local NodePort service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"loc"},"spec":{"type":"NodePort","externalTrafficPolicy":"Local","clusterIP":"10.96.0.53","ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30081}],"selector":{"app":"web"}}}')" 201
check_eq "loc slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices '{"metadata":{"name":"loc-1","labels":{"kubernetes.io/service-name":"loc"}},"addressType":"IPv4","ports":[{"name":"http","port":8080,"protocol":"TCP"}],"endpoints":[{"addresses":["10.244.0.11"],"nodeName":"node1","conditions":{"ready":true}},{"addresses":["10.244.0.12"],"nodeName":"node2","conditions":{"ready":true}},{"addresses":["10.244.0.13"],"nodeName":"node2","conditions":{"ready":true}}]}')" 201
check "Local nodeport rule" wait_rule "$(np_pat 30081)"
check_eq "Local NodePort reaches this node's endpoint only" "$(hits outside http://192.168.77.1:30081/ 20)" "pod1"
check_eq "from a pod it goes cluster-wide" "$(hits client http://10.244.0.1:30081/ 40)" "pod1 pod2 pod3"
check_eq "its cluster IP reaches all three" "$(hits node http://10.96.0.53/ 40)" "pod1 pod2 pod3"

check_eq "create affinity service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"sticky"},"spec":{"clusterIP":"10.96.0.52","sessionAffinity":"ClientIP","ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}}')" 201
check_eq "sticky slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice sticky-1 sticky true)")" 201
check "sticky rules" wait_rule "$(svc_pat default/sticky http)"
got=$(hits client http://10.96.0.52/ 30)
check_eq "ClientIP affinity keeps one pod" "$(echo "$got" | wc -w)" 1

# UDP: a client that keeps sending from one source port keeps its conntrack entry, and with it
# the endpoint its first datagram was NATed to; when that endpoint leaves, the proxy must delete
# the flow (conntrack -D) or the client talks to the gone pod for as long as it keeps talking.
for i in 1 2; do
  ip netns exec "$TAG-pod$i" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5300))
while True:
    d, a = s.recvfrom(100)
    s.sendto(sys.argv[1].encode(), a)' "pod$i" &
  PIDS+=($!)
done
udp_slice() { # udp_slice IP: the udp service's one ready endpoint
  printf '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"udp-1","labels":{"kubernetes.io/service-name":"udp"}},"addressType":"IPv4","ports":[{"name":"dns","port":5300,"protocol":"UDP"}],"endpoints":[{"addresses":["%s"],"conditions":{"ready":true}}]}' "$1"
}
check_eq "create UDP service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"udp"},"spec":{"clusterIP":"10.96.0.60","ports":[{"name":"dns","port":53,"targetPort":5300,"protocol":"UDP"}],"selector":{"app":"udp"}}}')" 201
check_eq "udp slice: pod1" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(udp_slice 10.244.0.11)")" 201
check "udp rules" wait_rule "$(ep_pat 10.244.0.11 5300)"
# The client: one datagram every 50 ms from port 40000 for 30 s, each answer (or "-") a line.
ip netns exec "$TAG-client" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40000))
s.settimeout(0.1)
f = open(sys.argv[1], "a", buffering=1)
end = time.time() + 30
while time.time() < end:
    s.sendto(b"q", ("10.96.0.60", 53))
    try:
        f.write(s.recv(100).decode() + "\n")
    except OSError:
        f.write("-\n")
    time.sleep(0.05)' "$WORK/udp.out" &
UDP_CLIENT=$!
PIDS+=("$UDP_CLIENT")
udp_last() { # udp_last WANT: waits up to 10 s for the client's latest answer to be WANT
  local got=""
  for _ in $(seq 1 100); do got=$(tail -n 1 "$WORK/udp.out" 2>/dev/null); [ "$got" = "$1" ] && break; sleep 0.1; done
  echo "$got"
}
check_eq "UDP client answered by pod1" "$(udp_last pod1)" pod1
check_eq "udp slice: pod2 instead" "$(put /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/udp-1 "$(udp_slice 10.244.0.12)")" 200
check "pod1's udp rule goes" wait_rule "$(ep_pat 10.244.0.11 5300)" absent
check_eq "the same UDP flow now reaches pod2 (stale conntrack entry deleted)" "$(udp_last pod2)" pod2
kill "$UDP_CLIENT" 2>/dev/null
wait "$UDP_CLIENT" 2>/dev/null

# DNS, asked from a pod through the cluster DNS address.
lookup() { ip netns exec "$TAG-pod1" busybox nslookup "$1" 10.96.0.10 2>&1; }
wait_lookup() { # wait_lookup NAME WANT
  local out=""
  for _ in $(seq 1 50); do out=$(lookup "$1"); case "$out" in *"$2"*) break ;; esac; sleep 0.1; done
  echo "$out"
}
check_contains "pod resolves web" "$(wait_lookup web.default.svc.cluster.local 10.96.0.50)" "Address: 10.96.0.50"
check_eq "create headless pg" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"pg"},"spec":{"clusterIP":"None","ports":[{"name":"sql","port":5432}],"selector":{"app":"pg"}}}')" 201
check_eq "pg slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices '{"metadata":{"name":"pg-1","labels":{"kubernetes.io/service-name":"pg"}},"addressType":"IPv4","ports":[{"name":"sql","port":5432,"protocol":"TCP"}],"endpoints":[{"addresses":["10.244.0.11"],"hostname":"pg-0","conditions":{"ready":true}},{"addresses":["10.244.0.12"],"hostname":"pg-1","conditions":{"ready":true}}]}')" 201
out=$(wait_lookup pg.default.svc.cluster.local 10.244.0.12)
check_contains "headless: first endpoint" "$out" "10.244.0.11"
check_contains "headless: second endpoint" "$out" "10.244.0.12"
check_contains "StatefulSet pod name" "$(wait_lookup pg-0.pg.default.svc.cluster.local 10.244.0.11)" "Address: 10.244.0.11"
check_contains "unknown name: NXDOMAIN" "$(lookup nope.default.svc.cluster.local)" "NXDOMAIN"
check_contains "other names forwarded to the node's resolver" "$(lookup outside.example)" "Address: 192.0.2.55"
check_contains "over TCP too" "$(ip netns exec "$TAG-pod1" dig +tcp +short web.default.svc.cluster.local @10.96.0.10 2>&1 || echo no-dig)" "10.96.0.50"

# NetworkPolicy. The pod namespaces become Pod objects on node1 (records only: no kubelet here)
# with their addresses, so policies can select them.
for i in 1 2 3; do
  role=back; [ $i = 1 ] && role=front
  check_eq "pod$i object" "$(post /api/v1/namespaces/default/pods "{\"metadata\":{\"name\":\"pod$i\",\"labels\":{\"app\":\"web\",\"role\":\"$role\"}},\"spec\":{\"nodeName\":\"node1\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]}}")" 201
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' \
    "$API/api/v1/namespaces/default/pods/pod$i/status" -d "{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.244.0.1$i\"}}")
  check_eq "pod$i status" "$code" 200
done
# reach FROM IP: "ok" when FROM's namespace gets an answer from IP:8080.
reach() { if ip netns exec "$TAG-$1" curl -s --max-time 1 -o /dev/null "http://$2:8080/"; then echo ok; else echo blocked; fi; }
wait_reach() { # wait_reach FROM IP WANT
  local got=""
  for _ in $(seq 1 40); do got=$(reach "$1" "$2"); [ "$got" = "$3" ] && break; sleep 0.2; done
  echo "$got"
}
check_eq "before any policy: pod3 -> pod2" "$(reach pod3 10.244.0.12)" ok
check_eq "policy: pod2 ingress from role=front on http" "$(post /apis/networking.k8s.io/v1/namespaces/default/networkpolicies '{"metadata":{"name":"front-only"},"spec":{"podSelector":{"matchLabels":{"role":"back"}},"policyTypes":["Ingress"],"ingress":[{"from":[{"podSelector":{"matchLabels":{"role":"front"}}}],"ports":[{"port":"http"}]}]}}')" 201
check_eq "pod3 -> pod2 blocked" "$(wait_reach pod3 10.244.0.12 blocked)" blocked
check_eq "pod1 (front) -> pod2 allowed" "$(reach pod1 10.244.0.12)" ok
check_eq "client -> pod2 blocked" "$(reach client 10.244.0.12)" blocked
check_eq "pod3 -> pod1 (not isolated) allowed" "$(reach pod3 10.244.0.11)" ok
check_eq "policy: pod1 egress to 10.244.0.0/24 except pod3" "$(post /apis/networking.k8s.io/v1/namespaces/default/networkpolicies '{"metadata":{"name":"front-egress"},"spec":{"podSelector":{"matchLabels":{"role":"front"}},"policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"10.244.0.0/24","except":["10.244.0.13/32"]}}]}]}}')" 201
check_eq "pod1 -> pod3 blocked by the exception" "$(wait_reach pod1 10.244.0.13 blocked)" blocked
check_eq "pod1 -> pod2 still allowed (both ends)" "$(reach pod1 10.244.0.12)" ok
# With policies in place, a pod's labels change the rules (without any, pods are no reason to
# sync).
relabel() { # relabel POD ROLE
  curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' \
    "$API/api/v1/namespaces/default/pods/$1" -d "{\"metadata\":{\"labels\":{\"role\":\"$2\"}}}"
}
check_eq "pod3 relabelled front" "$(relabel pod3 front)" 200
check_eq "pod3 (now front) -> pod2 allowed" "$(wait_reach pod3 10.244.0.12 ok)" ok
check_eq "pod3 relabelled back" "$(relabel pod3 back)" 200
check_eq "pod3 (back again) -> pod2 blocked" "$(wait_reach pod3 10.244.0.12 blocked)" blocked
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/apis/networking.k8s.io/v1/namespaces/default/networkpolicies/front-only")
check_eq "delete front-only" "$code" 200
check_eq "pod3 -> pod2 allowed again" "$(wait_reach pod3 10.244.0.12 ok)" ok

# Routes to other nodes' pod CIDRs through their addresses (host-gw); none to our own.
check_eq "node1 object" "$(post /api/v1/nodes '{"metadata":{"name":"node1"},"spec":{"podCIDR":"10.244.0.0/24"}}')" 201
check_eq "node2 object" "$(post /api/v1/nodes '{"metadata":{"name":"node2"},"spec":{"podCIDR":"10.244.9.0/24"}}')" 201
for n in 1 2; do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H 'Content-Type: application/merge-patch+json' \
    "$API/api/v1/nodes/node$n/status" -d "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.244.0.$((n == 1 ? 1 : 200))\"}]}}")
  check_eq "node$n status" "$code" 200
done
wait_route() { # wait_route PATTERN [absent]
  for _ in $(seq 1 50); do
    if ip route show proto 144 | grep -q -- "$1"; then [ "${2:-}" != absent ] && return 0
    else [ "${2:-}" = absent ] && return 0; fi
    sleep 0.1
  done
  return 1
}
check "route to node2's pods via node2" wait_route '10.244.9.0/24 via 10.244.0.200'
check_eq "no route to our own CIDR" "$(ip route show proto 144 | grep -c 10.244.0.0/24)" 0
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/nodes/node2")
check_eq "delete node2" "$code" 200
check "route to node2 removed" wait_route '10.244.9.0/24' absent

code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/namespaces/default/services/web")
check_eq "delete web" "$code" 200
check "web's rules are gone" wait_rule "$(svc_any default/web)" absent
check_eq "no web chains left" "$(rules_dump | grep -c -- "$(svc_any default/web)")" 0

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check_eq "server stopped cleanly (no leaks)" "$?" 0
check "c8s proxy --cleanup" "$C8S_BIN" proxy --cleanup
AFTER=$(tables)
check_eq "tables as before c8s" "$AFTER" "$BEFORE"
check_eq "no KUBE chains" "$(iptables-save | grep -c KUBE-)" 0
check_eq "no nftables table" "$(nft list tables 2>/dev/null | grep -c kube-proxy)" 0

finish
