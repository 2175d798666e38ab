#!/usr/bin/env python3
"""Draft src/api/schema_types.c from upstream's OpenAPI v2 document.

A one-off helper, NOT a build step: it reads the facts (field names, types, required fields,
list/patch extensions) for the types reachable from the kinds in src/api/kinds.c and writes them
in c8s's compact table form. Descriptions are c8s's own (the dictionaries below); upstream's
description text is never copied. Run it, review the diff, commit the C file.

    tools/gen_schema_tables.py /work/shared/reference/kubernetes-openapi-v2.json > src/api/schema_types.c
"""
import json
import re
import sys

# Descriptions written for c8s, keyed by field name (used wherever the name appears) ...
FIELD_DESC = {
    "apiVersion": "Versioned schema of this object, e.g. v1 or apps/v1.",
    "kind": "The object's type, in CamelCase (Pod, Deployment ...).",
    "metadata": "Standard object metadata: name, namespace, labels, annotations, owners.",
    "spec": "The desired state, written by the user.",
    "status": "The observed state, written by the system; read-only for users.",
    "name": "Name; unique within its scope (namespace, list or parent).",
    "namespace": "The namespace the object lives in; empty for cluster-scoped objects.",
    "labels": "Key/value pairs used by selectors to group and find objects.",
    "annotations": "Free-form key/value metadata for tools; not used for selection.",
    "uid": "Unique identifier assigned by the server at creation; never reused.",
    "resourceVersion": "Opaque version of the object, changed on every write; used for optimistic concurrency and watches.",
    "generation": "Sequence number of spec changes, incremented by the server.",
    "creationTimestamp": "When the server created the object (RFC 3339, UTC).",
    "deletionTimestamp": "When deletion was requested; set by the server, the object goes once finalizers are gone.",
    "deletionGracePeriodSeconds": "Seconds the object is given to terminate gracefully once deletion started.",
    "finalizers": "Keys that must be removed before the object is deleted from storage.",
    "ownerReferences": "Objects this one depends on; it is garbage-collected when they all go.",
    "generateName": "Prefix used to build a unique name when name is empty.",
    "managedFields": "Which manager owns which fields (server-side apply bookkeeping).",
    "items": "The members of the list.",
    "type": "The kind of this entry; selects how the other fields are interpreted.",
    "message": "Human-readable explanation of the current state.",
    "reason": "Short CamelCase reason for the last transition.",
    "conditions": "Latest observations of the object's state, one per condition type.",
    "lastTransitionTime": "When the condition last changed from one status to another.",
    "lastUpdateTime": "When the condition was last updated.",
    "lastProbeTime": "When the condition was last probed.",
    "observedGeneration": "The metadata.generation the controller last acted on.",
    "replicas": "Desired number of pod copies.",
    "readyReplicas": "Pods that are ready.",
    "availableReplicas": "Pods that have been ready for at least minReadySeconds.",
    "updatedReplicas": "Pods running the current template.",
    "selector": "Label query that picks the pods (or objects) this one manages.",
    "template": "Pod template used to create new pods.",
    "containers": "The containers of the pod; at least one.",
    "initContainers": "Containers run to completion, in order, before the main containers start.",
    "ephemeralContainers": "Debugging containers added to a running pod.",
    "image": "Container image reference, e.g. nginx:1.27.",
    "imagePullPolicy": "When to pull the image: Always, IfNotPresent or Never.",
    "command": "Entrypoint; replaces the image's ENTRYPOINT.",
    "args": "Arguments to the entrypoint; replace the image's CMD.",
    "env": "Environment variables set in the container.",
    "envFrom": "Sources (ConfigMaps, Secrets) whose keys become environment variables.",
    "workingDir": "The container's working directory.",
    "ports": "Ports exposed (containers) or served (services).",
    "containerPort": "Port number the container listens on.",
    "hostPort": "Port on the node mapped to the container port.",
    "port": "Port number.",
    "targetPort": "Port (number or name) on the pods that traffic is sent to.",
    "nodePort": "Port opened on every node for NodePort and LoadBalancer services.",
    "protocol": "Network protocol: TCP, UDP or SCTP.",
    "resources": "Compute resources (cpu, memory) requested and limited.",
    "requests": "Minimum resources the scheduler reserves.",
    "limits": "Maximum resources allowed.",
    "volumeMounts": "Volumes mounted into the container's filesystem.",
    "mountPath": "Path inside the container where the volume is mounted.",
    "subPath": "Path within the volume to mount instead of its root.",
    "readOnly": "Mount or use read-only.",
    "volumes": "Volumes that the pod's containers can mount.",
    "livenessProbe": "Check that restarts the container when it fails.",
    "readinessProbe": "Check that gates the pod's readiness (and service traffic).",
    "startupProbe": "Check that must succeed before the other probes start.",
    "lifecycle": "Hooks run after start and before stop.",
    "securityContext": "Security settings (user, capabilities, privileges).",
    "restartPolicy": "Restart policy for the containers: Always, OnFailure or Never.",
    "nodeName": "The node the pod is bound to; set by the scheduler.",
    "nodeSelector": "Labels a node must have for the pod to be scheduled there.",
    "tolerations": "Taints the pod tolerates.",
    "affinity": "Scheduling constraints relative to nodes and other pods.",
    "serviceAccountName": "ServiceAccount the pod runs as.",
    "hostNetwork": "Use the node's network namespace.",
    "dnsPolicy": "How the pod's DNS is configured.",
    "schedulerName": "The scheduler that places the pod.",
    "priorityClassName": "PriorityClass giving the pod's priority.",
    "terminationGracePeriodSeconds": "Seconds given to stop gracefully before being killed.",
    "activeDeadlineSeconds": "Seconds the pod (or job) may run before being terminated.",
    "phase": "Coarse summary of the lifecycle state.",
    "podIP": "IP address allocated to the pod.",
    "podIPs": "IP addresses allocated to the pod (one per family).",
    "hostIP": "IP of the node the pod runs on.",
    "startTime": "When the object was acknowledged by the node or controller.",
    "containerStatuses": "Status of each container.",
    "strategy": "How existing pods are replaced by new ones.",
    "rollingUpdate": "Parameters of a rolling update.",
    "maxSurge": "How many pods (or percent) may exist above the desired count during an update.",
    "maxUnavailable": "How many pods (or percent) may be unavailable during an update.",
    "minReadySeconds": "Seconds a new pod must be ready before it counts as available.",
    "revisionHistoryLimit": "Old revisions kept for rollback.",
    "paused": "Stop rolling out template changes.",
    "progressDeadlineSeconds": "Seconds before a stalled rollout is reported as failed.",
    "clusterIP": "Virtual IP of the service; None for a headless service.",
    "clusterIPs": "Virtual IPs of the service, one per family.",
    "externalIPs": "Extra IPs on which nodes accept traffic for the service.",
    "sessionAffinity": "ClientIP to keep a client on one endpoint, or None.",
    "data": "The payload, key to value.",
    "binaryData": "Binary payload, key to base64 value.",
    "stringData": "Write-only convenience: plain-text values merged into data.",
    "immutable": "When true, the payload can no longer be changed.",
    "key": "The key.",
    "value": "The value.",
    "values": "The values.",
    "operator": "How the key relates to the values.",
    "effect": "What happens to pods that do not tolerate the taint.",
    "matchLabels": "Labels that must all be present with these values.",
    "matchExpressions": "Set-based label requirements, all of which must hold.",
    "schedule": "Cron expression of when to run.",
    "suspend": "Stop creating new runs.",
    "completions": "Successful pods needed for the job to complete.",
    "parallelism": "Pods running at once at most.",
    "backoffLimit": "Retries before the job is marked failed.",
    "jobTemplate": "The Job created on each run.",
    "concurrencyPolicy": "What to do when a run is due while the previous one is still running.",
    "rules": "The rules.",
    "verbs": "Allowed verbs (get, list, create ...).",
    "apiGroups": "API groups the rule applies to.",
    "subjects": "Users, groups or service accounts granted the role.",
    "roleRef": "The Role or ClusterRole granted.",
    "holderIdentity": "Current holder of the lease.",
    "leaseDurationSeconds": "Seconds the lease is valid after renewal.",
    "renewTime": "When the holder last renewed the lease.",
    "acquireTime": "When the current holder acquired the lease.",
    "endpoints": "Network endpoints of the slice.",
    "addresses": "IP addresses.",
    "capacity": "Total resources.",
    "allocatable": "Resources available to pods.",
    "taints": "Taints that repel pods not tolerating them.",
    "unschedulable": "Stop new pods from being scheduled on the node.",
    "podCIDR": "Pod IP range assigned to the node.",
    "podCIDRs": "Pod IP ranges assigned to the node, one per family.",
    "accessModes": "Ways the volume can be mounted.",
    "storageClassName": "StorageClass that provisions the volume.",
    "volumeName": "The PersistentVolume bound to the claim.",
    "hard": "Resource limits enforced for the namespace.",
    "used": "Resources currently used in the namespace.",
    "minReplicas": "Lowest replica count the autoscaler may set.",
    "maxReplicas": "Highest replica count the autoscaler may set.",
    "scaleTargetRef": "The scalable resource the autoscaler drives.",
    "metrics": "Metrics that drive the replica count.",
    "ingressClassName": "The IngressClass handling this ingress.",
    "podSelector": "Pods the policy applies to.",
    "policyTypes": "Whether the policy restricts Ingress, Egress or both.",
    "provisioner": "Volume plugin that provisions volumes of this class.",
    "parameters": "Provisioner-specific parameters.",
    "reclaimPolicy": "What happens to a volume when its claim is released.",
    "globalDefault": "Use this priority for pods naming no class.",
    "preemptionPolicy": "Whether pods of this priority may preempt lower ones.",
    "revision": "Revision number of this state.",
    "involvedObject": "The object the event is about.",
    "count": "How many times the event occurred.",
    "firstTimestamp": "When the event was first seen.",
    "lastTimestamp": "When the event was last seen.",
    "source": "Component that reported the event.",
    "secrets": "Secrets usable by pods running as this account.",
    "imagePullSecrets": "Secrets holding credentials for pulling images.",
    "subsets": "Groups of addresses and ports backing the service.",
    "serviceName": "Governing service of the set.",
    "podManagementPolicy": "Whether pods are created in order or all at once.",
    "updateStrategy": "How pods are replaced when the template changes.",
    "volumeClaimTemplates": "Claims created for each pod of the set.",
    "automountServiceAccountToken": "Mount the service account's API token into the pod.",
    "dnsConfig": "Extra DNS settings merged into those dnsPolicy produces.",
    "enableServiceLinks": "Inject environment variables describing the namespace's services.",
    "hostAliases": "Extra entries for the pod's /etc/hosts.",
    "hostIPC": "Use the node's IPC namespace.",
    "hostPID": "Use the node's PID namespace.",
    "hostUsers": "Use the node's user namespace (false: a user namespace of its own).",
    "hostname": "Hostname of the pod; defaults to its name.",
    "subdomain": "With hostname, gives the pod a DNS name under a headless service.",
    "os": "Operating system the pod's containers need.",
    "overhead": "Resources used by the pod sandbox on top of its containers.",
    "priority": "Priority value resolved from priorityClassName.",
    "readinessGates": "Extra conditions that must be true for the pod to be ready.",
    "runtimeClassName": "RuntimeClass (container runtime configuration) to run the pod with.",
    "schedulingGates": "Names that block scheduling while present.",
    "serviceAccount": "Deprecated alias of serviceAccountName.",
    "setHostnameAsFQDN": "Set the kernel hostname to the pod's fully qualified domain name.",
    "shareProcessNamespace": "One PID namespace for all containers of the pod.",
    "topologySpreadConstraints": "How pods spread across zones, nodes or other topology domains.",
    "resizePolicy": "Whether a resource change restarts the container.",
    "stdin": "Keep a stdin buffer open for the container.",
    "stdinOnce": "Close stdin after the first attach ends.",
    "tty": "Allocate a terminal for the container.",
    "terminationMessagePath": "File whose content becomes the container's termination message.",
    "terminationMessagePolicy": "Where the termination message comes from: File or FallbackToLogsOnError.",
    "volumeDevices": "Block devices the container uses.",
    "valueFrom": "Where the value comes from (a ConfigMap, Secret, field or resource).",
    "host": "Host name or IP to connect to.",
    "httpHeaders": "Extra headers sent with the request.",
    "path": "Path (URL path or file path, depending on the owner).",
    "scheme": "HTTP or HTTPS.",
    "exec": "Run a command in the container; exit 0 is success.",
    "failureThreshold": "Consecutive failures before the check counts as failed.",
    "grpc": "Call a gRPC health check.",
    "httpGet": "Send an HTTP GET; 2xx and 3xx are success.",
    "initialDelaySeconds": "Seconds after the container started before the first check.",
    "periodSeconds": "Seconds between checks.",
    "successThreshold": "Consecutive successes before a failed check counts as passing again.",
    "tcpSocket": "Open a TCP connection; success if it connects.",
    "timeoutSeconds": "Seconds before the check (or request) times out.",
    "allowPrivilegeEscalation": "Allow a process to gain more privileges than its parent.",
    "appArmorProfile": "AppArmor profile to confine the process.",
    "capabilities": "Linux capabilities added or dropped.",
    "privileged": "Run with (nearly) all the host's privileges.",
    "procMount": "How /proc is masked in the container.",
    "readOnlyRootFilesystem": "Mount the container's root filesystem read-only.",
    "runAsGroup": "Group ID of the container's processes.",
    "runAsNonRoot": "Refuse to start a container that would run as UID 0.",
    "runAsUser": "User ID of the container's processes.",
    "seLinuxOptions": "SELinux context of the process.",
    "seccompProfile": "Seccomp profile filtering the process's system calls.",
    "windowsOptions": "Windows-specific settings.",
    "fsGroup": "Group given ownership of the pod's volumes and added to its processes.",
    "fsGroupChangePolicy": "When volume ownership is changed to fsGroup.",
    "supplementalGroups": "Extra group IDs of the pod's processes.",
    "sysctls": "Namespaced kernel parameters set for the pod.",
    "tolerationSeconds": "Seconds the pod stays bound after a NoExecute taint appears.",
    "mountPropagation": "How mounts propagate between host and container.",
    "subPathExpr": "Like subPath, with $(VAR) expanded from the environment.",
    "configMap": "A ConfigMap's keys as files.",
    "secret": "A Secret's keys as files.",
    "emptyDir": "An empty directory that lives as long as the pod.",
    "hostPath": "A file or directory of the node.",
    "persistentVolumeClaim": "Storage claimed through a PersistentVolumeClaim.",
    "projected": "Several sources (secrets, configmaps, tokens) in one directory.",
    "downwardAPI": "Pod fields as files.",
    "csi": "Storage from a CSI driver.",
    "ephemeral": "A volume provisioned with the pod and deleted with it.",
    "nfs": "An NFS export.",
    "externalName": "DNS name the service aliases (type ExternalName).",
    "externalTrafficPolicy": "Whether external traffic goes to node-local endpoints only (Local) or to all (Cluster).",
    "internalTrafficPolicy": "Whether in-cluster traffic goes to node-local endpoints only (Local) or to all (Cluster).",
    "healthCheckNodePort": "Node port answering health checks for Local external traffic.",
    "ipFamilies": "IP families (IPv4, IPv6) of the service's cluster IPs.",
    "ipFamilyPolicy": "SingleStack, PreferDualStack or RequireDualStack.",
    "loadBalancerClass": "Load balancer implementation to use.",
    "loadBalancerIP": "Requested load balancer IP (deprecated).",
    "loadBalancerSourceRanges": "Client CIDRs allowed through the load balancer.",
    "publishNotReadyAddresses": "Publish endpoints of pods that are not ready.",
    "sessionAffinityConfig": "Settings of session affinity (timeout).",
    "allocateLoadBalancerNodePorts": "Allocate node ports for a LoadBalancer service.",
    "appProtocol": "Application protocol of the port (a hint for proxies).",
    "ordinals": "Numbering of the set's replicas.",
    "persistentVolumeClaimRetentionPolicy": "Whether the set's claims are deleted when it is deleted or scaled down.",
    "backoffLimitPerIndex": "Retries per index of an Indexed job.",
    "completionMode": "NonIndexed or Indexed (each pod gets a completion index).",
    "manualSelector": "Let the user set the selector instead of generating it.",
    "podFailurePolicy": "How pod failures count toward backoffLimit.",
    "ttlSecondsAfterFinished": "Seconds after which a finished job is deleted.",
    "failedJobsHistoryLimit": "Failed jobs kept.",
    "successfulJobsHistoryLimit": "Successful jobs kept.",
    "startingDeadlineSeconds": "Seconds after a missed schedule during which the run may still start.",
    "timeZone": "Time zone of the schedule (e.g. Europe/Paris).",
    "selfLink": "Deprecated; always empty.",
    "ready": "Whether it is ready.",
    "restartCount": "Times the container has been restarted.",
    "state": "Current state of the container.",
    "lastState": "Previous termination of the container.",
    "imageID": "Image digest the container runs.",
    "containerID": "Runtime ID of the container (runtime://id).",
    "started": "Whether the startup probe (if any) has passed.",
    "qosClass": "Quality of service class derived from the resources.",
    "hostIPs": "IPs of the node the pod runs on.",
    "nominatedNodeName": "Node where the pod may run after preemption.",
    "initContainerStatuses": "Status of each init container.",
    "ephemeralContainerStatuses": "Status of each ephemeral container.",
    "collisionCount": "Hash collisions seen when naming new ReplicaSets.",
    "unavailableReplicas": "Pods still needed for the deployment to be fully available.",
    "fullyLabeledReplicas": "Pods whose labels match the template's labels.",
    "currentReplicas": "Pods of the current revision.",
    "currentRevision": "Revision of the pods being replaced.",
    "updateRevision": "Revision of the pods being rolled out.",
    "active": "Pods currently running.",
    "succeeded": "Pods that succeeded.",
    "failed": "Pods that failed.",
    "completionTime": "When the job completed.",
    "lastScheduleTime": "When a job was last scheduled.",
    "lastSuccessfulTime": "When a job last succeeded.",
    "nodeInfo": "Versions and identifiers reported by the node.",
    "daemonEndpoints": "Ports of the node's kubelet.",
    "images": "Images present on the node.",
    "providerID": "Cloud provider ID of the node.",
    "desiredNumberScheduled": "Nodes that should run the daemon pod.",
    "currentNumberScheduled": "Nodes running the daemon pod.",
    "numberReady": "Nodes whose daemon pod is ready.",
    "numberAvailable": "Nodes whose daemon pod is available.",
    "numberMisscheduled": "Nodes running the daemon pod that should not.",
    "updatedNumberScheduled": "Nodes running the current daemon pod.",
    "numberUnavailable": "Nodes whose daemon pod is not available.",
    "loadBalancer": "The load balancer's status.",
}

ENUMS = {
    "imagePullPolicy": ["Always", "IfNotPresent", "Never"],
    "restartPolicy": ["Always", "Never", "OnFailure"],
    "protocol": ["SCTP", "TCP", "UDP"],
    "dnsPolicy": ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"],
    "concurrencyPolicy": ["Allow", "Forbid", "Replace"],
    "sessionAffinity": ["ClientIP", "None"],
    "terminationMessagePolicy": ["FallbackToLogsOnError", "File"],
    "podManagementPolicy": ["OrderedReady", "Parallel"],
    "preemptionPolicy": ["Never", "PreemptLowerPriority"],
    "effect": ["NoExecute", "NoSchedule", "PreferNoSchedule"],
}
# Enums that depend on the owning type.
TYPE_ENUMS = {
    ("ServiceSpec", "type"): ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
    ("DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("DaemonSetUpdateStrategy", "type"): ["OnDelete", "RollingUpdate"],
    ("StatefulSetUpdateStrategy", "type"): ["OnDelete", "RollingUpdate"],
    ("PodStatus", "phase"): ["Failed", "Pending", "Running", "Succeeded", "Unknown"],
    ("Toleration", "operator"): ["Equal", "Exists"],
    ("NamespaceStatus", "phase"): ["Active", "Terminating"],
}

TYPE_DESC = {
    "Namespace": "A scope for names; most objects live in one.",
    "Pod": "A group of containers sharing network and storage, run together on one node.",
    "Node": "A machine that runs pods.",
    "Service": "A stable virtual IP and DNS name in front of a set of pods.",
    "Endpoints": "The addresses backing a service (legacy form of EndpointSlice).",
    "ConfigMap": "Non-secret configuration data for pods.",
    "Secret": "Sensitive data (passwords, tokens, keys) for pods.",
    "ServiceAccount": "An identity for processes running in pods.",
    "Event": "A report of something that happened to an object.",
    "ReplicationController": "Keeps a number of pod copies running (older form of ReplicaSet).",
    "PersistentVolume": "A piece of storage provisioned in the cluster.",
    "PersistentVolumeClaim": "A request for storage by a user.",
    "ResourceQuota": "Limits on the total resources used in a namespace.",
    "LimitRange": "Default and bounds of resources per pod or container in a namespace.",
    "Deployment": "Declarative updates of pods through ReplicaSets.",
    "ReplicaSet": "Keeps a number of identical pods running.",
    "StatefulSet": "Pods with stable identities and storage, created in order.",
    "DaemonSet": "Runs one copy of a pod on every (selected) node.",
    "ControllerRevision": "An immutable snapshot of a controller's state, for rollbacks.",
    "Job": "Runs pods until a number of them complete successfully.",
    "CronJob": "Creates Jobs on a schedule.",
    "Lease": "A lock with an expiry, used for leader election and heartbeats.",
    "EndpointSlice": "A subset of the endpoints backing a service.",
    "HorizontalPodAutoscaler": "Scales a workload's replica count from observed metrics.",
    "Ingress": "HTTP routing rules from outside the cluster to services.",
    "NetworkPolicy": "Which traffic may reach or leave a set of pods.",
    "StorageClass": "A class of dynamically provisioned storage.",
    "Role": "A set of permissions within a namespace.",
    "ClusterRole": "A set of permissions, cluster-wide or reusable in namespaces.",
    "RoleBinding": "Grants a role's permissions to subjects within a namespace.",
    "ClusterRoleBinding": "Grants a cluster role's permissions cluster-wide.",
    "PriorityClass": "A named pod priority.",
    "ObjectMeta": "Metadata every persisted object has.",
    "PodSpec": "The desired state of a pod: its containers, volumes and scheduling constraints.",
    "PodTemplateSpec": "Metadata and spec of the pods a controller creates.",
    "Container": "One container of a pod.",
    "ContainerPort": "A network port of a container.",
    "EnvVar": "An environment variable of a container.",
    "Volume": "A named volume that containers of a pod can mount.",
    "VolumeMount": "Where a volume is mounted in a container.",
    "ResourceRequirements": "Compute resources requested and limited.",
    "Probe": "A health check run against a container.",
    "DeploymentSpec": "The desired state of a deployment.",
    "DeploymentStrategy": "How a deployment replaces old pods with new ones.",
    "RollingUpdateDeployment": "Parameters of a rolling update of a deployment.",
    "ServiceSpec": "The desired state of a service.",
    "ServicePort": "A port a service exposes and where it sends the traffic.",
    "LabelSelector": "A label query; all requirements must hold, empty matches everything.",
    "Time": "A timestamp in RFC 3339 form.",
    "MicroTime": "A timestamp in RFC 3339 form with microseconds.",
    "Quantity": "A fixed-point number with an optional SI or binary suffix, e.g. 100m, 1Gi.",
    "IntOrString": "Either an integer or a string (such as a port name or a percentage).",
    "FieldsV1": "A set of fields, encoded as a JSON tree (server-side apply).",
    "RawExtension": "An embedded object of any kind.",
    "OwnerReference": "A reference to an object this one depends on.",
}


def main():
    doc = json.load(open(sys.argv[1]))
    defs = doc["definitions"]
    kinds_src = open("src/api/kinds.c").read()
    kinds = re.findall(r'\{"([a-z.0-9]*)", "(v\d)", "[a-z]+", "([A-Za-z]+)"', kinds_src)
    by_gvk = {}
    for n, v in defs.items():
        for x in v.get("x-kubernetes-group-version-kind", []):
            by_gvk[(x["group"], x["version"], x["kind"])] = n
    order, seen = [], set()

    def walk(n):
        if n in seen:
            return
        seen.add(n)
        order.append(n)
        for r in re.findall(r"#/definitions/([^\"]+)", json.dumps(defs[n])):
            walk(r)

    roots = []
    for g, v, k in kinds:
        roots.append(by_gvk[(g, v, k)])
        walk(by_gvk[(g, v, k)])

    short = lambda n: n.split(".")[-1]
    counts = {}
    for n in order:
        counts[short(n)] = counts.get(short(n), 0) + 1

    def cname(n):
        s = short(n)
        if counts[s] > 1:
            parts = n.split(".")
            s = parts[-3] + "_" + parts[-2] + "_" + s
        return "t_" + s.replace(".", "_")

    def cstr(s):
        return "NULL" if s is None else json.dumps(s)

    def scalar(p):
        if "$ref" in p:
            return "REF(%s)" % cname(p["$ref"].split("/")[-1])
        t, f = p.get("type"), p.get("format")
        if t == "string":
            return {None: "STR", "byte": "BYTES", "date-time": "DATETIME"}.get(f, "STR")
        if t == "integer":
            return {"int32": "I32", "int64": "I64"}.get(f, "I64")
        if t == "number":
            return "NUM"
        if t == "boolean":
            return "BOOL"
        if t == "object" and "additionalProperties" not in p:
            return "ANY"
        raise SystemExit("unhandled %r" % p)

    out = []
    w = out.append
    w("/*\n * schema_types.c — c8s's schema of every kind it serves: one record per type, each type written")
    w(" * once and referenced by pointer. Field names, types, required fields and the list/patch")
    w(" * extensions follow upstream's API types; descriptions are c8s's own. First drafted by")
    w(" * tools/gen_schema_tables.py, then kept by hand like any other source.\n */")
    w('#include "schema_int.h"\n')
    for n in order:
        w("static const schema_type_t %s;" % cname(n))
    w("")
    for n in order:
        dfn = defs[n]
        props = dfn.get("properties")
        if props is None:
            continue
        req = set(dfn.get("required", []))
        w("static const schema_field_t %s_f[] = {" % cname(n))
        for pname in sorted(props):
            p = props[pname]
            if p.get("type") == "array":
                typ = "ARR(%s)" % scalar(p["items"])
            elif p.get("type") == "object" and "additionalProperties" in p:
                typ = "MAP(%s)" % scalar(p["additionalProperties"])
            else:
                typ = scalar(p)
            flags = []
            if pname in req:
                flags.append("REQ")
            ps = p.get("x-kubernetes-patch-strategy")
            if ps:
                flags += {"merge": ["PM"], "retainKeys": ["PRK"], "merge,retainKeys": ["PM", "PRK"], "replace": ["PREPL"]}[ps]
            lt = p.get("x-kubernetes-list-type")
            if lt:
                flags.append({"atomic": "LATOMIC", "set": "LSET", "map": "LMAP"}[lt])
            mt = p.get("x-kubernetes-map-type")
            if mt:
                flags.append({"atomic": "MATOMIC", "granular": "MGRANULAR"}[mt])
            extra = []
            if flags:
                extra.append(".flags = " + " | ".join(flags))
            if p.get("x-kubernetes-patch-merge-key"):
                extra.append(".merge_key = " + cstr(p["x-kubernetes-patch-merge-key"]))
            if p.get("x-kubernetes-list-map-keys"):
                extra.append(".map_keys = " + cstr(",".join(p["x-kubernetes-list-map-keys"])))
            en = TYPE_ENUMS.get((short(n), pname)) or (ENUMS.get(pname) if not typ.startswith(("REF", "ARR", "MAP")) else None)
            if en:
                extra.append(".enums = LIST(%s)" % ", ".join(cstr(e) for e in en))
            desc = FIELD_DESC.get(pname)
            if desc:
                extra.append(".desc = " + cstr(desc))
            w("    {.name = %s, %s%s}," % (cstr(pname), typ, "".join(", " + e for e in extra)))
        w("};")
    w("")
    for n in order:
        dfn = defs[n]
        props = dfn.get("properties")
        gvk = dfn.get("x-kubernetes-group-version-kind")
        desc = TYPE_DESC.get(short(n))
        parts = ['.name = %s' % cstr(n)]
        if desc:
            parts.append(".desc = " + cstr(desc))
        if props is None:
            t, f = dfn.get("type"), dfn.get("format")
            if short(n) == "Quantity":
                parts.append(".alias = SCHEMA_QUANTITY")
            elif short(n) == "IntOrString":
                parts.append(".alias = SCHEMA_INT_OR_STRING")
            elif t == "string":
                parts.append(".alias = SCHEMA_STRING, .format = %s" % cstr(f))
            else:
                parts.append(".alias = SCHEMA_ANY")
        else:
            parts.append(".fields = %s_f, .n_fields = C8S_ARRAY_SIZE(%s_f)" % (cname(n), cname(n)))
        if dfn.get("x-kubernetes-map-type") == "atomic":
            parts.append(".flags = MATOMIC")
        if gvk and n in roots:
            x = gvk[0]
            parts.append(".group = %s, .version = %s, .kind = %s" % (cstr(x["group"]), cstr(x["version"]), cstr(x["kind"])))
        w("static const schema_type_t %s = {%s};" % (cname(n), ", ".join(parts)))
    w("")
    w("const schema_type_t *const schema__types[] = {")
    for n in order:
        w("    &%s," % cname(n))
    w("};")
    w("const size_t schema__n_types = C8S_ARRAY_SIZE(schema__types);")
    w("")
    w("/* Each kind's object as a field: the root strategic merge patch starts from. */")
    w("const schema_field_t schema__roots[] = {")
    for n in dict.fromkeys(roots):
        w('    {.name = "", REF(%s)},' % cname(n))
    w("};")
    w("const size_t schema__n_roots = C8S_ARRAY_SIZE(schema__roots);")
    print("\n".join(out))


main()
