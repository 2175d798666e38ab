/*
 * pv_core.c — the persistent-volume binder's decisions and the local-path provisioner's
 * volumes, pure: which PersistentVolume a claim binds to (as upstream's binder chooses: a volume
 * pre-bound to the claim, else the smallest Available one that satisfies class, access modes,
 * volume mode, size and selector), and the hostPath volume provisioned for a claim on a node.
 */
#include "internal.h"

#include "c8s/quantity.h"
#include "c8s/selector.h"

#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const json_t *spec(const json_t *o)
{
    return json_object_get(o, "spec");
}

/* A claim's class: "" for an explicit empty class or none at all (the default class was
 * applied by admission when there is one). */
static const char *claim_class(const json_t *pvc)
{
    const char *c = str(spec(pvc), "storageClassName");
    return c ? c : "";
}

static bool has_modes(const json_t *pv, const json_t *pvc)
{
    size_t i, j;
    json_t *want, *have;
    json_array_foreach(json_object_get(spec(pvc), "accessModes"), i, want)
    {
        bool found = false;
        json_array_foreach(json_object_get(spec(pv), "accessModes"), j, have)
        {
            if (json_equal(want, have))
                found = true;
        }
        if (!found)
            return false;
    }
    return true;
}

static bool same_mode(const json_t *pv, const json_t *pvc)
{
    const char *a = str(spec(pv), "volumeMode"), *b = str(spec(pvc), "volumeMode");
    return strcmp(a ? a : "Filesystem", b ? b : "Filesystem") == 0;
}

/* The claim's requested size, 0 when it asks for none. */
static bool requested(const json_t *pvc, quantity_t *q)
{
    const json_t *v = json_object_get(
        json_object_get(json_object_get(spec(pvc), "resources"), "requests"), "storage");
    c8s_err_t err = C8S_ERR_INIT;
    if (!v) {
        return quantity_parse("0", q, &err) == 0;
    }
    bool ok = quantity_parse_json(v, q, &err) == 0;
    c8s_err_clear(&err);
    return ok;
}

static bool capacity(const json_t *pv, quantity_t *q)
{
    const json_t *v = json_object_get(json_object_get(spec(pv), "capacity"), "storage");
    c8s_err_t err = C8S_ERR_INIT;
    bool ok = v && quantity_parse_json(v, q, &err) == 0;
    c8s_err_clear(&err);
    return ok;
}

static bool selector_matches(const json_t *pv, const json_t *pvc)
{
    const json_t *sel = json_object_get(spec(pvc), "selector");
    if (!sel)
        return true;
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (labelsel_from_json(sel, &ls, &err) != 0) {
        c8s_err_clear(&err);
        return false;
    }
    bool ok = labelsel_matches(ls, json_object_get(json_object_get(pv, "metadata"), "labels"));
    labelsel_free(ls);
    return ok;
}

bool controllers__pv_bound_to(const json_t *pv, const json_t *pvc)
{
    const json_t *ref = json_object_get(spec(pv), "claimRef");
    const char *uid = str(ref, "uid");
    const json_t *md = json_object_get(pvc, "metadata");
    return ref && strcmp(str(ref, "namespace") ?: "", str(md, "namespace") ?: "") == 0 &&
           strcmp(str(ref, "name") ?: "", str(md, "name") ?: "") == 0 &&
           (!uid || strcmp(uid, str(md, "uid") ?: "") == 0);
}

bool controllers__pv_fits(const json_t *pv, const json_t *pvc)
{
    const char *pv_class = str(spec(pv), "storageClassName");
    quantity_t want, have;
    return strcmp(pv_class ? pv_class : "", claim_class(pvc)) == 0 && has_modes(pv, pvc) &&
           same_mode(pv, pvc) && requested(pvc, &want) && capacity(pv, &have) &&
           quantity_cmp(&have, &want) >= 0 && selector_matches(pv, pvc);
}

const json_t *controllers__pv_choose(const json_t *pvs, const json_t *pvc)
{
    const json_t *best = NULL;
    quantity_t best_q = {0};
    size_t i;
    json_t *pv;
    json_array_foreach(pvs, i, pv)
    {
        if (json_object_get(json_object_get(pv, "metadata"), "deletionTimestamp"))
            continue;
        if (controllers__pv_bound_to(pv, pvc))
            return pv; /* pre-bound (by a user, or by an earlier step of this binder) */
        if (json_object_get(spec(pv), "claimRef") || !controllers__pv_fits(pv, pvc))
            continue;
        const char *phase = str(json_object_get(pv, "status"), "phase");
        if (phase && strcmp(phase, "Available") != 0 && strcmp(phase, "Pending") != 0)
            continue;
        quantity_t q;
        if (!capacity(pv, &q))
            continue;
        if (!best || quantity_cmp(&q, &best_q) < 0) {
            best = pv;
            best_q = q;
        }
    }
    return best;
}

json_t *controllers__pv_claim_ref(const json_t *pvc)
{
    const json_t *md = json_object_get(pvc, "metadata");
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "kind", "PersistentVolumeClaim",
                     "apiVersion", "v1", "namespace", str(md, "namespace"), "name", str(md, "name"),
                     "uid", str(md, "uid"), "resourceVersion", str(md, "resourceVersion"));
}

json_t *controllers__pv_provision(const json_t *pvc, const json_t *sc, const char *node,
                                  const char *base_dir)
{
    const json_t *md = json_object_get(pvc, "metadata");
    const char *uid = str(md, "uid"), *ns = str(md, "namespace"), *name = str(md, "name");
    if (!uid || !ns || !name || !node || !base_dir)
        return NULL;
    const json_t *req = json_object_get(
        json_object_get(json_object_get(spec(pvc), "resources"), "requests"), "storage");
    cleanup_free char *pv_name = xasprintf("pvc-%s", uid);
    /* As k3s's local-path provisioner names its directories: volume, namespace, claim. */
    cleanup_free char *path = xasprintf("%s/%s_%s_%s", base_dir, pv_name, ns, name);
    const char *reclaim = str(sc, "reclaimPolicy");
    const json_t *modes = json_object_get(spec(pvc), "accessModes");
    json_t *modes_v = modes ? json_incref((json_t *)modes) : json_pack("[s]", "ReadWriteOnce");
    json_t *size_v = req ? json_incref((json_t *)req) : json_string("0");
    json_t *pv = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s}}, s:{s:{s:o}, s:o, s:s, s:s, s:s, s:o, s:{s:s, s:s}, "
        "s:{s:{s:[{s:[{s:s, s:s, s:[s]}]}]}}}}",
        "apiVersion", "v1", "kind", "PersistentVolume", "metadata", "name", pv_name, "annotations",
        "pv.kubernetes.io/provisioned-by", CONTROLLERS_LOCAL_PROVISIONER,
        "local.path.provisioner/selected-node", node, "spec", "capacity", "storage", size_v,
        "accessModes", modes_v, "persistentVolumeReclaimPolicy", reclaim ? reclaim : "Delete",
        "storageClassName", claim_class(pvc), "volumeMode", "Filesystem", "claimRef",
        controllers__pv_claim_ref(pvc), "hostPath", "path", path, "type", "DirectoryOrCreate",
        "nodeAffinity", "required", "nodeSelectorTerms", "matchExpressions", "key",
        "kubernetes.io/hostname", "operator", "In", "values", node);
    return pv;
}
