/*
 * bootstrap_rbac.c — the default RBAC policy every cluster starts with, as upstream's bootstrap
 * policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin for system:masters,
 * discovery and basic-user for everyone authenticated, public-info-viewer for everyone, the
 * aggregated admin / edit / view roles fed by the system:aggregate-to-* roles, and the roles of
 * the system components. Created when absent; when present and not annotated
 * rbac.authorization.kubernetes.io/autoupdate=false, reconciled at every start as upstream does:
 * missing labels, annotations, rules, aggregation selectors and subjects are added, nothing is
 * removed (an upgrade brings new permissions; an administrator's additions stay).
 *
 * Rules are written compactly: "verbs|groups|resources[|names]" for resource rules and
 * "verbs|@|urls" for non-resource ones, each list comma-separated ("" is the core group).
 */
#include "internal.h"

#include "c8s/rbac.h"

#include <string.h>

#define READ  "get,list,watch"
#define WRITE "create,delete,deletecollection,patch,update"
#define RW    READ "," WRITE
#define AGG   "rbac.authorization.k8s.io/aggregate-to-"

typedef struct {
    const char *name;
    const char *labels;       /* "k=v;k=v" or NULL */
    const char *aggregate;    /* the label selecting the roles aggregated into this one, or NULL */
    const char *const *rules; /* NULL-terminated */
} role_def_t;

static const char *const r_cluster_admin[] = {"*|*|*", "*|@|*", NULL};
static const char *const r_discovery[] = {"get|@|/api,/api/*,/apis,/apis/*,/healthz,/livez,/"
                                          "openapi,/openapi/*,/readyz,/version,/version/",
                                          NULL};
static const char *const r_basic_user[] = {
    "create|authorization.k8s.io|selfsubjectaccessreviews,selfsubjectrulesreviews",
    "create|authentication.k8s.io|selfsubjectreviews", NULL};
static const char *const r_public_info[] = {"get|@|/healthz,/livez,/readyz,/version,/version/",
                                            NULL};
static const char *const r_agg_admin[] = {"create|authorization.k8s.io|localsubjectaccessreviews",
                                          RW "|rbac.authorization.k8s.io|rolebindings,roles", NULL};
static const char *const r_agg_edit[] = {
    READ "||pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy",
    "impersonate||serviceaccounts",
    WRITE "||pods,pods/attach,pods/exec,pods/portforward,pods/proxy",
    "create||pods/eviction",
    WRITE "||configmaps,events,persistentvolumeclaims,replicationcontrollers,"
          "replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy",
    "create||serviceaccounts/token",
    WRITE "|apps|daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,"
          "replicasets/scale,statefulsets,statefulsets/scale",
    WRITE "|autoscaling|horizontalpodautoscalers",
    WRITE "|batch|cronjobs,jobs",
    WRITE "|extensions|daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,"
          "networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale",
    WRITE "|policy|poddisruptionbudgets",
    WRITE "|networking.k8s.io|ingresses,networkpolicies",
    RW "|coordination.k8s.io|leases",
    NULL};
static const char *const r_agg_view[] = {
    READ "||configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,"
         "replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,"
         "services/status",
    READ "||bindings,events,limitranges,namespaces/status,pods/log,pods/status,"
         "replicationcontrollers/status,resourcequotas,resourcequotas/status",
    READ "||namespaces",
    READ "|discovery.k8s.io|endpointslices",
    READ "|apps|controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,"
         "deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,"
         "statefulsets/scale,statefulsets/status",
    READ "|autoscaling|horizontalpodautoscalers,horizontalpodautoscalers/status",
    READ "|batch|cronjobs,cronjobs/status,jobs,jobs/status",
    READ "|extensions|daemonsets,daemonsets/status,deployments,deployments/scale,"
         "deployments/status,ingresses,ingresses/status,networkpolicies,replicasets,"
         "replicasets/scale,replicasets/status,replicationcontrollers/scale",
    READ "|policy|poddisruptionbudgets,poddisruptionbudgets/status",
    READ "|networking.k8s.io|ingresses,ingresses/status,networkpolicies",
    /* metrics-server's system:aggregated-metrics-reader, aggregated the same way. */
    READ "|metrics.k8s.io|nodes,pods",
    NULL};
static const char *const r_node_proxier[] = {READ "||endpoints,services", READ "||nodes",
                                             "create,patch,update|,events.k8s.io|events",
                                             "list,watch|discovery.k8s.io|endpointslices", NULL};
static const char *const r_scheduler[] = {"create,patch,update|,events.k8s.io|events",
                                          "create|coordination.k8s.io|leases",
                                          "get,update|coordination.k8s.io|leases|kube-scheduler",
                                          "create||endpoints",
                                          "get,update||endpoints|kube-scheduler",
                                          READ "||nodes",
                                          "delete," READ "||pods",
                                          "create||bindings,pods/binding",
                                          "patch,update||pods/status",
                                          READ "||replicationcontrollers,services",
                                          READ "|apps,extensions|replicasets",
                                          READ "|apps|statefulsets",
                                          READ "|policy|poddisruptionbudgets",
                                          READ "||persistentvolumeclaims,persistentvolumes",
                                          "create|authentication.k8s.io|tokenreviews",
                                          "create|authorization.k8s.io|subjectaccessreviews",
                                          READ "|storage.k8s.io|csinodes",
                                          READ "||namespaces",
                                          READ "|storage.k8s.io|csidrivers,csistoragecapacities",
                                          NULL};
static const char *const r_controller_manager[] = {
    "create,patch,update|,events.k8s.io|events",
    "create|coordination.k8s.io|leases",
    "get,update|coordination.k8s.io|leases|kube-controller-manager",
    "create||endpoints",
    "get,update||endpoints|kube-controller-manager",
    "create||secrets,serviceaccounts",
    "delete||secrets",
    "get||configmaps,namespaces,secrets,serviceaccounts",
    "update||secrets,serviceaccounts",
    "create|authentication.k8s.io|tokenreviews",
    "create|authorization.k8s.io|subjectaccessreviews",
    "list,watch|*|*",
    "create||serviceaccounts/token",
    NULL};
static const char *const r_node_bootstrapper[] = {
    "create,get,list,watch|certificates.k8s.io|certificatesigningrequests", NULL};
static const char *const r_csr_nodeclient[] = {
    "create|certificates.k8s.io|certificatesigningrequests/nodeclient", NULL};
static const char *const r_csr_selfnodeclient[] = {
    "create|certificates.k8s.io|certificatesigningrequests/selfnodeclient", NULL};
static const char *const r_approve_client[] = {
    "approve|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client", NULL};
static const char *const r_approve_kubelet_client[] = {
    "approve|certificates.k8s.io|signers|kubernetes.io/kube-apiserver-client-kubelet", NULL};
static const char *const r_approve_kubelet_serving[] = {
    "approve|certificates.k8s.io|signers|kubernetes.io/kubelet-serving", NULL};
static const char *const r_none[] = {NULL};

static const role_def_t roles[] = {
    {"cluster-admin", NULL, NULL, r_cluster_admin},
    {"admin", NULL, AGG "admin", r_none},
    {"edit", AGG "admin=true", AGG "edit", r_none},
    {"view", AGG "edit=true", AGG "view", r_none},
    {"system:aggregate-to-admin", AGG "admin=true", NULL, r_agg_admin},
    {"system:aggregate-to-edit", AGG "edit=true", NULL, r_agg_edit},
    {"system:aggregate-to-view", AGG "view=true", NULL, r_agg_view},
    {"system:discovery", NULL, NULL, r_discovery},
    {"system:basic-user", NULL, NULL, r_basic_user},
    {"system:public-info-viewer", NULL, NULL, r_public_info},
    {"system:node-proxier", NULL, NULL, r_node_proxier},
    {"system:kube-scheduler", NULL, NULL, r_scheduler},
    {"system:kube-controller-manager", NULL, NULL, r_controller_manager},
    {"system:node-bootstrapper", NULL, NULL, r_node_bootstrapper},
#define CSR_ROLE "system:certificates.k8s.io:"
    {CSR_ROLE "certificatesigningrequests:nodeclient", NULL, NULL, r_csr_nodeclient},
    {CSR_ROLE "certificatesigningrequests:selfnodeclient", NULL, NULL, r_csr_selfnodeclient},
    {CSR_ROLE "kube-apiserver-client-approver", NULL, NULL, r_approve_client},
    {CSR_ROLE "kube-apiserver-client-kubelet-approver", NULL, NULL, r_approve_kubelet_client},
    {CSR_ROLE "kubelet-serving-approver", NULL, NULL, r_approve_kubelet_serving},
};

/* name, then subjects "Kind:name"; the ClusterRole is named as the binding unless role_of
 * says otherwise */
static const struct {
    const char *name;
    const char *subjects[3];
} bindings[] = {
    {"cluster-admin", {"Group:" AUTH_GROUP_MASTERS}},
    {"system:discovery", {"Group:" AUTH_GROUP_AUTHENTICATED}},
    {"system:basic-user", {"Group:" AUTH_GROUP_AUTHENTICATED}},
    {"system:public-info-viewer",
     {"Group:" AUTH_GROUP_AUTHENTICATED, "Group:" AUTH_GROUP_UNAUTHENTICATED}},
    {"system:node-proxier", {"User:system:kube-proxy"}},
    {"system:kube-scheduler", {"User:system:kube-scheduler"}},
    {"system:kube-controller-manager", {"User:system:kube-controller-manager"}},
    /* Joining nodes (docs/operations.md "add a node"), as kubeadm binds its bootstrap tokens'
     * group: any bootstrap token may ask for a node client certificate and have it approved;
     * a node renews its own. */
    {"c8s:kubelet-bootstrap", {"Group:system:bootstrappers"}},
    {"c8s:node-autoapprove-bootstrap", {"Group:system:bootstrappers"}},
    {"c8s:node-autoapprove-certificate-rotation", {"Group:" AUTH_GROUP_NODES}},
};

static const char *role_of(const char *binding)
{
    static const char *const map[][2] = {
        {"c8s:kubelet-bootstrap", "system:node-bootstrapper"},
        {"c8s:node-autoapprove-bootstrap", CSR_ROLE "certificatesigningrequests:nodeclient"},
        {"c8s:node-autoapprove-certificate-rotation",
         CSR_ROLE "certificatesigningrequests:selfnodeclient"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(map); i++)
        if (!strcmp(map[i][0], binding))
            return map[i][1];
    return binding;
}

/* Namespaced Roles and their RoleBindings (same name): cluster discovery reads
 * kube-public/cluster-info before it has any credential, as kubeadm allows it. */
static const struct {
    const char *ns, *name, *rule, *subject;
} ns_roles[] = {
    {"kube-public", "c8s:bootstrap-signer-clusterinfo",
     "get|"
     "|configmaps|cluster-info",
     "User:" AUTH_USER_ANONYMOUS},
};

static json_t *split_list(const char *s, size_t n)
{
    json_t *a = json_array();
    cleanup_free char *copy = xstrndup(s, n);
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        json_array_append_new(a, json_string(p));
        if (!comma)
            break;
        p = comma + 1;
    }
    return a;
}

static json_t *parse_rule(const char *spec)
{
    const char *f[4] = {spec, NULL, NULL, NULL};
    size_t len[4] = {0};
    int n = 1;
    for (const char *c = spec; *c && n < 4; c++)
        if (*c == '|')
            f[n++] = c + 1;
    for (int i = 0; i < n; i++) {
        const char *end = strchr(f[i], '|');
        len[i] = end ? (size_t)(end - f[i]) : strlen(f[i]);
    }
    json_t *rule = json_object();
    if (n >= 3 && len[1] == 1 && f[1][0] == '@') {
        json_object_set_new(rule, "nonResourceURLs", split_list(f[2], len[2]));
    } else if (n >= 3) {
        json_object_set_new(rule, "apiGroups", split_list(f[1], len[1]));
        json_object_set_new(rule, "resources", split_list(f[2], len[2]));
        if (n == 4)
            json_object_set_new(rule, "resourceNames", split_list(f[3], len[3]));
    }
    json_object_set_new(rule, "verbs", split_list(f[0], len[0]));
    return rule;
}

static json_t *meta(const char *name, const char *now, const char *labels)
{
    char uid[37];
    apiserver__uuid(uid);
    json_t *l = json_pack("{s:s}", "kubernetes.io/bootstrapping", "rbac-defaults");
    if (labels) {
        cleanup_free char *copy = xstrdup(labels);
        char *save = NULL;
        for (char *kv = strtok_r(copy, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            if (!eq)
                continue;
            *eq = '\0';
            json_object_set_new(l, kv, json_string(eq + 1));
        }
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:{s:s}}", "name", name, "uid", uid, "creationTimestamp",
                     now, "labels", l, "annotations", "rbac.authorization.kubernetes.io/autoupdate",
                     "true");
}

typedef struct {
    apiserver_t *s;
    char *key;
    json_t *want;
    store_cb done;
} boot_t;

static void boot_free(boot_t *b)
{
    free(b->key);
    json_decref(b->want);
    free(b);
}

/* Adds to arr (an array, created in parent[field] when absent) what want[field] has that it
 * lacks; for rules, what arr's rules do not cover. True when something was added. */
static bool union_into(json_t *parent, const json_t *want, const char *field, bool rules)
{
    json_t *add = json_object_get(want, field);
    if (json_array_size(add) == 0)
        return false;
    json_t *arr = json_object_get(parent, field);
    if (!json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(parent, field, arr);
    }
    bool changed = false;
    size_t i, j;
    json_t *v, *have;
    json_array_foreach(add, i, v)
    {
        bool present = false;
        if (rules) {
            json_t *one = json_pack("[O]", v);
            present = rbac_covers(arr, one, NULL);
            json_decref(one);
        } else {
            json_array_foreach(arr, j, have) if (json_equal(have, v)) present = true;
        }
        if (!present) {
            json_array_append(arr, v);
            changed = true;
        }
    }
    return changed;
}

static bool map_union(json_t *parent, const json_t *want, const char *field)
{
    json_t *add = json_object_get(want, field);
    json_t *have = json_object_get(parent, field);
    if (!json_is_object(add))
        return false;
    if (!json_is_object(have)) {
        have = json_object();
        json_object_set_new(parent, field, have);
    }
    bool changed = false;
    const char *k;
    json_t *v;
    json_object_foreach(add, k, v) if (!json_object_get(have, k))
    {
        json_object_set(have, k, v);
        changed = true;
    }
    return changed;
}

/* upstream's reconciliation of a bootstrap object: true when cur was changed. */
static bool reconcile(json_t *cur, const json_t *want)
{
    json_t *md = json_object_get(cur, "metadata");
    const char *au = json_string_value(json_object_get(
        json_object_get(md, "annotations"), "rbac.authorization.kubernetes.io/autoupdate"));
    if (!json_is_object(md) || (au && strcmp(au, "false") == 0))
        return false;
    const json_t *wmd = json_object_get(want, "metadata");
    bool changed = map_union(md, wmd, "labels");
    changed |= map_union(md, wmd, "annotations");
    changed |= union_into(cur, want, "rules", true);
    changed |= union_into(cur, want, "subjects", false);
    const json_t *wagg = json_object_get(want, "aggregationRule");
    if (wagg) {
        json_t *agg = json_object_get(cur, "aggregationRule");
        if (!json_is_object(agg)) {
            agg = json_object();
            json_object_set_new(cur, "aggregationRule", agg);
        }
        changed |= union_into(agg, wagg, "clusterRoleSelectors", false);
    }
    return changed;
}

static void on_reconciled(const store_result_t *res, void *data)
{
    boot_t *b = data;
    if (res->code == 0 && !res->succeeded)
        log_info("apiserver", "bootstrap: %s changed while reconciling; next start looks again",
                 b->key);
    else if (res->code == 0)
        log_info("apiserver", "bootstrap: reconciled %s", b->key);
    store_result_t ok = {.code = res->code, .err = res->err, .succeeded = true};
    b->done(&ok, b->s);
    boot_free(b);
}

static void on_created(const store_result_t *res, void *data)
{
    boot_t *b = data;
    if (res->code != 0 || res->succeeded || res->n_kvs != 1 || !res->kvs[0].value) {
        b->done(res, b->s);
        boot_free(b);
        return;
    }
    json_t *cur = json_loadb(res->kvs[0].value, res->kvs[0].value_len, 0, NULL);
    if (!json_is_object(cur) || !reconcile(cur, b->want)) {
        json_decref(cur);
        b->done(res, b->s);
        boot_free(b);
        return;
    }
    char *val = json_dumps(cur, JSON_COMPACT);
    json_decref(cur);
    store_update(b->s->store, b->key, val, strlen(val), res->kvs[0].mod_revision, 0, on_reconciled,
                 b);
    free(val);
}

static void create(apiserver_t *s, const char *key, json_t *obj, store_cb done)
{
    boot_t *b = xcalloc(1, sizeof(*b));
    b->s = s;
    b->key = xstrdup(key);
    b->want = obj;
    b->done = done;
    char *val = json_dumps(obj, JSON_COMPACT);
    s->boot_pending++;
    store_create(s->store, key, val, strlen(val), 0, on_created, b);
    free(val);
}

void apiserver__bootstrap_rbac(apiserver_t *s, const char *now, store_cb done)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(roles); i++) {
        const role_def_t *d = &roles[i];
        json_t *rules = json_array();
        for (const char *const *r = d->rules; *r; r++)
            json_array_append_new(rules, parse_rule(*r));
        json_t *obj = json_pack("{s:s, s:s, s:o, s:o}", "kind", "ClusterRole", "apiVersion",
                                "rbac.authorization.k8s.io/v1", "metadata",
                                meta(d->name, now, d->labels), "rules", rules);
        if (d->aggregate)
            json_object_set_new(obj, "aggregationRule",
                                json_pack("{s:[{s:{s:s}}]}", "clusterRoleSelectors", "matchLabels",
                                          d->aggregate, "true"));
        cleanup_free char *key = xasprintf("%s/clusterroles/%s", s->etcd_prefix, d->name);
        create(s, key, obj, done);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bindings); i++) {
        json_t *subjects = json_array();
        for (size_t j = 0; j < 3 && bindings[i].subjects[j]; j++) {
            const char *sj = bindings[i].subjects[j];
            const char *colon = strchr(sj, ':');
            cleanup_free char *kind = xstrndup(sj, (size_t)(colon - sj));
            json_array_append_new(subjects,
                                  json_pack("{s:s, s:s, s:s}", "kind", kind, "apiGroup",
                                            "rbac.authorization.k8s.io", "name", colon + 1));
        }
        json_t *obj = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}, s:o}", "kind",
                                "ClusterRoleBinding", "apiVersion", "rbac.authorization.k8s.io/v1",
                                "metadata", meta(bindings[i].name, now, NULL), "roleRef",
                                "apiGroup", "rbac.authorization.k8s.io", "kind", "ClusterRole",
                                "name", role_of(bindings[i].name), "subjects", subjects);
        cleanup_free char *key =
            xasprintf("%s/clusterrolebindings/%s", s->etcd_prefix, bindings[i].name);
        create(s, key, obj, done);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ns_roles); i++) {
        json_t *md = meta(ns_roles[i].name, now, NULL);
        json_object_set_new(md, "namespace", json_string(ns_roles[i].ns));
        json_t *role = json_pack("{s:s, s:s, s:o, s:[o]}", "kind", "Role", "apiVersion",
                                 "rbac.authorization.k8s.io/v1", "metadata", md, "rules",
                                 parse_rule(ns_roles[i].rule));
        cleanup_free char *rkey =
            xasprintf("%s/roles/%s/%s", s->etcd_prefix, ns_roles[i].ns, ns_roles[i].name);
        create(s, rkey, role, done);
        const char *sj = ns_roles[i].subject;
        const char *colon = strchr(sj, ':');
        cleanup_free char *kind = xstrndup(sj, (size_t)(colon - sj));
        md = meta(ns_roles[i].name, now, NULL);
        json_object_set_new(md, "namespace", json_string(ns_roles[i].ns));
        json_t *rb = json_pack("{s:s, s:s, s:o, s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s}]}", "kind",
                               "RoleBinding", "apiVersion", "rbac.authorization.k8s.io/v1",
                               "metadata", md, "roleRef", "apiGroup", "rbac.authorization.k8s.io",
                               "kind", "Role", "name", ns_roles[i].name, "subjects", "kind", kind,
                               "apiGroup", "rbac.authorization.k8s.io", "name", colon + 1);
        cleanup_free char *bkey =
            xasprintf("%s/rolebindings/%s/%s", s->etcd_prefix, ns_roles[i].ns, ns_roles[i].name);
        create(s, bkey, rb, done);
    }
}
