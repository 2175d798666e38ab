/*
 * nft.c — Services + EndpointSlices → an `nft -f` script, in kube-proxy's nftables layout (see
 * proxy.h). Pure: no I/O.
 *
 * Why it is fast where iptables is not: a service's addresses are elements of verdict maps
 * (service-ips, keyed by address . protocol . port; service-nodeports) looked up once per new
 * connection, not a list of rules walked one by one; and the kernel takes a script as one
 * transaction of independent objects, so a change names only the chains and elements it
 * touches, without iptables-restore's read-modify-write of the whole table.
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

static const char *const maps[NMAPS] = {"service-ips",          "service-nodeports",
                                        "no-endpoint-services", "no-endpoint-nodeports",
                                        "cluster-ip-ports",     "hairpin-endpoints"};
static const char *const map_types[NMAPS] = {
    "ipv4_addr . inet_proto . inet_service : verdict", "inet_proto . inet_service : verdict",
    "ipv4_addr . inet_proto . inet_service : verdict", "inet_proto . inet_service : verdict",
    "ipv4_addr . inet_proto . inet_service",           "ipv4_addr . ipv4_addr"};

typedef struct {
    char *name;
    strbuf_t rules; /* "add rule ip kube-proxy <name> …" lines */
    uint64_t digest;
} nchain_t;

typedef struct {
    int map;
    char *key, *value; /* value NULL: a set's element */
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
    unsigned gen;
} nentry_t;

struct proxy_nft_s {
    json_t *chains; /* per-service chain name → digest of its rules as last written */
    json_t *sets;   /* affinity set name → true */
    json_t *cache;  /* "ns/name" → nentry_t * (as an integer) */
    json_t *shared; /* "<map>|<element key>" → how many entries want it (see put) */
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
    }
    for (size_t i = 0; i < e->nsets; i++)
        free(e->sets[i].name);
    free(e->chains);
    free(e->elems);
    free(e->sets);
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

static void add_elem(nentry_t *e, int map, char *key, char *value)
{
    if (e->nelems == e->ecap) {
        e->ecap = e->ecap ? e->ecap * 2 : 4;
        e->elems = xrealloc(e->elems, e->ecap * sizeof(*e->elems));
    }
    e->elems[e->nelems++] = (elem_t){map, key, value};
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

/* The endpoint picking of a service or local chain: affinity first, then 1/n, 1/(n-1), … as the
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

/* Elements for every destination besides the cluster IP: external IPs, load-balancer IPs and
 * the node port, each to the external chain or (no endpoints) to the reject chain. */
static void external_elems(sbuild_t *b, const svcport_t *sp, const char *ext)
{
    const json_t *spec = json_object_get(sp->svc, "spec");
    int map = ext ? MAP_SVC : MAP_NOEP;
    const char *value = ext ? ext : "reject-chain";
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "externalIPs"), i, v)
    {
        if (json_is_string(v))
            add_elem(b->e, map,
                     xasprintf("%s . %s . %ld", json_string_value(v), sp->proto_l, sp->port),
                     xasprintf("goto %s", value));
    }
    json_array_foreach(
        json_object_get(json_object_get(json_object_get(sp->svc, "status"), "loadBalancer"),
                        "ingress"),
        i, v)
    {
        if (str(v, "ip"))
            add_elem(b->e, map, xasprintf("%s . %s . %ld", str(v, "ip"), sp->proto_l, sp->port),
                     xasprintf("goto %s", value));
    }
    if (sp->node_port > 0)
        add_elem(b->e, ext ? MAP_NP : MAP_NOEPNP, xasprintf("%s . %ld", sp->proto_l, sp->node_port),
                 xasprintf("goto %s", value));
}

static void service_port(svcport_t *sp, void *data)
{
    sbuild_t *b = data;
    const json_t *spec = json_object_get(sp->svc, "spec");
    bool int_local = proxy__is_local(spec, "internalTrafficPolicy");
    bool ext_local = proxy__is_local(spec, "externalTrafficPolicy") && proxy__has_external(sp);
    long affinity = proxy__affinity(sp->svc);
    cleanup_free char *svc = port_name("service", sp, NULL);
    cleanup_free char *local = port_name("local", sp, NULL);

    cleanup_free const ep_t **all = xcalloc(sp->neps + 1, sizeof(*all));
    cleanup_free const ep_t **loc = xcalloc(sp->neps + 1, sizeof(*loc));
    size_t nall = proxy__pick(sp, b->o, false, all);
    size_t nlocal = (int_local || ext_local) ? proxy__pick(sp, b->o, true, loc) : 0;
    size_t nint = int_local ? nlocal : nall;

    char *key = xasprintf("%s . %s . %ld", sp->cluster_ip, sp->proto_l, sp->port);
    if (nint > 0)
        add_elem(b->e, MAP_SVC, key, xasprintf("goto %s", int_local ? local : svc));
    else
        add_elem(b->e, MAP_NOEP, key, xstrdup("goto reject-chain"));

    if (proxy__has_external(sp)) {
        if ((ext_local ? nlocal : nall) > 0) {
            char *ext = port_name("external", sp, NULL);
            external_elems(b, sp, ext);
            external_chain(b, sp, ext, svc, local, ext_local);
        } else {
            external_elems(b, sp, NULL);
        }
    }
    if (nall > 0) {
        /* Clients outside the pod CIDR are masqueraded: the services chain's one rule looks
         * the cluster IP port up (a rule per service was a sixth of a full load). */
        if (!int_local)
            add_elem(b->e, SET_MASQ,
                     xasprintf("%s . %s . %ld", sp->cluster_ip, sp->proto_l, sp->port), NULL);
        balance(new_chain(b->e, xstrdup(svc)), sp, all, nall, affinity);
    }
    if ((int_local || ext_local) && nlocal > 0)
        balance(new_chain(b->e, xstrdup(local)), sp, loc, nlocal, affinity);
    /* One endpoint chain per endpoint in use (a local one is among all's when any is ready). */
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
    strbuf_t del[NMAPS], add[NMAPS];
} elems_t;

static void elem_del(elems_t *x, const elem_t *el)
{
    strbuf_addf(&x->del[el->map], "%s%s", x->del[el->map].len ? ", " : "", el->key);
}

static void elem_add(elems_t *x, const elem_t *el)
{
    strbuf_addf(&x->add[el->map], "%s%s%s%s", x->add[el->map].len ? ", " : "", el->key,
                el->value ? " : " : "", el->value ? el->value : "");
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
    snprintf(k, sizeof(k), "%d|%s", el->map, el->key);
    json_int_t n = json_integer_value(json_object_get(shared, k)) + 1;
    json_object_set_new(shared, k, json_integer(n));
    if (n == 1)
        elem_add(x, el);
}

static void drop(json_t *shared, json_t *orphans, elems_t *x, const elem_t *el)
{
    char k[320];
    snprintf(k, sizeof(k), "%d|%s", el->map, el->key);
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

static void emit_elems(strbuf_t *out, elems_t *x)
{
    for (int del = 1; del >= 0; del--) {
        for (size_t m = 0; m < NMAPS; m++) {
            strbuf_t *b = del ? &x->del[m] : &x->add[m];
            if (b->len)
                strbuf_addf(out, "%s element " T " %s { %s }\n", del ? "delete" : "add", maps[m],
                            b->s);
            strbuf_free(b);
        }
    }
}

static bool has_elem(const nentry_t *e, const elem_t *el)
{
    for (size_t i = 0; i < e->nelems; i++)
        if (e->elems[i].map == el->map && strcmp(e->elems[i].key, el->key) == 0 &&
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
    json_t *stale_chains, *stale_sets; /* arrays of names */
    elems_t el;
} plan_t;

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
    const char *k;
    json_t *v;
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
                         const bool *fresh, size_t n, plan_t *p)
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
    }
    const char *k;
    json_t *v;
    json_object_foreach(r->cache, k, v)
    {
        const nentry_t *e = entry_of(v);
        if (e->gen != r->gen)
            forget(r, e, NULL, p, orphans);
    }
    /* Keys deleted while still claimed: written again with the first remaining claim. */
    for (size_t i = 0; i < n && json_object_size(orphans); i++) {
        for (size_t j = 0; j < entries[i]->nelems; j++) {
            const elem_t *el = &entries[i]->elems[j];
            char ok[320];
            snprintf(ok, sizeof(ok), "%d|%s", el->map, el->key);
            if (json_object_get(orphans, ok)) {
                elem_add(&p->el, el);
                json_object_del(orphans, ok);
            }
        }
    }
    json_decref(orphans);
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

int proxy_nft_build(proxy_nft_t *r, const json_t *services, const json_t *slices,
                    const proxy_opts_t *o, bool full, strbuf_t *out, c8s_err_t *err)
{
    if (!json_is_array(services) || !json_is_array(slices))
        return c8s_err_set(err, C8S_EINVALID, "services and slices must be JSON arrays");
    size_t n = json_array_size(services);
    cleanup_free sorted_svc_t *sorted = xcalloc(n + 1, sizeof(*sorted));
    for (size_t i = 0; i < n; i++) {
        const json_t *svc = json_array_get(services, i);
        sorted[i].svc = svc;
        sorted[i].ns = meta(svc, "namespace") ? meta(svc, "namespace") : "";
        sorted[i].name = meta(svc, "name") ? meta(svc, "name") : "";
    }
    qsort(sorted, n, sizeof(*sorted), svc_cmp);
    cleanup_json json_t *by_service = api_slices_by_service(slices);
    r->gen++;
    cleanup_free nentry_t **entries = xcalloc(n + 1, sizeof(*entries));
    cleanup_free nentry_t **olds = xcalloc(n + 1, sizeof(*olds));
    cleanup_free bool *fresh = xcalloc(n + 1, sizeof(*fresh));
    for (size_t i = 0; i < n; i++) {
        char key[600];
        snprintf(key, sizeof(key), "%s/%s", sorted[i].ns, sorted[i].name);
        entries[i] = cached(r, key, sorted[i].svc, by_service, o, &olds[i], &fresh[i]);
    }

    /* Nothing known about the table (first build, or after a failed one): replace it whole. */
    full = full || !r->known;
    plan_t p = {.stale_chains = json_array(), .stale_sets = json_array()};
    if (full)
        plan_full(r, entries, n, &p);
    else
        plan_partial(r, entries, olds, fresh, n, &p);

    if (!r->known)
        strbuf_add(out, "add table " T "\ndelete table " T "\n");
    if (full)
        emit_base(out, o, r->known);
    for (size_t i = 0; i < p.nsets; i++)
        strbuf_addf(
            out, "add set " T " %s { type ipv4_addr ; flags dynamic,timeout ; timeout %lds ; }\n",
            p.sets[i]->name, p.sets[i]->timeout);
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
    size_t si;
    json_t *sv;
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
    json_decref(p.stale_chains);
    json_decref(p.stale_sets);
    free(p.write);
    free(p.sets);
    r->known = true;

    for (size_t i = 0; i < n; i++)
        if (olds[i])
            nentry_free(olds[i]);
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(r->cache, tmp, k, v)
    {
        if (entry_of(v)->gen != r->gen) {
            nentry_free(entry_of(v));
            json_object_del(r->cache, k);
        }
    }
    return 0;
}

void proxy_nft_forget(proxy_nft_t *r)
{
    r->known = false;
}
