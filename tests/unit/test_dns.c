/* test_dns.c — cluster DNS's pure parts: the wire format (queries parsed, answers written and
 * read back, EDNS0, truncation, compression pointers, malformed input) and the zone (records for
 * ClusterIP, headless, StatefulSet and ExternalName services, SRV, PTR, pod names, NXDOMAIN vs
 * no data, names that are not ours). JSON written with ' for ". */
#include "c8s/dns.h"
#include "json_lit.h"
#include "test.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* A query for name/type; with edns, an OPT record offering size. Returns its length. */
static size_t query(uint8_t *buf, uint16_t id, const char *name, uint16_t type, int edns)
{
    memset(buf, 0, 12);
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    buf[2] = 0x01; /* RD */
    buf[5] = 1;
    size_t n = 12;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        buf[n++] = (uint8_t)l;
        memcpy(buf + n, s, l);
        n += l;
        s += l + (dot ? 1 : 0);
    }
    buf[n++] = 0;
    buf[n++] = (uint8_t)(type >> 8);
    buf[n++] = (uint8_t)type;
    buf[n++] = 0;
    buf[n++] = 1;
    if (edns) {
        buf[11] = 1;
        uint8_t opt[11] = {0, 0, 41, (uint8_t)(edns >> 8), (uint8_t)edns, 0, 0, 0, 0, 0, 0};
        memcpy(buf + n, opt, sizeof(opt));
        n += sizeof(opt);
    }
    return n;
}

static uint16_t g16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static const char *const services =
    "[{'metadata':{'namespace':'default','name':'web'},'spec':{'clusterIP':'10.96.0.50',"
    "'clusterIPs':['10.96.0.50'],'ports':[{'name':'http','port':80,'protocol':'TCP'}]}},"
    "{'metadata':{'namespace':'db','name':'pg'},'spec':{'clusterIP':'None','ports':[{'name':"
    "'sql','port':5432}]}},"
    "{'metadata':{'namespace':'default','name':'ext'},'spec':{'type':'ExternalName',"
    "'externalName':'example.org'}}]";
static const char *const slices =
    "[{'metadata':{'namespace':'db','name':'pg-x','labels':{'kubernetes.io/service-name':'pg'}},"
    "'addressType':'IPv4','ports':[{'name':'sql','port':5432,'protocol':'TCP'}],'endpoints':["
    "{'addresses':['10.244.1.5'],'hostname':'pg-0','conditions':{'ready':true}},"
    "{'addresses':['10.244.2.6'],'hostname':'pg-1','conditions':{'ready':true}},"
    "{'addresses':['10.244.3.7'],'hostname':'pg-2','conditions':{'ready':false}}]}]";

/* Answers name/type from the test zone through the whole path (bytes in, bytes out) and returns
 * the response length; rc gets the RCODE, an the answer count. */
static size_t ask(const json_t *zone, const char *name, uint16_t type, uint8_t *resp, int *rc,
                  int *an, int *handled)
{
    uint8_t q[512];
    size_t qlen = query(q, 0x1234, name, type, 0);
    dns_query_t dq;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), 0);
    dns_answer_t a;
    *handled = dns_zone_answer(zone, "cluster.local", &dq, &a);
    size_t n = *handled ? dns_write_response(&dq, &a, resp, 512) : 0;
    dns_answer_free(&a);
    *rc = n ? resp[3] & 0xF : -1;
    *an = n ? g16(resp + 6) : -1;
    return n;
}

static void test_zone(void)
{
    cleanup_json json_t *svcs = J(services);
    cleanup_json json_t *sl = J(slices);
    cleanup_json json_t *zone = dns_zone_build(svcs, sl, "cluster.local");
    uint8_t r[512];
    int rc, an, handled;

    size_t n = ask(zone, "web.default.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK(handled);
    CHECK_INT(rc, DNS_NOERROR);
    CHECK_INT(an, 1);
    CHECK_INT(g16(r), 0x1234);
    CHECK(r[2] & 0x04); /* AA */
    CHECK(r[2] & 0x80); /* QR */
    /* The answer's name points back at the question; the address is the last 4 bytes. */
    CHECK_INT(g16(r + n - 16), 0xC00C);
    CHECK(memcmp(r + n - 4, (uint8_t[]){10, 96, 0, 50}, 4) == 0);

    /* Case does not matter. */
    ask(zone, "WEB.Default.SVC.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(an, 1);

    ask(zone, "_http._tcp.web.default.svc.cluster.local", DNS_SRV, r, &rc, &an, &handled);
    CHECK_INT(an, 1);
    CHECK_INT(g16(r + 10), 1); /* the target's A record as additional */

    ask(zone, "50.0.96.10.in-addr.arpa", DNS_PTR, r, &rc, &an, &handled);
    CHECK(handled);
    CHECK_INT(an, 1);

    /* Headless: the ready endpoints; StatefulSet pods by hostname. */
    ask(zone, "pg.db.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(an, 2);
    ask(zone, "pg-1.pg.db.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(an, 1);
    ask(zone, "pg-2.pg.db.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(rc, DNS_NXDOMAIN);
    ask(zone, "_sql._tcp.pg.db.svc.cluster.local", DNS_SRV, r, &rc, &an, &handled);
    CHECK_INT(an, 2);
    ask(zone, "5.1.244.10.in-addr.arpa", DNS_PTR, r, &rc, &an, &handled);
    CHECK_INT(an, 1);

    ask(zone, "ext.default.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(an, 1);
    CHECK_INT(g16(r + 12 + 31 + 4 + 2), DNS_CNAME);

    ask(zone, "10-244-9-9.default.pod.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(an, 1);

    /* No such service: NXDOMAIN with the SOA; a namespace: no data; AAAA of a v4 service: no
     * data. */
    ask(zone, "nope.default.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(rc, DNS_NXDOMAIN);
    CHECK_INT(an, 0);
    CHECK_INT(g16(r + 8), 1);
    ask(zone, "default.svc.cluster.local", DNS_A, r, &rc, &an, &handled);
    CHECK_INT(rc, DNS_NOERROR);
    CHECK_INT(an, 0);
    ask(zone, "web.default.svc.cluster.local", DNS_AAAA, r, &rc, &an, &handled);
    CHECK_INT(rc, DNS_NOERROR);
    CHECK_INT(an, 0);

    /* Not ours: forwarded. */
    ask(zone, "example.org", DNS_A, r, &rc, &an, &handled);
    CHECK(!handled);
    ask(zone, "8.8.8.8.in-addr.arpa", DNS_PTR, r, &rc, &an, &handled);
    CHECK(!handled);
}

static void test_wire(void)
{
    uint8_t q[512], r[2048];
    dns_query_t dq;
    c8s_err_t err = C8S_ERR_INIT;

    /* EDNS0: the client's size is honoured and an OPT record returned. */
    size_t qlen = query(q, 7, "a.b", DNS_A, 4096);
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), 0);
    CHECK_INT(dq.edns, 1);
    CHECK_INT(dq.udp_size, 4096);
    CHECK_STR(dq.name, "a.b");

    /* Many answers do not fit 512 bytes without EDNS: TC is set, the count is what fits. */
    qlen = query(q, 8, "many.default.svc.cluster.local", DNS_A, 0);
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), 0);
    dns_answer_t a = {0};
    a.an = xcalloc(100, sizeof(*a.an));
    a.nan = 100;
    for (int i = 0; i < 100; i++) {
        snprintf(a.an[i].name, sizeof(a.an[i].name), "%s", dq.name);
        a.an[i].type = DNS_A;
        a.an[i].ttl = 5;
    }
    size_t n = dns_write_response(&dq, &a, r, sizeof(r));
    CHECK(n <= 512);
    CHECK(r[2] & 0x02);
    CHECK(g16(r + 6) < 100);
    /* Over TCP (no client limit) all fit. */
    dq.udp_size = 0;
    n = dns_write_response(&dq, &a, r, sizeof(r));
    CHECK(!(r[2] & 0x02));
    CHECK_INT(g16(r + 6), 100);
    dns_answer_free(&a);

    /* A compressed name in the question is followed. */
    uint8_t c[64] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12};
    CHECK(dns_parse_query(c, 18, &dq, &err) != 0); /* points at itself: a loop */
    c8s_err_clear(&err);

    /* Malformed: short, a response, two questions, a label running past the end. */
    CHECK_INT(dns_parse_query(q, 5, &dq, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    qlen = query(q, 9, "x.y", DNS_A, 0);
    q[2] |= 0x80;
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    q[2] &= 0x7F;
    q[5] = 2;
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    q[5] = 1;
    q[12] = 60;
    CHECK_INT(dns_parse_query(q, qlen, &dq, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* An error answer echoes id and question. */
    qlen = query(q, 0xBEEF, "x.y", DNS_A, 0);
    n = dns_write_error(q, qlen, DNS_SERVFAIL, r, sizeof(r));
    CHECK_INT(n, qlen);
    CHECK_INT(g16(r), 0xBEEF);
    CHECK_INT(r[3] & 0xF, DNS_SERVFAIL);
}

int main(void)
{
    test_zone();
    test_wire();
    TEST_END();
}
