/*
 * status.c — a pod's status from what the pod worker knows of its sandbox and containers, as
 * upstream's kubelet reports it (pure).
 */
#include "c8s/kubelet.h"
#include "c8s/crilog.h"
#include "c8s/ocispec.h"
#include "c8s/strbuf.h"

#include <string.h>

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static const json_t *last_terminated(const kubelet_ctr_t *c)
{
    return json_object_get(c->last_state, "terminated");
}

/* An init container that no longer holds the pod back: exited 0, or a sidecar that has started
 * (it may be restarting since: the pod stays initialized, as upstream's). */
static bool init_complete(const kubelet_ctr_t *c)
{
    if (c->restartable)
        return c->started || last_terminated(c) != NULL;
    return is(c->state, "terminated") && c->exit_code == 0;
}

const char *kubelet_pod_phase(const json_t *pod, const kubelet_ctr_t *init, size_t n_init,
                              const kubelet_ctr_t *app, size_t n_app)
{
    const char *policy =
        json_string_value(json_object_get(json_object_get(pod, "spec"), "restartPolicy"));
    if (!policy)
        policy = "Always";
    for (size_t i = 0; i < n_init; i++) {
        const kubelet_ctr_t *c = &init[i];
        if (init_complete(c))
            continue;
        if (c->restartable)
            return "Pending"; /* a sidecar never fails the pod: it is restarted */
        bool failed = is(c->state, "terminated") ||
                      (last_terminated(c) &&
                       json_integer_value(json_object_get(last_terminated(c), "exitCode")) != 0);
        return failed && is(policy, "Never") ? "Failed" : "Pending";
    }
    size_t running = 0, waiting = 0, stopped = 0, succeeded = 0;
    for (size_t i = 0; i < n_app; i++) {
        const kubelet_ctr_t *c = &app[i];
        if (is(c->state, "running")) {
            running++;
        } else if (is(c->state, "terminated")) {
            stopped++;
            succeeded += c->exit_code == 0;
        } else if (last_terminated(c)) {
            /* Waiting to run again (back-off): it has run, so it counts as stopped. */
            stopped++;
            succeeded += json_integer_value(json_object_get(last_terminated(c), "exitCode")) == 0;
        } else {
            waiting++;
        }
    }
    if (waiting > 0 || n_app == 0)
        return "Pending";
    if (running > 0)
        return "Running";
    if (is(policy, "Always"))
        return "Running";
    if (stopped == succeeded)
        return "Succeeded";
    return is(policy, "Never") ? "Failed" : "Running";
}

static const char *old_transition(const json_t *old_status, const char *type, const char *status)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(old_status, "conditions"), i, c)
    {
        if (is(json_string_value(json_object_get(c, "type")), type) &&
            is(json_string_value(json_object_get(c, "status")), status))
            return json_string_value(json_object_get(c, "lastTransitionTime"));
    }
    return NULL;
}

static void add_condition(json_t *list, const json_t *old_status, const char *type, bool ok,
                          const char *reason, const char *message, const char *now)
{
    const char *st = ok ? "True" : "False";
    const char *lt = old_transition(old_status, type, st);
    json_t *c = json_pack("{s:s, s:s, s:n, s:s}", "type", type, "status", st, "lastProbeTime",
                          "lastTransitionTime", lt ? lt : now);
    if (!ok && reason)
        json_object_set_new(c, "reason", json_string(reason));
    if (!ok && message)
        json_object_set_new(c, "message", json_string(message));
    json_array_append_new(list, c);
}

static json_t *state_of(const kubelet_ctr_t *c)
{
    if (is(c->state, "running"))
        return json_pack("{s:{s:s}}", "running", "startedAt", c->started_at ? c->started_at : "");
    if (is(c->state, "terminated")) {
        json_t *t = json_pack("{s:i, s:s}", "exitCode", c->exit_code, "reason",
                              c->reason ? c->reason : (c->exit_code ? "Error" : "Completed"));
        if (c->signal)
            json_object_set_new(t, "signal", json_integer(c->signal));
        if (c->message)
            json_object_set_new(t, "message", json_string(c->message));
        if (c->started_at)
            json_object_set_new(t, "startedAt", json_string(c->started_at));
        if (c->finished_at)
            json_object_set_new(t, "finishedAt", json_string(c->finished_at));
        if (c->container_id)
            json_object_set_new(t, "containerID", json_string(c->container_id));
        return json_pack("{s:o}", "terminated", t);
    }
    json_t *w = json_pack("{s:s}", "reason", c->reason ? c->reason : "ContainerCreating");
    if (c->message)
        json_object_set_new(w, "message", json_string(c->message));
    return json_pack("{s:o}", "waiting", w);
}

static json_t *statuses(const kubelet_ctr_t *cs, size_t n)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        const kubelet_ctr_t *c = &cs[i];
        json_t *s = json_pack(
            "{s:s, s:o, s:o, s:b, s:i, s:s, s:s, s:b}", "name", c->name, "state", state_of(c),
            "lastState", c->last_state ? json_deep_copy(c->last_state) : json_object(), "ready",
            c->ready, "restartCount", c->restart_count, "image", c->image ? c->image : "",
            "imageID", c->image_id ? c->image_id : "", "started", c->started);
        if (c->container_id)
            json_object_set_new(s, "containerID", json_string(c->container_id));
        json_array_append_new(out, s);
    }
    return out;
}

/* "containers with incomplete status: [a b]" */
static char *names_message(const char *what, const kubelet_ctr_t *cs, size_t n,
                           bool (*bad)(const kubelet_ctr_t *))
{
    strbuf_t b = STRBUF_INIT;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!bad(&cs[i]))
            continue;
        strbuf_add(&b, count++ ? " " : "");
        strbuf_add(&b, cs[i].name);
    }
    if (!count) {
        strbuf_free(&b);
        return NULL;
    }
    cleanup_free char *list = strbuf_take(&b);
    return xasprintf("containers with %s status: [%s]", what, list);
}

static bool init_incomplete(const kubelet_ctr_t *c)
{
    return !init_complete(c);
}

static bool unready(const kubelet_ctr_t *c)
{
    return !c->ready;
}

json_t *kubelet_pod_status(const json_t *pod, const json_t *old_status, bool sandbox_ready,
                           const kubelet_ctr_t *init, size_t n_init, const kubelet_ctr_t *app,
                           size_t n_app, const char *host_ip, const char *pod_ip, const char *now)
{
    const char *phase = kubelet_pod_phase(pod, init, n_init, app, n_app);
    json_t *conds = json_array();
    add_condition(conds, old_status, "PodReadyToStartContainers", sandbox_ready, NULL, NULL, now);
    cleanup_free char *incomplete = names_message("incomplete", init, n_init, init_incomplete);
    add_condition(conds, old_status, "Initialized", !incomplete, "ContainersNotInitialized",
                  incomplete, now);
    /* Readiness counts the sidecars too, before the app's containers, as upstream. */
    kubelet_ctr_t *all = xcalloc(n_init + n_app + 1, sizeof(*all));
    size_t n_all = 0;
    for (size_t i = 0; i < n_init; i++)
        if (init[i].restartable)
            all[n_all++] = init[i];
    for (size_t i = 0; i < n_app; i++)
        all[n_all++] = app[i];
    cleanup_free char *notready = names_message("unready", all, n_all, unready);
    free(all);
    bool done = is(phase, "Succeeded") || is(phase, "Failed");
    const char *reason = done ? "PodCompleted" : "ContainersNotReady";
    bool ready = !notready && n_app > 0 && !done;
    add_condition(conds, old_status, "ContainersReady", ready, reason, done ? NULL : notready, now);
    add_condition(conds, old_status, "Ready", ready, reason, done ? NULL : notready, now);
    add_condition(conds, old_status, "PodScheduled", true, NULL, NULL, now);

    const char *start = json_string_value(json_object_get(old_status, "startTime"));
    json_t *st =
        json_pack("{s:s, s:o, s:s, s:s}", "phase", phase, "conditions", conds, "startTime",
                  start ? start : now, "qosClass", ocispec_qos_name(ocispec_qos_class(pod)));
    if (n_init)
        json_object_set_new(st, "initContainerStatuses", statuses(init, n_init));
    json_object_set_new(st, "containerStatuses", statuses(app, n_app));
    if (host_ip) {
        json_object_set_new(st, "hostIP", json_string(host_ip));
        json_object_set_new(st, "hostIPs", json_pack("[{s:s}]", "ip", host_ip));
    }
    if (pod_ip) {
        json_object_set_new(st, "podIP", json_string(pod_ip));
        json_object_set_new(st, "podIPs", json_pack("[{s:s}]", "ip", pod_ip));
    }
    return st;
}

/* Upstream's limits: the file's last 4 KiB; from the log, the last 80 lines' last 2 KiB. */
#define TERM_FILE_MAX  4096
#define TERM_LOG_LINES 80
#define TERM_LOG_MAX   2048

char *kubelet_termination_message(const char *file, size_t file_len, const char *log,
                                  size_t log_len, bool fallback_to_logs, int exit_code)
{
    if (file && file_len > 0) {
        size_t from = file_len > TERM_FILE_MAX ? file_len - TERM_FILE_MAX : 0;
        return xstrndup(file + from, file_len - from);
    }
    if (!fallback_to_logs || exit_code == 0 || !log || log_len == 0)
        return NULL;
    strbuf_t out = STRBUF_INIT;
    crilog_opts_t o = {.tail_lines = -1};
    bool at_start = true;
    size_t off = crilog_tail_offset(log, log_len, TERM_LOG_LINES);
    while (off < log_len) {
        const char *nl = memchr(log + off, '\n', log_len - off);
        size_t end = nl ? (size_t)(nl - log) + 1 : log_len;
        (void)crilog_format(log + off, end - off, &o, &at_start, &out);
        off = end;
    }
    if (out.len == 0) {
        strbuf_free(&out);
        return NULL;
    }
    size_t from = out.len > TERM_LOG_MAX ? out.len - TERM_LOG_MAX : 0;
    char *msg = xstrndup(out.s + from, out.len - from);
    strbuf_free(&out);
    return msg;
}
