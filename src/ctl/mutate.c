/*
 * mutate.c — the verbs that change one field of live objects: scale, label, annotate, patch,
 * cordon, uncordon, drain, taint and rollout (status, history, undo, pause, resume).
 */
#include "ctl_int.h"

#include "c8s/yaml.h"

#include <string.h>
#include <unistd.h>

static char *dumps(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* PATCH path with body (owned by the caller); *out the answer (owned) on success, else the
 * error is printed and 1 returned. */
static int send_patch(ctl_t *c, const char *path, const char *type, const json_t *patch,
                      json_t **out)
{
    cleanup_free char *body = dumps(patch);
    ctl_resp_t resp;
    ctl__do(c, "PATCH", path, type, body, NULL, &resp);
    int rc = 0;
    if (!ctl__ok(&resp))
        rc = ctl__fail(&resp, NULL);
    else if (out)
        *out = c8s_steal(&resp.json);
    ctl__resp_clear(&resp);
    return rc;
}

static const char *rv_of(const json_t *o)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), "resourceVersion"));
}

/* Every (resource, name) the positional arguments (and -l / --all) name. New array of
 * [index, name]. */
int ctl__expand_targets(ctl_t *c, const char *const *args, size_t n, json_t **out)
{
    json_t *t = NULL;
    if (ctl__targets(c, args, n, &t) != 0)
        return 1;
    json_t *all = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(t, i, e)
    {
        if (!json_is_null(json_array_get(e, 1))) {
            json_array_append(all, e);
            continue;
        }
        if (!c->o.selector && !c->o.all) {
            json_decref(t);
            json_decref(all);
            return ctl__error("resource(s) were provided, but no name was specified");
        }
        ctl_res_t r;
        ctl__target_res(c, e, &r);
        cleanup_free char *base = ctl__path(&r, c->ns, NULL);
        strbuf_t q = STRBUF_INIT;
        strbuf_add(&q, base);
        if (c->o.selector) {
            strbuf_add(&q, "?labelSelector=");
            for (const char *p = c->o.selector; *p; p++) {
                char e3[4];
                snprintf(e3, sizeof(e3), "%%%02X", (unsigned char)*p);
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_')
                    strbuf_addn(&q, p, 1);
                else
                    strbuf_add(&q, e3);
            }
        }
        cleanup_free char *path = strbuf_take(&q);
        json_t *list = NULL;
        if (ctl__get_json(c, path, &list) != 0) {
            json_decref(t);
            json_decref(all);
            return 1;
        }
        size_t j;
        json_t *o;
        json_array_foreach(json_object_get(list, "items"), j, o) json_array_append_new(
            all,
            json_pack("[O,s]", json_array_get(e, 0),
                      json_string_value(json_object_get(json_object_get(o, "metadata"), "name"))));
        json_decref(list);
    }
    json_decref(t);
    *out = all;
    return 0;
}

/* ---- scale ---- */

int ctl__cmd_scale(ctl_t *c)
{
    if (!c->o.replicas_set)
        return ctl__error("required flag(s) \"replicas\" not set");
    if (c->o.n_args == 0)
        return ctl__error("must provide one or more resources");
    json_t *targets = NULL;
    if (ctl__expand_targets(c, c->o.args, c->o.n_args, &targets) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        cleanup_free char *obj = ctl__path(&r, c->ns, name);
        cleanup_free char *path = xasprintf("%s/scale", obj);
        json_t *patch = json_pack("{s:{s:I}}", "spec", "replicas", (json_int_t)c->o.replicas);
        if (send_patch(c, path, "application/merge-patch+json", patch, NULL) != 0) {
            rc = 1;
        } else {
            cleanup_free char *d = ctl__display(&r);
            printf("%s/%s scaled\n", d, name);
        }
        json_decref(patch);
    }
    json_decref(targets);
    return rc;
}

/* ---- label / annotate ---- */

static int label_like(ctl_t *c, const char *field, const char *done, const char *what)
{
    const char **res = xcalloc(c->o.n_args + 1, sizeof(*res));
    size_t nres = 0;
    json_t *set = json_object();
    json_t *del = json_array();
    int rc = 0;
    for (size_t i = 0; i < c->o.n_args; i++) {
        const char *a = c->o.args[i];
        const char *eq = strchr(a, '=');
        size_t l = strlen(a);
        if (eq) {
            cleanup_free char *k = xstrndup(a, (size_t)(eq - a));
            json_object_set_new(set, k, json_string(eq + 1));
        } else if (i > 0 && l > 1 && a[l - 1] == '-') {
            json_array_append_new(del, json_stringn(a, l - 1));
        } else {
            res[nres++] = a;
        }
    }
    if (nres == 0)
        rc = ctl__error("one or more resources must be specified as <resource> <name> or "
                        "<resource>/<name>");
    else if (json_object_size(set) == 0 && json_array_size(del) == 0)
        rc = ctl__error("at least one %s update is required", what);
    json_t *targets = NULL;
    if (rc == 0 && ctl__expand_targets(c, res, nres, &targets) != 0)
        rc = 1;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        cleanup_free char *path = ctl__path(&r, c->ns, name);
        json_t *obj = NULL;
        if (ctl__get_json(c, path, &obj) != 0) {
            rc = 1;
            continue;
        }
        const json_t *cur = json_object_get(json_object_get(obj, "metadata"), field);
        json_t *change = json_object();
        bool changed = false, bad = false;
        const char *k;
        json_t *v;
        json_object_foreach(set, k, v)
        {
            const char *old = json_string_value(json_object_get(cur, k));
            if (old && strcmp(old, json_string_value(v)) != 0 && !c->o.overwrite) {
                rc = ctl__error("'%s' already has a value (%s), and --overwrite is false", k, old);
                bad = true;
                break;
            }
            if (!old || strcmp(old, json_string_value(v)) != 0)
                changed = true;
            json_object_set(change, k, v);
        }
        size_t j;
        json_array_foreach(del, j, v)
        {
            if (json_object_get(cur, json_string_value(v)))
                changed = true;
            else if (strcmp(field, "labels") == 0)
                fprintf(stderr, "label \"%s\" not found.\n", json_string_value(v));
            json_object_set_new(change, json_string_value(v), json_null());
        }
        cleanup_free char *d = ctl__display(&r);
        if (!bad && !changed && strcmp(field, "labels") == 0) {
            printf("%s/%s not labeled\n", d, name);
        } else if (!bad) {
            json_t *patch = json_pack("{s:{s:O}}", "metadata", field, change);
            /* kubectl's wording: "unlabeled" when the labels got shorter without --overwrite. */
            const char *verb = done;
            if (strcmp(field, "labels") == 0 && !c->o.overwrite) {
                json_t *after = cur ? json_deep_copy(cur) : json_object();
                const char *ck;
                json_t *cv;
                json_object_foreach(change, ck, cv)
                {
                    if (json_is_null(cv))
                        json_object_del(after, ck);
                    else
                        json_object_set(after, ck, cv);
                }
                cleanup_free char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
                cleanup_free char *b =
                    cur ? json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("");
                if (strlen(a) < strlen(b))
                    verb = "unlabeled";
                json_decref(after);
            }
            if (send_patch(c, path, "application/merge-patch+json", patch, NULL) != 0)
                rc = 1;
            else
                printf("%s/%s %s\n", d, name, verb);
            json_decref(patch);
        }
        json_decref(change);
        json_decref(obj);
    }
    json_decref(targets);
    json_decref(set);
    json_decref(del);
    free(res);
    return rc;
}

int ctl__cmd_label(ctl_t *c)
{
    return label_like(c, "labels", "labeled", "label");
}

int ctl__cmd_annotate(ctl_t *c)
{
    return label_like(c, "annotations", "annotated", "annotation");
}

/* ---- patch ---- */

int ctl__cmd_patch(ctl_t *c)
{
    if (!c->o.patch)
        return ctl__error("must specify -p to patch");
    const char *type = c->o.patch_type ? c->o.patch_type : "strategic";
    const char *ct = strcmp(type, "strategic") == 0 ? "application/strategic-merge-patch+json"
                     : strcmp(type, "merge") == 0   ? "application/merge-patch+json"
                     : strcmp(type, "json") == 0    ? "application/json-patch+json"
                                                    : NULL;
    if (!ct)
        return ctl__error("--type must be one of [json merge strategic], not \"%s\"", type);
    json_t *patch = NULL;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (yaml_to_json(c->o.patch, strlen(c->o.patch), &patch, &err) != 0 ||
        (!json_is_object(patch) && !json_is_array(patch))) {
        json_decref(patch);
        return ctl__error("unable to parse \"%s\": %s", c->o.patch,
                          err.msg[0] ? err.msg : "not a JSON object or array");
    }
    json_t *targets = NULL;
    int rc = 0;
    if (c->o.n_args == 0)
        rc = ctl__error("must provide one or more resources");
    else if (ctl__expand_targets(c, c->o.args, c->o.n_args, &targets) != 0)
        rc = 1;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        cleanup_free char *path = ctl__path(&r, c->ns, name);
        json_t *before = NULL, *after = NULL;
        if (ctl__get_json(c, path, &before) != 0 || send_patch(c, path, ct, patch, &after) != 0) {
            rc = 1;
        } else {
            cleanup_free char *d = ctl__display(&r);
            const char *a = rv_of(after), *b = rv_of(before);
            printf("%s/%s patched%s\n", d, name, a && b && strcmp(a, b) == 0 ? " (no change)" : "");
        }
        json_decref(before);
        json_decref(after);
    }
    json_decref(targets);
    json_decref(patch);
    return rc;
}

/* ---- nodes: cordon, uncordon, taint, drain ---- */

static int node_targets(ctl_t *c, const char *const *args, size_t n, json_t **out)
{
    if (n == 0 && !c->o.selector)
        return ctl__error("USAGE: %s NODE [flags]", c->o.verb);
    const char **all = xcalloc(n + 2, sizeof(*all));
    all[0] = "nodes";
    for (size_t i = 0; i < n; i++)
        all[i + 1] = args[i];
    int rc = ctl__expand_targets(c, all, n + 1, out);
    free(all);
    return rc;
}

static int set_unschedulable(ctl_t *c, const char *name, bool on)
{
    ctl_res_t r;
    if (ctl__resolve(c, "nodes", &r) != 0)
        return 1;
    cleanup_free char *path = ctl__path(&r, NULL, name);
    json_t *node = NULL;
    if (ctl__get_json(c, path, &node) != 0)
        return 1;
    bool cur = json_is_true(json_object_get(json_object_get(node, "spec"), "unschedulable"));
    json_decref(node);
    const char *verb = on ? "cordoned" : "uncordoned";
    if (cur == on) {
        printf("node/%s already %s\n", name, verb);
        return 0;
    }
    json_t *patch = json_pack("{s:{s:o}}", "spec", "unschedulable", on ? json_true() : json_null());
    int rc = send_patch(c, path, "application/merge-patch+json", patch, NULL);
    json_decref(patch);
    if (rc == 0)
        printf("node/%s %s\n", name, verb);
    return rc;
}

static int cordon_all(ctl_t *c, bool on)
{
    json_t *targets = NULL;
    if (node_targets(c, c->o.args, c->o.n_args, &targets) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(
        targets, i, t) if (set_unschedulable(c, json_string_value(json_array_get(t, 1)), on) != 0)
        rc = 1;
    json_decref(targets);
    return rc;
}

int ctl__cmd_cordon(ctl_t *c)
{
    return cordon_all(c, true);
}

int ctl__cmd_uncordon(ctl_t *c)
{
    return cordon_all(c, false);
}

static bool owned_by_kind(const json_t *obj, const char *kind)
{
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, o)
    {
        const char *k = json_string_value(json_object_get(o, "kind"));
        if (json_is_true(json_object_get(o, "controller")) &&
            (!kind || (k && strcmp(k, kind) == 0)))
            return true;
    }
    return false;
}

int ctl__cmd_drain(ctl_t *c)
{
    if (c->o.n_args != 1)
        return ctl__error("USAGE: drain NODE [flags]");
    const char *node = c->o.args[0];
    if (set_unschedulable(c, node, true) != 0)
        return 1;
    ctl_res_t pods;
    if (ctl__resolve(c, "pods", &pods) != 0)
        return 1;
    cleanup_free char *base = ctl__path(&pods, NULL, NULL);
    cleanup_free char *lpath = xasprintf("%s?fieldSelector=spec.nodeName%%3D%s", base, node);
    json_t *list = NULL;
    if (ctl__get_json(c, lpath, &list) != 0)
        return 1;
    json_t *evict = json_array();
    strbuf_t ds = STRBUF_INIT, bare = STRBUF_INIT;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(list, "items"), i, p)
    {
        const json_t *m = json_object_get(p, "metadata");
        cleanup_free char *id =
            xasprintf("%s/%s", json_string_value(json_object_get(m, "namespace")),
                      json_string_value(json_object_get(m, "name")));
        const char *phase =
            json_string_value(json_object_get(json_object_get(p, "status"), "phase"));
        bool finished = phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0);
        if (json_object_get(json_object_get(m, "annotations"), "kubernetes.io/config.mirror"))
            continue;
        if (owned_by_kind(p, "DaemonSet")) {
            strbuf_sep(&ds, ", ", id);
            continue;
        }
        if (!owned_by_kind(p, NULL) && !finished) {
            strbuf_sep(&bare, ", ", id);
            if (!c->o.force)
                continue;
        }
        json_array_append(evict, p);
    }
    json_decref(list);
    int rc = 0;
    if (ds.len && !c->o.ignore_daemonsets) {
        fprintf(stderr,
                "error: unable to drain node \"%s\" due to error: cannot delete "
                "DaemonSet-managed Pods (use --ignore-daemonsets to ignore): %s\n",
                node, ds.s);
        rc = 1;
    }
    if (bare.len && !c->o.force) {
        fprintf(stderr,
                "error: unable to drain node \"%s\" due to error: cannot delete Pods "
                "that declare no controller (use --force to override): %s\n",
                node, bare.s);
        rc = 1;
    }
    uint64_t start_ms = c8s_now_ms();
    if (rc == 0) {
        if (ds.len)
            fprintf(stderr, "Warning: ignoring DaemonSet-managed Pods: %s\n", ds.s);
        if (bare.len)
            fprintf(stderr, "Warning: deleting Pods that declare no controller: %s\n", bare.s);
        json_array_foreach(evict, i, p)
        {
            const json_t *m = json_object_get(p, "metadata");
            const char *ns = json_string_value(json_object_get(m, "namespace"));
            const char *name = json_string_value(json_object_get(m, "name"));
            printf("evicting pod %s/%s\n", ns, name);
            cleanup_free char *ppath = ctl__path(&pods, ns, name);
            cleanup_free char *epath = xasprintf("%s/eviction", ppath);
            json_t *ev = json_pack("{s:s,s:s,s:{s:s,s:s}}", "apiVersion", "policy/v1", "kind",
                                   "Eviction", "metadata", "name", name, "namespace", ns);
            cleanup_free char *body = dumps(ev);
            json_decref(ev);
            ctl_resp_t resp;
            ctl__do(c, "POST", epath, "application/json", body, NULL, &resp);
            /* A disruption budget says not now (429): tried again every 5 s until --timeout
             * (none: for ever), with kubectl's words. */
            while (resp.status == 429) {
                const char *why = json_string_value(json_object_get(resp.json, "message"));
                if (c->o.timeout_set && c->o.timeout_s > 0 &&
                    c8s_now_ms() >= start_ms + (uint64_t)c->o.timeout_s * 1000) {
                    fprintf(stderr,
                            "There are pending pods in node \"%s\" when an error occurred: error "
                            "when evicting pods/\"%s\" -n \"%s\": global timeout reached: %lds\n",
                            node, name, ns, c->o.timeout_s);
                    break;
                }
                fprintf(stderr,
                        "error when evicting pods/\"%s\" -n \"%s\" (will retry after 5s): %s\n",
                        name, ns, why ? why : "Too many requests");
                ctl__resp_clear(&resp);
                sleep(5);
                ctl__do(c, "POST", epath, "application/json", body, NULL, &resp);
            }
            if (resp.status == 404 || resp.status == 405) {
                /* No eviction subresource: delete, as kubectl --disable-eviction. */
                ctl__resp_clear(&resp);
                ctl__do(c, "DELETE", ppath, NULL, NULL, NULL, &resp);
            }
            if (resp.status == 429)
                rc = 1; /* said above */
            else if (!ctl__ok(&resp) && resp.status != 404)
                rc = ctl__fail(&resp, NULL);
            else
                printf("pod/%s evicted\n", name);
            ctl__resp_clear(&resp);
        }
        if (rc == 0)
            printf("node/%s drained\n", node);
    }
    strbuf_free(&ds);
    strbuf_free(&bare);
    json_decref(evict);
    return rc;
}

int ctl__cmd_taint(ctl_t *c)
{
    const char **res = xcalloc(c->o.n_args + 1, sizeof(*res));
    size_t nres = 0;
    json_t *add = json_array(), *del = json_array();
    int rc = 0;
    for (size_t i = 0; i < c->o.n_args && rc == 0; i++) {
        const char *a = c->o.args[i];
        size_t l = strlen(a);
        bool remove = i > 0 && l > 1 && a[l - 1] == '-';
        if (!strchr(a, ':') && !strchr(a, '=') && !remove) {
            res[nres++] = a;
            continue;
        }
        cleanup_free char *s = xstrndup(a, remove ? l - 1 : l);
        char *colon = strrchr(s, ':');
        const char *effect = NULL;
        if (colon) {
            *colon = '\0';
            effect = colon + 1;
        }
        char *eq = strchr(s, '=');
        const char *value = NULL;
        if (eq) {
            *eq = '\0';
            value = eq + 1;
        }
        if (effect && strcmp(effect, "NoSchedule") != 0 &&
            strcmp(effect, "PreferNoSchedule") != 0 && strcmp(effect, "NoExecute") != 0) {
            rc = ctl__error("invalid taint effect: %s, unsupported taint effect", effect);
            break;
        }
        if (!remove && !effect) {
            rc = ctl__error("invalid taint spec: %s", a);
            break;
        }
        json_t *t = json_pack("{s:s}", "key", s);
        if (value && !remove)
            json_object_set_new(t, "value", json_string(value));
        if (effect)
            json_object_set_new(t, "effect", json_string(effect));
        json_array_append_new(remove ? del : add, t);
    }
    json_t *targets = NULL;
    if (rc == 0 && nres > 0 && strcmp(res[0], "nodes") != 0 && strcmp(res[0], "node") != 0 &&
        strcmp(res[0], "no") != 0 && strncmp(res[0], "node", 4) != 0)
        rc = ctl__error("taint only applies to nodes");
    if (rc == 0 && (json_array_size(add) + json_array_size(del)) == 0)
        rc = ctl__error("at least one taint update is required");
    if (rc == 0 && ctl__expand_targets(c, res, nres, &targets) != 0)
        rc = 1;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        cleanup_free char *path = ctl__path(&r, NULL, name);
        json_t *node = NULL;
        if (ctl__get_json(c, path, &node) != 0) {
            rc = 1;
            continue;
        }
        const json_t *cur = json_object_get(json_object_get(node, "spec"), "taints");
        json_t *next = json_array();
        bool removed = false, bad = false;
        size_t j, k;
        json_t *ct, *x;
        json_array_foreach(cur, j, ct)
        {
            const char *ck = json_string_value(json_object_get(ct, "key"));
            const char *ce = json_string_value(json_object_get(ct, "effect"));
            bool drop = false;
            json_array_foreach(del, k, x)
            {
                const char *xe = json_string_value(json_object_get(x, "effect"));
                if (ck && strcmp(ck, json_string_value(json_object_get(x, "key"))) == 0 &&
                    (!xe || (ce && strcmp(ce, xe) == 0)))
                    drop = true;
            }
            json_array_foreach(add, k, x)
            {
                if (ck && strcmp(ck, json_string_value(json_object_get(x, "key"))) == 0 && ce &&
                    strcmp(ce, json_string_value(json_object_get(x, "effect"))) == 0) {
                    if (!c->o.overwrite) {
                        rc = ctl__error("node %s already has %s taint(s) with same effect(s) and "
                                        "--overwrite is false",
                                        name, ck);
                        bad = true;
                    }
                    drop = true;
                }
            }
            if (drop)
                removed = removed || json_array_size(del) > 0;
            else
                json_array_append(next, ct);
        }
        if (json_array_size(del) > 0 && !removed && json_array_size(add) == 0) {
            rc = ctl__error("taint \"%s\" not found",
                            json_string_value(json_object_get(json_array_get(del, 0), "key")));
            bad = true;
        }
        json_array_extend(next, add);
        if (!bad) {
            /* No taints left: null, as kubectl's patch leaves no empty list behind. */
            json_t *patch = json_pack("{s:{s:O}}", "spec", "taints",
                                      json_array_size(next) ? next : json_null());
            if (send_patch(c, path, "application/merge-patch+json", patch, NULL) != 0)
                rc = 1;
            else
                printf("node/%s %s\n", name, json_array_size(add) == 0 ? "untainted" : "tainted");
            json_decref(patch);
        }
        json_decref(next);
        json_decref(node);
    }
    json_decref(targets);
    json_decref(add);
    json_decref(del);
    free(res);
    return rc;
}

/* ---- rollout ---- */

static void on_sleep(uv_timer_t *t)
{
    *(bool *)t->data = true;
}

void ctl__sleep_ms(ctl_t *c, uint64_t ms)
{
    uv_timer_t t;
    bool done = false;
    uv_timer_init(&c->loop, &t);
    t.data = &done;
    uv_timer_start(&t, on_sleep, ms, 0);
    while (!done)
        uv_run(&c->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&c->loop, UV_RUN_NOWAIT);
}

static json_int_t geti(const json_t *o, const char *a, const char *b)
{
    return json_integer_value(json_object_get(json_object_get(o, a), b));
}

/* kubectl's DeploymentStatusViewer: the message, and whether the rollout is done. */
static char *deployment_status(const json_t *d, const char *name, bool *done)
{
    *done = false;
    json_int_t gen = geti(d, "metadata", "generation");
    json_int_t obs = geti(d, "status", "observedGeneration");
    if (gen > obs)
        return xstrdup("Waiting for deployment spec update to be observed...\n");
    size_t i;
    json_t *cond;
    json_array_foreach(json_object_get(json_object_get(d, "status"), "conditions"), i, cond)
    {
        const char *t = json_string_value(json_object_get(cond, "type"));
        const char *reason = json_string_value(json_object_get(cond, "reason"));
        if (t && strcmp(t, "Progressing") == 0 && reason &&
            strcmp(reason, "ProgressDeadlineExceeded") == 0)
            return xasprintf("error: deployment \"%s\" exceeded its progress deadline", name);
    }
    const json_t *spec_r = json_object_get(json_object_get(d, "spec"), "replicas");
    json_int_t want = spec_r ? json_integer_value(spec_r) : 1;
    json_int_t updated = geti(d, "status", "updatedReplicas");
    json_int_t replicas = geti(d, "status", "replicas");
    json_int_t available = geti(d, "status", "availableReplicas");
    if (updated < want)
        return xasprintf("Waiting for deployment \"%s\" rollout to finish: %" JSON_INTEGER_FORMAT
                         " out of %" JSON_INTEGER_FORMAT " new replicas have been updated...\n",
                         name, updated, want);
    if (replicas > updated)
        return xasprintf("Waiting for deployment \"%s\" rollout to finish: %" JSON_INTEGER_FORMAT
                         " old replicas are pending termination...\n",
                         name, replicas - updated);
    if (available < updated)
        return xasprintf("Waiting for deployment \"%s\" rollout to finish: %" JSON_INTEGER_FORMAT
                         " of %" JSON_INTEGER_FORMAT " updated replicas are available...\n",
                         name, available, updated);
    *done = true;
    return xasprintf("deployment \"%s\" successfully rolled out\n", name);
}

static const char *gets_(const json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

static bool rolling(const json_t *o)
{
    const char *type = json_string_value(
        json_object_get(json_object_get(json_object_get(o, "spec"), "updateStrategy"), "type"));
    return !type || strcmp(type, "RollingUpdate") == 0;
}

/* kubectl's DaemonSetStatusViewer. */
static char *daemonset_status(const json_t *ds, const char *name, bool *done)
{
    *done = false;
    if (!rolling(ds))
        return xstrdup("error: rollout status is only available for RollingUpdate strategy type");
    if (geti(ds, "metadata", "generation") > geti(ds, "status", "observedGeneration"))
        return xstrdup("Waiting for daemon set spec update to be observed...\n");
    json_int_t want = geti(ds, "status", "desiredNumberScheduled");
    json_int_t updated = geti(ds, "status", "updatedNumberScheduled");
    json_int_t available = geti(ds, "status", "numberAvailable");
    if (updated < want)
        return xasprintf("Waiting for daemon set \"%s\" rollout to finish: %" JSON_INTEGER_FORMAT
                         " out of %" JSON_INTEGER_FORMAT " new pods have been updated...\n",
                         name, updated, want);
    if (available < want)
        return xasprintf("Waiting for daemon set \"%s\" rollout to finish: %" JSON_INTEGER_FORMAT
                         " of %" JSON_INTEGER_FORMAT " updated pods are available...\n",
                         name, available, want);
    *done = true;
    return xasprintf("daemon set \"%s\" successfully rolled out\n", name);
}

/* kubectl's StatefulSetStatusViewer. */
static char *statefulset_status(const json_t *sts, const char *name, bool *done)
{
    (void)name;
    *done = false;
    if (!rolling(sts))
        return xstrdup("error: rollout status is only available for RollingUpdate strategy type");
    json_int_t obs = geti(sts, "status", "observedGeneration");
    if (obs == 0 || geti(sts, "metadata", "generation") > obs)
        return xstrdup("Waiting for statefulset spec update to be observed...\n");
    const json_t *spec = json_object_get(sts, "spec");
    const json_t *rep = json_object_get(spec, "replicas");
    json_int_t want = json_is_integer(rep) ? json_integer_value(rep) : 1;
    json_int_t ready = geti(sts, "status", "readyReplicas");
    json_int_t updated = geti(sts, "status", "updatedReplicas");
    if (ready < want)
        return xasprintf("Waiting for %" JSON_INTEGER_FORMAT " pods to be ready...\n",
                         want - ready);
    const json_t *part = json_object_get(
        json_object_get(json_object_get(spec, "updateStrategy"), "rollingUpdate"), "partition");
    if (json_is_integer(part)) {
        json_int_t n = want - json_integer_value(part);
        if (updated < n)
            return xasprintf("Waiting for partitioned roll out to finish: %" JSON_INTEGER_FORMAT
                             " out of %" JSON_INTEGER_FORMAT " new pods have been updated...\n",
                             updated, n);
        *done = true;
        return xasprintf("partitioned roll out complete: %" JSON_INTEGER_FORMAT
                         " new pods have been updated...\n",
                         updated);
    }
    const char *upd = gets_(sts, "status", "updateRevision");
    const char *cur = gets_(sts, "status", "currentRevision");
    if (!upd || !cur || strcmp(upd, cur) != 0)
        return xasprintf("waiting for statefulset rolling update to complete %" JSON_INTEGER_FORMAT
                         " pods at revision %s...\n",
                         updated, upd ? upd : "");
    *done = true;
    return xasprintf("statefulset rolling update complete %" JSON_INTEGER_FORMAT
                     " pods at revision %s...\n",
                     geti(sts, "status", "currentReplicas"), cur);
}

static char *rollout_status(const char *kind, const json_t *o, const char *name, bool *done)
{
    if (strcmp(kind, "DaemonSet") == 0)
        return daemonset_status(o, name, done);
    if (strcmp(kind, "StatefulSet") == 0)
        return statefulset_status(o, name, done);
    return deployment_status(o, name, done);
}

/* The ReplicaSets the deployment d owns, as [revision, rs] pairs sorted by revision. */
static json_t *owned_replicasets(ctl_t *c, const json_t *d, const char *ns)
{
    ctl_res_t rs;
    json_t *out = json_array();
    if (ctl__resolve(c, "replicasets", &rs) != 0)
        return out;
    cleanup_free char *path = ctl__path(&rs, ns, NULL);
    json_t *list = NULL;
    if (ctl__get_json(c, path, &list) != 0)
        return out;
    const char *uid = json_string_value(json_object_get(json_object_get(d, "metadata"), "uid"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(list, "items"), i, r)
    {
        size_t j;
        json_t *o;
        bool mine = false;
        json_array_foreach(json_object_get(json_object_get(r, "metadata"), "ownerReferences"), j, o)
        {
            const char *ou = json_string_value(json_object_get(o, "uid"));
            if (uid && ou && strcmp(uid, ou) == 0)
                mine = true;
        }
        if (!mine)
            continue;
        const char *rev = json_string_value(
            json_object_get(json_object_get(json_object_get(r, "metadata"), "annotations"),
                            "deployment.kubernetes.io/revision"));
        long n = rev ? strtol(rev, NULL, 10) : 0;
        size_t at = 0;
        while (at < json_array_size(out) &&
               json_integer_value(json_array_get(json_array_get(out, at), 0)) < n)
            at++;
        json_array_insert_new(out, at, json_pack("[I,O]", (json_int_t)n, r));
    }
    json_decref(list);
    return out;
}

int ctl__cmd_rollout(ctl_t *c)
{
    if (c->o.n_args < 2)
        return ctl__error("USAGE: rollout status|history|undo|pause|resume TYPE NAME");
    const char *sub = c->o.args[0];
    json_t *targets = NULL;
    if (ctl__targets(c, c->o.args + 1, c->o.n_args - 1, &targets) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        bool status_kind = strcmp(r.kind, "DaemonSet") == 0 || strcmp(r.kind, "StatefulSet") == 0;
        if (!name ||
            (strcmp(r.kind, "Deployment") != 0 && !(status_kind && strcmp(sub, "status") == 0))) {
            rc = ctl__error("rollout supports deployments by name (deployment/NAME), and "
                            "daemonsets and statefulsets for status");
            break;
        }
        cleanup_free char *path = ctl__path(&r, c->ns, name);
        cleanup_free char *d = ctl__display(&r);
        json_t *dep = NULL;
        if (ctl__get_json(c, path, &dep) != 0) {
            rc = 1;
            continue;
        }
        if (strcmp(sub, "status") == 0) {
            uint64_t deadline =
                c->o.timeout_s > 0 ? c8s_now_ms() + (uint64_t)c->o.timeout_s * 1000 : 0;
            cleanup_free char *last = NULL;
            for (;;) {
                bool done;
                char *msg = rollout_status(r.kind, dep, name, &done);
                if (strncmp(msg, "error: ", 7) == 0) {
                    fprintf(stderr, "%s\n", msg);
                    free(msg);
                    rc = 1;
                    break;
                }
                if (!last || strcmp(last, msg) != 0) {
                    fputs(msg, stdout);
                    fflush(stdout);
                }
                free(last);
                last = msg;
                if (done)
                    break;
                if (deadline && c8s_now_ms() >= deadline) {
                    rc = ctl__error("timed out waiting for the condition");
                    break;
                }
                ctl__sleep_ms(c, 500);
                json_decref(dep);
                dep = NULL;
                if (ctl__get_json(c, path, &dep) != 0) {
                    rc = 1;
                    break;
                }
            }
        } else if (strcmp(sub, "pause") == 0 || strcmp(sub, "resume") == 0) {
            bool pause = strcmp(sub, "pause") == 0;
            bool cur = json_is_true(json_object_get(json_object_get(dep, "spec"), "paused"));
            if (cur == pause) {
                rc = ctl__error("%ss \"%s\" is %s", d, name,
                                pause ? "already paused" : "not paused");
            } else {
                json_t *patch =
                    json_pack("{s:{s:o}}", "spec", "paused", pause ? json_true() : json_null());
                if (send_patch(c, path, "application/merge-patch+json", patch, NULL) != 0)
                    rc = 1;
                else
                    printf("%s/%s %s\n", d, name, pause ? "paused" : "resumed");
                json_decref(patch);
            }
        } else if (strcmp(sub, "history") == 0 || strcmp(sub, "undo") == 0) {
            json_t *revs = owned_replicasets(c, dep, c->ns);
            if (strcmp(sub, "history") == 0) {
                json_t *rows = json_pack("[[s,s]]", "REVISION", "CHANGE-CAUSE");
                size_t j;
                json_t *rv;
                json_array_foreach(revs, j, rv)
                {
                    const char *cause = json_string_value(json_object_get(
                        json_object_get(json_object_get(json_array_get(rv, 1), "metadata"),
                                        "annotations"),
                        "kubernetes.io/change-cause"));
                    json_array_append_new(
                        rows, json_pack("[O,s]", json_array_get(rv, 0), cause ? cause : "<none>"));
                }
                char *s = ctl_format_columns(rows);
                printf("%s/%s \n%s\n", d, name, s);
                free(s);
                json_decref(rows);
            } else {
                size_t n = json_array_size(revs);
                const json_t *target = NULL;
                if (c->o.to_revision > 0) {
                    size_t j;
                    json_t *rv;
                    json_array_foreach(revs, j, rv) if (json_integer_value(json_array_get(rv, 0)) ==
                                                        c->o.to_revision) target =
                        json_array_get(rv, 1);
                    if (!target)
                        rc = ctl__error("unable to find specified revision %ld in history",
                                        c->o.to_revision);
                } else if (n < 2) {
                    rc = ctl__error("no rollout history found for deployment \"%s\"", name);
                } else {
                    target = json_array_get(json_array_get(revs, n - 2), 1);
                }
                if (target) {
                    json_t *tmpl = json_deep_copy(
                        json_object_get(json_object_get(target, "spec"), "template"));
                    json_object_del(json_object_get(json_object_get(tmpl, "metadata"), "labels"),
                                    "pod-template-hash");
                    json_t *ops = json_pack("[{s:s,s:s,s:o}]", "op", "replace", "path",
                                            "/spec/template", "value", tmpl);
                    if (send_patch(c, path, "application/json-patch+json", ops, NULL) != 0)
                        rc = 1;
                    else
                        printf("%s/%s rolled back\n", d, name);
                    json_decref(ops);
                }
            }
            json_decref(revs);
        } else {
            rc = ctl__error("unknown rollout command \"%s\": status, history, undo, pause or "
                            "resume",
                            sub);
        }
        json_decref(dep);
    }
    json_decref(targets);
    return rc;
}
