/*
 * hooks.c — containers' lifecycle handlers (postStart, preStop: exec, httpGet, sleep), the
 * bounded `runc exec` that exec probes share with them, and the kubelet's events about pods.
 *
 * An exec runs under timeout(1): SIGTERM to `runc exec` is forwarded by runc to the process it
 * started in the container, so a hung hook or probe is ended in the container too, and a
 * process that ignores SIGTERM loses its runc 2 s later.
 */
#include "kubelet_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char **kexec_argv(const kubelet_t *k, const char *ctr_id, const json_t *cmd,
                        uint64_t timeout_ms, char *tbuf, size_t tlen)
{
    size_t n = json_array_size(cmd);
    const char **argv = xcalloc(n + 12, sizeof(char *));
    size_t a = 0;
    if (timeout_ms > 0) {
        snprintf(tbuf, tlen, "%llu.%03u", (unsigned long long)(timeout_ms / 1000),
                 (unsigned)(timeout_ms % 1000));
        argv[a++] = "timeout";
        argv[a++] = "-k";
        argv[a++] = "2";
        argv[a++] = tbuf;
    }
    argv[a++] = "runc";
    if (k->runc_root) {
        argv[a++] = "--root";
        argv[a++] = k->runc_root;
    }
    argv[a++] = "exec";
    argv[a++] = ctr_id;
    for (size_t j = 0; j < n; j++)
        argv[a++] = json_string_value(json_array_get(cmd, j)) ?: "";
    return argv;
}

/* ---- events ---- */

static void on_event_sent(const client_resp_t *r, void *data)
{
    (void)data;
    if (r->status && r->status != 201 && r->status != 200)
        log_debug("kubelet", "event: %d", r->status);
}

void kubelet_event(kubelet_t *k, const json_t *pod, const char *field, const char *type,
                   const char *reason, const char *fmt, ...)
{
    if (k->stopping)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const json_t *md = json_object_get(pod, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = json_string_value(json_object_get(md, "name"));
    if (!ns || !name)
        return;
    json_t *ev = json_pack(
        "{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:s, s:s}, "
        "s:s, s:s}",
        "apiVersion", "v1", "kind", "Event", "metadata", "namespace", ns, "involvedObject", "kind",
        "Pod", "namespace", ns, "name", name, "uid",
        json_string_value(json_object_get(md, "uid")) ?: "", "apiVersion", "v1", "resourceVersion",
        json_string_value(json_object_get(md, "resourceVersion")) ?: "", "reason", reason,
        "message", msg, "type", type, "source", "component", "kubelet", "host", k->node_name,
        "reportingComponent", "kubelet", "reportingInstance", k->node_name);
    if (!ev)
        return;
    if (field)
        json_object_set_new(json_object_get(ev, "involvedObject"), "fieldPath", json_string(field));
    client_event_post(k->client, ev, on_event_sent, NULL);
    json_decref(ev);
}

void kubelet_node_event(kubelet_t *k, const char *reason, const char *message)
{
    if (k->stopping)
        return;
    /* As upstream's kubelet: the Node referred to with its name as uid, the Event in default. */
    json_t *ev = json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:{s:s, s:s}, "
                           "s:s, s:s}",
                           "apiVersion", "v1", "kind", "Event", "metadata", "namespace", "default",
                           "involvedObject", "kind", "Node", "name", k->node_name, "uid",
                           k->node_name, "reason", reason, "message", message, "type", "Normal",
                           "source", "component", "kubelet", "host", k->node_name,
                           "reportingComponent", "kubelet", "reportingInstance", k->node_name);
    if (!ev)
        return;
    client_event_post(k->client, ev, on_event_sent, NULL);
    json_decref(ev);
}

/* ---- lifecycle handlers ---- */

typedef struct {
    uv_timer_t timer; /* sleep handlers */
    khook_cb cb;
    void *data;
    char *what; /* "Exec lifecycle hook ([cmd])" / "HTTP lifecycle hook (path)", for messages */
    char *who;  /* "for Container "c" in Pod "name_ns(uid)"" */
} hook_t;

static void hook_free(hook_t *h)
{
    free(h->what);
    free(h->who);
    free(h);
}

static void on_exec_done(const proc_result_t *r, void *data)
{
    hook_t *h = data;
    if (r->status == 0) {
        h->cb(true, NULL, h->data);
    } else {
        const char *out = r->out_len ? r->out : r->err ? r->err : "";
        cleanup_free char *msg =
            r->status == 124 ? xasprintf("%s %s failed - error: command timed out, message: \"\"",
                                         h->what, h->who)
                             : xasprintf("%s %s failed - error: command exited with %d, message: "
                                         "\"%.400s\"",
                                         h->what, h->who, r->status, out);
        h->cb(false, msg, h->data);
    }
    hook_free(h);
}

static void on_http_done(probe_result_t r, const char *msg, void *data)
{
    hook_t *h = data;
    if (r == PROBE_SUCCESS) {
        h->cb(true, NULL, h->data);
    } else {
        cleanup_free char *m =
            xasprintf("%s %s failed - error: %s", h->what, h->who, msg ? msg : "failed");
        h->cb(false, m, h->data);
    }
    hook_free(h);
}

static void on_sleep_closed(uv_handle_t *t)
{
    hook_free(t->data);
}

static void on_slept(uv_timer_t *t)
{
    hook_t *h = t->data;
    h->cb(true, NULL, h->data);
    uv_close((uv_handle_t *)&h->timer, on_sleep_closed);
}

int khook_run(kubelet_t *k, const json_t *pod, const char *ctr_id, const json_t *handler,
              const json_t *container, const char *pod_ip, uint64_t timeout_ms, khook_cb cb,
              void *data, c8s_err_t *err)
{
    const json_t *ex = json_object_get(handler, "exec");
    const json_t *http = json_object_get(handler, "httpGet");
    const json_t *slp = json_object_get(handler, "sleep");
    const json_t *md = json_object_get(pod, "metadata");
    hook_t *h = xcalloc(1, sizeof(*h));
    h->cb = cb;
    h->data = data;
    h->who = xasprintf("for Container \"%s\" in Pod \"%s_%s(%s)\"",
                       json_string_value(json_object_get(container, "name")) ?: "",
                       json_string_value(json_object_get(md, "name")) ?: "",
                       json_string_value(json_object_get(md, "namespace")) ?: "",
                       json_string_value(json_object_get(md, "uid")) ?: "");
    if (ex) {
        const json_t *cmd = json_object_get(ex, "command");
        if (json_array_size(cmd) == 0) {
            hook_free(h);
            return c8s_err_set(err, C8S_EINVALID, "exec hook without a command");
        }
        cleanup_free char *cs = json_dumps(cmd, JSON_COMPACT | JSON_ENCODE_ANY);
        h->what = xasprintf("Exec lifecycle hook (%s)", cs ? cs : "");
        char tbuf[32];
        const char **argv = kexec_argv(k, ctr_id, cmd, timeout_ms, tbuf, sizeof(tbuf));
        proc_run(&k->loop, argv, NULL, NULL, 0, on_exec_done, h);
        free(argv);
        return 0;
    }
    if (http) {
        h->what = xasprintf("HTTP lifecycle hook (%s)",
                            json_string_value(json_object_get(http, "path")) ?: "/");
        /* The probe runner does the request: a hook is a probe with one try and its own
         * timeout (upstream bounds it by the grace period for preStop only; postStart gets
         * upstream's client timeout of 10 s here when none is given). */
        probe_spec_t spec = {.kind = PROBE_LIVENESS,
                             .handler = PROBE_HANDLER_HTTP,
                             .timeout_ms = timeout_ms ? timeout_ms : 10000,
                             .success_threshold = 1,
                             .failure_threshold = 1,
                             .grace_s = -1};
        cleanup_json json_t *probe = json_pack("{s:O}", "httpGet", http);
        if (probe_net_run(&k->loop, probe, &spec, container, pod_ip, on_http_done, h, err) != 0) {
            hook_free(h);
            return err->code;
        }
        return 0;
    }
    if (slp) {
        json_int_t s = json_integer_value(json_object_get(slp, "seconds"));
        uint64_t ms = s > 0 ? (uint64_t)s * 1000 : 0;
        if (timeout_ms && ms > timeout_ms)
            ms = timeout_ms;
        h->what = xstrdup("Sleep lifecycle hook");
        uv_timer_init(&k->loop, &h->timer);
        h->timer.data = h;
        uv_timer_start(&h->timer, on_slept, ms, 0);
        return 0;
    }
    hook_free(h);
    return c8s_err_set(err, C8S_EINVALID, "lifecycle handler without exec, httpGet or sleep");
}
