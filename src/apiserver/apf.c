/*
 * apf.c — API Priority and Fairness on the server's loop: every request is classified by the
 * built-in flow schemas (apf_core.c) and waits for a seat of its priority level in a fair queue,
 * in place of the old max-in-flight limits. The server's concurrency limit
 * (--max-requests-inflight + --max-mutating-requests-inflight, as upstream) is split among the
 * levels by their nominal shares; borrowing between levels and seat-width estimation (a LIST
 * costing several seats) are left out.
 *
 * Watches and the other long-running requests (logs, exec, proxy: podproxy.c) take no seat
 * (upstream holds one only while the watch is being initialized; ours
 * initialize synchronously on the loop, so the seat would be released before anything else ran).
 * In-process calls (the server's own roles) are exempt.
 */
#include "internal.h"
#include "c8s/apf.h"

#include <limits.h>
#include <string.h>

#define MAX_PL 16
#define MAX_FS 16

enum { REJ_QUEUE_FULL, REJ_TIMEOUT, REJ_CONCURRENCY, REJ_N };
static const char *const rej_reason[REJ_N] = {"queue-full", "time-out", "concurrency-limit"};

static const double wait_buckets[] = {0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30};
#define NWB C8S_ARRAY_SIZE(wait_buckets)

typedef struct {
    int inqueue, executing;
    uint64_t dispatched, rejected[REJ_N];
    uint64_t wait_counts[NWB];
    uint64_t wait_n;
    double wait_sum;
} fs_stats_t;

typedef struct apf_s {
    apiserver_t *srv;
    apf_qset_t *qs[MAX_PL]; /* NULL for exempt levels */
    int limits[MAX_PL];
    fs_stats_t fs[MAX_FS];
    uint64_t pl_dispatched[MAX_PL], pl_rejected[MAX_PL], pl_timedout[MAX_PL];
    uv_timer_t timeout_timer; /* ticks while anything waits */
    uv_timer_t pump_timer;    /* dispatches freed seats on the next loop turn */
    double queue_wait_s;      /* upstream: --request-timeout / 4 */
    bool closed;
} apf_t;

typedef struct apf_req_s {
    apf_item_t item;
    api_req_t *r;
    size_t pl, fs;
    char *dist;
    void (*then)(api_req_t *r);
    bool seat;    /* holds a seat of qs[pl] */
    bool exempt;  /* runs without a seat (exempt level, or a watch) */
    bool watch;   /* long-running: not counted as executing */
    bool waiting; /* in a queue */
} apf_req_t;

static double now_s(void)
{
    return (double)c8s_now_ns() / 1e9;
}

static void on_timeout_tick(uv_timer_t *t);
static void on_pump(uv_timer_t *t);

int apiserver__apf_init(apiserver_t *s, c8s_err_t *err)
{
    (void)err;
    apf_t *a = xcalloc(1, sizeof(*a));
    a->srv = s;
    a->queue_wait_s = (s->cfg.request_timeout_s > 0 ? s->cfg.request_timeout_s : 60) / 4.0;
    int mr = s->cfg.max_requests_inflight, mm = s->cfg.max_mutating_requests_inflight;
    /* A negative limit means unlimited (as before): then no level ever waits. */
    int total = (mr < 0 || mm < 0) ? -1 : mr + mm;
    int limits[MAX_PL];
    apf_concurrency_limits(total > 0 ? total : 1, limits);
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        const apf_pl_t *p = &apf_priority_levels[i];
        if (p->exempt)
            continue;
        a->limits[i] = total > 0 ? limits[i] : INT_MAX;
        a->qs[i] = apf_qset_new(a->limits[i], p->reject ? 0 : p->queues, p->hand_size,
                                p->queue_length_limit);
    }
    uv_timer_init(&s->loop, &a->timeout_timer);
    a->timeout_timer.data = a;
    uv_timer_init(&s->loop, &a->pump_timer);
    a->pump_timer.data = a;
    s->apf = a;
    return 0;
}

static void answer_429(api_req_t *r, const char *why)
{
    /* apiserver__respond adds Retry-After to every 429, as upstream's APF filter does. */
    r->verb = r->verb ? r->verb : r->method;
    apiserver__respond_code(r, C8S_ETOOMANY, "%s", why);
}

static void observe_wait(apf_t *a, apf_req_t *q, double waited)
{
    fs_stats_t *st = &a->fs[q->fs];
    for (size_t b = 0; b < NWB; b++)
        if (waited <= wait_buckets[b])
            st->wait_counts[b]++;
    st->wait_n++;
    st->wait_sum += waited;
}

static void run(apf_t *a, apf_req_t *q)
{
    if (!q->watch)
        a->fs[q->fs].executing++;
    a->fs[q->fs].dispatched++;
    a->pl_dispatched[q->pl]++;
    q->then(q->r);
}

static void arm_timeout(apf_t *a)
{
    if (!uv_is_active((uv_handle_t *)&a->timeout_timer) && !a->closed)
        uv_timer_start(&a->timeout_timer, on_timeout_tick, 100, 100);
}

void apiserver__apf_admit(api_req_t *r, void (*then)(api_req_t *r))
{
    apf_t *a = r->srv->apf;
    apiserver_reqinfo_t ri;
    apiserver__reqinfo(r, &ri);
    const apf_fs_t *fs;
    const apf_pl_t *pl;
    const auth_user_t *u = apiserver__req_user(r);
    apf_req_t *q = xcalloc(1, sizeof(*q));
    q->r = r;
    q->then = then;
    q->item.data = q;
    if (r->call) {
        /* The server's own roles: upstream's loopback client is system:masters, hence exempt. */
        fs = &apf_flow_schemas[0];
        pl = apf_pl_lookup(fs->pl);
        q->dist = xstrdup("");
    } else {
        q->dist = apf_classify(u, &ri.attrs, &fs, &pl);
    }
    bool watch = apiserver__long_running_attrs(&ri.attrs);
    apiserver__reqinfo_free(&ri);
    q->fs = (size_t)(fs - apf_flow_schemas);
    q->pl = (size_t)(pl - apf_priority_levels);
    r->apf = q;
    apiserver__add_header(r, "X-Kubernetes-PF-FlowSchema-UID", fs->uid);
    apiserver__add_header(r, "X-Kubernetes-PF-PriorityLevel-UID", pl->uid);

    apf_qset_t *qs = a->qs[q->pl];
    if (!qs || watch) {
        q->exempt = true;
        q->watch = watch;
        observe_wait(a, q, 0);
        run(a, q);
        return;
    }
    if (a->closed) {
        /* Stopping: nothing would dispatch it any more. */
        apiserver__respond_code(r, C8S_EUNAVAILABLE, "the server is shutting down");
        return;
    }
    double now = now_s();
    switch (apf_qset_offer(qs, &q->item, apf_flow_hash(fs->name, q->dist), now)) {
    case APF_DISPATCHED:
        q->seat = true;
        observe_wait(a, q, 0);
        run(a, q);
        return;
    case APF_QUEUED:
        q->waiting = true;
        a->fs[q->fs].inqueue++;
        arm_timeout(a);
        return;
    case APF_REJECTED:
    default:
        a->fs[q->fs].rejected[pl->reject ? REJ_CONCURRENCY : REJ_QUEUE_FULL]++;
        a->pl_rejected[q->pl]++;
        answer_429(r, "Too many requests, please try again later.");
        return;
    }
}

/* Runs what the freed seats admit, outside whatever answer freed them. */
static void pump(apf_t *a)
{
    double now = now_s();
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        if (!a->qs[i])
            continue;
        apf_item_t *it;
        while ((it = apf_qset_next(a->qs[i], now))) {
            apf_req_t *q = it->data;
            q->waiting = false;
            q->seat = true;
            a->fs[q->fs].inqueue--;
            observe_wait(a, q, now - it->enqueued_at);
            run(a, q);
        }
    }
}

static void on_pump(uv_timer_t *t)
{
    pump(t->data);
}

static bool any_waiting(apf_t *a)
{
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++)
        if (a->qs[i] && apf_qset_waiting(a->qs[i]) > 0)
            return true;
    return false;
}

static void on_timeout_tick(uv_timer_t *t)
{
    apf_t *a = t->data;
    double now = now_s();
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        if (!a->qs[i])
            continue;
        apf_item_t *it;
        while ((it = apf_qset_expired(a->qs[i], now - a->queue_wait_s))) {
            apf_req_t *q = it->data;
            apf_qset_remove(a->qs[i], it);
            q->waiting = false;
            a->fs[q->fs].inqueue--;
            a->fs[q->fs].rejected[REJ_TIMEOUT]++;
            a->pl_timedout[i]++;
            a->pl_rejected[i]++;
            observe_wait(a, q, now - it->enqueued_at);
            answer_429(q->r, "The request has been rejected because it waited in its queue too "
                             "long; please try again later.");
        }
    }
    if (!any_waiting(a))
        uv_timer_stop(t);
}

void apiserver__apf_release(api_req_t *r)
{
    apf_req_t *q = r->apf;
    if (!q)
        return;
    apf_t *a = r->srv->apf;
    r->apf = NULL;
    if (q->waiting) {
        /* Freed while queued (the server is stopping). */
        apf_qset_remove(a->qs[q->pl], &q->item);
        a->fs[q->fs].inqueue--;
    } else if (q->seat || q->exempt) {
        if (!q->watch)
            a->fs[q->fs].executing--;
        if (q->seat) {
            apf_qset_done(a->qs[q->pl], &q->item, now_s());
            if (apf_qset_waiting(a->qs[q->pl]) > 0 && !a->closed)
                uv_timer_start(&a->pump_timer, on_pump, 0, 0);
        }
    }
    free(q->dist);
    free(q);
}

void apiserver__apf_close(apiserver_t *s)
{
    apf_t *a = s->apf;
    if (!a)
        return;
    a->closed = true;
    uv_close((uv_handle_t *)&a->timeout_timer, NULL);
    uv_close((uv_handle_t *)&a->pump_timer, NULL);
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        if (!a->qs[i])
            continue;
        apf_item_t *it;
        while ((it = apf_qset_expired(a->qs[i], 1e300))) {
            apf_req_t *q = it->data;
            apf_qset_remove(a->qs[i], it);
            q->waiting = false;
            a->fs[q->fs].inqueue--;
            apiserver__respond_code(q->r, C8S_EUNAVAILABLE, "the server is shutting down");
        }
    }
}

void apiserver__apf_free(apiserver_t *s)
{
    apf_t *a = s->apf;
    if (!a)
        return;
    for (size_t i = 0; i < MAX_PL; i++)
        apf_qset_free(a->qs[i]);
    free(a);
    s->apf = NULL;
}

/* ---- debug endpoints (upstream's CSV-like dumps) ---- */

static void dump_priority_levels(apf_t *a, strbuf_t *b)
{
    strbuf_add(b, "PriorityLevelName, ActiveQueues, IsIdle, IsQuiescing, WaitingRequests, "
                  "ExecutingRequests, DispatchedRequests, RejectedRequests, TimedoutRequests, "
                  "CancelledRequests\n");
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        const apf_pl_t *p = &apf_priority_levels[i];
        int active = 0, waiting = 0, executing = 0;
        if (a->qs[i]) {
            for (int k = 0; k < apf_qset_n_queues(a->qs[i]); k++) {
                int w, e;
                double v;
                apf_qset_queue_info(a->qs[i], k, &w, &e, &v);
                active += (w || e);
            }
            waiting = apf_qset_waiting(a->qs[i]);
            executing = apf_qset_executing(a->qs[i]);
        } else {
            for (size_t f = 0; f < apf_n_flow_schemas && f < MAX_FS; f++)
                if (strcmp(apf_flow_schemas[f].pl, p->name) == 0)
                    executing += a->fs[f].executing;
        }
        strbuf_addf(b, "%-16s, %2d, %-5s, %-5s, %d, %d, %llu, %llu, %llu, 0\n", p->name, active,
                    waiting + executing == 0 ? "true" : "false", "false", waiting, executing,
                    (unsigned long long)a->pl_dispatched[i], (unsigned long long)a->pl_rejected[i],
                    (unsigned long long)a->pl_timedout[i]);
    }
}

static void dump_queues(apf_t *a, strbuf_t *b)
{
    strbuf_add(b, "PriorityLevelName, Index, PendingRequests, ExecutingRequests, SeatsInUse, "
                  "NextDispatchR, InitialSeatsSum, MaxSeatsSum, TotalWorkSum\n");
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        if (!a->qs[i])
            continue;
        for (int k = 0; k < apf_qset_n_queues(a->qs[i]); k++) {
            int w, e;
            double v;
            apf_qset_queue_info(a->qs[i], k, &w, &e, &v);
            strbuf_addf(b, "%-16s, %3d, %d, %d, %d, %.8fss, %d, %d, %.8fss\n",
                        apf_priority_levels[i].name, k, w, e, e, v, w, w, (double)w);
        }
    }
}

static void dump_requests(apf_t *a, strbuf_t *b, bool details)
{
    strbuf_add(b, "PriorityLevelName, FlowSchemaName, QueueIndex, RequestIndexInQueue, "
                  "FlowDistingsher, ArriveTime, InitialSeats, FinalSeats, AdditionalLatency, "
                  "StartTime");
    strbuf_add(b, details ? ", UserName, Verb, APIPath, Namespace, Name, APIVersion, Resource, "
                            "SubResource\n"
                          : "\n");
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++) {
        if (!a->qs[i])
            continue;
        for (int k = 0; k < apf_qset_n_queues(a->qs[i]); k++) {
            int idx = 0;
            for (const apf_item_t *it = apf_qset_queue_head(a->qs[i], k); it;
                 it = it->next, idx++) {
                const apf_req_t *q = it->data;
                char at[64];
                /* enqueued_at is on the monotonic clock */
                time_t secs = time(NULL) - (time_t)(now_s() - it->enqueued_at);
                struct tm tm;
                gmtime_r(&secs, &tm);
                strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
                strbuf_addf(b, "%-16s, %s, %d, %d, %s, %s, 1, 1, 0s, 0001-01-01T00:00:00Z",
                            apf_priority_levels[i].name, apf_flow_schemas[q->fs].name, k, idx,
                            q->dist, at);
                if (details) {
                    apiserver_reqinfo_t ri;
                    apiserver__reqinfo(q->r, &ri);
                    const auth_user_t *u = apiserver__req_user(q->r);
                    const auth_attrs_t *t = &ri.attrs;
                    strbuf_addf(
                        b, ", %s, %s, %s, %s, %s, %s, %s, %s", u ? u->name : AUTH_USER_ANONYMOUS,
                        t->verb, q->r->path, t->ns ? t->ns : "", t->name ? t->name : "",
                        t->api_version ? t->api_version : "", t->resource ? t->resource : "",
                        t->subresource ? t->subresource : "");
                    apiserver__reqinfo_free(&ri);
                }
                strbuf_add(b, "\n");
            }
        }
    }
}

bool apiserver__apf_debug(api_req_t *r)
{
    static const char prefix[] = "/debug/api_priority_and_fairness/";
    if (strncmp(r->path, prefix, sizeof(prefix) - 1) != 0)
        return false;
    const char *what = r->path + sizeof(prefix) - 1;
    apf_t *a = r->srv->apf;
    strbuf_t b = STRBUF_INIT;
    r->verb = "GET";
    if (strcmp(r->method, "GET") != 0) {
        apiserver__respond_code(r, C8S_EMETHOD, "only GET is supported");
        return true;
    }
    if (strcmp(what, "dump_priority_levels") == 0) {
        dump_priority_levels(a, &b);
    } else if (strcmp(what, "dump_queues") == 0) {
        dump_queues(a, &b);
    } else if (strcmp(what, "dump_requests") == 0) {
        const char *d = apiserver__query(r, "includeRequestDetails");
        dump_requests(a, &b, d && strcmp(d, "1") == 0);
    } else {
        apiserver__respond_code(r, C8S_ENOTFOUND,
                                "the server could not find the requested resource");
        return true;
    }
    apiserver__respond(r, 200, "text/plain; charset=utf-8", b.s ? b.s : "", b.len);
    strbuf_free(&b);
    return true;
}

/* ---- metrics ---- */

void apiserver__apf_metrics(apiserver_t *s, strbuf_t *b)
{
    apf_t *a = s->apf;
    if (!a)
        return;
    strbuf_add(b, "# HELP apiserver_flowcontrol_nominal_limit_seats Nominal number of execution "
                  "seats configured for each priority level\n"
                  "# TYPE apiserver_flowcontrol_nominal_limit_seats gauge\n");
    for (size_t i = 0; i < apf_n_priority_levels && i < MAX_PL; i++)
        strbuf_addf(b, "apiserver_flowcontrol_nominal_limit_seats{priority_level=\"%s\"} %d\n",
                    apf_priority_levels[i].name, a->qs[i] ? a->limits[i] : 0);
    static const char *const gauges[] = {"current_inqueue_requests", "current_executing_requests"};
    for (int g = 0; g < 2; g++) {
        strbuf_addf(b, "# TYPE apiserver_flowcontrol_%s gauge\n", gauges[g]);
        for (size_t f = 0; f < apf_n_flow_schemas && f < MAX_FS; f++)
            strbuf_addf(b,
                        "apiserver_flowcontrol_%s{flow_schema=\"%s\",priority_level=\"%s\"} %d\n",
                        gauges[g], apf_flow_schemas[f].name, apf_flow_schemas[f].pl,
                        g == 0 ? a->fs[f].inqueue : a->fs[f].executing);
    }
    strbuf_add(b, "# TYPE apiserver_flowcontrol_dispatched_requests_total counter\n");
    for (size_t f = 0; f < apf_n_flow_schemas && f < MAX_FS; f++)
        strbuf_addf(b,
                    "apiserver_flowcontrol_dispatched_requests_total{flow_schema=\"%s\","
                    "priority_level=\"%s\"} %llu\n",
                    apf_flow_schemas[f].name, apf_flow_schemas[f].pl,
                    (unsigned long long)a->fs[f].dispatched);
    strbuf_add(b, "# TYPE apiserver_flowcontrol_rejected_requests_total counter\n");
    for (size_t f = 0; f < apf_n_flow_schemas && f < MAX_FS; f++)
        for (int k = 0; k < REJ_N; k++)
            strbuf_addf(b,
                        "apiserver_flowcontrol_rejected_requests_total{flow_schema=\"%s\","
                        "priority_level=\"%s\",reason=\"%s\"} %llu\n",
                        apf_flow_schemas[f].name, apf_flow_schemas[f].pl, rej_reason[k],
                        (unsigned long long)a->fs[f].rejected[k]);
    strbuf_add(b, "# HELP apiserver_flowcontrol_request_wait_duration_seconds Length of time a "
                  "request spent waiting in its queue\n"
                  "# TYPE apiserver_flowcontrol_request_wait_duration_seconds histogram\n");
    for (size_t f = 0; f < apf_n_flow_schemas && f < MAX_FS; f++) {
        const fs_stats_t *st = &a->fs[f];
        const char *fsn = apf_flow_schemas[f].name, *pln = apf_flow_schemas[f].pl;
        for (size_t k = 0; k < NWB; k++)
            strbuf_addf(b,
                        "apiserver_flowcontrol_request_wait_duration_seconds_bucket{flow_schema="
                        "\"%s\",priority_level=\"%s\",le=\"%g\"} %llu\n",
                        fsn, pln, wait_buckets[k], (unsigned long long)st->wait_counts[k]);
        strbuf_addf(b,
                    "apiserver_flowcontrol_request_wait_duration_seconds_bucket{flow_schema="
                    "\"%s\",priority_level=\"%s\",le=\"+Inf\"} %llu\n",
                    fsn, pln, (unsigned long long)st->wait_n);
        strbuf_addf(b,
                    "apiserver_flowcontrol_request_wait_duration_seconds_sum{flow_schema=\"%s\","
                    "priority_level=\"%s\"} %g\n",
                    fsn, pln, st->wait_sum);
        strbuf_addf(b,
                    "apiserver_flowcontrol_request_wait_duration_seconds_count{flow_schema="
                    "\"%s\",priority_level=\"%s\"} %llu\n",
                    fsn, pln, (unsigned long long)st->wait_n);
    }
}
