/*
 * ctl.c — `c8s ctl`: the command line, the run's context (kubeconfig, HTTP client on a private
 * loop, discovery cache), synchronous requests, and kubectl's error wording. The verbs live in
 * get.c, apply.c, mutate.c and info.c.
 */
#include "ctl_int.h"

#include "c8s/version.h"
#include "c8s/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- requests ---- */

typedef struct {
    ctl_resp_t *out;
    bool done;
} wait_t;

static void on_resp(const client_resp_t *resp, void *data)
{
    wait_t *w = data;
    w->out->status = resp->status;
    w->out->body = xstrndup(resp->body ? resp->body : "", resp->len);
    w->out->len = resp->len;
    if (resp->status != 0 && resp->len > 0 && (resp->body[0] == '{' || resp->body[0] == '['))
        w->out->json = json_loadb(resp->body, resp->len, 0, NULL);
    w->done = true;
}

/* The field manager kubectl names its writes by, per command (the server records it in
 * managedFields); NULL where kubectl sends none (the server then takes the User-Agent). */
static const char *verb_manager(const char *verb)
{
    static const char *const names[][2] = {
        {"create", "kubectl-create"},     {"apply", "kubectl-client-side-apply"},
        {"patch", "kubectl-patch"},       {"label", "kubectl-label"},
        {"annotate", "kubectl-annotate"}, {"edit", "kubectl-edit"},
        {"replace", "kubectl-replace"},
    };
    for (size_t i = 0; verb && i < C8S_ARRAY_SIZE(names); i++)
        if (strcmp(verb, names[i][0]) == 0)
            return names[i][1];
    return NULL;
}

void ctl__do(ctl_t *c, const char *method, const char *path, const char *content_type,
             const char *body, const char *accept, ctl_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    wait_t w = {out, false};
    client_set_accept(c->client, accept);
    cleanup_free char *with_mgr = NULL;
    const char *mgr = c->o.field_manager ? c->o.field_manager : verb_manager(c->o.verb);
    if (mgr && (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")) &&
        !strstr(path, "fieldManager="))
        path = with_mgr =
            xasprintf("%s%cfieldManager=%s", path, strchr(path, '?') ? '&' : '?', mgr);
    client_request(c->client, method, path, content_type, body, body ? strlen(body) : 0, on_resp,
                   &w);
    while (!w.done)
        uv_run(&c->loop, UV_RUN_ONCE);
}

void ctl__resp_clear(ctl_resp_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

bool ctl__ok(const ctl_resp_t *r)
{
    return r->status >= 200 && r->status < 300;
}

int ctl__error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int ctl__fail(const ctl_resp_t *r, const char *ctx)
{
    if (r->status == 0) {
        /* kubectl's words for a server it cannot reach. */
        const char *m = r->body ? r->body : "";
        if (strstr(m, "onnection refused") || strstr(m, "Couldn't connect") ||
            strstr(m, "Failed to connect")) {
            /* curl: "Failed to connect to 127.0.0.1 port 1 after 0 ms: ..." */
            const char *host = strstr(m, "connect to ");
            cleanup_free char *hp = NULL;
            if (host) {
                host += 11;
                const char *sp = strstr(host, " port ");
                const char *end = sp ? strpbrk(sp + 6, " :") : NULL;
                if (sp && end)
                    hp =
                        xasprintf("%.*s:%.*s", (int)(sp - host), host, (int)(end - sp - 6), sp + 6);
            }
            fprintf(stderr,
                    "The connection to the server %s was refused - did you specify the right "
                    "host or port?\n",
                    hp ? hp : "(unknown)");
        } else {
            fprintf(stderr, "Unable to connect to the server: %s\n", m);
        }
        return 1;
    }
    const char *reason = json_string_value(json_object_get(r->json, "reason"));
    const char *msg = json_string_value(json_object_get(r->json, "message"));
    const json_t *details = json_object_get(r->json, "details");
    if (reason && strcmp(reason, "Invalid") == 0 && details) {
        /* kubectl words validation errors from the details, one line per cause. */
        const char *kind = json_string_value(json_object_get(details, "kind"));
        const char *name = json_string_value(json_object_get(details, "name"));
        cleanup_free char *head =
            (kind && *kind) || (name && *name)
                ? xasprintf("The %s \"%s\" is invalid", kind ? kind : "", name ? name : "")
                : xstrdup("The request is invalid");
        const json_t *causes = json_object_get(details, "causes");
        size_t n = json_array_size(causes);
        if (n == 0) {
            fprintf(stderr, "%s\n", head);
            return 1;
        }
        fprintf(stderr, "%s: %s", head, n > 1 ? "\n" : "");
        size_t i;
        const json_t *cause;
        json_array_foreach(causes, i, cause)
        {
            const char *f = json_string_value(json_object_get(cause, "field"));
            const char *m = json_string_value(json_object_get(cause, "message"));
            fprintf(stderr, "%s%s%s%s\n", n > 1 ? "* " : "", f && *f ? f : "", f && *f ? ": " : "",
                    m ? m : "");
        }
        return 1;
    }
    cleanup_free char *fallback = NULL;
    if (!msg) {
        /* Not a Status: kubectl says what it could of the body. */
        fallback = xasprintf("the server responded with the status code %d but did not return "
                             "more information",
                             r->status);
        msg = fallback;
    }
    if (reason && *reason)
        fprintf(stderr, "Error from server (%s): %s%s%s\n", reason, ctx ? ctx : "", ctx ? ": " : "",
                msg);
    else
        fprintf(stderr, "Error from server: %s%s%s\n", ctx ? ctx : "", ctx ? ": " : "", msg);
    return 1;
}

int ctl__get_json(ctl_t *c, const char *path, json_t **out)
{
    ctl_resp_t r;
    ctl__do(c, "GET", path, NULL, NULL, NULL, &r);
    if (!ctl__ok(&r) || !r.json) {
        int rc = ctl__fail(&r, NULL);
        ctl__resp_clear(&r);
        return rc;
    }
    *out = c8s_steal(&r.json);
    ctl__resp_clear(&r);
    return 0;
}

/* ---- discovery ---- */

static void add_resources(ctl_t *c, const json_t *list, const char *group, const char *version)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(list, "resources"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        if (!name || strchr(name, '/'))
            continue; /* subresources */
        json_t *copy = json_deep_copy(e);
        json_object_set_new(copy, "group", json_string(group));
        json_object_set_new(copy, "version", json_string(version));
        json_array_append_new(c->resources, copy);
    }
}

int ctl__discover(ctl_t *c)
{
    if (c->resources)
        return 0;
    json_t *core = NULL, *groups = NULL;
    if (ctl__get_json(c, "/api/v1", &core) != 0)
        return 1;
    c->resources = json_array();
    add_resources(c, core, "", "v1");
    json_decref(core);
    if (ctl__get_json(c, "/apis", &groups) != 0)
        return 1;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(groups, "groups"), i, g)
    {
        const char *name = json_string_value(json_object_get(g, "name"));
        const json_t *pv = json_object_get(g, "preferredVersion");
        const char *gv = json_string_value(json_object_get(pv, "groupVersion"));
        const char *v = json_string_value(json_object_get(pv, "version"));
        if (!name || !gv || !v)
            continue;
        cleanup_free char *path = xasprintf("/apis/%s", gv);
        json_t *list = NULL;
        if (ctl__get_json(c, path, &list) != 0) {
            json_decref(groups);
            return 1;
        }
        add_resources(c, list, name, v);
        json_decref(list);
    }
    json_decref(groups);
    return 0;
}

static void fill_res(const json_t *e, ctl_res_t *out)
{
    out->group = json_string_value(json_object_get(e, "group"));
    out->version = json_string_value(json_object_get(e, "version"));
    out->resource = json_string_value(json_object_get(e, "name"));
    out->kind = json_string_value(json_object_get(e, "kind"));
    out->singular = json_string_value(json_object_get(e, "singularName"));
    out->namespaced = json_is_true(json_object_get(e, "namespaced"));
    out->entry = e;
}

static bool res_matches(const json_t *e, const char *name)
{
    const char *fields[] = {"name", "singularName", "kind"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(fields); i++) {
        const char *s = json_string_value(json_object_get(e, fields[i]));
        if (s && strcasecmp(s, name) == 0)
            return true;
    }
    size_t i;
    json_t *sn;
    json_array_foreach(json_object_get(e, "shortNames"), i, sn)
    {
        if (json_string_value(sn) && strcasecmp(json_string_value(sn), name) == 0)
            return true;
    }
    return false;
}

int ctl__resolve(ctl_t *c, const char *name, ctl_res_t *out)
{
    if (ctl__discover(c) != 0)
        return 1;
    cleanup_free char *base = xstrdup(name);
    char *dot = strchr(base, '.');
    const char *group = NULL;
    if (dot) {
        *dot = '\0';
        group = dot + 1;
    }
    /* Exact names first (plural, singular, kind), then short names, as kubectl's RESTMapper. */
    for (int pass = 0; pass < 2; pass++) {
        size_t i;
        json_t *e;
        json_array_foreach(c->resources, i, e)
        {
            const char *g = json_string_value(json_object_get(e, "group"));
            if (group) {
                /* "deployments.apps", "deployments.v1.apps" */
                const char *gg = group;
                const char *v = json_string_value(json_object_get(e, "version"));
                size_t vl = strlen(v);
                if (strncmp(gg, v, vl) == 0 && gg[vl] == '.')
                    gg += vl + 1;
                if (strcmp(g, gg) != 0)
                    continue;
            }
            bool hit;
            if (pass == 0) {
                hit = false;
                const char *fields[] = {"name", "singularName", "kind"};
                for (size_t f = 0; f < 3 && !hit; f++) {
                    const char *s = json_string_value(json_object_get(e, fields[f]));
                    hit = s && strcasecmp(s, base) == 0;
                }
            } else {
                hit = res_matches(e, base);
            }
            if (hit) {
                fill_res(e, out);
                return 0;
            }
        }
    }
    fprintf(stderr, "error: the server doesn't have a resource type \"%s\"\n", name);
    return 1;
}

int ctl__resolve_kind(ctl_t *c, const char *api_version, const char *kind, ctl_res_t *out)
{
    if (ctl__discover(c) != 0)
        return 1;
    if (!api_version || !kind)
        return ctl__error("error validating data: apiVersion or kind not set");
    const char *slash = strchr(api_version, '/');
    cleanup_free char *group =
        slash ? xstrndup(api_version, (size_t)(slash - api_version)) : xstrdup("");
    const char *version = slash ? slash + 1 : api_version;
    size_t i;
    json_t *e;
    json_array_foreach(c->resources, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "group")), group) == 0 &&
            strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0) {
            fill_res(e, out);
            /* The object's own version, even when discovery prefers another. */
            out->version = version;
            return 0;
        }
    }
    fprintf(stderr,
            "error: resource mapping not found for name: \"\" namespace: \"\" from \"\": no "
            "matches for kind \"%s\" in version \"%s\"\nensure CRDs are installed first\n",
            kind, api_version);
    return 1;
}

char *ctl__path(const ctl_res_t *r, const char *ns, const char *name)
{
    strbuf_t b = STRBUF_INIT;
    if (!*r->group) {
        strbuf_add(&b, "/api/");
        strbuf_add(&b, r->version);
    } else {
        strbuf_add(&b, "/apis/");
        strbuf_add(&b, r->group);
        strbuf_add(&b, "/");
        strbuf_add(&b, r->version);
    }
    if (r->namespaced && ns) {
        strbuf_add(&b, "/namespaces/");
        strbuf_add(&b, ns);
    }
    strbuf_add(&b, "/");
    strbuf_add(&b, r->resource);
    if (name) {
        strbuf_add(&b, "/");
        strbuf_add(&b, name);
    }
    return strbuf_take(&b);
}

char *ctl__display(const ctl_res_t *r)
{
    char *s = *r->group ? xasprintf("%s.%s", r->kind, r->group) : xstrdup(r->kind);
    for (char *p = s; *p && *p != '.'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

const api_kind_t *ctl__api_kind(const ctl_res_t *r)
{
    return api_kind_by_kind(r->group, r->version, r->kind);
}

/* ---- targets: "type name…", "type/name…" ---- */

static int res_index(ctl_t *c, const ctl_res_t *r)
{
    size_t i;
    json_t *e;
    json_array_foreach(c->resources, i, e) if (e == r->entry) return (int)i;
    return -1;
}

int ctl__targets(ctl_t *c, const char *const *args, size_t n, json_t **out)
{
    json_t *t = json_array();
    if (n > 0 && !strchr(args[0], '/')) {
        ctl_res_t r;
        if (ctl__resolve(c, args[0], &r) != 0) {
            json_decref(t);
            return 1;
        }
        int idx = res_index(c, &r);
        if (n == 1)
            json_array_append_new(t, json_pack("[i,n]", idx));
        for (size_t i = 1; i < n; i++) {
            if (strchr(args[i], '/')) {
                json_decref(t);
                return ctl__error("there is no need to specify a resource type as a separate "
                                  "argument when passing arguments in resource/name form (e.g. "
                                  "'c8s ctl get resource/<resource_name>' instead of 'c8s ctl "
                                  "get resource resource/<resource_name>'");
            }
            json_array_append_new(t, json_pack("[i,s]", idx, args[i]));
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const char *slash = strchr(args[i], '/');
            if (!slash) {
                json_decref(t);
                return ctl__error("arguments in resource/name form must have a single resource "
                                  "and name");
            }
            cleanup_free char *type = xstrndup(args[i], (size_t)(slash - args[i]));
            ctl_res_t r;
            if (ctl__resolve(c, type, &r) != 0) {
                json_decref(t);
                return 1;
            }
            json_array_append_new(t, json_pack("[i,s]", res_index(c, &r), slash + 1));
        }
    }
    *out = t;
    return 0;
}

int ctl__target_res(ctl_t *c, const json_t *t, ctl_res_t *r)
{
    const json_t *e =
        json_array_get(c->resources, (size_t)json_integer_value(json_array_get(t, 0)));
    if (!e)
        return 1;
    fill_res(e, r);
    return 0;
}

/* ---- manifests ---- */

static int add_docs(json_t *out, const char *buf, size_t len, const char *source)
{
    json_t *docs = NULL;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (yaml_docs_to_json(buf, len, &docs, &err) != 0) {
        fprintf(stderr, "error: error parsing %s: %s\n", source, err.msg);
        return 1;
    }
    size_t i;
    json_t *d;
    json_array_foreach(docs, i, d)
    {
        const char *kind = json_string_value(json_object_get(d, "kind"));
        if (kind && strlen(kind) > 4 && strcmp(kind + strlen(kind) - 4, "List") == 0 &&
            json_is_array(json_object_get(d, "items"))) {
            size_t j;
            json_t *it;
            json_array_foreach(json_object_get(d, "items"), j, it)
                json_array_append_new(out, json_pack("{s:O,s:s}", "object", it, "source", source));
            continue;
        }
        if (!json_is_object(d)) {
            json_decref(docs);
            fprintf(stderr, "error: error validating \"%s\": not an object\n", source);
            return 1;
        }
        json_array_append_new(out, json_pack("{s:O,s:s}", "object", d, "source", source));
    }
    json_decref(docs);
    return 0;
}

static int read_all(FILE *f, strbuf_t *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        strbuf_addn(b, chunk, n);
    return ferror(f) ? -1 : 0;
}

static bool manifest_name(const char *n)
{
    size_t l = strlen(n);
    return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
           (l > 4 && strcmp(n + l - 4, ".yml") == 0) || (l > 5 && strcmp(n + l - 5, ".json") == 0);
}

static int read_path(ctl_t *c, const char *path, json_t *out, bool top)
{
    if (strcmp(path, "-") == 0) {
        strbuf_t b = STRBUF_INIT;
        read_all(stdin, &b);
        int rc = add_docs(out, b.s ? b.s : "", b.len, "STDIN");
        strbuf_free(&b);
        return rc;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return ctl__error("the path \"%s\" does not exist", path);
    if (S_ISDIR(st.st_mode)) {
        if (!top && !c->o.recursive)
            return 0;
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        if (n < 0)
            return ctl__error("reading %s: %s", path, strerror(errno));
        int rc = 0;
        for (int i = 0; i < n; i++) {
            const char *nm = ents[i]->d_name;
            if (rc == 0 && nm[0] != '.') {
                cleanup_free char *p = xasprintf("%s/%s", path, nm);
                struct stat s2;
                if (stat(p, &s2) == 0 && (S_ISDIR(s2.st_mode) || manifest_name(nm)))
                    rc = read_path(c, p, out, false);
            }
            free(ents[i]);
        }
        free(ents);
        return rc;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return ctl__error("open %s: %s", path, strerror(errno));
    strbuf_t b = STRBUF_INIT;
    int bad = read_all(f, &b);
    fclose(f);
    int rc =
        bad ? ctl__error("reading %s failed", path) : add_docs(out, b.s ? b.s : "", b.len, path);
    strbuf_free(&b);
    return rc;
}

int ctl__read_manifests(ctl_t *c, json_t **out)
{
    if (c->o.n_files == 0)
        return ctl__error("must specify one of -f and -k");
    json_t *all = json_array();
    for (size_t i = 0; i < c->o.n_files; i++)
        if (read_path(c, c->o.files[i], all, true) != 0) {
            json_decref(all);
            return 1;
        }
    if (json_array_size(all) == 0) {
        json_decref(all);
        return ctl__error("no objects passed to %s", c->o.verb);
    }
    *out = all;
    return 0;
}

int ctl__object_ns(ctl_t *c, const json_t *obj, const char **ns)
{
    const char *own =
        json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
    if (own && *own && c->kc.namespace_explicit && strcmp(own, c->ns) != 0) {
        fprintf(stderr,
                "error: the namespace from the provided object \"%s\" does not match the "
                "namespace \"%s\". You must pass '--namespace=%s' to perform this operation.\n",
                own, c->ns, own);
        return 1;
    }
    *ns = own && *own ? own : c->ns;
    return 0;
}

/* ---- printing ---- */

json_t *ctl__sorted(const json_t *v)
{
    if (json_is_object(v)) {
        size_t n = json_object_size(v), i = 0;
        const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) keys[i++] = k;
        for (size_t a = 1; a < n; a++) /* insertion sort: objects are small */
            for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
                const char *t = keys[b];
                keys[b] = keys[b - 1];
                keys[b - 1] = t;
            }
        json_t *o = json_object();
        for (i = 0; i < n; i++)
            json_object_set_new(o, keys[i], ctl__sorted(json_object_get(v, keys[i])));
        free(keys);
        return o;
    }
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) json_array_append_new(a, ctl__sorted(x));
        return a;
    }
    return json_incref((json_t *)v);
}

int ctl__print_obj(const json_t *obj, const char *format)
{
    json_t *s = ctl__sorted(obj);
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        char *t = json_dumps(s, JSON_INDENT(4) | JSON_ENCODE_ANY);
        printf("%s\n", t);
        free(t);
    } else {
        char *t = NULL;
        size_t len = 0;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        if (json_to_yaml(s, &t, &len, &err) != 0) {
            rc = ctl__error("%s", err.msg);
        } else {
            fwrite(t, 1, len, stdout);
            free(t);
        }
    }
    json_decref(s);
    return rc;
}

/* ---- command line ---- */

typedef struct {
    const char *name;
    int (*run)(ctl_t *c);
    const char *help;
} verb_t;

static int cmd_completion(ctl_t *c);

static const verb_t verbs[] = {
    {"get", ctl__cmd_get, "Display one or many resources"},
    {"describe", ctl__cmd_describe, "Show details of a specific resource or group of resources"},
    {"create", ctl__cmd_create, "Create a resource from a file or from stdin"},
    {"apply", ctl__cmd_apply, "Apply a configuration to a resource by file name or stdin"},
    {"replace", ctl__cmd_replace, "Replace a resource by file name or stdin"},
    {"delete", ctl__cmd_delete, "Delete resources by file names, stdin, resources and names"},
    {"edit", ctl__cmd_edit, "Edit a resource on the server"},
    {"scale", ctl__cmd_scale, "Set a new size for a deployment, replica set, or stateful set"},
    {"label", ctl__cmd_label, "Update the labels on a resource"},
    {"annotate", ctl__cmd_annotate, "Update the annotations on a resource"},
    {"patch", ctl__cmd_patch, "Update fields of a resource"},
    {"cordon", ctl__cmd_cordon, "Mark node as unschedulable"},
    {"uncordon", ctl__cmd_uncordon, "Mark node as schedulable"},
    {"drain", ctl__cmd_drain, "Drain node in preparation for maintenance"},
    {"taint", ctl__cmd_taint, "Update the taints on one or more nodes"},
    {"rollout", ctl__cmd_rollout, "Manage the rollout of a deployment"},
    {"wait", ctl__cmd_wait, "Wait for a specific condition on one or many resources"},
    {"api-resources", ctl__cmd_api_resources, "Print the supported API resources on the server"},
    {"version", ctl__cmd_version, "Print the client and server version information"},
    {"top", ctl__cmd_top, "Display resource (CPU/memory) usage of pods or nodes"},
    {"logs", ctl__cmd_logs, "Print the logs for a container in a pod"},
    {"exec", ctl__cmd_exec, "Execute a command in a container"},
    {"attach", ctl__cmd_attach, "Attach to a running container"},
    {"port-forward", ctl__cmd_port_forward, "Forward one or more local ports to a pod"},
    {"token", ctl__cmd_token, "Bootstrap tokens for nodes joining: create, list, delete"},
    {"completion", cmd_completion, "Output shell completion code for bash"},
};

static int cmd_completion(ctl_t *c)
{
    if (c->o.n_args != 1 || strcmp(c->o.args[0], "bash") != 0)
        return ctl__error("only bash completion is supported: c8s ctl completion bash");
    printf("# bash completion for c8s ctl: source <(c8s ctl completion bash)\n"
           "_c8s_ctl() {\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} verbs=\"");
    for (size_t i = 0; i < C8S_ARRAY_SIZE(verbs); i++)
        printf("%s%s", i ? " " : "", verbs[i].name);
    printf("\"\n"
           "  local first=1; [ \"${COMP_WORDS[0]##*/}\" = c8s ] && first=2\n"
           "  if [ \"$COMP_CWORD\" -eq \"$first\" ]; then\n"
           "    COMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\")); return\n"
           "  fi\n"
           "  case \"${COMP_WORDS[$first]}\" in\n"
           "    get|describe|delete|edit|label|annotate|patch|scale)\n"
           "      if [ \"$COMP_CWORD\" -eq $((first + 1)) ]; then\n"
           "        COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[@]:0:first}\" api-resources "
           "-o name 2>/dev/null | cut -d. -f1)\" -- \"$cur\"))\n"
           "      else\n"
           "        COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[@]:0:first}\" get "
           "\"${COMP_WORDS[$((first + 1))]}\" -o name 2>/dev/null | cut -d/ -f2)\" -- "
           "\"$cur\"))\n"
           "      fi ;;\n"
           "    *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
           "  esac\n"
           "}\n"
           "complete -F _c8s_ctl c8sctl\n"
           "complete -F _c8s_ctl c8s\n");
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "c8s ctl controls a c8s (Kubernetes-compatible) cluster, as kubectl does.\n\n"
               "Usage: c8s ctl <command> [flags]\n\nCommands:\n");
    for (size_t i = 0; i < C8S_ARRAY_SIZE(verbs); i++)
        fprintf(f, "  %-14s %s\n", verbs[i].name, verbs[i].help);
    fprintf(f, "\nGlobal flags: --kubeconfig, --context, --cluster, --user, -n/--namespace, "
               "-s/--server, --token, --insecure-skip-tls-verify\n");
}

typedef enum { F_BOOL, F_STR, F_LONG, F_FILE } ftype_t;

typedef struct {
    const char *name;
    char short_;
    ftype_t type;
    size_t off;     /* into ctl_opts_t, or into kubeconfig_overrides_t when kc */
    size_t set_off; /* a bool set when given (0: none) */
    bool kc;
} flag_t;

#define O(f) offsetof(ctl_opts_t, f)
#define K(f) offsetof(kubeconfig_overrides_t, f)

static const flag_t flags[] = {
    {"kubeconfig", 0, F_STR, K(kubeconfig), 0, true},
    {"context", 0, F_STR, K(context), 0, true},
    {"cluster", 0, F_STR, K(cluster), 0, true},
    {"user", 0, F_STR, K(user), 0, true},
    {"namespace", 'n', F_STR, K(namespace_), 0, true},
    {"server", 's', F_STR, K(server), 0, true},
    {"token", 0, F_STR, K(token), 0, true},
    {"insecure-skip-tls-verify", 0, F_BOOL, K(insecure), 0, true},
    {"output", 'o', F_STR, O(output), 0, false},
    {"selector", 'l', F_STR, O(selector), 0, false},
    {"field-selector", 0, F_STR, O(field_selector), 0, false},
    {"all-namespaces", 'A', F_BOOL, O(all_ns), 0, false},
    {"watch", 'w', F_BOOL, O(watch), 0, false},
    {"watch-only", 0, F_BOOL, O(watch_only), 0, false},
    {"filename", 'f', F_FILE, 0, 0, false},
    {"recursive", 'R', F_BOOL, O(recursive), 0, false},
    {"all", 0, F_BOOL, O(all), 0, false},
    {"overwrite", 0, F_BOOL, O(overwrite), 0, false},
    {"server-side", 0, F_BOOL, O(server_side), 0, false},
    {"force-conflicts", 0, F_BOOL, O(force_conflicts), 0, false},
    {"field-manager", 0, F_STR, O(field_manager), 0, false},
    {"cascade", 0, F_STR, O(cascade), 0, false},
    {"grace-period", 0, F_LONG, O(grace), O(grace_set), false},
    {"replicas", 0, F_LONG, O(replicas), O(replicas_set), false},
    {"type", 0, F_STR, O(patch_type), 0, false},
    {"patch", 'p', F_STR, O(patch), 0, false},
    {"ignore-not-found", 0, F_BOOL, O(ignore_not_found), 0, false},
    {"ignore-daemonsets", 0, F_BOOL, O(ignore_daemonsets), 0, false},
    {"delete-emptydir-data", 0, F_BOOL, O(delete_emptydir), 0, false},
    {"force", 0, F_BOOL, O(force), 0, false},
    {"show-labels", 0, F_BOOL, O(show_labels), 0, false},
    {"show-managed-fields", 0, F_BOOL, O(show_managed_fields), 0, false},
    {"no-headers", 0, F_BOOL, O(no_headers), 0, false},
    {"timeout", 0, F_LONG, O(timeout_s), O(timeout_set), false},
    {"for", 0, F_STR, O(wait_for), 0, false},
    {"to-revision", 0, F_LONG, O(to_revision), 0, false},
    {"container", 'c', F_STR, O(container), 0, false},
    {"follow", 0, F_BOOL, O(follow), 0, false},
    {"stdin", 0, F_BOOL, O(stdin_), 0, false},
    {"tty", 0, F_BOOL, O(tty), 0, false},
    {"previous", 0, F_BOOL, O(previous), 0, false},
    {"tail", 0, F_LONG, O(tail), O(tail_set), false},
    {"sort-by", 0, F_STR, O(sort_by), 0, false},
    {"containers", 0, F_BOOL, O(containers), 0, false},
    {"validate", 0, F_BOOL, 0, 0, false}, /* accepted, as kubectl's; the server validates */
    {"save-config", 0, F_BOOL, 0, 0, false},
    {"wait", 0, F_BOOL, O(wait_set), 0, false},
    {"ttl", 0, F_STR, O(ttl), 0, false},
    {"description", 0, F_STR, O(description), 0, false},
    {"groups", 0, F_STR, O(groups), 0, false},
    {"usages", 0, F_STR, O(usages), 0, false},
    {"print-join-command", 0, F_BOOL, O(print_join), 0, false},
};

static const flag_t *find_flag(const char *name, size_t len, char short_)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(flags); i++) {
        if (short_ ? flags[i].short_ == short_
                   : strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
            return &flags[i];
    }
    return NULL;
}

/* Parses a duration like "30s", "2m" or a bare number of seconds (--timeout). */
static bool parse_long(const flag_t *f, const char *v, long *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v)
        return false;
    if (f->off == O(timeout_s) && *end) {
        if (strcmp(end, "s") == 0)
            ;
        else if (strcmp(end, "m") == 0)
            n *= 60;
        else if (strcmp(end, "h") == 0)
            n *= 3600;
        else
            return false;
    } else if (*end) {
        return false;
    }
    *out = n;
    return true;
}

/* The flag a shorthand names for this verb: kubectl's logs -f is --follow (elsewhere -f is
 * --filename); exec's and attach's -i and -t are --stdin and --tty. */
static const flag_t *short_flag(const ctl_opts_t *o, char c)
{
    bool logs = o->verb && strcmp(o->verb, "logs") == 0;
    bool exec = o->verb && (strcmp(o->verb, "exec") == 0 || strcmp(o->verb, "attach") == 0);
    if (logs && c == 'f')
        return find_flag("follow", 6, 0);
    if (exec && c == 'i')
        return find_flag("stdin", 5, 0);
    if (exec && c == 't')
        return find_flag("tty", 3, 0);
    return find_flag(NULL, 0, c);
}

static int set_flag(const flag_t *f, const char *value, ctl_opts_t *o, kubeconfig_overrides_t *kc,
                    const char *spelled)
{
    char *base = f->kc ? (char *)kc : (char *)o;
    switch (f->type) {
    case F_BOOL:
        if (strcmp(f->name, "validate") == 0 || strcmp(f->name, "save-config") == 0)
            return 0;
        *(bool *)(base + f->off) = !value || strcmp(value, "true") == 0;
        if (value && strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            return ctl__error("invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: "
                              "parsing \"%s\": invalid syntax",
                              value, spelled, value);
        }
        return 0;
    case F_STR:
        if (strcmp(f->name, "validate") == 0)
            return 0;
        *(const char **)(base + f->off) = value;
        return 0;
    case F_LONG: {
        long n;
        if (!parse_long(f, value, &n))
            return ctl__error("invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: "
                              "parsing \"%s\": invalid syntax",
                              value, spelled, value);
        *(long *)(base + f->off) = n;
        if (f->set_off)
            *(bool *)(base + f->set_off) = true;
        return 0;
    }
    case F_FILE:
        o->files = xrealloc(o->files, (o->n_files + 1) * sizeof(*o->files));
        o->files[o->n_files++] = value;
        return 0;
    }
    return 0;
}

static int parse_args(int argc, char **argv, ctl_opts_t *o, kubeconfig_overrides_t *kc)
{
    o->args = xcalloc((size_t)argc + 1, sizeof(*o->args));
    o->grace = -1;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
            if (!o->verb)
                o->verb = a;
            else
                o->args[o->n_args++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            o->dash_at = o->n_args; /* exec: the command follows */
            o->dash = true;
            continue;
        }
        const flag_t *f;
        const char *value = NULL;
        cleanup_free char *spelled = NULL;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            f = find_flag(a + 2, len, 0);
            spelled = xstrndup(a, eq ? (size_t)(eq - a) : strlen(a));
            if (!f) {
                fprintf(stderr, "error: unknown flag: %s\n", spelled);
                fprintf(stderr, "See 'c8s ctl %s--help' for usage.\n", o->verb ? o->verb : "");
                return 1;
            }
            if (eq)
                value = eq + 1;
        } else {
            /* Shorthands combine as pflag's do: -it is -i -t (booleans), the last one may take
             * the rest as its value (-n=x, -nx). */
            for (const char *sh = a + 1;; sh++) {
                f = short_flag(o, *sh);
                free(spelled);
                spelled = xasprintf("-%c", *sh);
                if (!f) {
                    fprintf(stderr, "error: unknown shorthand flag: '%c' in %s\n", *sh, a);
                    return 1;
                }
                if (f->type == F_BOOL && sh[1] && sh[1] != '=') {
                    if (set_flag(f, NULL, o, kc, spelled) != 0)
                        return 1;
                    continue;
                }
                if (sh[1])
                    value = sh[1] == '=' ? sh + 2 : sh + 1;
                break;
            }
        }
        if (f->type != F_BOOL && !value) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: flag needs an argument: %s\n", spelled);
                return 1;
            }
            value = argv[++i];
        }
        if (set_flag(f, value, o, kc, spelled) != 0)
            return 1;
    }
    return 0;
}

static void on_client_closed(void *data)
{
    *(bool *)data = true;
}

int ctl_main(int argc, char **argv)
{
    ctl_t c;
    memset(&c, 0, sizeof(c));
    kubeconfig_overrides_t ov;
    memset(&ov, 0, sizeof(ov));
    int rc = parse_args(argc, argv, &c.o, &ov);
    if (rc != 0) {
        free(c.o.args);
        free(c.o.files);
        return rc;
    }
    if (!c.o.verb || strcmp(c.o.verb, "help") == 0 ||
        (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))) {
        usage(c.o.verb ? stdout : stderr);
        free(c.o.args);
        free(c.o.files);
        return c.o.verb ? 0 : 1;
    }
    const verb_t *v = NULL;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(verbs); i++)
        if (strcmp(verbs[i].name, c.o.verb) == 0)
            v = &verbs[i];
    if (!v) {
        fprintf(stderr, "error: unknown command \"%s\" for \"c8s ctl\"\n", c.o.verb);
        free(c.o.args);
        free(c.o.files);
        return 1;
    }
    if (v->run == cmd_completion) {
        rc = v->run(&c);
        free(c.o.args);
        free(c.o.files);
        return rc;
    }
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    if (kubeconfig_load(&ov, &c.kc, &err) != 0) {
        free(c.o.args);
        free(c.o.files);
        return ctl__error("%s", err.msg);
    }
    c.ns = c.kc.namespace_;
    uv_loop_init(&c.loop);
    client_http_config_t hc = {
        .server = c.kc.server,
        .ca_file = c.kc.ca_file,
        .ca_data = c.kc.ca_data,
        .ca_data_len = c.kc.ca_data_len,
        .cert_file = c.kc.cert_file,
        .cert_data = c.kc.cert_data,
        .cert_data_len = c.kc.cert_data_len,
        .key_file = c.kc.key_file,
        .key_data = c.kc.key_data,
        .key_data_len = c.kc.key_data_len,
        .token = c.kc.token,
        .insecure = c.kc.insecure,
    };
    c.client = client_new_http(&c.loop, &hc, &err);
    if (!c.client) {
        rc = ctl__error("%s", err.msg);
    } else {
        rc = v->run(&c);
        bool closed = false;
        client_close(c.client, on_client_closed, &closed);
        while (!closed)
            uv_run(&c.loop, UV_RUN_ONCE);
    }
    uv_run(&c.loop, UV_RUN_DEFAULT);
    uv_loop_close(&c.loop);
    json_decref(c.resources);
    kubeconfig_clear(&c.kc);
    free(c.o.args);
    free(c.o.files);
    fflush(stdout);
    return rc;
}
