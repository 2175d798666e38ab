/*
 * leader.c — Lease-based leader election (client-go's semantics, see leader.h): one timer ticks
 * every retry period; each tick reads the Lease, decides, and writes with a resourceVersion
 * precondition.
 */
#include "c8s/leader.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

struct leader_s {
    client_t *client;
    leader_config_t cfg;
    char *ns, *name, *identity;
    uv_timer_t timer;
    bool leading, busy, stopping;
    /* What we last saw of the record and when (our clock), as client-go's observedTime. */
    char *seen_holder, *seen_renew;
    uint64_t seen_at_ms;
    uint64_t renewed_at_ms; /* our last successful renewal */
    void (*done)(void *data);
    void *done_data;
};

static void micro_time(char *buf, size_t len)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06ldZ", base, (long)tv.tv_usec);
}

static char *path_of(leader_t *l, bool item)
{
    if (item)
        return xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns, l->name);
    return xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases", l->ns);
}

static void set_leading(leader_t *l, bool on)
{
    if (l->leading == on)
        return;
    l->leading = on;
    log_info("leader", "%s %s lease %s/%s", l->identity, on ? "acquired" : "lost", l->ns, l->name);
    if (on && l->cfg.on_started)
        l->cfg.on_started(l->cfg.data);
    if (!on && l->cfg.on_stopped)
        l->cfg.on_stopped(l->cfg.data);
}

static void finish_stop(leader_t *l);

static void tick_done(leader_t *l)
{
    l->busy = false;
    if (l->stopping)
        finish_stop(l);
}

static void on_written(const client_resp_t *resp, void *data)
{
    leader_t *l = data;
    uint64_t now = c8s_now_ms();
    if (resp->status == 200 || resp->status == 201) {
        l->renewed_at_ms = now;
        set_leading(l, true);
    } else if (l->leading && now - l->renewed_at_ms >= (uint64_t)l->cfg.renew_deadline_ms) {
        set_leading(l, false);
    }
    tick_done(l);
}

static json_t *spec_for(leader_t *l, const char *acquire, int transitions)
{
    char now[40];
    micro_time(now, sizeof(now));
    return json_pack("{s:s, s:i, s:s, s:s, s:i}", "holderIdentity", l->identity,
                     "leaseDurationSeconds", (l->cfg.lease_ms + 999) / 1000, "acquireTime",
                     acquire ? acquire : now, "renewTime", now, "leaseTransitions", transitions);
}

static void on_read(const client_resp_t *resp, void *data)
{
    leader_t *l = data;
    uint64_t now = c8s_now_ms();
    if (resp->status == 404) {
        json_t *lease = json_pack("{s:s, s:s, s:{s:s, s:s}, s:o}", "apiVersion",
                                  "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name",
                                  l->name, "namespace", l->ns, "spec", spec_for(l, NULL, 0));
        cleanup_free char *body = json_dumps(lease, JSON_COMPACT);
        json_decref(lease);
        cleanup_free char *path = path_of(l, false);
        client_request(l->client, "POST", path, "application/json", body, strlen(body), on_written,
                       l);
        return;
    }
    cleanup_json json_t *lease =
        resp->status == 200 ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    if (!lease) {
        if (l->leading && now - l->renewed_at_ms >= (uint64_t)l->cfg.renew_deadline_ms)
            set_leading(l, false);
        return tick_done(l);
    }
    json_t *spec = json_object_get(lease, "spec");
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    const char *renew = json_string_value(json_object_get(spec, "renewTime"));
    json_int_t dur = json_integer_value(json_object_get(spec, "leaseDurationSeconds"));
    if (!l->seen_at_ms || strcmp(l->seen_holder ? l->seen_holder : "", holder ? holder : "") != 0 ||
        strcmp(l->seen_renew ? l->seen_renew : "", renew ? renew : "") != 0) {
        free(l->seen_holder);
        free(l->seen_renew);
        l->seen_holder = xstrdup(holder ? holder : "");
        l->seen_renew = xstrdup(renew ? renew : "");
        l->seen_at_ms = now;
    }
    bool mine = holder && strcmp(holder, l->identity) == 0;
    bool free_or_expired =
        !holder || !*holder || now >= l->seen_at_ms + (uint64_t)(dur > 0 ? dur : 1) * 1000;
    if (!mine && !free_or_expired) {
        set_leading(l, false);
        return tick_done(l);
    }
    int transitions = (int)json_integer_value(json_object_get(spec, "leaseTransitions"));
    const char *acquire = json_string_value(json_object_get(spec, "acquireTime"));
    json_object_set_new(lease, "spec",
                        spec_for(l, mine ? acquire : NULL, mine ? transitions : transitions + 1));
    cleanup_free char *body = json_dumps(lease, JSON_COMPACT); /* carries resourceVersion */
    cleanup_free char *path = path_of(l, true);
    client_request(l->client, "PUT", path, "application/json", body, strlen(body), on_written, l);
}

static void on_tick(uv_timer_t *t)
{
    leader_t *l = t->data;
    if (l->busy || l->stopping)
        return;
    l->busy = true;
    cleanup_free char *path = path_of(l, true);
    client_request(l->client, "GET", path, NULL, NULL, 0, on_read, l);
}

leader_t *leader_start(client_t *c, const leader_config_t *cfg)
{
    leader_t *l = xcalloc(1, sizeof(*l));
    l->client = c;
    l->cfg = *cfg;
    if (!l->cfg.lease_ms)
        l->cfg.lease_ms = 15000;
    if (!l->cfg.renew_deadline_ms)
        l->cfg.renew_deadline_ms = 10000;
    if (!l->cfg.retry_ms)
        l->cfg.retry_ms = 2000;
    l->ns = xstrdup(cfg->ns);
    l->name = xstrdup(cfg->name);
    l->identity = xstrdup(cfg->identity);
    uv_timer_init(client_loop(c), &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, on_tick, 0, (uint64_t)l->cfg.retry_ms);
    return l;
}

bool leader_is_leader(const leader_t *l)
{
    return l->leading;
}

static void on_timer_closed(uv_handle_t *h)
{
    leader_t *l = h->data;
    void (*done)(void *) = l->done;
    void *data = l->done_data;
    free(l->ns);
    free(l->name);
    free(l->identity);
    free(l->seen_holder);
    free(l->seen_renew);
    free(l);
    if (done)
        done(data);
}

static void on_released(const client_resp_t *resp, void *data)
{
    leader_t *l = data;
    uv_close((uv_handle_t *)&l->timer, on_timer_closed);
}

static void on_release_read(const client_resp_t *resp, void *data)
{
    leader_t *l = data;
    cleanup_json json_t *lease =
        resp->status == 200 ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
    json_t *spec = json_object_get(lease, "spec");
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    if (!lease || !holder || strcmp(holder, l->identity) != 0)
        return on_released(resp, l);
    /* As client-go's ReleaseOnCancel: an empty holder lets the next candidate in at once. */
    json_object_set_new(spec, "holderIdentity", json_string(""));
    json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
    cleanup_free char *body = json_dumps(lease, JSON_COMPACT);
    cleanup_free char *path = path_of(l, true);
    client_request(l->client, "PUT", path, "application/json", body, strlen(body), on_released, l);
}

static void finish_stop(leader_t *l)
{
    uv_timer_stop(&l->timer);
    bool was = l->leading;
    set_leading(l, false);
    if (!was) {
        uv_close((uv_handle_t *)&l->timer, on_timer_closed);
        return;
    }
    cleanup_free char *path = path_of(l, true);
    client_request(l->client, "GET", path, NULL, NULL, 0, on_release_read, l);
}

void leader_stop(leader_t *l, void (*done)(void *data), void *data)
{
    l->stopping = true;
    l->done = done;
    l->done_data = data;
    if (!l->busy)
        finish_stop(l);
}
