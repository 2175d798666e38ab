/*
 * object.c — the entry points: api_object_default and api_object_validate dispatch to the
 * per-kind hooks, check the metadata every kind shares (ObjectMeta), and build upstream's
 * summary message `Kind "name" is invalid: [...]` from the collected causes.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Upstream's limit on the total size of annotations (keys plus values). */
#define TOTAL_ANNOTATION_SIZE (256 * 1024)

static const api__hooks_t *const hook_tables[] = {
    api__core_hooks, api__pod_hooks, api__workload_hooks, api__other_hooks, api__certificates_hooks,
};

const api__hooks_t *api__hooks_for(const api_kind_t *k)
{
    for (size_t t = 0; t < C8S_ARRAY_SIZE(hook_tables); t++)
        for (const api__hooks_t *h = hook_tables[t]; h->kind; h++)
            if (!strcmp(h->group, k->group) && !strcmp(h->kind, k->kind) &&
                (!h->version || !strcmp(h->version, k->version)))
                return h;
    return NULL;
}

int api_object_default(const api_kind_t *k, json_t *obj, c8s_err_t *err)
{
    if (!json_is_object(obj))
        return c8s_err_set(err, C8S_EBADREQUEST, "%s: object must be a JSON object",
                           k ? k->kind : "object");
    const api__hooks_t *h = api__hooks_for(k);
    if (h && h->defaults)
        h->defaults(obj);
    return 0;
}

static void check_name(c8s_err_t *err, const api__hooks_t *h, const json_t *meta)
{
    api__name_fn name_fn = h && h->name ? h->name : api_check_dns1123_subdomain;
    const char *name = api__str(meta, "name");
    const char *gen = api__str(meta, "generateName");
    if (name && *name) {
        const char *msg = name_fn(name);
        if (msg)
            api__invalid_str(err, "metadata.name", name, msg);
        return;
    }
    if (!gen || !*gen) {
        api__required(err, "metadata.name", "name or generateName is required");
        return;
    }
    /* generateName is a prefix: a trailing '-' is fine, as upstream's maskTrailingDash. */
    cleanup_free char *masked = xstrdup(gen);
    size_t n = strlen(masked);
    if (n > 1 && masked[n - 1] == '-')
        masked[n - 1] = 'a';
    const char *msg = name_fn(masked);
    if (msg)
        api__invalid_str(err, "metadata.generateName", gen, msg);
}

static void check_annotations(c8s_err_t *err, const json_t *ann)
{
    const char *key;
    json_t *v;
    size_t total = 0;
    json_object_foreach((json_t *)ann, key, v)
    {
        cleanup_free char *lower = xstrdup(key);
        for (char *p = lower; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        const char *msg = api_check_qualified_name(lower);
        if (msg)
            api__invalid_str(err, "metadata.annotations", key, msg);
        if (!json_is_string(v))
            api__invalid(err, "metadata.annotations", v, "must be a string");
        total += strlen(key) + (json_is_string(v) ? json_string_length(v) : 0);
    }
    if (total > TOTAL_ANNOTATION_SIZE)
        api__too_long(err, "metadata.annotations", TOTAL_ANNOTATION_SIZE);
}

static void check_owner_refs(c8s_err_t *err, const json_t *refs)
{
    size_t i;
    json_t *r;
    char p[API_PATH_MAX];
    static const char *const req[] = {"apiVersion", "kind", "name", "uid"};
    json_array_foreach(refs, i, r)
    {
        for (size_t j = 0; j < C8S_ARRAY_SIZE(req); j++) {
            const char *v = api__str(r, req[j]);
            if (!v || !*v)
                api__invalid_str(
                    err, api__path(p, sizeof(p), "metadata.ownerReferences[%zu].%s", i, req[j]), "",
                    (j == 3) ? "uid must not be empty" : NULL);
        }
    }
}

static void check_meta(c8s_err_t *err, const api_kind_t *k, const api__hooks_t *h,
                       const json_t *obj)
{
    json_t *meta = api__obj(obj, "metadata");
    check_name(err, h, meta);
    const char *ns = api__str(meta, "namespace");
    if (k->namespaced) {
        const char *msg;
        if (!ns || !*ns)
            api__required(err, "metadata.namespace", NULL);
        else if ((msg = api_check_dns1123_label(ns)))
            api__invalid_str(err, "metadata.namespace", ns, msg);
    } else if (ns && *ns) {
        api__forbidden(err, "metadata.namespace", "not allowed on this type");
    }
    /* Wrong types are what upstream's decoder refuses ("cannot unmarshal array into ... of
     * type map[string]string"). */
    static const char *const maps[] = {"labels", "annotations"};
    for (size_t m = 0; m < C8S_ARRAY_SIZE(maps); m++) {
        json_t *v = json_object_get(meta, maps[m]);
        if (v && !json_is_object(v) && !json_is_null(v)) {
            char path[64];
            snprintf(path, sizeof(path), "metadata.%s", maps[m]);
            api__invalid(err, path, v, "must be a map of strings");
        }
    }
    json_t *labels = api__obj(meta, "labels");
    if (labels)
        api__check_labels(err, labels, "metadata.labels");
    json_t *ann = api__obj(meta, "annotations");
    if (ann)
        check_annotations(err, ann);
    size_t i;
    json_t *f;
    json_array_foreach(api__arr(meta, "finalizers"), i, f)
    {
        const char *s = json_string_value(f);
        const char *msg = s ? api_check_qualified_name(s) : "must be a string";
        if (msg)
            api__invalid(err, "metadata.finalizers", f, msg);
    }
    check_owner_refs(err, api__arr(meta, "ownerReferences"));
}

static void check_meta_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    json_t *m = api__obj(obj, "metadata"), *om = api__obj(old, "metadata");
    char p[API_PATH_MAX];
    static const char *const names[] = {"name", "namespace"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++) {
        const char *a = api__str(m, names[i]), *b = api__str(om, names[i]);
        if (strcmp(a ? a : "", b ? b : ""))
            api__invalid_str(err, api__path(p, sizeof(p), "metadata.%s", names[i]), a,
                             "field is immutable");
    }
    /* The server carries uid and creationTimestamp over; only a different value is wrong. */
    static const char *const carried[] = {"uid", "creationTimestamp"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(carried); i++) {
        json_t *nv = json_object_get(m, carried[i]), *ov = json_object_get(om, carried[i]);
        if (nv && !json_is_null(nv) && ov && !json_equal(nv, ov))
            api__invalid(err, api__path(p, sizeof(p), "metadata.%s", carried[i]), nv,
                         "field is immutable");
    }
}

/* Upstream's utilerrors aggregate: one message bare, several in brackets, duplicates dropped. */
static void summarize(c8s_err_t *err, const api_kind_t *k, const json_t *obj, size_t first)
{
    char qkind[128];
    if (k->group[0])
        snprintf(qkind, sizeof(qkind), "%s.%s", k->kind, k->group);
    else
        snprintf(qkind, sizeof(qkind), "%s", k->kind);
    const char *name = api__str(api__obj(obj, "metadata"), "name");
    if (!name || !*name)
        name = api__str(api__obj(obj, "metadata"), "generateName");
    cleanup_json json_t *seen = json_object();
    char body[C8S_ERR_MSG_MAX] = "";
    size_t off = 0, count = 0;
    for (size_t i = first; i < json_array_size(err->causes); i++) {
        json_t *c = json_array_get(err->causes, i);
        const char *field = api__str(c, "field"), *msg = api__str(c, "message");
        cleanup_free char *line = field && *field ? xasprintf("%s: %s", field, msg) : xstrdup(msg);
        if (json_object_get(seen, line))
            continue;
        json_object_set_new(seen, line, json_true());
        if (off < sizeof(body))
            off +=
                (size_t)snprintf(body + off, sizeof(body) - off, "%s%s", count ? ", " : "", line);
        count++;
    }
    if (count == 1)
        c8s_err_set(err, C8S_EINVALID, "%s \"%s\" is invalid: %s", qkind, name ? name : "", body);
    else
        c8s_err_set(err, C8S_EINVALID, "%s \"%s\" is invalid: [%s]", qkind, name ? name : "", body);
}

int api_object_validate(const api_kind_t *k, const json_t *obj, const json_t *old,
                        const char *subresource, c8s_err_t *err)
{
    if (!json_is_object(obj))
        return c8s_err_set(err, C8S_EBADREQUEST, "%s: object must be a JSON object", k->kind);
    c8s_err_t local = C8S_ERR_INIT;
    c8s_err_t *e = err ? err : &local;
    size_t first = c8s_err_cause_count(e);
    const api__hooks_t *h = api__hooks_for(k);

    check_meta(e, k, h, obj);
    if (old)
        check_meta_update(e, obj, old);
    if (subresource && !strcmp(subresource, "status")) {
        if (h && h->status)
            h->status(e, obj);
    } else {
        if (h && h->validate)
            h->validate(e, obj);
        if (old && h && h->update)
            h->update(e, obj, old);
    }
    if (c8s_err_cause_count(e) == first)
        return 0;
    summarize(e, k, obj, first);
    int rc = e->code;
    c8s_err_clear(&local);
    return rc;
}
