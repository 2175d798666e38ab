/*
 * top.c — `c8s ctl top pod|node`: resource usage from metrics.k8s.io/v1beta1 printed as kubectl
 * top prints it (CPU in millicores, memory in Mi, a node's share of its allocatable in percent),
 * sorted by name (namespace first with -A) or by --sort-by=cpu|memory, largest first.
 */
#include "c8s/quantity.h"
#include "ctl_int.h"

#include <stdlib.h>
#include <string.h>

#define METRICS "/apis/metrics.k8s.io/v1beta1"

static int64_t qty(const json_t *usage, const char *name, bool milli)
{
    quantity_t q;
    c8s_err_t err = C8S_ERR_INIT;
    if (quantity_parse_json(json_object_get(usage, name), &q, &err) != 0) {
        c8s_err_clear(&err);
        return 0;
    }
    return milli ? quantity_milli(&q) : quantity_value(&q);
}

/* A pod's usage: its containers summed. */
static void pod_usage(const json_t *pm, int64_t *cpu, int64_t *mem)
{
    *cpu = *mem = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(pm, "containers"), i, c)
    {
        *cpu += qty(json_object_get(c, "usage"), "cpu", true);
        *mem += qty(json_object_get(c, "usage"), "memory", false);
    }
}

static const char *sort_by;
static bool with_ns;

static const char *meta(const json_t *o, const char *f)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), f)) ?: "";
}

static void usage_of(const json_t *m, int64_t *cpu, int64_t *mem)
{
    if (json_object_get(m, "containers")) {
        pod_usage(m, cpu, mem);
    } else {
        *cpu = qty(json_object_get(m, "usage"), "cpu", true);
        *mem = qty(json_object_get(m, "usage"), "memory", false);
    }
}

static int by_order(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    if (sort_by && (strcmp(sort_by, "cpu") == 0 || strcmp(sort_by, "memory") == 0)) {
        int64_t ca, ma, cb, mb;
        usage_of(a, &ca, &ma);
        usage_of(b, &cb, &mb);
        int64_t x = strcmp(sort_by, "cpu") == 0 ? ca : ma,
                y = strcmp(sort_by, "cpu") == 0 ? cb : mb;
        if (x != y)
            return x > y ? -1 : 1;
    }
    if (with_ns) {
        int d = strcmp(meta(a, "namespace"), meta(b, "namespace"));
        if (d)
            return d;
    }
    return strcmp(meta(a, "name"), meta(b, "name"));
}

/* The items of a metrics answer (a list, or one object), sorted; owned array of references. */
static json_t *sorted_items(const json_t *answer)
{
    json_t *items = json_array();
    if (json_object_get(answer, "items")) {
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(answer, "items"), i, x) json_array_append(items, x);
    } else {
        json_array_append(items, (json_t *)answer);
    }
    size_t n = json_array_size(items);
    json_t **v = xcalloc(n + 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(items, i);
    qsort(v, n, sizeof(*v), by_order);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(out, v[i]);
    free(v);
    json_decref(items);
    return out;
}

static json_t *cpu_cell(int64_t milli)
{
    return json_sprintf("%lldm", (long long)milli);
}

static json_t *mem_cell(int64_t bytes)
{
    return json_sprintf("%lldMi", (long long)(bytes / (1024 * 1024)));
}

static char *query(ctl_t *c)
{
    if (!c->o.selector || !*c->o.selector)
        return xstrdup("");
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "?labelSelector=");
    strbuf_add_escaped(&b, c->o.selector, NULL);
    return strbuf_take(&b);
}

static int print_rows(ctl_t *c, json_t *rows)
{
    if (c->o.no_headers)
        json_array_remove(rows, 0);
    /* kubectl top ends every cell with a tab, the last one too: its last column is padded. An
     * empty column after it does the same here. */
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) json_array_append_new(row, json_string(""));
    cleanup_free char *text = ctl_format_columns(rows);
    fputs(text, stdout);
    json_decref(rows);
    return 0;
}

static int check_sort(ctl_t *c)
{
    if (c->o.sort_by && strcmp(c->o.sort_by, "cpu") != 0 && strcmp(c->o.sort_by, "memory") != 0)
        return ctl__error("--sort-by accepts only cpu or memory");
    sort_by = c->o.sort_by;
    return 0;
}

static int top_pod(ctl_t *c, const char *name)
{
    if (check_sort(c))
        return 1;
    with_ns = c->o.all_ns;
    cleanup_free char *q = query(c);
    cleanup_free char *path = name ? xasprintf(METRICS "/namespaces/%s/pods/%s", c->ns, name)
                              : c->o.all_ns ? xasprintf(METRICS "/pods%s", q)
                                            : xasprintf(METRICS "/namespaces/%s/pods%s", c->ns, q);
    json_t *answer = NULL;
    if (ctl__get_json(c, path, &answer) != 0)
        return 1;
    json_t *items = sorted_items(answer);
    json_decref(answer);
    if (json_array_size(items) == 0) {
        json_decref(items);
        if (c->o.all_ns)
            fprintf(stderr, "No resources found\n");
        else
            fprintf(stderr, "No resources found in %s namespace.\n", c->ns);
        return 0;
    }
    json_t *rows = json_array();
    json_t *head = json_array();
    if (with_ns)
        json_array_append_new(head, json_string("NAMESPACE"));
    if (c->o.containers)
        json_array_append_new(head, json_string("POD"));
    json_array_append_new(head, json_string("NAME"));
    json_array_append_new(head, json_string("CPU(cores)"));
    json_array_append_new(head, json_string("MEMORY(bytes)"));
    json_array_append_new(rows, head);
    size_t i;
    json_t *pm;
    json_array_foreach(items, i, pm)
    {
        if (c->o.containers) {
            size_t j;
            json_t *ct;
            json_array_foreach(json_object_get(pm, "containers"), j, ct)
            {
                json_t *row = json_array();
                if (with_ns)
                    json_array_append_new(row, json_string(meta(pm, "namespace")));
                json_array_append_new(row, json_string(meta(pm, "name")));
                json_array_append_new(
                    row, json_string(json_string_value(json_object_get(ct, "name")) ?: ""));
                json_array_append_new(row,
                                      cpu_cell(qty(json_object_get(ct, "usage"), "cpu", true)));
                json_array_append_new(row,
                                      mem_cell(qty(json_object_get(ct, "usage"), "memory", false)));
                json_array_append_new(rows, row);
            }
            continue;
        }
        int64_t cpu, mem;
        pod_usage(pm, &cpu, &mem);
        json_t *row = json_array();
        if (with_ns)
            json_array_append_new(row, json_string(meta(pm, "namespace")));
        json_array_append_new(row, json_string(meta(pm, "name")));
        json_array_append_new(row, cpu_cell(cpu));
        json_array_append_new(row, mem_cell(mem));
        json_array_append_new(rows, row);
    }
    json_decref(items);
    return print_rows(c, rows);
}

static int top_node(ctl_t *c, const char *name)
{
    if (check_sort(c))
        return 1;
    with_ns = false;
    cleanup_free char *q = query(c);
    cleanup_free char *path =
        name ? xasprintf(METRICS "/nodes/%s", name) : xasprintf(METRICS "/nodes%s", q);
    json_t *answer = NULL;
    if (ctl__get_json(c, path, &answer) != 0)
        return 1;
    json_t *nodes = NULL;
    cleanup_free char *npath = xasprintf("/api/v1/nodes%s", q);
    if (ctl__get_json(c, npath, &nodes) != 0) {
        json_decref(answer);
        return 1;
    }
    json_t *items = sorted_items(answer);
    json_decref(answer);
    if (json_array_size(items) == 0) {
        json_decref(items);
        json_decref(nodes);
        fprintf(stderr, "No resources found\n");
        return 0;
    }
    json_t *rows =
        json_pack("[[s,s,s,s,s]]", "NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)");
    size_t i, j;
    json_t *nm, *node;
    json_array_foreach(items, i, nm)
    {
        const json_t *alloc = NULL;
        json_array_foreach(json_object_get(nodes, "items"), j, node)
        {
            if (strcmp(meta(node, "name"), meta(nm, "name")) == 0)
                alloc = json_object_get(json_object_get(node, "status"), "allocatable");
        }
        int64_t cpu, mem;
        usage_of(nm, &cpu, &mem);
        int64_t acpu = qty(alloc, "cpu", true), amem = qty(alloc, "memory", false);
        json_array_append_new(
            rows, json_pack("[s,o,o,o,o]", meta(nm, "name"), cpu_cell(cpu),
                            acpu > 0 ? json_sprintf("%lld%%", (long long)(cpu * 100 / acpu))
                                     : json_string("<unknown>"),
                            mem_cell(mem),
                            amem > 0 ? json_sprintf("%lld%%", (long long)(mem * 100 / amem))
                                     : json_string("<unknown>")));
    }
    json_decref(items);
    json_decref(nodes);
    return print_rows(c, rows);
}

int ctl__cmd_top(ctl_t *c)
{
    if (c->o.n_args < 1)
        return ctl__error("top requires a resource: pod or node");
    const char *what = c->o.args[0];
    const char *name = c->o.n_args > 1 ? c->o.args[1] : NULL;
    if (strcmp(what, "pod") == 0 || strcmp(what, "pods") == 0 || strcmp(what, "po") == 0)
        return top_pod(c, name);
    if (strcmp(what, "node") == 0 || strcmp(what, "nodes") == 0 || strcmp(what, "no") == 0)
        return top_node(c, name);
    return ctl__error("unknown command \"%s\" for \"top\"", what);
}
