/*
 * netpol.c — NetworkPolicy (networking.k8s.io/v1) as iptables filter rules for the pods of this
 * node. Pure: policies, pods and namespaces in, a `*filter` section for iptables-restore out.
 *
 * Semantics as upstream documents them: a pod is isolated for ingress (egress) once a policy
 * selecting it has that policy type; traffic is then allowed only when some rule of some such
 * policy allows it; policies add up, they never deny. Layout: FORWARD jumps to C8S-NETPOL, which
 * lets established flows through, clears two mark bits, sends each isolated pod's traffic to its
 * own chain (C8S-NPI-* for what arrives, C8S-NPE-* for what leaves), where an allowed packet gets
 * its bit (0x10000 in, 0x20000 out), and drops what an isolated pod did not allow. Marks rather
 * than ACCEPT, so a packet between two isolated pods must pass both pods' chains. An ipBlock with
 * exceptions gets a small chain of its own (C8S-NPB-*) that returns early for the exceptions.
 */
#include "c8s/proxy.h"
#include "c8s/selector.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define MARK_IN  "0x10000"
#define MARK_OUT "0x20000"

struct netpol_s {
    json_t *chains; /* chains written by the last build (name → true) */
};

netpol_t *netpol_new(void)
{
    netpol_t *n = xcalloc(1, sizeof(*n));
    n->chains = json_object();
    return n;
}

void netpol_free(netpol_t *n)
{
    if (!n)
        return;
    json_decref(n->chains);
    free(n);
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *meta(const json_t *o, const char *k)
{
    return str(json_object_get(o, "metadata"), k);
}

static const json_t *labels(const json_t *o)
{
    return json_object_get(json_object_get(o, "metadata"), "labels");
}

/* A LabelSelector (JSON) matching labels; a missing selector matches nothing, an empty one all. */
static bool selects(const json_t *sel, const json_t *lbls)
{
    if (!sel)
        return false;
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (labelsel_from_json(sel, &ls, &err) != 0) {
        c8s_err_clear(&err);
        return false; /* an invalid selector selects nothing, as upstream */
    }
    bool m = labelsel_matches(ls, lbls);
    labelsel_free(ls);
    return m;
}

static bool pod_live(const json_t *pod)
{
    const json_t *st = json_object_get(pod, "status");
    const char *phase = str(st, "phase");
    const char *ip = str(st, "podIP");
    return ip && *ip &&
           !json_is_true(json_object_get(json_object_get(pod, "spec"), "hostNetwork")) &&
           !(phase && (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0));
}

static bool has_type(const json_t *pol, const char *type)
{
    const json_t *spec = json_object_get(pol, "spec");
    const json_t *types = json_object_get(spec, "policyTypes");
    if (!types)
        /* Absent: Ingress always, Egress when egress rules are given. */
        return strcmp(type, "Ingress") == 0 || json_object_get(spec, "egress") != NULL;
    size_t i;
    json_t *t;
    json_array_foreach(types, i, t)
    {
        if (json_is_string(t) && strcmp(json_string_value(t), type) == 0)
            return true;
    }
    return false;
}

typedef struct {
    const json_t *pods, *namespaces;
    strbuf_t rules;
    json_t *chains; /* written this build */
} nb_t;

static void chain_name(const char *prefix, const char *text, char out[32])
{
    proxy_chain_name(prefix, text, out);
}

static void declare(nb_t *b, const char *name)
{
    json_object_set_new(b->chains, name, json_true());
}

/* " -p tcp -m tcp --dport 80[:90]" for a NetworkPolicyPort against the pod that owns named
 * ports (NULL: named ports cannot be resolved); false when the port does not apply. */
static bool port_match(const json_t *port, const json_t *named_pod, char *buf, size_t size)
{
    const char *proto = str(port, "protocol");
    char lp[8] = "tcp";
    if (proto) {
        size_t i = 0;
        for (; proto[i] && i + 1 < sizeof(lp); i++)
            lp[i] = (char)(proto[i] >= 'A' && proto[i] <= 'Z' ? proto[i] + 32 : proto[i]);
        lp[i] = '\0';
    }
    json_t *p = json_object_get(port, "port");
    long num = 0, end = (long)json_integer_value(json_object_get(port, "endPort"));
    if (json_is_integer(p)) {
        num = (long)json_integer_value(p);
    } else if (json_is_string(p)) {
        size_t i, j;
        json_t *c, *cp;
        json_array_foreach(json_object_get(json_object_get(named_pod, "spec"), "containers"), i, c)
        {
            json_array_foreach(json_object_get(c, "ports"), j, cp)
            {
                const char *n = str(cp, "name");
                if (n && strcmp(n, json_string_value(p)) == 0)
                    num = (long)json_integer_value(json_object_get(cp, "containerPort"));
            }
        }
        if (num <= 0)
            return false;
        end = 0;
    }
    if (num > 0 && end > num)
        snprintf(buf, size, " -p %s -m %s --dport %ld:%ld", lp, lp, num, end);
    else if (num > 0)
        snprintf(buf, size, " -p %s -m %s --dport %ld", lp, lp, num);
    else
        snprintf(buf, size, " -p %s", lp);
    return true;
}

/* Emits, for each port of the rule (or once when it has none), one line allowing addr. */
static void allow(nb_t *b, const char *chain, const char *dir, const char *addr,
                  const json_t *ports, const json_t *named_pod, const char *target)
{
    if (json_array_size(ports) == 0) {
        strbuf_addf(&b->rules, "-A %s %s %s -j %s\n", chain, dir, addr, target);
        return;
    }
    size_t i;
    json_t *port;
    json_array_foreach(ports, i, port)
    {
        char pm[96];
        if (port_match(port, named_pod, pm, sizeof(pm)))
            strbuf_addf(&b->rules, "-A %s %s %s%s -j %s\n", chain, dir, addr, pm, target);
    }
}

static const json_t *ns_obj(nb_t *b, const char *name)
{
    size_t i;
    json_t *n;
    json_array_foreach(b->namespaces, i, n)
    {
        const char *nm = meta(n, "name");
        if (nm && strcmp(nm, name) == 0)
            return n;
    }
    return NULL;
}

/* One peer of one rule: pods by selectors, or an ipBlock. */
static void peer(nb_t *b, const char *chain, bool ingress, const json_t *pol, const json_t *pr,
                 const json_t *ports, const json_t *self, const char *mark_target)
{
    const char *dir = ingress ? "-s" : "-d";
    const json_t *block = json_object_get(pr, "ipBlock");
    if (block) {
        const char *cidr = str(block, "cidr");
        if (!cidr)
            return;
        const json_t *except = json_object_get(block, "except");
        if (json_array_size(except) == 0) {
            allow(b, chain, dir, cidr, ports, ingress ? self : NULL, mark_target);
            return;
        }
        char sub[32], text[256];
        cleanup_free char *ex = json_dumps(except, JSON_COMPACT);
        snprintf(text, sizeof(text), "%s|%s|%s", chain, cidr, ex ? ex : "");
        chain_name("C8S-NPB-", text, sub);
        declare(b, sub);
        size_t i;
        json_t *e;
        json_array_foreach(except, i, e)
        {
            if (json_is_string(e))
                strbuf_addf(&b->rules, "-A %s %s %s -j RETURN\n", sub, dir, json_string_value(e));
        }
        strbuf_addf(&b->rules, "-A %s -j %s\n", sub, mark_target);
        allow(b, chain, dir, cidr, ports, ingress ? self : NULL, sub);
        return;
    }
    const json_t *pod_sel = json_object_get(pr, "podSelector");
    const json_t *ns_sel = json_object_get(pr, "namespaceSelector");
    const char *pol_ns = meta(pol, "namespace");
    size_t i;
    json_t *pod;
    json_array_foreach(b->pods, i, pod)
    {
        if (!pod_live(pod))
            continue;
        const char *pns = meta(pod, "namespace");
        if (!pns)
            continue;
        if (ns_sel) {
            if (!selects(ns_sel, labels(ns_obj(b, pns))))
                continue;
        } else if (!pol_ns || strcmp(pns, pol_ns) != 0) {
            continue;
        }
        if (pod_sel && !selects(pod_sel, labels(pod)))
            continue;
        char addr[64];
        snprintf(addr, sizeof(addr), "%s/32", str(json_object_get(pod, "status"), "podIP"));
        /* Named ports belong to the pod receiving the traffic. */
        allow(b, chain, dir, addr, ports, ingress ? self : pod, mark_target);
    }
}

/* The chain of one isolated pod in one direction, from every policy selecting it. */
static void pod_chain(nb_t *b, const json_t *pod, const json_t *policies, bool ingress,
                      const char *chain)
{
    const char *mark = ingress ? "MARK --or-mark " MARK_IN : "MARK --or-mark " MARK_OUT;
    char target[64];
    snprintf(target, sizeof(target), "%s", mark);
    size_t i, j, k;
    json_t *pol, *rule, *pr;
    json_array_foreach(policies, i, pol)
    {
        const char *pns = meta(pol, "namespace");
        if (!pns || strcmp(pns, meta(pod, "namespace")) != 0 ||
            !has_type(pol, ingress ? "Ingress" : "Egress") ||
            !selects(json_object_get(json_object_get(pol, "spec"), "podSelector"), labels(pod)))
            continue;
        json_array_foreach(
            json_object_get(json_object_get(pol, "spec"), ingress ? "ingress" : "egress"), j, rule)
        {
            const json_t *peers = json_object_get(rule, ingress ? "from" : "to");
            const json_t *ports = json_object_get(rule, "ports");
            if (json_array_size(peers) == 0) {
                allow(b, chain, ingress ? "-s" : "-d", "0.0.0.0/0", ports, ingress ? pod : NULL,
                      target);
                continue;
            }
            json_array_foreach(peers, k, pr)
            {
                peer(b, chain, ingress, pol, pr, ports, pod, target);
            }
        }
    }
}

static bool isolated(const json_t *pod, const json_t *policies, const char *type)
{
    size_t i;
    json_t *pol;
    json_array_foreach(policies, i, pol)
    {
        const char *pns = meta(pol, "namespace");
        if (pns && strcmp(pns, meta(pod, "namespace")) == 0 && has_type(pol, type) &&
            selects(json_object_get(json_object_get(pol, "spec"), "podSelector"), labels(pod)))
            return true;
    }
    return false;
}

int netpol_build(netpol_t *n, const json_t *policies, const json_t *pods, const json_t *namespaces,
                 const char *node_name, strbuf_t *out, c8s_err_t *err)
{
    if (!json_is_array(policies) || !json_is_array(pods) || !json_is_array(namespaces))
        return c8s_err_set(err, C8S_EINVALID, "policies, pods and namespaces must be arrays");
    nb_t b = {.pods = pods, .namespaces = namespaces, .chains = json_object()};
    strbuf_t top = STRBUF_INIT;
    strbuf_add(&top, "-A C8S-NETPOL -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n"
                     "-A C8S-NETPOL -j MARK --and-mark 0xfffcffff\n");
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        const char *node = str(json_object_get(pod, "spec"), "nodeName");
        if (!pod_live(pod) || !node || !node_name || strcmp(node, node_name) != 0 ||
            !meta(pod, "namespace"))
            continue;
        const char *ip = str(json_object_get(pod, "status"), "podIP");
        for (int d = 0; d < 2; d++) {
            bool ingress = d == 0;
            if (!isolated(pod, policies, ingress ? "Ingress" : "Egress"))
                continue;
            char chain[32], text[128];
            snprintf(text, sizeof(text), "%s/%s/%s", meta(pod, "namespace"), meta(pod, "name"), ip);
            chain_name(ingress ? "C8S-NPI-" : "C8S-NPE-", text, chain);
            declare(&b, chain);
            pod_chain(&b, pod, policies, ingress, chain);
            const char *dir = ingress ? "-d" : "-s";
            strbuf_addf(&top, "-A C8S-NETPOL %s %s/32 -j %s\n", dir, ip, chain);
            strbuf_addf(&top,
                        "-A C8S-NETPOL %s %s/32 -m mark ! --mark %s/%s -m comment --comment "
                        "\"%s/%s %s isolated\" -j DROP\n",
                        dir, ip, ingress ? MARK_IN : MARK_OUT, ingress ? MARK_IN : MARK_OUT,
                        meta(pod, "namespace"), meta(pod, "name"), ingress ? "ingress" : "egress");
        }
    }
    strbuf_add(out, "*filter\n:C8S-NETPOL - [0:0]\n");
    const char *k;
    json_t *v;
    json_object_foreach(b.chains, k, v)
    {
        strbuf_addf(out, ":%s - [0:0]\n", k);
    }
    json_object_foreach(n->chains, k, v)
    {
        if (!json_object_get(b.chains, k))
            strbuf_addf(out, ":%s - [0:0]\n", k);
    }
    strbuf_add(out, top.s);
    if (b.rules.s)
        strbuf_add(out, b.rules.s);
    json_object_foreach(n->chains, k, v)
    {
        if (!json_object_get(b.chains, k))
            strbuf_addf(out, "-X %s\n", k);
    }
    strbuf_add(out, "COMMIT\n");
    json_decref(n->chains);
    n->chains = b.chains;
    strbuf_free(&top);
    strbuf_free(&b.rules);
    return 0;
}
