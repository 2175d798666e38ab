/* test_proxy_conntrack.c — which UDP flows a sync leaves stale: a service port whose endpoints
 * appear after it had none (flows not NATed), an endpoint that leaves (flows NATed to it), a
 * deleted service, TCP ignored, unready endpoints not counted, and no deletions when nothing
 * changed or nothing is known. JSON written with ' for ". */
#include "c8s/proxy.h"
#include "json_lit.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define SVC                                                                                        \
    "[{'metadata':{'namespace':'default','name':'dns'},'spec':{'clusterIP':'10.96.0.60',"          \
    "'externalIPs':['192.0.2.9'],'ports':[{'name':'dns','port':53,'protocol':'UDP',"               \
    "'nodePort':30053},{'name':'tcp','port':53,'protocol':'TCP'}]}}]"

static char *slices(const char *eps)
{
    return xasprintf("[{'metadata':{'namespace':'default','name':'dns-x','labels':{"
                     "'kubernetes.io/service-name':'dns'}},'addressType':'IPv4','ports':[{"
                     "'name':'dns','port':5353,'protocol':'UDP'},{'name':'tcp','port':5353,"
                     "'protocol':'TCP'}],'endpoints':[%s]}]",
                     eps);
}

static json_t *snap(const char *svcs, const char *eps)
{
    cleanup_json json_t *s = J(svcs);
    cleanup_free char *text = slices(eps);
    cleanup_json json_t *e = J(text);
    return proxy_udp_snapshot(s, e);
}

/* The plan as lines "arg arg ...", joined by '\n' (owned). */
static char *plan(const json_t *prev, const json_t *cur)
{
    cleanup_json json_t *cmds = proxy_conntrack_plan(prev, cur);
    strbuf_t b = STRBUF_INIT;
    size_t i, j;
    json_t *argv, *a;
    json_array_foreach(cmds, i, argv)
    {
        json_array_foreach(argv, j, a)
        {
            strbuf_addf(&b, "%s%s", j ? " " : "", json_string_value(a));
        }
        strbuf_addf(&b, "\n");
    }
    return strbuf_take(&b);
}

#define EP(ip, ready) "{'addresses':['" ip "'],'conditions':{'ready':" ready "}}"

static void test_snapshot(void)
{
    cleanup_json json_t *s = snap(SVC, EP("10.244.0.11", "true") "," EP("10.244.0.12", "false"));
    CHECK_INT((int)json_object_size(s), 1); /* the UDP port only */
    json_t *e = json_object_get(s, "default/dns:dns");
    CHECK(e != NULL);
    CHECK_INT((int)json_integer_value(json_object_get(e, "port")), 53);
    CHECK_INT((int)json_integer_value(json_object_get(e, "nodePort")), 30053);
    CHECK_INT((int)json_array_size(json_object_get(e, "ips")), 2);
    CHECK(json_object_get(json_object_get(e, "eps"), "10.244.0.11") != NULL);
    CHECK(json_object_get(json_object_get(e, "eps"), "10.244.0.12") == NULL); /* not ready */
}

static void test_plans(void)
{
    cleanup_json json_t *empty = snap(SVC, "");
    cleanup_json json_t *one = snap(SVC, EP("10.244.0.11", "true"));
    cleanup_json json_t *two = snap(SVC, EP("10.244.0.11", "true") "," EP("10.244.0.12", "true"));
    cleanup_json json_t *moved = snap(SVC, EP("10.244.0.12", "true"));
    cleanup_json json_t *none = json_object();

    char *p = plan(NULL, one);
    CHECK_STR(p, ""); /* nothing known before: nothing deleted */
    free(p);
    p = plan(one, one);
    CHECK_STR(p, "");
    free(p);
    p = plan(one, two); /* a new endpoint leaves no flow stale */
    CHECK_STR(p, "");
    free(p);

    p = plan(empty, one);
    CHECK_STR(p, "-D -p udp --orig-dst 10.96.0.60 --orig-port-dst 53\n"
                 "-D -p udp --orig-dst 192.0.2.9 --orig-port-dst 53\n"
                 "-D -p udp --orig-port-dst 30053\n");
    free(p);
    p = plan(none, one); /* a service created with its endpoints in one sync */
    CHECK(strstr(p, "--orig-dst 10.96.0.60 --orig-port-dst 53\n") != NULL);
    free(p);

    p = plan(two, moved);
    CHECK_STR(p, "-D -p udp --orig-dst 10.96.0.60 --orig-port-dst 53 --dst-nat 10.244.0.11\n"
                 "-D -p udp --orig-dst 192.0.2.9 --orig-port-dst 53 --dst-nat 10.244.0.11\n"
                 "-D -p udp --orig-port-dst 30053 --dst-nat 10.244.0.11\n");
    free(p);
    p = plan(one, empty); /* the last endpoint leaves: its flows go */
    CHECK(strstr(p, "--orig-dst 10.96.0.60 --orig-port-dst 53 --dst-nat 10.244.0.11\n") != NULL);
    free(p);

    p = plan(one, none); /* the service is deleted */
    CHECK_STR(p, "-D -p udp --orig-dst 10.96.0.60 --orig-port-dst 53\n"
                 "-D -p udp --orig-dst 192.0.2.9 --orig-port-dst 53\n"
                 "-D -p udp --orig-port-dst 30053\n");
    free(p);
    p = plan(empty, none);
    CHECK_STR(p, "");
    free(p);
}

static void test_headless_and_bad_input(void)
{
    cleanup_json json_t *a = J("[{'metadata':{'namespace':'d','name':'h'},'spec':{'clusterIP':"
                               "'None','ports':[{'port':53,'protocol':'UDP'}]}},7,{}]");
    cleanup_json json_t *b = J("[1,{'metadata':{}}]");
    cleanup_json json_t *s = proxy_udp_snapshot(a, b);
    CHECK_INT((int)json_object_size(s), 0);
    cleanup_json json_t *n = proxy_udp_snapshot(NULL, NULL);
    CHECK_INT((int)json_object_size(n), 0);
}

int main(void)
{
    test_snapshot();
    test_plans();
    test_headless_and_bad_input();
    TEST_END();
}
