/*
 * sts_core.c — pure, what the StatefulSet controller decides: the pod and claims of an ordinal,
 * and the next writes that bring the pods to the spec (upstream's ordering rules: OrderedReady
 * creates 0→N-1 waiting for each to be Running and Ready, removes N-1→0 one at a time while all
 * others are healthy; Parallel does not wait; rolling updates go from the highest ordinal down
 * to the partition, one pod at a time).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int controllers__sts_ordinal(const json_t *sts, const json_t *pod)
{
    const char *set = controllers__meta(sts, "name");
    const char *name = controllers__meta(pod, "name");
    if (!set || !name)
        return -1;
    size_t n = strlen(set);
    if (strncmp(name, set, n) != 0 || name[n] != '-' || !name[n + 1])
        return -1;
    char *end = NULL;
    long v = strtol(name + n + 1, &end, 10);
    if (*end || v < 0 || v > 1000000 || (name[n + 1] == '0' && name[n + 2]))
        return -1;
    return (int)v;
}

char *controllers__sts_claim_name(const json_t *sts, const json_t *vct, int ordinal)
{
    return xasprintf("%s-%s-%d", controllers__meta(vct, "name"), controllers__meta(sts, "name"),
                     ordinal);
}

json_t *controllers__sts_pvc(const json_t *sts, const json_t *vct, int ordinal)
{
    json_t *pvc = json_pack("{s:s,s:s,s:O?}", "apiVersion", "v1", "kind", "PersistentVolumeClaim",
                            "spec", json_object_get(vct, "spec"));
    json_t *md = json_deep_copy(json_object_get(vct, "metadata"));
    if (!json_is_object(md)) {
        json_decref(md);
        md = json_object();
    }
    cleanup_free char *name = controllers__sts_claim_name(sts, vct, ordinal);
    json_object_set_new(md, "name", json_string(name));
    json_object_set_new(md, "namespace", json_string(controllers__meta(sts, "namespace")));
    /* The claims carry the set's selector labels, as upstream, so they can be found. */
    json_t *labels = json_object_get(md, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(md, "labels", labels);
    }
    json_object_update(
        labels,
        json_object_get(json_object_get(json_object_get(sts, "spec"), "selector"), "matchLabels"));
    json_t *ret =
        json_object_get(json_object_get(sts, "spec"), "persistentVolumeClaimRetentionPolicy");
    const char *wd = json_string_value(json_object_get(ret, "whenDeleted"));
    if (wd && strcmp(wd, "Delete") == 0) {
        /* Collected with the set by the garbage collector; not a controller reference. */
        json_t *ref = controllers__owner_ref(sts, "StatefulSet", "apps/v1");
        json_object_set_new(ref, "controller", json_false());
        json_object_set_new(ref, "blockOwnerDeletion", json_true());
        json_object_set_new(md, "ownerReferences", json_pack("[o]", ref));
    }
    json_object_set_new(pvc, "metadata", md);
    if (!json_object_get(pvc, "spec"))
        json_object_set_new(pvc, "spec", json_object());
    return pvc;
}

json_t *controllers__sts_pod(const json_t *sts, const json_t *tpl, const char *revision,
                             int ordinal)
{
    const char *set = controllers__meta(sts, "name");
    json_t *spec = json_object_get(sts, "spec");
    json_t *tmd = json_object_get(tpl, "metadata");
    cleanup_free char *name = xasprintf("%s-%d", set, ordinal);
    char idx[16];
    snprintf(idx, sizeof(idx), "%d", ordinal);

    json_t *labels = json_deep_copy(json_object_get(tmd, "labels"));
    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(labels, "statefulset.kubernetes.io/pod-name", json_string(name));
    json_object_set_new(labels, "apps.kubernetes.io/pod-index", json_string(idx));
    json_object_set_new(labels, "controller-revision-hash", json_string(revision));
    json_t *md = json_pack("{s:s,s:s?,s:o,s:[o]}", "name", name, "namespace",
                           controllers__meta(sts, "namespace"), "labels", labels, "ownerReferences",
                           controllers__owner_ref(sts, "StatefulSet", "apps/v1"));
    json_t *ann = json_object_get(tmd, "annotations");
    if (json_is_object(ann))
        json_object_set(md, "annotations", ann);

    json_t *pspec = json_deep_copy(json_object_get(tpl, "spec"));
    if (!json_is_object(pspec)) {
        json_decref(pspec);
        pspec = json_object();
    }
    json_object_set_new(pspec, "hostname", json_string(name));
    const char *svc = json_string_value(json_object_get(spec, "serviceName"));
    if (svc && *svc)
        json_object_set_new(pspec, "subdomain", json_string(svc));

    /* Each claim template becomes a volume of the same name pointing at this ordinal's claim
     * (replacing a template volume of that name, as upstream). */
    json_t *vols = json_object_get(pspec, "volumes");
    if (!json_is_array(vols)) {
        vols = json_array();
        json_object_set_new(pspec, "volumes", vols);
    }
    size_t i;
    json_t *vct;
    json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), i, vct)
    {
        const char *vname = controllers__meta(vct, "name");
        if (!vname)
            continue;
        for (size_t j = 0; j < json_array_size(vols); j++) {
            const char *n = json_string_value(json_object_get(json_array_get(vols, j), "name"));
            if (n && strcmp(n, vname) == 0) {
                json_array_remove(vols, j);
                break;
            }
        }
        cleanup_free char *claim = controllers__sts_claim_name(sts, vct, ordinal);
        json_array_append_new(vols, json_pack("{s:s,s:{s:s}}", "name", vname,
                                              "persistentVolumeClaim", "claimName", claim));
    }
    if (json_array_size(vols) == 0)
        json_object_del(pspec, "volumes");
    return json_pack("{s:s,s:s,s:o,s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", md, "spec",
                     pspec);
}

static bool healthy(const json_t *pod)
{
    return pod && !controllers__pod_terminating(pod) && controllers__pod_ready(pod);
}

/* Healthy and Ready for minReadySeconds: what OrderedReady and rolling updates wait for. */
static bool settled(const json_t *pod, json_int_t min_ready, int64_t now)
{
    return healthy(pod) && controllers__pod_available_in(pod, min_ready, now) == 0;
}

static bool rev_is(const json_t *pod, const char *rev)
{
    const char *r = controllers__pod_revision(pod);
    return r && rev && strcmp(r, rev) == 0;
}

/* Adds the creates of ordinal i's missing claims. */
static void want_claims(const json_t *sts, const json_t *pvcs, int i, json_t *plan)
{
    size_t k;
    json_t *vct;
    json_array_foreach(json_object_get(json_object_get(sts, "spec"), "volumeClaimTemplates"), k,
                       vct)
    {
        if (!controllers__meta(vct, "name"))
            continue;
        cleanup_free char *claim = controllers__sts_claim_name(sts, vct, i);
        if (!json_object_get(pvcs, claim))
            json_array_append_new(json_object_get(plan, "create_pvcs"),
                                  controllers__sts_pvc(sts, vct, i));
    }
}

json_t *controllers__sts_plan(const json_t *sts, const json_t *pods, const json_t *pvcs,
                              const char *cur_rev, const json_t *cur_tpl, const char *upd_rev,
                              const json_t *upd_tpl, int64_t now)
{
    json_t *spec = json_object_get(sts, "spec");
    json_int_t n = json_integer_value(json_object_get(spec, "replicas"));
    if (!json_is_integer(json_object_get(spec, "replicas")))
        n = 1;
    if (n < 0)
        n = 0;
    const char *policy = json_string_value(json_object_get(spec, "podManagementPolicy"));
    bool monotonic = !policy || strcmp(policy, "Parallel") != 0;
    json_t *us = json_object_get(spec, "updateStrategy");
    const char *utype = json_string_value(json_object_get(us, "type"));
    bool rolling = !utype || strcmp(utype, "OnDelete") != 0;
    json_int_t partition =
        json_integer_value(json_object_get(json_object_get(us, "rollingUpdate"), "partition"));
    json_int_t min_ready = json_integer_value(json_object_get(spec, "minReadySeconds"));
    int64_t requeue = 0;

    json_t *plan = json_pack("{s:[],s:[],s:[],s:[]}", "create_pvcs", "create_pods", "delete_pods",
                             "delete_pvcs");
    json_t *create_pods = json_object_get(plan, "create_pods");
    json_t *delete_pods = json_object_get(plan, "delete_pods");

    /* Pods by ordinal; those at or past n are condemned. */
    int top = (int)n;
    size_t i;
    json_t *p;
    json_array_foreach(pods, i, p)
    {
        int o = controllers__sts_ordinal(sts, p);
        if (o + 1 > top)
            top = o + 1;
    }
    const json_t **by = xcalloc((size_t)top + 1, sizeof(*by));
    json_array_foreach(pods, i, p)
    {
        int o = controllers__sts_ordinal(sts, p);
        if (o >= 0)
            by[o] = p;
    }

    /* Status as upstream counts it. */
    json_int_t replicas = 0, ready = 0, available = 0, current = 0, updated = 0;
    for (int o = 0; o < top; o++) {
        if (!by[o])
            continue;
        replicas++;
        bool term = controllers__pod_terminating(by[o]);
        if (!term && controllers__pod_ready(by[o]))
            ready++;
        int64_t in = term ? -1 : controllers__pod_available_in(by[o], min_ready, now);
        if (in == 0)
            available++;
        else if (in > 0 && (requeue == 0 || in < requeue))
            requeue = in;
        if (!term && rev_is(by[o], cur_rev))
            current++;
        if (!term && rev_is(by[o], upd_rev))
            updated++;
    }
    const char *status_cur = cur_rev;
    if (updated == n && ready == n && replicas == n) {
        /* The update is complete: what was the update revision is now the current one. */
        status_cur = upd_rev;
        current = updated;
    }
    json_object_set_new(plan, "status",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:s?,s:s?}", "observedGeneration",
                                  json_integer_value(json_object_get(
                                      json_object_get(sts, "metadata"), "generation")),
                                  "replicas", replicas, "readyReplicas", ready, "availableReplicas",
                                  available, "currentReplicas", current, "updatedReplicas", updated,
                                  "currentRevision", status_cur, "updateRevision", upd_rev));

    bool blocked = false, acted = false;
    /* Replicas 0..n-1: create the missing (claims first), replace the finished. */
    for (int o = 0; o < n && !blocked; o++) {
        const json_t *pod = by[o];
        if (!pod) {
            want_claims(sts, pvcs, o, plan);
            bool old = rolling && o < partition;
            json_array_append_new(create_pods, controllers__sts_pod(sts, old ? cur_tpl : upd_tpl,
                                                                    old ? cur_rev : upd_rev, o));
            acted = true;
            blocked = monotonic;
            continue;
        }
        if (controllers__pod_finished(pod) && !controllers__pod_terminating(pod)) {
            json_array_append_new(delete_pods, json_string(controllers__meta(pod, "name")));
            acted = true;
            blocked = monotonic;
            continue;
        }
        want_claims(sts, pvcs, o, plan);
        if (monotonic && !settled(pod, min_ready, now))
            blocked = true;
    }

    /* Condemned ordinals, highest first: one at a time, and only while every other pod is
     * healthy (the target itself may be the unhealthy one). */
    for (int o = top - 1; o >= n && !blocked; o--) {
        const json_t *pod = by[o];
        if (!pod)
            continue;
        if (controllers__pod_terminating(pod)) {
            blocked = monotonic;
            continue;
        }
        if (monotonic) {
            for (int k = 0; k < top; k++) {
                if (k != o && by[k] && !healthy(by[k]))
                    blocked = true;
            }
            if (blocked)
                break;
        }
        json_array_append_new(delete_pods, json_string(controllers__meta(pod, "name")));
        acted = true;
        blocked = monotonic;
    }

    /* whenScaled=Delete: the claims of ordinals scaled away go once their pod has. */
    json_t *ret = json_object_get(spec, "persistentVolumeClaimRetentionPolicy");
    const char *ws = json_string_value(json_object_get(ret, "whenScaled"));
    if (ws && strcmp(ws, "Delete") == 0) {
        const char *claim;
        json_t *v;
        json_object_foreach((json_t *)pvcs, claim, v)
        {
            size_t k;
            json_t *vct;
            json_array_foreach(json_object_get(spec, "volumeClaimTemplates"), k, vct)
            {
                const char *vn = controllers__meta(vct, "name");
                cleanup_free char *prefix =
                    xasprintf("%s-%s-", vn ? vn : "", controllers__meta(sts, "name"));
                size_t pl = strlen(prefix);
                if (strncmp(claim, prefix, pl) != 0 || !claim[pl])
                    continue;
                char *end = NULL;
                long o = strtol(claim + pl, &end, 10);
                if (*end || o < n || (o < top && by[o]))
                    continue;
                json_array_append_new(json_object_get(plan, "delete_pvcs"), json_string(claim));
            }
        }
    }

    /* Rolling update from the highest ordinal down to the partition, one pod at a time: the
     * next old pod goes only once every pod above it is back and healthy. */
    if (rolling && !blocked && !acted) {
        for (json_int_t o = n - 1; o >= partition && o >= 0; o--) {
            const json_t *pod = by[o];
            if (!pod)
                break;
            if (!rev_is(pod, upd_rev) && !controllers__pod_terminating(pod)) {
                json_array_append_new(delete_pods, json_string(controllers__meta(pod, "name")));
                break;
            }
            if (!settled(pod, min_ready, now))
                break;
        }
    }
    if (requeue > 0)
        json_object_set_new(plan, "requeue_after", json_integer(requeue));
    free(by);
    return plan;
}
