/*
 * zone.c — the names of the cluster domain, after the Kubernetes DNS specification (what
 * CoreDNS's kubernetes plugin serves): <svc>.<ns>.svc.<domain> (the cluster IP; for a headless
 * service the ready endpoints' addresses), <hostname>.<svc>.<ns>.svc.<domain> for endpoints
 * with a hostname (StatefulSet pods), _<port>._<proto>.<svc>.<ns>.svc.<domain> SRV records,
 * PTR records for those addresses, ExternalName as a CNAME, and <a-b-c-d>.<ns>.pod.<domain>.
 * Pure: Services and EndpointSlices in, an index out; one question in, one answer out.
 *
 * The index is a JSON object: name → {"a": [...], "aaaa": [...], "cname": s, "ptr": s,
 * "srv": [{"port": n, "target": s}]}.
 */
#include "c8s/dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define TTL 5 /* CoreDNS's kubernetes plugin's default */

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *meta(const json_t *o, const char *k)
{
    return str(json_object_get(o, "metadata"), k);
}

static json_t *entry(json_t *zone, const char *name)
{
    char lower[DNS_NAME_MAX + 1];
    size_t i = 0;
    for (; name[i] && i < DNS_NAME_MAX; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[i] = '\0';
    json_t *e = json_object_get(zone, lower);
    if (!e) {
        e = json_object();
        json_object_set_new(zone, lower, e);
    }
    return e;
}

static void add_to(json_t *e, const char *field, json_t *v)
{
    json_t *arr = json_object_get(e, field);
    if (!arr) {
        arr = json_array();
        json_object_set_new(e, field, arr);
    }
    /* Overlapping slices may list an address twice. */
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        if (json_equal(x, v)) {
            json_decref(v);
            return;
        }
    }
    json_array_append_new(arr, v);
}

/* An address record under name (A or AAAA by the address's family) and its PTR. */
static void add_addr(json_t *zone, const char *name, const char *ip, bool ptr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, ip, &a4) == 1) {
        add_to(entry(zone, name), "a", json_string(ip));
        if (ptr) {
            const uint8_t *b = (const uint8_t *)&a4;
            char rev[64];
            snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
            json_object_set_new(entry(zone, rev), "ptr", json_string(name));
        }
    } else if (inet_pton(AF_INET6, ip, &a6) == 1) {
        add_to(entry(zone, name), "aaaa", json_string(ip));
        if (ptr) {
            char rev[128];
            size_t n = 0;
            for (int i = 15; i >= 0; i--) {
                uint8_t b = a6.s6_addr[i];
                n += (size_t)snprintf(rev + n, sizeof(rev) - n, "%x.%x.", b & 15, b >> 4);
            }
            snprintf(rev + n, sizeof(rev) - n, "ip6.arpa");
            json_object_set_new(entry(zone, rev), "ptr", json_string(name));
        }
    }
}

static void add_srv(json_t *zone, const char *svc_fqdn, const json_t *port, long number,
                    const char *target)
{
    const char *pname = str(port, "name");
    if (!pname || !*pname)
        return;
    const char *proto = str(port, "protocol") ? str(port, "protocol") : "TCP";
    char lp[16];
    size_t i = 0;
    for (; proto[i] && i + 1 < sizeof(lp); i++)
        lp[i] = (char)tolower((unsigned char)proto[i]);
    lp[i] = '\0';
    char name[DNS_NAME_MAX + 1];
    snprintf(name, sizeof(name), "_%s._%s.%s", pname, lp, svc_fqdn);
    add_to(entry(zone, name), "srv",
           json_pack("{s:I,s:s}", "port", (json_int_t)number, "target", target));
}

/* Endpoints of a headless service: each ready address (or every address when the service
 * publishes not-ready ones) under the service's name, under its hostname if it has one
 * (StatefulSet pods) or else under its dashed address, with SRV records per named port. */
static void headless(json_t *zone, const char *fqdn, const json_t *slice, bool publish_all)
{
    size_t i, j;
    json_t *ep, *port;
    json_array_foreach(json_object_get(slice, "endpoints"), i, ep)
    {
        json_t *ready = json_object_get(json_object_get(ep, "conditions"), "ready");
        if (!publish_all && json_is_false(ready))
            continue;
        const char *ip = json_string_value(json_array_get(json_object_get(ep, "addresses"), 0));
        if (!ip)
            continue;
        add_addr(zone, fqdn, ip, false);
        char host[2 * DNS_NAME_MAX + 2];
        const char *hn = str(ep, "hostname");
        if (hn && *hn) {
            snprintf(host, sizeof(host), "%s.%s", hn, fqdn);
        } else {
            char dashed[64];
            snprintf(dashed, sizeof(dashed), "%s", ip);
            for (char *p = dashed; *p; p++)
                if (*p == '.' || *p == ':')
                    *p = '-';
            snprintf(host, sizeof(host), "%s.%s", dashed, fqdn);
        }
        if (strlen(host) > DNS_NAME_MAX)
            continue;
        add_addr(zone, host, ip, hn && *hn);
        json_array_foreach(json_object_get(slice, "ports"), j, port)
        {
            add_srv(zone, fqdn, port, (long)json_integer_value(json_object_get(port, "port")),
                    host);
        }
    }
}

json_t *dns_zone_build(const json_t *services, const json_t *slices, const char *domain)
{
    json_t *zone = json_object();
    /* Slices by "ns/service". */
    cleanup_json json_t *by_svc = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(slices, i, s)
    {
        const char *owner = str(json_object_get(json_object_get(s, "metadata"), "labels"),
                                "kubernetes.io/service-name");
        const char *ns = meta(s, "namespace");
        if (!owner || !ns)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "%s/%s", ns, owner);
        json_t *list = json_object_get(by_svc, key);
        if (!list) {
            list = json_array();
            json_object_set_new(by_svc, key, list);
        }
        json_array_append(list, s);
    }
    json_array_foreach(services, i, s)
    {
        const char *ns = meta(s, "namespace"), *name = meta(s, "name");
        const json_t *spec = json_object_get(s, "spec");
        if (!ns || !name)
            continue;
        char fqdn[DNS_NAME_MAX + 1];
        snprintf(fqdn, sizeof(fqdn), "%s.%s.svc.%s", name, ns, domain);
        const char *type = str(spec, "type");
        if (type && strcmp(type, "ExternalName") == 0) {
            const char *ext = str(spec, "externalName");
            if (ext && *ext)
                json_object_set_new(entry(zone, fqdn), "cname", json_string(ext));
            continue;
        }
        const char *cip = str(spec, "clusterIP");
        if (cip && strcmp(cip, "None") == 0) {
            char key[512];
            snprintf(key, sizeof(key), "%s/%s", ns, name);
            bool all = json_is_true(json_object_get(spec, "publishNotReadyAddresses"));
            size_t j;
            json_t *sl;
            entry(zone, fqdn); /* the name exists even with no endpoints yet */
            json_array_foreach(json_object_get(by_svc, key), j, sl)
            {
                headless(zone, fqdn, sl, all);
            }
            continue;
        }
        if (!cip || !*cip)
            continue;
        json_t *ips = json_object_get(spec, "clusterIPs");
        if (json_array_size(ips) == 0)
            add_addr(zone, fqdn, cip, true);
        size_t j;
        json_t *ip, *port;
        json_array_foreach(ips, j, ip)
        {
            if (json_is_string(ip))
                add_addr(zone, fqdn, json_string_value(ip), true);
        }
        json_array_foreach(json_object_get(spec, "ports"), j, port)
        {
            add_srv(zone, fqdn, port, (long)json_integer_value(json_object_get(port, "port")),
                    fqdn);
        }
    }
    return zone;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0 && (n == m || s[n - m - 1] == '.');
}

static dns_rr_t *push(dns_rr_t **arr, size_t *n, const char *name, uint16_t type)
{
    *arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
    dns_rr_t *rr = &(*arr)[(*n)++];
    memset(rr, 0, sizeof(*rr));
    snprintf(rr->name, sizeof(rr->name), "%s", name);
    rr->type = type;
    rr->ttl = TTL;
    return rr;
}

static void addrs(dns_rr_t **arr, size_t *n, const char *name, const json_t *e, uint16_t type)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(e, type == DNS_A ? "a" : "aaaa"), i, v)
    {
        dns_rr_t *rr = push(arr, n, name, type);
        inet_pton(type == DNS_A ? AF_INET : AF_INET6, json_string_value(v), rr->addr);
    }
}

/* <a-b-c-d>.<ns>.pod.<domain>: the address spelled in the name, as CoreDNS's "pods insecure". */
static bool pod_name(const char *name, const char *domain, uint8_t addr[4])
{
    char suffix[DNS_NAME_MAX + 1];
    const char *dot = strchr(name, '.');
    if (!dot)
        return false;
    const char *ns_end = strchr(dot + 1, '.');
    if (!ns_end)
        return false;
    snprintf(suffix, sizeof(suffix), "pod.%s", domain);
    if (strcmp(ns_end + 1, suffix) != 0)
        return false;
    char ip[32];
    size_t len = (size_t)(dot - name);
    if (len >= sizeof(ip))
        return false;
    memcpy(ip, name, len);
    ip[len] = '\0';
    for (char *p = ip; *p; p++)
        if (*p == '-')
            *p = '.';
    return inet_pton(AF_INET, ip, addr) == 1;
}

static void negative(dns_answer_t *a, const char *domain, int rcode)
{
    a->rcode = rcode;
    dns_rr_t *soa = push(&a->ns, &a->nns, domain, DNS_SOA);
    snprintf(soa->target, sizeof(soa->target), "ns.dns.%s", domain);
}

int dns_zone_answer(const json_t *zone, const char *domain, const dns_query_t *q, dns_answer_t *a)
{
    memset(a, 0, sizeof(*a));
    const char *name = q->name;
    bool reverse = ends_with(name, "in-addr.arpa") || ends_with(name, "ip6.arpa");
    json_t *e = json_object_get(zone, name);
    if (reverse && !e)
        return 0; /* not one of ours: the node's resolvers know */
    if (!reverse && !ends_with(name, domain))
        return 0;
    a->authoritative = 1;
    uint8_t pod[4];
    if (!e && pod_name(name, domain, pod)) {
        if (q->qtype == DNS_A || q->qtype == DNS_ANY)
            memcpy(push(&a->an, &a->nan, name, DNS_A)->addr, pod, 4);
        else
            negative(a, domain, DNS_NOERROR);
        return 1;
    }
    if (!e) {
        /* The domain, svc.<domain>, <ns>.svc.<domain> and pod.<domain> exist without records of
         * their own (empty non-terminals): no data rather than no such name. */
        char svc[DNS_NAME_MAX + 1], podz[DNS_NAME_MAX + 1];
        snprintf(svc, sizeof(svc), "svc.%s", domain);
        snprintf(podz, sizeof(podz), "pod.%s", domain);
        bool exists = strcmp(name, domain) == 0 || ends_with(name, svc) || strcmp(name, podz) == 0;
        if (exists && ends_with(name, svc)) {
            /* Only the namespace level: <ns>.svc.<domain>. */
            size_t dots = 0;
            for (const char *p = name; *p; p++)
                dots += *p == '.';
            size_t want = 1;
            for (const char *p = svc; *p; p++)
                want += *p == '.';
            exists = dots <= want;
        }
        negative(a, domain, exists ? DNS_NOERROR : DNS_NXDOMAIN);
        return 1;
    }
    const char *cname = str(e, "cname");
    if (cname && q->qtype != DNS_CNAME) {
        snprintf(push(&a->an, &a->nan, name, DNS_CNAME)->target, DNS_NAME_MAX + 1, "%s", cname);
        return 1;
    }
    switch (q->qtype) {
    case DNS_A:
    case DNS_AAAA:
        addrs(&a->an, &a->nan, name, e, q->qtype);
        break;
    case DNS_CNAME:
        if (cname)
            snprintf(push(&a->an, &a->nan, name, DNS_CNAME)->target, DNS_NAME_MAX + 1, "%s", cname);
        break;
    case DNS_PTR:
        if (str(e, "ptr"))
            snprintf(push(&a->an, &a->nan, name, DNS_PTR)->target, DNS_NAME_MAX + 1, "%s",
                     str(e, "ptr"));
        break;
    case DNS_SRV:
    case DNS_ANY: {
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(e, "srv"), i, v)
        {
            dns_rr_t *rr = push(&a->an, &a->nan, name, DNS_SRV);
            rr->priority = 0;
            rr->weight = (uint16_t)(100 / json_array_size(json_object_get(e, "srv")));
            rr->port = (uint16_t)json_integer_value(json_object_get(v, "port"));
            snprintf(rr->target, sizeof(rr->target), "%s", str(v, "target"));
            /* The target's address saves the client a second question. */
            json_t *t = json_object_get(zone, rr->target);
            if (t)
                addrs(&a->ar, &a->nar, rr->target, t, DNS_A);
        }
        if (q->qtype == DNS_ANY) {
            addrs(&a->an, &a->nan, name, e, DNS_A);
            addrs(&a->an, &a->nan, name, e, DNS_AAAA);
        }
        break;
    }
    default:
        break;
    }
    if (a->nan == 0)
        negative(a, domain, DNS_NOERROR);
    return 1;
}
