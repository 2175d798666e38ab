/*
 * negotiate.c — the response form of reads, from the Accept header, and the transforms upstream
 * applies on the way out: server-side printing (`as=Table`, what `kubectl get` asks for) and
 * metadata-only answers (`as=PartialObjectMetadata[List]`, what metadata informers ask for).
 *
 * Negotiation follows upstream's (apiserver handlers/negotiation): Accept clauses ordered by
 * quality and specificity (goautoneg's order); the first clause that one of our media types
 * matches, with parameters the endpoint allows, wins; none is 406. c8s serves application/json
 * and application/yaml (no protobuf); watches stream JSON only.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One clause of an Accept header. Strings point into the parsed copy of the header; key and val
 * are owned arrays of nparams entries. */
typedef struct {
    char *type, *subtype;
    double q;
    size_t nparams;
    char **key, **val;
} clause_t;

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

/* goautoneg's Less: higher quality first, then concrete types before wildcards. Not a strict
 * order; an insertion sort (what Go's sort does for short slices) gives upstream's result. */
static bool clause_less(const clause_t *a, const clause_t *b)
{
    if (a->q > b->q)
        return true;
    if (strcmp(a->type, "*") != 0 && strcmp(b->type, "*") == 0)
        return true;
    if (strcmp(a->subtype, "*") != 0 && strcmp(b->subtype, "*") == 0)
        return true;
    return false;
}

static size_t count_char(const char *s, char ch)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == ch;
    return n;
}

static void clauses_free(clause_t *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].key);
        free(c[i].val);
    }
    free(c);
}

/* Parses buf (modified in place) into *out (owned, clauses_free); returns how many. */
static size_t parse_accept(char *buf, clause_t **out)
{
    clause_t *cl = xcalloc(count_char(buf, ',') + 1, sizeof(*cl));
    size_t n = 0;
    char *save = NULL;
    for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        size_t max_params = count_char(part, ';');
        clause_t c = {.q = 1.0};
        char *psave = NULL;
        char *range = strtok_r(part, ";", &psave);
        if (!range)
            continue;
        char *slash = strchr(range, '/');
        if (slash) {
            *slash = '\0';
            c.type = trim(range);
            c.subtype = trim(slash + 1);
            if (strchr(c.subtype, '/'))
                continue;
        } else {
            c.type = trim(range);
            if (strcmp(c.type, "*") != 0)
                continue;
            c.subtype = c.type;
        }
        for (char *p = strtok_r(NULL, ";", &psave); p; p = strtok_r(NULL, ";", &psave)) {
            char *eq = strchr(p, '=');
            if (!eq)
                continue;
            *eq = '\0';
            char *k = trim(p), *v = trim(eq + 1);
            if (strcmp(k, "q") == 0) {
                c.q = strtod(v, NULL);
            } else {
                if (!c.key) {
                    c.key = xcalloc(max_params, sizeof(*c.key));
                    c.val = xcalloc(max_params, sizeof(*c.val));
                }
                c.key[c.nparams] = k;
                c.val[c.nparams++] = v;
            }
        }
        cl[n++] = c;
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && clause_less(&cl[j], &cl[j - 1]); j--) {
            clause_t t = cl[j];
            cl[j] = cl[j - 1];
            cl[j - 1] = t;
        }
    *out = cl;
    return n;
}

typedef struct {
    bool convert;
    const char *as, *g, *v;
} want_t;

/* upstream's acceptMediaTypeOptions with the resource endpoint's restrictions. */
static bool clause_acceptable(const clause_t *c, bool yaml, want_t *w)
{
    *w = (want_t){.as = "", .g = "", .v = ""};
    for (size_t i = 0; i < c->nparams; i++) {
        const char *k = c->key[i], *v = c->val[i];
        if (strcmp(k, "as") == 0) {
            w->convert = true;
            w->as = v;
        } else if (strcmp(k, "g") == 0) {
            w->convert = true;
            w->g = v;
        } else if (strcmp(k, "v") == 0) {
            w->convert = true;
            w->v = v;
        } else if (strcmp(k, "stream") == 0) {
            /* YAML has no stream form; "watch" is the only stream schema. */
            if (*v && (yaml || strcmp(v, "watch") != 0))
                return false;
        } else if (strcmp(k, "sv") == 0) {
            if (*v && strcmp(v, "v1") != 0)
                return false;
        }
        /* pretty, export, profile and unknown parameters do not disqualify. */
    }
    if (!w->convert)
        return true;
    if (strcmp(w->g, "meta.k8s.io") != 0 ||
        (strcmp(w->v, "v1") != 0 && strcmp(w->v, "v1beta1") != 0))
        return false;
    return strcmp(w->as, "Table") == 0 || strcmp(w->as, "PartialObjectMetadata") == 0 ||
           strcmp(w->as, "PartialObjectMetadataList") == 0;
}

/* The Go type upstream names in its NotAcceptable messages (%T of the internal object). */
static char *go_type(const api_kind_t *k, bool list)
{
    const char *g = *k->group ? k->group : "core";
    size_t n = strcspn(g, ".");
    return xasprintf("*%.*s.%s%s", (int)n, g, k->kind, list ? "List" : "");
}

int apiserver__negotiate(api_req_t *r, bool list, bool watch, c8s_err_t *err)
{
    r->as = APISERVER_AS_OBJECT;
    r->as_v1beta1 = false;
    r->table_inc = TABLE_INCLUDE_METADATA;
    const char *accept = r->accept;
    if (!accept || !*accept)
        return 0;
    cleanup_free char *buf = xstrdup(accept);
    clause_t *cl = NULL;
    size_t n = parse_accept(buf, &cl);
    static const char *const offered[] = {"json", "yaml"};
    int chosen = -1;
    want_t w = {0};
    for (size_t i = 0; i < n && chosen < 0; i++) {
        for (int t = 0; t < 2; t++) {
            bool match =
                (strcmp(cl[i].type, "application") == 0 &&
                 (strcmp(cl[i].subtype, offered[t]) == 0 || strcmp(cl[i].subtype, "*") == 0)) ||
                (strcmp(cl[i].type, "*") == 0 && strcmp(cl[i].subtype, "*") == 0);
            if (match && clause_acceptable(&cl[i], t == 1, &w)) {
                chosen = t;
                break;
            }
        }
    }
    clauses_free(cl, n);
    if (chosen < 0 || (watch && chosen == 1))
        return c8s_err_set(err, C8S_ENOTACCEPT, "only the following media types are accepted: %s",
                           watch ? "application/json;stream=watch"
                                 : "application/json, application/yaml");
    if (!w.convert)
        return 0;
    r->as_v1beta1 = strcmp(w.v, "v1beta1") == 0;
    if (strcmp(w.as, "Table") == 0) {
        r->as = APISERVER_AS_TABLE;
        const char *inc = apiserver__query(r, "includeObject");
        c8s_err_t e2 = C8S_ERR_INIT;
        if (table_parse_include(inc, &r->table_inc, &e2) != 0) {
            c8s_err_clear(&e2);
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "Unable to convert to Table as requested: includeObject: Invalid "
                               "value: \"%s\": must be 'Metadata', 'Object', 'None', or empty",
                               inc);
        }
        return 0;
    }
    bool want_list = strcmp(w.as, "PartialObjectMetadataList") == 0;
    r->as = want_list ? APISERVER_AS_PARTIAL_LIST : APISERVER_AS_PARTIAL;
    /* A watch transforms each event's object; upstream leaves objects as they are when the
     * transform does not apply (a list form asked of a single object). */
    if (watch || want_list == list)
        return 0;
    cleanup_free char *ty = go_type(r->kind, list);
    if (want_list)
        return c8s_err_set(err, C8S_ENOTACCEPT,
                           "you requested PartialObjectMetadataList, but the requested object is "
                           "not a list (%s)",
                           ty);
    return c8s_err_set(err, C8S_ENOTACCEPT,
                       "you requested PartialObjectMetadata, but the requested object is a list "
                       "(%s)",
                       ty);
}

static const char *meta_api_version(const api_req_t *r)
{
    return r->as_v1beta1 ? "meta.k8s.io/v1beta1" : "meta.k8s.io/v1";
}

static json_t *partial(const api_req_t *r, const json_t *obj)
{
    json_t *md = json_object_get(obj, "metadata");
    return json_pack("{s:s, s:s, s:o}", "kind", "PartialObjectMetadata", "apiVersion",
                     meta_api_version(r), "metadata",
                     json_is_object(md) ? json_incref(md) : json_object());
}

/* The core builds meta.k8s.io/v1 tables; the v1beta1 form differs only in apiVersions. */
static json_t *table_version(const api_req_t *r, json_t *t)
{
    if (!r->as_v1beta1)
        return t;
    json_object_set_new(t, "apiVersion", json_string(meta_api_version(r)));
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(t, "rows"), i, row)
    {
        json_t *o = json_object_get(row, "object");
        if (r->table_inc == TABLE_INCLUDE_METADATA && json_is_object(o))
            json_object_set_new(o, "apiVersion", json_string(meta_api_version(r)));
    }
    return t;
}

json_t *apiserver__transform_obj(const api_req_t *r, json_t *obj, bool headers)
{
    json_t *out;
    /* A scale subresource answers a Scale, which has its own printer. */
    const api_kind_t *k =
        r->subresource && strcmp(r->subresource, "scale") == 0 ? table_scale_kind() : r->kind;
    switch (r->as) {
    case APISERVER_AS_TABLE:
        out = table_version(r, table_for_event(k, obj, (int64_t)time(NULL), r->table_inc, headers));
        break;
    case APISERVER_AS_PARTIAL:
        out = partial(r, obj);
        break;
    default:
        return obj;
    }
    json_decref(obj);
    return out;
}

json_t *apiserver__transform_list(const api_req_t *r, json_t *list)
{
    json_t *md = json_object_get(list, "metadata");
    json_t *items = json_object_get(list, "items");
    json_t *out;
    switch (r->as) {
    case APISERVER_AS_TABLE: {
        out = table_from_list(
            r->kind, items, json_string_value(json_object_get(md, "resourceVersion")),
            json_string_value(json_object_get(md, "continue")), (int64_t)time(NULL), r->table_inc);
        json_t *rem = json_object_get(md, "remainingItemCount");
        if (rem)
            json_object_set(json_object_get(out, "metadata"), "remainingItemCount", rem);
        out = table_version(r, out);
        break;
    }
    case APISERVER_AS_PARTIAL_LIST: {
        json_t *parts = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(items, i, item) json_array_append_new(parts, partial(r, item));
        out = json_pack("{s:s, s:s, s:o, s:o}", "kind", "PartialObjectMetadataList", "apiVersion",
                        meta_api_version(r), "metadata",
                        json_is_object(md) ? json_incref(md) : json_object(), "items", parts);
        break;
    }
    default:
        return list;
    }
    json_decref(list);
    return out;
}
