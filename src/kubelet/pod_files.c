/*
 * pod_files.c — the files the kubelet writes per pod and bind-mounts into every container of
 * it: hostname, /etc/hosts and /etc/resolv.conf. Pure: the node's resolv.conf comes in as text.
 */
#include "c8s/kubelet.h"
#include "c8s/strbuf.h"

#include <string.h>

#define MAX_NAMESERVERS 3
#define MAX_SEARCHES    32

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

char *kubelet_pod_hostname(const json_t *pod)
{
    const char *h = str(json_object_get(pod, "spec"), "hostname");
    if (!h || !*h)
        h = str(json_object_get(pod, "metadata"), "name");
    if (!h)
        h = "localhost";
    /* A hostname is one DNS label; upstream cuts long pod names the same way. */
    size_t n = strlen(h);
    if (n > 63)
        n = 63;
    while (n > 1 && (h[n - 1] == '-' || h[n - 1] == '.'))
        n--;
    return xstrndup(h, n);
}

char *kubelet_pod_hosts(const json_t *pod, const char *pod_ip, const char *domain)
{
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "# Kubernetes-managed hosts file.\n"
                   "127.0.0.1\tlocalhost\n"
                   "::1\tlocalhost ip6-localhost ip6-loopback\n"
                   "fe00::0\tip6-localnet\n"
                   "fe00::0\tip6-mcastprefix\n"
                   "fe00::1\tip6-allnodes\n"
                   "fe00::2\tip6-allrouters\n");
    json_t *spec = json_object_get(pod, "spec");
    cleanup_free char *host = kubelet_pod_hostname(pod);
    const char *sub = str(spec, "subdomain");
    const char *ns = str(json_object_get(pod, "metadata"), "namespace");
    if (pod_ip && *pod_ip) {
        if (sub && *sub)
            strbuf_addf(&b, "%s\t%s.%s.%s.svc.%s\t%s\n", pod_ip, host, sub, ns ? ns : "default",
                        domain, host);
        else
            strbuf_addf(&b, "%s\t%s\n", pod_ip, host);
    }
    json_t *aliases = json_object_get(spec, "hostAliases");
    if (json_array_size(aliases) > 0) {
        strbuf_add(&b, "\n# Entries added by HostAliases.\n");
        json_t *a, *h;
        size_t i, j;
        json_array_foreach(aliases, i, a)
        {
            const char *ip = str(a, "ip");
            if (!ip || json_array_size(json_object_get(a, "hostnames")) == 0)
                continue;
            strbuf_add(&b, ip);
            json_array_foreach(json_object_get(a, "hostnames"), j, h)
            {
                if (json_string_value(h))
                    strbuf_addf(&b, "\t%s", json_string_value(h));
            }
            strbuf_add(&b, "\n");
        }
    }
    return strbuf_take(&b);
}

typedef struct {
    char *ns[MAX_NAMESERVERS];
    size_t n_ns;
    char *search[MAX_SEARCHES];
    size_t n_search;
    json_t *options; /* name → value or null, in order */
} resolv_t;

static void add_ns(resolv_t *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->n_ns; i++)
        if (strlen(r->ns[i]) == n && strncmp(r->ns[i], s, n) == 0)
            return;
    if (r->n_ns < MAX_NAMESERVERS)
        r->ns[r->n_ns++] = xstrndup(s, n);
}

static void add_search(resolv_t *r, const char *s, size_t n)
{
    for (size_t i = 0; i < r->n_search; i++)
        if (strlen(r->search[i]) == n && strncmp(r->search[i], s, n) == 0)
            return;
    if (r->n_search < MAX_SEARCHES)
        r->search[r->n_search++] = xstrndup(s, n);
}

/* "ndots:5" or "rotate": a later option of the same name replaces the earlier one. */
static void add_option(resolv_t *r, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    cleanup_free char *name = xstrndup(s, colon ? (size_t)(colon - s) : n);
    json_object_del(r->options, name);
    json_object_set_new(r->options, name,
                        colon ? json_stringn(colon + 1, n - (size_t)(colon + 1 - s)) : json_null());
}

static void words(resolv_t *r, const char *line, void (*add)(resolv_t *, const char *, size_t))
{
    const char *p = line;
    for (;;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t\n");
        if (n == 0)
            return;
        add(r, p, n);
        p += n;
    }
}

/* The node's file: nameservers, search domains and options, comments skipped. */
static void parse_node(resolv_t *r, const char *text, bool servers, bool options)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        cleanup_free char *l = xstrndup(line, len);
        if (servers && strncmp(l, "nameserver", 10) == 0 && (l[10] == ' ' || l[10] == '\t'))
            words(r, l + 11, add_ns);
        else if ((strncmp(l, "search", 6) == 0 || strncmp(l, "domain", 6) == 0) &&
                 (l[6] == ' ' || l[6] == '\t'))
            words(r, l + 7, add_search);
        else if (options && strncmp(l, "options", 7) == 0 && (l[7] == ' ' || l[7] == '\t'))
            words(r, l + 8, add_option);
        line = end ? end + 1 : NULL;
    }
}

char *kubelet_pod_resolv_conf(const json_t *pod, const char *cluster_dns, const char *domain,
                              const char *node_resolv)
{
    json_t *spec = json_object_get(pod, "spec");
    const char *policy = str(spec, "dnsPolicy");
    if (!policy || !*policy)
        policy = "ClusterFirst";
    bool host_net = json_is_true(json_object_get(spec, "hostNetwork"));
    /* Upstream: ClusterFirst on the host's network means the node's resolvers. */
    bool cluster = strcmp(policy, "ClusterFirstWithHostNet") == 0 ||
                   (strcmp(policy, "ClusterFirst") == 0 && !host_net);
    bool none = strcmp(policy, "None") == 0;
    resolv_t r = {.options = json_object()};
    if (cluster) {
        const char *ns = str(json_object_get(pod, "metadata"), "namespace");
        add_ns(&r, cluster_dns, strlen(cluster_dns));
        cleanup_free char *s1 = xasprintf("%s.svc.%s", ns ? ns : "default", domain);
        cleanup_free char *s2 = xasprintf("svc.%s", domain);
        add_search(&r, s1, strlen(s1));
        add_search(&r, s2, strlen(s2));
        add_search(&r, domain, strlen(domain));
        parse_node(&r, node_resolv, false, false);
        add_option(&r, "ndots:5", 7);
    } else if (!none) {
        parse_node(&r, node_resolv, true, true);
    }
    json_t *dc = json_object_get(spec, "dnsConfig"), *v;
    size_t i;
    json_array_foreach(json_object_get(dc, "nameservers"), i, v)
    {
        if (json_string_value(v))
            add_ns(&r, json_string_value(v), json_string_length(v));
    }
    json_array_foreach(json_object_get(dc, "searches"), i, v)
    {
        if (json_string_value(v))
            add_search(&r, json_string_value(v), json_string_length(v));
    }
    json_array_foreach(json_object_get(dc, "options"), i, v)
    {
        const char *name = str(v, "name");
        if (!name)
            continue;
        const char *val = str(v, "value");
        cleanup_free char *o = val ? xasprintf("%s:%s", name, val) : xstrdup(name);
        add_option(&r, o, strlen(o));
    }

    strbuf_t b = STRBUF_INIT;
    for (i = 0; i < r.n_ns; i++) {
        strbuf_addf(&b, "nameserver %s\n", r.ns[i]);
        free(r.ns[i]);
    }
    if (r.n_search) {
        strbuf_add(&b, "search");
        for (i = 0; i < r.n_search; i++) {
            strbuf_addf(&b, " %s", r.search[i]);
            free(r.search[i]);
        }
        strbuf_add(&b, "\n");
    }
    if (json_object_size(r.options)) {
        strbuf_add(&b, "options");
        const char *k;
        json_object_foreach(r.options, k, v)
        {
            if (json_is_string(v))
                strbuf_addf(&b, " %s:%s", k, json_string_value(v));
            else
                strbuf_addf(&b, " %s", k);
        }
        strbuf_add(&b, "\n");
    }
    json_decref(r.options);
    return strbuf_take(&b);
}
