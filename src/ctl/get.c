/*
 * get.c — `c8s ctl get`: server-side Tables (with a NAME / AGE fallback when the server answers a
 * plain list), -o json|yaml|wide|name|jsonpath, -l, -A, -w, names by any spelling discovery
 * knows, `type/name` and `type name1 name2`.
 */
#include "ctl_int.h"

#include "c8s/table.h"

#include <string.h>
#include <time.h>

/* path plus ?labelSelector=…&fieldSelector=…&extra (extra may be NULL). Owned. */
static char *with_query(ctl_t *c, const char *path, const char *extra)
{
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, path);
    char sep = '?';
    if (c->o.selector) {
        strbuf_addn(&b, &sep, 1);
        strbuf_add(&b, "labelSelector=");
        strbuf_add_escaped(&b, c->o.selector, NULL);
        sep = '&';
    }
    if (c->o.field_selector) {
        strbuf_addn(&b, &sep, 1);
        strbuf_add(&b, "fieldSelector=");
        strbuf_add_escaped(&b, c->o.field_selector, NULL);
        sep = '&';
    }
    if (extra) {
        strbuf_addn(&b, &sep, 1);
        strbuf_add(&b, extra);
    }
    return strbuf_take(&b);
}

static void set_type_meta(const ctl_res_t *r, json_t *obj)
{
    if (!json_is_object(obj))
        return;
    cleanup_free char *av =
        *r->group ? xasprintf("%s/%s", r->group, r->version) : xstrdup(r->version);
    if (!json_object_get(obj, "apiVersion"))
        json_object_set_new(obj, "apiVersion", json_string(av));
    if (!json_object_get(obj, "kind"))
        json_object_set_new(obj, "kind", json_string(r->kind));
}

static char *labels_text(const json_t *meta)
{
    const json_t *labels = json_object_get(meta, "labels");
    if (json_object_size(labels) == 0)
        return xstrdup("<none>");
    json_t *sorted = ctl__sorted(labels);
    strbuf_t b = STRBUF_INIT;
    const char *k;
    json_t *v;
    json_object_foreach(sorted, k, v)
    {
        if (b.len)
            strbuf_add(&b, ",");
        strbuf_add(&b, k);
        strbuf_add(&b, "=");
        strbuf_add(&b, json_string_value(v) ? json_string_value(v) : "");
    }
    json_decref(sorted);
    return strbuf_take(&b);
}

/* The printer's state: the header (once), and rows. */
typedef struct {
    ctl_t *c;
    const ctl_res_t *r;
    json_t *rows;    /* array of arrays; header first */
    json_t *visible; /* indexes of the server's columns shown */
    bool have_header;
    char *prefix;      /* "deployment.apps/" when names carry their type (get all) */
    size_t widths[32]; /* remembered column widths, for -w */
} table_t;

static void header_from_defs(table_t *t, const json_t *defs)
{
    json_t *h = json_array();
    if (t->c->o.all_ns && t->r->namespaced)
        json_array_append_new(h, json_string("NAMESPACE"));
    json_decref(t->visible);
    t->visible = json_array();
    size_t i;
    json_t *d;
    bool wide = t->c->o.output && strcmp(t->c->o.output, "wide") == 0;
    json_array_foreach(defs, i, d)
    {
        if (json_integer_value(json_object_get(d, "priority")) > 0 && !wide)
            continue;
        json_array_append_new(t->visible, json_integer((json_int_t)i));
        const char *name = json_string_value(json_object_get(d, "name"));
        cleanup_free char *up = xstrdup(name ? name : "");
        for (char *p = up; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        json_array_append_new(h, json_string(up));
    }
    if (t->c->o.show_labels)
        json_array_append_new(h, json_string("LABELS"));
    json_array_append_new(t->rows, h);
    t->have_header = true;
}

static json_t *fallback_defs(void)
{
    return json_pack("[{s:s,s:i},{s:s,s:i}]", "name", "Name", "priority", 0, "name", "Age",
                     "priority", 0);
}

static void add_row(table_t *t, const json_t *cells, const json_t *meta)
{
    json_t *row = json_array();
    if (t->c->o.all_ns && t->r->namespaced) {
        const char *ns = json_string_value(json_object_get(meta, "namespace"));
        json_array_append_new(row, json_string(ns ? ns : ""));
    }
    size_t i;
    json_t *ix;
    json_array_foreach(t->visible, i, ix)
    {
        const json_t *cell = json_array_get(cells, (size_t)json_integer_value(ix));
        if (i == 0 && t->prefix && json_is_string(cell)) {
            cleanup_free char *s = xasprintf("%s%s", t->prefix, json_string_value(cell));
            json_array_append_new(row, json_string(s));
        } else {
            json_array_append(row, cell ? (json_t *)cell : json_string(""));
        }
    }
    if (t->c->o.show_labels) {
        cleanup_free char *l = labels_text(meta);
        json_array_append_new(row, json_string(l));
    }
    json_array_append_new(t->rows, row);
}

static json_t *fallback_cells(const json_t *obj)
{
    const json_t *meta = json_object_get(obj, "metadata");
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *ts = json_string_value(json_object_get(meta, "creationTimestamp"));
    int64_t created;
    cleanup_free char *age = NULL;
    if (ts && table_parse_time(ts, &created))
        age = table_age((int64_t)time(NULL) - created);
    return json_pack("[s,s]", name ? name : "", age ? age : "<unknown>");
}

/* Adds an answer (a Table, a list or one object) to t. Returns the number of rows added. */
static size_t add_answer(table_t *t, const json_t *ans)
{
    size_t added = 0;
    if (strcmp(json_string_value(json_object_get(ans, "kind")) ?: "", "Table") == 0) {
        const json_t *defs = json_object_get(ans, "columnDefinitions");
        if (!t->have_header && json_is_array(defs))
            header_from_defs(t, defs);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(ans, "rows"), i, row)
        {
            const json_t *o = json_object_get(row, "object");
            add_row(t, json_object_get(row, "cells"), json_object_get(o, "metadata"));
            added++;
        }
        return added;
    }
    if (!t->have_header) {
        json_t *defs = fallback_defs();
        header_from_defs(t, defs);
        json_decref(defs);
    }
    const json_t *items = json_object_get(ans, "items");
    if (json_is_array(items)) {
        size_t i;
        json_t *o;
        json_array_foreach(items, i, o)
        {
            json_t *cells = fallback_cells(o);
            add_row(t, cells, json_object_get(o, "metadata"));
            json_decref(cells);
            added++;
        }
    } else {
        json_t *cells = fallback_cells(ans);
        add_row(t, cells, json_object_get(ans, "metadata"));
        json_decref(cells);
        added++;
    }
    return added;
}

static void print_rows(table_t *t, bool header)
{
    json_t *rows = t->rows;
    if (!header && json_array_size(rows) > 0) {
        rows = json_array();
        for (size_t i = 1; i < json_array_size(t->rows); i++)
            json_array_append(rows, json_array_get(t->rows, i));
    }
    char *s = ctl_format_columns_remember(rows, t->widths, C8S_ARRAY_SIZE(t->widths));
    fputs(s, stdout);
    fflush(stdout);
    free(s);
    if (rows != t->rows)
        json_decref(rows);
}

static void table_free(table_t *t)
{
    json_decref(t->rows);
    json_decref(t->visible);
    free(t->prefix);
}

static const char *out_kind(ctl_t *c)
{
    const char *o = c->o.output;
    if (!o || strcmp(o, "wide") == 0)
        return "table";
    if (strncmp(o, "jsonpath=", 9) == 0 || strncmp(o, "jsonpath", 8) == 0)
        return "jsonpath";
    return o;
}

static const char *jsonpath_tmpl(ctl_t *c)
{
    const char *o = c->o.output;
    const char *eq = strchr(o, '=');
    return eq ? eq + 1 : "";
}

/* Prints objs (an array of objects of r, from a list or from named GETs) in a non-table format. */
static int print_objects(ctl_t *c, const ctl_res_t *r, json_t *objs, bool single, bool *printed_any)
{
    const char *k = out_kind(c);
    size_t i;
    json_t *o;
    json_array_foreach(objs, i, o) set_type_meta(r, o);
    if (strcmp(k, "name") == 0) {
        cleanup_free char *d = ctl__display(r);
        json_array_foreach(objs, i, o)
        {
            printf("%s/%s\n", d,
                   json_string_value(json_object_get(json_object_get(o, "metadata"), "name")));
            *printed_any = true;
        }
        return 0;
    }
    json_t *doc = single ? json_incref(json_array_get(objs, 0))
                         : json_pack("{s:s,s:O,s:s,s:{s:s}}", "apiVersion", "v1", "items", objs,
                                     "kind", "List", "metadata", "resourceVersion", "");
    int rc = 0;
    if (strcmp(k, "json") == 0 || strcmp(k, "yaml") == 0) {
        /* As kubectl: managedFields are noise unless asked for (--show-managed-fields). */
        if (!c->o.show_managed_fields)
            json_array_foreach(objs, i, o)
                json_object_del(json_object_get(o, "metadata"), "managedFields");
        rc = ctl__print_obj(doc, k);
    } else if (strcmp(k, "jsonpath") == 0) {
        char *out = NULL;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        if (ctl_jsonpath(jsonpath_tmpl(c), doc, &out, &err) != 0) {
            rc = ctl__error("%s", err.msg);
        } else {
            fputs(out, stdout);
            free(out);
        }
    } else {
        rc = ctl__error("unable to match a printer suitable for the output format \"%s\", "
                        "allowed formats are: json,jsonpath,name,wide,yaml",
                        c->o.output);
    }
    *printed_any = true;
    json_decref(doc);
    return rc;
}

typedef struct {
    ctl_t *c;
    table_t *t;
    const ctl_res_t *r;
    bool table;
} watch_ctx_t;

static void on_watch_line(client_watch_t *w, const char *line, size_t len, void *data)
{
    watch_ctx_t *x = data;
    json_t *ev = json_loadb(line, len, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));
    json_t *obj = json_object_get(ev, "object");
    if (!type || !obj) {
        json_decref(ev);
        return;
    }
    if (strcmp(type, "ERROR") == 0) {
        fprintf(stderr, "error: %s\n",
                json_string_value(json_object_get(obj, "message")) ?: "watch error");
        json_decref(ev);
        client_watch_stop(w);
        return;
    }
    if (strcmp(type, "BOOKMARK") == 0) {
        json_decref(ev);
        return;
    }
    if (x->table) {
        /* rows holds only what this event adds: the header too if none was printed yet. */
        json_array_clear(x->t->rows);
        add_answer(x->t, obj);
        print_rows(x->t, true);
    } else {
        json_t *one = json_pack("[O]", obj);
        bool any = false;
        print_objects(x->c, x->r, one, true, &any);
        json_decref(one);
    }
    json_decref(ev);
}

static void on_watch_end(client_watch_t *w, void *data)
{
    *(bool *)((watch_ctx_t *)data + 1) = true;
}

static int watch(ctl_t *c, const ctl_res_t *r, const char *ns, const char *rv, table_t *t,
                 bool table, const char *name)
{
    cleanup_free char *base = ctl__path(r, ns, NULL);
    strbuf_t extra = STRBUF_INIT;
    strbuf_add(&extra, "watch=true");
    if (rv && *rv) {
        strbuf_add(&extra, "&resourceVersion=");
        strbuf_add(&extra, rv);
    }
    if (name) {
        strbuf_add(&extra, "&fieldSelector=metadata.name%3D");
        strbuf_add_escaped(&extra, name, NULL);
    }
    cleanup_free char *ex = strbuf_take(&extra);
    cleanup_free char *path = with_query(c, base, ex);
    struct {
        watch_ctx_t x;
        bool ended;
    } s = {{c, t, r, table}, false};
    client_set_accept(c->client, table ? CTL_TABLE_ACCEPT : NULL);
    client_watch(c->client, path, on_watch_line, on_watch_end, &s.x);
    while (!s.ended)
        uv_run(&c->loop, UV_RUN_ONCE);
    return 0;
}

/* --sort-by: a jsonpath (".metadata.name" or "{.metadata.name}") evaluated on each object. */
typedef struct {
    json_t *v;
    char *key;
    bool numeric;
    double num;
} sort_ent_t;

static int cmp_ent(const void *a, const void *b)
{
    const sort_ent_t *x = a, *y = b;
    if (x->numeric && y->numeric)
        return x->num < y->num ? -1 : x->num > y->num;
    return strcmp(x->key, y->key);
}

/* Sorts arr (items, or Table rows whose "object" is the full object) in place. */
static int sort_by(ctl_t *c, json_t *arr, bool rows)
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return 0;
    const char *e = c->o.sort_by;
    cleanup_free char *tmpl = e[0] == '{' ? xstrdup(e) : xasprintf("{%s}", e);
    sort_ent_t *ents = xcalloc(n, sizeof(*ents));
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *v = json_array_get(arr, i);
        ents[i].v = json_incref(v);
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        if (ctl_jsonpath(tmpl, rows ? json_object_get(v, "object") : v, &ents[i].key, &err) != 0) {
            rc = ctl__error("couldn't find any field with path \"%s\" in the list of objects", e);
            break;
        }
        char *end;
        ents[i].num = strtod(ents[i].key, &end);
        ents[i].numeric = *ents[i].key && !*end;
    }
    if (rc == 0) {
        qsort(ents, n, sizeof(*ents), cmp_ent);
        json_array_clear(arr);
        for (size_t i = 0; i < n; i++)
            json_array_append(arr, ents[i].v);
    }
    for (size_t i = 0; i < n; i++) {
        json_decref(ents[i].v);
        free(ents[i].key);
    }
    free(ents);
    return rc;
}

static int get_list(ctl_t *c, const ctl_res_t *r, table_t *t, bool *any)
{
    bool table = strcmp(out_kind(c), "table") == 0;
    const char *ns = c->o.all_ns ? NULL : c->ns;
    cleanup_free char *base = ctl__path(r, ns, NULL);
    /* Sorting a Table needs the whole objects in its rows, as kubectl asks for them. */
    cleanup_free char *path =
        with_query(c, base, table && c->o.sort_by ? "includeObject=Object" : NULL);
    ctl_resp_t resp;
    ctl__do(c, "GET", path, NULL, NULL, table ? CTL_TABLE_ACCEPT : NULL, &resp);
    if (!ctl__ok(&resp) || !resp.json) {
        int rc = ctl__fail(&resp, NULL);
        ctl__resp_clear(&resp);
        return rc;
    }
    const char *rv = json_string_value(
        json_object_get(json_object_get(resp.json, "metadata"), "resourceVersion"));
    cleanup_free char *rvc = rv ? xstrdup(rv) : NULL;
    int rc = 0;
    if (c->o.sort_by)
        rc = sort_by(c, json_object_get(resp.json, table ? "rows" : "items"),
                     table && json_object_get(resp.json, "rows"));
    if (rc == 0 && table && c->o.sort_by && !json_object_get(resp.json, "rows"))
        rc = sort_by(c, json_object_get(resp.json, "items"), false); /* a plain list */
    if (rc == 0 && !c->o.watch_only) {
        if (table) {
            if (add_answer(t, resp.json) > 0)
                *any = true;
        } else {
            json_t *items = json_object_get(resp.json, "items");
            if (json_array_size(items) > 0)
                rc = print_objects(c, r, items, false, any);
        }
    }
    ctl__resp_clear(&resp);
    if (rc == 0 && (c->o.watch || c->o.watch_only)) {
        if (table && *any) {
            print_rows(t, true);
            json_array_clear(t->rows);
        } else if (!*any) {
            if (!c->o.all_ns && r->namespaced)
                fprintf(stderr, "No resources found in %s namespace.\n", c->ns);
            else
                fprintf(stderr, "No resources found\n");
            fflush(stderr);
        }
        if (!*any)
            t->have_header = false; /* the first event brings the header */
        *any = true;                /* already said */
        rc = watch(c, r, ns, rvc, t, table, NULL);
    }
    return rc;
}

int ctl__cmd_get(ctl_t *c)
{
    if (c->o.n_args == 0) {
        fprintf(stderr, "You must specify the type of resource to get. Use \"c8s ctl "
                        "api-resources\" for a complete list of supported resources.\n\n");
        return ctl__error("Required resource not specified.");
    }
    const char *k = out_kind(c);
    bool table = strcmp(k, "table") == 0;
    if (!table && strcmp(k, "json") != 0 && strcmp(k, "yaml") != 0 && strcmp(k, "name") != 0 &&
        strcmp(k, "jsonpath") != 0)
        return ctl__error("unable to match a printer suitable for the output format \"%s\", "
                          "allowed formats are: json,jsonpath,name,wide,yaml",
                          c->o.output);
    if (ctl__discover(c) != 0)
        return 1;
    table_t t = {c, NULL, json_array(), NULL, false, NULL, {0}};
    bool any = false;
    int rc = 0;
    /* Several types ("pods,services", "all"): each listed on its own, names with their type. */
    const char *first = c->o.args[0];
    if (!strchr(first, '/') && (strchr(first, ',') || strcmp(first, "all") == 0)) {
        if (c->o.n_args > 1)
            return ctl__error("names cannot be given with several resource types");
        json_t *types = json_array();
        if (strcmp(first, "all") == 0) {
            size_t i;
            json_t *e;
            json_array_foreach(c->resources, i, e)
            {
                size_t j;
                json_t *cat;
                json_array_foreach(json_object_get(e, "categories"), j, cat)
                {
                    if (json_string_value(cat) && strcmp(json_string_value(cat), "all") == 0)
                        json_array_append_new(types, json_integer((json_int_t)i));
                }
            }
        } else {
            cleanup_free char *copy = xstrdup(first);
            char *save = NULL;
            for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
                ctl_res_t r;
                if (ctl__resolve(c, p, &r) != 0) {
                    json_decref(types);
                    json_decref(t.rows);
                    return 1;
                }
                size_t i;
                json_t *e;
                json_array_foreach(c->resources, i, e) if (e == r.entry)
                    json_array_append_new(types, json_integer((json_int_t)i));
            }
        }
        size_t i;
        json_t *ix;
        bool printed = false;
        json_array_foreach(types, i, ix)
        {
            ctl_res_t r;
            json_t *pair = json_pack("[O,n]", ix);
            ctl__target_res(c, pair, &r);
            json_decref(pair);
            table_t tt = {c, &r, json_array(), NULL, false, NULL, {0}};
            tt.prefix = ctl__display(&r);
            char *pre = xasprintf("%s/", tt.prefix);
            free(tt.prefix);
            tt.prefix = pre;
            bool got = false;
            if (get_list(c, &r, &tt, &got) != 0)
                rc = 1;
            if (table && got) {
                if (printed)
                    fputs("\n", stdout);
                print_rows(&tt, !c->o.no_headers);
                printed = true;
            }
            any = any || got;
            table_free(&tt);
        }
        json_decref(types);
        json_decref(t.rows);
        if (!any && rc == 0)
            fprintf(stderr,
                    c->o.all_ns ? "No resources found\n" : "No resources found in %s namespace.\n",
                    c->ns);
        return rc;
    }
    json_t *targets = NULL;
    if (ctl__targets(c, c->o.args, c->o.n_args, &targets) != 0) {
        json_decref(t.rows);
        return 1;
    }
    ctl_res_t r;
    ctl__target_res(c, json_array_get(targets, 0), &r);
    t.r = &r;
    if (json_is_null(json_array_get(json_array_get(targets, 0), 1))) {
        rc = get_list(c, &r, &t, &any);
        if (rc == 0 && !any) {
            if (!c->o.all_ns && r.namespaced)
                fprintf(stderr, "No resources found in %s namespace.\n", c->ns);
            else
                fprintf(stderr, "No resources found\n");
        }
    } else {
        json_t *objs = json_array();
        ctl_res_t last = r;
        size_t i;
        json_t *tg;
        json_array_foreach(targets, i, tg)
        {
            ctl_res_t ri;
            ctl__target_res(c, tg, &ri);
            if (table && t.have_header && ri.entry != last.entry) {
                print_rows(&t, !c->o.no_headers);
                json_array_clear(t.rows);
                t.have_header = false;
                fputs("\n", stdout);
            }
            if (!table && json_array_size(objs) > 0 && ri.entry != last.entry) {
                print_objects(c, &last, objs, false, &any);
                json_array_clear(objs);
            }
            last = ri;
            t.r = &last;
            const char *name = json_string_value(json_array_get(tg, 1));
            cleanup_free char *path = ctl__path(&ri, c->ns, name);
            ctl_resp_t resp;
            ctl__do(c, "GET", path, NULL, NULL, table ? CTL_TABLE_ACCEPT : NULL, &resp);
            if (!ctl__ok(&resp) || !resp.json) {
                if (!(resp.status == 404 && c->o.ignore_not_found))
                    rc = ctl__fail(&resp, NULL);
            } else if (table) {
                add_answer(&t, resp.json);
                any = true;
            } else {
                json_array_append(objs, resp.json);
            }
            ctl__resp_clear(&resp);
        }
        if (!table && json_array_size(objs) > 0)
            print_objects(c, &last, objs, json_array_size(targets) == 1, &any);
        if (c->o.watch && json_array_size(targets) == 1) {
            if (table && any) {
                print_rows(&t, !c->o.no_headers);
                json_array_clear(t.rows);
            }
            watch(c, &last, c->ns, NULL, &t, table,
                  json_string_value(json_array_get(json_array_get(targets, 0), 1)));
        }
        json_decref(objs);
    }
    if (table && json_array_size(t.rows) > 1)
        print_rows(&t, !c->o.no_headers);
    json_decref(targets);
    table_free(&t);
    return rc;
}
