/*
 * nft.c — Services + EndpointSlices → an `nft -f` script, in kube-proxy's nftables layout (see
 * proxy.h). Pure: no I/O.
 *
 * Why it is fast where iptables is not: a service's addresses are elements of verdict maps
 * (service-ips, keyed by address . protocol . port; service-nodeports) looked up once per new
 * connection, not a list of rules walked one by one; and the kernel takes a script as one
 * transaction of independent objects, so a change names only the chains and elements it
 * touches, without iptables-restore's read-modify-write of the whole table. Endpoints are
 * elements too (the slot maps behind the shared balancers), so most services cost elements,
 * not rules, and an endpoint change gives the kernel no chain to re-validate.
 */
#include "c8s/kinds.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T           "ip " PROXY_NFT_TABLE
#define MASQ_MARK   "0x4000"
#define MAP_SVC     0
#define MAP_NP      1
#define MAP_NOEP    2
#define MAP_NOEPNP  3
#define SET_MASQ    4 /* a set: cluster IP ports whose clients outside the pod CIDR are NATed */
#define SET_HAIRPIN 5 /* a set: "<endpoint> . <endpoint>", a pod reaching itself via a service */
#define NMAPS       6
/* Maps made as needed, one per endpoint slot: the slot-th endpoint of every service, keyed as
 * service-ips (address . protocol . port) or service-nodeports (protocol . port). */
#define MAP_EPS   6
#define MAP_NPEPS 7

static const char *const maps[NMAPS + 2] = {"service-ips",
                                            "service-nodeports",
                                            "no-endpoint-services",
                                            "no-endpoint-nodeports",
                                            "cluster-ip-ports",
                                            "hairpin-endpoints",
                                            "endpoints",
                                            "nodeport-endpoints"};
static const char *const map_types[NMAPS + 2] = {
    "ipv4_addr . inet_proto . inet_service : verdict",
    "inet_proto . inet_service : verdict",
    "ipv4_addr . inet_proto . inet_service : verdict",
    "inet_proto . inet_service : verdict",
    "ipv4_addr . inet_proto . inet_service",
    "ipv4_addr . ipv4_addr",
    "ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service",
    "inet_proto . inet_service : ipv4_addr . inet_service"};

/* A map's name in the script: the fixed ones as they are, a slot's with its number. */
static const char *map_name(int map, unsigned slot, char buf[64])
{
    if (map < NMAPS)
        return maps[map];
    snprintf(buf, 64, "%s-%u", maps[map], slot);
    return buf;
}

/* The chains shared by every service without affinity or a Local external policy, one per
 * endpoint count n (a balancer, coded kind << 24 | n): "balance-<n>" picks one of n slots with
 * numgen and DNATs through that slot's map, looked up by the packet's own address . protocol .
 * port; "external-balance-<n>" marks for masquerade first; "nodeport-balance-<n>" does both
 * for a node port, through the nodeport-endpoints maps. */
#define BAL_CLUSTER  0u
#define BAL_EXTERNAL 1u
#define BAL_NODEPORT 2u
static const char *const bal_kinds[] = {"balance", "external-balance", "nodeport-balance"};

static void bal_name(uint32_t code, char buf[64])
{
    snprintf(buf, 64, "%s-%u", bal_kinds[code >> 24], code & 0xffffffu);
}

typedef struct {
    char *name;
    strbuf_t rules; /* "add rule ip kube-proxy <name> …" lines */
    uint64_t digest;
} nchain_t;

typedef struct {
    int map;
    unsigned slot;     /* of MAP_EPS and MAP_NPEPS */
    char *key, *value; /* value NULL: a set's element */
    char *note;        /* its comment (owned; NULL: none): which service a key is */
} elem_t;

typedef struct {
    char *name;
    long timeout;
} aset_t;

/* One service's share of the table, kept while its objects keep their resourceVersions. */
typedef struct {
    uint64_t fp; /* of the resourceVersions; 0: none known, always regenerate */
    nchain_t *chains;
    size_t nchains, ccap;
    elem_t *elems;
    size_t nelems, ecap;
    aset_t *sets;
    size_t nsets, scap;
    uint32_t *bals; /* the balancers its elements go to */
    size_t nbals, bcap;
    unsigned gen;
} nentry_t;

struct proxy_nft_s {
    json_t *chains;    /* per-service chain name → digest of its rules as last written */
    json_t *sets;      /* affinity set name → true */
    json_t *cache;     /* "ns/name" → nentry_t * (as an integer) */
    json_t *shared;    /* "<map>.<slot>|<element key>" → how many entries want it (see put) */
    json_t *bals;      /* balancer chain name → its code, as created */
    unsigned slots[2]; /* endpoints-* and nodeport-endpoints-* maps created: 0 … slots-1 */
    unsigned gen;
    bool known; /* the table holds what the last build said (false: recreate it) */
};

static void nentry_free(nentry_t *e)
{
    for (size_t i = 0; i < e->nchains; i++) {
        free(e->chains[i].name);
        strbuf_free(&e->chains[i].rules);
    }
    for (size_t i = 0; i < e->nelems; i++) {
        free(e->elems[i].key);
        free(e->elems[i].value);
        free(e->elems[i].note);
    }
    for (size_t i = 0; i < e->nsets; i++)
        free(e->sets[i].name);
    free(e->chains);
    free(e->elems);
    free(e->sets);
    free(e->bals);
    free(e);
}

static nentry_t *entry_of(json_t *v)
{
    return (nentry_t *)(uintptr_t)json_integer_value(v);
}

proxy_nft_t *proxy_nft_new(void)
{
    proxy_nft_t *r = xcalloc(1, sizeof(*r));
    r->chains = json_object();
    r->sets = json_object();
    r->cache = json_object();
    r->shared = json_object();
    r->bals = json_object();
    return r;
}

void proxy_nft_free(proxy_nft_t *r)
{
    if (!r)
        return;
    const char *k;
    json_t *v;
    json_object_foreach(r->cache, k, v)
    {
        nentry_free(entry_of(v));
    }
    json_decref(r->cache);
    json_decref(r->chains);
    json_decref(r->sets);
    json_decref(r->shared);
    json_decref(r->bals);
    free(r);
}

size_t proxy_nft_chains(const proxy_nft_t *r)
{
    return json_object_size(r->chains);
}

void proxy_nft_cleanup(strbuf_t *out)
{
    /* Adding first makes the delete succeed whether or not the table is there. */
    strbuf_add(out, "add table " T "\ndelete table " T "\n");
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *meta(const json_t *o, const char *k)
{
    return str(json_object_get(o, "metadata"), k);
}

/* ---- one service ---- */

typedef struct {
    nentry_t *e;
    const proxy_opts_t *o;
} sbuild_t;

static nchain_t *new_chain(nentry_t *e, char *name)
{
    if (e->nchains == e->ccap) {
        e->ccap = e->ccap ? e->ccap * 2 : 8;
        e->chains = xrealloc(e->chains, e->ccap * sizeof(*e->chains));
    }
    nchain_t *c = &e->chains[e->nchains++];
    c->name = name;
    c->rules = (strbuf_t)STRBUF_INIT;
    c->digest = 0;
    return c;
}

static void add_slot_elem(nentry_t *e, int map, unsigned slot, char *key, char *value, char *note)
{
    if (e->nelems == e->ecap) {
        e->ecap = e->ecap ? e->ecap * 2 : 4;
        e->elems = xrealloc(e->elems, e->ecap * sizeof(*e->elems));
    }
    e->elems[e->nelems++] = (elem_t){map, slot, key, value, note};
}

static void add_elem(nentry_t *e, int map, char *key, char *value)
{
    add_slot_elem(e, map, 0, key, value, NULL);
}

static void add_bal(nentry_t *e, uint32_t kind, size_t n)
{
    uint32_t code = kind << 24 | (uint32_t)n;
    for (size_t i = 0; i < e->nbals; i++)
        if (e->bals[i] == code)
            return;
    if (e->nbals == e->bcap) {
        e->bcap = e->bcap ? e->bcap * 2 : 4;
        e->bals = xrealloc(e->bals, e->bcap * sizeof(*e->bals));
    }
    e->bals[e->nbals++] = code;
}

static void add_set(nentry_t *e, char *name, long timeout)
{
    if (e->nsets == e->scap) {
        e->scap = e->scap ? e->scap * 2 : 4;
        e->sets = xrealloc(e->sets, e->scap * sizeof(*e->sets));
    }
    e->sets[e->nsets++] = (aset_t){name, timeout};
}

/* Appends one rule to chain c: printf-style, the part after the chain's name. */
#define rule(c, ...)                                                                               \
    do {                                                                                           \
        strbuf_addf(&(c)->rules, "add rule " T " %s ", (c)->name);                                 \
        strbuf_addf(&(c)->rules, __VA_ARGS__);                                                     \
        strbuf_add(&(c)->rules, "\n");                                                             \
    } while (0)

/* kube-proxy's readable names: "<kind>-<hash>-<ns>/<name>/<proto>/<port name>", the hash (8
 * characters, as upstream) keeping names unique where the readable part is not. */
static char *port_name(const char *kind, const svcport_t *sp, const ep_t *ep)
{
    char text[640], h[32];
    snprintf(text, sizeof(text), "%s%s%s", sp->spn, sp->proto_l, ep ? ep->key : "");
    /* An affinity set's timeout is fixed when it is made: a new timeout makes a new set (and
     * rewrites the chains naming it) rather than leaving the old one in place. */
    if (strcmp(kind, "affinity") == 0)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%ld",
                 proxy__affinity(sp->svc));
    proxy_chain_name("", text, h);
    h[8] = '\0';
    if (ep)
        return xasprintf("%s-%s-%s/%s/%s/%s__%s/%ld", kind, h, sp->ns, sp->name, sp->proto_l,
                         sp->port_name, ep->ip, ep->port);
    return xasprintf("%s-%s-%s/%s/%s/%s", kind, h, sp->ns, sp->name, sp->proto_l, sp->port_name);
}

/* The endpoint picking of a service or local chain (services with affinity or a Local external
 * policy; the others share balancers, emit_balancer): affinity first, then 1/n, 1/(n-1), … as the
 * iptables mode does, each rule with a random number of its own. Not numgen's one draw into an
 * anonymous verdict map, kube-proxy's form: the kernel names each anonymous set by scanning the
 * table's sets, so 10,000 services took minutes to load. Without affinity the rules DNAT
 * themselves (no chain per endpoint: a chain and a jump per endpoint doubled a full load). */
static void balance(nchain_t *c, const svcport_t *sp, const ep_t **eps, size_t n, long affinity)
{
    if (affinity > 0) {
        for (size_t i = 0; i < n; i++) {
            cleanup_free char *set = port_name("affinity", sp, eps[i]);
            cleanup_free char *ep = port_name("endpoint", sp, eps[i]);
            rule(c, "ip saddr @%s goto %s", set, ep);
        }
    }
    for (size_t i = 0; i < n; i++) {
        char pick[64] = "";
        if (i + 1 < n)
            snprintf(pick, sizeof(pick), "numgen random mod %zu == 0 ", n - i);
        if (affinity > 0) {
            cleanup_free char *ep = port_name("endpoint", sp, eps[i]);
            rule(c, "%sgoto %s", pick, ep);
        } else {
            rule(c, "%smeta l4proto %s dnat to %s:%ld", pick, sp->proto_l, eps[i]->ip,
                 eps[i]->port);
        }
    }
}

/* An endpoint in use: its hairpin element (a pod reaching itself through its service must
 * answer the node, not itself: masqueraded) and, with affinity, its chain remembering clients. */
static void endpoint(sbuild_t *b, const svcport_t *sp, const ep_t *e, long affinity)
{
    char *hp = xasprintf("%s . %s", e->ip, e->ip);
    bool dup = false;
    for (size_t i = 0; i < b->e->nelems && !dup; i++)
        dup = b->e->elems[i].map == SET_HAIRPIN && strcmp(b->e->elems[i].key, hp) == 0;
    if (dup)
        free(hp);
    else
        add_elem(b->e, SET_HAIRPIN, hp, NULL);
    if (affinity <= 0)
        return;
    nchain_t *c = new_chain(b->e, port_name("endpoint", sp, e));
    char *set = port_name("affinity", sp, e);
    rule(c, "update @%s { ip saddr }", set);
    add_set(b->e, set, affinity);
    rule(c, "meta l4proto %s dnat to %s:%ld", sp->proto_l, e->ip, e->port);
}

static void external_chain(sbuild_t *b, const svcport_t *sp, char *ext, const char *svc,
                           const char *local, bool ext_local)
{
    nchain_t *c = new_chain(b->e, ext);
    if (!ext_local) {
        rule(c, "jump mark-for-masquerade");
        rule(c, "goto %s", svc);
        return;
    }
    /* Local policy keeps the client's address, except for traffic that starts in the cluster or
     * on this node, which has a cluster-wide path back. */
    if (b->o->cluster_cidr)
        rule(c, "ip saddr %s goto %s", b->o->cluster_cidr, svc);
    rule(c, "fib saddr type local jump mark-for-masquerade");
    rule(c, "fib saddr type local goto %s", svc);
    rule(c, "goto %s", local);
}

/* The comment a verdict map's element carries: the service port it is, as chains name it. */
static char *note_of(const svcport_t *sp)
{
    return xasprintf("%s/%s/%s/%s", sp->ns, sp->name, sp->proto_l, sp->port_name);
}

/* A key's endpoints, one per slot map, for the balancer of n that its verdict goes to. */
static void slot_elems(sbuild_t *b, int map, const char *key, const ep_t **eps, size_t n)
{
    for (size_t i = 0; i < n; i++)
        add_slot_elem(b->e, map, (unsigned)i, xstrdup(key),
                      xasprintf("%s . %ld", eps[i]->ip, eps[i]->port), NULL);
}

/* Elements for every destination besides the cluster IP: external IPs, load-balancer IPs and
 * the node port, each to the external chain ext, or (ext NULL) through the shared external
 * balancers to all's nall endpoints, or (no endpoints: nall 0) to the reject chain. */
static void external_elems(sbuild_t *b, const svcport_t *sp, const char *ext, const ep_t **all,
                           size_t nall)
{
    const json_t *spec = json_object_get(sp->svc, "spec");
    bool any = ext || nall > 0;
    int map = any ? MAP_SVC : MAP_NOEP;
    char value[600];
    if (ext)
        snprintf(value, sizeof(value), "goto %s", ext);
    else if (nall > 0)
        snprintf(value, sizeof(value), "goto %s-%zu", bal_kinds[BAL_EXTERNAL], nall);
    else
        snprintf(value, sizeof(value), "goto reject-chain");
    cleanup_json json_t *addrs = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "externalIPs"), i, v)
    {
        if (json_is_string(v))
            json_array_append(addrs, v);
    }
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(sp->svc, "status"), "loadBalancer"),
                        "ingress"),
        i, v)
    {
        if (str(v, "ip"))
            json_array_append(addrs, json_object_get(v, "ip"));
    }
    if (!ext && nall > 0 && json_array_size(addrs) > 0) {
        add_bal(b->e, BAL_EXTERNAL, nall);
        add_bal(b->e, BAL_CLUSTER, nall);
    }
    json_array_foreach(addrs, i, v)
    {
        char *key = xasprintf("%s . %s . %ld", json_string_value(v), sp->proto_l, sp->port);
        if (!ext && nall > 0)
            slot_elems(b, MAP_EPS, key, all, nall);
        add_slot_elem(b->e, map, 0, key, xstrdup(value), note_of(sp));
    }
    if (sp->node_port > 0) {
        char *key = xasprintf("%s . %ld", sp->proto_l, sp->node_port);
        if (!ext && nall > 0) {
            add_bal(b->e, BAL_NODEPORT, nall);
            snprintf(value, sizeof(value), "goto %s-%zu", bal_kinds[BAL_NODEPORT], nall);
            slot_elems(b, MAP_NPEPS, key, all, nall);
        }
        add_slot_elem(b->e, any ? MAP_NP : MAP_NOEPNP, 0, key, xstrdup(value), note_of(sp));
    }
}

/* A service port's share. Without ClientIP affinity or a Local external policy (what nearly
 * every service is) it has no chain of its own: its keys go to the shared balancers and its
 * endpoints are elements of the slot maps, so an endpoint change rewrites elements only. Data
 * elements are all the kernel checks on commit; a new rule, or a verdict element, makes it
 * re-validate every chain reachable from the hooks (~45 ms with a chain per service at 10,000
 * services). The others keep kube-proxy's per-service chains. */
static void service_port(svcport_t *sp, void *data)
{
    sbuild_t *b = data;
    const json_t *spec = json_object_get(sp->svc, "spec");
    bool int_local = proxy__is_local(spec, "internalTrafficPolicy");
    bool ext_local = proxy__is_local(spec, "externalTrafficPolicy") && proxy__has_external(sp);
    long affinity = proxy__affinity(sp->svc);
    bool shared = affinity <= 0 && !ext_local;
    cleanup_free char *svc = port_name("service", sp, NULL);
    cleanup_free char *local = port_name("local", sp, NULL);

    cleanup_free const ep_t **all = xcalloc(sp->neps + 1, sizeof(*all));
    cleanup_free const ep_t **loc = xcalloc(sp->neps + 1, sizeof(*loc));
    size_t nall = proxy__pick(sp, b->o, false, all);
    size_t nlocal = (int_local || ext_local) ? proxy__pick(sp, b->o, true, loc) : 0;
    size_t nint = int_local ? nlocal : nall;

    char *key = xasprintf("%s . %s . %ld", sp->cluster_ip, sp->proto_l, sp->port);
    if (nint > 0 && shared) {
        add_bal(b->e, BAL_CLUSTER, nint);
        slot_elems(b, MAP_EPS, key, int_local ? loc : all, nint);
        add_slot_elem(b->e, MAP_SVC, 0, key, xasprintf("goto %s-%zu", bal_kinds[BAL_CLUSTER], nint),
                      note_of(sp));
    } else if (nint > 0) {
        add_slot_elem(b->e, MAP_SVC, 0, key, xasprintf("goto %s", int_local ? local : svc),
                      note_of(sp));
    } else {
        add_slot_elem(b->e, MAP_NOEP, 0, key, xstrdup("goto reject-chain"), note_of(sp));
    }

    if (proxy__has_external(sp)) {
        if ((ext_local ? nlocal : nall) > 0 && !shared) {
            char *ext = port_name("external", sp, NULL);
            external_elems(b, sp, ext, all, nall);
            external_chain(b, sp, ext, svc, local, ext_local);
        } else {
            /* A Local policy without a local endpoint rejects, as no endpoints at all do. */
            external_elems(b, sp, NULL, all, shared ? nall : 0);
        }
    }
    if (nall > 0) {
        /* Clients outside the pod CIDR are masqueraded: the services chain's one rule looks
         * the cluster IP port up (a rule per service was a sixth of a full load). */
        if (!int_local)
            add_elem(b->e, SET_MASQ,
                     xasprintf("%s . %s . %ld", sp->cluster_ip, sp->proto_l, sp->port), NULL);
        if (!shared)
            balance(new_chain(b->e, xstrdup(svc)), sp, all, nall, affinity);
    }
    if (!shared && (int_local || ext_local) && nlocal > 0)
        balance(new_chain(b->e, xstrdup(local)), sp, loc, nlocal, affinity);
    /* Each endpoint in use (a local one is among all's when any is ready): its hairpin
     * element and, with affinity, its chain. */
    for (size_t i = 0; i < sp->neps; i++) {
        const ep_t *e = &sp->eps[i];
        bool used = false;
        for (size_t j = 0; j < nall && !used; j++)
            used = all[j] == e;
        for (size_t j = 0; j < nlocal && !used; j++)
            used = loc[j] == e;
        if (used)
            endpoint(b, sp, e, affinity);
    }
}

/* The service's entry, regenerated unless its fingerprint is the cached one's; a regenerated
 * entry replaces the cached one, handed to the caller in *old (owned; NULL if none). */
/* What a service's rules depend on: its resourceVersion and its slices' (in any order). A
 * digest rather than proxy__fingerprint's string: no allocation or sort for each of 10,000
 * services on every sync, which was a third of a partial build. 0 when a version is missing. */
static uint64_t fingerprint(const json_t *svc, const json_t *slices)
{
    const char *rv = meta(svc, "resourceVersion");
    if (!rv)
        return 0;
    uint64_t h = proxy__digest(rv, strlen(rv));
    size_t i;
    json_t *sl;
    json_array_foreach(slices, i, sl)
    {
        const char *srv = meta(sl, "resourceVersion");
        if (!srv)
            return 0;
        /* Summed after a multiply-shift mix: order-free, and unlike xor two slices at one
         * version do not cancel. */
        uint64_t d = proxy__digest(srv, strlen(srv)) * 0x9E3779B97F4A7C15ULL;
        h += d ^ (d >> 29);
    }
    return h ? h : 1;
}

static nentry_t *cached(proxy_nft_t *r, const char *key, const json_t *svc,
                        const json_t *by_service, const proxy_opts_t *o, nentry_t **old,
                        bool *fresh)
{
    *old = NULL;
    *fresh = false;
    uint64_t fp = fingerprint(svc, json_object_get(by_service, key));
    nentry_t *e = entry_of(json_object_get(r->cache, key));
    if (e && fp && e->fp == fp) {
        e->gen = r->gen;
        return e;
    }
    nentry_t *ne = xcalloc(1, sizeof(*ne));
    sbuild_t b = {ne, o};
    proxy__each_port(svc, by_service, service_port, &b);
    ne->fp = fp;
    for (size_t i = 0; i < ne->nchains; i++)
        ne->chains[i].digest = proxy__digest(ne->chains[i].rules.s ? ne->chains[i].rules.s : "",
                                             ne->chains[i].rules.len);
    ne->gen = r->gen;
    *old = e;
    *fresh = true;
    json_object_set_new(r->cache, key, json_integer((json_int_t)(uintptr_t)ne));
    return ne;
}

/* ---- the script ---- */

/* The chains every build has: name, hook (NULL for a regular chain), rules. */
static const struct {
    const char *name, *hook;
    const char *rules[3];
} base[] = {
    {"mark-for-masquerade", NULL, {"mark set mark or " MASQ_MARK}},
    {"masquerading",
     NULL,
     {"ct status dnat ip saddr . ip daddr @hairpin-endpoints jump mark-for-masquerade",
      "mark and " MASQ_MARK " == 0 return", "mark set mark xor " MASQ_MARK}},
    {"services",
     NULL,
     {"ip daddr . meta l4proto . th dport vmap @service-ips",
      "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap "
      "@service-nodeports"}},
    {"service-endpoints-check",
     NULL,
     {"ip daddr . meta l4proto . th dport vmap @no-endpoint-services"}},
    {"nodeport-endpoints-check",
     NULL,
     {"fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap "
      "@no-endpoint-nodeports"}},
    {"reject-chain", NULL, {"reject"}},
    {"filter-input",
     "type filter hook input priority -10",
     {"ct state new jump nodeport-endpoints-check", "ct state new jump service-endpoints-check"}},
    {"filter-forward",
     "type filter hook forward priority -10",
     {"ct state new jump service-endpoints-check", "ct state new jump nodeport-endpoints-check"}},
    {"filter-output",
     "type filter hook output priority -10",
     {"ct state new jump service-endpoints-check"}},
    {"nat-prerouting", "type nat hook prerouting priority -100", {"jump services"}},
    {"nat-output", "type nat hook output priority -100", {"jump services"}},
    {"nat-postrouting", "type nat hook postrouting priority 100", {"jump masquerading"}},
};

static bool is_set(size_t m)
{
    return !strchr(map_types[m], ':');
}

static void emit_base(strbuf_t *out, const proxy_opts_t *o, bool flush)
{
    strbuf_add(out, "add table " T " { comment \"rules for c8s's service proxy\" ; }\n");
    for (size_t i = 0; i < C8S_ARRAY_SIZE(base); i++) {
        if (base[i].hook)
            strbuf_addf(out, "add chain " T " %s { %s ; }\n", base[i].name, base[i].hook);
        else
            strbuf_addf(out, "add chain " T " %s\n", base[i].name);
    }
    for (size_t i = 0; i < NMAPS; i++)
        strbuf_addf(out, "add %s " T " %s { type %s ; }\n", is_set(i) ? "set" : "map", maps[i],
                    map_types[i]);
    if (flush) {
        for (size_t i = 0; i < C8S_ARRAY_SIZE(base); i++)
            strbuf_addf(out, "flush chain " T " %s\n", base[i].name);
        for (size_t i = 0; i < NMAPS; i++)
            strbuf_addf(out, "flush %s " T " %s\n", is_set(i) ? "set" : "map", maps[i]);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(base); i++) {
        if (strcmp(base[i].name, "services") == 0)
            strbuf_addf(out,
                        "add rule " T " services %s%s%sip daddr . meta l4proto . th dport "
                        "@cluster-ip-ports jump mark-for-masquerade\n",
                        o->cluster_cidr ? "ip saddr != " : "",
                        o->cluster_cidr ? o->cluster_cidr : "", o->cluster_cidr ? " " : "");
        for (size_t j = 0; j < 3 && base[i].rules[j]; j++)
            strbuf_addf(out, "add rule " T " %s %s\n", base[i].name, base[i].rules[j]);
    }
    /* Masquerading's last rule has a protocol-specific option the table above cannot hold. */
    strbuf_add(out, "add rule " T " masquerading masquerade fully-random\n");
}

/* Element statements, one per map so that nft parses one set expression for thousands. */
typedef struct {
    int map;
    unsigned slot;
    strbuf_t del, add;
} egroup_t;

typedef struct {
    egroup_t *g;
    size_t n, cap;
} elems_t;

static egroup_t *group(elems_t *x, const elem_t *el)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->g[i].map == el->map && x->g[i].slot == el->slot)
            return &x->g[i];
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->g = xrealloc(x->g, x->cap * sizeof(*x->g));
    }
    x->g[x->n] = (egroup_t){el->map, el->slot, STRBUF_INIT, STRBUF_INIT};
    return &x->g[x->n++];
}

static void elem_del(elems_t *x, const elem_t *el)
{
    strbuf_t *b = &group(x, el)->del;
    strbuf_addf(b, "%s%s", b->len ? ", " : "", el->key);
}

static void elem_add(elems_t *x, const elem_t *el)
{
    strbuf_t *b = &group(x, el)->add;
    strbuf_addf(b, "%s%s", b->len ? ", " : "", el->key);
    if (el->note)
        strbuf_addf(b, " comment \"%s\"", el->note);
    if (el->value)
        strbuf_addf(b, " : %s", el->value);
}

static void shared_key(const elem_t *el, char k[320])
{
    snprintf(k, 320, "%d.%u|%s", el->map, el->slot, el->key);
}

/* An element wanted by one more entry, or one fewer. A key can be wanted by several: a pod
 * backs several services (hairpin), and two services may claim one external address and port
 * (a mistake iptables tolerates, first rule wins). Its first claim is written, later ones are
 * counted, and it goes when the last lets go; when a map's key loses the claim it was written
 * for while others remain, it is deleted and left in orphans for plan_partial to rewrite with
 * a remaining claim. nft would refuse a key written twice in one script, and fail every sync. */
static void put(json_t *shared, elems_t *x, const elem_t *el)
{
    char k[320];
    shared_key(el, k);
    json_int_t n = json_integer_value(json_object_get(shared, k)) + 1;
    json_object_set_new(shared, k, json_integer(n));
    if (n == 1)
        elem_add(x, el);
}

static void drop(json_t *shared, json_t *orphans, elems_t *x, const elem_t *el)
{
    char k[320];
    shared_key(el, k);
    json_int_t n = json_integer_value(json_object_get(shared, k)) - 1;
    if (n > 0) {
        json_object_set_new(shared, k, json_integer(n));
        /* Which claim was written is not kept: assume this one (sets have no value). */
        if (!el->value || json_object_get(orphans, k))
            return;
        json_object_set_new(orphans, k, json_true());
    } else {
        json_object_del(shared, k);
        /* Deleted already when it became an orphan. */
        if (json_object_get(orphans, k)) {
            json_object_del(orphans, k);
            return;
        }
    }
    elem_del(x, el);
}

static int group_cmp(const void *a, const void *b)
{
    const egroup_t *x = a, *y = b;
    if (x->map != y->map)
        return x->map < y->map ? -1 : 1;
    return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Deletions first: an element changing its value is deleted and added in one script. */
static void emit_elems(strbuf_t *out, elems_t *x)
{
    if (x->n)
        qsort(x->g, x->n, sizeof(*x->g), group_cmp);
    for (int del = 1; del >= 0; del--) {
        for (size_t i = 0; i < x->n; i++) {
            strbuf_t *b = del ? &x->g[i].del : &x->g[i].add;
            char buf[64];
            if (b->len)
                strbuf_addf(out, "%s element " T " %s { %s }\n", del ? "delete" : "add",
                            map_name(x->g[i].map, x->g[i].slot, buf), b->s);
        }
    }
    for (size_t i = 0; i < x->n; i++) {
        strbuf_free(&x->g[i].del);
        strbuf_free(&x->g[i].add);
    }
    free(x->g);
}

static bool has_elem(const nentry_t *e, const elem_t *el)
{
    for (size_t i = 0; i < e->nelems; i++)
        if (e->elems[i].map == el->map && e->elems[i].slot == el->slot &&
            strcmp(e->elems[i].key, el->key) == 0 &&
            strcmp(e->elems[i].value ? e->elems[i].value : "", el->value ? el->value : "") == 0)
            return true;
    return false;
}

static bool has_chain(const nentry_t *e, const char *name)
{
    for (size_t j = 0; j < e->nchains; j++)
        if (strcmp(e->chains[j].name, name) == 0)
            return true;
    return false;
}

static bool has_set(const nentry_t *e, const char *name)
{
    for (size_t j = 0; j < e->nsets; j++)
        if (strcmp(e->sets[j].name, name) == 0)
            return true;
    return false;
}

/* What one build writes and removes; the entries' strings are borrowed. */
typedef struct {
    const nchain_t **write;
    size_t nwrite, wcap;
    const aset_t **sets;
    size_t nsets, scap;
    json_t *stale_chains, *stale_sets;   /* arrays of names */
    json_t *new_bals;                    /* balancer codes to write */
    unsigned maps_from[2], maps_to[2];   /* slot maps to add: [from, to), per kind */
    unsigned maps_flush[2];              /* slot maps to flush (full build): 0 … n-1 */
    unsigned stale_from[2], stale_to[2]; /* slot maps to delete */
    elems_t el;
} plan_t;

/* What the balancers bals need of the slot maps: slots[0] endpoints-*, slots[1] nodeport-*. */
static void bal_slots(const uint32_t *bals, size_t n, unsigned slots[2])
{
    for (size_t i = 0; i < n; i++) {
        unsigned k = bals[i] >> 24, count = bals[i] & 0xffffffu;
        unsigned *s = &slots[k == BAL_NODEPORT ? 1 : 0];
        if (count > *s)
            *s = count;
    }
}

/* A balancer not yet in r: to be written, and known from now on. */
static void plan_bal(proxy_nft_t *r, plan_t *p, uint32_t code)
{
    char name[64];
    bal_name(code, name);
    if (json_object_get(r->bals, name))
        return;
    json_object_set_new(r->bals, name, json_integer(code));
    json_array_append_new(p->new_bals, json_integer(code));
}

static void plan_chain(plan_t *p, const nchain_t *c)
{
    if (p->nwrite == p->wcap) {
        p->wcap = p->wcap ? p->wcap * 2 : 64;
        p->write = xrealloc(p->write, p->wcap * sizeof(*p->write));
    }
    p->write[p->nwrite++] = c;
}

static void plan_set(plan_t *p, const aset_t *s)
{
    if (p->nsets == p->scap) {
        p->scap = p->scap ? p->scap * 2 : 16;
        p->sets = xrealloc(p->sets, p->scap * sizeof(*p->sets));
    }
    p->sets[p->nsets++] = s;
}

/* A full build writes everything; what r knew and no longer is wanted is stale. */
static void plan_full(proxy_nft_t *r, nentry_t *const *entries, size_t n, plan_t *p)
{
    json_t *chains = json_object(), *sets = json_object(), *shared = json_object();
    for (size_t i = 0; i < n; i++) {
        const nentry_t *e = entries[i];
        for (size_t j = 0; j < e->nchains; j++) {
            plan_chain(p, &e->chains[j]);
            json_object_set_new(chains, e->chains[j].name,
                                json_integer((json_int_t)e->chains[j].digest));
        }
        for (size_t j = 0; j < e->nsets; j++) {
            plan_set(p, &e->sets[j]);
            json_object_set_new(sets, e->sets[j].name, json_true());
        }
        for (size_t j = 0; j < e->nelems; j++)
            put(shared, &p->el, &e->elems[j]);
    }
    /* Balancers and slot maps: all that are wanted written, those no longer wanted removed. */
    json_t *old_bals = r->bals;
    r->bals = json_object();
    unsigned want[2] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        bal_slots(entries[i]->bals, entries[i]->nbals, want);
        for (size_t j = 0; j < entries[i]->nbals; j++)
            plan_bal(r, p, entries[i]->bals[j]);
    }
    const char *k;
    json_t *v;
    for (int m = 0; m < 2; m++) {
        unsigned had = r->known ? r->slots[m] : 0;
        p->maps_from[m] = 0;
        p->maps_to[m] = want[m];
        p->maps_flush[m] = had < want[m] ? had : want[m];
        p->stale_from[m] = want[m];
        p->stale_to[m] = had > want[m] ? had : want[m];
        r->slots[m] = want[m];
    }
    if (r->known) {
        json_object_foreach(old_bals, k, v)
        {
            if (!json_object_get(r->bals, k))
                json_array_append_new(p->stale_chains, json_string(k));
        }
    }
    json_decref(old_bals);
    if (r->known) {
        json_object_foreach(r->chains, k, v)
        {
            if (!json_object_get(chains, k))
                json_array_append_new(p->stale_chains, json_string(k));
        }
        json_object_foreach(r->sets, k, v)
        {
            if (!json_object_get(sets, k))
                json_array_append_new(p->stale_sets, json_string(k));
        }
    }
    json_decref(r->chains);
    json_decref(r->sets);
    json_decref(r->shared);
    r->chains = chains;
    r->sets = sets;
    r->shared = shared;
}

static void forget(proxy_nft_t *r, const nentry_t *old, const nentry_t *now, plan_t *p,
                   json_t *orphans)
{
    for (size_t j = 0; j < old->nelems; j++)
        if (!now || !has_elem(now, &old->elems[j]))
            drop(r->shared, orphans, &p->el, &old->elems[j]);
    for (size_t j = 0; j < old->nchains; j++) {
        if (!now || !has_chain(now, old->chains[j].name)) {
            json_array_append_new(p->stale_chains, json_string(old->chains[j].name));
            json_object_del(r->chains, old->chains[j].name);
        }
    }
    for (size_t j = 0; j < old->nsets; j++) {
        if (!now || !has_set(now, old->sets[j].name)) {
            json_array_append_new(p->stale_sets, json_string(old->sets[j].name));
            json_object_del(r->sets, old->sets[j].name);
        }
    }
}

/* A partial build looks only at services whose entry was regenerated and at those gone: a
 * change costs in proportion to what changed, not to the cluster. */
static void plan_partial(proxy_nft_t *r, nentry_t *const *entries, nentry_t *const *olds,
                         const bool *fresh, size_t n, const json_t *gone, plan_t *p)
{
    json_t *orphans = json_object();
    for (size_t i = 0; i < n; i++) {
        if (!fresh[i])
            continue;
        const nentry_t *e = entries[i];
        if (olds[i])
            forget(r, olds[i], e, p, orphans);
        for (size_t j = 0; j < e->nchains; j++) {
            json_t *prev = json_object_get(r->chains, e->chains[j].name);
            if (!prev || (uint64_t)json_integer_value(prev) != e->chains[j].digest)
                plan_chain(p, &e->chains[j]);
            json_object_set_new(r->chains, e->chains[j].name,
                                json_integer((json_int_t)e->chains[j].digest));
        }
        for (size_t j = 0; j < e->nsets; j++) {
            if (!json_object_get(r->sets, e->sets[j].name))
                plan_set(p, &e->sets[j]);
            json_object_set_new(r->sets, e->sets[j].name, json_true());
        }
        for (size_t j = 0; j < e->nelems; j++)
            if (!olds[i] || !has_elem(olds[i], &e->elems[j]))
                put(r->shared, &p->el, &e->elems[j]);
        /* New balancers and slot maps are made; none is removed before the next full build
         * (they are shared, and cheap to keep). */
        unsigned want[2] = {r->slots[0], r->slots[1]};
        bal_slots(e->bals, e->nbals, want);
        for (int m = 0; m < 2; m++) {
            if (want[m] > r->slots[m]) {
                if (p->maps_to[m] == 0)
                    p->maps_from[m] = r->slots[m];
                p->maps_to[m] = r->slots[m] = want[m];
            }
        }
        for (size_t j = 0; j < e->nbals; j++)
            plan_bal(r, p, e->bals[j]);
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)gone, k, v)
    {
        forget(r, entry_of(json_object_get(r->cache, k)), NULL, p, orphans);
    }
    /* Keys deleted while still claimed: written again with a remaining claim, which may be a
     * service this build did not look at. */
    json_object_foreach(r->cache, k, v)
    {
        if (!json_object_size(orphans))
            break;
        if (json_object_get(gone, k))
            continue;
        const nentry_t *e = entry_of(v);
        for (size_t j = 0; j < e->nelems; j++) {
            const elem_t *el = &e->elems[j];
            char ok[320];
            shared_key(el, ok);
            if (json_object_get(orphans, ok)) {
                elem_add(&p->el, el);
                json_object_del(orphans, ok);
            }
        }
    }
    json_decref(orphans);
}

/* A balancer's chain: pick one of n slots, 1/n, 1/(n-1), … as balance() does, each rule a
 * draw of its own, and DNAT through the slot's map. Not one numgen draw into a verdict map,
 * upstream's form: anonymous maps are slow to make here (see balance()). */
static void emit_balancer(strbuf_t *out, uint32_t code, bool flush)
{
    unsigned kind = code >> 24, n = code & 0xffffffu;
    char name[64];
    bal_name(code, name);
    strbuf_addf(out, "add chain " T " %s\n", name);
    if (flush)
        strbuf_addf(out, "flush chain " T " %s\n", name);
    if (kind != BAL_CLUSTER)
        strbuf_addf(out, "add rule " T " %s jump mark-for-masquerade\n", name);
    if (kind == BAL_EXTERNAL) {
        strbuf_addf(out, "add rule " T " %s goto %s-%u\n", name, bal_kinds[BAL_CLUSTER], n);
        return;
    }
    const char *key =
        kind == BAL_NODEPORT ? "meta l4proto . th dport" : "ip daddr . meta l4proto . th dport";
    int map = kind == BAL_NODEPORT ? MAP_NPEPS : MAP_EPS;
    for (unsigned i = 0; i < n; i++) {
        char buf[64];
        strbuf_addf(out, "add rule " T " %s ", name);
        if (i + 1 < n)
            strbuf_addf(out, "numgen random mod %u == 0 ", n - i);
        strbuf_addf(out, "dnat ip to %s map @%s\n", key, map_name(map, i, buf));
    }
}

/* A service with its sort key looked up once. */
typedef struct {
    const char *ns, *name;
    const json_t *svc;
} sorted_svc_t;

static int svc_cmp(const void *a, const void *b)
{
    const sorted_svc_t *x = a, *y = b;
    int c = strcmp(x->ns, y->ns);
    return c ? c : strcmp(x->name, y->name);
}

json_t *proxy__slices_of(const json_t *slices, const json_t *dirty)
{
    json_t *idx = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(slices, i, s)
    {
        const json_t *md = json_object_get(s, "metadata");
        const char *owner = json_string_value(
            json_object_get(json_object_get(md, "labels"), "kubernetes.io/service-name"));
        const char *ns = json_string_value(json_object_get(md, "namespace"));
        char key[600];
        if (!owner || !ns)
            continue;
        snprintf(key, sizeof(key), "%s/%s", ns, owner);
        if (!json_object_get(dirty, key))
            continue;
        json_t *list = json_object_get(idx, key);
        if (!list) {
            list = json_array();
            json_object_set_new(idx, key, list);
        }
        json_array_append(list, s);
    }
    return idx;
}

int proxy_nft_build(proxy_nft_t *r, const json_t *services, const json_t *slices,
                    const json_t *dirty, const proxy_opts_t *o, bool full, strbuf_t *out,
                    c8s_err_t *err)
{
    if (!json_is_array(services) || !json_is_array(slices))
        return c8s_err_set(err, C8S_EINVALID, "services and slices must be JSON arrays");
    if (dirty && !json_is_object(dirty))
        return c8s_err_set(err, C8S_EINVALID, "the changed services must be a JSON object");
    /* Nothing known about the table (first build, or after a failed one): replace it whole. */
    full = full || !r->known;
    const json_t *only = full ? NULL : dirty;
    size_t all = json_array_size(services), n = 0;
    cleanup_free sorted_svc_t *sorted = xcalloc(all + 1, sizeof(*sorted));
    for (size_t i = 0; i < all; i++) {
        const json_t *svc = json_array_get(services, i);
        sorted_svc_t *x = &sorted[n];
        x->svc = svc;
        x->ns = meta(svc, "namespace") ? meta(svc, "namespace") : "";
        x->name = meta(svc, "name") ? meta(svc, "name") : "";
        if (only) {
            char key[600];
            snprintf(key, sizeof(key), "%s/%s", x->ns, x->name);
            if (!json_object_get(only, key))
                continue;
        }
        n++;
    }
    if (n)
        qsort(sorted, n, sizeof(*sorted), svc_cmp);
    cleanup_json json_t *by_service =
        only ? proxy__slices_of(slices, only) : api_slices_by_service(slices);
    r->gen++;
    cleanup_free nentry_t **entries = xcalloc(n + 1, sizeof(*entries));
    cleanup_free nentry_t **olds = xcalloc(n + 1, sizeof(*olds));
    cleanup_free bool *fresh = xcalloc(n + 1, sizeof(*fresh));
    for (size_t i = 0; i < n; i++) {
        char key[600];
        snprintf(key, sizeof(key), "%s/%s", sorted[i].ns, sorted[i].name);
        entries[i] = cached(r, key, sorted[i].svc, by_service, o, &olds[i], &fresh[i]);
    }
    /* Services gone: among the changed ones, or (not told which) every one not seen now. */
    cleanup_json json_t *gone = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(only ? only : r->cache), k, v)
    {
        const nentry_t *e = entry_of(json_object_get(r->cache, k));
        if (e && e->gen != r->gen)
            json_object_set_new(gone, k, json_true());
    }

    plan_t p = {.stale_chains = json_array(), .stale_sets = json_array(), .new_bals = json_array()};
    size_t si;
    json_t *sv;
    if (full)
        plan_full(r, entries, n, &p);
    else
        plan_partial(r, entries, olds, fresh, n, gone, &p);

    if (!r->known)
        strbuf_add(out, "add table " T "\ndelete table " T "\n");
    if (full)
        emit_base(out, o, r->known);
    for (size_t i = 0; i < p.nsets; i++)
        strbuf_addf(
            out, "add set " T " %s { type ipv4_addr ; flags dynamic,timeout ; timeout %lds ; }\n",
            p.sets[i]->name, p.sets[i]->timeout);
    for (int m = 0; m < 2; m++) {
        int map = m ? MAP_NPEPS : MAP_EPS;
        char buf[64];
        for (unsigned i = p.maps_from[m]; i < p.maps_to[m]; i++)
            strbuf_addf(out, "add map " T " %s { type %s ; }\n", map_name(map, i, buf),
                        map_types[map]);
        for (unsigned i = 0; i < p.maps_flush[m]; i++)
            strbuf_addf(out, "flush map " T " %s\n", map_name(map, i, buf));
    }
    json_array_foreach(p.new_bals, si, sv)
    {
        emit_balancer(out, (uint32_t)json_integer_value(sv), full && r->known);
    }
    for (size_t i = 0; i < p.nwrite; i++)
        strbuf_addf(out, "add chain " T " %s\n", p.write[i]->name);
    if (r->known) {
        for (size_t i = 0; i < p.nwrite; i++)
            strbuf_addf(out, "flush chain " T " %s\n", p.write[i]->name);
    }
    for (size_t i = 0; i < p.nwrite; i++)
        if (p.write[i]->rules.len)
            strbuf_addn(out, p.write[i]->rules.s, p.write[i]->rules.len);
    emit_elems(out, &p.el);
    /* Stale chains may jump to each other: all emptied before any is deleted. */
    json_array_foreach(p.stale_chains, si, sv)
    {
        strbuf_addf(out, "flush chain " T " %s\n", json_string_value(sv));
    }
    json_array_foreach(p.stale_chains, si, sv)
    {
        strbuf_addf(out, "delete chain " T " %s\n", json_string_value(sv));
    }
    json_array_foreach(p.stale_sets, si, sv)
    {
        strbuf_addf(out, "delete set " T " %s\n", json_string_value(sv));
    }
    for (int m = 0; m < 2; m++) {
        char buf[64];
        for (unsigned i = p.stale_from[m]; i < p.stale_to[m]; i++)
            strbuf_addf(out, "delete map " T " %s\n", map_name(m ? MAP_NPEPS : MAP_EPS, i, buf));
    }
    json_decref(p.new_bals);
    json_decref(p.stale_chains);
    json_decref(p.stale_sets);
    free(p.write);
    free(p.sets);
    r->known = true;

    for (size_t i = 0; i < n; i++)
        if (olds[i])
            nentry_free(olds[i]);
    json_object_foreach(gone, k, v)
    {
        nentry_free(entry_of(json_object_get(r->cache, k)));
        json_object_del(r->cache, k);
    }
    return 0;
}

void proxy_nft_forget(proxy_nft_t *r)
{
    r->known = false;
}
