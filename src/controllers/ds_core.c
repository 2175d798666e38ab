/*
 * ds_core.c — pure, what the DaemonSet controller decides: the tolerations every daemon pod
 * gets, which nodes should run (or may keep running) a daemon pod, the pod for a node (bound
 * through required node affinity on metadata.name, as upstream since 1.12, so the scheduler
 * places it), and the next creates and deletes, rolling updates within maxUnavailable.
 */
#include "internal.h"
#include "c8s/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tolerations upstream's daemon controller adds to every daemon pod (AddOrUpdateDaemonPod-
 * Tolerations): daemons keep running on nodes that are not ready or unreachable, under
 * pressure, or cordoned. */
static const struct {
    const char *key, *effect;
    bool host_network_only;
} auto_tols[] = {
    {"node.kubernetes.io/not-ready", "NoExecute", false},
    {"node.kubernetes.io/unreachable", "NoExecute", false},
    {"node.kubernetes.io/disk-pressure", "NoSchedule", false},
    {"node.kubernetes.io/memory-pressure", "NoSchedule", false},
    {"node.kubernetes.io/pid-pressure", "NoSchedule", false},
    {"node.kubernetes.io/unschedulable", "NoSchedule", false},
    {"node.kubernetes.io/network-unavailable", "NoSchedule", true},
};

json_t *controllers__ds_template(const json_t *ds)
{
    json_t *tpl = json_deep_copy(json_object_get(json_object_get(ds, "spec"), "template"));
    if (!json_is_object(tpl)) {
        json_decref(tpl);
        tpl = json_object();
    }
    json_t *spec = json_object_get(tpl, "spec");
    if (!json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(tpl, "spec", spec);
    }
    json_t *tols = json_object_get(spec, "tolerations");
    if (!json_is_array(tols)) {
        tols = json_array();
        json_object_set_new(spec, "tolerations", tols);
    }
    bool host_net = json_is_true(json_object_get(spec, "hostNetwork"));
    for (size_t i = 0; i < C8S_ARRAY_SIZE(auto_tols); i++) {
        if (auto_tols[i].host_network_only && !host_net)
            continue;
        bool have = false;
        size_t k;
        json_t *t;
        json_array_foreach(tols, k, t)
        {
            const char *key = json_string_value(json_object_get(t, "key"));
            const char *eff = json_string_value(json_object_get(t, "effect"));
            if (key && eff && strcmp(key, auto_tols[i].key) == 0 &&
                strcmp(eff, auto_tols[i].effect) == 0)
                have = true;
        }
        if (!have)
            json_array_append_new(tols,
                                  json_pack("{s:s,s:s,s:s}", "key", auto_tols[i].key, "operator",
                                            "Exists", "effect", auto_tols[i].effect));
    }
    return tpl;
}

int controllers__ds_pod_parse(const json_t *tpl, struct sched_pod_s **out, c8s_err_t *err)
{
    cleanup_json json_t *pj = json_pack("{s:{s:s},s:O}", "metadata", "name", "daemon", "spec",
                                        json_object_get(tpl, "spec"));
    return sched_pod_from_json(pj, out, err);
}

int controllers__ds_node_fit(const struct sched_pod_s *pod, const json_t *node, bool *should_run,
                             bool *may_continue, c8s_err_t *err)
{
    *should_run = *may_continue = false;
    sched_node_t *n = NULL;
    int rc = sched_node_from_json(node, &n, err);
    if (rc != 0)
        return rc;
    if (sched_node_matches_pod_affinity(pod, n)) {
        /* A taint with effect NoSchedule keeps new daemon pods off but lets a running one stay;
         * NoExecute does both (upstream's nodeShouldRunDaemonPod). */
        bool no_sched = true, no_exec = true;
        for (size_t i = 0; i < n->ntaints; i++) {
            int eff = n->taints[i].effect;
            bool exec = eff == SCHED_EFFECT_NO_EXECUTE;
            if (!exec && eff != SCHED_EFFECT_NO_SCHEDULE)
                continue;
            bool tolerated = false;
            for (size_t k = 0; k < pod->ntols && !tolerated; k++)
                tolerated = sched_toleration_tolerates(&pod->tols[k], &n->taints[i]);
            if (tolerated)
                continue;
            no_sched = false;
            if (exec)
                no_exec = false;
        }
        *should_run = no_sched && no_exec;
        *may_continue = no_exec;
    }
    sched_node_free(n);
    return 0;
}

json_t *controllers__ds_pod(const json_t *ds, const json_t *tpl, const char *hash, const char *node)
{
    json_t *tmd = json_object_get(tpl, "metadata");
    json_t *labels = json_deep_copy(json_object_get(tmd, "labels"));
    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(labels, "controller-revision-hash", json_string(hash));
    char gen[32];
    snprintf(gen, sizeof(gen), "%lld",
             (long long)json_integer_value(
                 json_object_get(json_object_get(ds, "metadata"), "generation")));
    json_object_set_new(labels, "pod-template-generation", json_string(gen));
    cleanup_free char *gname = xasprintf("%s-", controllers__meta(ds, "name"));
    json_t *md = json_pack("{s:s,s:s?,s:o,s:[o]}", "generateName", gname, "namespace",
                           controllers__meta(ds, "namespace"), "labels", labels, "ownerReferences",
                           controllers__owner_ref(ds, "DaemonSet", "apps/v1"));
    json_t *ann = json_object_get(tmd, "annotations");
    if (json_is_object(ann))
        json_object_set(md, "annotations", ann);

    json_t *spec = json_deep_copy(json_object_get(tpl, "spec"));
    /* Bind to the node through required affinity on its name: each required term keeps its
     * matchExpressions and gets matchFields metadata.name In [node]; no term: one is made. */
    json_t *field =
        json_pack("[{s:s,s:s,s:[s]}]", "key", "metadata.name", "operator", "In", "values", node);
    json_t *aff = json_object_get(spec, "affinity");
    if (!json_is_object(aff)) {
        aff = json_object();
        json_object_set_new(spec, "affinity", aff);
    }
    json_t *na = json_object_get(aff, "nodeAffinity");
    if (!json_is_object(na)) {
        na = json_object();
        json_object_set_new(aff, "nodeAffinity", na);
    }
    json_t *req = json_object_get(na, "requiredDuringSchedulingIgnoredDuringExecution");
    if (!json_is_object(req)) {
        req = json_object();
        json_object_set_new(na, "requiredDuringSchedulingIgnoredDuringExecution", req);
    }
    json_t *terms = json_object_get(req, "nodeSelectorTerms");
    if (!json_is_array(terms) || json_array_size(terms) == 0) {
        terms = json_array();
        json_array_append_new(terms, json_object());
        json_object_set_new(req, "nodeSelectorTerms", terms);
    }
    size_t i;
    json_t *t;
    json_array_foreach(terms, i, t) json_object_set_new(t, "matchFields", json_deep_copy(field));
    json_decref(field);
    return json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", md, "spec",
                     spec);
}

const char *controllers__ds_pod_node(const json_t *pod)
{
    json_t *spec = json_object_get(pod, "spec");
    const char *n = json_string_value(json_object_get(spec, "nodeName"));
    if (n && *n)
        return n;
    json_t *terms = json_object_get(
        json_object_get(json_object_get(json_object_get(spec, "affinity"), "nodeAffinity"),
                        "requiredDuringSchedulingIgnoredDuringExecution"),
        "nodeSelectorTerms");
    size_t i, k;
    json_t *t, *f;
    json_array_foreach(terms, i, t) json_array_foreach(json_object_get(t, "matchFields"), k, f)
    {
        const char *key = json_string_value(json_object_get(f, "key"));
        const char *op = json_string_value(json_object_get(f, "operator"));
        json_t *vals = json_object_get(f, "values");
        if (key && op && strcmp(key, "metadata.name") == 0 && strcmp(op, "In") == 0 &&
            json_array_size(vals) == 1)
            return json_string_value(json_array_get(vals, 0));
    }
    return NULL;
}

/* maxUnavailable as a count of desired (a percentage rounds up, as upstream's daemon
 * controller; at least 1 so an update can progress). */
static json_int_t max_unavailable(const json_t *ds, json_int_t desired)
{
    json_t *v = json_object_get(
        json_object_get(json_object_get(json_object_get(ds, "spec"), "updateStrategy"),
                        "rollingUpdate"),
        "maxUnavailable");
    json_int_t m = 1;
    if (json_is_integer(v))
        m = json_integer_value(v);
    else if (json_is_string(v)) {
        long pct = strtol(json_string_value(v), NULL, 10);
        m = (desired * pct + 99) / 100;
    }
    return m < 1 ? 1 : m;
}

static int by_created(const void *a, const void *b)
{
    const char *ca = controllers__meta(*(json_t *const *)a, "creationTimestamp");
    const char *cb = controllers__meta(*(json_t *const *)b, "creationTimestamp");
    int c = strcmp(ca ? ca : "", cb ? cb : "");
    if (c)
        return c;
    const char *na = controllers__meta(*(json_t *const *)a, "name");
    const char *nb = controllers__meta(*(json_t *const *)b, "name");
    return strcmp(na ? na : "", nb ? nb : "");
}

json_t *controllers__ds_plan(const json_t *ds, const json_t *nodes, const json_t *pods,
                             const char *hash, int64_t now)
{
    json_t *plan = json_pack("{s:[],s:[]}", "create_on", "delete_pods");
    json_t *create_on = json_object_get(plan, "create_on");
    json_t *deletes = json_object_get(plan, "delete_pods");
    const char *type = json_string_value(
        json_object_get(json_object_get(json_object_get(ds, "spec"), "updateStrategy"), "type"));
    bool rolling = !type || strcmp(type, "OnDelete") != 0;
    json_int_t min_ready =
        json_integer_value(json_object_get(json_object_get(ds, "spec"), "minReadySeconds"));
    int64_t requeue = 0;

    /* Pods by node. */
    json_t *by_node = json_object(); /* node → [pod…] */
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p)
    {
        const char *n = controllers__ds_pod_node(p);
        if (!n)
            n = "";
        json_t *l = json_object_get(by_node, n);
        if (!l) {
            l = json_array();
            json_object_set_new(by_node, n, l);
        }
        json_array_append(l, p);
    }

    json_int_t desired = 0, current = 0, mis = 0, ready = 0, available = 0, updated = 0;
    json_t *old_ready = json_array(), *old_unready = json_array();
    json_int_t unavailable = 0;
    const char *name;
    json_t *fit;
    json_object_foreach((json_t *)nodes, name, fit)
    {
        bool run = json_is_true(json_object_get(fit, "run"));
        bool cont = json_is_true(json_object_get(fit, "continue"));
        json_t *l = json_object_get(by_node, name);
        size_t np = json_array_size(l);
        json_t **sorted = xcalloc(np ? np : 1, sizeof(*sorted));
        size_t nlive = 0;
        for (size_t k = 0; k < np; k++) {
            json_t *pod = json_array_get(l, k);
            if (controllers__pod_terminating(pod))
                continue;
            if (controllers__pod_finished(pod)) {
                /* A failed daemon pod is replaced. */
                json_array_append_new(deletes, json_string(controllers__meta(pod, "name")));
                continue;
            }
            sorted[nlive++] = pod;
        }
        qsort(sorted, nlive, sizeof(*sorted), by_created);
        if (run)
            desired++;
        if (!run && nlive > 0)
            mis++;
        if (!run && !cont) {
            for (size_t k = 0; k < nlive; k++)
                json_array_append_new(deletes, json_string(controllers__meta(sorted[k], "name")));
        } else if (nlive == 0) {
            /* Created once the node holds no pod at all: a terminating or finished one goes
             * first. */
            if (run && np == 0)
                json_array_append_new(create_on, json_string(name));
            if (run)
                unavailable++;
        } else {
            if (run)
                current++;
            /* One daemon pod per node: the oldest stays. */
            for (size_t k = 1; k < nlive; k++)
                json_array_append_new(deletes, json_string(controllers__meta(sorted[k], "name")));
            json_t *pod = sorted[0];
            int64_t in = controllers__pod_available_in(pod, min_ready, now);
            bool ok = in == 0;
            if (in > 0 && (requeue == 0 || in < requeue))
                requeue = in;
            const char *rev = controllers__pod_revision(pod);
            bool upd = rev && strcmp(rev, hash) == 0;
            if (run && controllers__pod_ready(pod))
                ready++;
            if (run && ok)
                available++;
            if (run && upd)
                updated++;
            if (run && !ok)
                unavailable++;
            if (run && !upd)
                json_array_append(ok ? old_ready : old_unready, pod);
        }
        free(sorted);
    }
    /* Rolling update with maxSurge 0: old pods that are down anyway go first; then old ready
     * ones while fewer than maxUnavailable nodes are without an available daemon pod. */
    if (rolling) {
        json_array_foreach(old_unready, i, p)
            json_array_append_new(deletes, json_string(controllers__meta(p, "name")));
        json_int_t budget = max_unavailable(ds, desired) - unavailable;
        json_array_foreach(old_ready, i, p)
        {
            if (budget <= 0)
                break;
            json_array_append_new(deletes, json_string(controllers__meta(p, "name")));
            budget--;
        }
    }
    /* Pods for nodes that are gone. */
    json_t *l;
    json_object_foreach(by_node, name, l)
    {
        if (json_object_get(nodes, name))
            continue;
        json_array_foreach(l, i, p)
        {
            if (!controllers__pod_terminating(p))
                json_array_append_new(deletes, json_string(controllers__meta(p, "name")));
        }
    }
    json_decref(by_node);
    json_decref(old_ready);
    json_decref(old_unready);
    json_object_set_new(
        plan, "status",
        json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "observedGeneration",
            json_integer_value(json_object_get(json_object_get(ds, "metadata"), "generation")),
            "desiredNumberScheduled", desired, "currentNumberScheduled", current,
            "numberMisscheduled", mis, "numberReady", ready, "numberAvailable", available,
            "updatedNumberScheduled", updated, "numberUnavailable",
            desired - available > 0 ? desired - available : 0));
    if (requeue > 0)
        json_object_set_new(plan, "requeue_after", json_integer(requeue));
    return plan;
}
