/*
 * limitranger.c — the LimitRanger admission plugin's decisions: default requests and limits
 * for containers, then the min / max / maxLimitRequestRatio bounds of each LimitRange item, with
 * upstream's messages (plugin/pkg/admission/limitranger).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds the missing entries of defaults to list (created under res when absent); the names set
 * go into set (a JSON array, sorted by the caller). */
static void merge(json_t *res, const char *field, const json_t *defaults, json_t *set)
{
    if (json_object_size(defaults) == 0)
        return;
    json_t *list = json_object_get(res, field);
    if (!json_is_object(list)) {
        list = json_object();
        json_object_set_new(res, field, list);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)defaults, k, v)
    {
        if (json_object_get(list, k))
            continue;
        json_object_set(list, k, v);
        json_array_append_new(set, json_string(k));
    }
}

static int cmp_json_str(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static void names_sorted(const json_t *set, strbuf_t *b)
{
    size_t n = json_array_size(set);
    json_t **v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(set, i);
    qsort(v, n, sizeof(*v), cmp_json_str);
    for (size_t i = 0; i < n; i++)
        strbuf_sep(b, ", ", json_string_value(v[i]));
    free(v);
}

static void default_containers(json_t *list, const char *what, const json_t *deflim,
                               const json_t *defreq, strbuf_t *notes)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        if (!json_is_object(c))
            continue;
        json_t *res = json_object_get(c, "resources");
        if (!json_is_object(res)) {
            res = json_object();
            json_object_set_new(c, "resources", res);
        }
        json_t *set_lim = json_array(), *set_req = json_array();
        merge(res, "limits", deflim, set_lim);
        merge(res, "requests", defreq, set_req);
        const char *name = admission__str(c, "name") ? admission__str(c, "name") : "";
        if (json_array_size(set_req)) {
            strbuf_t b = STRBUF_INIT;
            names_sorted(set_req, &b);
            strbuf_addf(&b, " request for %s %s", what, name);
            char *s = strbuf_take(&b);
            strbuf_sep(notes, "; ", s);
            free(s);
        }
        if (json_array_size(set_lim)) {
            strbuf_t b = STRBUF_INIT;
            names_sorted(set_lim, &b);
            strbuf_addf(&b, " limit for %s %s", what, name);
            char *s = strbuf_take(&b);
            strbuf_sep(notes, "; ", s);
            free(s);
        }
        json_decref(set_lim);
        json_decref(set_req);
    }
}

static void addf(json_t *msgs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(json_t *msgs, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(msgs, json_string(buf));
}

static const char *qs(const quantity_t *q, char *buf)
{
    return quantity_format(q, buf, 48);
}

/* upstream's minConstraint / maxConstraint / limitRequestRatioConstraint, over requests and
 * limits (ResourceLists; either may be NULL). */
static void check_min(json_t *msgs, const char *type, const char *k, const json_t *v,
                      const json_t *req, const json_t *lim)
{
    quantity_t e, rq, lq;
    char be[48], bq[48];
    c8s_err_t err = C8S_ERR_INIT;
    if (quantity_parse_json(v, &e, &err) != 0)
        return c8s_err_clear(&err);
    if (!admission__qty(req, k, &rq))
        return addf(msgs, "minimum %s usage per %s is %s.  No request is specified", k, type,
                    qs(&e, be));
    if (quantity_cmp(&rq, &e) < 0)
        return addf(msgs, "minimum %s usage per %s is %s, but request is %s", k, type, qs(&e, be),
                    qs(&rq, bq));
    if (admission__qty(lim, k, &lq) && quantity_cmp(&lq, &e) < 0)
        addf(msgs, "minimum %s usage per %s is %s, but limit is %s", k, type, qs(&e, be),
             qs(&lq, bq));
}

static void check_max(json_t *msgs, const char *type, const char *k, const json_t *v,
                      const json_t *req, const json_t *lim, bool request_only)
{
    quantity_t e, rq, lq;
    char be[48], bq[48];
    c8s_err_t err = C8S_ERR_INIT;
    if (quantity_parse_json(v, &e, &err) != 0)
        return c8s_err_clear(&err);
    if (request_only) {
        if (!admission__qty(req, k, &rq))
            return addf(msgs, "maximum %s usage per %s is %s.  No request is specified", k, type,
                        qs(&e, be));
        if (quantity_cmp(&rq, &e) > 0)
            addf(msgs, "maximum %s usage per %s is %s, but request is %s", k, type, qs(&e, be),
                 qs(&rq, bq));
        return;
    }
    if (!admission__qty(lim, k, &lq))
        return addf(msgs, "maximum %s usage per %s is %s.  No limit is specified", k, type,
                    qs(&e, be));
    if (quantity_cmp(&lq, &e) > 0)
        return addf(msgs, "maximum %s usage per %s is %s, but limit is %s", k, type, qs(&e, be),
                    qs(&lq, bq));
    if (admission__qty(req, k, &rq) && quantity_cmp(&rq, &e) > 0)
        addf(msgs, "maximum %s usage per %s is %s, but request is %s", k, type, qs(&e, be),
             qs(&rq, bq));
}

static void check_ratio(json_t *msgs, const char *type, const char *k, const json_t *v,
                        const json_t *req, const json_t *lim)
{
    quantity_t e, rq, lq;
    char be[48];
    c8s_err_t err = C8S_ERR_INIT;
    if (quantity_parse_json(v, &e, &err) != 0)
        return c8s_err_clear(&err);
    if (!admission__qty(req, k, &rq) || rq.milli == 0)
        return addf(msgs,
                    "%s max limit to request ratio per %s is %s, but no request is specified or "
                    "request is 0",
                    k, type, qs(&e, be));
    if (!admission__qty(lim, k, &lq) || lq.milli == 0)
        return addf(msgs,
                    "%s max limit to request ratio per %s is %s, but no limit is specified or "
                    "limit is 0",
                    k, type, qs(&e, be));
    double ratio = (double)lq.milli / (double)rq.milli;
    if (ratio * 1000.0 > (double)e.milli)
        addf(msgs, "%s max limit to request ratio per %s is %s, but provided ratio is %f", k, type,
             qs(&e, be), ratio);
}

static void check_item(json_t *msgs, const json_t *item, const char *type, const json_t *req,
                       const json_t *lim)
{
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(item, "min"), k, v) check_min(msgs, type, k, v, req, lim);
    json_object_foreach(json_object_get(item, "max"), k, v)
        check_max(msgs, type, k, v, req, lim, false);
    json_object_foreach(json_object_get(item, "maxLimitRequestRatio"), k, v)
        check_ratio(msgs, type, k, v, req, lim);
}

int admission_limitrange_pod(json_t *pod, const json_t *ranges, c8s_err_t *err)
{
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec) || json_array_size(ranges) == 0)
        return 0;
    json_t *deflim = json_object(), *defreq = json_object();
    size_t i, j;
    json_t *lr, *item;
    json_array_foreach((json_t *)ranges, i, lr)
    {
        json_array_foreach(admission__get(json_object_get(lr, "spec"), "limits", NULL), j, item)
        {
            const char *type = admission__str(item, "type");
            if (!type || strcmp(type, "Container") != 0)
                continue;
            json_object_update(deflim, json_object_get(item, "default"));
            json_object_update(defreq, json_object_get(item, "defaultRequest"));
        }
    }
    strbuf_t notes = STRBUF_INIT;
    default_containers(json_object_get(spec, "containers"), "container", deflim, defreq, &notes);
    default_containers(json_object_get(spec, "initContainers"), "init container", deflim, defreq,
                       &notes);
    json_decref(deflim);
    json_decref(defreq);
    if (notes.len) {
        json_t *md = json_object_get(pod, "metadata");
        json_t *ann = json_object_get(md, "annotations");
        if (json_is_object(md) && !json_is_object(ann)) {
            ann = json_object();
            json_object_set_new(md, "annotations", ann);
        }
        char *s = strbuf_take(&notes);
        if (json_is_object(ann)) {
            cleanup_free char *v = xasprintf("LimitRanger plugin set: %s", s);
            json_object_set_new(ann, "kubernetes.io/limit-ranger", json_string(v));
        }
        free(s);
    }
    strbuf_free(&notes);

    json_t *msgs = json_array();
    json_array_foreach((json_t *)ranges, i, lr)
    {
        json_array_foreach(admission__get(json_object_get(lr, "spec"), "limits", NULL), j, item)
        {
            const char *type = admission__str(item, "type");
            if (type && strcmp(type, "Container") == 0) {
                static const char *const lists[] = {"containers", "initContainers"};
                for (size_t l = 0; l < 2; l++) {
                    size_t k;
                    json_t *c;
                    json_array_foreach(json_object_get(spec, lists[l]), k, c)
                    {
                        json_t *res = json_object_get(c, "resources");
                        check_item(msgs, item, "Container", json_object_get(res, "requests"),
                                   json_object_get(res, "limits"));
                    }
                }
            } else if (type && strcmp(type, "Pod") == 0) {
                json_t *req = admission__pod_total(spec, "requests"),
                       *lim = admission__pod_total(spec, "limits");
                check_item(msgs, item, "Pod", req, lim);
                json_decref(req);
                json_decref(lim);
            }
        }
    }
    int rc = admission__aggregate(msgs, C8S_EFORBIDDEN, err);
    json_decref(msgs);
    return rc;
}

int admission_limitrange_pvc(const json_t *pvc, const json_t *ranges, c8s_err_t *err)
{
    json_t *req = admission__get(admission__get(pvc, "spec", "resources"), "requests", NULL);
    json_t *msgs = json_array();
    size_t i, j;
    json_t *lr, *item;
    json_array_foreach((json_t *)ranges, i, lr)
    {
        json_array_foreach(admission__get(json_object_get(lr, "spec"), "limits", NULL), j, item)
        {
            const char *type = admission__str(item, "type");
            if (!type || strcmp(type, "PersistentVolumeClaim") != 0)
                continue;
            const char *k;
            json_t *v;
            /* A claim's limits are not the user's ask: only its requests are bounded. */
            json_object_foreach(json_object_get(item, "min"), k, v)
                check_min(msgs, type, k, v, req, NULL);
            json_object_foreach(json_object_get(item, "max"), k, v)
                check_max(msgs, type, k, v, req, NULL, true);
        }
    }
    int rc = admission__aggregate(msgs, C8S_EFORBIDDEN, err);
    json_decref(msgs);
    return rc;
}
