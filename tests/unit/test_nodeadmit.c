/* test_nodeadmit.c — the kubelet's admission arithmetic: pod count, cpu and memory requests
 * (init containers and overhead as upstream counts them) against allocatable, upstream's reasons
 * and messages, host port clashes. JSON written with ' for ". */
#include "c8s/nodeadmit.h"
#include "c8s/base.h"
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

/* A pod whose one container requests cpu and memory ("" for none). */
static json_t *pod(const char *name, const char *cpu, const char *mem)
{
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{'metadata':{'name':'%s','namespace':'d','uid':'u-%s'},'spec':{'containers':[{"
             "'name':'c','image':'i','resources':{'requests':{%s%s%s%s%s%s%s%s}}}]}}",
             name, name, *cpu ? "'cpu':'" : "", cpu, *cpu ? "'" : "", *cpu && *mem ? "," : "",
             *mem ? "'memory':'" : "", mem, *mem ? "'" : "", "");
    return J(buf);
}

static void test_resources(void)
{
    nodeadmit_alloc_t a = {.cpu_milli = 2000, .mem_bytes = 1 << 30, .pods = 3};
    json_t *p1 = pod("a", "500m", "256Mi"), *p2 = pod("b", "1", ""), *big = pod("c", "600m", "");
    const json_t *adm[2] = {p1, p2};
    const char *reason = NULL;
    char *msg = NULL;
    /* 500m + 1000m used of 2000m: 600m does not fit, 500m does. */
    CHECK(!nodeadmit_fits(big, adm, 2, &a, &reason, &msg));
    CHECK_STR(reason, "OutOfcpu");
    CHECK_STR(msg, "Pod was rejected: Node didn't have enough resource: cpu, requested: 600, used: "
                   "1500, capacity: 2000");
    free(msg);
    json_t *fits = pod("d", "500m", "768Mi");
    CHECK(nodeadmit_fits(fits, adm, 2, &a, &reason, &msg));
    CHECK(reason == NULL && msg == NULL);
    json_decref(fits);
    /* memory: 256Mi used, 800Mi more is too much. */
    json_t *mem = pod("e", "", "800Mi");
    CHECK(!nodeadmit_fits(mem, adm, 2, &a, &reason, &msg));
    CHECK_STR(reason, "OutOfmemory");
    CHECK_STR(msg, "Pod was rejected: Node didn't have enough resource: memory, requested: "
                   "838860800, used: 268435456, capacity: 1073741824");
    free(msg);
    json_decref(mem);
    /* A BestEffort pod asks for nothing: only the pod count binds it. */
    json_t *be = pod("f", "", "");
    CHECK(nodeadmit_fits(be, adm, 2, &a, &reason, &msg));
    const json_t *three[3] = {p1, p2, be};
    CHECK(!nodeadmit_fits(big, three, 3, &a, &reason, &msg));
    CHECK_STR(reason, "OutOfpods"); /* the count comes first */
    CHECK_STR(msg, "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: "
                   "3, capacity: 3");
    free(msg);
    json_decref(be);
    json_decref(big);
    json_decref(p1);
    json_decref(p2);
}

static void test_init_and_overhead(void)
{
    nodeadmit_alloc_t a = {.cpu_milli = 1000, .mem_bytes = 1 << 30, .pods = 110};
    /* The init container's 900m outweighs the app containers' 200m + 300m; overhead adds 100m:
     * 1000m, which fits an empty node exactly and not one with 1m used. */
    json_t *p = J("{'metadata':{'name':'x','namespace':'d','uid':'x'},'spec':{'overhead':{'cpu':"
                  "'100m'},'initContainers':[{'name':'i','image':'i','resources':{'requests':{"
                  "'cpu':'900m'}}}],'containers':[{'name':'a','image':'i','resources':{"
                  "'requests':{'cpu':'200m'}}},{'name':'b','image':'i','resources':{'requests':{"
                  "'cpu':'300m'}}}]}}");
    const char *reason = NULL;
    char *msg = NULL;
    CHECK(nodeadmit_fits(p, NULL, 0, &a, &reason, &msg));
    json_t *tiny = pod("t", "1m", "");
    const json_t *adm[1] = {tiny};
    CHECK(!nodeadmit_fits(p, adm, 1, &a, &reason, &msg));
    CHECK_STR(reason, "OutOfcpu");
    CHECK(msg && strstr(msg, "requested: 1000, used: 1, capacity: 1000"));
    free(msg);
    /* A limit without a request requests the limit. */
    json_t *lim = J("{'metadata':{'name':'l','namespace':'d','uid':'l'},'spec':{'containers':[{"
                    "'name':'c','image':'i','resources':{'limits':{'cpu':'2'}}}]}}");
    CHECK(!nodeadmit_fits(lim, NULL, 0, &a, &reason, &msg));
    CHECK_STR(reason, "OutOfcpu");
    free(msg);
    json_decref(lim);
    json_decref(tiny);
    json_decref(p);
}

static void test_ports(void)
{
    nodeadmit_alloc_t a = {.cpu_milli = 1000, .mem_bytes = 1 << 30, .pods = 110};
    json_t *h1 = J("{'metadata':{'name':'h1','namespace':'d','uid':'h1'},'spec':{'hostNetwork':"
                   "true,'containers':[{'name':'c','image':'i','ports':[{'containerPort':80,"
                   "'hostPort':80,'protocol':'TCP'}]}]}}");
    json_t *h2 = J("{'metadata':{'name':'h2','namespace':'d','uid':'h2'},'spec':{'containers':[{"
                   "'name':'c','image':'i','ports':[{'containerPort':8080,'hostPort':80,"
                   "'hostIP':'10.0.0.1','protocol':'TCP'}]}]}}");
    json_t *udp = J("{'metadata':{'name':'u','namespace':'d','uid':'u'},'spec':{'containers':[{"
                    "'name':'c','image':'i','ports':[{'containerPort':80,'hostPort':80,"
                    "'protocol':'UDP'}]}]}}");
    const json_t *adm[1] = {h1};
    const char *reason = NULL;
    char *msg = NULL;
    CHECK(!nodeadmit_fits(h2, adm, 1, &a, &reason, &msg)); /* 0.0.0.0 holds every address */
    CHECK_STR(reason, "NodePorts");
    CHECK_STR(msg, "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports "
                   "for the requested pod ports");
    free(msg);
    CHECK(nodeadmit_fits(udp, adm, 1, &a, &reason, &msg)); /* another protocol */
    json_decref(h1);
    json_decref(h2);
    json_decref(udp);
}

int main(void)
{
    test_resources();
    test_init_and_overhead();
    test_ports();
    TEST_END();
}
