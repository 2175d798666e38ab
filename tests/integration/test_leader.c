/*
 * test_leader.c — Lease leader election against a real etcd: of two candidates exactly one
 * leads; when it stops (releasing the Lease) the other takes over at once; a holder that has
 * gone silent is replaced only after a whole lease duration.
 */
#include "c8s/apiserver.h"
#include "c8s/client.h"
#include "c8s/leader.h"
#include "harness.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static uv_loop_t loop;

static void run_ms(int ms)
{
    th_run_until(&loop, NULL, ms);
}

typedef struct {
    int started, stopped;
} events_t;

static void on_started(void *data)
{
    ((events_t *)data)->started++;
}

static void on_stopped(void *data)
{
    ((events_t *)data)->stopped++;
}

static int stops;
static void on_done(void *data)
{
    stops++;
}

static bool answered;
static int answer_status;
static void on_answer(const client_resp_t *resp, void *data)
{
    answered = true;
    answer_status = resp->status;
}

int main(void)
{
    th_etcd_t etcd;
    REQUIRE(th_etcd_start(&etcd) == 0);
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = th_free_port();
    c8s_err_t err = C8S_ERR_INIT;
    apiserver_t *srv = NULL;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    uv_loop_init(&loop);
    client_t *c = client_new_inproc(srv, &loop);
    run_ms(500); /* built-in namespaces */

    events_t ea = {0}, eb = {0};
    leader_config_t base = {.ns = "kube-system",
                            .name = "test-lease",
                            .lease_ms = 1000,
                            .renew_deadline_ms = 800,
                            .retry_ms = 100,
                            .on_started = on_started,
                            .on_stopped = on_stopped};
    leader_config_t ca = base, cb = base;
    ca.identity = "a";
    ca.data = &ea;
    cb.identity = "b";
    cb.data = &eb;
    leader_t *a = leader_start(c, &ca);
    leader_t *b = leader_start(c, &cb);
    run_ms(1500);
    CHECK_MSG(leader_is_leader(a) != leader_is_leader(b), "a=%d b=%d", leader_is_leader(a),
              leader_is_leader(b));
    CHECK_INT(ea.started + eb.started, 1);
    leader_t *lead = leader_is_leader(a) ? a : b;
    leader_t *other = lead == a ? b : a;
    /* The leader stops and releases: the other takes over well within a lease duration. */
    leader_stop(lead, on_done, NULL);
    run_ms(400);
    CHECK(leader_is_leader(other));
    CHECK_INT(ea.started + eb.started, 2);
    CHECK_INT(ea.stopped + eb.stopped, 1);
    leader_stop(other, on_done, NULL);
    run_ms(200);
    CHECK_INT(stops, 2);

    /* A silent holder: its Lease is taken only after a whole lease duration. */
    const char *ghost =
        "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":"
        "\"ghost-lease\",\"namespace\":\"kube-system\"},\"spec\":{\"holderIdentity\":\"ghost\","
        "\"leaseDurationSeconds\":1,\"renewTime\":\"2020-01-01T00:00:00.000000Z\"}}";
    client_request(c, "POST", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
                   "application/json", ghost, strlen(ghost), on_answer, NULL);
    while (!answered)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK_INT(answer_status, 201);
    events_t ec = {0};
    leader_config_t cc = base;
    cc.name = "ghost-lease";
    cc.identity = "c";
    cc.data = &ec;
    leader_t *l = leader_start(c, &cc);
    run_ms(500);
    CHECK(!leader_is_leader(l)); /* not before the duration has passed on our clock */
    run_ms(1200);
    CHECK(leader_is_leader(l));
    leader_stop(l, on_done, NULL);
    run_ms(200);
    CHECK_INT(stops, 3);

    client_close(c, NULL, NULL);
    run_ms(100);
    CHECK_INT(uv_loop_close(&loop), 0);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    TEST_END();
}
