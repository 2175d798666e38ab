#!/usr/bin/env bash
# services.sh — the proxy role on real iptables and the cluster DNS, in network namespaces this
# test makes: the test
# re-runs itself in a private namespace (the "node"; it vanishes with the test), where it wires
# a bridge to three "pod" namespaces running busybox httpd, starts `c8s server` with the proxy
# role, and writes Services and EndpointSlices through the API (the endpoints controller is not
# what is tested here). Then: a ClusterIP service answers from all three pods; an endpoint that
# turns unready stops getting traffic; a NodePort answers on the node address from a client
# namespace; ClientIP affinity keeps one client on one pod; deleting the service removes its
# rules; `c8s proxy --cleanup` leaves the tables as they were before c8s. DNS: a pod resolves a
# service, a headless service's endpoints and a StatefulSet pod's name through 10.96.0.10.
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

# Rules of someone else's, which c8s must leave alone; the comparison is of rules and user chains.
iptables -A INPUT -p tcp --dport 9 -j DROP
iptables -t nat -A POSTROUTING -s 192.0.2.0/24 -j RETURN
tables() { iptables-save | grep -E '^(-A |:[^ ]+ - )' | sort; }
BEFORE=$(tables)

# No upstream resolvers: nothing is forwarded out of the test's namespaces.
: >"$WORK/resolv.conf"
C8S_NODE_ROLES="" start_managed_server "$WORK" --disable-scheduler --disable-controller-manager \
  --node-name node1 --cluster-cidr 10.244.0.0/16 --resolv-conf "$WORK/resolv.conf" ||
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

# wait_rule PATTERN [absent]: until iptables-save shows (or no longer shows) the pattern.
wait_rule() {
  for _ in $(seq 1 100); do
    if iptables-save -t nat | grep -q -- "$1"; then [ "${2:-}" != absent ] && return 0
    else [ "${2:-}" = absent ] && return 0; fi
    sleep 0.1
  done
  return 1
}

check_eq "create service web" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"web"},"spec":{"clusterIP":"10.96.0.50","ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}}')" 201
check_eq "create slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice web-1 web true)")" 201
check "rules for web appear" wait_rule 'default/web:http cluster IP'
check_eq "ClusterIP reaches all three pods" "$(hits node http://10.96.0.50/ 40)" "pod1 pod2 pod3"
check_eq "from a pod too" "$(hits pod1 http://10.96.0.50/ 30)" "pod1 pod2 pod3"

check_eq "pod2 unready" "$(put /apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-1 "$(slice web-1 web false)")" 200
check "its rule goes" wait_rule '10.244.0.12:8080' absent
check_eq "unready pod gets no traffic" "$(hits node http://10.96.0.50/ 40)" "pod1 pod3"

check_eq "create NodePort service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"np"},"spec":{"type":"NodePort","clusterIP":"10.96.0.51","ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080}],"selector":{"app":"web"}}}')" 201
check_eq "np slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice np-1 np true)")" 201
check "nodeport rule" wait_rule 'dport 30080'
check_eq "NodePort answers on the node address" "$(hits client http://10.244.0.1:30080/ 40)" "pod1 pod2 pod3"

check_eq "create affinity service" "$(post /api/v1/namespaces/default/services '{"metadata":{"name":"sticky"},"spec":{"clusterIP":"10.96.0.52","sessionAffinity":"ClientIP","ports":[{"name":"http","port":80,"targetPort":8080}],"selector":{"app":"web"}}}')" 201
check_eq "sticky slice" "$(post /apis/discovery.k8s.io/v1/namespaces/default/endpointslices "$(slice sticky-1 sticky true)")" 201
check "sticky rules" wait_rule 'default/sticky:http cluster IP'
got=$(hits client http://10.96.0.52/ 30)
check_eq "ClientIP affinity keeps one pod" "$(echo "$got" | wc -w)" 1

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
check_contains "over TCP too" "$(ip netns exec "$TAG-pod1" dig +tcp +short web.default.svc.cluster.local @10.96.0.10 2>&1 || echo no-dig)" "10.96.0.50"

code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$API/api/v1/namespaces/default/services/web")
check_eq "delete web" "$code" 200
check "web's rules are gone" wait_rule 'default/web:' absent
check_eq "no web chains left" "$(iptables-save -t nat | grep -c 'default/web:')" 0

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check_eq "server stopped cleanly (no leaks)" "$?" 0
check "c8s proxy --cleanup" "$C8S_BIN" proxy --cleanup
AFTER=$(tables)
check_eq "tables as before c8s" "$AFTER" "$BEFORE"
check_eq "no KUBE chains" "$(iptables-save | grep -c KUBE-)" 0

finish
