/*
 * schema_types.c — c8s's schema of every kind it serves: one record per type, each type written
 * once and referenced by pointer. Field names, types, required fields and the list/patch
 * extensions follow upstream's API types; descriptions are c8s's own. First drafted by
 * tools/gen_schema_tables.py, then kept by hand like any other source.
 */
#include "schema_int.h"

static const schema_type_t t_Namespace;
static const schema_type_t t_SubjectAccessReview;
static const schema_type_t t_SubjectAccessReviewSpec;
static const schema_type_t t_ResourceAttributes;
static const schema_type_t t_NonResourceAttributes;
static const schema_type_t t_SubjectAccessReviewStatus;
static const schema_type_t t_SelfSubjectAccessReview;
static const schema_type_t t_SelfSubjectAccessReviewSpec;
static const schema_type_t t_LocalSubjectAccessReview;
static const schema_type_t t_SelfSubjectRulesReview;
static const schema_type_t t_SelfSubjectRulesReviewSpec;
static const schema_type_t t_SubjectRulesReviewStatus;
static const schema_type_t t_ResourceRule;
static const schema_type_t t_NonResourceRule;
static const schema_type_t t_ObjectMeta;
static const schema_type_t t_Time;
static const schema_type_t t_ManagedFieldsEntry;
static const schema_type_t t_FieldsV1;
static const schema_type_t t_OwnerReference;
static const schema_type_t t_NamespaceSpec;
static const schema_type_t t_NamespaceStatus;
static const schema_type_t t_NamespaceCondition;
static const schema_type_t t_Pod;
static const schema_type_t t_PodSpec;
static const schema_type_t t_Affinity;
static const schema_type_t t_NodeAffinity;
static const schema_type_t t_PreferredSchedulingTerm;
static const schema_type_t t_NodeSelectorTerm;
static const schema_type_t t_NodeSelectorRequirement;
static const schema_type_t t_NodeSelector;
static const schema_type_t t_PodAffinity;
static const schema_type_t t_WeightedPodAffinityTerm;
static const schema_type_t t_PodAffinityTerm;
static const schema_type_t t_LabelSelector;
static const schema_type_t t_LabelSelectorRequirement;
static const schema_type_t t_PodAntiAffinity;
static const schema_type_t t_Container;
static const schema_type_t t_EnvVar;
static const schema_type_t t_EnvVarSource;
static const schema_type_t t_ConfigMapKeySelector;
static const schema_type_t t_ObjectFieldSelector;
static const schema_type_t t_FileKeySelector;
static const schema_type_t t_ResourceFieldSelector;
static const schema_type_t t_Quantity;
static const schema_type_t t_SecretKeySelector;
static const schema_type_t t_EnvFromSource;
static const schema_type_t t_ConfigMapEnvSource;
static const schema_type_t t_SecretEnvSource;
static const schema_type_t t_Lifecycle;
static const schema_type_t t_LifecycleHandler;
static const schema_type_t t_ExecAction;
static const schema_type_t t_HTTPGetAction;
static const schema_type_t t_HTTPHeader;
static const schema_type_t t_IntOrString;
static const schema_type_t t_SleepAction;
static const schema_type_t t_TCPSocketAction;
static const schema_type_t t_Probe;
static const schema_type_t t_GRPCAction;
static const schema_type_t t_ContainerPort;
static const schema_type_t t_ContainerResizePolicy;
static const schema_type_t t_ResourceRequirements;
static const schema_type_t t_ResourceClaim;
static const schema_type_t t_ContainerRestartRule;
static const schema_type_t t_ContainerRestartRuleOnExitCodes;
static const schema_type_t t_SecurityContext;
static const schema_type_t t_AppArmorProfile;
static const schema_type_t t_Capabilities;
static const schema_type_t t_SELinuxOptions;
static const schema_type_t t_SeccompProfile;
static const schema_type_t t_WindowsSecurityContextOptions;
static const schema_type_t t_VolumeDevice;
static const schema_type_t t_VolumeMount;
static const schema_type_t t_PodDNSConfig;
static const schema_type_t t_PodDNSConfigOption;
static const schema_type_t t_EphemeralContainer;
static const schema_type_t t_HostAlias;
static const schema_type_t t_LocalObjectReference;
static const schema_type_t t_PodOS;
static const schema_type_t t_PodReadinessGate;
static const schema_type_t t_PodResourceClaim;
static const schema_type_t t_PodSchedulingGate;
static const schema_type_t t_PodSecurityContext;
static const schema_type_t t_Sysctl;
static const schema_type_t t_Toleration;
static const schema_type_t t_TopologySpreadConstraint;
static const schema_type_t t_Volume;
static const schema_type_t t_AWSElasticBlockStoreVolumeSource;
static const schema_type_t t_AzureDiskVolumeSource;
static const schema_type_t t_AzureFileVolumeSource;
static const schema_type_t t_CephFSVolumeSource;
static const schema_type_t t_CinderVolumeSource;
static const schema_type_t t_ConfigMapVolumeSource;
static const schema_type_t t_KeyToPath;
static const schema_type_t t_CSIVolumeSource;
static const schema_type_t t_DownwardAPIVolumeSource;
static const schema_type_t t_DownwardAPIVolumeFile;
static const schema_type_t t_EmptyDirVolumeSource;
static const schema_type_t t_EphemeralVolumeSource;
static const schema_type_t t_PersistentVolumeClaimTemplate;
static const schema_type_t t_PersistentVolumeClaimSpec;
static const schema_type_t t_TypedLocalObjectReference;
static const schema_type_t t_TypedObjectReference;
static const schema_type_t t_VolumeResourceRequirements;
static const schema_type_t t_FCVolumeSource;
static const schema_type_t t_FlexVolumeSource;
static const schema_type_t t_FlockerVolumeSource;
static const schema_type_t t_GCEPersistentDiskVolumeSource;
static const schema_type_t t_GitRepoVolumeSource;
static const schema_type_t t_GlusterfsVolumeSource;
static const schema_type_t t_HostPathVolumeSource;
static const schema_type_t t_ImageVolumeSource;
static const schema_type_t t_ISCSIVolumeSource;
static const schema_type_t t_NFSVolumeSource;
static const schema_type_t t_PersistentVolumeClaimVolumeSource;
static const schema_type_t t_PhotonPersistentDiskVolumeSource;
static const schema_type_t t_PortworxVolumeSource;
static const schema_type_t t_ProjectedVolumeSource;
static const schema_type_t t_VolumeProjection;
static const schema_type_t t_ClusterTrustBundleProjection;
static const schema_type_t t_ConfigMapProjection;
static const schema_type_t t_DownwardAPIProjection;
static const schema_type_t t_PodCertificateProjection;
static const schema_type_t t_SecretProjection;
static const schema_type_t t_ServiceAccountTokenProjection;
static const schema_type_t t_QuobyteVolumeSource;
static const schema_type_t t_RBDVolumeSource;
static const schema_type_t t_ScaleIOVolumeSource;
static const schema_type_t t_SecretVolumeSource;
static const schema_type_t t_StorageOSVolumeSource;
static const schema_type_t t_VsphereVirtualDiskVolumeSource;
static const schema_type_t t_PodStatus;
static const schema_type_t t_PodCondition;
static const schema_type_t t_ContainerStatus;
static const schema_type_t t_ResourceStatus;
static const schema_type_t t_ResourceHealth;
static const schema_type_t t_ContainerState;
static const schema_type_t t_ContainerStateRunning;
static const schema_type_t t_ContainerStateTerminated;
static const schema_type_t t_ContainerStateWaiting;
static const schema_type_t t_ContainerUser;
static const schema_type_t t_LinuxContainerUser;
static const schema_type_t t_VolumeMountStatus;
static const schema_type_t t_PodExtendedResourceClaimStatus;
static const schema_type_t t_ContainerExtendedResourceRequest;
static const schema_type_t t_HostIP;
static const schema_type_t t_PodIP;
static const schema_type_t t_PodResourceClaimStatus;
static const schema_type_t t_Node;
static const schema_type_t t_NodeSpec;
static const schema_type_t t_NodeConfigSource;
static const schema_type_t t_ConfigMapNodeConfigSource;
static const schema_type_t t_Taint;
static const schema_type_t t_NodeStatus;
static const schema_type_t t_NodeAddress;
static const schema_type_t t_NodeCondition;
static const schema_type_t t_NodeConfigStatus;
static const schema_type_t t_NodeDaemonEndpoints;
static const schema_type_t t_DaemonEndpoint;
static const schema_type_t t_NodeFeatures;
static const schema_type_t t_ContainerImage;
static const schema_type_t t_NodeSystemInfo;
static const schema_type_t t_NodeSwapStatus;
static const schema_type_t t_NodeRuntimeHandler;
static const schema_type_t t_NodeRuntimeHandlerFeatures;
static const schema_type_t t_AttachedVolume;
static const schema_type_t t_Service;
static const schema_type_t t_ServiceSpec;
static const schema_type_t t_ServicePort;
static const schema_type_t t_SessionAffinityConfig;
static const schema_type_t t_ClientIPConfig;
static const schema_type_t t_ServiceStatus;
static const schema_type_t t_Condition;
static const schema_type_t t_LoadBalancerStatus;
static const schema_type_t t_LoadBalancerIngress;
static const schema_type_t t_PortStatus;
static const schema_type_t t_Endpoints;
static const schema_type_t t_EndpointSubset;
static const schema_type_t t_EndpointAddress;
static const schema_type_t t_ObjectReference;
static const schema_type_t t_core_v1_EndpointPort;
static const schema_type_t t_ConfigMap;
static const schema_type_t t_Secret;
static const schema_type_t t_ServiceAccount;
static const schema_type_t t_Event;
static const schema_type_t t_MicroTime;
static const schema_type_t t_EventSeries;
static const schema_type_t t_EventSource;
static const schema_type_t t_ReplicationController;
static const schema_type_t t_ReplicationControllerSpec;
static const schema_type_t t_PodTemplateSpec;
static const schema_type_t t_ReplicationControllerStatus;
static const schema_type_t t_ReplicationControllerCondition;
static const schema_type_t t_PersistentVolume;
static const schema_type_t t_PersistentVolumeSpec;
static const schema_type_t t_AzureFilePersistentVolumeSource;
static const schema_type_t t_CephFSPersistentVolumeSource;
static const schema_type_t t_SecretReference;
static const schema_type_t t_CinderPersistentVolumeSource;
static const schema_type_t t_CSIPersistentVolumeSource;
static const schema_type_t t_FlexPersistentVolumeSource;
static const schema_type_t t_GlusterfsPersistentVolumeSource;
static const schema_type_t t_ISCSIPersistentVolumeSource;
static const schema_type_t t_LocalVolumeSource;
static const schema_type_t t_VolumeNodeAffinity;
static const schema_type_t t_RBDPersistentVolumeSource;
static const schema_type_t t_ScaleIOPersistentVolumeSource;
static const schema_type_t t_StorageOSPersistentVolumeSource;
static const schema_type_t t_PersistentVolumeStatus;
static const schema_type_t t_PersistentVolumeClaim;
static const schema_type_t t_PersistentVolumeClaimStatus;
static const schema_type_t t_PersistentVolumeClaimCondition;
static const schema_type_t t_ModifyVolumeStatus;
static const schema_type_t t_ResourceQuota;
static const schema_type_t t_ResourceQuotaSpec;
static const schema_type_t t_ScopeSelector;
static const schema_type_t t_ScopedResourceSelectorRequirement;
static const schema_type_t t_ResourceQuotaStatus;
static const schema_type_t t_LimitRange;
static const schema_type_t t_LimitRangeSpec;
static const schema_type_t t_LimitRangeItem;
static const schema_type_t t_Deployment;
static const schema_type_t t_DeploymentSpec;
static const schema_type_t t_DeploymentStrategy;
static const schema_type_t t_RollingUpdateDeployment;
static const schema_type_t t_DeploymentStatus;
static const schema_type_t t_DeploymentCondition;
static const schema_type_t t_ReplicaSet;
static const schema_type_t t_ReplicaSetSpec;
static const schema_type_t t_ReplicaSetStatus;
static const schema_type_t t_ReplicaSetCondition;
static const schema_type_t t_StatefulSet;
static const schema_type_t t_StatefulSetSpec;
static const schema_type_t t_StatefulSetOrdinals;
static const schema_type_t t_StatefulSetPersistentVolumeClaimRetentionPolicy;
static const schema_type_t t_StatefulSetUpdateStrategy;
static const schema_type_t t_RollingUpdateStatefulSetStrategy;
static const schema_type_t t_StatefulSetStatus;
static const schema_type_t t_StatefulSetCondition;
static const schema_type_t t_DaemonSet;
static const schema_type_t t_DaemonSetSpec;
static const schema_type_t t_DaemonSetUpdateStrategy;
static const schema_type_t t_RollingUpdateDaemonSet;
static const schema_type_t t_DaemonSetStatus;
static const schema_type_t t_DaemonSetCondition;
static const schema_type_t t_ControllerRevision;
static const schema_type_t t_RawExtension;
static const schema_type_t t_Job;
static const schema_type_t t_JobSpec;
static const schema_type_t t_PodFailurePolicy;
static const schema_type_t t_PodFailurePolicyRule;
static const schema_type_t t_PodFailurePolicyOnExitCodesRequirement;
static const schema_type_t t_PodFailurePolicyOnPodConditionsPattern;
static const schema_type_t t_SuccessPolicy;
static const schema_type_t t_SuccessPolicyRule;
static const schema_type_t t_JobStatus;
static const schema_type_t t_JobCondition;
static const schema_type_t t_UncountedTerminatedPods;
static const schema_type_t t_CronJob;
static const schema_type_t t_CronJobSpec;
static const schema_type_t t_JobTemplateSpec;
static const schema_type_t t_CronJobStatus;
static const schema_type_t t_Lease;
static const schema_type_t t_LeaseSpec;
static const schema_type_t t_EndpointSlice;
static const schema_type_t t_Endpoint;
static const schema_type_t t_EndpointConditions;
static const schema_type_t t_EndpointHints;
static const schema_type_t t_ForNode;
static const schema_type_t t_ForZone;
static const schema_type_t t_discovery_v1_EndpointPort;
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscaler;
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscalerSpec;
static const schema_type_t t_HorizontalPodAutoscalerBehavior;
static const schema_type_t t_HPAScalingRules;
static const schema_type_t t_HPAScalingPolicy;
static const schema_type_t t_MetricSpec;
static const schema_type_t t_ContainerResourceMetricSource;
static const schema_type_t t_MetricTarget;
static const schema_type_t t_ExternalMetricSource;
static const schema_type_t t_MetricIdentifier;
static const schema_type_t t_ObjectMetricSource;
static const schema_type_t t_autoscaling_v2_CrossVersionObjectReference;
static const schema_type_t t_PodsMetricSource;
static const schema_type_t t_ResourceMetricSource;
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscalerStatus;
static const schema_type_t t_HorizontalPodAutoscalerCondition;
static const schema_type_t t_MetricStatus;
static const schema_type_t t_ContainerResourceMetricStatus;
static const schema_type_t t_MetricValueStatus;
static const schema_type_t t_ExternalMetricStatus;
static const schema_type_t t_ObjectMetricStatus;
static const schema_type_t t_PodsMetricStatus;
static const schema_type_t t_ResourceMetricStatus;
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscaler;
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscalerSpec;
static const schema_type_t t_autoscaling_v1_CrossVersionObjectReference;
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscalerStatus;
static const schema_type_t t_Ingress;
static const schema_type_t t_IngressSpec;
static const schema_type_t t_IngressBackend;
static const schema_type_t t_IngressServiceBackend;
static const schema_type_t t_ServiceBackendPort;
static const schema_type_t t_IngressRule;
static const schema_type_t t_HTTPIngressRuleValue;
static const schema_type_t t_HTTPIngressPath;
static const schema_type_t t_IngressTLS;
static const schema_type_t t_IngressStatus;
static const schema_type_t t_IngressLoadBalancerStatus;
static const schema_type_t t_IngressLoadBalancerIngress;
static const schema_type_t t_IngressPortStatus;
static const schema_type_t t_NetworkPolicy;
static const schema_type_t t_NetworkPolicySpec;
static const schema_type_t t_NetworkPolicyEgressRule;
static const schema_type_t t_NetworkPolicyPort;
static const schema_type_t t_NetworkPolicyPeer;
static const schema_type_t t_IPBlock;
static const schema_type_t t_NetworkPolicyIngressRule;
static const schema_type_t t_StorageClass;
static const schema_type_t t_TopologySelectorTerm;
static const schema_type_t t_TopologySelectorLabelRequirement;
static const schema_type_t t_Role;
static const schema_type_t t_PolicyRule;
static const schema_type_t t_ClusterRole;
static const schema_type_t t_AggregationRule;
static const schema_type_t t_RoleBinding;
static const schema_type_t t_RoleRef;
static const schema_type_t t_Subject;
static const schema_type_t t_ClusterRoleBinding;
static const schema_type_t t_PriorityClass;
static const schema_type_t t_PodDisruptionBudget;
static const schema_type_t t_PodDisruptionBudgetSpec;
static const schema_type_t t_PodDisruptionBudgetStatus;

static const schema_field_t t_Namespace_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_NamespaceSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_NamespaceStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_ObjectMeta_f[] = {
    {.name = "annotations",
     MAP(STR),
     .desc = "Free-form key/value metadata for tools; not used for selection."},
    {.name = "creationTimestamp",
     REF(t_Time),
     .desc = "When the server created the object (RFC 3339, UTC)."},
    {.name = "deletionGracePeriodSeconds",
     I64,
     .desc = "Seconds the object is given to terminate gracefully once deletion started."},
    {.name = "deletionTimestamp",
     REF(t_Time),
     .desc = "When deletion was requested; set by the server, the object goes once finalizers are "
             "gone."},
    {.name = "finalizers",
     ARR(STR),
     .flags = PM | LSET,
     .desc = "Keys that must be removed before the object is deleted from storage."},
    {.name = "generateName", STR, .desc = "Prefix used to build a unique name when name is empty."},
    {.name = "generation",
     I64,
     .desc = "Sequence number of spec changes, incremented by the server."},
    {.name = "labels",
     MAP(STR),
     .desc = "Key/value pairs used by selectors to group and find objects."},
    {.name = "managedFields",
     ARR(REF(t_ManagedFieldsEntry)),
     .flags = LATOMIC,
     .desc = "Which manager owns which fields (server-side apply bookkeeping)."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
    {.name = "ownerReferences",
     ARR(REF(t_OwnerReference)),
     .flags = PM | LMAP,
     .merge_key = "uid",
     .map_keys = "uid",
     .desc = "Objects this one depends on; it is garbage-collected when they all go."},
    {.name = "resourceVersion",
     STR,
     .desc = "Opaque version of the object, changed on every write; used for optimistic "
             "concurrency and watches."},
    {.name = "selfLink", STR, .desc = "Deprecated; always empty."},
    {.name = "uid",
     STR,
     .desc = "Unique identifier assigned by the server at creation; never reused."},
};
static const schema_field_t t_ManagedFieldsEntry_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "fieldsType", STR},
    {.name = "fieldsV1", REF(t_FieldsV1)},
    {.name = "manager", STR},
    {.name = "operation", STR},
    {.name = "subresource", STR},
    {.name = "time", REF(t_Time)},
};
static const schema_field_t t_OwnerReference_f[] = {
    {.name = "apiVersion",
     STR,
     .flags = REQ,
     .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "blockOwnerDeletion", BOOL},
    {.name = "controller", BOOL},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "uid",
     STR,
     .flags = REQ,
     .desc = "Unique identifier assigned by the server at creation; never reused."},
};
static const schema_field_t t_NamespaceSpec_f[] = {
    {.name = "finalizers",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Keys that must be removed before the object is deleted from storage."},
};
static const schema_field_t t_NamespaceStatus_f[] = {
    {.name = "conditions",
     ARR(REF(t_NamespaceCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "phase",
     STR,
     .enums = LIST("Active", "Terminating"),
     .desc = "Coarse summary of the lifecycle state."},
};
static const schema_field_t t_NamespaceCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_Pod_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_PodSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_PodStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_PodSpec_f[] = {
    {.name = "activeDeadlineSeconds",
     I64,
     .desc = "Seconds the pod (or job) may run before being terminated."},
    {.name = "affinity",
     REF(t_Affinity),
     .desc = "Scheduling constraints relative to nodes and other pods."},
    {.name = "automountServiceAccountToken",
     BOOL,
     .desc = "Mount the service account's API token into the pod."},
    {.name = "containers",
     ARR(REF(t_Container)),
     .flags = REQ | PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "The containers of the pod; at least one."},
    {.name = "dnsConfig",
     REF(t_PodDNSConfig),
     .desc = "Extra DNS settings merged into those dnsPolicy produces."},
    {.name = "dnsPolicy",
     STR,
     .enums = LIST("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"),
     .desc = "How the pod's DNS is configured."},
    {.name = "enableServiceLinks",
     BOOL,
     .desc = "Inject environment variables describing the namespace's services."},
    {.name = "ephemeralContainers",
     ARR(REF(t_EphemeralContainer)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Debugging containers added to a running pod."},
    {.name = "hostAliases",
     ARR(REF(t_HostAlias)),
     .flags = PM | LMAP,
     .merge_key = "ip",
     .map_keys = "ip",
     .desc = "Extra entries for the pod's /etc/hosts."},
    {.name = "hostIPC", BOOL, .desc = "Use the node's IPC namespace."},
    {.name = "hostNetwork", BOOL, .desc = "Use the node's network namespace."},
    {.name = "hostPID", BOOL, .desc = "Use the node's PID namespace."},
    {.name = "hostUsers",
     BOOL,
     .desc = "Use the node's user namespace (false: a user namespace of its own)."},
    {.name = "hostname", STR, .desc = "Hostname of the pod; defaults to its name."},
    {.name = "hostnameOverride", STR},
    {.name = "imagePullSecrets",
     ARR(REF(t_LocalObjectReference)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Secrets holding credentials for pulling images."},
    {.name = "initContainers",
     ARR(REF(t_Container)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Containers run to completion, in order, before the main containers start."},
    {.name = "nodeName", STR, .desc = "The node the pod is bound to; set by the scheduler."},
    {.name = "nodeSelector",
     MAP(STR),
     .flags = MATOMIC,
     .desc = "Labels a node must have for the pod to be scheduled there."},
    {.name = "os", REF(t_PodOS), .desc = "Operating system the pod's containers need."},
    {.name = "overhead",
     MAP(REF(t_Quantity)),
     .desc = "Resources used by the pod sandbox on top of its containers."},
    {.name = "preemptionPolicy",
     STR,
     .enums = LIST("Never", "PreemptLowerPriority"),
     .desc = "Whether pods of this priority may preempt lower ones."},
    {.name = "priority", I32, .desc = "Priority value resolved from priorityClassName."},
    {.name = "priorityClassName", STR, .desc = "PriorityClass giving the pod's priority."},
    {.name = "readinessGates",
     ARR(REF(t_PodReadinessGate)),
     .flags = LATOMIC,
     .desc = "Extra conditions that must be true for the pod to be ready."},
    {.name = "resourceClaims",
     ARR(REF(t_PodResourceClaim)),
     .flags = PM | PRK | LMAP,
     .merge_key = "name",
     .map_keys = "name"},
    {.name = "resources",
     REF(t_ResourceRequirements),
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "restartPolicy",
     STR,
     .enums = LIST("Always", "Never", "OnFailure"),
     .desc = "Restart policy for the containers: Always, OnFailure or Never."},
    {.name = "runtimeClassName",
     STR,
     .desc = "RuntimeClass (container runtime configuration) to run the pod with."},
    {.name = "schedulerName", STR, .desc = "The scheduler that places the pod."},
    {.name = "schedulingGates",
     ARR(REF(t_PodSchedulingGate)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Names that block scheduling while present."},
    {.name = "securityContext",
     REF(t_PodSecurityContext),
     .desc = "Security settings (user, capabilities, privileges)."},
    {.name = "serviceAccount", STR, .desc = "Deprecated alias of serviceAccountName."},
    {.name = "serviceAccountName", STR, .desc = "ServiceAccount the pod runs as."},
    {.name = "setHostnameAsFQDN",
     BOOL,
     .desc = "Set the kernel hostname to the pod's fully qualified domain name."},
    {.name = "shareProcessNamespace",
     BOOL,
     .desc = "One PID namespace for all containers of the pod."},
    {.name = "subdomain",
     STR,
     .desc = "With hostname, gives the pod a DNS name under a headless service."},
    {.name = "terminationGracePeriodSeconds",
     I64,
     .desc = "Seconds given to stop gracefully before being killed."},
    {.name = "tolerations",
     ARR(REF(t_Toleration)),
     .flags = LATOMIC,
     .desc = "Taints the pod tolerates."},
    {.name = "topologySpreadConstraints",
     ARR(REF(t_TopologySpreadConstraint)),
     .flags = PM | LMAP,
     .merge_key = "topologyKey",
     .map_keys = "topologyKey,whenUnsatisfiable",
     .desc = "How pods spread across zones, nodes or other topology domains."},
    {.name = "volumes",
     ARR(REF(t_Volume)),
     .flags = PM | PRK | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Volumes that the pod's containers can mount."},
};
static const schema_field_t t_Affinity_f[] = {
    {.name = "nodeAffinity", REF(t_NodeAffinity)},
    {.name = "podAffinity", REF(t_PodAffinity)},
    {.name = "podAntiAffinity", REF(t_PodAntiAffinity)},
};
static const schema_field_t t_NodeAffinity_f[] = {
    {.name = "preferredDuringSchedulingIgnoredDuringExecution",
     ARR(REF(t_PreferredSchedulingTerm)),
     .flags = LATOMIC},
    {.name = "requiredDuringSchedulingIgnoredDuringExecution", REF(t_NodeSelector)},
};
static const schema_field_t t_PreferredSchedulingTerm_f[] = {
    {.name = "preference", REF(t_NodeSelectorTerm), .flags = REQ},
    {.name = "weight", I32, .flags = REQ},
};
static const schema_field_t t_NodeSelectorTerm_f[] = {
    {.name = "matchExpressions",
     ARR(REF(t_NodeSelectorRequirement)),
     .flags = LATOMIC,
     .desc = "Set-based label requirements, all of which must hold."},
    {.name = "matchFields", ARR(REF(t_NodeSelectorRequirement)), .flags = LATOMIC},
};
static const schema_field_t t_NodeSelectorRequirement_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "operator", STR, .flags = REQ, .desc = "How the key relates to the values."},
    {.name = "values", ARR(STR), .flags = LATOMIC, .desc = "The values."},
};
static const schema_field_t t_NodeSelector_f[] = {
    {.name = "nodeSelectorTerms", ARR(REF(t_NodeSelectorTerm)), .flags = REQ | LATOMIC},
};
static const schema_field_t t_PodAffinity_f[] = {
    {.name = "preferredDuringSchedulingIgnoredDuringExecution",
     ARR(REF(t_WeightedPodAffinityTerm)),
     .flags = LATOMIC},
    {.name = "requiredDuringSchedulingIgnoredDuringExecution",
     ARR(REF(t_PodAffinityTerm)),
     .flags = LATOMIC},
};
static const schema_field_t t_WeightedPodAffinityTerm_f[] = {
    {.name = "podAffinityTerm", REF(t_PodAffinityTerm), .flags = REQ},
    {.name = "weight", I32, .flags = REQ},
};
static const schema_field_t t_PodAffinityTerm_f[] = {
    {.name = "labelSelector", REF(t_LabelSelector)},
    {.name = "matchLabelKeys", ARR(STR), .flags = LATOMIC},
    {.name = "mismatchLabelKeys", ARR(STR), .flags = LATOMIC},
    {.name = "namespaceSelector", REF(t_LabelSelector)},
    {.name = "namespaces", ARR(STR), .flags = LATOMIC},
    {.name = "topologyKey", STR, .flags = REQ},
};
static const schema_field_t t_LabelSelector_f[] = {
    {.name = "matchExpressions",
     ARR(REF(t_LabelSelectorRequirement)),
     .flags = LATOMIC,
     .desc = "Set-based label requirements, all of which must hold."},
    {.name = "matchLabels", MAP(STR), .desc = "Labels that must all be present with these values."},
};
static const schema_field_t t_LabelSelectorRequirement_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "operator", STR, .flags = REQ, .desc = "How the key relates to the values."},
    {.name = "values", ARR(STR), .flags = LATOMIC, .desc = "The values."},
};
static const schema_field_t t_PodAntiAffinity_f[] = {
    {.name = "preferredDuringSchedulingIgnoredDuringExecution",
     ARR(REF(t_WeightedPodAffinityTerm)),
     .flags = LATOMIC},
    {.name = "requiredDuringSchedulingIgnoredDuringExecution",
     ARR(REF(t_PodAffinityTerm)),
     .flags = LATOMIC},
};
static const schema_field_t t_Container_f[] = {
    {.name = "args",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Arguments to the entrypoint; replace the image's CMD."},
    {.name = "command",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Entrypoint; replaces the image's ENTRYPOINT."},
    {.name = "env",
     ARR(REF(t_EnvVar)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Environment variables set in the container."},
    {.name = "envFrom",
     ARR(REF(t_EnvFromSource)),
     .flags = LATOMIC,
     .desc = "Sources (ConfigMaps, Secrets) whose keys become environment variables."},
    {.name = "image", STR, .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "imagePullPolicy",
     STR,
     .enums = LIST("Always", "IfNotPresent", "Never"),
     .desc = "When to pull the image: Always, IfNotPresent or Never."},
    {.name = "lifecycle", REF(t_Lifecycle), .desc = "Hooks run after start and before stop."},
    {.name = "livenessProbe",
     REF(t_Probe),
     .desc = "Check that restarts the container when it fails."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "ports",
     ARR(REF(t_ContainerPort)),
     .flags = PM | LMAP,
     .merge_key = "containerPort",
     .map_keys = "containerPort,protocol",
     .desc = "Ports exposed (containers) or served (services)."},
    {.name = "readinessProbe",
     REF(t_Probe),
     .desc = "Check that gates the pod's readiness (and service traffic)."},
    {.name = "resizePolicy",
     ARR(REF(t_ContainerResizePolicy)),
     .flags = LATOMIC,
     .desc = "Whether a resource change restarts the container."},
    {.name = "resources",
     REF(t_ResourceRequirements),
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "restartPolicy",
     STR,
     .enums = LIST("Always", "Never", "OnFailure"),
     .desc = "Restart policy for the containers: Always, OnFailure or Never."},
    {.name = "restartPolicyRules", ARR(REF(t_ContainerRestartRule)), .flags = LATOMIC},
    {.name = "securityContext",
     REF(t_SecurityContext),
     .desc = "Security settings (user, capabilities, privileges)."},
    {.name = "startupProbe",
     REF(t_Probe),
     .desc = "Check that must succeed before the other probes start."},
    {.name = "stdin", BOOL, .desc = "Keep a stdin buffer open for the container."},
    {.name = "stdinOnce", BOOL, .desc = "Close stdin after the first attach ends."},
    {.name = "terminationMessagePath",
     STR,
     .desc = "File whose content becomes the container's termination message."},
    {.name = "terminationMessagePolicy",
     STR,
     .enums = LIST("FallbackToLogsOnError", "File"),
     .desc = "Where the termination message comes from: File or FallbackToLogsOnError."},
    {.name = "tty", BOOL, .desc = "Allocate a terminal for the container."},
    {.name = "volumeDevices",
     ARR(REF(t_VolumeDevice)),
     .flags = PM | LMAP,
     .merge_key = "devicePath",
     .map_keys = "devicePath",
     .desc = "Block devices the container uses."},
    {.name = "volumeMounts",
     ARR(REF(t_VolumeMount)),
     .flags = PM | LMAP,
     .merge_key = "mountPath",
     .map_keys = "mountPath",
     .desc = "Volumes mounted into the container's filesystem."},
    {.name = "workingDir", STR, .desc = "The container's working directory."},
};
static const schema_field_t t_EnvVar_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "value", STR, .desc = "The value."},
    {.name = "valueFrom",
     REF(t_EnvVarSource),
     .desc = "Where the value comes from (a ConfigMap, Secret, field or resource)."},
};
static const schema_field_t t_EnvVarSource_f[] = {
    {.name = "configMapKeyRef", REF(t_ConfigMapKeySelector)},
    {.name = "fieldRef", REF(t_ObjectFieldSelector)},
    {.name = "fileKeyRef", REF(t_FileKeySelector)},
    {.name = "resourceFieldRef", REF(t_ResourceFieldSelector)},
    {.name = "secretKeyRef", REF(t_SecretKeySelector)},
};
static const schema_field_t t_ConfigMapKeySelector_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_ObjectFieldSelector_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "fieldPath", STR, .flags = REQ},
};
static const schema_field_t t_FileKeySelector_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "optional", BOOL},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "volumeName", STR, .flags = REQ, .desc = "The PersistentVolume bound to the claim."},
};
static const schema_field_t t_ResourceFieldSelector_f[] = {
    {.name = "containerName", STR},
    {.name = "divisor", REF(t_Quantity)},
    {.name = "resource", STR, .flags = REQ},
};
static const schema_field_t t_SecretKeySelector_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_EnvFromSource_f[] = {
    {.name = "configMapRef", REF(t_ConfigMapEnvSource)},
    {.name = "prefix", STR},
    {.name = "secretRef", REF(t_SecretEnvSource)},
};
static const schema_field_t t_ConfigMapEnvSource_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_SecretEnvSource_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_Lifecycle_f[] = {
    {.name = "postStart", REF(t_LifecycleHandler)},
    {.name = "preStop", REF(t_LifecycleHandler)},
    {.name = "stopSignal", STR},
};
static const schema_field_t t_LifecycleHandler_f[] = {
    {.name = "exec",
     REF(t_ExecAction),
     .desc = "Run a command in the container; exit 0 is success."},
    {.name = "httpGet", REF(t_HTTPGetAction), .desc = "Send an HTTP GET; 2xx and 3xx are success."},
    {.name = "sleep", REF(t_SleepAction)},
    {.name = "tcpSocket",
     REF(t_TCPSocketAction),
     .desc = "Open a TCP connection; success if it connects."},
};
static const schema_field_t t_ExecAction_f[] = {
    {.name = "command",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Entrypoint; replaces the image's ENTRYPOINT."},
};
static const schema_field_t t_HTTPGetAction_f[] = {
    {.name = "host", STR, .desc = "Host name or IP to connect to."},
    {.name = "httpHeaders",
     ARR(REF(t_HTTPHeader)),
     .flags = LATOMIC,
     .desc = "Extra headers sent with the request."},
    {.name = "path", STR, .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "port", REF(t_IntOrString), .flags = REQ, .desc = "Port number."},
    {.name = "scheme", STR, .desc = "HTTP or HTTPS."},
};
static const schema_field_t t_HTTPHeader_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "value", STR, .flags = REQ, .desc = "The value."},
};
static const schema_field_t t_SleepAction_f[] = {
    {.name = "seconds", I64, .flags = REQ},
};
static const schema_field_t t_TCPSocketAction_f[] = {
    {.name = "host", STR, .desc = "Host name or IP to connect to."},
    {.name = "port", REF(t_IntOrString), .flags = REQ, .desc = "Port number."},
};
static const schema_field_t t_Probe_f[] = {
    {.name = "exec",
     REF(t_ExecAction),
     .desc = "Run a command in the container; exit 0 is success."},
    {.name = "failureThreshold",
     I32,
     .desc = "Consecutive failures before the check counts as failed."},
    {.name = "grpc", REF(t_GRPCAction), .desc = "Call a gRPC health check."},
    {.name = "httpGet", REF(t_HTTPGetAction), .desc = "Send an HTTP GET; 2xx and 3xx are success."},
    {.name = "initialDelaySeconds",
     I32,
     .desc = "Seconds after the container started before the first check."},
    {.name = "periodSeconds", I32, .desc = "Seconds between checks."},
    {.name = "successThreshold",
     I32,
     .desc = "Consecutive successes before a failed check counts as passing again."},
    {.name = "tcpSocket",
     REF(t_TCPSocketAction),
     .desc = "Open a TCP connection; success if it connects."},
    {.name = "terminationGracePeriodSeconds",
     I64,
     .desc = "Seconds given to stop gracefully before being killed."},
    {.name = "timeoutSeconds", I32, .desc = "Seconds before the check (or request) times out."},
};
static const schema_field_t t_GRPCAction_f[] = {
    {.name = "port", I32, .flags = REQ, .desc = "Port number."},
    {.name = "service", STR},
};
static const schema_field_t t_ContainerPort_f[] = {
    {.name = "containerPort", I32, .flags = REQ, .desc = "Port number the container listens on."},
    {.name = "hostIP", STR, .desc = "IP of the node the pod runs on."},
    {.name = "hostPort", I32, .desc = "Port on the node mapped to the container port."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "protocol",
     STR,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_ContainerResizePolicy_f[] = {
    {.name = "resourceName", STR, .flags = REQ},
    {.name = "restartPolicy",
     STR,
     .flags = REQ,
     .enums = LIST("Always", "Never", "OnFailure"),
     .desc = "Restart policy for the containers: Always, OnFailure or Never."},
};
static const schema_field_t t_ResourceRequirements_f[] = {
    {.name = "claims", ARR(REF(t_ResourceClaim)), .flags = LMAP, .map_keys = "name"},
    {.name = "limits", MAP(REF(t_Quantity)), .desc = "Maximum resources allowed."},
    {.name = "requests", MAP(REF(t_Quantity)), .desc = "Minimum resources the scheduler reserves."},
};
static const schema_field_t t_ResourceClaim_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "request", STR},
};
static const schema_field_t t_ContainerRestartRule_f[] = {
    {.name = "action", STR, .flags = REQ},
    {.name = "exitCodes", REF(t_ContainerRestartRuleOnExitCodes)},
};
static const schema_field_t t_ContainerRestartRuleOnExitCodes_f[] = {
    {.name = "operator", STR, .flags = REQ, .desc = "How the key relates to the values."},
    {.name = "values", ARR(I32), .flags = LSET, .desc = "The values."},
};
static const schema_field_t t_SecurityContext_f[] = {
    {.name = "allowPrivilegeEscalation",
     BOOL,
     .desc = "Allow a process to gain more privileges than its parent."},
    {.name = "appArmorProfile",
     REF(t_AppArmorProfile),
     .desc = "AppArmor profile to confine the process."},
    {.name = "capabilities", REF(t_Capabilities), .desc = "Linux capabilities added or dropped."},
    {.name = "privileged", BOOL, .desc = "Run with (nearly) all the host's privileges."},
    {.name = "procMount", STR, .desc = "How /proc is masked in the container."},
    {.name = "readOnlyRootFilesystem",
     BOOL,
     .desc = "Mount the container's root filesystem read-only."},
    {.name = "runAsGroup", I64, .desc = "Group ID of the container's processes."},
    {.name = "runAsNonRoot", BOOL, .desc = "Refuse to start a container that would run as UID 0."},
    {.name = "runAsUser", I64, .desc = "User ID of the container's processes."},
    {.name = "seLinuxOptions", REF(t_SELinuxOptions), .desc = "SELinux context of the process."},
    {.name = "seccompProfile",
     REF(t_SeccompProfile),
     .desc = "Seccomp profile filtering the process's system calls."},
    {.name = "windowsOptions",
     REF(t_WindowsSecurityContextOptions),
     .desc = "Windows-specific settings."},
};
static const schema_field_t t_AppArmorProfile_f[] = {
    {.name = "localhostProfile", STR},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_Capabilities_f[] = {
    {.name = "add", ARR(STR), .flags = LATOMIC},
    {.name = "drop", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_SELinuxOptions_f[] = {
    {.name = "level", STR},
    {.name = "role", STR},
    {.name = "type",
     STR,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
    {.name = "user", STR},
};
static const schema_field_t t_SeccompProfile_f[] = {
    {.name = "localhostProfile", STR},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_WindowsSecurityContextOptions_f[] = {
    {.name = "gmsaCredentialSpec", STR},
    {.name = "gmsaCredentialSpecName", STR},
    {.name = "hostProcess", BOOL},
    {.name = "runAsUserName", STR},
};
static const schema_field_t t_VolumeDevice_f[] = {
    {.name = "devicePath", STR, .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_VolumeMount_f[] = {
    {.name = "mountPath",
     STR,
     .flags = REQ,
     .desc = "Path inside the container where the volume is mounted."},
    {.name = "mountPropagation", STR, .desc = "How mounts propagate between host and container."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "recursiveReadOnly", STR},
    {.name = "subPath", STR, .desc = "Path within the volume to mount instead of its root."},
    {.name = "subPathExpr",
     STR,
     .desc = "Like subPath, with $(VAR) expanded from the environment."},
};
static const schema_field_t t_PodDNSConfig_f[] = {
    {.name = "nameservers", ARR(STR), .flags = LATOMIC},
    {.name = "options", ARR(REF(t_PodDNSConfigOption)), .flags = LATOMIC},
    {.name = "searches", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_PodDNSConfigOption_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "value", STR, .desc = "The value."},
};
static const schema_field_t t_EphemeralContainer_f[] = {
    {.name = "args",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Arguments to the entrypoint; replace the image's CMD."},
    {.name = "command",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Entrypoint; replaces the image's ENTRYPOINT."},
    {.name = "env",
     ARR(REF(t_EnvVar)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Environment variables set in the container."},
    {.name = "envFrom",
     ARR(REF(t_EnvFromSource)),
     .flags = LATOMIC,
     .desc = "Sources (ConfigMaps, Secrets) whose keys become environment variables."},
    {.name = "image", STR, .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "imagePullPolicy",
     STR,
     .enums = LIST("Always", "IfNotPresent", "Never"),
     .desc = "When to pull the image: Always, IfNotPresent or Never."},
    {.name = "lifecycle", REF(t_Lifecycle), .desc = "Hooks run after start and before stop."},
    {.name = "livenessProbe",
     REF(t_Probe),
     .desc = "Check that restarts the container when it fails."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "ports",
     ARR(REF(t_ContainerPort)),
     .flags = PM | LMAP,
     .merge_key = "containerPort",
     .map_keys = "containerPort,protocol",
     .desc = "Ports exposed (containers) or served (services)."},
    {.name = "readinessProbe",
     REF(t_Probe),
     .desc = "Check that gates the pod's readiness (and service traffic)."},
    {.name = "resizePolicy",
     ARR(REF(t_ContainerResizePolicy)),
     .flags = LATOMIC,
     .desc = "Whether a resource change restarts the container."},
    {.name = "resources",
     REF(t_ResourceRequirements),
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "restartPolicy",
     STR,
     .enums = LIST("Always", "Never", "OnFailure"),
     .desc = "Restart policy for the containers: Always, OnFailure or Never."},
    {.name = "restartPolicyRules", ARR(REF(t_ContainerRestartRule)), .flags = LATOMIC},
    {.name = "securityContext",
     REF(t_SecurityContext),
     .desc = "Security settings (user, capabilities, privileges)."},
    {.name = "startupProbe",
     REF(t_Probe),
     .desc = "Check that must succeed before the other probes start."},
    {.name = "stdin", BOOL, .desc = "Keep a stdin buffer open for the container."},
    {.name = "stdinOnce", BOOL, .desc = "Close stdin after the first attach ends."},
    {.name = "targetContainerName", STR},
    {.name = "terminationMessagePath",
     STR,
     .desc = "File whose content becomes the container's termination message."},
    {.name = "terminationMessagePolicy",
     STR,
     .enums = LIST("FallbackToLogsOnError", "File"),
     .desc = "Where the termination message comes from: File or FallbackToLogsOnError."},
    {.name = "tty", BOOL, .desc = "Allocate a terminal for the container."},
    {.name = "volumeDevices",
     ARR(REF(t_VolumeDevice)),
     .flags = PM | LMAP,
     .merge_key = "devicePath",
     .map_keys = "devicePath",
     .desc = "Block devices the container uses."},
    {.name = "volumeMounts",
     ARR(REF(t_VolumeMount)),
     .flags = PM | LMAP,
     .merge_key = "mountPath",
     .map_keys = "mountPath",
     .desc = "Volumes mounted into the container's filesystem."},
    {.name = "workingDir", STR, .desc = "The container's working directory."},
};
static const schema_field_t t_HostAlias_f[] = {
    {.name = "hostnames", ARR(STR), .flags = LATOMIC},
    {.name = "ip", STR, .flags = REQ},
};
static const schema_field_t t_LocalObjectReference_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_PodOS_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_PodReadinessGate_f[] = {
    {.name = "conditionType", STR, .flags = REQ},
};
static const schema_field_t t_PodResourceClaim_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "resourceClaimName", STR},
    {.name = "resourceClaimTemplateName", STR},
};
static const schema_field_t t_PodSchedulingGate_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_PodSecurityContext_f[] = {
    {.name = "appArmorProfile",
     REF(t_AppArmorProfile),
     .desc = "AppArmor profile to confine the process."},
    {.name = "fsGroup",
     I64,
     .desc = "Group given ownership of the pod's volumes and added to its processes."},
    {.name = "fsGroupChangePolicy", STR, .desc = "When volume ownership is changed to fsGroup."},
    {.name = "runAsGroup", I64, .desc = "Group ID of the container's processes."},
    {.name = "runAsNonRoot", BOOL, .desc = "Refuse to start a container that would run as UID 0."},
    {.name = "runAsUser", I64, .desc = "User ID of the container's processes."},
    {.name = "seLinuxChangePolicy", STR},
    {.name = "seLinuxOptions", REF(t_SELinuxOptions), .desc = "SELinux context of the process."},
    {.name = "seccompProfile",
     REF(t_SeccompProfile),
     .desc = "Seccomp profile filtering the process's system calls."},
    {.name = "supplementalGroups",
     ARR(I64),
     .flags = LATOMIC,
     .desc = "Extra group IDs of the pod's processes."},
    {.name = "supplementalGroupsPolicy", STR},
    {.name = "sysctls",
     ARR(REF(t_Sysctl)),
     .flags = LATOMIC,
     .desc = "Namespaced kernel parameters set for the pod."},
    {.name = "windowsOptions",
     REF(t_WindowsSecurityContextOptions),
     .desc = "Windows-specific settings."},
};
static const schema_field_t t_Sysctl_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "value", STR, .flags = REQ, .desc = "The value."},
};
static const schema_field_t t_Toleration_f[] = {
    {.name = "effect",
     STR,
     .enums = LIST("NoExecute", "NoSchedule", "PreferNoSchedule"),
     .desc = "What happens to pods that do not tolerate the taint."},
    {.name = "key", STR, .desc = "The key."},
    {.name = "operator",
     STR,
     .enums = LIST("Equal", "Exists"),
     .desc = "How the key relates to the values."},
    {.name = "tolerationSeconds",
     I64,
     .desc = "Seconds the pod stays bound after a NoExecute taint appears."},
    {.name = "value", STR, .desc = "The value."},
};
static const schema_field_t t_TopologySpreadConstraint_f[] = {
    {.name = "labelSelector", REF(t_LabelSelector)},
    {.name = "matchLabelKeys", ARR(STR), .flags = LATOMIC},
    {.name = "maxSkew", I32, .flags = REQ},
    {.name = "minDomains", I32},
    {.name = "nodeAffinityPolicy", STR},
    {.name = "nodeTaintsPolicy", STR},
    {.name = "topologyKey", STR, .flags = REQ},
    {.name = "whenUnsatisfiable", STR, .flags = REQ},
};
static const schema_field_t t_Volume_f[] = {
    {.name = "awsElasticBlockStore", REF(t_AWSElasticBlockStoreVolumeSource)},
    {.name = "azureDisk", REF(t_AzureDiskVolumeSource)},
    {.name = "azureFile", REF(t_AzureFileVolumeSource)},
    {.name = "cephfs", REF(t_CephFSVolumeSource)},
    {.name = "cinder", REF(t_CinderVolumeSource)},
    {.name = "configMap", REF(t_ConfigMapVolumeSource), .desc = "A ConfigMap's keys as files."},
    {.name = "csi", REF(t_CSIVolumeSource), .desc = "Storage from a CSI driver."},
    {.name = "downwardAPI", REF(t_DownwardAPIVolumeSource), .desc = "Pod fields as files."},
    {.name = "emptyDir",
     REF(t_EmptyDirVolumeSource),
     .desc = "An empty directory that lives as long as the pod."},
    {.name = "ephemeral",
     REF(t_EphemeralVolumeSource),
     .desc = "A volume provisioned with the pod and deleted with it."},
    {.name = "fc", REF(t_FCVolumeSource)},
    {.name = "flexVolume", REF(t_FlexVolumeSource)},
    {.name = "flocker", REF(t_FlockerVolumeSource)},
    {.name = "gcePersistentDisk", REF(t_GCEPersistentDiskVolumeSource)},
    {.name = "gitRepo", REF(t_GitRepoVolumeSource)},
    {.name = "glusterfs", REF(t_GlusterfsVolumeSource)},
    {.name = "hostPath", REF(t_HostPathVolumeSource), .desc = "A file or directory of the node."},
    {.name = "image",
     REF(t_ImageVolumeSource),
     .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "iscsi", REF(t_ISCSIVolumeSource)},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "nfs", REF(t_NFSVolumeSource), .desc = "An NFS export."},
    {.name = "persistentVolumeClaim",
     REF(t_PersistentVolumeClaimVolumeSource),
     .desc = "Storage claimed through a PersistentVolumeClaim."},
    {.name = "photonPersistentDisk", REF(t_PhotonPersistentDiskVolumeSource)},
    {.name = "portworxVolume", REF(t_PortworxVolumeSource)},
    {.name = "projected",
     REF(t_ProjectedVolumeSource),
     .desc = "Several sources (secrets, configmaps, tokens) in one directory."},
    {.name = "quobyte", REF(t_QuobyteVolumeSource)},
    {.name = "rbd", REF(t_RBDVolumeSource)},
    {.name = "scaleIO", REF(t_ScaleIOVolumeSource)},
    {.name = "secret", REF(t_SecretVolumeSource), .desc = "A Secret's keys as files."},
    {.name = "storageos", REF(t_StorageOSVolumeSource)},
    {.name = "vsphereVolume", REF(t_VsphereVirtualDiskVolumeSource)},
};
static const schema_field_t t_AWSElasticBlockStoreVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "partition", I32},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "volumeID", STR, .flags = REQ},
};
static const schema_field_t t_AzureDiskVolumeSource_f[] = {
    {.name = "cachingMode", STR},
    {.name = "diskName", STR, .flags = REQ},
    {.name = "diskURI", STR, .flags = REQ},
    {.name = "fsType", STR},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
};
static const schema_field_t t_AzureFileVolumeSource_f[] = {
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretName", STR, .flags = REQ},
    {.name = "shareName", STR, .flags = REQ},
};
static const schema_field_t t_CephFSVolumeSource_f[] = {
    {.name = "monitors", ARR(STR), .flags = REQ | LATOMIC},
    {.name = "path", STR, .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretFile", STR},
    {.name = "secretRef", REF(t_LocalObjectReference)},
    {.name = "user", STR},
};
static const schema_field_t t_CinderVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference)},
    {.name = "volumeID", STR, .flags = REQ},
};
static const schema_field_t t_ConfigMapVolumeSource_f[] = {
    {.name = "defaultMode", I32},
    {.name = "items", ARR(REF(t_KeyToPath)), .flags = LATOMIC, .desc = "The members of the list."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_KeyToPath_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "mode", I32},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
};
static const schema_field_t t_CSIVolumeSource_f[] = {
    {.name = "driver", STR, .flags = REQ},
    {.name = "fsType", STR},
    {.name = "nodePublishSecretRef", REF(t_LocalObjectReference)},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "volumeAttributes", MAP(STR)},
};
static const schema_field_t t_DownwardAPIVolumeSource_f[] = {
    {.name = "defaultMode", I32},
    {.name = "items",
     ARR(REF(t_DownwardAPIVolumeFile)),
     .flags = LATOMIC,
     .desc = "The members of the list."},
};
static const schema_field_t t_DownwardAPIVolumeFile_f[] = {
    {.name = "fieldRef", REF(t_ObjectFieldSelector)},
    {.name = "mode", I32},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "resourceFieldRef", REF(t_ResourceFieldSelector)},
};
static const schema_field_t t_EmptyDirVolumeSource_f[] = {
    {.name = "medium", STR},
    {.name = "sizeLimit", REF(t_Quantity)},
};
static const schema_field_t t_EphemeralVolumeSource_f[] = {
    {.name = "volumeClaimTemplate", REF(t_PersistentVolumeClaimTemplate)},
};
static const schema_field_t t_PersistentVolumeClaimTemplate_f[] = {
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_PersistentVolumeClaimSpec),
     .flags = REQ,
     .desc = "The desired state, written by the user."},
};
static const schema_field_t t_PersistentVolumeClaimSpec_f[] = {
    {.name = "accessModes", ARR(STR), .flags = LATOMIC, .desc = "Ways the volume can be mounted."},
    {.name = "dataSource", REF(t_TypedLocalObjectReference)},
    {.name = "dataSourceRef", REF(t_TypedObjectReference)},
    {.name = "resources",
     REF(t_VolumeResourceRequirements),
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "selector",
     REF(t_LabelSelector),
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "storageClassName", STR, .desc = "StorageClass that provisions the volume."},
    {.name = "volumeAttributesClassName", STR},
    {.name = "volumeMode", STR},
    {.name = "volumeName", STR, .desc = "The PersistentVolume bound to the claim."},
};
static const schema_field_t t_TypedLocalObjectReference_f[] = {
    {.name = "apiGroup", STR},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_TypedObjectReference_f[] = {
    {.name = "apiGroup", STR},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
};
static const schema_field_t t_VolumeResourceRequirements_f[] = {
    {.name = "limits", MAP(REF(t_Quantity)), .desc = "Maximum resources allowed."},
    {.name = "requests", MAP(REF(t_Quantity)), .desc = "Minimum resources the scheduler reserves."},
};
static const schema_field_t t_FCVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "lun", I32},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "targetWWNs", ARR(STR), .flags = LATOMIC},
    {.name = "wwids", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_FlexVolumeSource_f[] = {
    {.name = "driver", STR, .flags = REQ},
    {.name = "fsType", STR},
    {.name = "options", MAP(STR)},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference)},
};
static const schema_field_t t_FlockerVolumeSource_f[] = {
    {.name = "datasetName", STR},
    {.name = "datasetUUID", STR},
};
static const schema_field_t t_GCEPersistentDiskVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "partition", I32},
    {.name = "pdName", STR, .flags = REQ},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
};
static const schema_field_t t_GitRepoVolumeSource_f[] = {
    {.name = "directory", STR},
    {.name = "repository", STR, .flags = REQ},
    {.name = "revision", STR, .desc = "Revision number of this state."},
};
static const schema_field_t t_GlusterfsVolumeSource_f[] = {
    {.name = "endpoints", STR, .flags = REQ, .desc = "Network endpoints of the slice."},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
};
static const schema_field_t t_HostPathVolumeSource_f[] = {
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "type",
     STR,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ImageVolumeSource_f[] = {
    {.name = "pullPolicy", STR},
    {.name = "reference", STR},
};
static const schema_field_t t_ISCSIVolumeSource_f[] = {
    {.name = "chapAuthDiscovery", BOOL},
    {.name = "chapAuthSession", BOOL},
    {.name = "fsType", STR},
    {.name = "initiatorName", STR},
    {.name = "iqn", STR, .flags = REQ},
    {.name = "iscsiInterface", STR},
    {.name = "lun", I32, .flags = REQ},
    {.name = "portals", ARR(STR), .flags = LATOMIC},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference)},
    {.name = "targetPortal", STR, .flags = REQ},
};
static const schema_field_t t_NFSVolumeSource_f[] = {
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "server", STR, .flags = REQ},
};
static const schema_field_t t_PersistentVolumeClaimVolumeSource_f[] = {
    {.name = "claimName", STR, .flags = REQ},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
};
static const schema_field_t t_PhotonPersistentDiskVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "pdID", STR, .flags = REQ},
};
static const schema_field_t t_PortworxVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "volumeID", STR, .flags = REQ},
};
static const schema_field_t t_ProjectedVolumeSource_f[] = {
    {.name = "defaultMode", I32},
    {.name = "sources", ARR(REF(t_VolumeProjection)), .flags = LATOMIC},
};
static const schema_field_t t_VolumeProjection_f[] = {
    {.name = "clusterTrustBundle", REF(t_ClusterTrustBundleProjection)},
    {.name = "configMap", REF(t_ConfigMapProjection), .desc = "A ConfigMap's keys as files."},
    {.name = "downwardAPI", REF(t_DownwardAPIProjection), .desc = "Pod fields as files."},
    {.name = "podCertificate", REF(t_PodCertificateProjection)},
    {.name = "secret", REF(t_SecretProjection), .desc = "A Secret's keys as files."},
    {.name = "serviceAccountToken", REF(t_ServiceAccountTokenProjection)},
};
static const schema_field_t t_ClusterTrustBundleProjection_f[] = {
    {.name = "labelSelector", REF(t_LabelSelector)},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "signerName", STR},
};
static const schema_field_t t_ConfigMapProjection_f[] = {
    {.name = "items", ARR(REF(t_KeyToPath)), .flags = LATOMIC, .desc = "The members of the list."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_DownwardAPIProjection_f[] = {
    {.name = "items",
     ARR(REF(t_DownwardAPIVolumeFile)),
     .flags = LATOMIC,
     .desc = "The members of the list."},
};
static const schema_field_t t_PodCertificateProjection_f[] = {
    {.name = "certificateChainPath", STR},
    {.name = "credentialBundlePath", STR},
    {.name = "keyPath", STR},
    {.name = "keyType", STR, .flags = REQ},
    {.name = "maxExpirationSeconds", I32},
    {.name = "signerName", STR, .flags = REQ},
};
static const schema_field_t t_SecretProjection_f[] = {
    {.name = "items", ARR(REF(t_KeyToPath)), .flags = LATOMIC, .desc = "The members of the list."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "optional", BOOL},
};
static const schema_field_t t_ServiceAccountTokenProjection_f[] = {
    {.name = "audience", STR},
    {.name = "expirationSeconds", I64},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
};
static const schema_field_t t_QuobyteVolumeSource_f[] = {
    {.name = "group", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "registry", STR, .flags = REQ},
    {.name = "tenant", STR},
    {.name = "user", STR},
    {.name = "volume", STR, .flags = REQ},
};
static const schema_field_t t_RBDVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "image", STR, .flags = REQ, .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "keyring", STR},
    {.name = "monitors", ARR(STR), .flags = REQ | LATOMIC},
    {.name = "pool", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference)},
    {.name = "user", STR},
};
static const schema_field_t t_ScaleIOVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "gateway", STR, .flags = REQ},
    {.name = "protectionDomain", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference), .flags = REQ},
    {.name = "sslEnabled", BOOL},
    {.name = "storageMode", STR},
    {.name = "storagePool", STR},
    {.name = "system", STR, .flags = REQ},
    {.name = "volumeName", STR, .desc = "The PersistentVolume bound to the claim."},
};
static const schema_field_t t_SecretVolumeSource_f[] = {
    {.name = "defaultMode", I32},
    {.name = "items", ARR(REF(t_KeyToPath)), .flags = LATOMIC, .desc = "The members of the list."},
    {.name = "optional", BOOL},
    {.name = "secretName", STR},
};
static const schema_field_t t_StorageOSVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_LocalObjectReference)},
    {.name = "volumeName", STR, .desc = "The PersistentVolume bound to the claim."},
    {.name = "volumeNamespace", STR},
};
static const schema_field_t t_VsphereVirtualDiskVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "storagePolicyID", STR},
    {.name = "storagePolicyName", STR},
    {.name = "volumePath", STR, .flags = REQ},
};
static const schema_field_t t_PodStatus_f[] = {
    {.name = "conditions",
     ARR(REF(t_PodCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "containerStatuses",
     ARR(REF(t_ContainerStatus)),
     .flags = LATOMIC,
     .desc = "Status of each container."},
    {.name = "ephemeralContainerStatuses",
     ARR(REF(t_ContainerStatus)),
     .flags = LATOMIC,
     .desc = "Status of each ephemeral container."},
    {.name = "extendedResourceClaimStatus", REF(t_PodExtendedResourceClaimStatus)},
    {.name = "hostIP", STR, .desc = "IP of the node the pod runs on."},
    {.name = "hostIPs",
     ARR(REF(t_HostIP)),
     .flags = PM | LATOMIC,
     .merge_key = "ip",
     .desc = "IPs of the node the pod runs on."},
    {.name = "initContainerStatuses",
     ARR(REF(t_ContainerStatus)),
     .flags = LATOMIC,
     .desc = "Status of each init container."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "nominatedNodeName", STR, .desc = "Node where the pod may run after preemption."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "phase",
     STR,
     .enums = LIST("Failed", "Pending", "Running", "Succeeded", "Unknown"),
     .desc = "Coarse summary of the lifecycle state."},
    {.name = "podIP", STR, .desc = "IP address allocated to the pod."},
    {.name = "podIPs",
     ARR(REF(t_PodIP)),
     .flags = PM | LMAP,
     .merge_key = "ip",
     .map_keys = "ip",
     .desc = "IP addresses allocated to the pod (one per family)."},
    {.name = "qosClass", STR, .desc = "Quality of service class derived from the resources."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "resize", STR},
    {.name = "resourceClaimStatuses",
     ARR(REF(t_PodResourceClaimStatus)),
     .flags = PM | PRK | LMAP,
     .merge_key = "name",
     .map_keys = "name"},
    {.name = "startTime",
     REF(t_Time),
     .desc = "When the object was acknowledged by the node or controller."},
};
static const schema_field_t t_PodCondition_f[] = {
    {.name = "lastProbeTime", REF(t_Time), .desc = "When the condition was last probed."},
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ContainerStatus_f[] = {
    {.name = "allocatedResources", MAP(REF(t_Quantity))},
    {.name = "allocatedResourcesStatus",
     ARR(REF(t_ResourceStatus)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name"},
    {.name = "containerID", STR, .desc = "Runtime ID of the container (runtime://id)."},
    {.name = "image", STR, .flags = REQ, .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "imageID", STR, .flags = REQ, .desc = "Image digest the container runs."},
    {.name = "lastState", REF(t_ContainerState), .desc = "Previous termination of the container."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "ready", BOOL, .flags = REQ, .desc = "Whether it is ready."},
    {.name = "resources",
     REF(t_ResourceRequirements),
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "restartCount", I32, .flags = REQ, .desc = "Times the container has been restarted."},
    {.name = "started", BOOL, .desc = "Whether the startup probe (if any) has passed."},
    {.name = "state", REF(t_ContainerState), .desc = "Current state of the container."},
    {.name = "stopSignal", STR},
    {.name = "user", REF(t_ContainerUser)},
    {.name = "volumeMounts",
     ARR(REF(t_VolumeMountStatus)),
     .flags = PM | LMAP,
     .merge_key = "mountPath",
     .map_keys = "mountPath",
     .desc = "Volumes mounted into the container's filesystem."},
};
static const schema_field_t t_ResourceStatus_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "resources",
     ARR(REF(t_ResourceHealth)),
     .flags = LMAP,
     .map_keys = "resourceID",
     .desc = "Compute resources (cpu, memory) requested and limited."},
};
static const schema_field_t t_ResourceHealth_f[] = {
    {.name = "health", STR},
    {.name = "resourceID", STR, .flags = REQ},
};
static const schema_field_t t_ContainerState_f[] = {
    {.name = "running", REF(t_ContainerStateRunning)},
    {.name = "terminated", REF(t_ContainerStateTerminated)},
    {.name = "waiting", REF(t_ContainerStateWaiting)},
};
static const schema_field_t t_ContainerStateRunning_f[] = {
    {.name = "startedAt", REF(t_Time)},
};
static const schema_field_t t_ContainerStateTerminated_f[] = {
    {.name = "containerID", STR, .desc = "Runtime ID of the container (runtime://id)."},
    {.name = "exitCode", I32, .flags = REQ},
    {.name = "finishedAt", REF(t_Time)},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "signal", I32},
    {.name = "startedAt", REF(t_Time)},
};
static const schema_field_t t_ContainerStateWaiting_f[] = {
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
};
static const schema_field_t t_ContainerUser_f[] = {
    {.name = "linux", REF(t_LinuxContainerUser)},
};
static const schema_field_t t_LinuxContainerUser_f[] = {
    {.name = "gid", I64, .flags = REQ},
    {.name = "supplementalGroups",
     ARR(I64),
     .flags = LATOMIC,
     .desc = "Extra group IDs of the pod's processes."},
    {.name = "uid",
     I64,
     .flags = REQ,
     .desc = "Unique identifier assigned by the server at creation; never reused."},
};
static const schema_field_t t_VolumeMountStatus_f[] = {
    {.name = "mountPath",
     STR,
     .flags = REQ,
     .desc = "Path inside the container where the volume is mounted."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "recursiveReadOnly", STR},
};
static const schema_field_t t_PodExtendedResourceClaimStatus_f[] = {
    {.name = "requestMappings",
     ARR(REF(t_ContainerExtendedResourceRequest)),
     .flags = REQ | LATOMIC},
    {.name = "resourceClaimName", STR, .flags = REQ},
};
static const schema_field_t t_ContainerExtendedResourceRequest_f[] = {
    {.name = "containerName", STR, .flags = REQ},
    {.name = "requestName", STR, .flags = REQ},
    {.name = "resourceName", STR, .flags = REQ},
};
static const schema_field_t t_HostIP_f[] = {
    {.name = "ip", STR, .flags = REQ},
};
static const schema_field_t t_PodIP_f[] = {
    {.name = "ip", STR, .flags = REQ},
};
static const schema_field_t t_PodResourceClaimStatus_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "resourceClaimName", STR},
};
static const schema_field_t t_Node_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_NodeSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_NodeStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_NodeSpec_f[] = {
    {.name = "configSource", REF(t_NodeConfigSource)},
    {.name = "externalID", STR},
    {.name = "podCIDR", STR, .desc = "Pod IP range assigned to the node."},
    {.name = "podCIDRs",
     ARR(STR),
     .flags = PM | LSET,
     .desc = "Pod IP ranges assigned to the node, one per family."},
    {.name = "providerID", STR, .desc = "Cloud provider ID of the node."},
    {.name = "taints",
     ARR(REF(t_Taint)),
     .flags = LATOMIC,
     .desc = "Taints that repel pods not tolerating them."},
    {.name = "unschedulable", BOOL, .desc = "Stop new pods from being scheduled on the node."},
};
static const schema_field_t t_NodeConfigSource_f[] = {
    {.name = "configMap", REF(t_ConfigMapNodeConfigSource), .desc = "A ConfigMap's keys as files."},
};
static const schema_field_t t_ConfigMapNodeConfigSource_f[] = {
    {.name = "kubeletConfigKey", STR, .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .flags = REQ,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
    {.name = "resourceVersion",
     STR,
     .desc = "Opaque version of the object, changed on every write; used for optimistic "
             "concurrency and watches."},
    {.name = "uid",
     STR,
     .desc = "Unique identifier assigned by the server at creation; never reused."},
};
static const schema_field_t t_Taint_f[] = {
    {.name = "effect",
     STR,
     .flags = REQ,
     .enums = LIST("NoExecute", "NoSchedule", "PreferNoSchedule"),
     .desc = "What happens to pods that do not tolerate the taint."},
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "timeAdded", REF(t_Time)},
    {.name = "value", STR, .desc = "The value."},
};
static const schema_field_t t_NodeStatus_f[] = {
    {.name = "addresses",
     ARR(REF(t_NodeAddress)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "IP addresses."},
    {.name = "allocatable", MAP(REF(t_Quantity)), .desc = "Resources available to pods."},
    {.name = "capacity", MAP(REF(t_Quantity)), .desc = "Total resources."},
    {.name = "conditions",
     ARR(REF(t_NodeCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "config", REF(t_NodeConfigStatus)},
    {.name = "daemonEndpoints", REF(t_NodeDaemonEndpoints), .desc = "Ports of the node's kubelet."},
    {.name = "features", REF(t_NodeFeatures)},
    {.name = "images",
     ARR(REF(t_ContainerImage)),
     .flags = LATOMIC,
     .desc = "Images present on the node."},
    {.name = "nodeInfo",
     REF(t_NodeSystemInfo),
     .desc = "Versions and identifiers reported by the node."},
    {.name = "phase", STR, .desc = "Coarse summary of the lifecycle state."},
    {.name = "runtimeHandlers", ARR(REF(t_NodeRuntimeHandler)), .flags = LATOMIC},
    {.name = "volumesAttached", ARR(REF(t_AttachedVolume)), .flags = LATOMIC},
    {.name = "volumesInUse", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_NodeAddress_f[] = {
    {.name = "address", STR, .flags = REQ},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_NodeCondition_f[] = {
    {.name = "lastHeartbeatTime", REF(t_Time)},
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_NodeConfigStatus_f[] = {
    {.name = "active", REF(t_NodeConfigSource), .desc = "Pods currently running."},
    {.name = "assigned", REF(t_NodeConfigSource)},
    {.name = "error", STR},
    {.name = "lastKnownGood", REF(t_NodeConfigSource)},
};
static const schema_field_t t_NodeDaemonEndpoints_f[] = {
    {.name = "kubeletEndpoint", REF(t_DaemonEndpoint)},
};
static const schema_field_t t_DaemonEndpoint_f[] = {
    {.name = "Port", I32, .flags = REQ},
};
static const schema_field_t t_NodeFeatures_f[] = {
    {.name = "supplementalGroupsPolicy", BOOL},
};
static const schema_field_t t_ContainerImage_f[] = {
    {.name = "names", ARR(STR), .flags = LATOMIC},
    {.name = "sizeBytes", I64},
};
static const schema_field_t t_NodeSystemInfo_f[] = {
    {.name = "architecture", STR, .flags = REQ},
    {.name = "bootID", STR, .flags = REQ},
    {.name = "containerRuntimeVersion", STR, .flags = REQ},
    {.name = "kernelVersion", STR, .flags = REQ},
    {.name = "kubeProxyVersion", STR, .flags = REQ},
    {.name = "kubeletVersion", STR, .flags = REQ},
    {.name = "machineID", STR, .flags = REQ},
    {.name = "operatingSystem", STR, .flags = REQ},
    {.name = "osImage", STR, .flags = REQ},
    {.name = "swap", REF(t_NodeSwapStatus)},
    {.name = "systemUUID", STR, .flags = REQ},
};
static const schema_field_t t_NodeSwapStatus_f[] = {
    {.name = "capacity", I64, .desc = "Total resources."},
};
static const schema_field_t t_NodeRuntimeHandler_f[] = {
    {.name = "features", REF(t_NodeRuntimeHandlerFeatures)},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_NodeRuntimeHandlerFeatures_f[] = {
    {.name = "recursiveReadOnlyMounts", BOOL},
    {.name = "userNamespaces", BOOL},
};
static const schema_field_t t_AttachedVolume_f[] = {
    {.name = "devicePath", STR, .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_Service_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_ServiceSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_ServiceStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_ServiceSpec_f[] = {
    {.name = "allocateLoadBalancerNodePorts",
     BOOL,
     .desc = "Allocate node ports for a LoadBalancer service."},
    {.name = "clusterIP", STR, .desc = "Virtual IP of the service; None for a headless service."},
    {.name = "clusterIPs",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Virtual IPs of the service, one per family."},
    {.name = "externalIPs",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Extra IPs on which nodes accept traffic for the service."},
    {.name = "externalName", STR, .desc = "DNS name the service aliases (type ExternalName)."},
    {.name = "externalTrafficPolicy",
     STR,
     .desc =
         "Whether external traffic goes to node-local endpoints only (Local) or to all (Cluster)."},
    {.name = "healthCheckNodePort",
     I32,
     .desc = "Node port answering health checks for Local external traffic."},
    {.name = "internalTrafficPolicy",
     STR,
     .desc = "Whether in-cluster traffic goes to node-local endpoints only (Local) or to all "
             "(Cluster)."},
    {.name = "ipFamilies",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "IP families (IPv4, IPv6) of the service's cluster IPs."},
    {.name = "ipFamilyPolicy", STR, .desc = "SingleStack, PreferDualStack or RequireDualStack."},
    {.name = "loadBalancerClass", STR, .desc = "Load balancer implementation to use."},
    {.name = "loadBalancerIP", STR, .desc = "Requested load balancer IP (deprecated)."},
    {.name = "loadBalancerSourceRanges",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Client CIDRs allowed through the load balancer."},
    {.name = "ports",
     ARR(REF(t_ServicePort)),
     .flags = PM | LMAP,
     .merge_key = "port",
     .map_keys = "port,protocol",
     .desc = "Ports exposed (containers) or served (services)."},
    {.name = "publishNotReadyAddresses",
     BOOL,
     .desc = "Publish endpoints of pods that are not ready."},
    {.name = "selector",
     MAP(STR),
     .flags = MATOMIC,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "sessionAffinity",
     STR,
     .enums = LIST("ClientIP", "None"),
     .desc = "ClientIP to keep a client on one endpoint, or None."},
    {.name = "sessionAffinityConfig",
     REF(t_SessionAffinityConfig),
     .desc = "Settings of session affinity (timeout)."},
    {.name = "trafficDistribution", STR},
    {.name = "type",
     STR,
     .enums = LIST("ClusterIP", "ExternalName", "LoadBalancer", "NodePort"),
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ServicePort_f[] = {
    {.name = "appProtocol", STR, .desc = "Application protocol of the port (a hint for proxies)."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "nodePort",
     I32,
     .desc = "Port opened on every node for NodePort and LoadBalancer services."},
    {.name = "port", I32, .flags = REQ, .desc = "Port number."},
    {.name = "protocol",
     STR,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
    {.name = "targetPort",
     REF(t_IntOrString),
     .desc = "Port (number or name) on the pods that traffic is sent to."},
};
static const schema_field_t t_SessionAffinityConfig_f[] = {
    {.name = "clientIP", REF(t_ClientIPConfig)},
};
static const schema_field_t t_ClientIPConfig_f[] = {
    {.name = "timeoutSeconds", I32, .desc = "Seconds before the check (or request) times out."},
};
static const schema_field_t t_ServiceStatus_f[] = {
    {.name = "conditions",
     ARR(REF(t_Condition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "loadBalancer", REF(t_LoadBalancerStatus), .desc = "The load balancer's status."},
};
static const schema_field_t t_Condition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .flags = REQ,
     .desc = "When the condition last changed from one status to another."},
    {.name = "message",
     STR,
     .flags = REQ,
     .desc = "Human-readable explanation of the current state."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "reason",
     STR,
     .flags = REQ,
     .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_LoadBalancerStatus_f[] = {
    {.name = "ingress", ARR(REF(t_LoadBalancerIngress)), .flags = LATOMIC},
};
static const schema_field_t t_LoadBalancerIngress_f[] = {
    {.name = "hostname", STR, .desc = "Hostname of the pod; defaults to its name."},
    {.name = "ip", STR},
    {.name = "ipMode", STR},
    {.name = "ports",
     ARR(REF(t_PortStatus)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
};
static const schema_field_t t_PortStatus_f[] = {
    {.name = "error", STR},
    {.name = "port", I32, .flags = REQ, .desc = "Port number."},
    {.name = "protocol",
     STR,
     .flags = REQ,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_Endpoints_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "subsets",
     ARR(REF(t_EndpointSubset)),
     .flags = LATOMIC,
     .desc = "Groups of addresses and ports backing the service."},
};
static const schema_field_t t_EndpointSubset_f[] = {
    {.name = "addresses", ARR(REF(t_EndpointAddress)), .flags = LATOMIC, .desc = "IP addresses."},
    {.name = "notReadyAddresses", ARR(REF(t_EndpointAddress)), .flags = LATOMIC},
    {.name = "ports",
     ARR(REF(t_core_v1_EndpointPort)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
};
static const schema_field_t t_EndpointAddress_f[] = {
    {.name = "hostname", STR, .desc = "Hostname of the pod; defaults to its name."},
    {.name = "ip", STR, .flags = REQ},
    {.name = "nodeName", STR, .desc = "The node the pod is bound to; set by the scheduler."},
    {.name = "targetRef", REF(t_ObjectReference)},
};
static const schema_field_t t_ObjectReference_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "fieldPath", STR},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
    {.name = "resourceVersion",
     STR,
     .desc = "Opaque version of the object, changed on every write; used for optimistic "
             "concurrency and watches."},
    {.name = "uid",
     STR,
     .desc = "Unique identifier assigned by the server at creation; never reused."},
};
static const schema_field_t t_core_v1_EndpointPort_f[] = {
    {.name = "appProtocol", STR, .desc = "Application protocol of the port (a hint for proxies)."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "port", I32, .flags = REQ, .desc = "Port number."},
    {.name = "protocol",
     STR,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_ConfigMap_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "binaryData", MAP(BYTES), .desc = "Binary payload, key to base64 value."},
    {.name = "data", MAP(STR), .desc = "The payload, key to value."},
    {.name = "immutable", BOOL, .desc = "When true, the payload can no longer be changed."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
};
static const schema_field_t t_Secret_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "data", MAP(BYTES), .desc = "The payload, key to value."},
    {.name = "immutable", BOOL, .desc = "When true, the payload can no longer be changed."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "stringData",
     MAP(STR),
     .desc = "Write-only convenience: plain-text values merged into data."},
    {.name = "type",
     STR,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ServiceAccount_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "automountServiceAccountToken",
     BOOL,
     .desc = "Mount the service account's API token into the pod."},
    {.name = "imagePullSecrets",
     ARR(REF(t_LocalObjectReference)),
     .flags = LATOMIC,
     .desc = "Secrets holding credentials for pulling images."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "secrets",
     ARR(REF(t_ObjectReference)),
     .flags = PM | LMAP,
     .merge_key = "name",
     .map_keys = "name",
     .desc = "Secrets usable by pods running as this account."},
};
static const schema_field_t t_Event_f[] = {
    {.name = "action", STR},
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "count", I32, .desc = "How many times the event occurred."},
    {.name = "eventTime", REF(t_MicroTime)},
    {.name = "firstTimestamp", REF(t_Time), .desc = "When the event was first seen."},
    {.name = "involvedObject",
     REF(t_ObjectReference),
     .flags = REQ,
     .desc = "The object the event is about."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "lastTimestamp", REF(t_Time), .desc = "When the event was last seen."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .flags = REQ,
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "related", REF(t_ObjectReference)},
    {.name = "reportingComponent", STR},
    {.name = "reportingInstance", STR},
    {.name = "series", REF(t_EventSeries)},
    {.name = "source", REF(t_EventSource), .desc = "Component that reported the event."},
    {.name = "type",
     STR,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_EventSeries_f[] = {
    {.name = "count", I32, .desc = "How many times the event occurred."},
    {.name = "lastObservedTime", REF(t_MicroTime)},
};
static const schema_field_t t_EventSource_f[] = {
    {.name = "component", STR},
    {.name = "host", STR, .desc = "Host name or IP to connect to."},
};
static const schema_field_t t_ReplicationController_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_ReplicationControllerSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_ReplicationControllerStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_ReplicationControllerSpec_f[] = {
    {.name = "minReadySeconds",
     I32,
     .desc = "Seconds a new pod must be ready before it counts as available."},
    {.name = "replicas", I32, .desc = "Desired number of pod copies."},
    {.name = "selector",
     MAP(STR),
     .flags = MATOMIC,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "template", REF(t_PodTemplateSpec), .desc = "Pod template used to create new pods."},
};
static const schema_field_t t_PodTemplateSpec_f[] = {
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_PodSpec), .desc = "The desired state, written by the user."},
};
static const schema_field_t t_ReplicationControllerStatus_f[] = {
    {.name = "availableReplicas",
     I32,
     .desc = "Pods that have been ready for at least minReadySeconds."},
    {.name = "conditions",
     ARR(REF(t_ReplicationControllerCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "fullyLabeledReplicas", I32, .desc = "Pods whose labels match the template's labels."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "readyReplicas", I32, .desc = "Pods that are ready."},
    {.name = "replicas", I32, .flags = REQ, .desc = "Desired number of pod copies."},
};
static const schema_field_t t_ReplicationControllerCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_PersistentVolume_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_PersistentVolumeSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_PersistentVolumeStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_PersistentVolumeSpec_f[] = {
    {.name = "accessModes", ARR(STR), .flags = LATOMIC, .desc = "Ways the volume can be mounted."},
    {.name = "awsElasticBlockStore", REF(t_AWSElasticBlockStoreVolumeSource)},
    {.name = "azureDisk", REF(t_AzureDiskVolumeSource)},
    {.name = "azureFile", REF(t_AzureFilePersistentVolumeSource)},
    {.name = "capacity", MAP(REF(t_Quantity)), .desc = "Total resources."},
    {.name = "cephfs", REF(t_CephFSPersistentVolumeSource)},
    {.name = "cinder", REF(t_CinderPersistentVolumeSource)},
    {.name = "claimRef", REF(t_ObjectReference), .flags = MGRANULAR},
    {.name = "csi", REF(t_CSIPersistentVolumeSource), .desc = "Storage from a CSI driver."},
    {.name = "fc", REF(t_FCVolumeSource)},
    {.name = "flexVolume", REF(t_FlexPersistentVolumeSource)},
    {.name = "flocker", REF(t_FlockerVolumeSource)},
    {.name = "gcePersistentDisk", REF(t_GCEPersistentDiskVolumeSource)},
    {.name = "glusterfs", REF(t_GlusterfsPersistentVolumeSource)},
    {.name = "hostPath", REF(t_HostPathVolumeSource), .desc = "A file or directory of the node."},
    {.name = "iscsi", REF(t_ISCSIPersistentVolumeSource)},
    {.name = "local", REF(t_LocalVolumeSource)},
    {.name = "mountOptions", ARR(STR), .flags = LATOMIC},
    {.name = "nfs", REF(t_NFSVolumeSource), .desc = "An NFS export."},
    {.name = "nodeAffinity", REF(t_VolumeNodeAffinity)},
    {.name = "persistentVolumeReclaimPolicy", STR},
    {.name = "photonPersistentDisk", REF(t_PhotonPersistentDiskVolumeSource)},
    {.name = "portworxVolume", REF(t_PortworxVolumeSource)},
    {.name = "quobyte", REF(t_QuobyteVolumeSource)},
    {.name = "rbd", REF(t_RBDPersistentVolumeSource)},
    {.name = "scaleIO", REF(t_ScaleIOPersistentVolumeSource)},
    {.name = "storageClassName", STR, .desc = "StorageClass that provisions the volume."},
    {.name = "storageos", REF(t_StorageOSPersistentVolumeSource)},
    {.name = "volumeAttributesClassName", STR},
    {.name = "volumeMode", STR},
    {.name = "vsphereVolume", REF(t_VsphereVirtualDiskVolumeSource)},
};
static const schema_field_t t_AzureFilePersistentVolumeSource_f[] = {
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretName", STR, .flags = REQ},
    {.name = "secretNamespace", STR},
    {.name = "shareName", STR, .flags = REQ},
};
static const schema_field_t t_CephFSPersistentVolumeSource_f[] = {
    {.name = "monitors", ARR(STR), .flags = REQ | LATOMIC},
    {.name = "path", STR, .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretFile", STR},
    {.name = "secretRef", REF(t_SecretReference)},
    {.name = "user", STR},
};
static const schema_field_t t_SecretReference_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
};
static const schema_field_t t_CinderPersistentVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_SecretReference)},
    {.name = "volumeID", STR, .flags = REQ},
};
static const schema_field_t t_CSIPersistentVolumeSource_f[] = {
    {.name = "controllerExpandSecretRef", REF(t_SecretReference)},
    {.name = "controllerPublishSecretRef", REF(t_SecretReference)},
    {.name = "driver", STR, .flags = REQ},
    {.name = "fsType", STR},
    {.name = "nodeExpandSecretRef", REF(t_SecretReference)},
    {.name = "nodePublishSecretRef", REF(t_SecretReference)},
    {.name = "nodeStageSecretRef", REF(t_SecretReference)},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "volumeAttributes", MAP(STR)},
    {.name = "volumeHandle", STR, .flags = REQ},
};
static const schema_field_t t_FlexPersistentVolumeSource_f[] = {
    {.name = "driver", STR, .flags = REQ},
    {.name = "fsType", STR},
    {.name = "options", MAP(STR)},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_SecretReference)},
};
static const schema_field_t t_GlusterfsPersistentVolumeSource_f[] = {
    {.name = "endpoints", STR, .flags = REQ, .desc = "Network endpoints of the slice."},
    {.name = "endpointsNamespace", STR},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
};
static const schema_field_t t_ISCSIPersistentVolumeSource_f[] = {
    {.name = "chapAuthDiscovery", BOOL},
    {.name = "chapAuthSession", BOOL},
    {.name = "fsType", STR},
    {.name = "initiatorName", STR},
    {.name = "iqn", STR, .flags = REQ},
    {.name = "iscsiInterface", STR},
    {.name = "lun", I32, .flags = REQ},
    {.name = "portals", ARR(STR), .flags = LATOMIC},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_SecretReference)},
    {.name = "targetPortal", STR, .flags = REQ},
};
static const schema_field_t t_LocalVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "path",
     STR,
     .flags = REQ,
     .desc = "Path (URL path or file path, depending on the owner)."},
};
static const schema_field_t t_VolumeNodeAffinity_f[] = {
    {.name = "required", REF(t_NodeSelector)},
};
static const schema_field_t t_RBDPersistentVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "image", STR, .flags = REQ, .desc = "Container image reference, e.g. nginx:1.27."},
    {.name = "keyring", STR},
    {.name = "monitors", ARR(STR), .flags = REQ | LATOMIC},
    {.name = "pool", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_SecretReference)},
    {.name = "user", STR},
};
static const schema_field_t t_ScaleIOPersistentVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "gateway", STR, .flags = REQ},
    {.name = "protectionDomain", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_SecretReference), .flags = REQ},
    {.name = "sslEnabled", BOOL},
    {.name = "storageMode", STR},
    {.name = "storagePool", STR},
    {.name = "system", STR, .flags = REQ},
    {.name = "volumeName", STR, .desc = "The PersistentVolume bound to the claim."},
};
static const schema_field_t t_StorageOSPersistentVolumeSource_f[] = {
    {.name = "fsType", STR},
    {.name = "readOnly", BOOL, .desc = "Mount or use read-only."},
    {.name = "secretRef", REF(t_ObjectReference)},
    {.name = "volumeName", STR, .desc = "The PersistentVolume bound to the claim."},
    {.name = "volumeNamespace", STR},
};
static const schema_field_t t_PersistentVolumeStatus_f[] = {
    {.name = "lastPhaseTransitionTime", REF(t_Time)},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "phase", STR, .desc = "Coarse summary of the lifecycle state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
};
static const schema_field_t t_PersistentVolumeClaim_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_PersistentVolumeClaimSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_PersistentVolumeClaimStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_PersistentVolumeClaimStatus_f[] = {
    {.name = "accessModes", ARR(STR), .flags = LATOMIC, .desc = "Ways the volume can be mounted."},
    {.name = "allocatedResourceStatuses", MAP(STR), .flags = MGRANULAR},
    {.name = "allocatedResources", MAP(REF(t_Quantity))},
    {.name = "capacity", MAP(REF(t_Quantity)), .desc = "Total resources."},
    {.name = "conditions",
     ARR(REF(t_PersistentVolumeClaimCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "currentVolumeAttributesClassName", STR},
    {.name = "modifyVolumeStatus", REF(t_ModifyVolumeStatus)},
    {.name = "phase", STR, .desc = "Coarse summary of the lifecycle state."},
};
static const schema_field_t t_PersistentVolumeClaimCondition_f[] = {
    {.name = "lastProbeTime", REF(t_Time), .desc = "When the condition was last probed."},
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ModifyVolumeStatus_f[] = {
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "targetVolumeAttributesClassName", STR},
};
static const schema_field_t t_ResourceQuota_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_ResourceQuotaSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_ResourceQuotaStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_ResourceQuotaSpec_f[] = {
    {.name = "hard", MAP(REF(t_Quantity)), .desc = "Resource limits enforced for the namespace."},
    {.name = "scopeSelector", REF(t_ScopeSelector)},
    {.name = "scopes", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_ScopeSelector_f[] = {
    {.name = "matchExpressions",
     ARR(REF(t_ScopedResourceSelectorRequirement)),
     .flags = LATOMIC,
     .desc = "Set-based label requirements, all of which must hold."},
};
static const schema_field_t t_ScopedResourceSelectorRequirement_f[] = {
    {.name = "operator", STR, .flags = REQ, .desc = "How the key relates to the values."},
    {.name = "scopeName", STR, .flags = REQ},
    {.name = "values", ARR(STR), .flags = LATOMIC, .desc = "The values."},
};
static const schema_field_t t_ResourceQuotaStatus_f[] = {
    {.name = "hard", MAP(REF(t_Quantity)), .desc = "Resource limits enforced for the namespace."},
    {.name = "used", MAP(REF(t_Quantity)), .desc = "Resources currently used in the namespace."},
};
static const schema_field_t t_LimitRange_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_LimitRangeSpec), .desc = "The desired state, written by the user."},
};
static const schema_field_t t_LimitRangeSpec_f[] = {
    {.name = "limits",
     ARR(REF(t_LimitRangeItem)),
     .flags = REQ | LATOMIC,
     .desc = "Maximum resources allowed."},
};
static const schema_field_t t_LimitRangeItem_f[] = {
    {.name = "default", MAP(REF(t_Quantity))},
    {.name = "defaultRequest", MAP(REF(t_Quantity))},
    {.name = "max", MAP(REF(t_Quantity))},
    {.name = "maxLimitRequestRatio", MAP(REF(t_Quantity))},
    {.name = "min", MAP(REF(t_Quantity))},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_Deployment_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_DeploymentSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_DeploymentStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_DeploymentSpec_f[] = {
    {.name = "minReadySeconds",
     I32,
     .desc = "Seconds a new pod must be ready before it counts as available."},
    {.name = "paused", BOOL, .desc = "Stop rolling out template changes."},
    {.name = "progressDeadlineSeconds",
     I32,
     .desc = "Seconds before a stalled rollout is reported as failed."},
    {.name = "replicas", I32, .desc = "Desired number of pod copies."},
    {.name = "revisionHistoryLimit", I32, .desc = "Old revisions kept for rollback."},
    {.name = "selector",
     REF(t_LabelSelector),
     .flags = REQ,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "strategy",
     REF(t_DeploymentStrategy),
     .flags = PRK,
     .desc = "How existing pods are replaced by new ones."},
    {.name = "template",
     REF(t_PodTemplateSpec),
     .flags = REQ,
     .desc = "Pod template used to create new pods."},
};
static const schema_field_t t_DeploymentStrategy_f[] = {
    {.name = "rollingUpdate",
     REF(t_RollingUpdateDeployment),
     .desc = "Parameters of a rolling update."},
    {.name = "type",
     STR,
     .enums = LIST("Recreate", "RollingUpdate"),
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_RollingUpdateDeployment_f[] = {
    {.name = "maxSurge",
     REF(t_IntOrString),
     .desc = "How many pods (or percent) may exist above the desired count during an update."},
    {.name = "maxUnavailable",
     REF(t_IntOrString),
     .desc = "How many pods (or percent) may be unavailable during an update."},
};
static const schema_field_t t_DeploymentStatus_f[] = {
    {.name = "availableReplicas",
     I32,
     .desc = "Pods that have been ready for at least minReadySeconds."},
    {.name = "collisionCount", I32, .desc = "Hash collisions seen when naming new ReplicaSets."},
    {.name = "conditions",
     ARR(REF(t_DeploymentCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "readyReplicas", I32, .desc = "Pods that are ready."},
    {.name = "replicas", I32, .desc = "Desired number of pod copies."},
    {.name = "terminatingReplicas", I32},
    {.name = "unavailableReplicas",
     I32,
     .desc = "Pods still needed for the deployment to be fully available."},
    {.name = "updatedReplicas", I32, .desc = "Pods running the current template."},
};
static const schema_field_t t_DeploymentCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "lastUpdateTime", REF(t_Time), .desc = "When the condition was last updated."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ReplicaSet_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_ReplicaSetSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_ReplicaSetStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_ReplicaSetSpec_f[] = {
    {.name = "minReadySeconds",
     I32,
     .desc = "Seconds a new pod must be ready before it counts as available."},
    {.name = "replicas", I32, .desc = "Desired number of pod copies."},
    {.name = "selector",
     REF(t_LabelSelector),
     .flags = REQ,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "template", REF(t_PodTemplateSpec), .desc = "Pod template used to create new pods."},
};
static const schema_field_t t_ReplicaSetStatus_f[] = {
    {.name = "availableReplicas",
     I32,
     .desc = "Pods that have been ready for at least minReadySeconds."},
    {.name = "conditions",
     ARR(REF(t_ReplicaSetCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "fullyLabeledReplicas", I32, .desc = "Pods whose labels match the template's labels."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "readyReplicas", I32, .desc = "Pods that are ready."},
    {.name = "replicas", I32, .flags = REQ, .desc = "Desired number of pod copies."},
    {.name = "terminatingReplicas", I32},
};
static const schema_field_t t_ReplicaSetCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_StatefulSet_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_StatefulSetSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_StatefulSetStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_StatefulSetSpec_f[] = {
    {.name = "minReadySeconds",
     I32,
     .desc = "Seconds a new pod must be ready before it counts as available."},
    {.name = "ordinals", REF(t_StatefulSetOrdinals), .desc = "Numbering of the set's replicas."},
    {.name = "persistentVolumeClaimRetentionPolicy",
     REF(t_StatefulSetPersistentVolumeClaimRetentionPolicy),
     .desc = "Whether the set's claims are deleted when it is deleted or scaled down."},
    {.name = "podManagementPolicy",
     STR,
     .enums = LIST("OrderedReady", "Parallel"),
     .desc = "Whether pods are created in order or all at once."},
    {.name = "replicas", I32, .desc = "Desired number of pod copies."},
    {.name = "revisionHistoryLimit", I32, .desc = "Old revisions kept for rollback."},
    {.name = "selector",
     REF(t_LabelSelector),
     .flags = REQ,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "serviceName", STR, .desc = "Governing service of the set."},
    {.name = "template",
     REF(t_PodTemplateSpec),
     .flags = REQ,
     .desc = "Pod template used to create new pods."},
    {.name = "updateStrategy",
     REF(t_StatefulSetUpdateStrategy),
     .desc = "How pods are replaced when the template changes."},
    {.name = "volumeClaimTemplates",
     ARR(REF(t_PersistentVolumeClaim)),
     .flags = LATOMIC,
     .desc = "Claims created for each pod of the set."},
};
static const schema_field_t t_StatefulSetOrdinals_f[] = {
    {.name = "start", I32},
};
static const schema_field_t t_StatefulSetPersistentVolumeClaimRetentionPolicy_f[] = {
    {.name = "whenDeleted", STR},
    {.name = "whenScaled", STR},
};
static const schema_field_t t_StatefulSetUpdateStrategy_f[] = {
    {.name = "rollingUpdate",
     REF(t_RollingUpdateStatefulSetStrategy),
     .desc = "Parameters of a rolling update."},
    {.name = "type",
     STR,
     .enums = LIST("OnDelete", "RollingUpdate"),
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_RollingUpdateStatefulSetStrategy_f[] = {
    {.name = "maxUnavailable",
     REF(t_IntOrString),
     .desc = "How many pods (or percent) may be unavailable during an update."},
    {.name = "partition", I32},
};
static const schema_field_t t_StatefulSetStatus_f[] = {
    {.name = "availableReplicas",
     I32,
     .desc = "Pods that have been ready for at least minReadySeconds."},
    {.name = "collisionCount", I32, .desc = "Hash collisions seen when naming new ReplicaSets."},
    {.name = "conditions",
     ARR(REF(t_StatefulSetCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "currentReplicas", I32, .desc = "Pods of the current revision."},
    {.name = "currentRevision", STR, .desc = "Revision of the pods being replaced."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "readyReplicas", I32, .desc = "Pods that are ready."},
    {.name = "replicas", I32, .flags = REQ, .desc = "Desired number of pod copies."},
    {.name = "updateRevision", STR, .desc = "Revision of the pods being rolled out."},
    {.name = "updatedReplicas", I32, .desc = "Pods running the current template."},
};
static const schema_field_t t_StatefulSetCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_DaemonSet_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_DaemonSetSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_DaemonSetStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_DaemonSetSpec_f[] = {
    {.name = "minReadySeconds",
     I32,
     .desc = "Seconds a new pod must be ready before it counts as available."},
    {.name = "revisionHistoryLimit", I32, .desc = "Old revisions kept for rollback."},
    {.name = "selector",
     REF(t_LabelSelector),
     .flags = REQ,
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "template",
     REF(t_PodTemplateSpec),
     .flags = REQ,
     .desc = "Pod template used to create new pods."},
    {.name = "updateStrategy",
     REF(t_DaemonSetUpdateStrategy),
     .desc = "How pods are replaced when the template changes."},
};
static const schema_field_t t_DaemonSetUpdateStrategy_f[] = {
    {.name = "rollingUpdate",
     REF(t_RollingUpdateDaemonSet),
     .desc = "Parameters of a rolling update."},
    {.name = "type",
     STR,
     .enums = LIST("OnDelete", "RollingUpdate"),
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_RollingUpdateDaemonSet_f[] = {
    {.name = "maxSurge",
     REF(t_IntOrString),
     .desc = "How many pods (or percent) may exist above the desired count during an update."},
    {.name = "maxUnavailable",
     REF(t_IntOrString),
     .desc = "How many pods (or percent) may be unavailable during an update."},
};
static const schema_field_t t_DaemonSetStatus_f[] = {
    {.name = "collisionCount", I32, .desc = "Hash collisions seen when naming new ReplicaSets."},
    {.name = "conditions",
     ARR(REF(t_DaemonSetCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "currentNumberScheduled", I32, .flags = REQ, .desc = "Nodes running the daemon pod."},
    {.name = "desiredNumberScheduled",
     I32,
     .flags = REQ,
     .desc = "Nodes that should run the daemon pod."},
    {.name = "numberAvailable", I32, .desc = "Nodes whose daemon pod is available."},
    {.name = "numberMisscheduled",
     I32,
     .flags = REQ,
     .desc = "Nodes running the daemon pod that should not."},
    {.name = "numberReady", I32, .flags = REQ, .desc = "Nodes whose daemon pod is ready."},
    {.name = "numberUnavailable", I32, .desc = "Nodes whose daemon pod is not available."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
    {.name = "updatedNumberScheduled", I32, .desc = "Nodes running the current daemon pod."},
};
static const schema_field_t t_DaemonSetCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ControllerRevision_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "data", REF(t_RawExtension), .desc = "The payload, key to value."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "revision", I64, .flags = REQ, .desc = "Revision number of this state."},
};
static const schema_field_t t_Job_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_JobSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_JobStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_JobSpec_f[] = {
    {.name = "activeDeadlineSeconds",
     I64,
     .desc = "Seconds the pod (or job) may run before being terminated."},
    {.name = "backoffLimit", I32, .desc = "Retries before the job is marked failed."},
    {.name = "backoffLimitPerIndex", I32, .desc = "Retries per index of an Indexed job."},
    {.name = "completionMode",
     STR,
     .desc = "NonIndexed or Indexed (each pod gets a completion index)."},
    {.name = "completions", I32, .desc = "Successful pods needed for the job to complete."},
    {.name = "managedBy", STR},
    {.name = "manualSelector",
     BOOL,
     .desc = "Let the user set the selector instead of generating it."},
    {.name = "maxFailedIndexes", I32},
    {.name = "parallelism", I32, .desc = "Pods running at once at most."},
    {.name = "podFailurePolicy",
     REF(t_PodFailurePolicy),
     .desc = "How pod failures count toward backoffLimit."},
    {.name = "podReplacementPolicy", STR},
    {.name = "selector",
     REF(t_LabelSelector),
     .desc = "Label query that picks the pods (or objects) this one manages."},
    {.name = "successPolicy", REF(t_SuccessPolicy)},
    {.name = "suspend", BOOL, .desc = "Stop creating new runs."},
    {.name = "template",
     REF(t_PodTemplateSpec),
     .flags = REQ,
     .desc = "Pod template used to create new pods."},
    {.name = "ttlSecondsAfterFinished",
     I32,
     .desc = "Seconds after which a finished job is deleted."},
};
static const schema_field_t t_PodFailurePolicy_f[] = {
    {.name = "rules",
     ARR(REF(t_PodFailurePolicyRule)),
     .flags = REQ | LATOMIC,
     .desc = "The rules."},
};
static const schema_field_t t_PodFailurePolicyRule_f[] = {
    {.name = "action", STR, .flags = REQ},
    {.name = "onExitCodes", REF(t_PodFailurePolicyOnExitCodesRequirement)},
    {.name = "onPodConditions",
     ARR(REF(t_PodFailurePolicyOnPodConditionsPattern)),
     .flags = LATOMIC},
};
static const schema_field_t t_PodFailurePolicyOnExitCodesRequirement_f[] = {
    {.name = "containerName", STR},
    {.name = "operator", STR, .flags = REQ, .desc = "How the key relates to the values."},
    {.name = "values", ARR(I32), .flags = REQ | LSET, .desc = "The values."},
};
static const schema_field_t t_PodFailurePolicyOnPodConditionsPattern_f[] = {
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_SuccessPolicy_f[] = {
    {.name = "rules", ARR(REF(t_SuccessPolicyRule)), .flags = REQ | LATOMIC, .desc = "The rules."},
};
static const schema_field_t t_SuccessPolicyRule_f[] = {
    {.name = "succeededCount", I32},
    {.name = "succeededIndexes", STR},
};
static const schema_field_t t_JobStatus_f[] = {
    {.name = "active", I32, .desc = "Pods currently running."},
    {.name = "completedIndexes", STR},
    {.name = "completionTime", REF(t_Time), .desc = "When the job completed."},
    {.name = "conditions",
     ARR(REF(t_JobCondition)),
     .flags = PM | LATOMIC,
     .merge_key = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "failed", I32, .desc = "Pods that failed."},
    {.name = "failedIndexes", STR},
    {.name = "ready", I32, .desc = "Whether it is ready."},
    {.name = "startTime",
     REF(t_Time),
     .desc = "When the object was acknowledged by the node or controller."},
    {.name = "succeeded", I32, .desc = "Pods that succeeded."},
    {.name = "terminating", I32},
    {.name = "uncountedTerminatedPods", REF(t_UncountedTerminatedPods)},
};
static const schema_field_t t_JobCondition_f[] = {
    {.name = "lastProbeTime", REF(t_Time), .desc = "When the condition was last probed."},
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_UncountedTerminatedPods_f[] = {
    {.name = "failed", ARR(STR), .flags = LSET, .desc = "Pods that failed."},
    {.name = "succeeded", ARR(STR), .flags = LSET, .desc = "Pods that succeeded."},
};
static const schema_field_t t_CronJob_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_CronJobSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_CronJobStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_CronJobSpec_f[] = {
    {.name = "concurrencyPolicy",
     STR,
     .enums = LIST("Allow", "Forbid", "Replace"),
     .desc = "What to do when a run is due while the previous one is still running."},
    {.name = "failedJobsHistoryLimit", I32, .desc = "Failed jobs kept."},
    {.name = "jobTemplate",
     REF(t_JobTemplateSpec),
     .flags = REQ,
     .desc = "The Job created on each run."},
    {.name = "schedule", STR, .flags = REQ, .desc = "Cron expression of when to run."},
    {.name = "startingDeadlineSeconds",
     I64,
     .desc = "Seconds after a missed schedule during which the run may still start."},
    {.name = "successfulJobsHistoryLimit", I32, .desc = "Successful jobs kept."},
    {.name = "suspend", BOOL, .desc = "Stop creating new runs."},
    {.name = "timeZone", STR, .desc = "Time zone of the schedule (e.g. Europe/Paris)."},
};
static const schema_field_t t_JobTemplateSpec_f[] = {
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_JobSpec), .desc = "The desired state, written by the user."},
};
static const schema_field_t t_CronJobStatus_f[] = {
    {.name = "active",
     ARR(REF(t_ObjectReference)),
     .flags = LATOMIC,
     .desc = "Pods currently running."},
    {.name = "lastScheduleTime", REF(t_Time), .desc = "When a job was last scheduled."},
    {.name = "lastSuccessfulTime", REF(t_Time), .desc = "When a job last succeeded."},
};
static const schema_field_t t_Lease_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_LeaseSpec), .desc = "The desired state, written by the user."},
};
static const schema_field_t t_LeaseSpec_f[] = {
    {.name = "acquireTime",
     REF(t_MicroTime),
     .desc = "When the current holder acquired the lease."},
    {.name = "holderIdentity", STR, .desc = "Current holder of the lease."},
    {.name = "leaseDurationSeconds", I32, .desc = "Seconds the lease is valid after renewal."},
    {.name = "leaseTransitions", I32},
    {.name = "preferredHolder", STR},
    {.name = "renewTime", REF(t_MicroTime), .desc = "When the holder last renewed the lease."},
    {.name = "strategy", STR, .desc = "How existing pods are replaced by new ones."},
};
static const schema_field_t t_EndpointSlice_f[] = {
    {.name = "addressType", STR, .flags = REQ},
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "endpoints",
     ARR(REF(t_Endpoint)),
     .flags = REQ | LATOMIC,
     .desc = "Network endpoints of the slice."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "ports",
     ARR(REF(t_discovery_v1_EndpointPort)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
};
static const schema_field_t t_Endpoint_f[] = {
    {.name = "addresses", ARR(STR), .flags = REQ | LSET, .desc = "IP addresses."},
    {.name = "conditions",
     REF(t_EndpointConditions),
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "deprecatedTopology", MAP(STR)},
    {.name = "hints", REF(t_EndpointHints)},
    {.name = "hostname", STR, .desc = "Hostname of the pod; defaults to its name."},
    {.name = "nodeName", STR, .desc = "The node the pod is bound to; set by the scheduler."},
    {.name = "targetRef", REF(t_ObjectReference)},
    {.name = "zone", STR},
};
static const schema_field_t t_EndpointConditions_f[] = {
    {.name = "ready", BOOL, .desc = "Whether it is ready."},
    {.name = "serving", BOOL},
    {.name = "terminating", BOOL},
};
static const schema_field_t t_EndpointHints_f[] = {
    {.name = "forNodes", ARR(REF(t_ForNode)), .flags = LATOMIC},
    {.name = "forZones", ARR(REF(t_ForZone)), .flags = LATOMIC},
};
static const schema_field_t t_ForNode_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_ForZone_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_discovery_v1_EndpointPort_f[] = {
    {.name = "appProtocol", STR, .desc = "Application protocol of the port (a hint for proxies)."},
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "port", I32, .desc = "Port number."},
    {.name = "protocol",
     STR,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_autoscaling_v2_HorizontalPodAutoscaler_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_autoscaling_v2_HorizontalPodAutoscalerSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_autoscaling_v2_HorizontalPodAutoscalerStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_autoscaling_v2_HorizontalPodAutoscalerSpec_f[] = {
    {.name = "behavior", REF(t_HorizontalPodAutoscalerBehavior)},
    {.name = "maxReplicas",
     I32,
     .flags = REQ,
     .desc = "Highest replica count the autoscaler may set."},
    {.name = "metrics",
     ARR(REF(t_MetricSpec)),
     .flags = LATOMIC,
     .desc = "Metrics that drive the replica count."},
    {.name = "minReplicas", I32, .desc = "Lowest replica count the autoscaler may set."},
    {.name = "scaleTargetRef",
     REF(t_autoscaling_v2_CrossVersionObjectReference),
     .flags = REQ,
     .desc = "The scalable resource the autoscaler drives."},
};
static const schema_field_t t_HorizontalPodAutoscalerBehavior_f[] = {
    {.name = "scaleDown", REF(t_HPAScalingRules)},
    {.name = "scaleUp", REF(t_HPAScalingRules)},
};
static const schema_field_t t_HPAScalingRules_f[] = {
    {.name = "policies", ARR(REF(t_HPAScalingPolicy)), .flags = LATOMIC},
    {.name = "selectPolicy", STR},
    {.name = "stabilizationWindowSeconds", I32},
    {.name = "tolerance", REF(t_Quantity)},
};
static const schema_field_t t_HPAScalingPolicy_f[] = {
    {.name = "periodSeconds", I32, .flags = REQ, .desc = "Seconds between checks."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
    {.name = "value", I32, .flags = REQ, .desc = "The value."},
};
static const schema_field_t t_MetricSpec_f[] = {
    {.name = "containerResource", REF(t_ContainerResourceMetricSource)},
    {.name = "external", REF(t_ExternalMetricSource)},
    {.name = "object", REF(t_ObjectMetricSource)},
    {.name = "pods", REF(t_PodsMetricSource)},
    {.name = "resource", REF(t_ResourceMetricSource)},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ContainerResourceMetricSource_f[] = {
    {.name = "container", STR, .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "target", REF(t_MetricTarget), .flags = REQ},
};
static const schema_field_t t_MetricTarget_f[] = {
    {.name = "averageUtilization", I32},
    {.name = "averageValue", REF(t_Quantity)},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
    {.name = "value", REF(t_Quantity), .desc = "The value."},
};
static const schema_field_t t_ExternalMetricSource_f[] = {
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
    {.name = "target", REF(t_MetricTarget), .flags = REQ},
};
static const schema_field_t t_MetricIdentifier_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "selector",
     REF(t_LabelSelector),
     .desc = "Label query that picks the pods (or objects) this one manages."},
};
static const schema_field_t t_ObjectMetricSource_f[] = {
    {.name = "describedObject", REF(t_autoscaling_v2_CrossVersionObjectReference), .flags = REQ},
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
    {.name = "target", REF(t_MetricTarget), .flags = REQ},
};
static const schema_field_t t_autoscaling_v2_CrossVersionObjectReference_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_PodsMetricSource_f[] = {
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
    {.name = "target", REF(t_MetricTarget), .flags = REQ},
};
static const schema_field_t t_ResourceMetricSource_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "target", REF(t_MetricTarget), .flags = REQ},
};
static const schema_field_t t_autoscaling_v2_HorizontalPodAutoscalerStatus_f[] = {
    {.name = "conditions",
     ARR(REF(t_HorizontalPodAutoscalerCondition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "currentMetrics", ARR(REF(t_MetricStatus)), .flags = LATOMIC},
    {.name = "currentReplicas", I32, .desc = "Pods of the current revision."},
    {.name = "desiredReplicas", I32, .flags = REQ},
    {.name = "lastScaleTime", REF(t_Time)},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
};
static const schema_field_t t_HorizontalPodAutoscalerCondition_f[] = {
    {.name = "lastTransitionTime",
     REF(t_Time),
     .desc = "When the condition last changed from one status to another."},
    {.name = "message", STR, .desc = "Human-readable explanation of the current state."},
    {.name = "reason", STR, .desc = "Short CamelCase reason for the last transition."},
    {.name = "status",
     STR,
     .flags = REQ,
     .desc = "The observed state, written by the system; read-only for users."},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_MetricStatus_f[] = {
    {.name = "containerResource", REF(t_ContainerResourceMetricStatus)},
    {.name = "external", REF(t_ExternalMetricStatus)},
    {.name = "object", REF(t_ObjectMetricStatus)},
    {.name = "pods", REF(t_PodsMetricStatus)},
    {.name = "resource", REF(t_ResourceMetricStatus)},
    {.name = "type",
     STR,
     .flags = REQ,
     .desc = "The kind of this entry; selects how the other fields are interpreted."},
};
static const schema_field_t t_ContainerResourceMetricStatus_f[] = {
    {.name = "container", STR, .flags = REQ},
    {.name = "current", REF(t_MetricValueStatus), .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_MetricValueStatus_f[] = {
    {.name = "averageUtilization", I32},
    {.name = "averageValue", REF(t_Quantity)},
    {.name = "value", REF(t_Quantity), .desc = "The value."},
};
static const schema_field_t t_ExternalMetricStatus_f[] = {
    {.name = "current", REF(t_MetricValueStatus), .flags = REQ},
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
};
static const schema_field_t t_ObjectMetricStatus_f[] = {
    {.name = "current", REF(t_MetricValueStatus), .flags = REQ},
    {.name = "describedObject", REF(t_autoscaling_v2_CrossVersionObjectReference), .flags = REQ},
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
};
static const schema_field_t t_PodsMetricStatus_f[] = {
    {.name = "current", REF(t_MetricValueStatus), .flags = REQ},
    {.name = "metric", REF(t_MetricIdentifier), .flags = REQ},
};
static const schema_field_t t_ResourceMetricStatus_f[] = {
    {.name = "current", REF(t_MetricValueStatus), .flags = REQ},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_autoscaling_v1_HorizontalPodAutoscaler_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_autoscaling_v1_HorizontalPodAutoscalerSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_autoscaling_v1_HorizontalPodAutoscalerStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_autoscaling_v1_HorizontalPodAutoscalerSpec_f[] = {
    {.name = "maxReplicas",
     I32,
     .flags = REQ,
     .desc = "Highest replica count the autoscaler may set."},
    {.name = "minReplicas", I32, .desc = "Lowest replica count the autoscaler may set."},
    {.name = "scaleTargetRef",
     REF(t_autoscaling_v1_CrossVersionObjectReference),
     .flags = REQ,
     .desc = "The scalable resource the autoscaler drives."},
    {.name = "targetCPUUtilizationPercentage", I32},
};
static const schema_field_t t_autoscaling_v1_CrossVersionObjectReference_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_autoscaling_v1_HorizontalPodAutoscalerStatus_f[] = {
    {.name = "currentCPUUtilizationPercentage", I32},
    {.name = "currentReplicas", I32, .flags = REQ, .desc = "Pods of the current revision."},
    {.name = "desiredReplicas", I32, .flags = REQ},
    {.name = "lastScaleTime", REF(t_Time)},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
};
static const schema_field_t t_Ingress_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_IngressSpec), .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_IngressStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_IngressSpec_f[] = {
    {.name = "defaultBackend", REF(t_IngressBackend)},
    {.name = "ingressClassName", STR, .desc = "The IngressClass handling this ingress."},
    {.name = "rules", ARR(REF(t_IngressRule)), .flags = LATOMIC, .desc = "The rules."},
    {.name = "tls", ARR(REF(t_IngressTLS)), .flags = LATOMIC},
};
static const schema_field_t t_IngressBackend_f[] = {
    {.name = "resource", REF(t_TypedLocalObjectReference)},
    {.name = "service", REF(t_IngressServiceBackend)},
};
static const schema_field_t t_IngressServiceBackend_f[] = {
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "port", REF(t_ServiceBackendPort), .desc = "Port number."},
};
static const schema_field_t t_ServiceBackendPort_f[] = {
    {.name = "name", STR, .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "number", I32},
};
static const schema_field_t t_IngressRule_f[] = {
    {.name = "host", STR, .desc = "Host name or IP to connect to."},
    {.name = "http", REF(t_HTTPIngressRuleValue)},
};
static const schema_field_t t_HTTPIngressRuleValue_f[] = {
    {.name = "paths", ARR(REF(t_HTTPIngressPath)), .flags = REQ | LATOMIC},
};
static const schema_field_t t_HTTPIngressPath_f[] = {
    {.name = "backend", REF(t_IngressBackend), .flags = REQ},
    {.name = "path", STR, .desc = "Path (URL path or file path, depending on the owner)."},
    {.name = "pathType", STR, .flags = REQ},
};
static const schema_field_t t_IngressTLS_f[] = {
    {.name = "hosts", ARR(STR), .flags = LATOMIC},
    {.name = "secretName", STR},
};
static const schema_field_t t_IngressStatus_f[] = {
    {.name = "loadBalancer",
     REF(t_IngressLoadBalancerStatus),
     .desc = "The load balancer's status."},
};
static const schema_field_t t_IngressLoadBalancerStatus_f[] = {
    {.name = "ingress", ARR(REF(t_IngressLoadBalancerIngress)), .flags = LATOMIC},
};
static const schema_field_t t_IngressLoadBalancerIngress_f[] = {
    {.name = "hostname", STR, .desc = "Hostname of the pod; defaults to its name."},
    {.name = "ip", STR},
    {.name = "ports",
     ARR(REF(t_IngressPortStatus)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
};
static const schema_field_t t_IngressPortStatus_f[] = {
    {.name = "error", STR},
    {.name = "port", I32, .flags = REQ, .desc = "Port number."},
    {.name = "protocol",
     STR,
     .flags = REQ,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_NetworkPolicy_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_NetworkPolicySpec), .desc = "The desired state, written by the user."},
};
static const schema_field_t t_NetworkPolicySpec_f[] = {
    {.name = "egress", ARR(REF(t_NetworkPolicyEgressRule)), .flags = LATOMIC},
    {.name = "ingress", ARR(REF(t_NetworkPolicyIngressRule)), .flags = LATOMIC},
    {.name = "podSelector", REF(t_LabelSelector), .desc = "Pods the policy applies to."},
    {.name = "policyTypes",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Whether the policy restricts Ingress, Egress or both."},
};
static const schema_field_t t_NetworkPolicyEgressRule_f[] = {
    {.name = "ports",
     ARR(REF(t_NetworkPolicyPort)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
    {.name = "to", ARR(REF(t_NetworkPolicyPeer)), .flags = LATOMIC},
};
static const schema_field_t t_NetworkPolicyPort_f[] = {
    {.name = "endPort", I32},
    {.name = "port", REF(t_IntOrString), .desc = "Port number."},
    {.name = "protocol",
     STR,
     .enums = LIST("SCTP", "TCP", "UDP"),
     .desc = "Network protocol: TCP, UDP or SCTP."},
};
static const schema_field_t t_NetworkPolicyPeer_f[] = {
    {.name = "ipBlock", REF(t_IPBlock)},
    {.name = "namespaceSelector", REF(t_LabelSelector)},
    {.name = "podSelector", REF(t_LabelSelector), .desc = "Pods the policy applies to."},
};
static const schema_field_t t_IPBlock_f[] = {
    {.name = "cidr", STR, .flags = REQ},
    {.name = "except", ARR(STR), .flags = LATOMIC},
};
static const schema_field_t t_NetworkPolicyIngressRule_f[] = {
    {.name = "from", ARR(REF(t_NetworkPolicyPeer)), .flags = LATOMIC},
    {.name = "ports",
     ARR(REF(t_NetworkPolicyPort)),
     .flags = LATOMIC,
     .desc = "Ports exposed (containers) or served (services)."},
};
static const schema_field_t t_StorageClass_f[] = {
    {.name = "allowVolumeExpansion", BOOL},
    {.name = "allowedTopologies", ARR(REF(t_TopologySelectorTerm)), .flags = LATOMIC},
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "mountOptions", ARR(STR), .flags = LATOMIC},
    {.name = "parameters", MAP(STR), .desc = "Provisioner-specific parameters."},
    {.name = "provisioner",
     STR,
     .flags = REQ,
     .desc = "Volume plugin that provisions volumes of this class."},
    {.name = "reclaimPolicy", STR, .desc = "What happens to a volume when its claim is released."},
    {.name = "volumeBindingMode", STR},
};
static const schema_field_t t_TopologySelectorTerm_f[] = {
    {.name = "matchLabelExpressions",
     ARR(REF(t_TopologySelectorLabelRequirement)),
     .flags = LATOMIC},
};
static const schema_field_t t_TopologySelectorLabelRequirement_f[] = {
    {.name = "key", STR, .flags = REQ, .desc = "The key."},
    {.name = "values", ARR(STR), .flags = REQ | LATOMIC, .desc = "The values."},
};
static const schema_field_t t_SubjectAccessReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_SubjectAccessReviewSpec), .flags = REQ, .desc = "The question."},
    {.name = "status", REF(t_SubjectAccessReviewStatus), .desc = "The answer."},
};
static const schema_field_t t_SubjectAccessReviewSpec_f[] = {
    {.name = "extra", MAP(ANY), .desc = "Extra attributes of the user asked about."},
    {.name = "groups", ARR(STR), .flags = LATOMIC, .desc = "The groups of the user asked about."},
    {.name = "nonResourceAttributes", REF(t_NonResourceAttributes)},
    {.name = "resourceAttributes", REF(t_ResourceAttributes)},
    {.name = "uid", STR},
    {.name = "user", STR, .desc = "The user asked about."},
};
static const schema_field_t t_ResourceAttributes_f[] = {
    {.name = "group", STR},    {.name = "name", STR},        {.name = "namespace", STR},
    {.name = "resource", STR}, {.name = "subresource", STR}, {.name = "verb", STR},
    {.name = "version", STR},
};
static const schema_field_t t_NonResourceAttributes_f[] = {
    {.name = "path", STR},
    {.name = "verb", STR},
};
static const schema_field_t t_SubjectAccessReviewStatus_f[] = {
    {.name = "allowed", BOOL, .flags = REQ, .desc = "Whether the action is allowed."},
    {.name = "denied", BOOL},
    {.name = "evaluationError", STR},
    {.name = "reason", STR, .desc = "Why, when an authorizer said."},
};
static const schema_field_t t_SelfSubjectAccessReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_SelfSubjectAccessReviewSpec), .flags = REQ, .desc = "The question."},
    {.name = "status", REF(t_SubjectAccessReviewStatus), .desc = "The answer."},
};
static const schema_field_t t_SelfSubjectAccessReviewSpec_f[] = {
    {.name = "nonResourceAttributes", REF(t_NonResourceAttributes)},
    {.name = "resourceAttributes", REF(t_ResourceAttributes)},
};
static const schema_field_t t_LocalSubjectAccessReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_SubjectAccessReviewSpec), .flags = REQ, .desc = "The question."},
    {.name = "status", REF(t_SubjectAccessReviewStatus), .desc = "The answer."},
};
static const schema_field_t t_SelfSubjectRulesReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec", REF(t_SelfSubjectRulesReviewSpec), .flags = REQ, .desc = "The question."},
    {.name = "status", REF(t_SubjectRulesReviewStatus), .desc = "The answer."},
};
static const schema_field_t t_SelfSubjectRulesReviewSpec_f[] = {
    {.name = "namespace", STR, .desc = "The namespace asked about."},
};
static const schema_field_t t_SubjectRulesReviewStatus_f[] = {
    {.name = "evaluationError", STR},
    {.name = "incomplete", BOOL, .flags = REQ},
    {.name = "nonResourceRules", ARR(REF(t_NonResourceRule)), .flags = REQ | LATOMIC},
    {.name = "resourceRules", ARR(REF(t_ResourceRule)), .flags = REQ | LATOMIC},
};
static const schema_field_t t_ResourceRule_f[] = {
    {.name = "apiGroups", ARR(STR), .flags = LATOMIC},
    {.name = "resourceNames", ARR(STR), .flags = LATOMIC},
    {.name = "resources", ARR(STR), .flags = LATOMIC},
    {.name = "verbs", ARR(STR), .flags = REQ | LATOMIC},
};
static const schema_field_t t_NonResourceRule_f[] = {
    {.name = "nonResourceURLs", ARR(STR), .flags = LATOMIC},
    {.name = "verbs", ARR(STR), .flags = REQ | LATOMIC},
};
static const schema_field_t t_Role_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "rules", ARR(REF(t_PolicyRule)), .flags = LATOMIC, .desc = "The rules."},
};
static const schema_field_t t_PolicyRule_f[] = {
    {.name = "apiGroups", ARR(STR), .flags = LATOMIC, .desc = "API groups the rule applies to."},
    {.name = "nonResourceURLs", ARR(STR), .flags = LATOMIC},
    {.name = "resourceNames", ARR(STR), .flags = LATOMIC},
    {.name = "resources",
     ARR(STR),
     .flags = LATOMIC,
     .desc = "Compute resources (cpu, memory) requested and limited."},
    {.name = "verbs",
     ARR(STR),
     .flags = REQ | LATOMIC,
     .desc = "Allowed verbs (get, list, create ...)."},
};
static const schema_field_t t_ClusterRole_f[] = {
    {.name = "aggregationRule", REF(t_AggregationRule)},
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "rules", ARR(REF(t_PolicyRule)), .flags = LATOMIC, .desc = "The rules."},
};
static const schema_field_t t_AggregationRule_f[] = {
    {.name = "clusterRoleSelectors", ARR(REF(t_LabelSelector)), .flags = LATOMIC},
};
static const schema_field_t t_RoleBinding_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "roleRef", REF(t_RoleRef), .flags = REQ, .desc = "The Role or ClusterRole granted."},
    {.name = "subjects",
     ARR(REF(t_Subject)),
     .flags = LATOMIC,
     .desc = "Users, groups or service accounts granted the role."},
};
static const schema_field_t t_RoleRef_f[] = {
    {.name = "apiGroup", STR, .flags = REQ},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
};
static const schema_field_t t_Subject_f[] = {
    {.name = "apiGroup", STR},
    {.name = "kind",
     STR,
     .flags = REQ,
     .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "name",
     STR,
     .flags = REQ,
     .desc = "Name; unique within its scope (namespace, list or parent)."},
    {.name = "namespace",
     STR,
     .desc = "The namespace the object lives in; empty for cluster-scoped objects."},
};
static const schema_field_t t_ClusterRoleBinding_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "roleRef", REF(t_RoleRef), .flags = REQ, .desc = "The Role or ClusterRole granted."},
    {.name = "subjects",
     ARR(REF(t_Subject)),
     .flags = LATOMIC,
     .desc = "Users, groups or service accounts granted the role."},
};
static const schema_field_t t_PriorityClass_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "description", STR},
    {.name = "globalDefault", BOOL, .desc = "Use this priority for pods naming no class."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "preemptionPolicy",
     STR,
     .enums = LIST("Never", "PreemptLowerPriority"),
     .desc = "Whether pods of this priority may preempt lower ones."},
    {.name = "value", I32, .flags = REQ, .desc = "The value."},
};

/* policy/v1 */
static const schema_field_t t_PodDisruptionBudget_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_PodDisruptionBudgetSpec),
     .desc = "The desired state, written by the user."},
    {.name = "status",
     REF(t_PodDisruptionBudgetStatus),
     .desc = "The observed state, written by the system; read-only for users."},
};
static const schema_field_t t_PodDisruptionBudgetSpec_f[] = {
    {.name = "maxUnavailable",
     REF(t_IntOrString),
     .desc = "How many selected pods may be unavailable at most (a number or a percentage); "
             "excludes minAvailable."},
    {.name = "minAvailable",
     REF(t_IntOrString),
     .desc = "How many selected pods must stay available (a number or a percentage)."},
    {.name = "selector",
     REF(t_LabelSelector),
     .flags = PREPL,
     .desc = "The pods the budget covers; an empty selector covers every pod of the namespace."},
    {.name = "unhealthyPodEvictionPolicy",
     STR,
     .enums = LIST("AlwaysAllow", "IfHealthyBudget"),
     .desc = "When a pod that is not Ready may be evicted."},
};
static const schema_field_t t_PodDisruptionBudgetStatus_f[] = {
    {.name = "conditions",
     ARR(REF(t_Condition)),
     .flags = PM | LMAP,
     .merge_key = "type",
     .map_keys = "type",
     .desc = "Latest observations of the object's state, one per condition type."},
    {.name = "currentHealthy", I32, .flags = REQ, .desc = "Selected pods that are Ready."},
    {.name = "desiredHealthy",
     I32,
     .flags = REQ,
     .desc = "How many Ready pods the budget wants at least."},
    {.name = "disruptedPods",
     MAP(REF(t_Time)),
     .desc = "Pods evicted but not yet seen deleted by the controller, with when they were."},
    {.name = "disruptionsAllowed", I32, .flags = REQ, .desc = "How many pods may be evicted now."},
    {.name = "expectedPods",
     I32,
     .flags = REQ,
     .desc = "How many pods the budget counts on (its pods' controllers' scale)."},
    {.name = "observedGeneration",
     I64,
     .desc = "The metadata.generation the controller last acted on."},
};

static const schema_type_t t_Namespace = {.name = "io.k8s.api.core.v1.Namespace",
                                          .desc = "A scope for names; most objects live in one.",
                                          .fields = t_Namespace_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_Namespace_f),
                                          .group = "",
                                          .version = "v1",
                                          .kind = "Namespace"};
static const schema_type_t t_ObjectMeta = {.name =
                                               "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                                           .desc = "Metadata every persisted object has.",
                                           .fields = t_ObjectMeta_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_ObjectMeta_f)};
static const schema_type_t t_Time = {.name = "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
                                     .desc = "A timestamp in RFC 3339 form.",
                                     .alias = SCHEMA_STRING,
                                     .format = "date-time"};
static const schema_type_t t_ManagedFieldsEntry = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry",
    .fields = t_ManagedFieldsEntry_f,
    .n_fields = C8S_ARRAY_SIZE(t_ManagedFieldsEntry_f)};
static const schema_type_t t_FieldsV1 = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1",
    .desc = "A set of fields, encoded as a JSON tree (server-side apply).",
    .alias = SCHEMA_ANY};
static const schema_type_t t_OwnerReference = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
    .desc = "A reference to an object this one depends on.",
    .fields = t_OwnerReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_OwnerReference_f),
    .flags = MATOMIC};
static const schema_type_t t_NamespaceSpec = {.name = "io.k8s.api.core.v1.NamespaceSpec",
                                              .fields = t_NamespaceSpec_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_NamespaceSpec_f)};
static const schema_type_t t_NamespaceStatus = {.name = "io.k8s.api.core.v1.NamespaceStatus",
                                                .fields = t_NamespaceStatus_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_NamespaceStatus_f)};
static const schema_type_t t_NamespaceCondition = {.name = "io.k8s.api.core.v1.NamespaceCondition",
                                                   .fields = t_NamespaceCondition_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_NamespaceCondition_f)};
static const schema_type_t t_Pod = {
    .name = "io.k8s.api.core.v1.Pod",
    .desc = "A group of containers sharing network and storage, run together on one node.",
    .fields = t_Pod_f,
    .n_fields = C8S_ARRAY_SIZE(t_Pod_f),
    .group = "",
    .version = "v1",
    .kind = "Pod"};
static const schema_type_t t_PodSpec = {
    .name = "io.k8s.api.core.v1.PodSpec",
    .desc = "The desired state of a pod: its containers, volumes and scheduling constraints.",
    .fields = t_PodSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodSpec_f)};
static const schema_type_t t_Affinity = {.name = "io.k8s.api.core.v1.Affinity",
                                         .fields = t_Affinity_f,
                                         .n_fields = C8S_ARRAY_SIZE(t_Affinity_f)};
static const schema_type_t t_NodeAffinity = {.name = "io.k8s.api.core.v1.NodeAffinity",
                                             .fields = t_NodeAffinity_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_NodeAffinity_f)};
static const schema_type_t t_PreferredSchedulingTerm = {
    .name = "io.k8s.api.core.v1.PreferredSchedulingTerm",
    .fields = t_PreferredSchedulingTerm_f,
    .n_fields = C8S_ARRAY_SIZE(t_PreferredSchedulingTerm_f)};
static const schema_type_t t_NodeSelectorTerm = {.name = "io.k8s.api.core.v1.NodeSelectorTerm",
                                                 .fields = t_NodeSelectorTerm_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_NodeSelectorTerm_f),
                                                 .flags = MATOMIC};
static const schema_type_t t_NodeSelectorRequirement = {
    .name = "io.k8s.api.core.v1.NodeSelectorRequirement",
    .fields = t_NodeSelectorRequirement_f,
    .n_fields = C8S_ARRAY_SIZE(t_NodeSelectorRequirement_f)};
static const schema_type_t t_NodeSelector = {.name = "io.k8s.api.core.v1.NodeSelector",
                                             .fields = t_NodeSelector_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_NodeSelector_f),
                                             .flags = MATOMIC};
static const schema_type_t t_PodAffinity = {.name = "io.k8s.api.core.v1.PodAffinity",
                                            .fields = t_PodAffinity_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_PodAffinity_f)};
static const schema_type_t t_WeightedPodAffinityTerm = {
    .name = "io.k8s.api.core.v1.WeightedPodAffinityTerm",
    .fields = t_WeightedPodAffinityTerm_f,
    .n_fields = C8S_ARRAY_SIZE(t_WeightedPodAffinityTerm_f)};
static const schema_type_t t_PodAffinityTerm = {.name = "io.k8s.api.core.v1.PodAffinityTerm",
                                                .fields = t_PodAffinityTerm_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_PodAffinityTerm_f)};
static const schema_type_t t_LabelSelector = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
    .desc = "A label query; all requirements must hold, empty matches everything.",
    .fields = t_LabelSelector_f,
    .n_fields = C8S_ARRAY_SIZE(t_LabelSelector_f),
    .flags = MATOMIC};
static const schema_type_t t_LabelSelectorRequirement = {
    .name = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement",
    .fields = t_LabelSelectorRequirement_f,
    .n_fields = C8S_ARRAY_SIZE(t_LabelSelectorRequirement_f)};
static const schema_type_t t_PodAntiAffinity = {.name = "io.k8s.api.core.v1.PodAntiAffinity",
                                                .fields = t_PodAntiAffinity_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_PodAntiAffinity_f)};
static const schema_type_t t_Container = {.name = "io.k8s.api.core.v1.Container",
                                          .desc = "One container of a pod.",
                                          .fields = t_Container_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_Container_f)};
static const schema_type_t t_EnvVar = {.name = "io.k8s.api.core.v1.EnvVar",
                                       .desc = "An environment variable of a container.",
                                       .fields = t_EnvVar_f,
                                       .n_fields = C8S_ARRAY_SIZE(t_EnvVar_f)};
static const schema_type_t t_EnvVarSource = {.name = "io.k8s.api.core.v1.EnvVarSource",
                                             .fields = t_EnvVarSource_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_EnvVarSource_f)};
static const schema_type_t t_ConfigMapKeySelector = {
    .name = "io.k8s.api.core.v1.ConfigMapKeySelector",
    .fields = t_ConfigMapKeySelector_f,
    .n_fields = C8S_ARRAY_SIZE(t_ConfigMapKeySelector_f),
    .flags = MATOMIC};
static const schema_type_t t_ObjectFieldSelector = {
    .name = "io.k8s.api.core.v1.ObjectFieldSelector",
    .fields = t_ObjectFieldSelector_f,
    .n_fields = C8S_ARRAY_SIZE(t_ObjectFieldSelector_f),
    .flags = MATOMIC};
static const schema_type_t t_FileKeySelector = {.name = "io.k8s.api.core.v1.FileKeySelector",
                                                .fields = t_FileKeySelector_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_FileKeySelector_f),
                                                .flags = MATOMIC};
static const schema_type_t t_ResourceFieldSelector = {
    .name = "io.k8s.api.core.v1.ResourceFieldSelector",
    .fields = t_ResourceFieldSelector_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceFieldSelector_f),
    .flags = MATOMIC};
static const schema_type_t t_Quantity = {
    .name = "io.k8s.apimachinery.pkg.api.resource.Quantity",
    .desc = "A fixed-point number with an optional SI or binary suffix, e.g. 100m, 1Gi.",
    .alias = SCHEMA_QUANTITY};
static const schema_type_t t_SecretKeySelector = {.name = "io.k8s.api.core.v1.SecretKeySelector",
                                                  .fields = t_SecretKeySelector_f,
                                                  .n_fields = C8S_ARRAY_SIZE(t_SecretKeySelector_f),
                                                  .flags = MATOMIC};
static const schema_type_t t_EnvFromSource = {.name = "io.k8s.api.core.v1.EnvFromSource",
                                              .fields = t_EnvFromSource_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_EnvFromSource_f)};
static const schema_type_t t_ConfigMapEnvSource = {.name = "io.k8s.api.core.v1.ConfigMapEnvSource",
                                                   .fields = t_ConfigMapEnvSource_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_ConfigMapEnvSource_f)};
static const schema_type_t t_SecretEnvSource = {.name = "io.k8s.api.core.v1.SecretEnvSource",
                                                .fields = t_SecretEnvSource_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_SecretEnvSource_f)};
static const schema_type_t t_Lifecycle = {.name = "io.k8s.api.core.v1.Lifecycle",
                                          .fields = t_Lifecycle_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_Lifecycle_f)};
static const schema_type_t t_LifecycleHandler = {.name = "io.k8s.api.core.v1.LifecycleHandler",
                                                 .fields = t_LifecycleHandler_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_LifecycleHandler_f)};
static const schema_type_t t_ExecAction = {.name = "io.k8s.api.core.v1.ExecAction",
                                           .fields = t_ExecAction_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_ExecAction_f)};
static const schema_type_t t_HTTPGetAction = {.name = "io.k8s.api.core.v1.HTTPGetAction",
                                              .fields = t_HTTPGetAction_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_HTTPGetAction_f)};
static const schema_type_t t_HTTPHeader = {.name = "io.k8s.api.core.v1.HTTPHeader",
                                           .fields = t_HTTPHeader_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_HTTPHeader_f)};
static const schema_type_t t_IntOrString = {
    .name = "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    .desc = "Either an integer or a string (such as a port name or a percentage).",
    .alias = SCHEMA_INT_OR_STRING};
static const schema_type_t t_SleepAction = {.name = "io.k8s.api.core.v1.SleepAction",
                                            .fields = t_SleepAction_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_SleepAction_f)};
static const schema_type_t t_TCPSocketAction = {.name = "io.k8s.api.core.v1.TCPSocketAction",
                                                .fields = t_TCPSocketAction_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_TCPSocketAction_f)};
static const schema_type_t t_Probe = {.name = "io.k8s.api.core.v1.Probe",
                                      .desc = "A health check run against a container.",
                                      .fields = t_Probe_f,
                                      .n_fields = C8S_ARRAY_SIZE(t_Probe_f)};
static const schema_type_t t_GRPCAction = {.name = "io.k8s.api.core.v1.GRPCAction",
                                           .fields = t_GRPCAction_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_GRPCAction_f)};
static const schema_type_t t_ContainerPort = {.name = "io.k8s.api.core.v1.ContainerPort",
                                              .desc = "A network port of a container.",
                                              .fields = t_ContainerPort_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_ContainerPort_f)};
static const schema_type_t t_ContainerResizePolicy = {
    .name = "io.k8s.api.core.v1.ContainerResizePolicy",
    .fields = t_ContainerResizePolicy_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerResizePolicy_f)};
static const schema_type_t t_ResourceRequirements = {
    .name = "io.k8s.api.core.v1.ResourceRequirements",
    .desc = "Compute resources requested and limited.",
    .fields = t_ResourceRequirements_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceRequirements_f)};
static const schema_type_t t_ResourceClaim = {.name = "io.k8s.api.core.v1.ResourceClaim",
                                              .fields = t_ResourceClaim_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_ResourceClaim_f)};
static const schema_type_t t_ContainerRestartRule = {
    .name = "io.k8s.api.core.v1.ContainerRestartRule",
    .fields = t_ContainerRestartRule_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerRestartRule_f)};
static const schema_type_t t_ContainerRestartRuleOnExitCodes = {
    .name = "io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes",
    .fields = t_ContainerRestartRuleOnExitCodes_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerRestartRuleOnExitCodes_f)};
static const schema_type_t t_SecurityContext = {.name = "io.k8s.api.core.v1.SecurityContext",
                                                .fields = t_SecurityContext_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_SecurityContext_f)};
static const schema_type_t t_AppArmorProfile = {.name = "io.k8s.api.core.v1.AppArmorProfile",
                                                .fields = t_AppArmorProfile_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_AppArmorProfile_f)};
static const schema_type_t t_Capabilities = {.name = "io.k8s.api.core.v1.Capabilities",
                                             .fields = t_Capabilities_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_Capabilities_f)};
static const schema_type_t t_SELinuxOptions = {.name = "io.k8s.api.core.v1.SELinuxOptions",
                                               .fields = t_SELinuxOptions_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_SELinuxOptions_f)};
static const schema_type_t t_SeccompProfile = {.name = "io.k8s.api.core.v1.SeccompProfile",
                                               .fields = t_SeccompProfile_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_SeccompProfile_f)};
static const schema_type_t t_WindowsSecurityContextOptions = {
    .name = "io.k8s.api.core.v1.WindowsSecurityContextOptions",
    .fields = t_WindowsSecurityContextOptions_f,
    .n_fields = C8S_ARRAY_SIZE(t_WindowsSecurityContextOptions_f)};
static const schema_type_t t_VolumeDevice = {.name = "io.k8s.api.core.v1.VolumeDevice",
                                             .fields = t_VolumeDevice_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_VolumeDevice_f)};
static const schema_type_t t_VolumeMount = {.name = "io.k8s.api.core.v1.VolumeMount",
                                            .desc = "Where a volume is mounted in a container.",
                                            .fields = t_VolumeMount_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_VolumeMount_f)};
static const schema_type_t t_PodDNSConfig = {.name = "io.k8s.api.core.v1.PodDNSConfig",
                                             .fields = t_PodDNSConfig_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_PodDNSConfig_f)};
static const schema_type_t t_PodDNSConfigOption = {.name = "io.k8s.api.core.v1.PodDNSConfigOption",
                                                   .fields = t_PodDNSConfigOption_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_PodDNSConfigOption_f)};
static const schema_type_t t_EphemeralContainer = {.name = "io.k8s.api.core.v1.EphemeralContainer",
                                                   .fields = t_EphemeralContainer_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_EphemeralContainer_f)};
static const schema_type_t t_HostAlias = {.name = "io.k8s.api.core.v1.HostAlias",
                                          .fields = t_HostAlias_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_HostAlias_f)};
static const schema_type_t t_LocalObjectReference = {
    .name = "io.k8s.api.core.v1.LocalObjectReference",
    .fields = t_LocalObjectReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_LocalObjectReference_f),
    .flags = MATOMIC};
static const schema_type_t t_PodOS = {
    .name = "io.k8s.api.core.v1.PodOS", .fields = t_PodOS_f, .n_fields = C8S_ARRAY_SIZE(t_PodOS_f)};
static const schema_type_t t_PodReadinessGate = {.name = "io.k8s.api.core.v1.PodReadinessGate",
                                                 .fields = t_PodReadinessGate_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_PodReadinessGate_f)};
static const schema_type_t t_PodResourceClaim = {.name = "io.k8s.api.core.v1.PodResourceClaim",
                                                 .fields = t_PodResourceClaim_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_PodResourceClaim_f)};
static const schema_type_t t_PodSchedulingGate = {.name = "io.k8s.api.core.v1.PodSchedulingGate",
                                                  .fields = t_PodSchedulingGate_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_PodSchedulingGate_f)};
static const schema_type_t t_PodSecurityContext = {.name = "io.k8s.api.core.v1.PodSecurityContext",
                                                   .fields = t_PodSecurityContext_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_PodSecurityContext_f)};
static const schema_type_t t_Sysctl = {.name = "io.k8s.api.core.v1.Sysctl",
                                       .fields = t_Sysctl_f,
                                       .n_fields = C8S_ARRAY_SIZE(t_Sysctl_f)};
static const schema_type_t t_Toleration = {.name = "io.k8s.api.core.v1.Toleration",
                                           .fields = t_Toleration_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_Toleration_f)};
static const schema_type_t t_TopologySpreadConstraint = {
    .name = "io.k8s.api.core.v1.TopologySpreadConstraint",
    .fields = t_TopologySpreadConstraint_f,
    .n_fields = C8S_ARRAY_SIZE(t_TopologySpreadConstraint_f)};
static const schema_type_t t_Volume = {.name = "io.k8s.api.core.v1.Volume",
                                       .desc = "A named volume that containers of a pod can mount.",
                                       .fields = t_Volume_f,
                                       .n_fields = C8S_ARRAY_SIZE(t_Volume_f)};
static const schema_type_t t_AWSElasticBlockStoreVolumeSource = {
    .name = "io.k8s.api.core.v1.AWSElasticBlockStoreVolumeSource",
    .fields = t_AWSElasticBlockStoreVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_AWSElasticBlockStoreVolumeSource_f)};
static const schema_type_t t_AzureDiskVolumeSource = {
    .name = "io.k8s.api.core.v1.AzureDiskVolumeSource",
    .fields = t_AzureDiskVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_AzureDiskVolumeSource_f)};
static const schema_type_t t_AzureFileVolumeSource = {
    .name = "io.k8s.api.core.v1.AzureFileVolumeSource",
    .fields = t_AzureFileVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_AzureFileVolumeSource_f)};
static const schema_type_t t_CephFSVolumeSource = {.name = "io.k8s.api.core.v1.CephFSVolumeSource",
                                                   .fields = t_CephFSVolumeSource_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_CephFSVolumeSource_f)};
static const schema_type_t t_CinderVolumeSource = {.name = "io.k8s.api.core.v1.CinderVolumeSource",
                                                   .fields = t_CinderVolumeSource_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_CinderVolumeSource_f)};
static const schema_type_t t_ConfigMapVolumeSource = {
    .name = "io.k8s.api.core.v1.ConfigMapVolumeSource",
    .fields = t_ConfigMapVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ConfigMapVolumeSource_f)};
static const schema_type_t t_KeyToPath = {.name = "io.k8s.api.core.v1.KeyToPath",
                                          .fields = t_KeyToPath_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_KeyToPath_f)};
static const schema_type_t t_CSIVolumeSource = {.name = "io.k8s.api.core.v1.CSIVolumeSource",
                                                .fields = t_CSIVolumeSource_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_CSIVolumeSource_f)};
static const schema_type_t t_DownwardAPIVolumeSource = {
    .name = "io.k8s.api.core.v1.DownwardAPIVolumeSource",
    .fields = t_DownwardAPIVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_DownwardAPIVolumeSource_f)};
static const schema_type_t t_DownwardAPIVolumeFile = {
    .name = "io.k8s.api.core.v1.DownwardAPIVolumeFile",
    .fields = t_DownwardAPIVolumeFile_f,
    .n_fields = C8S_ARRAY_SIZE(t_DownwardAPIVolumeFile_f)};
static const schema_type_t t_EmptyDirVolumeSource = {
    .name = "io.k8s.api.core.v1.EmptyDirVolumeSource",
    .fields = t_EmptyDirVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_EmptyDirVolumeSource_f)};
static const schema_type_t t_EphemeralVolumeSource = {
    .name = "io.k8s.api.core.v1.EphemeralVolumeSource",
    .fields = t_EphemeralVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_EphemeralVolumeSource_f)};
static const schema_type_t t_PersistentVolumeClaimTemplate = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimTemplate",
    .fields = t_PersistentVolumeClaimTemplate_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaimTemplate_f)};
static const schema_type_t t_PersistentVolumeClaimSpec = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
    .fields = t_PersistentVolumeClaimSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaimSpec_f)};
static const schema_type_t t_TypedLocalObjectReference = {
    .name = "io.k8s.api.core.v1.TypedLocalObjectReference",
    .fields = t_TypedLocalObjectReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_TypedLocalObjectReference_f),
    .flags = MATOMIC};
static const schema_type_t t_TypedObjectReference = {
    .name = "io.k8s.api.core.v1.TypedObjectReference",
    .fields = t_TypedObjectReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_TypedObjectReference_f)};
static const schema_type_t t_VolumeResourceRequirements = {
    .name = "io.k8s.api.core.v1.VolumeResourceRequirements",
    .fields = t_VolumeResourceRequirements_f,
    .n_fields = C8S_ARRAY_SIZE(t_VolumeResourceRequirements_f)};
static const schema_type_t t_FCVolumeSource = {.name = "io.k8s.api.core.v1.FCVolumeSource",
                                               .fields = t_FCVolumeSource_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_FCVolumeSource_f)};
static const schema_type_t t_FlexVolumeSource = {.name = "io.k8s.api.core.v1.FlexVolumeSource",
                                                 .fields = t_FlexVolumeSource_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_FlexVolumeSource_f)};
static const schema_type_t t_FlockerVolumeSource = {
    .name = "io.k8s.api.core.v1.FlockerVolumeSource",
    .fields = t_FlockerVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_FlockerVolumeSource_f)};
static const schema_type_t t_GCEPersistentDiskVolumeSource = {
    .name = "io.k8s.api.core.v1.GCEPersistentDiskVolumeSource",
    .fields = t_GCEPersistentDiskVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_GCEPersistentDiskVolumeSource_f)};
static const schema_type_t t_GitRepoVolumeSource = {
    .name = "io.k8s.api.core.v1.GitRepoVolumeSource",
    .fields = t_GitRepoVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_GitRepoVolumeSource_f)};
static const schema_type_t t_GlusterfsVolumeSource = {
    .name = "io.k8s.api.core.v1.GlusterfsVolumeSource",
    .fields = t_GlusterfsVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_GlusterfsVolumeSource_f)};
static const schema_type_t t_HostPathVolumeSource = {
    .name = "io.k8s.api.core.v1.HostPathVolumeSource",
    .fields = t_HostPathVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_HostPathVolumeSource_f)};
static const schema_type_t t_ImageVolumeSource = {.name = "io.k8s.api.core.v1.ImageVolumeSource",
                                                  .fields = t_ImageVolumeSource_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_ImageVolumeSource_f)};
static const schema_type_t t_ISCSIVolumeSource = {.name = "io.k8s.api.core.v1.ISCSIVolumeSource",
                                                  .fields = t_ISCSIVolumeSource_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_ISCSIVolumeSource_f)};
static const schema_type_t t_NFSVolumeSource = {.name = "io.k8s.api.core.v1.NFSVolumeSource",
                                                .fields = t_NFSVolumeSource_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_NFSVolumeSource_f)};
static const schema_type_t t_PersistentVolumeClaimVolumeSource = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource",
    .fields = t_PersistentVolumeClaimVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaimVolumeSource_f)};
static const schema_type_t t_PhotonPersistentDiskVolumeSource = {
    .name = "io.k8s.api.core.v1.PhotonPersistentDiskVolumeSource",
    .fields = t_PhotonPersistentDiskVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_PhotonPersistentDiskVolumeSource_f)};
static const schema_type_t t_PortworxVolumeSource = {
    .name = "io.k8s.api.core.v1.PortworxVolumeSource",
    .fields = t_PortworxVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_PortworxVolumeSource_f)};
static const schema_type_t t_ProjectedVolumeSource = {
    .name = "io.k8s.api.core.v1.ProjectedVolumeSource",
    .fields = t_ProjectedVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ProjectedVolumeSource_f)};
static const schema_type_t t_VolumeProjection = {.name = "io.k8s.api.core.v1.VolumeProjection",
                                                 .fields = t_VolumeProjection_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_VolumeProjection_f)};
static const schema_type_t t_ClusterTrustBundleProjection = {
    .name = "io.k8s.api.core.v1.ClusterTrustBundleProjection",
    .fields = t_ClusterTrustBundleProjection_f,
    .n_fields = C8S_ARRAY_SIZE(t_ClusterTrustBundleProjection_f)};
static const schema_type_t t_ConfigMapProjection = {
    .name = "io.k8s.api.core.v1.ConfigMapProjection",
    .fields = t_ConfigMapProjection_f,
    .n_fields = C8S_ARRAY_SIZE(t_ConfigMapProjection_f)};
static const schema_type_t t_DownwardAPIProjection = {
    .name = "io.k8s.api.core.v1.DownwardAPIProjection",
    .fields = t_DownwardAPIProjection_f,
    .n_fields = C8S_ARRAY_SIZE(t_DownwardAPIProjection_f)};
static const schema_type_t t_PodCertificateProjection = {
    .name = "io.k8s.api.core.v1.PodCertificateProjection",
    .fields = t_PodCertificateProjection_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodCertificateProjection_f)};
static const schema_type_t t_SecretProjection = {.name = "io.k8s.api.core.v1.SecretProjection",
                                                 .fields = t_SecretProjection_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_SecretProjection_f)};
static const schema_type_t t_ServiceAccountTokenProjection = {
    .name = "io.k8s.api.core.v1.ServiceAccountTokenProjection",
    .fields = t_ServiceAccountTokenProjection_f,
    .n_fields = C8S_ARRAY_SIZE(t_ServiceAccountTokenProjection_f)};
static const schema_type_t t_QuobyteVolumeSource = {
    .name = "io.k8s.api.core.v1.QuobyteVolumeSource",
    .fields = t_QuobyteVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_QuobyteVolumeSource_f)};
static const schema_type_t t_RBDVolumeSource = {.name = "io.k8s.api.core.v1.RBDVolumeSource",
                                                .fields = t_RBDVolumeSource_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_RBDVolumeSource_f)};
static const schema_type_t t_ScaleIOVolumeSource = {
    .name = "io.k8s.api.core.v1.ScaleIOVolumeSource",
    .fields = t_ScaleIOVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ScaleIOVolumeSource_f)};
static const schema_type_t t_SecretVolumeSource = {.name = "io.k8s.api.core.v1.SecretVolumeSource",
                                                   .fields = t_SecretVolumeSource_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_SecretVolumeSource_f)};
static const schema_type_t t_StorageOSVolumeSource = {
    .name = "io.k8s.api.core.v1.StorageOSVolumeSource",
    .fields = t_StorageOSVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_StorageOSVolumeSource_f)};
static const schema_type_t t_VsphereVirtualDiskVolumeSource = {
    .name = "io.k8s.api.core.v1.VsphereVirtualDiskVolumeSource",
    .fields = t_VsphereVirtualDiskVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_VsphereVirtualDiskVolumeSource_f)};
static const schema_type_t t_PodStatus = {.name = "io.k8s.api.core.v1.PodStatus",
                                          .fields = t_PodStatus_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_PodStatus_f)};
static const schema_type_t t_PodCondition = {.name = "io.k8s.api.core.v1.PodCondition",
                                             .fields = t_PodCondition_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_PodCondition_f)};
static const schema_type_t t_ContainerStatus = {.name = "io.k8s.api.core.v1.ContainerStatus",
                                                .fields = t_ContainerStatus_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_ContainerStatus_f)};
static const schema_type_t t_ResourceStatus = {.name = "io.k8s.api.core.v1.ResourceStatus",
                                               .fields = t_ResourceStatus_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ResourceStatus_f)};
static const schema_type_t t_ResourceHealth = {.name = "io.k8s.api.core.v1.ResourceHealth",
                                               .fields = t_ResourceHealth_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ResourceHealth_f)};
static const schema_type_t t_ContainerState = {.name = "io.k8s.api.core.v1.ContainerState",
                                               .fields = t_ContainerState_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ContainerState_f)};
static const schema_type_t t_ContainerStateRunning = {
    .name = "io.k8s.api.core.v1.ContainerStateRunning",
    .fields = t_ContainerStateRunning_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerStateRunning_f)};
static const schema_type_t t_ContainerStateTerminated = {
    .name = "io.k8s.api.core.v1.ContainerStateTerminated",
    .fields = t_ContainerStateTerminated_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerStateTerminated_f)};
static const schema_type_t t_ContainerStateWaiting = {
    .name = "io.k8s.api.core.v1.ContainerStateWaiting",
    .fields = t_ContainerStateWaiting_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerStateWaiting_f)};
static const schema_type_t t_ContainerUser = {.name = "io.k8s.api.core.v1.ContainerUser",
                                              .fields = t_ContainerUser_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_ContainerUser_f)};
static const schema_type_t t_LinuxContainerUser = {.name = "io.k8s.api.core.v1.LinuxContainerUser",
                                                   .fields = t_LinuxContainerUser_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_LinuxContainerUser_f)};
static const schema_type_t t_VolumeMountStatus = {.name = "io.k8s.api.core.v1.VolumeMountStatus",
                                                  .fields = t_VolumeMountStatus_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_VolumeMountStatus_f)};
static const schema_type_t t_PodExtendedResourceClaimStatus = {
    .name = "io.k8s.api.core.v1.PodExtendedResourceClaimStatus",
    .fields = t_PodExtendedResourceClaimStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodExtendedResourceClaimStatus_f)};
static const schema_type_t t_ContainerExtendedResourceRequest = {
    .name = "io.k8s.api.core.v1.ContainerExtendedResourceRequest",
    .fields = t_ContainerExtendedResourceRequest_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerExtendedResourceRequest_f)};
static const schema_type_t t_HostIP = {.name = "io.k8s.api.core.v1.HostIP",
                                       .fields = t_HostIP_f,
                                       .n_fields = C8S_ARRAY_SIZE(t_HostIP_f)};
static const schema_type_t t_PodIP = {
    .name = "io.k8s.api.core.v1.PodIP", .fields = t_PodIP_f, .n_fields = C8S_ARRAY_SIZE(t_PodIP_f)};
static const schema_type_t t_PodResourceClaimStatus = {
    .name = "io.k8s.api.core.v1.PodResourceClaimStatus",
    .fields = t_PodResourceClaimStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodResourceClaimStatus_f)};
static const schema_type_t t_Node = {.name = "io.k8s.api.core.v1.Node",
                                     .desc = "A machine that runs pods.",
                                     .fields = t_Node_f,
                                     .n_fields = C8S_ARRAY_SIZE(t_Node_f),
                                     .group = "",
                                     .version = "v1",
                                     .kind = "Node"};
static const schema_type_t t_NodeSpec = {.name = "io.k8s.api.core.v1.NodeSpec",
                                         .fields = t_NodeSpec_f,
                                         .n_fields = C8S_ARRAY_SIZE(t_NodeSpec_f)};
static const schema_type_t t_NodeConfigSource = {.name = "io.k8s.api.core.v1.NodeConfigSource",
                                                 .fields = t_NodeConfigSource_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_NodeConfigSource_f)};
static const schema_type_t t_ConfigMapNodeConfigSource = {
    .name = "io.k8s.api.core.v1.ConfigMapNodeConfigSource",
    .fields = t_ConfigMapNodeConfigSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ConfigMapNodeConfigSource_f)};
static const schema_type_t t_Taint = {
    .name = "io.k8s.api.core.v1.Taint", .fields = t_Taint_f, .n_fields = C8S_ARRAY_SIZE(t_Taint_f)};
static const schema_type_t t_NodeStatus = {.name = "io.k8s.api.core.v1.NodeStatus",
                                           .fields = t_NodeStatus_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_NodeStatus_f)};
static const schema_type_t t_NodeAddress = {.name = "io.k8s.api.core.v1.NodeAddress",
                                            .fields = t_NodeAddress_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_NodeAddress_f)};
static const schema_type_t t_NodeCondition = {.name = "io.k8s.api.core.v1.NodeCondition",
                                              .fields = t_NodeCondition_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_NodeCondition_f)};
static const schema_type_t t_NodeConfigStatus = {.name = "io.k8s.api.core.v1.NodeConfigStatus",
                                                 .fields = t_NodeConfigStatus_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_NodeConfigStatus_f)};
static const schema_type_t t_NodeDaemonEndpoints = {
    .name = "io.k8s.api.core.v1.NodeDaemonEndpoints",
    .fields = t_NodeDaemonEndpoints_f,
    .n_fields = C8S_ARRAY_SIZE(t_NodeDaemonEndpoints_f)};
static const schema_type_t t_DaemonEndpoint = {.name = "io.k8s.api.core.v1.DaemonEndpoint",
                                               .fields = t_DaemonEndpoint_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_DaemonEndpoint_f)};
static const schema_type_t t_NodeFeatures = {.name = "io.k8s.api.core.v1.NodeFeatures",
                                             .fields = t_NodeFeatures_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_NodeFeatures_f)};
static const schema_type_t t_ContainerImage = {.name = "io.k8s.api.core.v1.ContainerImage",
                                               .fields = t_ContainerImage_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ContainerImage_f)};
static const schema_type_t t_NodeSystemInfo = {.name = "io.k8s.api.core.v1.NodeSystemInfo",
                                               .fields = t_NodeSystemInfo_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_NodeSystemInfo_f)};
static const schema_type_t t_NodeSwapStatus = {.name = "io.k8s.api.core.v1.NodeSwapStatus",
                                               .fields = t_NodeSwapStatus_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_NodeSwapStatus_f)};
static const schema_type_t t_NodeRuntimeHandler = {.name = "io.k8s.api.core.v1.NodeRuntimeHandler",
                                                   .fields = t_NodeRuntimeHandler_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_NodeRuntimeHandler_f)};
static const schema_type_t t_NodeRuntimeHandlerFeatures = {
    .name = "io.k8s.api.core.v1.NodeRuntimeHandlerFeatures",
    .fields = t_NodeRuntimeHandlerFeatures_f,
    .n_fields = C8S_ARRAY_SIZE(t_NodeRuntimeHandlerFeatures_f)};
static const schema_type_t t_AttachedVolume = {.name = "io.k8s.api.core.v1.AttachedVolume",
                                               .fields = t_AttachedVolume_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_AttachedVolume_f)};
static const schema_type_t t_Service = {
    .name = "io.k8s.api.core.v1.Service",
    .desc = "A stable virtual IP and DNS name in front of a set of pods.",
    .fields = t_Service_f,
    .n_fields = C8S_ARRAY_SIZE(t_Service_f),
    .group = "",
    .version = "v1",
    .kind = "Service"};
static const schema_type_t t_ServiceSpec = {.name = "io.k8s.api.core.v1.ServiceSpec",
                                            .desc = "The desired state of a service.",
                                            .fields = t_ServiceSpec_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_ServiceSpec_f)};
static const schema_type_t t_ServicePort = {
    .name = "io.k8s.api.core.v1.ServicePort",
    .desc = "A port a service exposes and where it sends the traffic.",
    .fields = t_ServicePort_f,
    .n_fields = C8S_ARRAY_SIZE(t_ServicePort_f)};
static const schema_type_t t_SessionAffinityConfig = {
    .name = "io.k8s.api.core.v1.SessionAffinityConfig",
    .fields = t_SessionAffinityConfig_f,
    .n_fields = C8S_ARRAY_SIZE(t_SessionAffinityConfig_f)};
static const schema_type_t t_ClientIPConfig = {.name = "io.k8s.api.core.v1.ClientIPConfig",
                                               .fields = t_ClientIPConfig_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ClientIPConfig_f)};
static const schema_type_t t_ServiceStatus = {.name = "io.k8s.api.core.v1.ServiceStatus",
                                              .fields = t_ServiceStatus_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_ServiceStatus_f)};
static const schema_type_t t_Condition = {.name = "io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
                                          .fields = t_Condition_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_Condition_f)};
static const schema_type_t t_LoadBalancerStatus = {.name = "io.k8s.api.core.v1.LoadBalancerStatus",
                                                   .fields = t_LoadBalancerStatus_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_LoadBalancerStatus_f)};
static const schema_type_t t_LoadBalancerIngress = {
    .name = "io.k8s.api.core.v1.LoadBalancerIngress",
    .fields = t_LoadBalancerIngress_f,
    .n_fields = C8S_ARRAY_SIZE(t_LoadBalancerIngress_f)};
static const schema_type_t t_PortStatus = {.name = "io.k8s.api.core.v1.PortStatus",
                                           .fields = t_PortStatus_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_PortStatus_f)};
static const schema_type_t t_Endpoints = {
    .name = "io.k8s.api.core.v1.Endpoints",
    .desc = "The addresses backing a service (legacy form of EndpointSlice).",
    .fields = t_Endpoints_f,
    .n_fields = C8S_ARRAY_SIZE(t_Endpoints_f),
    .group = "",
    .version = "v1",
    .kind = "Endpoints"};
static const schema_type_t t_EndpointSubset = {.name = "io.k8s.api.core.v1.EndpointSubset",
                                               .fields = t_EndpointSubset_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_EndpointSubset_f)};
static const schema_type_t t_EndpointAddress = {.name = "io.k8s.api.core.v1.EndpointAddress",
                                                .fields = t_EndpointAddress_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_EndpointAddress_f),
                                                .flags = MATOMIC};
static const schema_type_t t_ObjectReference = {.name = "io.k8s.api.core.v1.ObjectReference",
                                                .fields = t_ObjectReference_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_ObjectReference_f),
                                                .flags = MATOMIC};
static const schema_type_t t_core_v1_EndpointPort = {.name = "io.k8s.api.core.v1.EndpointPort",
                                                     .fields = t_core_v1_EndpointPort_f,
                                                     .n_fields =
                                                         C8S_ARRAY_SIZE(t_core_v1_EndpointPort_f),
                                                     .flags = MATOMIC};
static const schema_type_t t_ConfigMap = {.name = "io.k8s.api.core.v1.ConfigMap",
                                          .desc = "Non-secret configuration data for pods.",
                                          .fields = t_ConfigMap_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_ConfigMap_f),
                                          .group = "",
                                          .version = "v1",
                                          .kind = "ConfigMap"};
static const schema_type_t t_Secret = {.name = "io.k8s.api.core.v1.Secret",
                                       .desc = "Sensitive data (passwords, tokens, keys) for pods.",
                                       .fields = t_Secret_f,
                                       .n_fields = C8S_ARRAY_SIZE(t_Secret_f),
                                       .group = "",
                                       .version = "v1",
                                       .kind = "Secret"};
static const schema_type_t t_ServiceAccount = {.name = "io.k8s.api.core.v1.ServiceAccount",
                                               .desc = "An identity for processes running in pods.",
                                               .fields = t_ServiceAccount_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ServiceAccount_f),
                                               .group = "",
                                               .version = "v1",
                                               .kind = "ServiceAccount"};
static const schema_type_t t_Event = {.name = "io.k8s.api.core.v1.Event",
                                      .desc = "A report of something that happened to an object.",
                                      .fields = t_Event_f,
                                      .n_fields = C8S_ARRAY_SIZE(t_Event_f),
                                      .group = "",
                                      .version = "v1",
                                      .kind = "Event"};
static const schema_type_t t_MicroTime = {.name = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
                                          .desc = "A timestamp in RFC 3339 form with microseconds.",
                                          .alias = SCHEMA_STRING,
                                          .format = "date-time"};
static const schema_type_t t_EventSeries = {.name = "io.k8s.api.core.v1.EventSeries",
                                            .fields = t_EventSeries_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_EventSeries_f)};
static const schema_type_t t_EventSource = {.name = "io.k8s.api.core.v1.EventSource",
                                            .fields = t_EventSource_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_EventSource_f)};
static const schema_type_t t_ReplicationController = {
    .name = "io.k8s.api.core.v1.ReplicationController",
    .desc = "Keeps a number of pod copies running (older form of ReplicaSet).",
    .fields = t_ReplicationController_f,
    .n_fields = C8S_ARRAY_SIZE(t_ReplicationController_f),
    .group = "",
    .version = "v1",
    .kind = "ReplicationController"};
static const schema_type_t t_ReplicationControllerSpec = {
    .name = "io.k8s.api.core.v1.ReplicationControllerSpec",
    .fields = t_ReplicationControllerSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_ReplicationControllerSpec_f)};
static const schema_type_t t_PodTemplateSpec = {
    .name = "io.k8s.api.core.v1.PodTemplateSpec",
    .desc = "Metadata and spec of the pods a controller creates.",
    .fields = t_PodTemplateSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodTemplateSpec_f)};
static const schema_type_t t_ReplicationControllerStatus = {
    .name = "io.k8s.api.core.v1.ReplicationControllerStatus",
    .fields = t_ReplicationControllerStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ReplicationControllerStatus_f)};
static const schema_type_t t_ReplicationControllerCondition = {
    .name = "io.k8s.api.core.v1.ReplicationControllerCondition",
    .fields = t_ReplicationControllerCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_ReplicationControllerCondition_f)};
static const schema_type_t t_PersistentVolume = {
    .name = "io.k8s.api.core.v1.PersistentVolume",
    .desc = "A piece of storage provisioned in the cluster.",
    .fields = t_PersistentVolume_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolume_f),
    .group = "",
    .version = "v1",
    .kind = "PersistentVolume"};
static const schema_type_t t_PersistentVolumeSpec = {
    .name = "io.k8s.api.core.v1.PersistentVolumeSpec",
    .fields = t_PersistentVolumeSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeSpec_f)};
static const schema_type_t t_AzureFilePersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.AzureFilePersistentVolumeSource",
    .fields = t_AzureFilePersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_AzureFilePersistentVolumeSource_f)};
static const schema_type_t t_CephFSPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.CephFSPersistentVolumeSource",
    .fields = t_CephFSPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_CephFSPersistentVolumeSource_f)};
static const schema_type_t t_SecretReference = {.name = "io.k8s.api.core.v1.SecretReference",
                                                .fields = t_SecretReference_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_SecretReference_f),
                                                .flags = MATOMIC};
static const schema_type_t t_CinderPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.CinderPersistentVolumeSource",
    .fields = t_CinderPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_CinderPersistentVolumeSource_f)};
static const schema_type_t t_CSIPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.CSIPersistentVolumeSource",
    .fields = t_CSIPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_CSIPersistentVolumeSource_f)};
static const schema_type_t t_FlexPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.FlexPersistentVolumeSource",
    .fields = t_FlexPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_FlexPersistentVolumeSource_f)};
static const schema_type_t t_GlusterfsPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.GlusterfsPersistentVolumeSource",
    .fields = t_GlusterfsPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_GlusterfsPersistentVolumeSource_f)};
static const schema_type_t t_ISCSIPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.ISCSIPersistentVolumeSource",
    .fields = t_ISCSIPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ISCSIPersistentVolumeSource_f)};
static const schema_type_t t_LocalVolumeSource = {.name = "io.k8s.api.core.v1.LocalVolumeSource",
                                                  .fields = t_LocalVolumeSource_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_LocalVolumeSource_f)};
static const schema_type_t t_VolumeNodeAffinity = {.name = "io.k8s.api.core.v1.VolumeNodeAffinity",
                                                   .fields = t_VolumeNodeAffinity_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_VolumeNodeAffinity_f)};
static const schema_type_t t_RBDPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.RBDPersistentVolumeSource",
    .fields = t_RBDPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_RBDPersistentVolumeSource_f)};
static const schema_type_t t_ScaleIOPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.ScaleIOPersistentVolumeSource",
    .fields = t_ScaleIOPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ScaleIOPersistentVolumeSource_f)};
static const schema_type_t t_StorageOSPersistentVolumeSource = {
    .name = "io.k8s.api.core.v1.StorageOSPersistentVolumeSource",
    .fields = t_StorageOSPersistentVolumeSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_StorageOSPersistentVolumeSource_f)};
static const schema_type_t t_PersistentVolumeStatus = {
    .name = "io.k8s.api.core.v1.PersistentVolumeStatus",
    .fields = t_PersistentVolumeStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeStatus_f)};
static const schema_type_t t_PersistentVolumeClaim = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaim",
    .desc = "A request for storage by a user.",
    .fields = t_PersistentVolumeClaim_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaim_f),
    .group = "",
    .version = "v1",
    .kind = "PersistentVolumeClaim"};
static const schema_type_t t_PersistentVolumeClaimStatus = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimStatus",
    .fields = t_PersistentVolumeClaimStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaimStatus_f)};
static const schema_type_t t_PersistentVolumeClaimCondition = {
    .name = "io.k8s.api.core.v1.PersistentVolumeClaimCondition",
    .fields = t_PersistentVolumeClaimCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_PersistentVolumeClaimCondition_f)};
static const schema_type_t t_ModifyVolumeStatus = {.name = "io.k8s.api.core.v1.ModifyVolumeStatus",
                                                   .fields = t_ModifyVolumeStatus_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_ModifyVolumeStatus_f)};
static const schema_type_t t_ResourceQuota = {
    .name = "io.k8s.api.core.v1.ResourceQuota",
    .desc = "Limits on the total resources used in a namespace.",
    .fields = t_ResourceQuota_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceQuota_f),
    .group = "",
    .version = "v1",
    .kind = "ResourceQuota"};
static const schema_type_t t_ResourceQuotaSpec = {.name = "io.k8s.api.core.v1.ResourceQuotaSpec",
                                                  .fields = t_ResourceQuotaSpec_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_ResourceQuotaSpec_f)};
static const schema_type_t t_ScopeSelector = {.name = "io.k8s.api.core.v1.ScopeSelector",
                                              .fields = t_ScopeSelector_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_ScopeSelector_f),
                                              .flags = MATOMIC};
static const schema_type_t t_ScopedResourceSelectorRequirement = {
    .name = "io.k8s.api.core.v1.ScopedResourceSelectorRequirement",
    .fields = t_ScopedResourceSelectorRequirement_f,
    .n_fields = C8S_ARRAY_SIZE(t_ScopedResourceSelectorRequirement_f)};
static const schema_type_t t_ResourceQuotaStatus = {
    .name = "io.k8s.api.core.v1.ResourceQuotaStatus",
    .fields = t_ResourceQuotaStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceQuotaStatus_f)};
static const schema_type_t t_LimitRange = {
    .name = "io.k8s.api.core.v1.LimitRange",
    .desc = "Default and bounds of resources per pod or container in a namespace.",
    .fields = t_LimitRange_f,
    .n_fields = C8S_ARRAY_SIZE(t_LimitRange_f),
    .group = "",
    .version = "v1",
    .kind = "LimitRange"};
static const schema_type_t t_LimitRangeSpec = {.name = "io.k8s.api.core.v1.LimitRangeSpec",
                                               .fields = t_LimitRangeSpec_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_LimitRangeSpec_f)};
static const schema_type_t t_LimitRangeItem = {.name = "io.k8s.api.core.v1.LimitRangeItem",
                                               .fields = t_LimitRangeItem_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_LimitRangeItem_f)};
static const schema_type_t t_Deployment = {.name = "io.k8s.api.apps.v1.Deployment",
                                           .desc =
                                               "Declarative updates of pods through ReplicaSets.",
                                           .fields = t_Deployment_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_Deployment_f),
                                           .group = "apps",
                                           .version = "v1",
                                           .kind = "Deployment"};
static const schema_type_t t_DeploymentSpec = {.name = "io.k8s.api.apps.v1.DeploymentSpec",
                                               .desc = "The desired state of a deployment.",
                                               .fields = t_DeploymentSpec_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_DeploymentSpec_f)};
static const schema_type_t t_DeploymentStrategy = {
    .name = "io.k8s.api.apps.v1.DeploymentStrategy",
    .desc = "How a deployment replaces old pods with new ones.",
    .fields = t_DeploymentStrategy_f,
    .n_fields = C8S_ARRAY_SIZE(t_DeploymentStrategy_f)};
static const schema_type_t t_RollingUpdateDeployment = {
    .name = "io.k8s.api.apps.v1.RollingUpdateDeployment",
    .desc = "Parameters of a rolling update of a deployment.",
    .fields = t_RollingUpdateDeployment_f,
    .n_fields = C8S_ARRAY_SIZE(t_RollingUpdateDeployment_f)};
static const schema_type_t t_DeploymentStatus = {.name = "io.k8s.api.apps.v1.DeploymentStatus",
                                                 .fields = t_DeploymentStatus_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_DeploymentStatus_f)};
static const schema_type_t t_DeploymentCondition = {
    .name = "io.k8s.api.apps.v1.DeploymentCondition",
    .fields = t_DeploymentCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_DeploymentCondition_f)};
static const schema_type_t t_ReplicaSet = {.name = "io.k8s.api.apps.v1.ReplicaSet",
                                           .desc = "Keeps a number of identical pods running.",
                                           .fields = t_ReplicaSet_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_ReplicaSet_f),
                                           .group = "apps",
                                           .version = "v1",
                                           .kind = "ReplicaSet"};
static const schema_type_t t_ReplicaSetSpec = {.name = "io.k8s.api.apps.v1.ReplicaSetSpec",
                                               .fields = t_ReplicaSetSpec_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_ReplicaSetSpec_f)};
static const schema_type_t t_ReplicaSetStatus = {.name = "io.k8s.api.apps.v1.ReplicaSetStatus",
                                                 .fields = t_ReplicaSetStatus_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_ReplicaSetStatus_f)};
static const schema_type_t t_ReplicaSetCondition = {
    .name = "io.k8s.api.apps.v1.ReplicaSetCondition",
    .fields = t_ReplicaSetCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_ReplicaSetCondition_f)};
static const schema_type_t t_StatefulSet = {
    .name = "io.k8s.api.apps.v1.StatefulSet",
    .desc = "Pods with stable identities and storage, created in order.",
    .fields = t_StatefulSet_f,
    .n_fields = C8S_ARRAY_SIZE(t_StatefulSet_f),
    .group = "apps",
    .version = "v1",
    .kind = "StatefulSet"};
static const schema_type_t t_StatefulSetSpec = {.name = "io.k8s.api.apps.v1.StatefulSetSpec",
                                                .fields = t_StatefulSetSpec_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_StatefulSetSpec_f)};
static const schema_type_t t_StatefulSetOrdinals = {
    .name = "io.k8s.api.apps.v1.StatefulSetOrdinals",
    .fields = t_StatefulSetOrdinals_f,
    .n_fields = C8S_ARRAY_SIZE(t_StatefulSetOrdinals_f)};
static const schema_type_t t_StatefulSetPersistentVolumeClaimRetentionPolicy = {
    .name = "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
    .fields = t_StatefulSetPersistentVolumeClaimRetentionPolicy_f,
    .n_fields = C8S_ARRAY_SIZE(t_StatefulSetPersistentVolumeClaimRetentionPolicy_f)};
static const schema_type_t t_StatefulSetUpdateStrategy = {
    .name = "io.k8s.api.apps.v1.StatefulSetUpdateStrategy",
    .fields = t_StatefulSetUpdateStrategy_f,
    .n_fields = C8S_ARRAY_SIZE(t_StatefulSetUpdateStrategy_f)};
static const schema_type_t t_RollingUpdateStatefulSetStrategy = {
    .name = "io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy",
    .fields = t_RollingUpdateStatefulSetStrategy_f,
    .n_fields = C8S_ARRAY_SIZE(t_RollingUpdateStatefulSetStrategy_f)};
static const schema_type_t t_StatefulSetStatus = {.name = "io.k8s.api.apps.v1.StatefulSetStatus",
                                                  .fields = t_StatefulSetStatus_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_StatefulSetStatus_f)};
static const schema_type_t t_StatefulSetCondition = {
    .name = "io.k8s.api.apps.v1.StatefulSetCondition",
    .fields = t_StatefulSetCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_StatefulSetCondition_f)};
static const schema_type_t t_DaemonSet = {.name = "io.k8s.api.apps.v1.DaemonSet",
                                          .desc =
                                              "Runs one copy of a pod on every (selected) node.",
                                          .fields = t_DaemonSet_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_DaemonSet_f),
                                          .group = "apps",
                                          .version = "v1",
                                          .kind = "DaemonSet"};
static const schema_type_t t_DaemonSetSpec = {.name = "io.k8s.api.apps.v1.DaemonSetSpec",
                                              .fields = t_DaemonSetSpec_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_DaemonSetSpec_f)};
static const schema_type_t t_DaemonSetUpdateStrategy = {
    .name = "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
    .fields = t_DaemonSetUpdateStrategy_f,
    .n_fields = C8S_ARRAY_SIZE(t_DaemonSetUpdateStrategy_f)};
static const schema_type_t t_RollingUpdateDaemonSet = {
    .name = "io.k8s.api.apps.v1.RollingUpdateDaemonSet",
    .fields = t_RollingUpdateDaemonSet_f,
    .n_fields = C8S_ARRAY_SIZE(t_RollingUpdateDaemonSet_f)};
static const schema_type_t t_DaemonSetStatus = {.name = "io.k8s.api.apps.v1.DaemonSetStatus",
                                                .fields = t_DaemonSetStatus_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_DaemonSetStatus_f)};
static const schema_type_t t_DaemonSetCondition = {.name = "io.k8s.api.apps.v1.DaemonSetCondition",
                                                   .fields = t_DaemonSetCondition_f,
                                                   .n_fields =
                                                       C8S_ARRAY_SIZE(t_DaemonSetCondition_f)};
static const schema_type_t t_ControllerRevision = {
    .name = "io.k8s.api.apps.v1.ControllerRevision",
    .desc = "An immutable snapshot of a controller's state, for rollbacks.",
    .fields = t_ControllerRevision_f,
    .n_fields = C8S_ARRAY_SIZE(t_ControllerRevision_f),
    .group = "apps",
    .version = "v1",
    .kind = "ControllerRevision"};
static const schema_type_t t_RawExtension = {.name = "io.k8s.apimachinery.pkg.runtime.RawExtension",
                                             .desc = "An embedded object of any kind.",
                                             .alias = SCHEMA_ANY};
static const schema_type_t t_Job = {.name = "io.k8s.api.batch.v1.Job",
                                    .desc =
                                        "Runs pods until a number of them complete successfully.",
                                    .fields = t_Job_f,
                                    .n_fields = C8S_ARRAY_SIZE(t_Job_f),
                                    .group = "batch",
                                    .version = "v1",
                                    .kind = "Job"};
static const schema_type_t t_JobSpec = {.name = "io.k8s.api.batch.v1.JobSpec",
                                        .fields = t_JobSpec_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_JobSpec_f)};
static const schema_type_t t_PodFailurePolicy = {.name = "io.k8s.api.batch.v1.PodFailurePolicy",
                                                 .fields = t_PodFailurePolicy_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_PodFailurePolicy_f)};
static const schema_type_t t_PodFailurePolicyRule = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyRule",
    .fields = t_PodFailurePolicyRule_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodFailurePolicyRule_f)};
static const schema_type_t t_PodFailurePolicyOnExitCodesRequirement = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
    .fields = t_PodFailurePolicyOnExitCodesRequirement_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodFailurePolicyOnExitCodesRequirement_f)};
static const schema_type_t t_PodFailurePolicyOnPodConditionsPattern = {
    .name = "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
    .fields = t_PodFailurePolicyOnPodConditionsPattern_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodFailurePolicyOnPodConditionsPattern_f)};
static const schema_type_t t_SuccessPolicy = {.name = "io.k8s.api.batch.v1.SuccessPolicy",
                                              .fields = t_SuccessPolicy_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_SuccessPolicy_f)};
static const schema_type_t t_SuccessPolicyRule = {.name = "io.k8s.api.batch.v1.SuccessPolicyRule",
                                                  .fields = t_SuccessPolicyRule_f,
                                                  .n_fields =
                                                      C8S_ARRAY_SIZE(t_SuccessPolicyRule_f)};
static const schema_type_t t_JobStatus = {.name = "io.k8s.api.batch.v1.JobStatus",
                                          .fields = t_JobStatus_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_JobStatus_f)};
static const schema_type_t t_JobCondition = {.name = "io.k8s.api.batch.v1.JobCondition",
                                             .fields = t_JobCondition_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_JobCondition_f)};
static const schema_type_t t_UncountedTerminatedPods = {
    .name = "io.k8s.api.batch.v1.UncountedTerminatedPods",
    .fields = t_UncountedTerminatedPods_f,
    .n_fields = C8S_ARRAY_SIZE(t_UncountedTerminatedPods_f)};
static const schema_type_t t_CronJob = {.name = "io.k8s.api.batch.v1.CronJob",
                                        .desc = "Creates Jobs on a schedule.",
                                        .fields = t_CronJob_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_CronJob_f),
                                        .group = "batch",
                                        .version = "v1",
                                        .kind = "CronJob"};
static const schema_type_t t_CronJobSpec = {.name = "io.k8s.api.batch.v1.CronJobSpec",
                                            .fields = t_CronJobSpec_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_CronJobSpec_f)};
static const schema_type_t t_JobTemplateSpec = {.name = "io.k8s.api.batch.v1.JobTemplateSpec",
                                                .fields = t_JobTemplateSpec_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_JobTemplateSpec_f)};
static const schema_type_t t_CronJobStatus = {.name = "io.k8s.api.batch.v1.CronJobStatus",
                                              .fields = t_CronJobStatus_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_CronJobStatus_f)};
static const schema_type_t t_Lease = {
    .name = "io.k8s.api.coordination.v1.Lease",
    .desc = "A lock with an expiry, used for leader election and heartbeats.",
    .fields = t_Lease_f,
    .n_fields = C8S_ARRAY_SIZE(t_Lease_f),
    .group = "coordination.k8s.io",
    .version = "v1",
    .kind = "Lease"};
static const schema_type_t t_LeaseSpec = {.name = "io.k8s.api.coordination.v1.LeaseSpec",
                                          .fields = t_LeaseSpec_f,
                                          .n_fields = C8S_ARRAY_SIZE(t_LeaseSpec_f)};
static const schema_type_t t_EndpointSlice = {.name = "io.k8s.api.discovery.v1.EndpointSlice",
                                              .desc =
                                                  "A subset of the endpoints backing a service.",
                                              .fields = t_EndpointSlice_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_EndpointSlice_f),
                                              .group = "discovery.k8s.io",
                                              .version = "v1",
                                              .kind = "EndpointSlice"};
static const schema_type_t t_Endpoint = {.name = "io.k8s.api.discovery.v1.Endpoint",
                                         .fields = t_Endpoint_f,
                                         .n_fields = C8S_ARRAY_SIZE(t_Endpoint_f)};
static const schema_type_t t_EndpointConditions = {
    .name = "io.k8s.api.discovery.v1.EndpointConditions",
    .fields = t_EndpointConditions_f,
    .n_fields = C8S_ARRAY_SIZE(t_EndpointConditions_f)};
static const schema_type_t t_EndpointHints = {.name = "io.k8s.api.discovery.v1.EndpointHints",
                                              .fields = t_EndpointHints_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_EndpointHints_f)};
static const schema_type_t t_ForNode = {.name = "io.k8s.api.discovery.v1.ForNode",
                                        .fields = t_ForNode_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_ForNode_f)};
static const schema_type_t t_ForZone = {.name = "io.k8s.api.discovery.v1.ForZone",
                                        .fields = t_ForZone_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_ForZone_f)};
static const schema_type_t t_discovery_v1_EndpointPort = {
    .name = "io.k8s.api.discovery.v1.EndpointPort",
    .fields = t_discovery_v1_EndpointPort_f,
    .n_fields = C8S_ARRAY_SIZE(t_discovery_v1_EndpointPort_f),
    .flags = MATOMIC};
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscaler = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
    .desc = "Scales a workload's replica count from observed metrics.",
    .fields = t_autoscaling_v2_HorizontalPodAutoscaler_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v2_HorizontalPodAutoscaler_f),
    .group = "autoscaling",
    .version = "v2",
    .kind = "HorizontalPodAutoscaler"};
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscalerSpec = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec",
    .fields = t_autoscaling_v2_HorizontalPodAutoscalerSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v2_HorizontalPodAutoscalerSpec_f)};
static const schema_type_t t_HorizontalPodAutoscalerBehavior = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerBehavior",
    .fields = t_HorizontalPodAutoscalerBehavior_f,
    .n_fields = C8S_ARRAY_SIZE(t_HorizontalPodAutoscalerBehavior_f)};
static const schema_type_t t_HPAScalingRules = {.name = "io.k8s.api.autoscaling.v2.HPAScalingRules",
                                                .fields = t_HPAScalingRules_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_HPAScalingRules_f)};
static const schema_type_t t_HPAScalingPolicy = {.name =
                                                     "io.k8s.api.autoscaling.v2.HPAScalingPolicy",
                                                 .fields = t_HPAScalingPolicy_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_HPAScalingPolicy_f)};
static const schema_type_t t_MetricSpec = {.name = "io.k8s.api.autoscaling.v2.MetricSpec",
                                           .fields = t_MetricSpec_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_MetricSpec_f)};
static const schema_type_t t_ContainerResourceMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ContainerResourceMetricSource",
    .fields = t_ContainerResourceMetricSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerResourceMetricSource_f)};
static const schema_type_t t_MetricTarget = {.name = "io.k8s.api.autoscaling.v2.MetricTarget",
                                             .fields = t_MetricTarget_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_MetricTarget_f)};
static const schema_type_t t_ExternalMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ExternalMetricSource",
    .fields = t_ExternalMetricSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ExternalMetricSource_f)};
static const schema_type_t t_MetricIdentifier = {.name =
                                                     "io.k8s.api.autoscaling.v2.MetricIdentifier",
                                                 .fields = t_MetricIdentifier_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_MetricIdentifier_f)};
static const schema_type_t t_ObjectMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ObjectMetricSource",
    .fields = t_ObjectMetricSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ObjectMetricSource_f)};
static const schema_type_t t_autoscaling_v2_CrossVersionObjectReference = {
    .name = "io.k8s.api.autoscaling.v2.CrossVersionObjectReference",
    .fields = t_autoscaling_v2_CrossVersionObjectReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v2_CrossVersionObjectReference_f)};
static const schema_type_t t_PodsMetricSource = {.name =
                                                     "io.k8s.api.autoscaling.v2.PodsMetricSource",
                                                 .fields = t_PodsMetricSource_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_PodsMetricSource_f)};
static const schema_type_t t_ResourceMetricSource = {
    .name = "io.k8s.api.autoscaling.v2.ResourceMetricSource",
    .fields = t_ResourceMetricSource_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceMetricSource_f)};
static const schema_type_t t_autoscaling_v2_HorizontalPodAutoscalerStatus = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus",
    .fields = t_autoscaling_v2_HorizontalPodAutoscalerStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v2_HorizontalPodAutoscalerStatus_f)};
static const schema_type_t t_HorizontalPodAutoscalerCondition = {
    .name = "io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerCondition",
    .fields = t_HorizontalPodAutoscalerCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_HorizontalPodAutoscalerCondition_f)};
static const schema_type_t t_MetricStatus = {.name = "io.k8s.api.autoscaling.v2.MetricStatus",
                                             .fields = t_MetricStatus_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_MetricStatus_f)};
static const schema_type_t t_ContainerResourceMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ContainerResourceMetricStatus",
    .fields = t_ContainerResourceMetricStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ContainerResourceMetricStatus_f)};
static const schema_type_t t_MetricValueStatus = {
    .name = "io.k8s.api.autoscaling.v2.MetricValueStatus",
    .fields = t_MetricValueStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_MetricValueStatus_f)};
static const schema_type_t t_ExternalMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ExternalMetricStatus",
    .fields = t_ExternalMetricStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ExternalMetricStatus_f)};
static const schema_type_t t_ObjectMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ObjectMetricStatus",
    .fields = t_ObjectMetricStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ObjectMetricStatus_f)};
static const schema_type_t t_PodsMetricStatus = {.name =
                                                     "io.k8s.api.autoscaling.v2.PodsMetricStatus",
                                                 .fields = t_PodsMetricStatus_f,
                                                 .n_fields = C8S_ARRAY_SIZE(t_PodsMetricStatus_f)};
static const schema_type_t t_ResourceMetricStatus = {
    .name = "io.k8s.api.autoscaling.v2.ResourceMetricStatus",
    .fields = t_ResourceMetricStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceMetricStatus_f)};
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscaler = {
    .name = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler",
    .desc = "Scales a workload's replica count from observed metrics.",
    .fields = t_autoscaling_v1_HorizontalPodAutoscaler_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v1_HorizontalPodAutoscaler_f),
    .group = "autoscaling",
    .version = "v1",
    .kind = "HorizontalPodAutoscaler"};
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscalerSpec = {
    .name = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec",
    .fields = t_autoscaling_v1_HorizontalPodAutoscalerSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v1_HorizontalPodAutoscalerSpec_f)};
static const schema_type_t t_autoscaling_v1_CrossVersionObjectReference = {
    .name = "io.k8s.api.autoscaling.v1.CrossVersionObjectReference",
    .fields = t_autoscaling_v1_CrossVersionObjectReference_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v1_CrossVersionObjectReference_f),
    .flags = MATOMIC};
static const schema_type_t t_autoscaling_v1_HorizontalPodAutoscalerStatus = {
    .name = "io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus",
    .fields = t_autoscaling_v1_HorizontalPodAutoscalerStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_autoscaling_v1_HorizontalPodAutoscalerStatus_f)};
static const schema_type_t t_Ingress = {
    .name = "io.k8s.api.networking.v1.Ingress",
    .desc = "HTTP routing rules from outside the cluster to services.",
    .fields = t_Ingress_f,
    .n_fields = C8S_ARRAY_SIZE(t_Ingress_f),
    .group = "networking.k8s.io",
    .version = "v1",
    .kind = "Ingress"};
static const schema_type_t t_IngressSpec = {.name = "io.k8s.api.networking.v1.IngressSpec",
                                            .fields = t_IngressSpec_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_IngressSpec_f)};
static const schema_type_t t_IngressBackend = {.name = "io.k8s.api.networking.v1.IngressBackend",
                                               .fields = t_IngressBackend_f,
                                               .n_fields = C8S_ARRAY_SIZE(t_IngressBackend_f)};
static const schema_type_t t_IngressServiceBackend = {
    .name = "io.k8s.api.networking.v1.IngressServiceBackend",
    .fields = t_IngressServiceBackend_f,
    .n_fields = C8S_ARRAY_SIZE(t_IngressServiceBackend_f)};
static const schema_type_t t_ServiceBackendPort = {
    .name = "io.k8s.api.networking.v1.ServiceBackendPort",
    .fields = t_ServiceBackendPort_f,
    .n_fields = C8S_ARRAY_SIZE(t_ServiceBackendPort_f),
    .flags = MATOMIC};
static const schema_type_t t_IngressRule = {.name = "io.k8s.api.networking.v1.IngressRule",
                                            .fields = t_IngressRule_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_IngressRule_f)};
static const schema_type_t t_HTTPIngressRuleValue = {
    .name = "io.k8s.api.networking.v1.HTTPIngressRuleValue",
    .fields = t_HTTPIngressRuleValue_f,
    .n_fields = C8S_ARRAY_SIZE(t_HTTPIngressRuleValue_f)};
static const schema_type_t t_HTTPIngressPath = {.name = "io.k8s.api.networking.v1.HTTPIngressPath",
                                                .fields = t_HTTPIngressPath_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_HTTPIngressPath_f)};
static const schema_type_t t_IngressTLS = {.name = "io.k8s.api.networking.v1.IngressTLS",
                                           .fields = t_IngressTLS_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_IngressTLS_f)};
static const schema_type_t t_IngressStatus = {.name = "io.k8s.api.networking.v1.IngressStatus",
                                              .fields = t_IngressStatus_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_IngressStatus_f)};
static const schema_type_t t_IngressLoadBalancerStatus = {
    .name = "io.k8s.api.networking.v1.IngressLoadBalancerStatus",
    .fields = t_IngressLoadBalancerStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_IngressLoadBalancerStatus_f)};
static const schema_type_t t_IngressLoadBalancerIngress = {
    .name = "io.k8s.api.networking.v1.IngressLoadBalancerIngress",
    .fields = t_IngressLoadBalancerIngress_f,
    .n_fields = C8S_ARRAY_SIZE(t_IngressLoadBalancerIngress_f)};
static const schema_type_t t_IngressPortStatus = {
    .name = "io.k8s.api.networking.v1.IngressPortStatus",
    .fields = t_IngressPortStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_IngressPortStatus_f)};
static const schema_type_t t_NetworkPolicy = {.name = "io.k8s.api.networking.v1.NetworkPolicy",
                                              .desc =
                                                  "Which traffic may reach or leave a set of pods.",
                                              .fields = t_NetworkPolicy_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicy_f),
                                              .group = "networking.k8s.io",
                                              .version = "v1",
                                              .kind = "NetworkPolicy"};
static const schema_type_t t_NetworkPolicySpec = {
    .name = "io.k8s.api.networking.v1.NetworkPolicySpec",
    .fields = t_NetworkPolicySpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicySpec_f)};
static const schema_type_t t_NetworkPolicyEgressRule = {
    .name = "io.k8s.api.networking.v1.NetworkPolicyEgressRule",
    .fields = t_NetworkPolicyEgressRule_f,
    .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicyEgressRule_f)};
static const schema_type_t t_NetworkPolicyPort = {
    .name = "io.k8s.api.networking.v1.NetworkPolicyPort",
    .fields = t_NetworkPolicyPort_f,
    .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicyPort_f)};
static const schema_type_t t_NetworkPolicyPeer = {
    .name = "io.k8s.api.networking.v1.NetworkPolicyPeer",
    .fields = t_NetworkPolicyPeer_f,
    .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicyPeer_f)};
static const schema_type_t t_IPBlock = {.name = "io.k8s.api.networking.v1.IPBlock",
                                        .fields = t_IPBlock_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_IPBlock_f)};
static const schema_type_t t_NetworkPolicyIngressRule = {
    .name = "io.k8s.api.networking.v1.NetworkPolicyIngressRule",
    .fields = t_NetworkPolicyIngressRule_f,
    .n_fields = C8S_ARRAY_SIZE(t_NetworkPolicyIngressRule_f)};
static const schema_type_t t_StorageClass = {.name = "io.k8s.api.storage.v1.StorageClass",
                                             .desc = "A class of dynamically provisioned storage.",
                                             .fields = t_StorageClass_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_StorageClass_f),
                                             .group = "storage.k8s.io",
                                             .version = "v1",
                                             .kind = "StorageClass"};
static const schema_type_t t_TopologySelectorTerm = {
    .name = "io.k8s.api.core.v1.TopologySelectorTerm",
    .fields = t_TopologySelectorTerm_f,
    .n_fields = C8S_ARRAY_SIZE(t_TopologySelectorTerm_f),
    .flags = MATOMIC};
static const schema_type_t t_TopologySelectorLabelRequirement = {
    .name = "io.k8s.api.core.v1.TopologySelectorLabelRequirement",
    .fields = t_TopologySelectorLabelRequirement_f,
    .n_fields = C8S_ARRAY_SIZE(t_TopologySelectorLabelRequirement_f)};
static const schema_type_t t_SubjectAccessReview = {
    .name = "io.k8s.api.authorization.v1.SubjectAccessReview",
    .desc = "Asks whether a user may do something.",
    .fields = t_SubjectAccessReview_f,
    .n_fields = C8S_ARRAY_SIZE(t_SubjectAccessReview_f),
    .group = "authorization.k8s.io",
    .version = "v1",
    .kind = "SubjectAccessReview"};
static const schema_type_t t_SubjectAccessReviewSpec = {
    .name = "io.k8s.api.authorization.v1.SubjectAccessReviewSpec",
    .fields = t_SubjectAccessReviewSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_SubjectAccessReviewSpec_f)};
static const schema_type_t t_ResourceAttributes = {
    .name = "io.k8s.api.authorization.v1.ResourceAttributes",
    .fields = t_ResourceAttributes_f,
    .n_fields = C8S_ARRAY_SIZE(t_ResourceAttributes_f)};
static const schema_type_t t_NonResourceAttributes = {
    .name = "io.k8s.api.authorization.v1.NonResourceAttributes",
    .fields = t_NonResourceAttributes_f,
    .n_fields = C8S_ARRAY_SIZE(t_NonResourceAttributes_f)};
static const schema_type_t t_SubjectAccessReviewStatus = {
    .name = "io.k8s.api.authorization.v1.SubjectAccessReviewStatus",
    .fields = t_SubjectAccessReviewStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_SubjectAccessReviewStatus_f)};
static const schema_type_t t_SelfSubjectAccessReview = {
    .name = "io.k8s.api.authorization.v1.SelfSubjectAccessReview",
    .desc = "Asks whether the caller may do something.",
    .fields = t_SelfSubjectAccessReview_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectAccessReview_f),
    .group = "authorization.k8s.io",
    .version = "v1",
    .kind = "SelfSubjectAccessReview"};
static const schema_type_t t_SelfSubjectAccessReviewSpec = {
    .name = "io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec",
    .fields = t_SelfSubjectAccessReviewSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectAccessReviewSpec_f)};
static const schema_type_t t_LocalSubjectAccessReview = {
    .name = "io.k8s.api.authorization.v1.LocalSubjectAccessReview",
    .desc = "Asks whether a user may do something in a namespace.",
    .fields = t_LocalSubjectAccessReview_f,
    .n_fields = C8S_ARRAY_SIZE(t_LocalSubjectAccessReview_f),
    .group = "authorization.k8s.io",
    .version = "v1",
    .kind = "LocalSubjectAccessReview"};
static const schema_type_t t_SelfSubjectRulesReview = {
    .name = "io.k8s.api.authorization.v1.SelfSubjectRulesReview",
    .desc = "Asks what the caller may do in a namespace.",
    .fields = t_SelfSubjectRulesReview_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectRulesReview_f),
    .group = "authorization.k8s.io",
    .version = "v1",
    .kind = "SelfSubjectRulesReview"};
static const schema_type_t t_SelfSubjectRulesReviewSpec = {
    .name = "io.k8s.api.authorization.v1.SelfSubjectRulesReviewSpec",
    .fields = t_SelfSubjectRulesReviewSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectRulesReviewSpec_f)};
static const schema_type_t t_SubjectRulesReviewStatus = {
    .name = "io.k8s.api.authorization.v1.SubjectRulesReviewStatus",
    .fields = t_SubjectRulesReviewStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_SubjectRulesReviewStatus_f)};
static const schema_type_t t_ResourceRule = {.name = "io.k8s.api.authorization.v1.ResourceRule",
                                             .fields = t_ResourceRule_f,
                                             .n_fields = C8S_ARRAY_SIZE(t_ResourceRule_f)};
static const schema_type_t t_NonResourceRule = {.name =
                                                    "io.k8s.api.authorization.v1.NonResourceRule",
                                                .fields = t_NonResourceRule_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_NonResourceRule_f)};
static const schema_type_t t_Role = {.name = "io.k8s.api.rbac.v1.Role",
                                     .desc = "A set of permissions within a namespace.",
                                     .fields = t_Role_f,
                                     .n_fields = C8S_ARRAY_SIZE(t_Role_f),
                                     .group = "rbac.authorization.k8s.io",
                                     .version = "v1",
                                     .kind = "Role"};
static const schema_type_t t_PolicyRule = {.name = "io.k8s.api.rbac.v1.PolicyRule",
                                           .fields = t_PolicyRule_f,
                                           .n_fields = C8S_ARRAY_SIZE(t_PolicyRule_f)};
static const schema_type_t t_ClusterRole = {
    .name = "io.k8s.api.rbac.v1.ClusterRole",
    .desc = "A set of permissions, cluster-wide or reusable in namespaces.",
    .fields = t_ClusterRole_f,
    .n_fields = C8S_ARRAY_SIZE(t_ClusterRole_f),
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .kind = "ClusterRole"};
static const schema_type_t t_AggregationRule = {.name = "io.k8s.api.rbac.v1.AggregationRule",
                                                .fields = t_AggregationRule_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_AggregationRule_f)};
static const schema_type_t t_RoleBinding = {
    .name = "io.k8s.api.rbac.v1.RoleBinding",
    .desc = "Grants a role's permissions to subjects within a namespace.",
    .fields = t_RoleBinding_f,
    .n_fields = C8S_ARRAY_SIZE(t_RoleBinding_f),
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .kind = "RoleBinding"};
static const schema_type_t t_RoleRef = {.name = "io.k8s.api.rbac.v1.RoleRef",
                                        .fields = t_RoleRef_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_RoleRef_f),
                                        .flags = MATOMIC};
static const schema_type_t t_Subject = {.name = "io.k8s.api.rbac.v1.Subject",
                                        .fields = t_Subject_f,
                                        .n_fields = C8S_ARRAY_SIZE(t_Subject_f),
                                        .flags = MATOMIC};
static const schema_type_t t_ClusterRoleBinding = {
    .name = "io.k8s.api.rbac.v1.ClusterRoleBinding",
    .desc = "Grants a cluster role's permissions cluster-wide.",
    .fields = t_ClusterRoleBinding_f,
    .n_fields = C8S_ARRAY_SIZE(t_ClusterRoleBinding_f),
    .group = "rbac.authorization.k8s.io",
    .version = "v1",
    .kind = "ClusterRoleBinding"};
static const schema_type_t t_PriorityClass = {.name = "io.k8s.api.scheduling.v1.PriorityClass",
                                              .desc = "A named pod priority.",
                                              .fields = t_PriorityClass_f,
                                              .n_fields = C8S_ARRAY_SIZE(t_PriorityClass_f),
                                              .group = "scheduling.k8s.io",
                                              .version = "v1",
                                              .kind = "PriorityClass"};

static const schema_type_t t_PodDisruptionBudget = {
    .name = "io.k8s.api.policy.v1.PodDisruptionBudget",
    .desc = "How many of a set of pods may be disrupted (evicted) at a time.",
    .fields = t_PodDisruptionBudget_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodDisruptionBudget_f),
    .group = "policy",
    .version = "v1",
    .kind = "PodDisruptionBudget"};
static const schema_type_t t_PodDisruptionBudgetSpec = {
    .name = "io.k8s.api.policy.v1.PodDisruptionBudgetSpec",
    .fields = t_PodDisruptionBudgetSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodDisruptionBudgetSpec_f)};
static const schema_type_t t_PodDisruptionBudgetStatus = {
    .name = "io.k8s.api.policy.v1.PodDisruptionBudgetStatus",
    .fields = t_PodDisruptionBudgetStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_PodDisruptionBudgetStatus_f)};

/* authentication.k8s.io/v1: create-only review kinds (tokens, issue 8). */
static const schema_type_t t_UserInfo;
static const schema_type_t t_TokenReviewSpec;
static const schema_type_t t_TokenReviewStatus;
static const schema_type_t t_SelfSubjectReviewStatus;
static const schema_field_t t_UserInfo_f[] = {
    {.name = "extra", MAP(ANY), .desc = "Further facts the authenticator gave."},
    {.name = "groups", ARR(STR), .flags = LATOMIC, .desc = "Groups the user belongs to."},
    {.name = "uid", STR, .desc = "A unique value that identifies the user across time."},
    {.name = "username", STR, .desc = "The name that uniquely identifies the user."},
};
static const schema_type_t t_UserInfo = {.name = "io.k8s.api.authentication.v1.UserInfo",
                                         .fields = t_UserInfo_f,
                                         .n_fields = C8S_ARRAY_SIZE(t_UserInfo_f)};
static const schema_field_t t_TokenReviewSpec_f[] = {
    {.name = "audiences", ARR(STR), .flags = LATOMIC, .desc = "Audiences the token must be for."},
    {.name = "token", STR, .desc = "The opaque bearer token."},
};
static const schema_type_t t_TokenReviewSpec = {.name =
                                                    "io.k8s.api.authentication.v1.TokenReviewSpec",
                                                .fields = t_TokenReviewSpec_f,
                                                .n_fields = C8S_ARRAY_SIZE(t_TokenReviewSpec_f)};
static const schema_field_t t_TokenReviewStatus_f[] = {
    {.name = "audiences", ARR(STR), .flags = LATOMIC, .desc = "Audiences the token is valid for."},
    {.name = "authenticated", BOOL, .desc = "Whether the token is valid."},
    {.name = "error", STR, .desc = "Why the token could not be checked or was refused."},
    {.name = "user", REF(t_UserInfo), .desc = "Who the token is."},
};
static const schema_type_t t_TokenReviewStatus = {
    .name = "io.k8s.api.authentication.v1.TokenReviewStatus",
    .fields = t_TokenReviewStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_TokenReviewStatus_f)};
static const schema_field_t t_TokenReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata", REF(t_ObjectMeta), .desc = "Standard object metadata."},
    {.name = "spec", REF(t_TokenReviewSpec), .flags = REQ, .desc = "The token to check."},
    {.name = "status", REF(t_TokenReviewStatus), .desc = "The answer, filled in by the server."},
};
static const schema_type_t t_TokenReview = {.name = "io.k8s.api.authentication.v1.TokenReview",
                                            .desc = "Asks who a bearer token authenticates as.",
                                            .fields = t_TokenReview_f,
                                            .n_fields = C8S_ARRAY_SIZE(t_TokenReview_f),
                                            .group = "authentication.k8s.io",
                                            .version = "v1",
                                            .kind = "TokenReview"};
static const schema_field_t t_SelfSubjectReviewStatus_f[] = {
    {.name = "userInfo", REF(t_UserInfo), .desc = "Who the asking user is."},
};
static const schema_type_t t_SelfSubjectReviewStatus = {
    .name = "io.k8s.api.authentication.v1.SelfSubjectReviewStatus",
    .fields = t_SelfSubjectReviewStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectReviewStatus_f)};
static const schema_field_t t_SelfSubjectReview_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata", REF(t_ObjectMeta), .desc = "Standard object metadata."},
    {.name = "status", REF(t_SelfSubjectReviewStatus), .desc = "The answer."},
};
static const schema_type_t t_SelfSubjectReview = {
    .name = "io.k8s.api.authentication.v1.SelfSubjectReview",
    .desc = "Asks who the requesting user is.",
    .fields = t_SelfSubjectReview_f,
    .n_fields = C8S_ARRAY_SIZE(t_SelfSubjectReview_f),
    .group = "authentication.k8s.io",
    .version = "v1",
    .kind = "SelfSubjectReview"};

/* certificates.k8s.io/v1 */
static const schema_type_t t_CertificateSigningRequestSpec;
static const schema_type_t t_CertificateSigningRequestStatus;
static const schema_type_t t_CertificateSigningRequestCondition;
static const schema_field_t t_CertificateSigningRequest_f[] = {
    {.name = "apiVersion", STR, .desc = "Versioned schema of this object, e.g. v1 or apps/v1."},
    {.name = "kind", STR, .desc = "The object's type, in CamelCase (Pod, Deployment ...)."},
    {.name = "metadata",
     REF(t_ObjectMeta),
     .desc = "Standard object metadata: name, namespace, labels, annotations, owners."},
    {.name = "spec",
     REF(t_CertificateSigningRequestSpec),
     .flags = REQ,
     .desc = "The request, the signer asked, and who asked (set by the server)."},
    {.name = "status",
     REF(t_CertificateSigningRequestStatus),
     .desc = "Approval conditions and the issued certificate."},
};
static const schema_field_t t_CertificateSigningRequestSpec_f[] = {
    {.name = "expirationSeconds", I32, .desc = "Requested validity of the certificate."},
    {.name = "extra", MAP(ANY), .desc = "Extra attributes of the requester (server-set)."},
    {.name = "groups", ARR(STR), .flags = LATOMIC, .desc = "Groups of the requester (server-set)."},
    {.name = "request", BYTES, .flags = REQ | LATOMIC, .desc = "A PEM CERTIFICATE REQUEST."},
    {.name = "signerName", STR, .flags = REQ, .desc = "The signer asked to sign the request."},
    {.name = "uid", STR, .desc = "UID of the requester (server-set)."},
    {.name = "usages", ARR(STR), .flags = LATOMIC, .desc = "Key usages asked for."},
    {.name = "username", STR, .desc = "Name of the requester (server-set)."},
};
static const schema_field_t t_CertificateSigningRequestStatus_f[] = {
    {.name = "certificate", BYTES, .flags = LATOMIC, .desc = "The issued certificate (PEM)."},
    {.name = "conditions",
     ARR(REF(t_CertificateSigningRequestCondition)),
     .flags = LMAP,
     .merge_key = "type",
     .desc = "Approved, Denied, Failed."},
};
static const schema_field_t t_CertificateSigningRequestCondition_f[] = {
    {.name = "lastTransitionTime", DATETIME},
    {.name = "lastUpdateTime", DATETIME},
    {.name = "message", STR},
    {.name = "reason", STR},
    {.name = "status", STR, .flags = REQ},
    {.name = "type", STR, .flags = REQ},
};
static const schema_type_t t_CertificateSigningRequest = {
    .name = "io.k8s.api.certificates.v1.CertificateSigningRequest",
    .desc = "A request for a certificate signed by a named signer.",
    .fields = t_CertificateSigningRequest_f,
    .n_fields = C8S_ARRAY_SIZE(t_CertificateSigningRequest_f),
    .group = "certificates.k8s.io",
    .version = "v1",
    .kind = "CertificateSigningRequest"};
static const schema_type_t t_CertificateSigningRequestSpec = {
    .name = "io.k8s.api.certificates.v1.CertificateSigningRequestSpec",
    .fields = t_CertificateSigningRequestSpec_f,
    .n_fields = C8S_ARRAY_SIZE(t_CertificateSigningRequestSpec_f)};
static const schema_type_t t_CertificateSigningRequestStatus = {
    .name = "io.k8s.api.certificates.v1.CertificateSigningRequestStatus",
    .fields = t_CertificateSigningRequestStatus_f,
    .n_fields = C8S_ARRAY_SIZE(t_CertificateSigningRequestStatus_f)};
static const schema_type_t t_CertificateSigningRequestCondition = {
    .name = "io.k8s.api.certificates.v1.CertificateSigningRequestCondition",
    .fields = t_CertificateSigningRequestCondition_f,
    .n_fields = C8S_ARRAY_SIZE(t_CertificateSigningRequestCondition_f)};

const schema_type_t *const schema__types[] = {
    &t_CertificateSigningRequest,
    &t_CertificateSigningRequestSpec,
    &t_CertificateSigningRequestStatus,
    &t_CertificateSigningRequestCondition,
    &t_Namespace,
    &t_ObjectMeta,
    &t_Time,
    &t_ManagedFieldsEntry,
    &t_FieldsV1,
    &t_OwnerReference,
    &t_NamespaceSpec,
    &t_NamespaceStatus,
    &t_NamespaceCondition,
    &t_Pod,
    &t_PodSpec,
    &t_Affinity,
    &t_NodeAffinity,
    &t_PreferredSchedulingTerm,
    &t_NodeSelectorTerm,
    &t_NodeSelectorRequirement,
    &t_NodeSelector,
    &t_PodAffinity,
    &t_WeightedPodAffinityTerm,
    &t_PodAffinityTerm,
    &t_LabelSelector,
    &t_LabelSelectorRequirement,
    &t_PodAntiAffinity,
    &t_Container,
    &t_EnvVar,
    &t_EnvVarSource,
    &t_ConfigMapKeySelector,
    &t_ObjectFieldSelector,
    &t_FileKeySelector,
    &t_ResourceFieldSelector,
    &t_Quantity,
    &t_SecretKeySelector,
    &t_EnvFromSource,
    &t_ConfigMapEnvSource,
    &t_SecretEnvSource,
    &t_Lifecycle,
    &t_LifecycleHandler,
    &t_ExecAction,
    &t_HTTPGetAction,
    &t_HTTPHeader,
    &t_IntOrString,
    &t_SleepAction,
    &t_TCPSocketAction,
    &t_Probe,
    &t_GRPCAction,
    &t_ContainerPort,
    &t_ContainerResizePolicy,
    &t_ResourceRequirements,
    &t_ResourceClaim,
    &t_ContainerRestartRule,
    &t_ContainerRestartRuleOnExitCodes,
    &t_SecurityContext,
    &t_AppArmorProfile,
    &t_Capabilities,
    &t_SELinuxOptions,
    &t_SeccompProfile,
    &t_WindowsSecurityContextOptions,
    &t_VolumeDevice,
    &t_VolumeMount,
    &t_PodDNSConfig,
    &t_PodDNSConfigOption,
    &t_EphemeralContainer,
    &t_HostAlias,
    &t_LocalObjectReference,
    &t_PodOS,
    &t_PodReadinessGate,
    &t_PodResourceClaim,
    &t_PodSchedulingGate,
    &t_PodSecurityContext,
    &t_Sysctl,
    &t_Toleration,
    &t_TopologySpreadConstraint,
    &t_Volume,
    &t_AWSElasticBlockStoreVolumeSource,
    &t_AzureDiskVolumeSource,
    &t_AzureFileVolumeSource,
    &t_CephFSVolumeSource,
    &t_CinderVolumeSource,
    &t_ConfigMapVolumeSource,
    &t_KeyToPath,
    &t_CSIVolumeSource,
    &t_DownwardAPIVolumeSource,
    &t_DownwardAPIVolumeFile,
    &t_EmptyDirVolumeSource,
    &t_EphemeralVolumeSource,
    &t_PersistentVolumeClaimTemplate,
    &t_PersistentVolumeClaimSpec,
    &t_TypedLocalObjectReference,
    &t_TypedObjectReference,
    &t_VolumeResourceRequirements,
    &t_FCVolumeSource,
    &t_FlexVolumeSource,
    &t_FlockerVolumeSource,
    &t_GCEPersistentDiskVolumeSource,
    &t_GitRepoVolumeSource,
    &t_GlusterfsVolumeSource,
    &t_HostPathVolumeSource,
    &t_ImageVolumeSource,
    &t_ISCSIVolumeSource,
    &t_NFSVolumeSource,
    &t_PersistentVolumeClaimVolumeSource,
    &t_PhotonPersistentDiskVolumeSource,
    &t_PortworxVolumeSource,
    &t_ProjectedVolumeSource,
    &t_VolumeProjection,
    &t_ClusterTrustBundleProjection,
    &t_ConfigMapProjection,
    &t_DownwardAPIProjection,
    &t_PodCertificateProjection,
    &t_SecretProjection,
    &t_ServiceAccountTokenProjection,
    &t_QuobyteVolumeSource,
    &t_RBDVolumeSource,
    &t_ScaleIOVolumeSource,
    &t_SecretVolumeSource,
    &t_StorageOSVolumeSource,
    &t_VsphereVirtualDiskVolumeSource,
    &t_PodStatus,
    &t_PodCondition,
    &t_ContainerStatus,
    &t_ResourceStatus,
    &t_ResourceHealth,
    &t_ContainerState,
    &t_ContainerStateRunning,
    &t_ContainerStateTerminated,
    &t_ContainerStateWaiting,
    &t_ContainerUser,
    &t_LinuxContainerUser,
    &t_VolumeMountStatus,
    &t_PodExtendedResourceClaimStatus,
    &t_ContainerExtendedResourceRequest,
    &t_HostIP,
    &t_PodIP,
    &t_PodResourceClaimStatus,
    &t_Node,
    &t_NodeSpec,
    &t_NodeConfigSource,
    &t_ConfigMapNodeConfigSource,
    &t_Taint,
    &t_NodeStatus,
    &t_NodeAddress,
    &t_NodeCondition,
    &t_NodeConfigStatus,
    &t_NodeDaemonEndpoints,
    &t_DaemonEndpoint,
    &t_NodeFeatures,
    &t_ContainerImage,
    &t_NodeSystemInfo,
    &t_NodeSwapStatus,
    &t_NodeRuntimeHandler,
    &t_NodeRuntimeHandlerFeatures,
    &t_AttachedVolume,
    &t_Service,
    &t_ServiceSpec,
    &t_ServicePort,
    &t_SessionAffinityConfig,
    &t_ClientIPConfig,
    &t_ServiceStatus,
    &t_Condition,
    &t_LoadBalancerStatus,
    &t_LoadBalancerIngress,
    &t_PortStatus,
    &t_Endpoints,
    &t_EndpointSubset,
    &t_EndpointAddress,
    &t_ObjectReference,
    &t_core_v1_EndpointPort,
    &t_ConfigMap,
    &t_Secret,
    &t_ServiceAccount,
    &t_Event,
    &t_MicroTime,
    &t_EventSeries,
    &t_EventSource,
    &t_ReplicationController,
    &t_ReplicationControllerSpec,
    &t_PodTemplateSpec,
    &t_ReplicationControllerStatus,
    &t_ReplicationControllerCondition,
    &t_PersistentVolume,
    &t_PersistentVolumeSpec,
    &t_AzureFilePersistentVolumeSource,
    &t_CephFSPersistentVolumeSource,
    &t_SecretReference,
    &t_CinderPersistentVolumeSource,
    &t_CSIPersistentVolumeSource,
    &t_FlexPersistentVolumeSource,
    &t_GlusterfsPersistentVolumeSource,
    &t_ISCSIPersistentVolumeSource,
    &t_LocalVolumeSource,
    &t_VolumeNodeAffinity,
    &t_RBDPersistentVolumeSource,
    &t_ScaleIOPersistentVolumeSource,
    &t_StorageOSPersistentVolumeSource,
    &t_PersistentVolumeStatus,
    &t_PersistentVolumeClaim,
    &t_PersistentVolumeClaimStatus,
    &t_PersistentVolumeClaimCondition,
    &t_ModifyVolumeStatus,
    &t_ResourceQuota,
    &t_ResourceQuotaSpec,
    &t_ScopeSelector,
    &t_ScopedResourceSelectorRequirement,
    &t_ResourceQuotaStatus,
    &t_LimitRange,
    &t_LimitRangeSpec,
    &t_LimitRangeItem,
    &t_Deployment,
    &t_DeploymentSpec,
    &t_DeploymentStrategy,
    &t_RollingUpdateDeployment,
    &t_DeploymentStatus,
    &t_DeploymentCondition,
    &t_ReplicaSet,
    &t_ReplicaSetSpec,
    &t_ReplicaSetStatus,
    &t_ReplicaSetCondition,
    &t_StatefulSet,
    &t_StatefulSetSpec,
    &t_StatefulSetOrdinals,
    &t_StatefulSetPersistentVolumeClaimRetentionPolicy,
    &t_StatefulSetUpdateStrategy,
    &t_RollingUpdateStatefulSetStrategy,
    &t_StatefulSetStatus,
    &t_StatefulSetCondition,
    &t_DaemonSet,
    &t_DaemonSetSpec,
    &t_DaemonSetUpdateStrategy,
    &t_RollingUpdateDaemonSet,
    &t_DaemonSetStatus,
    &t_DaemonSetCondition,
    &t_ControllerRevision,
    &t_RawExtension,
    &t_Job,
    &t_JobSpec,
    &t_PodFailurePolicy,
    &t_PodFailurePolicyRule,
    &t_PodFailurePolicyOnExitCodesRequirement,
    &t_PodFailurePolicyOnPodConditionsPattern,
    &t_SuccessPolicy,
    &t_SuccessPolicyRule,
    &t_JobStatus,
    &t_JobCondition,
    &t_UncountedTerminatedPods,
    &t_CronJob,
    &t_CronJobSpec,
    &t_JobTemplateSpec,
    &t_CronJobStatus,
    &t_Lease,
    &t_LeaseSpec,
    &t_EndpointSlice,
    &t_Endpoint,
    &t_EndpointConditions,
    &t_EndpointHints,
    &t_ForNode,
    &t_ForZone,
    &t_discovery_v1_EndpointPort,
    &t_autoscaling_v2_HorizontalPodAutoscaler,
    &t_autoscaling_v2_HorizontalPodAutoscalerSpec,
    &t_HorizontalPodAutoscalerBehavior,
    &t_HPAScalingRules,
    &t_HPAScalingPolicy,
    &t_MetricSpec,
    &t_ContainerResourceMetricSource,
    &t_MetricTarget,
    &t_ExternalMetricSource,
    &t_MetricIdentifier,
    &t_ObjectMetricSource,
    &t_autoscaling_v2_CrossVersionObjectReference,
    &t_PodsMetricSource,
    &t_ResourceMetricSource,
    &t_autoscaling_v2_HorizontalPodAutoscalerStatus,
    &t_HorizontalPodAutoscalerCondition,
    &t_MetricStatus,
    &t_ContainerResourceMetricStatus,
    &t_MetricValueStatus,
    &t_ExternalMetricStatus,
    &t_ObjectMetricStatus,
    &t_PodsMetricStatus,
    &t_ResourceMetricStatus,
    &t_autoscaling_v1_HorizontalPodAutoscaler,
    &t_autoscaling_v1_HorizontalPodAutoscalerSpec,
    &t_autoscaling_v1_CrossVersionObjectReference,
    &t_autoscaling_v1_HorizontalPodAutoscalerStatus,
    &t_Ingress,
    &t_IngressSpec,
    &t_IngressBackend,
    &t_IngressServiceBackend,
    &t_ServiceBackendPort,
    &t_IngressRule,
    &t_HTTPIngressRuleValue,
    &t_HTTPIngressPath,
    &t_IngressTLS,
    &t_IngressStatus,
    &t_IngressLoadBalancerStatus,
    &t_IngressLoadBalancerIngress,
    &t_IngressPortStatus,
    &t_NetworkPolicy,
    &t_NetworkPolicySpec,
    &t_NetworkPolicyEgressRule,
    &t_NetworkPolicyPort,
    &t_NetworkPolicyPeer,
    &t_IPBlock,
    &t_NetworkPolicyIngressRule,
    &t_StorageClass,
    &t_TopologySelectorTerm,
    &t_TopologySelectorLabelRequirement,
    &t_Role,
    &t_PolicyRule,
    &t_ClusterRole,
    &t_AggregationRule,
    &t_RoleBinding,
    &t_RoleRef,
    &t_Subject,
    &t_ClusterRoleBinding,
    &t_PriorityClass,
    &t_PodDisruptionBudget,
    &t_PodDisruptionBudgetSpec,
    &t_PodDisruptionBudgetStatus,
    /* authentication.k8s.io/v1 (tokens, issue 8) */
    &t_UserInfo,
    &t_TokenReviewSpec,
    &t_TokenReviewStatus,
    &t_TokenReview,
    &t_SelfSubjectReviewStatus,
    &t_SelfSubjectReview,

    &t_SubjectAccessReview,
    &t_SubjectAccessReviewSpec,
    &t_ResourceAttributes,
    &t_NonResourceAttributes,
    &t_SubjectAccessReviewStatus,
    &t_SelfSubjectAccessReview,
    &t_SelfSubjectAccessReviewSpec,
    &t_LocalSubjectAccessReview,
    &t_SelfSubjectRulesReview,
    &t_SelfSubjectRulesReviewSpec,
    &t_SubjectRulesReviewStatus,
    &t_ResourceRule,
    &t_NonResourceRule,
};
const size_t schema__n_types = C8S_ARRAY_SIZE(schema__types);

/* Each kind's object as a field: the root strategic merge patch starts from. */
const schema_field_t schema__roots[] = {
    {.name = "", REF(t_Namespace)},
    {.name = "", REF(t_Pod)},
    {.name = "", REF(t_Node)},
    {.name = "", REF(t_Service)},
    {.name = "", REF(t_Endpoints)},
    {.name = "", REF(t_ConfigMap)},
    {.name = "", REF(t_Secret)},
    {.name = "", REF(t_ServiceAccount)},
    {.name = "", REF(t_Event)},
    {.name = "", REF(t_ReplicationController)},
    {.name = "", REF(t_PersistentVolume)},
    {.name = "", REF(t_PersistentVolumeClaim)},
    {.name = "", REF(t_ResourceQuota)},
    {.name = "", REF(t_LimitRange)},
    {.name = "", REF(t_Deployment)},
    {.name = "", REF(t_ReplicaSet)},
    {.name = "", REF(t_StatefulSet)},
    {.name = "", REF(t_DaemonSet)},
    {.name = "", REF(t_ControllerRevision)},
    {.name = "", REF(t_Job)},
    {.name = "", REF(t_CronJob)},
    {.name = "", REF(t_Lease)},
    {.name = "", REF(t_EndpointSlice)},
    {.name = "", REF(t_autoscaling_v2_HorizontalPodAutoscaler)},
    {.name = "", REF(t_autoscaling_v1_HorizontalPodAutoscaler)},
    {.name = "", REF(t_Ingress)},
    {.name = "", REF(t_NetworkPolicy)},
    {.name = "", REF(t_StorageClass)},
    {.name = "", REF(t_Role)},
    {.name = "", REF(t_ClusterRole)},
    {.name = "", REF(t_RoleBinding)},
    {.name = "", REF(t_ClusterRoleBinding)},
    {.name = "", REF(t_PriorityClass)},
    {.name = "", REF(t_PodDisruptionBudget)},
    {.name = "", REF(t_TokenReview)},
    {.name = "", REF(t_SelfSubjectReview)},

    {.name = "", REF(t_SubjectAccessReview)},
    {.name = "", REF(t_SelfSubjectAccessReview)},
    {.name = "", REF(t_LocalSubjectAccessReview)},
    {.name = "", REF(t_SelfSubjectRulesReview)},
    {.name = "", REF(t_CertificateSigningRequest)},
};
const size_t schema__n_roots = C8S_ARRAY_SIZE(schema__roots);
