/*
 * patch_schema.c — c8s's own table of the fields strategic merge patch treats specially: merging
 * lists with their merge keys, retainKeys maps, for every kind of the registry. The facts are
 * upstream's (x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key in the OpenAPI v2
 * document, i.e. the patchStrategy / patchMergeKey struct tags); fields that carry no strategy
 * there (tolerations, Node taints, Endpoints subsets, ServiceAccount imagePullSecrets, envFrom ...)
 * are absent here and so replaced as a whole, as upstream does.
 *
 * Each type is written once and mounted wherever upstream embeds it: ObjectMeta at every
 * metadata, PodSpec at every pod template (ReplicationController, the apps kinds, Job, CronJob).
 */
#include "c8s/patch.h"

#include <string.h>

struct patch_field_s {
    const char *name;
    unsigned strategy;
    const char *merge_key;
    const struct patch_field_s *children; /* NULL-name terminated; NULL when none */
};

#define M  PATCH_STRATEGY_MERGE
#define RK PATCH_STRATEGY_RETAIN_KEYS
#define END                                                                                        \
    {                                                                                              \
        NULL, 0, NULL, NULL                                                                        \
    }

/* meta/v1 ObjectMeta. */
static const patch_field_t object_meta[] = {
    {"finalizers", M, NULL, NULL},
    {"ownerReferences", M, "uid", NULL},
    END,
};

/* core/v1 Container; EphemeralContainer has the same merging lists. */
static const patch_field_t container[] = {
    {"env", M, "name", NULL},
    {"ports", M, "containerPort", NULL},
    {"volumeDevices", M, "devicePath", NULL},
    {"volumeMounts", M, "mountPath", NULL},
    END,
};

static const patch_field_t pod_spec[] = {
    {"containers", M, "name", container},     {"ephemeralContainers", M, "name", container},
    {"hostAliases", M, "ip", NULL},           {"imagePullSecrets", M, "name", NULL},
    {"initContainers", M, "name", container}, {"resourceClaims", M | RK, "name", NULL},
    {"schedulingGates", M, "name", NULL},     {"topologySpreadConstraints", M, "topologyKey", NULL},
    {"volumes", M | RK, "name", NULL},        END,
};

static const patch_field_t pod_status[] = {
    {"conditions", M, "type", NULL},
    {"hostIPs", M, "ip", NULL},
    {"podIPs", M, "ip", NULL},
    {"resourceClaimStatuses", M | RK, "name", NULL},
    END,
};

static const patch_field_t pod_template_spec[] = {
    {"metadata", 0, NULL, object_meta},
    {"spec", 0, NULL, pod_spec},
    END,
};

/* The status of most kinds: only conditions merge (by type). */
static const patch_field_t conditions_status[] = {
    {"conditions", M, "type", NULL},
    END,
};

/* A spec whose only special field is its pod template. */
static const patch_field_t template_spec[] = {
    {"template", 0, NULL, pod_template_spec},
    END,
};

static const patch_field_t node_spec[] = {
    {"podCIDRs", M, NULL, NULL},
    END,
};

static const patch_field_t node_status[] = {
    {"addresses", M, "type", NULL},
    {"conditions", M, "type", NULL},
    END,
};

static const patch_field_t service_spec[] = {
    {"ports", M, "port", NULL},
    END,
};

static const patch_field_t deployment_spec[] = {
    {"strategy", RK, NULL, NULL},
    {"template", 0, NULL, pod_template_spec},
    END,
};

static const patch_field_t job_template_spec[] = {
    {"metadata", 0, NULL, object_meta},
    {"spec", 0, NULL, template_spec},
    END,
};

static const patch_field_t cron_job_spec[] = {
    {"jobTemplate", 0, NULL, job_template_spec},
    END,
};

/* Roots: the top-level fields of each kind. */
#define META                                                                                       \
    {                                                                                              \
        "metadata", 0, NULL, object_meta                                                           \
    }

static const patch_field_t meta_only[] = {META, END};

static const patch_field_t pod[] = {
    META,
    {"spec", 0, NULL, pod_spec},
    {"status", 0, NULL, pod_status},
    END,
};

static const patch_field_t node[] = {
    META,
    {"spec", 0, NULL, node_spec},
    {"status", 0, NULL, node_status},
    END,
};

static const patch_field_t service[] = {
    META,
    {"spec", 0, NULL, service_spec},
    {"status", 0, NULL, conditions_status},
    END,
};

static const patch_field_t service_account[] = {
    META,
    {"secrets", M, "name", NULL},
    END,
};

/* Namespace, PersistentVolumeClaim, HorizontalPodAutoscaler v2. */
static const patch_field_t status_conditions[] = {
    META,
    {"status", 0, NULL, conditions_status},
    END,
};

/* ReplicationController, ReplicaSet, StatefulSet, DaemonSet, Job. */
static const patch_field_t templated[] = {
    META,
    {"spec", 0, NULL, template_spec},
    {"status", 0, NULL, conditions_status},
    END,
};

static const patch_field_t deployment[] = {
    META,
    {"spec", 0, NULL, deployment_spec},
    {"status", 0, NULL, conditions_status},
    END,
};

static const patch_field_t cron_job[] = {
    META,
    {"spec", 0, NULL, cron_job_spec},
    END,
};

#define ROOT(children)                                                                             \
    {                                                                                              \
        "", 0, NULL, children                                                                      \
    }

static const struct {
    const char *group;
    const char *version; /* NULL: every version */
    const char *kind;
    patch_field_t root;
} roots[] = {
    {"", NULL, "Pod", ROOT(pod)},
    {"", NULL, "Node", ROOT(node)},
    {"", NULL, "Service", ROOT(service)},
    {"", NULL, "ServiceAccount", ROOT(service_account)},
    {"", NULL, "Namespace", ROOT(status_conditions)},
    {"", NULL, "PersistentVolumeClaim", ROOT(status_conditions)},
    {"", NULL, "ReplicationController", ROOT(templated)},
    {"apps", NULL, "Deployment", ROOT(deployment)},
    {"apps", NULL, "ReplicaSet", ROOT(templated)},
    {"apps", NULL, "StatefulSet", ROOT(templated)},
    {"apps", NULL, "DaemonSet", ROOT(templated)},
    {"batch", NULL, "Job", ROOT(templated)},
    {"batch", NULL, "CronJob", ROOT(cron_job)},
    /* autoscaling/v1 has no status.conditions (upstream carries them there in an annotation). */
    {"autoscaling", "v2", "HorizontalPodAutoscaler", ROOT(status_conditions)},
};

static const patch_field_t meta_only_root = ROOT(meta_only);

const patch_field_t *patch_schema_root(const api_kind_t *k)
{
    if (!k || !k->group || !k->kind)
        return NULL;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(roots); i++) {
        if (strcmp(roots[i].group, k->group) == 0 && strcmp(roots[i].kind, k->kind) == 0 &&
            (!roots[i].version || (k->version && strcmp(roots[i].version, k->version) == 0)))
            return &roots[i].root;
    }
    /* Every other built-in kind still has ObjectMeta; kinds outside the registry (custom
     * resources) get no table at all. */
    if (k->version && api_kind_by_kind(k->group, k->version, k->kind))
        return &meta_only_root;
    return NULL;
}

const patch_field_t *patch_schema_child(const patch_field_t *f, const char *name)
{
    if (!f || !f->children || !name)
        return NULL;
    for (const patch_field_t *c = f->children; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

unsigned patch_field_strategy(const patch_field_t *f)
{
    return f ? f->strategy : 0;
}

const char *patch_field_merge_key(const patch_field_t *f)
{
    return f ? f->merge_key : NULL;
}

const patch_field_t *patch_schema_lookup(const api_kind_t *k, const char *path)
{
    const patch_field_t *f = patch_schema_root(k);
    if (!path || !*path)
        return f;
    char name[128];
    while (f && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(name))
            return NULL;
        memcpy(name, path, n);
        name[n] = '\0';
        f = patch_schema_child(f, name);
        path += n;
        if (*path == '.')
            path++;
    }
    return f;
}

unsigned patch_strategy(const api_kind_t *k, const char *path)
{
    return patch_field_strategy(patch_schema_lookup(k, path));
}

const char *patch_merge_key(const api_kind_t *k, const char *path)
{
    return patch_field_merge_key(patch_schema_lookup(k, path));
}
