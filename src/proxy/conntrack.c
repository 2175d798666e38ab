/*
 * conntrack.c — which UDP flows a sync leaves stale. A UDP "connection" in conntrack lives as
 * long as its client keeps sending (30 s idle timeout, refreshed per datagram), and its NAT was
 * decided by its first packet: a client that keeps talking to a service keeps reaching the
 * endpoint it first got — even after that endpoint left — or, if its first packet came while the
 * service had no endpoints, keeps reaching nothing. kube-proxy deletes those entries after each
 * sync; so does c8s, with the conntrack tool, from the plan made here. TCP needs none of this: a
 * stream to a gone endpoint is reset and the client reconnects.
 */
#include "c8s/proxy.h"

#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *meta(const json_t *o, const char *k)
{
    return str(json_object_get(o, "metadata"), k);
}

static bool is_udp(const json_t *port)
{
    const char *proto = str(port, "protocol");
    return proto && strcmp(proto, "UDP") == 0;
}

/* The addresses a service port is reached on besides its node port. */
static json_t *service_ips(const json_t *spec, const json_t *status)
{
    json_t *ips = json_array();
    json_array_append_new(ips, json_string(str(spec, "clusterIP")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "externalIPs"), i, v)
    {
        if (json_is_string(v))
            json_array_append(ips, v);
    }
    json_array_foreach(json_object_get(json_object_get(status, "loadBalancer"), "ingress"), i, v)
    {
        if (str(v, "ip"))
            json_array_append_new(ips, json_string(str(v, "ip")));
    }
    return ips;
}

/* Ready endpoint addresses the slices give the UDP service port named port_name. */
static void add_endpoints(json_t *eps, const json_t *slice, const char *port_name)
{
    const char *family = str(slice, "addressType");
    if (family && strcmp(family, "IPv4") != 0)
        return;
    bool has_port = false;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(slice, "ports"), i, p)
    {
        const char *name = str(p, "name");
        if (strcmp(name ? name : "", port_name) == 0 && is_udp(p))
            has_port = true;
    }
    if (!has_port)
        return;
    json_t *e;
    json_array_foreach(json_object_get(slice, "endpoints"), i, e)
    {
        json_t *ready = json_object_get(json_object_get(e, "conditions"), "ready");
        const char *ip = json_string_value(json_array_get(json_object_get(e, "addresses"), 0));
        if (ip && (!json_is_boolean(ready) || json_is_true(ready)))
            json_object_set_new(eps, ip, json_true());
    }
}

json_t *proxy_udp_snapshot(const json_t *services, const json_t *slices)
{
    json_t *snap = json_object();
    size_t i, j, k;
    json_t *svc, *port, *slice;
    json_array_foreach(services, i, svc)
    {
        const json_t *spec = json_object_get(svc, "spec");
        const char *ns = meta(svc, "namespace"), *name = meta(svc, "name");
        const char *ip = str(spec, "clusterIP");
        if (!ns || !name || !ip || !*ip || strcmp(ip, "None") == 0)
            continue;
        json_array_foreach(json_object_get(spec, "ports"), j, port)
        {
            json_int_t number = json_integer_value(json_object_get(port, "port"));
            if (!is_udp(port) || number <= 0)
                continue;
            const char *pname = str(port, "name") ? str(port, "name") : "";
            json_t *eps = json_object();
            json_array_foreach(slices, k, slice)
            {
                const char *owner =
                    str(json_object_get(json_object_get(slice, "metadata"), "labels"),
                        "kubernetes.io/service-name");
                const char *sns = meta(slice, "namespace");
                if (owner && strcmp(owner, name) == 0 && sns && strcmp(sns, ns) == 0)
                    add_endpoints(eps, slice, pname);
            }
            char key[512];
            snprintf(key, sizeof(key), "%s/%s:%s", ns, name, pname);
            json_object_set_new(snap, key,
                                json_pack("{s:o, s:I, s:I, s:o}", "ips",
                                          service_ips(spec, json_object_get(svc, "status")), "port",
                                          (json_int_t)number, "nodePort",
                                          json_integer_value(json_object_get(port, "nodePort")),
                                          "eps", eps));
        }
    }
    return snap;
}

static char *num(json_int_t n)
{
    return xasprintf("%lld", (long long)n);
}

/* conntrack -D -p udp, then filters: --orig-dst ip (when ip), --orig-port-dst port, and
 * --dst-nat ep (when ep). */
static void add_delete(json_t *cmds, const char *ip, json_int_t port, const char *ep)
{
    cleanup_free char *p = num(port);
    json_t *argv = json_pack("[s, s, s]", "-D", "-p", "udp");
    if (ip) {
        json_array_append_new(argv, json_string("--orig-dst"));
        json_array_append_new(argv, json_string(ip));
    }
    json_array_append_new(argv, json_string("--orig-port-dst"));
    json_array_append_new(argv, json_string(p));
    if (ep) {
        json_array_append_new(argv, json_string("--dst-nat"));
        json_array_append_new(argv, json_string(ep));
    }
    json_array_append_new(cmds, argv);
}

/* Every way in to the service port (its addresses and its node port), optionally only the
 * flows NATed to ep. */
static void add_deletes(json_t *cmds, const json_t *entry, const char *ep)
{
    json_int_t port = json_integer_value(json_object_get(entry, "port"));
    json_int_t node_port = json_integer_value(json_object_get(entry, "nodePort"));
    size_t i;
    json_t *ip;
    json_array_foreach(json_object_get(entry, "ips"), i, ip)
    {
        if (json_string_value(ip))
            add_delete(cmds, json_string_value(ip), port, ep);
    }
    if (node_port > 0)
        add_delete(cmds, NULL, node_port, ep);
}

json_t *proxy_conntrack_plan(const json_t *prev, const json_t *cur)
{
    json_t *cmds = json_array();
    if (!prev)
        return cmds;
    const char *key;
    json_t *entry;
    json_object_foreach((json_t *)cur, key, entry)
    {
        const json_t *was = json_object_get(prev, key);
        json_t *eps = json_object_get(entry, "eps");
        json_t *old_eps = json_object_get(was, "eps");
        /* Flows that met an empty service were not NATed; with endpoints now, they must be. */
        if (json_object_size(eps) > 0 && json_object_size(old_eps) == 0) {
            add_deletes(cmds, entry, NULL);
            continue;
        }
        const char *ep;
        json_t *v;
        json_object_foreach(old_eps, ep, v)
        {
            if (!json_object_get(eps, ep))
                add_deletes(cmds, was, ep);
        }
    }
    json_object_foreach((json_t *)prev, key, entry)
    {
        if (!json_object_get(cur, key) && json_object_size(json_object_get(entry, "eps")) > 0)
            add_deletes(cmds, entry, NULL);
    }
    return cmds;
}
