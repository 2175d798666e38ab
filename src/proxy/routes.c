/*
 * routes.c — routes between the nodes' pod CIDRs, host-gateway style: every other node's
 * spec.podCIDR is reached through that node's InternalIP, so pods on different nodes talk without
 * an overlay (the nodes must share a layer-2 network, as flannel's host-gw requires). Pure: the
 * Node objects and the routes c8s has in place in, `ip -batch` commands out. c8s's routes carry
 * their own protocol number (PROXY_ROUTE_PROTO), so they are told apart from everyone else's.
 */
#include "c8s/proxy.h"

#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *internal_ip(const json_t *node)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i, a)
    {
        const char *type = str(a, "type");
        if (type && strcmp(type, "InternalIP") == 0 && str(a, "address") &&
            !strchr(str(a, "address"), ':'))
            return str(a, "address");
    }
    return NULL;
}

void proxy_routes_plan(const json_t *nodes, const char *self, const json_t *current, strbuf_t *out)
{
    cleanup_json json_t *want = json_object(); /* cidr → gateway */
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        const char *name = str(json_object_get(n, "metadata"), "name");
        const char *cidr = str(json_object_get(n, "spec"), "podCIDR");
        const char *via = internal_ip(n);
        if (!name || !cidr || !via || (self && strcmp(name, self) == 0))
            continue;
        json_object_set_new(want, cidr, json_string(via));
    }
    /* `ip -j route show proto N` entries: {"dst": "10.244.1.0/24", "gateway": "192.168.1.2"}. */
    cleanup_json json_t *have = json_object();
    json_t *r;
    json_array_foreach(current, i, r)
    {
        const char *dst = str(r, "dst"), *gw = str(r, "gateway");
        if (!dst)
            continue;
        json_object_set_new(have, dst, json_string(gw ? gw : ""));
        const char *w = str(want, dst);
        if (!w)
            strbuf_addf(out, "route del %s proto %d\n", dst, PROXY_ROUTE_PROTO);
    }
    const char *cidr;
    json_t *via;
    json_object_foreach(want, cidr, via)
    {
        const char *h = str(have, cidr);
        if (!h || strcmp(h, json_string_value(via)) != 0)
            strbuf_addf(out, "route replace %s via %s proto %d\n", cidr, json_string_value(via),
                        PROXY_ROUTE_PROTO);
    }
}
