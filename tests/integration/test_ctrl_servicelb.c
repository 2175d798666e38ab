/* test_ctrl_servicelb.c — the built-in load balancer: a LoadBalancer Service gets the Ready
 * nodes' InternalIPs as its ingress, follows nodes becoming Ready or going, leaves Services with a
 * loadBalancerClass alone, and clears the ingress when the Service stops being a LoadBalancer. */
#include "ctrl_env.h"
#include "c8s/strbuf.h"

static char *ingress_of(env_t *e, const char *name)
{
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/services/%s", name);
    json_t *svc = NULL;
    if (env_call(e, "GET", path, NULL, NULL, &svc) != 200) {
        json_decref(svc);
        return xstrdup("(none)");
    }
    strbuf_t b = STRBUF_INIT;
    size_t i;
    json_t *in;
    json_array_foreach(json_object_get(env_get(svc, "status", "loadBalancer"), "ingress"), i, in)
    {
        strbuf_sep(&b, ",", json_string_value(json_object_get(in, "ip")));
    }
    json_decref(svc);
    return strbuf_take(&b);
}

typedef struct {
    const char *name, *want;
} until_t;

static bool has_ingress(env_t *e, void *data)
{
    until_t *u = data;
    cleanup_free char *got = ingress_of(e, u->name);
    return strcmp(got, u->want) == 0;
}

static void node(env_t *e, const char *name, const char *ip, const char *ready)
{
    cleanup_free char *body = xasprintf("{\"metadata\":{\"name\":\"%s\"}}", name);
    env_call(e, "POST", "/api/v1/nodes", "application/json", body, NULL);
    cleanup_free char *st =
        xasprintf("{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"%s\"}],"
                  "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
                  ip, ready);
    cleanup_free char *path = xasprintf("/api/v1/nodes/%s/status", name);
    CHECK_INT(env_call(e, "PATCH", path, "application/merge-patch+json", st, NULL), 200);
}

int main(void)
{
    env_t e;
    fakekubelet_config_t fkc = {.node = "fk"};
    REQUIRE(env_start(&e, &fkc) == 0);
    node(&e, "n1", "192.168.7.1", "True");
    node(&e, "n2", "192.168.7.2", "False");
    CHECK_INT(env_call(&e, "POST", "/api/v1/namespaces/default/services", "application/json",
                       "{\"metadata\":{\"name\":\"lb\"},\"spec\":{\"type\":\"LoadBalancer\","
                       "\"ports\":[{\"port\":80}],\"selector\":{\"a\":\"b\"}}}",
                       NULL),
              201);
    CHECK_INT(env_call(&e, "POST", "/api/v1/namespaces/default/services", "application/json",
                       "{\"metadata\":{\"name\":\"other\"},\"spec\":{\"type\":\"LoadBalancer\","
                       "\"loadBalancerClass\":\"example.com/lb\",\"ports\":[{\"port\":80}]}}",
                       NULL),
              201);
    until_t u = {"lb", "192.168.7.1"};
    CHECK_MSG(env_wait(&e, has_ingress, &u, 10000), "the Ready node's address");
    /* n2 becomes Ready: both, sorted. */
    CHECK_INT(env_call(&e, "PATCH", "/api/v1/nodes/n2/status", "application/merge-patch+json",
                       "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}",
                       NULL),
              200);
    u.want = "192.168.7.1,192.168.7.2";
    CHECK_MSG(env_wait(&e, has_ingress, &u, 10000), "both nodes");
    CHECK_INT(env_call(&e, "DELETE", "/api/v1/nodes/n1", NULL, NULL, NULL), 200);
    u.want = "192.168.7.2";
    CHECK_MSG(env_wait(&e, has_ingress, &u, 10000), "n1 gone");
    cleanup_free char *other = ingress_of(&e, "other");
    CHECK_STR(other, "");
    /* No longer a LoadBalancer: cleared. */
    CHECK_INT(env_call(&e, "PATCH", "/api/v1/namespaces/default/services/lb",
                       "application/merge-patch+json",
                       "{\"spec\":{\"type\":\"ClusterIP\",\"allocateLoadBalancerNodePorts\":null}}",
                       NULL),
              200);
    u.want = "";
    CHECK_MSG(env_wait(&e, has_ingress, &u, 10000), "cleared");
    env_stop(&e);
    TEST_END();
}
