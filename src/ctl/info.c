/*
 * info.c — the verbs that read and explain: describe (a readable dump of the object and the
 * Events about it), version, api-resources.
 */
#include "ctl_int.h"

#include "c8s/selector.h"
#include "c8s/table.h"
#include "c8s/version.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

/* "creationTimestamp" → "Creation Timestamp", as kubectl's generic describer titles keys. */
static char *title(const char *k)
{
    strbuf_t b = STRBUF_INIT;
    for (const char *p = k; *p; p++) {
        char ch = *p;
        if (p == k && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        else if (ch >= 'A' && ch <= 'Z' && p > k && p[-1] >= 'a' && p[-1] <= 'z')
            strbuf_addn(&b, " ", 1);
        strbuf_addn(&b, &ch, 1);
    }
    return strbuf_take(&b);
}

static void indent(int n)
{
    for (int i = 0; i < n; i++)
        fputs("  ", stdout);
}

static void print_scalar(const json_t *v)
{
    if (json_is_string(v))
        fputs(json_string_value(v), stdout);
    else if (json_is_null(v))
        fputs("<nil>", stdout);
    else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        fputs(s, stdout);
        free(s);
    }
}

static void describe_value(const json_t *v, int depth);

static void describe_map(const json_t *o, int depth)
{
    json_t *sorted = ctl__sorted(o);
    const char *k;
    json_t *v;
    json_object_foreach(sorted, k, v)
    {
        cleanup_free char *t = title(k);
        indent(depth);
        if (json_is_object(v) || json_is_array(v)) {
            printf("%s:\n", t);
            describe_value(v, depth + 1);
        } else {
            printf("%s:  ", t);
            print_scalar(v);
            fputc('\n', stdout);
        }
    }
    json_decref(sorted);
}

static void describe_value(const json_t *v, int depth)
{
    if (json_is_object(v)) {
        describe_map(v, depth);
        return;
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (json_is_object(e)) {
            describe_map(e, depth);
        } else {
            indent(depth);
            print_scalar(e);
            fputc('\n', stdout);
        }
    }
}

static void print_kv_map(const char *label, const json_t *m)
{
    printf("%-13s ", label);
    if (json_object_size(m) == 0) {
        printf("<none>\n");
        return;
    }
    json_t *sorted = ctl__sorted(m);
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(sorted, k, v)
    {
        if (!first)
            printf("%-13s ", "");
        printf("%s=%s\n", k, json_string_value(v) ? json_string_value(v) : "");
        first = false;
    }
    json_decref(sorted);
}

static void print_events(ctl_t *c, const json_t *obj, const char *ns)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const char *uid = json_string_value(json_object_get(meta, "uid"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    cleanup_free char *path =
        ns ? xasprintf("/api/v1/namespaces/%s/events", ns) : xstrdup("/api/v1/events");
    json_t *list = NULL;
    ctl_resp_t resp;
    ctl__do(c, "GET", path, NULL, NULL, NULL, &resp);
    if (ctl__ok(&resp))
        list = c8s_steal(&resp.json);
    ctl__resp_clear(&resp);
    json_t *rows = json_pack("[[s,s,s,s,s],[s,s,s,s,s]]", "Type", "Reason", "Age", "From",
                             "Message", "----", "------", "----", "----", "-------");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(list, "items"), i, e)
    {
        const json_t *io = json_object_get(e, "involvedObject");
        const char *iu = json_string_value(json_object_get(io, "uid"));
        const char *in = json_string_value(json_object_get(io, "name"));
        const char *ik = json_string_value(json_object_get(io, "kind"));
        bool mine =
            (uid && iu && strcmp(uid, iu) == 0) ||
            (!iu && in && name && strcmp(in, name) == 0 && ik && kind && strcmp(ik, kind) == 0);
        if (!mine)
            continue;
        const char *ts = json_string_value(json_object_get(e, "lastTimestamp"));
        if (!ts)
            ts = json_string_value(json_object_get(e, "eventTime"));
        if (!ts)
            ts = json_string_value(
                json_object_get(json_object_get(e, "metadata"), "creationTimestamp"));
        int64_t t0;
        cleanup_free char *age = ts && table_parse_time(ts, &t0)
                                     ? table_age((int64_t)time(NULL) - t0)
                                     : xstrdup("<unknown>");
        const char *from =
            json_string_value(json_object_get(json_object_get(e, "source"), "component"));
        if (!from)
            from = json_string_value(json_object_get(e, "reportingComponent"));
        const char *type = json_string_value(json_object_get(e, "type"));
        const char *reason = json_string_value(json_object_get(e, "reason"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        json_array_append_new(rows, json_pack("[s,s,s,s,s]", type ? type : "", reason ? reason : "",
                                              age, from ? from : "", msg ? msg : ""));
    }
    json_decref(list);
    if (json_array_size(rows) == 2) {
        printf("Events:       <none>\n");
    } else {
        printf("Events:\n");
        char *s = ctl_format_columns(rows);
        for (char *line = s, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            printf("  %.*s\n", (int)(nl - line), line);
        }
        free(s);
    }
    json_decref(rows);
}

/* ---- Jobs: kubectl's JobDescriber layout (labels aligned as its tabwriter does) ---- */

static void kv_add(json_t *rows, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void kv_add(json_t *rows, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = NULL;
    int n = vasprintf(&v, fmt, ap);
    va_end(ap);
    json_array_append_new(rows, json_pack("[s,s]", label, n >= 0 && v ? v : ""));
    free(n >= 0 ? v : NULL);
}

/* A map as kubectl's printLabelsMultiline: sorted k=v, one a line, "<none>" when empty. */
static void kv_map(json_t *rows, const char *label, const json_t *m)
{
    if (json_object_size(m) == 0) {
        kv_add(rows, label, "<none>");
        return;
    }
    json_t *sorted = ctl__sorted(m);
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(sorted, k, v)
    {
        kv_add(rows, first ? label : "", "%s=%s", k,
               json_string_value(v) ? json_string_value(v) : "");
        first = false;
    }
    json_decref(sorted);
}

static void kv_print(const json_t *rows)
{
    size_t w = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        size_t n = strlen(json_string_value(json_array_get(r, 0)));
        if (n > w)
            w = n;
    }
    json_array_foreach(rows, i, r)
    {
        printf("%-*s%s\n", (int)w + 2, json_string_value(json_array_get(r, 0)),
               json_string_value(json_array_get(r, 1)));
    }
}

/* RFC 1123 with a numeric zone, in local time, as kubectl prints times. */
static void kv_time(json_t *rows, const char *label, const char *ts)
{
    int64_t t;
    if (!ts || !table_parse_time(ts, &t))
        return;
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[64];
    if (!localtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z", &tm))
        return;
    kv_add(rows, label, "%s", buf);
}

static bool jint(const json_t *o, const char *k, long long *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        return false;
    *out = json_integer_value(v);
    return true;
}

/* Upstream's capIndexesListOrNone: about 50 characters, cut after a whole interval. */
static char *cap_indexes(const char *s)
{
    if (!s || !*s)
        return xstrdup("<none>");
    size_t n = strlen(s), ix = 50;
    while (ix < n && s[ix] != ',')
        ix++;
    if (ix >= n)
        return xstrdup(s);
    return xasprintf("%.*s...", (int)ix + 1, s);
}

static void describe_job(ctl_t *c, const ctl_res_t *r, json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec"), *st = json_object_get(obj, "status");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    json_t *rows = json_array();
    kv_add(rows, "Name:", "%s", json_string_value(json_object_get(meta, "name")) ?: "");
    kv_add(rows, "Namespace:", "%s", ns ? ns : "");
    labelsel_t *sel = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (labelsel_from_json(json_object_get(spec, "selector"), &sel, &err) == 0) {
        cleanup_free char *ss = labelsel_string(sel);
        kv_add(rows, "Selector:", "%s", ss);
        labelsel_free(sel);
    } else {
        kv_add(rows, "Selector:", "Failed to get selector: %s", err.msg);
    }
    c8s_err_clear(&err);
    kv_map(rows, "Labels:", json_object_get(meta, "labels"));
    json_t *ann = json_deep_copy(json_object_get(meta, "annotations"));
    json_object_del(ann, CTL_LAST_APPLIED);
    kv_map(rows, "Annotations:", ann);
    json_decref(ann);
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(meta, "ownerReferences"), i, o)
    {
        if (json_is_true(json_object_get(o, "controller")))
            kv_add(rows, "Controlled By:", "%s/%s",
                   json_string_value(json_object_get(o, "kind")) ?: "",
                   json_string_value(json_object_get(o, "name")) ?: "");
    }
    long long v, active = 0, ready, succeeded = 0, failed = 0;
    if (jint(spec, "parallelism", &v))
        kv_add(rows, "Parallelism:", "%lld", v);
    if (jint(spec, "completions", &v))
        kv_add(rows, "Completions:", "%lld", v);
    else
        kv_add(rows, "Completions:", "<unset>");
    const char *mode = json_string_value(json_object_get(spec, "completionMode"));
    if (mode)
        kv_add(rows, "Completion Mode:", "%s", mode);
    if (json_is_boolean(json_object_get(spec, "suspend")))
        kv_add(rows, "Suspend:", "%s",
               json_is_true(json_object_get(spec, "suspend")) ? "true" : "false");
    if (jint(spec, "backoffLimit", &v))
        kv_add(rows, "Backoff Limit:", "%lld", v);
    if (jint(spec, "ttlSecondsAfterFinished", &v))
        kv_add(rows, "TTL Seconds After Finished:", "%lld", v);
    const char *start = json_string_value(json_object_get(st, "startTime"));
    const char *done = json_string_value(json_object_get(st, "completionTime"));
    kv_time(rows, "Start Time:", start);
    kv_time(rows, "Completed At:", done);
    int64_t t0, t1;
    if (start && done && table_parse_time(start, &t0) && table_parse_time(done, &t1)) {
        cleanup_free char *d = table_age(t1 - t0);
        kv_add(rows, "Duration:", "%s", d);
    }
    if (jint(spec, "activeDeadlineSeconds", &v))
        kv_add(rows, "Active Deadline Seconds:", "%llds", v);
    jint(st, "active", &active);
    jint(st, "succeeded", &succeeded);
    jint(st, "failed", &failed);
    if (jint(st, "ready", &ready))
        kv_add(rows, "Pods Statuses:", "%lld Active (%lld Ready) / %lld Succeeded / %lld Failed",
               active, ready, succeeded, failed);
    else
        kv_add(rows, "Pods Statuses:", "%lld Active / %lld Succeeded / %lld Failed", active,
               succeeded, failed);
    if (mode && strcmp(mode, "Indexed") == 0) {
        cleanup_free char *ci =
            cap_indexes(json_string_value(json_object_get(st, "completedIndexes")));
        kv_add(rows, "Completed Indexes:", "%s", ci);
    }
    kv_print(rows);
    json_decref(rows);
    printf("Pod Template:\n");
    describe_value(json_object_get(spec, "template"), 1);
    if (!json_object_get(obj, "kind"))
        json_object_set_new(obj, "kind", json_string(r->kind));
    print_events(c, obj, ns ? ns : c->ns);
}

static void describe_obj(ctl_t *c, const ctl_res_t *r, json_t *obj)
{
    if (!strcmp(r->group, "batch") && !strcmp(r->kind, "Job")) {
        describe_job(c, r, obj);
        return;
    }
    const json_t *meta = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    printf("%-13s %s\n", "Name:", json_string_value(json_object_get(meta, "name")));
    if (r->namespaced)
        printf("%-13s %s\n", "Namespace:", ns ? ns : "");
    print_kv_map("Labels:", json_object_get(meta, "labels"));
    json_t *ann = json_deep_copy(json_object_get(meta, "annotations"));
    json_object_del(ann, CTL_LAST_APPLIED);
    print_kv_map("Annotations:", ann);
    json_decref(ann);
    cleanup_free char *av =
        *r->group ? xasprintf("%s/%s", r->group, r->version) : xstrdup(r->version);
    printf("%-13s %s\n", "API Version:", av);
    printf("%-13s %s\n", "Kind:", r->kind);
    json_t *rest = json_deep_copy(obj);
    json_object_del(rest, "apiVersion");
    json_object_del(rest, "kind");
    json_t *m = json_object_get(rest, "metadata");
    const char *drop[] = {"name", "namespace", "labels", "annotations", "managedFields"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(drop); i++)
        json_object_del(m, drop[i]);
    describe_map(rest, 0);
    json_decref(rest);
    if (!json_object_get(obj, "kind"))
        json_object_set_new(obj, "kind", json_string(r->kind));
    print_events(c, obj, r->namespaced ? (ns ? ns : c->ns) : NULL);
}

int ctl__cmd_describe(ctl_t *c)
{
    if (c->o.n_args == 0)
        return ctl__error("You must specify the type of resource to describe. Use \"c8s ctl "
                          "api-resources\" for a complete list of supported resources.");
    json_t *targets = NULL;
    if (ctl__targets(c, c->o.args, c->o.n_args, &targets) != 0)
        return 1;
    int rc = 0;
    bool first = true;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        const char *lns = c->o.all_ns ? NULL : c->ns;
        cleanup_free char *path = ctl__path(&r, name ? c->ns : lns, name);
        json_t *got = NULL;
        if (ctl__get_json(c, path, &got) != 0) {
            rc = 1;
            continue;
        }
        json_t *items = json_object_get(got, "items");
        if (name) {
            if (!first)
                printf("\n\n");
            describe_obj(c, &r, got);
            first = false;
        } else {
            size_t j;
            json_t *o;
            json_array_foreach(items, j, o)
            {
                if (!first)
                    printf("\n\n");
                describe_obj(c, &r, o);
                first = false;
            }
            if (json_array_size(items) == 0)
                fprintf(stderr, "No resources found in %s namespace.\n", c->ns);
        }
        json_decref(got);
    }
    json_decref(targets);
    return rc;
}

int ctl__cmd_version(ctl_t *c)
{
    json_t *client =
        json_pack("{s:s,s:s,s:s,s:s}", "major", C8S_KUBE_MAJOR, "minor", C8S_KUBE_MINOR,
                  "gitVersion", C8S_KUBE_VERSION, "c8sVersion", C8S_VERSION);
    json_t *server = NULL;
    int rc = ctl__get_json(c, "/version", &server);
    const char *o = c->o.output;
    if (o && (strcmp(o, "json") == 0 || strcmp(o, "yaml") == 0)) {
        json_t *doc = json_pack("{s:O}", "clientVersion", client);
        if (server)
            json_object_set(doc, "serverVersion", server);
        ctl__print_obj(doc, o);
        json_decref(doc);
    } else {
        printf("Client Version: %s (c8s %s)\n", C8S_KUBE_VERSION, C8S_VERSION);
        if (server)
            printf("Server Version: %s\n",
                   json_string_value(json_object_get(server, "gitVersion")) ?: "unknown");
    }
    json_decref(client);
    json_decref(server);
    return rc;
}

static int cmp_res(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int g = strcmp(json_string_value(json_object_get(x, "group")),
                   json_string_value(json_object_get(y, "group")));
    if (g)
        return g;
    return strcmp(json_string_value(json_object_get(x, "name")),
                  json_string_value(json_object_get(y, "name")));
}

static char *joined(const json_t *arr)
{
    strbuf_t b = STRBUF_INIT;
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) strbuf_sep(&b, ",", json_string_value(e));
    return strbuf_take(&b);
}

int ctl__cmd_api_resources(ctl_t *c)
{
    if (ctl__discover(c) != 0)
        return 1;
    size_t n = json_array_size(c->resources);
    json_t **v = xcalloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(c->resources, i);
    qsort(v, n, sizeof(*v), cmp_res);
    bool wide = c->o.output && strcmp(c->o.output, "wide") == 0;
    bool name_only = c->o.output && strcmp(c->o.output, "name") == 0;
    json_t *rows = json_array();
    if (!c->o.no_headers)
        json_array_append_new(rows, wide ? json_pack("[s,s,s,s,s,s,s]", "NAME", "SHORTNAMES",
                                                     "APIVERSION", "NAMESPACED", "KIND", "VERBS",
                                                     "CATEGORIES")
                                         : json_pack("[s,s,s,s,s]", "NAME", "SHORTNAMES",
                                                     "APIVERSION", "NAMESPACED", "KIND"));
    for (size_t i = 0; i < n; i++) {
        const char *g = json_string_value(json_object_get(v[i], "group"));
        const char *name = json_string_value(json_object_get(v[i], "name"));
        if (name_only) {
            printf("%s%s%s\n", name, *g ? "." : "", g);
            continue;
        }
        cleanup_free char *av =
            *g ? xasprintf("%s/%s", g, json_string_value(json_object_get(v[i], "version")))
               : xstrdup(json_string_value(json_object_get(v[i], "version")));
        cleanup_free char *sn = joined(json_object_get(v[i], "shortNames"));
        json_t *row =
            json_pack("[s,s,s,s,s]", name, sn, av,
                      json_is_true(json_object_get(v[i], "namespaced")) ? "true" : "false",
                      json_string_value(json_object_get(v[i], "kind")));
        if (wide) {
            cleanup_free char *verbs = joined(json_object_get(v[i], "verbs"));
            cleanup_free char *cats = joined(json_object_get(v[i], "categories"));
            cleanup_free char *vb = xasprintf("[%s]", verbs);
            for (char *p = vb; *p; p++)
                if (*p == ',')
                    *p = ' ';
            json_array_append_new(row, json_string(vb));
            json_array_append_new(row, json_string(cats));
        }
        json_array_append_new(rows, row);
    }
    if (!name_only) {
        char *s = ctl_format_columns(rows);
        fputs(s, stdout);
        free(s);
    }
    json_decref(rows);
    free(v);
    return 0;
}
