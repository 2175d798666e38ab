/*
 * protobuf_types.c — the message types kubectl's typed `create` subcommands send, as field
 * tables: number (from upstream's generated.proto of core/v1, apps/v1, batch/v1, rbac/v1,
 * scheduling/v1, policy/v1, networking/v1, authentication/v1 and meta/v1), JSON name, kind.
 * Types are defined before their users. Fields not listed are skipped by the decoder, so a type
 * may be listed partially (statuses are: a create ignores them).
 */
#include "protobuf_int.h"

/* A field: number, JSON name. P = pointer or non-omitempty (zero kept); R = repeated. */
#define S(n, j)                                                                                    \
    {                                                                                              \
        n, j, PB_STRING, 0, NULL                                                                   \
    }
#define SP(n, j)                                                                                   \
    {                                                                                              \
        n, j, PB_STRING, PB_KEEPZERO, NULL                                                         \
    }
#define RS(n, j)                                                                                   \
    {                                                                                              \
        n, j, PB_STRING, PB_REPEATED, NULL                                                         \
    }
#define I32(n, j)                                                                                  \
    {                                                                                              \
        n, j, PB_INT32, 0, NULL                                                                    \
    }
#define I32P(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_INT32, PB_KEEPZERO, NULL                                                          \
    }
#define I64(n, j)                                                                                  \
    {                                                                                              \
        n, j, PB_INT64, 0, NULL                                                                    \
    }
#define I64P(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_INT64, PB_KEEPZERO, NULL                                                          \
    }
#define RI64(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_INT64, PB_REPEATED, NULL                                                          \
    }
#define B(n, j)                                                                                    \
    {                                                                                              \
        n, j, PB_BOOL, 0, NULL                                                                     \
    }
#define BP(n, j)                                                                                   \
    {                                                                                              \
        n, j, PB_BOOL, PB_KEEPZERO, NULL                                                           \
    }
#define M(n, j, t)                                                                                 \
    {                                                                                              \
        n, j, PB_MSG, 0, &t                                                                        \
    }
#define RM(n, j, t)                                                                                \
    {                                                                                              \
        n, j, PB_MSG, PB_REPEATED, &t                                                              \
    }
#define INL(n, t)                                                                                  \
    {                                                                                              \
        n, "", PB_MSG, PB_INLINE, &t                                                               \
    }
#define TIME(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_TIME, 0, NULL                                                                     \
    }
#define IOS(n, j)                                                                                  \
    {                                                                                              \
        n, j, PB_INTORSTR, 0, NULL                                                                 \
    }
#define QTY(n, j)                                                                                  \
    {                                                                                              \
        n, j, PB_QUANTITY, 0, NULL                                                                 \
    }
#define MAPS(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_MAP_STR, 0, NULL                                                                  \
    }
#define MAPB(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_MAP_BYTES, 0, NULL                                                                \
    }
#define MAPQ(n, j)                                                                                 \
    {                                                                                              \
        n, j, PB_MAP_QTY, 0, NULL                                                                  \
    }

#define TYPE(t, ...)                                                                               \
    static const pb_field_t t##_f[] = {__VA_ARGS__};                                               \
    static const pb_type_t t = {#t, t##_f, sizeof(t##_f) / sizeof(t##_f[0])}

/* ---- meta/v1 ---- */
/* Field 0 never occurs on the wire: a type whose fields are all skipped. */
TYPE(Skipped, {0, "", PB_STRING, 0, NULL});
TYPE(OwnerReference, S(1, "kind"), S(3, "name"), S(4, "uid"), S(5, "apiVersion"),
     BP(6, "controller"), BP(7, "blockOwnerDeletion"));
TYPE(ObjectMeta, S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(5, "uid"),
     S(6, "resourceVersion"), I64(7, "generation"), TIME(8, "creationTimestamp"),
     TIME(9, "deletionTimestamp"), I64P(10, "deletionGracePeriodSeconds"), MAPS(11, "labels"),
     MAPS(12, "annotations"), RM(13, "ownerReferences", OwnerReference), RS(14, "finalizers"));
TYPE(LabelSelectorRequirement, S(1, "key"), S(2, "operator"), RS(3, "values"));
TYPE(LabelSelector, MAPS(1, "matchLabels"), RM(2, "matchExpressions", LabelSelectorRequirement));

/* ---- core/v1: pod template ---- */
TYPE(LocalObjectReference, S(1, "name"));
TYPE(ObjectReference, S(1, "kind"), S(2, "namespace"), S(3, "name"), S(4, "uid"),
     S(5, "apiVersion"), S(6, "resourceVersion"), S(7, "fieldPath"));
TYPE(ObjectFieldSelector, S(1, "apiVersion"), S(2, "fieldPath"));
TYPE(ResourceFieldSelector, S(1, "containerName"), S(2, "resource"), QTY(3, "divisor"));
TYPE(KeySelector, INL(1, LocalObjectReference), S(2, "key"), BP(3, "optional"));
TYPE(EnvVarSource, M(1, "fieldRef", ObjectFieldSelector),
     M(2, "resourceFieldRef", ResourceFieldSelector), M(3, "configMapKeyRef", KeySelector),
     M(4, "secretKeyRef", KeySelector));
TYPE(EnvVar, SP(1, "name"), S(2, "value"), M(3, "valueFrom", EnvVarSource));
TYPE(RefSource, INL(1, LocalObjectReference), BP(2, "optional"));
TYPE(EnvFromSource, S(1, "prefix"), M(2, "configMapRef", RefSource), M(3, "secretRef", RefSource));
TYPE(ContainerPort, S(1, "name"), I32(2, "hostPort"), I32P(3, "containerPort"), S(4, "protocol"),
     S(5, "hostIP"));
TYPE(ResourceClaim, S(1, "name"), S(2, "request"));
TYPE(ResourceRequirements, MAPQ(1, "limits"), MAPQ(2, "requests"), RM(3, "claims", ResourceClaim));
TYPE(VolumeMount, SP(1, "name"), B(2, "readOnly"), SP(3, "mountPath"), S(4, "subPath"),
     S(5, "mountPropagation"), S(6, "subPathExpr"), S(7, "recursiveReadOnly"));
TYPE(ExecAction, RS(1, "command"));
TYPE(HTTPHeader, SP(1, "name"), SP(2, "value"));
TYPE(HTTPGetAction, S(1, "path"), IOS(2, "port"), S(3, "host"), S(4, "scheme"),
     RM(5, "httpHeaders", HTTPHeader));
TYPE(TCPSocketAction, IOS(1, "port"), S(2, "host"));
TYPE(GRPCAction, I32P(1, "port"), SP(2, "service"));
TYPE(ProbeHandler, M(1, "exec", ExecAction), M(2, "httpGet", HTTPGetAction),
     M(3, "tcpSocket", TCPSocketAction), M(4, "grpc", GRPCAction));
TYPE(Probe, INL(1, ProbeHandler), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"),
     I32(4, "periodSeconds"), I32(5, "successThreshold"), I32(6, "failureThreshold"),
     I64P(7, "terminationGracePeriodSeconds"));
TYPE(Capabilities, RS(1, "add"), RS(2, "drop"));
TYPE(SeccompProfile, S(1, "type"), SP(2, "localhostProfile"));
TYPE(SecurityContext, M(1, "capabilities", Capabilities), BP(2, "privileged"), I64P(4, "runAsUser"),
     BP(5, "runAsNonRoot"), BP(6, "readOnlyRootFilesystem"), BP(7, "allowPrivilegeEscalation"),
     I64P(8, "runAsGroup"), SP(9, "procMount"), M(11, "seccompProfile", SeccompProfile));
TYPE(Container, SP(1, "name"), S(2, "image"), RS(3, "command"), RS(4, "args"), S(5, "workingDir"),
     RM(6, "ports", ContainerPort), RM(7, "env", EnvVar), M(8, "resources", ResourceRequirements),
     RM(9, "volumeMounts", VolumeMount), M(10, "livenessProbe", Probe),
     M(11, "readinessProbe", Probe), S(13, "terminationMessagePath"), S(14, "imagePullPolicy"),
     M(15, "securityContext", SecurityContext), B(16, "stdin"), B(17, "stdinOnce"), B(18, "tty"),
     RM(19, "envFrom", EnvFromSource), S(20, "terminationMessagePolicy"),
     M(22, "startupProbe", Probe), SP(24, "restartPolicy"));
TYPE(KeyToPath, SP(1, "key"), SP(2, "path"), I32P(3, "mode"));
TYPE(HostPathVolumeSource, SP(1, "path"), SP(2, "type"));
TYPE(EmptyDirVolumeSource, S(1, "medium"), QTY(2, "sizeLimit"));
TYPE(SecretVolumeSource, S(1, "secretName"), RM(2, "items", KeyToPath), I32P(3, "defaultMode"),
     BP(4, "optional"));
TYPE(PVCVolumeSource, SP(1, "claimName"), B(2, "readOnly"));
TYPE(ConfigMapVolumeSource, INL(1, LocalObjectReference), RM(2, "items", KeyToPath),
     I32P(3, "defaultMode"), BP(4, "optional"));
TYPE(VolumeSource, M(1, "hostPath", HostPathVolumeSource), M(2, "emptyDir", EmptyDirVolumeSource),
     M(6, "secret", SecretVolumeSource), M(10, "persistentVolumeClaim", PVCVolumeSource),
     M(19, "configMap", ConfigMapVolumeSource));
TYPE(Volume, SP(1, "name"), INL(2, VolumeSource));
TYPE(PodSecurityContext, I64P(2, "runAsUser"), BP(3, "runAsNonRoot"), RI64(4, "supplementalGroups"),
     I64P(5, "fsGroup"), I64P(6, "runAsGroup"), M(10, "seccompProfile", SeccompProfile));
TYPE(Toleration, S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"),
     I64P(5, "tolerationSeconds"));
TYPE(PodSpec, RM(1, "volumes", Volume), RM(2, "containers", Container), S(3, "restartPolicy"),
     I64P(4, "terminationGracePeriodSeconds"), I64P(5, "activeDeadlineSeconds"), S(6, "dnsPolicy"),
     MAPS(7, "nodeSelector"), S(8, "serviceAccountName"), S(9, "serviceAccount"), S(10, "nodeName"),
     B(11, "hostNetwork"), B(12, "hostPID"), B(13, "hostIPC"),
     M(14, "securityContext", PodSecurityContext), RM(15, "imagePullSecrets", LocalObjectReference),
     S(16, "hostname"), S(17, "subdomain"), S(19, "schedulerName"),
     RM(20, "initContainers", Container), BP(21, "automountServiceAccountToken"),
     RM(22, "tolerations", Toleration), S(24, "priorityClassName"), I32P(25, "priority"),
     BP(27, "shareProcessNamespace"), SP(29, "runtimeClassName"), BP(30, "enableServiceLinks"),
     SP(31, "preemptionPolicy"));
TYPE(PodTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", PodSpec));

/* ---- core/v1: the objects ---- */
TYPE(NamespaceSpec, RS(1, "finalizers"));
TYPE(Namespace, M(1, "metadata", ObjectMeta), M(2, "spec", NamespaceSpec), M(3, "status", Skipped));
TYPE(ConfigMap, M(1, "metadata", ObjectMeta), MAPS(2, "data"), MAPB(3, "binaryData"),
     BP(4, "immutable"));
TYPE(Secret, M(1, "metadata", ObjectMeta), MAPB(2, "data"), S(3, "type"), MAPS(4, "stringData"),
     BP(5, "immutable"));
TYPE(ServiceAccount, M(1, "metadata", ObjectMeta), RM(2, "secrets", ObjectReference),
     RM(3, "imagePullSecrets", LocalObjectReference), BP(4, "automountServiceAccountToken"));
TYPE(ServicePort, S(1, "name"), S(2, "protocol"), I32P(3, "port"), IOS(4, "targetPort"),
     I32(5, "nodePort"), SP(6, "appProtocol"));
TYPE(ServiceSpec, RM(1, "ports", ServicePort), MAPS(2, "selector"), S(3, "clusterIP"), S(4, "type"),
     RS(5, "externalIPs"), S(7, "sessionAffinity"), S(8, "loadBalancerIP"),
     RS(9, "loadBalancerSourceRanges"), S(10, "externalName"), S(11, "externalTrafficPolicy"),
     I32(12, "healthCheckNodePort"), B(13, "publishNotReadyAddresses"), SP(17, "ipFamilyPolicy"),
     RS(18, "clusterIPs"), RS(19, "ipFamilies"), BP(20, "allocateLoadBalancerNodePorts"),
     SP(21, "loadBalancerClass"), SP(22, "internalTrafficPolicy"), SP(23, "trafficDistribution"));
TYPE(Service, M(1, "metadata", ObjectMeta), M(2, "spec", ServiceSpec), M(3, "status", Skipped));
TYPE(ScopedResourceSelectorRequirement, S(1, "scopeName"), S(2, "operator"), RS(3, "values"));
TYPE(ScopeSelector, RM(1, "matchExpressions", ScopedResourceSelectorRequirement));
TYPE(ResourceQuotaSpec, MAPQ(1, "hard"), RS(2, "scopes"), M(3, "scopeSelector", ScopeSelector));
TYPE(ResourceQuota, M(1, "metadata", ObjectMeta), M(2, "spec", ResourceQuotaSpec),
     M(3, "status", Skipped));

/* ---- apps/v1 ---- */
TYPE(RollingUpdateDeployment, IOS(1, "maxUnavailable"), IOS(2, "maxSurge"));
TYPE(DeploymentStrategy, S(1, "type"), M(2, "rollingUpdate", RollingUpdateDeployment));
TYPE(DeploymentSpec, I32P(1, "replicas"), M(2, "selector", LabelSelector),
     M(3, "template", PodTemplateSpec), M(4, "strategy", DeploymentStrategy),
     I32(5, "minReadySeconds"), I32P(6, "revisionHistoryLimit"), B(7, "paused"),
     I32P(9, "progressDeadlineSeconds"));
TYPE(Deployment, M(1, "metadata", ObjectMeta), M(2, "spec", DeploymentSpec),
     M(3, "status", Skipped));

/* ---- batch/v1 ---- */
TYPE(JobSpec, I32P(1, "parallelism"), I32P(2, "completions"), I64P(3, "activeDeadlineSeconds"),
     M(4, "selector", LabelSelector), BP(5, "manualSelector"), M(6, "template", PodTemplateSpec),
     I32P(7, "backoffLimit"), I32P(8, "ttlSecondsAfterFinished"), SP(9, "completionMode"),
     BP(10, "suspend"), I32P(12, "backoffLimitPerIndex"), I32P(13, "maxFailedIndexes"),
     SP(14, "podReplacementPolicy"), SP(15, "managedBy"));
TYPE(Job, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec), M(3, "status", Skipped));
TYPE(JobTemplateSpec, M(1, "metadata", ObjectMeta), M(2, "spec", JobSpec));
TYPE(CronJobSpec, S(1, "schedule"), I64P(2, "startingDeadlineSeconds"), S(3, "concurrencyPolicy"),
     BP(4, "suspend"), M(5, "jobTemplate", JobTemplateSpec), I32P(6, "successfulJobsHistoryLimit"),
     I32P(7, "failedJobsHistoryLimit"), SP(8, "timeZone"));
TYPE(CronJob, M(1, "metadata", ObjectMeta), M(2, "spec", CronJobSpec), M(3, "status", Skipped));

/* ---- rbac/v1 ---- */
TYPE(PolicyRule, RS(1, "verbs"), RS(2, "apiGroups"), RS(3, "resources"), RS(4, "resourceNames"),
     RS(5, "nonResourceURLs"));
TYPE(AggregationRule, RM(1, "clusterRoleSelectors", LabelSelector));
TYPE(Role, M(1, "metadata", ObjectMeta), RM(2, "rules", PolicyRule));
TYPE(ClusterRole, M(1, "metadata", ObjectMeta), RM(2, "rules", PolicyRule),
     M(3, "aggregationRule", AggregationRule));
TYPE(Subject, S(1, "kind"), S(2, "apiGroup"), S(3, "name"), S(4, "namespace"));
TYPE(RoleRef, SP(1, "apiGroup"), SP(2, "kind"), SP(3, "name"));
TYPE(RoleBinding, M(1, "metadata", ObjectMeta), RM(2, "subjects", Subject),
     M(3, "roleRef", RoleRef));

/* ---- scheduling/v1, policy/v1 ---- */
TYPE(PriorityClass, M(1, "metadata", ObjectMeta), I32P(2, "value"), B(3, "globalDefault"),
     S(4, "description"), SP(5, "preemptionPolicy"));
TYPE(PodDisruptionBudgetSpec, IOS(1, "minAvailable"), M(2, "selector", LabelSelector),
     IOS(3, "maxUnavailable"), SP(4, "unhealthyPodEvictionPolicy"));
TYPE(PodDisruptionBudget, M(1, "metadata", ObjectMeta), M(2, "spec", PodDisruptionBudgetSpec),
     M(3, "status", Skipped));

/* ---- networking/v1 ---- */
TYPE(TypedLocalObjectReference, SP(1, "apiGroup"), SP(2, "kind"), SP(3, "name"));
TYPE(ServiceBackendPort, S(1, "name"), I32(2, "number"));
TYPE(IngressServiceBackend, SP(1, "name"), M(2, "port", ServiceBackendPort));
TYPE(IngressBackend, M(3, "resource", TypedLocalObjectReference),
     M(4, "service", IngressServiceBackend));
TYPE(IngressTLS, RS(1, "hosts"), S(2, "secretName"));
TYPE(HTTPIngressPath, S(1, "path"), M(2, "backend", IngressBackend), SP(3, "pathType"));
TYPE(HTTPIngressRuleValue, RM(1, "paths", HTTPIngressPath));
TYPE(IngressRuleValue, M(1, "http", HTTPIngressRuleValue));
TYPE(IngressRule, S(1, "host"), INL(2, IngressRuleValue));
TYPE(IngressSpec, M(1, "defaultBackend", IngressBackend), RM(2, "tls", IngressTLS),
     RM(3, "rules", IngressRule), SP(4, "ingressClassName"));
TYPE(Ingress, M(1, "metadata", ObjectMeta), M(2, "spec", IngressSpec), M(3, "status", Skipped));

/* ---- authentication/v1 ---- */
TYPE(BoundObjectReference, S(1, "kind"), S(2, "apiVersion"), S(3, "name"), S(4, "uid"));
TYPE(TokenRequestSpec, RS(1, "audiences"), M(3, "boundObjectRef", BoundObjectReference),
     I64P(4, "expirationSeconds"));
TYPE(TokenRequest, M(1, "metadata", ObjectMeta), M(2, "spec", TokenRequestSpec),
     M(3, "status", Skipped));
/* `kubectl auth whoami` sends its SelfSubjectReview as protobuf. */
TYPE(SelfSubjectReview, M(1, "metadata", ObjectMeta), M(2, "status", Skipped));
TYPE(TokenReviewSpec, S(1, "token"), RS(2, "audiences"));
TYPE(TokenReview, M(1, "metadata", ObjectMeta), M(2, "spec", TokenReviewSpec),
     M(3, "status", Skipped));

/* ---- authorization/v1 (kubectl auth can-i) ---- */
TYPE(ResourceAttributes, S(1, "namespace"), S(2, "verb"), S(3, "group"), S(4, "version"),
     S(5, "resource"), S(6, "subresource"), S(7, "name"));
TYPE(NonResourceAttributes, S(1, "path"), S(2, "verb"));
TYPE(SelfSubjectAccessReviewSpec, M(1, "resourceAttributes", ResourceAttributes),
     M(2, "nonResourceAttributes", NonResourceAttributes));
TYPE(SelfSubjectAccessReview, M(1, "metadata", ObjectMeta),
     M(2, "spec", SelfSubjectAccessReviewSpec), M(3, "status", Skipped));
TYPE(SubjectAccessReviewSpec, M(1, "resourceAttributes", ResourceAttributes),
     M(2, "nonResourceAttributes", NonResourceAttributes), S(3, "user"), RS(4, "groups"),
     S(6, "uid"));
TYPE(SubjectAccessReview, M(1, "metadata", ObjectMeta), M(2, "spec", SubjectAccessReviewSpec),
     M(3, "status", Skipped));
TYPE(SelfSubjectRulesReviewSpec, S(1, "namespace"));
TYPE(SelfSubjectRulesReview, M(1, "metadata", ObjectMeta), M(2, "spec", SelfSubjectRulesReviewSpec),
     M(3, "status", Skipped));

/* ---- certificates/v1: `kubectl certificate approve|deny` sends the whole CSR to /approval ---- */
TYPE(CertificateSigningRequestSpec, {1, "request", PB_BYTES, 0, NULL}, S(2, "username"),
     S(3, "uid"), RS(4, "groups"), RS(5, "usages"), S(7, "signerName"),
     I32(8, "expirationSeconds"));
TYPE(CertificateSigningRequestCondition, S(1, "type"), S(2, "reason"), S(3, "message"),
     TIME(4, "lastUpdateTime"), TIME(5, "lastTransitionTime"), S(6, "status"));
TYPE(CertificateSigningRequestStatus, RM(1, "conditions", CertificateSigningRequestCondition),
     {2, "certificate", PB_BYTES, 0, NULL});
TYPE(CertificateSigningRequest, M(1, "metadata", ObjectMeta),
     M(2, "spec", CertificateSigningRequestSpec), M(3, "status", CertificateSigningRequestStatus));

const pb_kind_entry_t pb__kinds[] = {
    {"Namespace", &Namespace},
    {"ConfigMap", &ConfigMap},
    {"Secret", &Secret},
    {"ServiceAccount", &ServiceAccount},
    {"Service", &Service},
    {"ResourceQuota", &ResourceQuota},
    {"Deployment", &Deployment},
    {"Job", &Job},
    {"CronJob", &CronJob},
    {"Role", &Role},
    {"ClusterRole", &ClusterRole},
    {"RoleBinding", &RoleBinding},
    {"ClusterRoleBinding", &RoleBinding},
    {"PriorityClass", &PriorityClass},
    {"PodDisruptionBudget", &PodDisruptionBudget},
    {"Ingress", &Ingress},
    {"TokenRequest", &TokenRequest},
    {"SelfSubjectReview", &SelfSubjectReview},
    {"TokenReview", &TokenReview},

    {"SelfSubjectAccessReview", &SelfSubjectAccessReview},
    {"SelfSubjectRulesReview", &SelfSubjectRulesReview},
    {"SubjectAccessReview", &SubjectAccessReview},
    {"LocalSubjectAccessReview", &SubjectAccessReview},
    {"CertificateSigningRequest", &CertificateSigningRequest},
};
const size_t pb__nkinds = sizeof(pb__kinds) / sizeof(pb__kinds[0]);
