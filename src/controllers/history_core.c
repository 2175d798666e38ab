/*
 * history_core.c — pure helpers the StatefulSet and DaemonSet controllers share: the hash that
 * names a pod template's revision, the ControllerRevision holding it, which old revisions the
 * history limit lets go, and the pod facts both controllers read (ownership, readiness).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *controllers__revision_hash(const json_t *tpl)
{
    /* A stable serialization (sorted keys) so equal templates hash alike whatever their key
     * order; FNV-1a 32 as upstream, rendered in the consonant-and-digit alphabet upstream uses
     * for generated names (no vowels: no words by accident). */
    cleanup_free char *s = json_dumps(tpl, JSON_COMPACT | JSON_SORT_KEYS);
    uint32_t h = 2166136261u;
    for (const char *p = s ? s : ""; *p; p++) {
        h ^= (uint8_t)*p;
        h *= 16777619u;
    }
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char dec[16];
    snprintf(dec, sizeof(dec), "%u", h);
    for (char *p = dec; *p; p++)
        *p = alphabet[(unsigned char)*p % (sizeof(alphabet) - 1)];
    return xstrdup(dec);
}

bool controllers__owned_by(const json_t *obj, const json_t *owner)
{
    const char *uid = controllers__meta(owner, "uid");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, r)
    {
        const char *u = json_string_value(json_object_get(r, "uid"));
        if (json_is_true(json_object_get(r, "controller")) && u && uid && strcmp(u, uid) == 0)
            return true;
    }
    return false;
}

const char *controllers__controller_name(const json_t *obj, const char *kind)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(obj, "metadata"), "ownerReferences"), i, r)
    {
        const char *k = json_string_value(json_object_get(r, "kind"));
        if (json_is_true(json_object_get(r, "controller")) && k && strcmp(k, kind) == 0)
            return json_string_value(json_object_get(r, "name"));
    }
    return NULL;
}

json_t *controllers__revision_new(const json_t *owner, const char *kind, const json_t *tpl,
                                  const char *hash, json_int_t revision)
{
    json_t *t = json_deep_copy(tpl);
    /* Stored as the patch that would restore the template, as upstream does. */
    json_object_set_new(t, "$patch", json_string("replace"));
    json_t *labels = json_deep_copy(json_object_get(json_object_get(tpl, "metadata"), "labels"));
    if (!json_is_object(labels)) {
        json_decref(labels);
        labels = json_object();
    }
    json_object_set_new(labels, "controller.kubernetes.io/hash", json_string(hash));
    cleanup_free char *name = xasprintf("%s-%s", controllers__meta(owner, "name"), hash);
    return json_pack("{s:s,s:s,s:{s:s,s:s?,s:o,s:[o]},s:{s:{s:o}},s:I}", "apiVersion", "apps/v1",
                     "kind", "ControllerRevision", "metadata", "name", name, "namespace",
                     controllers__meta(owner, "namespace"), "labels", labels, "ownerReferences",
                     controllers__owner_ref(owner, kind, "apps/v1"), "data", "spec", "template", t,
                     "revision", (json_int_t)revision);
}

json_t *controllers__revision_template(const json_t *cr)
{
    json_t *t = json_object_get(json_object_get(json_object_get(cr, "data"), "spec"), "template");
    if (!json_is_object(t))
        return NULL;
    json_t *out = json_deep_copy(t);
    json_object_del(out, "$patch");
    return out;
}

static int by_revision(const void *a, const void *b)
{
    json_int_t ra = json_integer_value(json_object_get(*(json_t *const *)a, "revision"));
    json_int_t rb = json_integer_value(json_object_get(*(json_t *const *)b, "revision"));
    return ra < rb ? -1 : ra > rb;
}

json_t *controllers__history_prune(const json_t *revisions, const json_t *live, json_int_t limit)
{
    json_t *out = json_array();
    size_t n = json_array_size(revisions), nold = 0;
    json_t **old = xcalloc(n ? n : 1, sizeof(*old));
    for (size_t i = 0; i < n; i++) {
        json_t *cr = json_array_get(revisions, i);
        const char *name = controllers__meta(cr, "name");
        if (name && !json_object_get(live, name))
            old[nold++] = cr;
    }
    qsort(old, nold, sizeof(*old), by_revision);
    for (size_t i = 0; limit >= 0 && nold > (size_t)limit && i < nold - (size_t)limit; i++)
        json_array_append_new(out, json_string(controllers__meta(old[i], "name")));
    free(old);
    return out;
}

bool controllers__pod_terminating(const json_t *pod)
{
    return json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp") != NULL;
}

bool controllers__pod_finished(const json_t *pod)
{
    const char *phase = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    return phase && (strcmp(phase, "Failed") == 0 || strcmp(phase, "Succeeded") == 0);
}

bool controllers__pod_ready(const json_t *pod)
{
    json_t *st = json_object_get(pod, "status");
    const char *phase = json_string_value(json_object_get(st, "phase"));
    if (!phase || strcmp(phase, "Running") != 0)
        return false;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (type && s && strcmp(type, "Ready") == 0)
            return strcmp(s, "True") == 0;
    }
    return false;
}

const char *controllers__pod_revision(const json_t *pod)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(pod, "metadata"), "labels"), "controller-revision-hash"));
}

int64_t controllers__pod_available_in(const json_t *pod, json_int_t min_ready, int64_t now)
{
    if (!controllers__pod_ready(pod))
        return -1;
    if (min_ready <= 0)
        return 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type"));
        if (!type || strcmp(type, "Ready") != 0)
            continue;
        const char *ts = json_string_value(json_object_get(c, "lastTransitionTime"));
        struct tm tm = {0};
        /* Without a transition time the pod has not shown it stayed Ready: not available, as
         * upstream. */
        if (!ts || sscanf(ts, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                          &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
            return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        int64_t since = (int64_t)timegm(&tm);
        int64_t left = since + min_ready - now;
        return left > 0 ? left : 0;
    }
    return -1;
}
