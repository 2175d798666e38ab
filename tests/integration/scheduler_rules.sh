#!/usr/bin/env bash
# scheduler_rules.sh — the scheduler's placement rules in `c8s server` with simulated nodes (Node
# objects with capacity, zone labels and Ready status, no kubelet behind them): node affinity,
# pod affinity and anti-affinity, topology spreading, volume node affinity of local PVs, and
# preemption by a pod of a higher PriorityClass (fewest victims, nominatedNodeName, graceful
# eviction). scheduler.sh covers requests, taints, the unschedulable message and a late node.
source "$(dirname "$0")/../support/lib.sh"

WORK=$(mktemp -d /tmp/c8s-test-schedr-XXXXXX)
TMPDIRS+=("$WORK")
start_managed_server "$WORK" ${C8S_SERVER_ARGS:-} || { fail "server start"; finish; exit 1; }
U=$SERVER_URL
K="kubectl --kubeconfig $SERVER_DATA/admin.kubeconfig"

post() { # post PATH JSON -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' "$U$1" -d "$2"
}
node() { # node NAME ZONE EXTRA-LABELS-JSON-FRAGMENT
  post /api/v1/nodes "{
    \"metadata\":{\"name\":\"$1\",\"labels\":{\"kubernetes.io/hostname\":\"$1\",
      \"topology.kubernetes.io/zone\":\"$2\"${3:+,$3}}},
    \"status\":{\"capacity\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},
                \"allocatable\":{\"cpu\":\"4\",\"memory\":\"8Gi\",\"pods\":\"110\"},
                \"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
}
pod() { # pod NAME LABELS-JSON CPU SPEC-EXTRA-JSON-FRAGMENT
  post /api/v1/namespaces/default/pods "{
    \"metadata\":{\"name\":\"$1\",\"labels\":$2},
    \"spec\":{${4:+$4,}\"containers\":[{\"name\":\"c\",\"image\":\"busybox\",
      \"resources\":{\"requests\":{\"cpu\":\"$3\",\"memory\":\"64Mi\"}}}]}}"
}
node_of() { $K get pod "$1" -o jsonpath='{.spec.nodeName}' 2>/dev/null; }
wait_bound() { # wait_bound POD -> prints node
  local n=""
  for _ in $(seq 1 100); do n=$(node_of "$1"); [ -n "$n" ] && break; sleep 0.1; done
  echo "$n"
}
wait_message() { # wait_message POD -> PodScheduled=False message
  local m=""
  for _ in $(seq 1 100); do
    m=$($K get pod "$1" -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].message}' 2>/dev/null)
    [ -n "$m" ] && break; sleep 0.1
  done
  echo "$m"
}
zone_of_node() { $K get node "$1" -o jsonpath='{.metadata.labels.topology\.kubernetes\.io/zone}'; }

check_eq "node n1" "$(node n1 zone-a '"disk":"ssd"')" 201
check_eq "node n2" "$(node n2 zone-a)" 201
check_eq "node n3" "$(node n3 zone-b)" 201

# Node affinity (required, In) and nodeSelector: only n1 has disk=ssd.
check_eq "pod ssd" "$(pod ssd '{"app":"ssd"}' 100m '"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"disk","operator":"In","values":["ssd"]}]}]}}}')" 201
check_eq "ssd on n1" "$(wait_bound ssd)" n1
check_eq "pod notssd" "$(pod notssd '{"app":"notssd"}' 100m '"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"disk","operator":"DoesNotExist"},{"key":"topology.kubernetes.io/zone","operator":"In","values":["zone-b"]}]}]}}}')" 201
check_eq "notssd on n3" "$(wait_bound notssd)" n3
check_eq "pod hdd" "$(pod hdd '{"app":"hdd"}' 100m '"nodeSelector":{"disk":"hdd"}')" 201
check_eq "hdd message" "$(wait_message hdd)" \
  "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."

# Pod anti-affinity by hostname: three web pods on three nodes, a fourth fits nowhere.
anti='"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}}'
for i in 1 2 3; do check_eq "pod web-$i" "$(pod web-$i '{"app":"web"}' 100m "$anti")" 201; done
w1=$(wait_bound web-1); w2=$(wait_bound web-2); w3=$(wait_bound web-3)
check_eq "web pods on three nodes" "$(printf '%s\n' "$w1" "$w2" "$w3" | sort -u | grep -c .)" 3
check_eq "pod web-4" "$(pod web-4 '{"app":"web"}' 100m "$anti")" 201
# Upstream checks the existing pods' terms first, so that is the reason given.
check_eq "web-4 message" "$(wait_message web-4)" \
  "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules."
# A pod that shuns the web pods (and is not one of them) meets its own term's reason.
check_eq "pod shy" "$(pod shy '{"app":"shy"}' 100m '"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"topology.kubernetes.io/zone"}]}}')" 201
check_eq "shy message" "$(wait_message shy)" \
  "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."

# Pod affinity: a client goes where its db is.
check_eq "pod db" "$(pod db '{"app":"db"}' 100m)" 201
dbn=$(wait_bound db)
check_eq "pod db-client" "$(pod db-client '{"app":"client"}' 100m '"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"db"}},"topologyKey":"kubernetes.io/hostname"}]}}')" 201
check_eq "db-client beside db" "$(wait_bound db-client)" "$dbn"
check_eq "pod lonely" "$(pod lonely '{"app":"lonely"}' 100m '"affinity":{"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"nobody"}},"topologyKey":"kubernetes.io/hostname"}]}}')" 201
check_eq "lonely message" "$(wait_message lonely)" \
  "0/3 nodes are available: 3 node(s) didn't match pod affinity rules."

# Topology spreading across zones (two nodes in zone-a, one in zone-b), maxSkew 1: four pods
# make two and two, although zone-a has twice the room.
spread='"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"spread"}}}]'
for i in 1 2 3 4; do
  check_eq "pod spread-$i" "$(pod spread-$i '{"app":"spread"}' 100m "$spread")" 201
  wait_bound spread-$i >/dev/null
done
za=0; zb=0
for i in 1 2 3 4; do
  case "$(zone_of_node "$(node_of spread-$i)")" in zone-a) za=$((za + 1)) ;; zone-b) zb=$((zb + 1)) ;; esac
done
check_eq "spread zone-a" "$za" 2
check_eq "spread zone-b" "$zb" 2

# Volume node affinity: a claim bound to a local PV on n3 takes its pod to n3. A claim that does
# not exist keeps the pod pending with upstream's message until it is created.
check_eq "pv local-n3" "$(post /api/v1/persistentvolumes '{"metadata":{"name":"local-n3"},"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"persistentVolumeReclaimPolicy":"Retain","storageClassName":"local","local":{"path":"/mnt/disk"},"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":["n3"]}]}]}}}}')" 201
check_eq "pvc data" "$(post /api/v1/namespaces/default/persistentvolumeclaims '{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"local","volumeName":"local-n3","resources":{"requests":{"storage":"1Gi"}}}}')" 201
vol() { echo "\"volumes\":[{\"name\":\"v\",\"persistentVolumeClaim\":{\"claimName\":\"$1\"}}]"; }
check_eq "pod local" "$(pod local '{"app":"local"}' 100m "$(vol data)")" 201
check_eq "local on n3" "$(wait_bound local)" n3
check_eq "pod ghostly" "$(pod ghostly '{"app":"ghostly"}' 100m "$(vol ghost)")" 201
check_eq "ghostly message" "$(wait_message ghostly)" \
  '0/3 nodes are available: persistentvolumeclaim "ghost" not found.'
check_eq "pvc ghost" "$(post /api/v1/namespaces/default/persistentvolumeclaims '{"metadata":{"name":"ghost"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}')" 201
check "ghostly bound once its claim exists" test -n "$(wait_bound ghostly)"

# Preemption. Each node gets one 3-CPU pod of priority 0; a 3-CPU pod of PriorityClass high
# then fits nowhere, evicts exactly one of them (the fewest victims), is nominated to that node,
# and is bound there once the victim is gone.
check_eq "priorityclass high" "$(post /apis/scheduling.k8s.io/v1/priorityclasses '{"metadata":{"name":"high"},"value":1000}')" 201
for i in 1 2 3; do check_eq "pod low-$i" "$(pod low-$i '{"app":"low"}' 3)" 201; done
declare -A lown
for i in 1 2 3; do lown[$i]=$(wait_bound low-$i); done
check_eq "low pods on three nodes" "$(printf '%s\n' "${lown[@]}" | sort -u | grep -c .)" 3
# A less important pod waiting for room (from before the preemption, so it would be looked at
# first) must not take the room being freed for the preemptor.
check_eq "pod sneaky" "$(pod sneaky '{"app":"sneaky"}' 3)" 201
check_contains "sneaky unschedulable" "$(wait_message sneaky)" "Insufficient cpu"
check_eq "pod urgent" "$(pod urgent '{"app":"urgent"}' 3 '"priorityClassName":"high"')" 201
nom=""
for _ in $(seq 1 100); do
  nom=$($K get pod urgent -o jsonpath='{.status.nominatedNodeName}' 2>/dev/null)
  [ -n "$nom" ] && break; sleep 0.1
done
check "urgent nominated" test -n "$nom"
victim=""; terminating=0
for _ in $(seq 1 50); do
  terminating=0
  for i in 1 2 3; do
    ts=$($K get pod low-$i -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null)
    if [ -n "$ts" ]; then terminating=$((terminating + 1)); victim=low-$i; fi
  done
  [ "$terminating" -gt 0 ] && break; sleep 0.1
done
check_eq "one victim, evicted gracefully" "$terminating" 1
check_eq "the victim was on the nominated node" "$(node_of "$victim")" "$nom"
check_eq "urgent waits while the victim terminates" "$(node_of urgent)" ""
for _ in $(seq 1 50); do
  evs=$(curl -s "$U/api/v1/namespaces/default/events?fieldSelector=reason%3DPreempted")
  case "$evs" in *"\"name\":\"$victim\""*) break ;; esac
  sleep 0.1
done
check_contains "Preempted event on the victim" "$evs" "\"name\":\"$victim\""
sleep 1.5 # both out of their back-off: only the nominated room decides who goes first
# Acting as the victim's kubelet: the container has stopped, the pod object goes.
curl -s -o /dev/null -X DELETE "$U/api/v1/namespaces/default/pods/$victim?gracePeriodSeconds=0"
check_eq "urgent bound to its nominated node" "$(wait_bound urgent)" "$nom"
sleep 1
check_eq "sneaky still pending" "$(node_of sneaky)" ""
for i in 1 2 3; do
  [ "low-$i" = "$victim" ] && continue
  check_eq "low-$i untouched" "$($K get pod low-$i -o jsonpath='{.metadata.deletionTimestamp}')" ""
done

# preemptionPolicy Never: as important, but waits instead of evicting. The policy comes from the
# class (Priority admission refuses a pod whose own preemptionPolicy disagrees with its class's).
check_eq "priorityclass high-polite" "$(post /apis/scheduling.k8s.io/v1/priorityclasses '{"metadata":{"name":"high-polite"},"value":1000,"preemptionPolicy":"Never"}')" 201
check_eq "pod polite" "$(pod polite '{"app":"polite"}' 3 '"priorityClassName":"high-polite"')" 201
check_contains "polite unschedulable" "$(wait_message polite)" "Insufficient cpu"
sleep 1
check_eq "polite not nominated" "$($K get pod polite -o jsonpath='{.status.nominatedNodeName}')" ""
left=0
for i in 1 2 3; do
  [ "low-$i" = "$victim" ] && continue
  [ -z "$($K get pod low-$i -o jsonpath='{.metadata.deletionTimestamp}')" ] && left=$((left + 1))
done
check_eq "no eviction for polite" "$left" 2
finish
