/*
 * wait.c — `c8s ctl wait`: kubectl wait's --for=condition=NAME[=VALUE], --for=jsonpath={...}
 * [=VALUE], --for=delete and --for=create over names, type/name, -l or --all, with --timeout
 * (30 s by default, 0 checks once, negative waits a week), "<type>/<name> condition met" on
 * stdout per object and kubectl's timeout error. Unlike kubectl it says, on stderr, what it is
 * still waiting for whenever that changes, so a long wait is not a silent one.
 */
#include "c8s/ctl.h"
#include "ctl_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef enum { W_CONDITION, W_JSONPATH, W_DELETE, W_CREATE } wait_kind_t;

typedef struct {
    wait_kind_t kind;
    char *name;  /* condition type, or the jsonpath template */
    char *value; /* wanted value; NULL for "the path exists" */
} wait_for_t;

static void wait_for_free(wait_for_t *w)
{
    free(w->name);
    free(w->value);
}

/* jsonpath={.a.b}=v: the template ends at the brace that closes the first one. */
static int parse_jsonpath(const char *s, wait_for_t *w)
{
    const char *p = s;
    if (*p == '\'')
        p++;
    if (*p != '{')
        return ctl__error("jsonpath expression must be enclosed in braces: %s", s);
    int depth = 0;
    const char *q = p;
    for (; *q; q++) {
        if (*q == '{')
            depth++;
        else if (*q == '}' && --depth == 0)
            break;
    }
    if (!*q)
        return ctl__error("unclosed jsonpath expression: %s", s);
    w->name = xstrndup(p, (size_t)(q - p + 1));
    q++;
    if (*q == '\'')
        q++;
    if (*q == '=')
        w->value = xstrdup(q + 1);
    else if (*q)
        return ctl__error(
            "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3");
    return 0;
}

static int parse_for(const char *s, wait_for_t *w)
{
    memset(w, 0, sizeof(*w));
    if (!s || !*s)
        return ctl__error("--for must be set");
    if (strcasecmp(s, "delete") == 0) {
        w->kind = W_DELETE;
        return 0;
    }
    if (strcasecmp(s, "create") == 0) {
        w->kind = W_CREATE;
        return 0;
    }
    if (strncasecmp(s, "condition=", 10) == 0) {
        w->kind = W_CONDITION;
        const char *c = s + 10, *eq = strchr(c, '=');
        w->name = eq ? xstrndup(c, (size_t)(eq - c)) : xstrdup(c);
        w->value = xstrdup(eq ? eq + 1 : "true");
        if (!*w->name)
            return ctl__error("unrecognized condition: \"%s\"", s);
        return 0;
    }
    if (strncasecmp(s, "jsonpath=", 9) == 0) {
        w->kind = W_JSONPATH;
        return parse_jsonpath(s + 9, w);
    }
    return ctl__error("unrecognized condition: \"%s\"", s);
}

/* Whether obj meets w; *seen (owned) says what was observed, for the progress line. */
static bool meets(const wait_for_t *w, const json_t *obj, char **seen)
{
    *seen = NULL;
    if (w->kind == W_CREATE) {
        *seen = xstrdup("exists");
        return true;
    }
    if (w->kind == W_CONDITION) {
        const json_t *status = json_object_get(obj, "status");
        size_t i;
        json_t *cond;
        json_array_foreach(json_object_get(status, "conditions"), i, cond)
        {
            const char *t = json_string_value(json_object_get(cond, "type"));
            const char *v = json_string_value(json_object_get(cond, "status"));
            if (!t || !v || strcasecmp(t, w->name) != 0)
                continue;
            /* As kubectl: a condition older than the spec it describes does not count. */
            json_t *og = json_object_get(cond, "observedGeneration");
            json_t *gen = json_object_get(json_object_get(obj, "metadata"), "generation");
            if (json_is_integer(og) && json_is_integer(gen) &&
                json_integer_value(og) < json_integer_value(gen)) {
                *seen = xasprintf("%s=%s (not observed yet)", t, v);
                return false;
            }
            *seen = xasprintf("%s=%s", t, v);
            return strcasecmp(v, w->value) == 0;
        }
        *seen = xasprintf("no %s condition", w->name);
        return false;
    }
    char *out = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (ctl_jsonpath(w->name, obj, &out, &err) != 0) {
        *seen = xasprintf("%s not found", w->name);
        c8s_err_clear(&err);
        return false;
    }
    bool ok = w->value ? strcmp(out, w->value) == 0 : *out != '\0';
    *seen = xasprintf("%s=%s", w->name, out);
    free(out);
    return ok;
}

/* One object's state: 1 met, 0 not yet, -1 failed (printed). */
static int check(ctl_t *c, const wait_for_t *w, const ctl_res_t *r, const char *name, char **seen)
{
    cleanup_free char *path = ctl__path(r, c->ns, name);
    ctl_resp_t resp = {0};
    ctl__do(c, "GET", path, NULL, NULL, NULL, &resp);
    int rc;
    if (resp.status == 404) {
        *seen = xstrdup("not found");
        rc = w->kind == W_DELETE ? 1 : 0;
        /* kubectl fails at once when what it should watch for a condition is not there. */
        if (w->kind == W_CONDITION || w->kind == W_JSONPATH)
            rc = -ctl__fail(&resp, NULL);
    } else if (!ctl__ok(&resp) || !resp.json) {
        rc = -ctl__fail(&resp, NULL);
        *seen = NULL;
    } else if (w->kind == W_DELETE) {
        *seen = xstrdup("exists");
        rc = 0;
    } else {
        rc = meets(w, resp.json, seen) ? 1 : 0;
    }
    ctl__resp_clear(&resp);
    return rc;
}

static uint64_t deadline_of(const ctl_t *c)
{
    if (!c->o.timeout_set)
        return c8s_now_ms() + 30000;
    if (c->o.timeout_s < 0)
        return c8s_now_ms() + 7ULL * 24 * 3600 * 1000;
    return c8s_now_ms() + (uint64_t)c->o.timeout_s * 1000;
}

int ctl__cmd_wait(ctl_t *c)
{
    if (c->o.n_args == 0)
        return ctl__error("You must provide one or more resources by argument or filename.");
    wait_for_t w;
    if (parse_for(c->o.wait_for, &w) != 0) {
        wait_for_free(&w);
        return 1;
    }
    json_t *targets = NULL;
    if (ctl__expand_targets(c, c->o.args, c->o.n_args, &targets) != 0) {
        wait_for_free(&w);
        return 1;
    }
    if (json_array_size(targets) == 0) {
        /* Nothing to delete is deletion done, as kubectl sees it. */
        bool done = w.kind == W_DELETE;
        json_decref(targets);
        wait_for_free(&w);
        return done ? 0 : ctl__error("no matching resources found");
    }
    uint64_t deadline = deadline_of(c);
    int rc = 0;
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        ctl_res_t r;
        ctl__target_res(c, t, &r);
        const char *name = json_string_value(json_array_get(t, 1));
        cleanup_free char *shown = ctl__display(&r);
        cleanup_free char *last = NULL;
        for (bool first = true;; first = false) {
            char *seen = NULL;
            int st = check(c, &w, &r, name, &seen);
            if (st < 0) {
                free(seen);
                rc = 1;
                break;
            }
            if (st > 0) {
                /* kubectl says nothing of an object that was gone before it looked. */
                if (!(first && w.kind == W_DELETE))
                    printf("%s/%s condition met\n", shown, name);
                fflush(stdout);
                free(seen);
                break;
            }
            if (seen && (!last || strcmp(last, seen) != 0)) {
                fprintf(stderr, "waiting for %s/%s: %s\n", shown, name, seen);
                free(last);
                last = seen;
            } else {
                free(seen);
            }
            if (c8s_now_ms() >= deadline) {
                rc = ctl__error("timed out waiting for the condition on %s/%s", r.resource, name);
                break;
            }
            ctl__sleep_ms(c, 250);
        }
        if (rc != 0)
            break;
    }
    json_decref(targets);
    wait_for_free(&w);
    return rc;
}
