/*
 * apply.c — the verbs that send manifests or remove objects: create -f, apply -f (client-side,
 * with the last-applied annotation and a three-way merge, or --server-side), replace -f,
 * delete (-f, names, -l, --all) and edit ($EDITOR on the YAML, then an update).
 */
#include "ctl_int.h"

#include "c8s/yaml.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
    ctl_res_t r;
    const json_t *obj;
    const char *source;
    const char *ns;
    const char *name;
} item_t;

static int prepare(ctl_t *c, const json_t *entry, item_t *it, bool need_name)
{
    it->obj = json_object_get(entry, "object");
    it->source = json_string_value(json_object_get(entry, "source"));
    if (ctl__resolve_kind(c, json_string_value(json_object_get(it->obj, "apiVersion")),
                          json_string_value(json_object_get(it->obj, "kind")), &it->r) != 0)
        return 1;
    if (ctl__object_ns(c, it->obj, &it->ns) != 0)
        return 1;
    it->name = json_string_value(json_object_get(json_object_get(it->obj, "metadata"), "name"));
    if (need_name && (!it->name || !*it->name))
        return ctl__error("error when retrieving current configuration of \"%s\": resource name "
                          "may not be empty",
                          it->source);
    return 0;
}

static void print_done(const ctl_res_t *r, const json_t *obj, const char *fallback_name,
                       const char *verb)
{
    cleanup_free char *d = ctl__display(r);
    const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
    printf("%s/%s %s\n", d, name ? name : fallback_name ? fallback_name : "", verb);
}

static char *dumps(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

int ctl__cmd_create(ctl_t *c)
{
    json_t *items = NULL;
    if (ctl__read_manifests(c, &items) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        item_t it;
        if (prepare(c, e, &it, false) != 0) {
            rc = 1;
            continue;
        }
        cleanup_free char *path = ctl__path(&it.r, it.ns, NULL);
        cleanup_free char *body = dumps(it.obj);
        ctl_resp_t resp;
        ctl__do(c, "POST", path, "application/json", body, NULL, &resp);
        if (!ctl__ok(&resp)) {
            cleanup_free char *ctx = xasprintf("error when creating \"%s\"", it.source);
            rc = ctl__fail(&resp, ctx);
        } else {
            print_done(&it.r, resp.json, it.name, "created");
        }
        ctl__resp_clear(&resp);
    }
    json_decref(items);
    return rc;
}

int ctl__cmd_replace(ctl_t *c)
{
    json_t *items = NULL;
    if (ctl__read_manifests(c, &items) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        item_t it;
        if (prepare(c, e, &it, true) != 0) {
            rc = 1;
            continue;
        }
        cleanup_free char *path = ctl__path(&it.r, it.ns, it.name);
        cleanup_free char *body = dumps(it.obj);
        ctl_resp_t resp;
        ctl__do(c, "PUT", path, "application/json", body, NULL, &resp);
        if (!ctl__ok(&resp)) {
            cleanup_free char *ctx = xasprintf("error when replacing \"%s\"", it.source);
            rc = ctl__fail(&resp, ctx);
        } else {
            print_done(&it.r, resp.json, it.name, "replaced");
        }
        ctl__resp_clear(&resp);
    }
    json_decref(items);
    return rc;
}

/* The manifest with the last-applied annotation set to the manifest itself (without it), as
 * kubectl stores it, byte for byte: the namespace filled in, an emptied annotations map kept,
 * compact JSON, keys sorted, a newline at the end (so kubectl and c8s ctl can take turns
 * applying without spurious changes). New reference. */
static json_t *with_last_applied(const json_t *obj, const char *ns)
{
    json_t *bare = json_deep_copy(obj);
    json_t *bmeta = json_object_get(bare, "metadata");
    if (!json_is_object(bmeta)) {
        bmeta = json_object();
        json_object_set_new(bare, "metadata", bmeta);
    }
    if (ns && !json_object_get(bmeta, "namespace"))
        json_object_set_new(bmeta, "namespace", json_string(ns));
    json_t *ann = json_object_get(bmeta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(bmeta, "annotations", ann);
    }
    json_object_del(ann, CTL_LAST_APPLIED);
    json_t *sorted = ctl__sorted(bare);
    char *s = json_dumps(sorted, JSON_COMPACT | JSON_SORT_KEYS);
    cleanup_free char *value = xasprintf("%s\n", s);
    free(s);
    json_decref(sorted);
    json_object_set_new(ann, CTL_LAST_APPLIED, json_string(value));
    return bare;
}

/* What kubectl prints after an apply's conflicts, word for word (users and scripts know it). */
#define CONFLICT_ADVICE                                                                            \
    "Please review the fields above--they currently have other managers. Here\n"                   \
    "are the ways you can resolve this warning:\n"                                                 \
    "* If you intend to manage all of these fields, please re-run the apply\n"                     \
    "  command with the `--force-conflicts` flag.\n"                                               \
    "* If you do not intend to manage all of the fields, please edit your\n"                       \
    "  manifest to remove references to the fields that should keep their\n"                       \
    "  current managers.\n"                                                                        \
    "* You may co-own fields by updating your manifest to match the existing\n"                    \
    "  value; in this case, you'll become the manager if the other manager(s)\n"                   \
    "  stop managing the field (remove it from their configuration).\n"                            \
    "See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"

/* Whether a 409 is server-side apply's conflict with other managers (not a lost race). */
static bool is_apply_conflict(const json_t *st)
{
    size_t i;
    json_t *cause;
    json_array_foreach(json_object_get(json_object_get(st, "details"), "causes"), i, cause)
    {
        const char *r = json_string_value(json_object_get(cause, "reason"));
        if (r && strcmp(r, "FieldManagerConflict") == 0)
            return true;
    }
    return false;
}

static int apply_server_side(ctl_t *c, item_t *it)
{
    const char *mgr = c->o.field_manager ? c->o.field_manager : "kubectl";
    cleanup_free char *base = ctl__path(&it->r, it->ns, it->name);
    cleanup_free char *path =
        xasprintf("%s?fieldManager=%s%s", base, mgr, c->o.force_conflicts ? "&force=true" : "");
    cleanup_free char *body = dumps(it->obj);
    ctl_resp_t resp;
    ctl__do(c, "PATCH", path, "application/apply-patch+yaml", body, NULL, &resp);
    int rc = 0;
    if (resp.status == 409 && is_apply_conflict(resp.json))
        rc = ctl__error("%s\n%s", json_string_value(json_object_get(resp.json, "message")),
                        CONFLICT_ADVICE);
    else if (!ctl__ok(&resp))
        rc = ctl__fail(&resp, NULL);
    else
        print_done(&it->r, resp.json, it->name, "serverside-applied");
    ctl__resp_clear(&resp);
    return rc;
}

static int apply_one(ctl_t *c, item_t *it)
{
    if (c->o.server_side)
        return apply_server_side(c, it);
    cleanup_free char *path = ctl__path(&it->r, it->ns, it->name);
    json_t *modified = with_last_applied(it->obj, it->r.namespaced ? it->ns : NULL);
    ctl_resp_t cur;
    ctl__do(c, "GET", path, NULL, NULL, NULL, &cur);
    int rc = 0;
    if (cur.status == 404) {
        cleanup_free char *coll = ctl__path(&it->r, it->ns, NULL);
        cleanup_free char *body = dumps(modified);
        ctl_resp_t resp;
        ctl__do(c, "POST", coll, "application/json", body, NULL, &resp);
        if (!ctl__ok(&resp)) {
            cleanup_free char *ctx = xasprintf("error when creating \"%s\"", it->source);
            rc = ctl__fail(&resp, ctx);
        } else {
            print_done(&it->r, resp.json, it->name, "created");
        }
        ctl__resp_clear(&resp);
    } else if (!ctl__ok(&cur) || !cur.json) {
        cleanup_free char *ctx =
            xasprintf("error when retrieving current configuration of:\nResource: \"%s\", Name: "
                      "\"%s\", Namespace: \"%s\"\nfrom server for: \"%s\"",
                      it->r.resource, it->name, it->r.namespaced ? it->ns : "", it->source);
        rc = ctl__fail(&cur, ctx);
    } else {
        const char *last = json_string_value(
            json_object_get(json_object_get(json_object_get(cur.json, "metadata"), "annotations"),
                            CTL_LAST_APPLIED));
        json_t *original = last ? json_loads(last, 0, NULL) : NULL;
        if (!last) {
            fprintf(stderr,
                    "Warning: resource %s/%s is missing the %s annotation which is required by "
                    "c8s ctl apply. c8s ctl apply should only be used on resources created "
                    "declaratively by either c8s ctl create --save-config or c8s ctl apply. The "
                    "missing annotation will be patched automatically.\n",
                    it->r.resource, it->name, CTL_LAST_APPLIED);
        }
        const api_kind_t *k = ctl__api_kind(&it->r);
        json_t *patch = NULL;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        if (ctl_threeway_patch(k, original, modified, cur.json, &patch, &err) != 0) {
            rc = ctl__error("%s", err.msg);
        } else if (json_object_size(patch) == 0) {
            print_done(&it->r, cur.json, it->name, "unchanged");
        } else {
            cleanup_free char *body = dumps(patch);
            ctl_resp_t resp;
            ctl__do(c, "PATCH", path,
                    k ? "application/strategic-merge-patch+json" : "application/merge-patch+json",
                    body, NULL, &resp);
            if (!ctl__ok(&resp)) {
                cleanup_free char *ctx =
                    xasprintf("error when applying patch to \"%s\"", it->source);
                rc = ctl__fail(&resp, ctx);
            } else {
                print_done(&it->r, resp.json, it->name, "configured");
            }
            ctl__resp_clear(&resp);
        }
        json_decref(patch);
        json_decref(original);
    }
    ctl__resp_clear(&cur);
    json_decref(modified);
    return rc;
}

int ctl__cmd_apply(ctl_t *c)
{
    json_t *items = NULL;
    if (ctl__read_manifests(c, &items) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        item_t it;
        if (prepare(c, e, &it, true) != 0 || apply_one(c, &it) != 0)
            rc = 1;
    }
    json_decref(items);
    return rc;
}

/* ---- delete ---- */

static char *delete_options(ctl_t *c, int *rc)
{
    const char *policy = "Background";
    const char *cs = c->o.cascade;
    if (cs) {
        if (strcmp(cs, "background") == 0 || strcmp(cs, "true") == 0)
            policy = "Background";
        else if (strcmp(cs, "foreground") == 0)
            policy = "Foreground";
        else if (strcmp(cs, "orphan") == 0 || strcmp(cs, "false") == 0)
            policy = "Orphan";
        else {
            *rc = ctl__error("invalid cascade value (%s). Must be \"background\", "
                             "\"foreground\", or \"orphan\"",
                             cs);
            return NULL;
        }
    }
    json_t *o = json_pack("{s:s,s:s,s:s}", "kind", "DeleteOptions", "apiVersion", "v1",
                          "propagationPolicy", policy);
    long grace = c->o.grace_set ? c->o.grace : -1;
    if (c->o.force && grace < 0)
        grace = 0;
    if (grace >= 0)
        json_object_set_new(o, "gracePeriodSeconds", json_integer(grace));
    char *s = dumps(o);
    json_decref(o);
    return s;
}

static int delete_one(ctl_t *c, const ctl_res_t *r, const char *ns, const char *name,
                      const char *opts, const char *source)
{
    cleanup_free char *path = ctl__path(r, ns, name);
    ctl_resp_t resp;
    ctl__do(c, "DELETE", path, "application/json", opts, NULL, &resp);
    int rc = 0;
    if (!ctl__ok(&resp)) {
        if (!(resp.status == 404 && c->o.ignore_not_found)) {
            cleanup_free char *ctx =
                source ? xasprintf("error when deleting \"%s\"", source) : NULL;
            rc = ctl__fail(&resp, ctx);
        }
    } else {
        cleanup_free char *d = ctl__display(r);
        if (c->o.output && strcmp(c->o.output, "name") == 0)
            printf("%s/%s\n", d, name);
        else
            printf("%s \"%s\" deleted\n", d, name);
    }
    ctl__resp_clear(&resp);
    return rc;
}

int ctl__cmd_delete(ctl_t *c)
{
    int rc = 0;
    cleanup_free char *opts = delete_options(c, &rc);
    if (!opts)
        return rc;
    if (c->o.n_files > 0) {
        json_t *items = NULL;
        if (ctl__read_manifests(c, &items) != 0)
            return 1;
        size_t i;
        json_t *e;
        json_array_foreach(items, i, e)
        {
            item_t it;
            if (prepare(c, e, &it, true) != 0 ||
                delete_one(c, &it.r, it.ns, it.name, opts, it.source) != 0)
                rc = 1;
        }
        json_decref(items);
        return rc;
    }
    if (c->o.n_args == 0) {
        fprintf(stderr, "error: You must provide one or more resources by argument or "
                        "filename.\nExample resource specifications include:\n   "
                        "'-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   "
                        "'<resource>'\n");
        return 1;
    }
    json_t *targets = NULL;
    if (ctl__targets(c, c->o.args, c->o.n_args, &targets) != 0)
        return 1;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        if (name) {
            if (delete_one(c, &r, c->ns, name, opts, NULL) != 0)
                rc = 1;
            continue;
        }
        if (!c->o.selector && !c->o.all && !c->o.field_selector) {
            rc = ctl__error("resource(s) were provided, but no name was specified");
            break;
        }
        /* -l / --all: list, then delete each, as kubectl does (and prints each). */
        const char *lns = c->o.all_ns ? NULL : c->ns;
        cleanup_free char *base = ctl__path(&r, lns, NULL);
        strbuf_t q = STRBUF_INIT;
        strbuf_add(&q, base);
        if (c->o.selector) {
            strbuf_add(&q, "?labelSelector=");
            for (const char *p = c->o.selector; *p; p++) {
                if (*p == '=' || *p == ',' || *p == '!' || *p == ' ' || *p == '(' || *p == ')') {
                    char e3[4];
                    snprintf(e3, sizeof(e3), "%%%02X", (unsigned char)*p);
                    strbuf_add(&q, e3);
                } else {
                    strbuf_addn(&q, p, 1);
                }
            }
        }
        cleanup_free char *lpath = strbuf_take(&q);
        json_t *list = NULL;
        if (ctl__get_json(c, lpath, &list) != 0) {
            rc = 1;
            continue;
        }
        size_t j;
        json_t *o;
        bool any = false;
        json_array_foreach(json_object_get(list, "items"), j, o)
        {
            const json_t *m = json_object_get(o, "metadata");
            const char *ons = json_string_value(json_object_get(m, "namespace"));
            if (delete_one(c, &r, ons ? ons : c->ns, json_string_value(json_object_get(m, "name")),
                           opts, NULL) != 0)
                rc = 1;
            any = true;
        }
        if (!any)
            fprintf(stderr, "No resources found\n");
        json_decref(list);
    }
    json_decref(targets);
    return rc;
}

/* ---- edit ---- */

static int run_editor(const char *file)
{
    const char *ed = getenv("KUBE_EDITOR");
    if (!ed || !*ed)
        ed = getenv("EDITOR");
    if (!ed || !*ed)
        ed = "vi";
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* The editor may be "code --wait": let the shell split it, the file is "$1". */
        cleanup_free char *cmd = xasprintf("%s \"$1\"", ed);
        execl("/bin/sh", "sh", "-c", cmd, "sh", file, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int ctl__cmd_edit(ctl_t *c)
{
    if (c->o.n_args == 0)
        return ctl__error("must provide one or more resources");
    json_t *targets = NULL;
    if (ctl__targets(c, c->o.args, c->o.n_args, &targets) != 0)
        return 1;
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        if (!name) {
            rc = ctl__error("edit needs a name: c8s ctl edit TYPE NAME");
            break;
        }
        cleanup_free char *path = ctl__path(&r, c->ns, name);
        json_t *obj = NULL;
        if (ctl__get_json(c, path, &obj) != 0) {
            rc = 1;
            continue;
        }
        json_t *sorted = ctl__sorted(obj);
        char *yaml = NULL;
        size_t ylen = 0;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        char tmpl[] = "/tmp/c8s-edit-XXXXXX.yaml";
        int fd = json_to_yaml(sorted, &yaml, &ylen, &err) == 0 ? mkstemps(tmpl, 5) : -1;
        if (fd < 0) {
            rc = ctl__error("cannot prepare the file to edit");
        } else {
            const char *hdr = "# Please edit the object below. Lines beginning with a '#' will "
                              "be ignored,\n# and an empty file will abort the edit.\n#\n";
            bool wrote = write(fd, hdr, strlen(hdr)) == (ssize_t)strlen(hdr) &&
                         write(fd, yaml, ylen) == (ssize_t)ylen;
            close(fd);
            strbuf_t b = STRBUF_INIT;
            FILE *f = NULL;
            if (!wrote || run_editor(tmpl) != 0 || !(f = fopen(tmpl, "r"))) {
                rc = ctl__error("the edit failed (editor or temporary file)");
            } else {
                char chunk[8192];
                size_t n;
                while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                    strbuf_addn(&b, chunk, n);
                fclose(f);
                json_t *edited = NULL;
                if (yaml_to_json(b.s ? b.s : "", b.len, &edited, &err) != 0) {
                    rc = ctl__error("%s", err.msg);
                } else if (json_is_null(edited)) {
                    fprintf(stderr, "Edit cancelled, saved file was empty.\n");
                } else if (json_equal(edited, obj)) {
                    fprintf(stderr, "Edit cancelled, no changes made.\n");
                } else {
                    cleanup_free char *body = dumps(edited);
                    ctl_resp_t resp;
                    ctl__do(c, "PUT", path, "application/json", body, NULL, &resp);
                    if (!ctl__ok(&resp))
                        rc = ctl__fail(&resp, NULL);
                    else
                        print_done(&r, resp.json, name, "edited");
                    ctl__resp_clear(&resp);
                }
                json_decref(edited);
            }
            strbuf_free(&b);
            unlink(tmpl);
        }
        free(yaml);
        json_decref(sorted);
        json_decref(obj);
    }
    json_decref(targets);
    return rc;
}
