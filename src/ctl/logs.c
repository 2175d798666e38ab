/*
 * logs.c — `c8s ctl logs POD [-c CONTAINER] [-f] [--previous] [--tail N]`: GET pods/{name}/log
 * as kubectl does. Without -c, the container is picked as kubectl picks it (the
 * default-container annotation, else the first container, with kubectl's "Defaulted
 * container" note when the pod has several). -f streams until the container ends.
 */
#include "ctl_int.h"

#include <string.h>

int ctl__pod_target(ctl_t *c, const char *arg, char **path, json_t **pod)
{
    const char *name = arg;
    if (strncmp(name, "pod/", 4) == 0)
        name += 4;
    else if (strncmp(name, "pods/", 5) == 0)
        name += 5;
    strbuf_t b = STRBUF_INIT;
    strbuf_addf(&b, "/api/v1/namespaces/%s/pods/", c->ns);
    strbuf_add_escaped(&b, name, NULL);
    *path = strbuf_take(&b);
    return ctl__get_json(c, *path, pod) != 0 ? -1 : 0;
}

int ctl__container_request(ctl_t *c, const char *arg, const char *sub, strbuf_t *out)
{
    cleanup_free char *pod_path = NULL;
    cleanup_json json_t *pod = NULL;
    if (ctl__pod_target(c, arg, &pod_path, &pod) != 0)
        return -1;
    const char *ctr = c->o.container ? c->o.container : ctl__default_container(pod);
    strbuf_addf(out, "%s/%s?container=", pod_path, sub);
    strbuf_add_escaped(out, ctr ? ctr : "", NULL);
    return 0;
}

const char *ctl__default_container(const json_t *pod)
{
    const char *ann = json_string_value(
        json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                        "kubectl.kubernetes.io/default-container"));
    if (ann && *ann)
        return ann;
    const json_t *ctrs = json_object_get(json_object_get(pod, "spec"), "containers");
    const char *first = json_string_value(json_object_get(json_array_get(ctrs, 0), "name"));
    if (first && json_array_size(ctrs) > 1) {
        strbuf_t all = STRBUF_INIT;
        size_t i;
        json_t *ct;
        json_array_foreach(ctrs, i, ct)
        {
            strbuf_sep(&all, ", ", json_string_value(json_object_get(ct, "name")));
        }
        fprintf(stderr, "Defaulted container \"%s\" out of: %s\n", first, all.s);
        strbuf_free(&all);
    }
    return first;
}

typedef struct {
    bool ended, failed;
} follow_t;

static void on_line(client_watch_t *w, const char *line, size_t len, void *data)
{
    follow_t *f = data;
    /* An error comes as a Status object instead of log lines. */
    if (len > 0 && line[0] == '{') {
        json_t *st = json_loadb(line, len, 0, NULL);
        const char *kind = json_string_value(json_object_get(st, "kind"));
        if (kind && strcmp(kind, "Status") == 0 &&
            json_string_value(json_object_get(st, "message"))) {
            fprintf(stderr, "Error from server (%s): %s\n",
                    json_string_value(json_object_get(st, "reason")) ?: "Unknown",
                    json_string_value(json_object_get(st, "message")));
            f->failed = true;
            json_decref(st);
            client_watch_stop(w);
            return;
        }
        json_decref(st);
    }
    fwrite(line, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

static void on_end(client_watch_t *w, void *data)
{
    ((follow_t *)data)->ended = true;
}

int ctl__cmd_logs(ctl_t *c)
{
    if (c->o.n_args != 1)
        return ctl__error("expected exactly one pod name: logs POD [-c CONTAINER]");
    strbuf_t b = STRBUF_INIT;
    if (ctl__container_request(c, c->o.args[0], "log", &b) != 0) {
        strbuf_free(&b);
        return 1;
    }
    if (c->o.follow)
        strbuf_add(&b, "&follow=true");
    if (c->o.previous)
        strbuf_add(&b, "&previous=true");
    if (c->o.tail_set && c->o.tail >= 0)
        strbuf_addf(&b, "&tailLines=%ld", c->o.tail);
    cleanup_free char *path = strbuf_take(&b);
    if (c->o.follow) {
        follow_t f = {0};
        client_set_accept(c->client, "*/*");
        client_watch(c->client, path, on_line, on_end, &f);
        while (!f.ended)
            uv_run(&c->loop, UV_RUN_ONCE);
        return f.failed ? 1 : 0;
    }
    ctl_resp_t r;
    ctl__do(c, "GET", path, NULL, NULL, "*/*", &r);
    if (!ctl__ok(&r)) {
        int rc = ctl__fail(&r, NULL);
        ctl__resp_clear(&r);
        return rc;
    }
    fwrite(r.body, 1, r.len, stdout);
    ctl__resp_clear(&r);
    return 0;
}
