/* test_probe.c — the probe core: upstream defaults, thresholds, startup gating, httpGet targets
 * and the gRPC health-check encoding. JSON written with ' for ". */
#include "c8s/probe.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static json_t *J(const char *s)
{
    cleanup_free char *q = xstrdup(s);
    for (char *p = q; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(q, 0, &e);
    if (!v) {
        fprintf(stderr, "bad JSON literal in test: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

static void test_defaults(void)
{
    probe_spec_t s;
    c8s_err_t e = C8S_ERR_INIT;
    json_t *p = J("{'httpGet':{'port':80}}");
    CHECK_INT(probe_spec_parse(p, PROBE_READINESS, &s, &e), 0);
    CHECK_INT(s.handler, PROBE_HANDLER_HTTP);
    CHECK_INT(s.period_ms, 10000);
    CHECK_INT(s.timeout_ms, 1000);
    CHECK_INT(s.initial_delay_ms, 0);
    CHECK_INT(s.success_threshold, 1);
    CHECK_INT(s.failure_threshold, 3);
    CHECK_INT(s.grace_s, -1);
    json_decref(p);

    p = J("{'tcpSocket':{'port':80},'periodSeconds':2,'timeoutSeconds':5,'successThreshold':4,"
          "'failureThreshold':7,'initialDelaySeconds':3,'terminationGracePeriodSeconds':0}");
    CHECK_INT(probe_spec_parse(p, PROBE_LIVENESS, &s, &e), 0);
    CHECK_INT(s.handler, PROBE_HANDLER_TCP);
    CHECK_INT(s.period_ms, 2000);
    CHECK_INT(s.timeout_ms, 5000);
    CHECK_INT(s.initial_delay_ms, 3000);
    CHECK_INT(s.success_threshold, 1); /* liveness: always 1 */
    CHECK_INT(s.failure_threshold, 7);
    CHECK_INT(s.grace_s, 0);
    CHECK_INT(probe_spec_parse(p, PROBE_READINESS, &s, &e), 0);
    CHECK_INT(s.success_threshold, 4);
    json_decref(p);

    p = J("{'grpc':{'port':9000}}");
    CHECK_INT(probe_spec_parse(p, PROBE_STARTUP, &s, &e), 0);
    CHECK_INT(s.handler, PROBE_HANDLER_GRPC);
    json_decref(p);
    p = J("{'exec':{'command':['true']}}");
    CHECK_INT(probe_spec_parse(p, PROBE_STARTUP, &s, &e), 0);
    CHECK_INT(s.handler, PROBE_HANDLER_EXEC);
    json_decref(p);

    p = J("{'periodSeconds':1}");
    CHECK_INT(probe_spec_parse(p, PROBE_LIVENESS, &s, &e), C8S_EINVALID);
    c8s_err_clear(&e);
    json_decref(p);
    p = J("{'exec':{'command':['true']},'tcpSocket':{'port':1}}");
    CHECK_INT(probe_spec_parse(p, PROBE_LIVENESS, &s, &e), C8S_EINVALID);
    c8s_err_clear(&e);
    json_decref(p);
    CHECK_INT(probe_spec_parse(NULL, PROBE_LIVENESS, &s, &e), C8S_EINVALID);
    c8s_err_clear(&e);
}

static probe_spec_t spec(probe_kind_t kind, int succ, int fail)
{
    probe_spec_t s = {.kind = kind,
                      .handler = PROBE_HANDLER_EXEC,
                      .period_ms = 10000,
                      .timeout_ms = 1000,
                      .success_threshold = succ,
                      .failure_threshold = fail,
                      .grace_s = -1};
    return s;
}

static void test_readiness_thresholds(void)
{
    probe_spec_t sp = spec(PROBE_READINESS, 2, 3);
    probe_state_t st;
    probe_state_init(&st, PROBE_READINESS);
    CHECK_INT(st.result, PROBE_FAILURE); /* not ready until proven */
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_NONE);
    CHECK_INT(st.result, PROBE_FAILURE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_CHANGED);
    CHECK_INT(st.result, PROBE_SUCCESS);
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_NONE);
    /* Unknown (could not run) neither counts nor breaks a run. */
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_UNKNOWN), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(st.result, PROBE_SUCCESS);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_CHANGED);
    CHECK_INT(st.result, PROBE_FAILURE);
    /* Readiness failure never kills. */
    for (int i = 0; i < 10; i++)
        CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    /* An interrupted run starts over. */
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_CHANGED);
}

static void test_liveness_and_startup_kill(void)
{
    probe_spec_t sp = spec(PROBE_LIVENESS, 1, 3);
    probe_state_t st;
    probe_state_init(&st, PROBE_LIVENESS);
    CHECK_INT(st.result, PROBE_SUCCESS); /* alive until proven dead */
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_SUCCESS), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_KILL);
    /* The successor starts from scratch: three more failures before the next kill. */
    CHECK_INT(st.result, PROBE_SUCCESS);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &sp, PROBE_FAILURE), PROBE_ACT_KILL);

    probe_spec_t su = spec(PROBE_STARTUP, 1, 2);
    probe_state_init(&st, PROBE_STARTUP);
    CHECK_INT(st.result, PROBE_UNKNOWN);
    CHECK_INT(probe_observe(&st, &su, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &su, PROBE_FAILURE), PROBE_ACT_KILL);
    CHECK_INT(st.result, PROBE_UNKNOWN);
    CHECK_INT(probe_observe(&st, &su, PROBE_FAILURE), PROBE_ACT_NONE);
    CHECK_INT(probe_observe(&st, &su, PROBE_SUCCESS), PROBE_ACT_CHANGED);
    CHECK_INT(st.result, PROBE_SUCCESS);
}

static void test_due(void)
{
    probe_spec_t l = spec(PROBE_LIVENESS, 1, 3);
    l.initial_delay_ms = 5000;
    /* Suspended until the startup probe succeeds. */
    CHECK(!probe_due(&l, 1000, false, 0, 100000));
    CHECK(!probe_due(&l, 1000, true, 0, 5999));
    CHECK(probe_due(&l, 1000, true, 0, 6000));
    CHECK(!probe_due(&l, 1000, true, 6000, 15999));
    CHECK(probe_due(&l, 1000, true, 6000, 16000));
    probe_spec_t s = spec(PROBE_STARTUP, 1, 3);
    CHECK(probe_due(&s, 1000, false, 0, 1000));
    CHECK(!probe_due(&s, 1000, true, 0, 1000)); /* done: never again */
}

static void test_ports_and_urls(void)
{
    c8s_err_t e = C8S_ERR_INIT;
    json_t *ctr = J("{'ports':[{'name':'web','containerPort':8080},{'containerPort':9}]}");
    json_t *v = J("[80,'81','web','nope',0,70000,'',true]");
    int port = 0;
    CHECK_INT(probe_resolve_port(json_array_get(v, 0), ctr, &port, &e), 0);
    CHECK_INT(port, 80);
    CHECK_INT(probe_resolve_port(json_array_get(v, 1), ctr, &port, &e), 0);
    CHECK_INT(port, 81);
    CHECK_INT(probe_resolve_port(json_array_get(v, 2), ctr, &port, &e), 0);
    CHECK_INT(port, 8080);
    for (size_t i = 3; i < 8; i++) {
        CHECK_INT(probe_resolve_port(json_array_get(v, i), ctr, &port, &e), C8S_EINVALID);
        c8s_err_clear(&e);
    }
    json_decref(v);

    char *url = NULL;
    json_t *a = J("{'port':'web','path':'/healthz?x=1'}");
    CHECK_INT(probe_http_url(a, ctr, "10.88.0.5", &url, &e), 0);
    CHECK_STR(url, "http://10.88.0.5:8080/healthz?x=1");
    free(url);
    json_decref(a);
    a = J("{'port':443,'scheme':'HTTPS','host':'fd00::1','path':'ok'}");
    CHECK_INT(probe_http_url(a, ctr, "10.88.0.5", &url, &e), 0);
    CHECK_STR(url, "https://[fd00::1]:443/ok");
    free(url);
    json_decref(a);
    a = J("{'port':80}");
    CHECK_INT(probe_http_url(a, ctr, "10.0.0.1", &url, &e), 0);
    CHECK_STR(url, "http://10.0.0.1:80/");
    free(url);
    CHECK_INT(probe_http_url(a, ctr, NULL, &url, &e), C8S_EINVALID);
    c8s_err_clear(&e);
    json_decref(a);
    a = J("{'port':80,'scheme':'FTP'}");
    CHECK_INT(probe_http_url(a, ctr, "10.0.0.1", &url, &e), C8S_EINVALID);
    c8s_err_clear(&e);
    json_decref(a);
    json_decref(ctr);

    CHECK(!probe_http_status_ok(199));
    CHECK(probe_http_status_ok(200));
    CHECK(probe_http_status_ok(302));
    CHECK(probe_http_status_ok(399));
    CHECK(!probe_http_status_ok(400));
    CHECK(!probe_http_status_ok(500));
}

static void test_grpc(void)
{
    unsigned char *b;
    size_t n;
    probe_grpc_request(NULL, &b, &n);
    CHECK_INT(n, 5);
    CHECK(memcmp(b, "\0\0\0\0\0", 5) == 0);
    free(b);
    probe_grpc_request("svc", &b, &n);
    CHECK_INT(n, 10);
    CHECK(memcmp(b, "\0\0\0\0\5\x0a\3svc", 10) == 0);
    free(b);
    char big[200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    probe_grpc_request(big, &b, &n);
    CHECK_INT(n, 5 + 1 + 2 + 199);
    CHECK_INT(b[4], 202);
    CHECK_INT(b[6], 0xc7); /* 199 as a varint: 0xc7 0x01 */
    CHECK_INT(b[7], 0x01);
    free(b);

    c8s_err_t e = C8S_ERR_INIT;
    int st = -5;
    CHECK_INT(probe_grpc_parse_response("\0\0\0\0\2\x08\x01", 7, &st, &e), 0);
    CHECK_INT(st, PROBE_GRPC_SERVING);
    CHECK_INT(probe_grpc_parse_response("\0\0\0\0\2\x08\x02", 7, &st, &e), 0);
    CHECK_INT(st, 2); /* NOT_SERVING */
    CHECK_INT(probe_grpc_parse_response("\0\0\0\0\0", 5, &st, &e), 0);
    CHECK_INT(st, 0); /* absent: UNKNOWN */
    /* Unknown fields of every wire type are skipped. */
    CHECK_INT(probe_grpc_parse_response("\0\0\0\0\x14\x12\2hi\x19"
                                        "12345678\x25"
                                        "1234\x08\x01",
                                        25, &st, &e),
              0);
    CHECK_INT(st, PROBE_GRPC_SERVING);
    static const struct {
        const char *b;
        size_t n;
    } bad[] = {
        {"\0\0\0", 3},             /* short prefix */
        {"\1\0\0\0\2\x08\x01", 7}, /* compressed */
        {"\0\0\0\0\3\x08\x01", 7}, /* truncated */
        {"\0\0\0\0\1\x08", 6},     /* missing varint */
        {"\0\0\0\0\2\x12\5", 7},   /* length past the end */
        {"\0\0\0\0\1\x0b", 6},     /* group wire type */
        {"\0\0\0\0\3\x19\1\2", 8}, /* short fixed64 */
        {"\0\0\0\0\2\x08\x80", 7}, /* unterminated varint */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(probe_grpc_parse_response(bad[i].b, bad[i].n, &st, &e) == C8S_EBADREQUEST,
                  "case %zu", i);
        c8s_err_clear(&e);
    }
}

int main(void)
{
    test_defaults();
    test_readiness_thresholds();
    test_liveness_and_startup_kill();
    test_due();
    test_ports_and_urls();
    test_grpc();
    TEST_END();
}
