/*
 * events.c — Events are written with an etcd lease so they expire after the event TTL, as
 * kube-apiserver does with --event-ttl. Events written within one minute share a lease (granted
 * for TTL plus that minute), so a burst of events costs one lease grant, not one each.
 */
#include "internal.h"

#define LEASE_REUSE_MS 60000

typedef struct {
    apiserver_t *srv;
    api_req_t *r;
    void (*done)(api_req_t *r, int64_t lease);
} lease_wait_t;

static void on_granted(const store_result_t *res, void *data)
{
    lease_wait_t *w = data;
    apiserver_t *s = w->srv;
    int64_t lease = 0;
    if (res->code == 0 && res->lease_id != 0) {
        lease = res->lease_id;
        s->event_lease = lease;
        s->event_lease_until_ms = c8s_now_ms() + LEASE_REUSE_MS;
    } else {
        log_warn("apiserver", "granting an event lease: %s; writing without",
                 res->err ? res->err->msg : "no lease");
    }
    api_req_t *r = w->r;
    void (*done)(api_req_t *, int64_t) = w->done;
    free(w);
    done(r, lease);
}

void apiserver__event_lease(apiserver_t *s, api_req_t *r, void (*done)(api_req_t *r, int64_t lease))
{
    if (s->event_lease && c8s_now_ms() < s->event_lease_until_ms) {
        done(r, s->event_lease);
        return;
    }
    lease_wait_t *w = xcalloc(1, sizeof(*w));
    w->srv = s;
    w->r = r;
    w->done = done;
    store_lease_grant(s->store, s->cfg.event_ttl_s + LEASE_REUSE_MS / 1000, on_granted, w);
}
