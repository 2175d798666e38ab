/*
 * proxy.h — the proxy role's pure core: Services and EndpointSlices in, the iptables-restore
 * payload out, with kube-proxy's chain layout (KUBE-SERVICES, KUBE-SVC-*, KUBE-SEP-*,
 * KUBE-NODEPORTS, KUBE-EXT-*, KUBE-SVL-*, KUBE-MARK-MASQ, KUBE-POSTROUTING, and the filter
 * table's REJECT rules for services without endpoints), so that an operator who knows
 * kube-proxy reads c8s's rules as he reads upstream's.
 *
 * The payload is meant for `iptables-restore --noflush`: every chain it names is flushed and
 * rewritten; chains it does not name keep their rules. A proxy_rules_t remembers what each
 * per-service chain held after the last build, so a partial build names only the chains whose
 * rules changed (plus the top-level chains, always) — one endpoint change rewrites a few lines
 * rather than the whole table.
 */
#ifndef C8S_PROXY_H
#define C8S_PROXY_H

#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct proxy_opts_s {
    const char *node_name;    /* endpoints whose nodeName is this are local (traffic policy) */
    const char *cluster_cidr; /* pod CIDR; traffic from outside it to a service is masqueraded;
                                 NULL masquerades all service traffic */
    size_t chains_per_commit; /* 0: the nat table in one transaction; else per-service chains
                                 in transactions of about this many chains, before the one with
                                 the top-level chains (iptables-nft-restore --noflush is
                                 quadratic in the chains one transaction names) */
} proxy_opts_t;

/* What the role uses on the nf_tables backend: iptables-nft-restore --noflush slows down with
 * the square of the chains one transaction names (10,000 services in one: over 15 minutes; in
 * transactions of ~600 chains: seconds). The legacy backend replaces the whole table in each
 * transaction, so it gets one. */
#define PROXY_NFT_CHAINS_PER_COMMIT 600

/* What the last build wrote. Owned by the caller: proxy_rules_new / proxy_rules_free. */
typedef struct proxy_rules_s proxy_rules_t;

proxy_rules_t *proxy_rules_new(void);
void proxy_rules_free(proxy_rules_t *r);

/* Builds the payload turning the kernel's tables into what services and slices (JSON arrays of
 * Service and discovery.k8s.io/v1 EndpointSlice objects; borrowed) ask for, and appends it to
 * out. full: name every chain (the first sync, a periodic resync, after a failed restore);
 * otherwise per-service chains unchanged since the previous build are left out. Chains written
 * before and no longer wanted are deleted (-X) either way. r is updated as if the payload was
 * applied: after a failed restore the next build must be full. Returns 0, or C8S_EINVALID when
 * services or slices are not arrays. */
int proxy_rules_build(proxy_rules_t *r, const json_t *services, const json_t *slices,
                      const proxy_opts_t *o, bool full, strbuf_t *out, c8s_err_t *err);
/* The same, told which services may have changed since the previous build (as
 * proxy_nft_build's dirty: "<ns>/<name>" keys; borrowed; NULL looks at every service): on a
 * partial build a service not named keeps its cached rules without being looked at, so a change
 * costs what it touches, not the cluster. Ignored on a full build, on the first, and when the
 * large-cluster switch (rules without comments) flips, which changes every service's rules. */
int proxy_rules_build_dirty(proxy_rules_t *r, const json_t *services, const json_t *slices,
                            const json_t *dirty, const proxy_opts_t *o, bool full, strbuf_t *out,
                            c8s_err_t *err);

/* The number of per-service chains (SVC, SVL, EXT, SEP) the last build left in place. */
size_t proxy_rules_chains(const proxy_rules_t *r);

/* kube-proxy's chain name: prefix + the first 16 characters of base32(sha256(text)). For a
 * service port, text is "<ns>/<name>:<port name>" (no ":<port name>" when unnamed) followed by
 * the lower-case protocol, and for an endpoint also "<ip>:<port>". Writes a NUL-terminated name
 * of at most 32 bytes to buf. */
void proxy_chain_name(const char *prefix, const char *text, char buf[32]);

/* What `iptables-save` printed (save: borrowed text) tells a starting proxy: the per-service
 * chains a previous run left, which r now takes as its own (rewritten if still wanted, deleted
 * otherwise, on the next build). */
void proxy_rules_adopt(proxy_rules_t *r, const char *save);

/* The payload inserting the jumps from the built-in chains (PREROUTING, OUTPUT, POSTROUTING,
 * INPUT, FORWARD) into c8s's chains that save lacks; empty (nothing appended) when all are
 * there. Apply it after a build's payload, which creates the chains it jumps to. */
void proxy_rules_jumps(const char *save, strbuf_t *out);

/* The payload that undoes everything: removes the jumps found in save and flushes and deletes
 * every KUBE-* chain of the filter and nat tables, leaving the tables as they were before. */
void proxy_rules_cleanup(const char *save, strbuf_t *out);

/* proxy_rules_cleanup's payload for the services' chains only (KUBE-*), leaving NetworkPolicy's
 * (C8S-*): what the nftables mode removes of an iptables-mode run. */
void proxy_rules_cleanup_services(const char *save, strbuf_t *out);

/* The jumps of proxy_rules_jumps that the nftables mode still needs in iptables: only the one
 * to NetworkPolicy's chain (services are in the nftables table). */
void proxy_rules_netpol_jumps(const char *save, strbuf_t *out);

/* ---- nftables mode (nft.c) ---- */

/* kube-proxy's nftables layout, in one table of the ip family: verdict maps service-ips
 * (address . protocol . port) and service-nodeports (protocol . port), each element commented
 * with its service port ("<ns>/<name>/<proto>/<port name>"), lead to where an endpoint is
 * picked. A service port without ClientIP affinity or a Local external policy has no chain of
 * its own: its elements go to a chain shared by every service with as many endpoints n
 * ("balance-<n>"; "external-balance-<n>" and "nodeport-balance-<n>" mark for masquerade
 * first), which picks slot i with `numgen random mod k == 0` rules (1/n, 1/(n-1), …) and DNATs
 * to the slot's map element for the packet's key ("endpoints-<i>", "nodeport-endpoints-<i>":
 * key → endpoint address . port), so endpoints are map elements, not rules. The others keep
 * per-service chains ("service-<hash>-<ns>/<name>/<proto>/<port>", "external-…", "local-…")
 * that pick with the same rules and DNAT; with ClientIP affinity through an endpoint chain
 * ("endpoint-<hash>-…__<ip>/<port>") that records the client in a dynamic set ("affinity-…")
 * with the affinity timeout. Services without endpoints are the no-endpoint-* maps' elements,
 * rejected in filter chains; traffic to masquerade is marked 0x4000 as in the iptables mode
 * (outside clients of a cluster IP: set cluster-ip-ports; a pod reaching itself: set
 * hairpin-endpoints). */
#define PROXY_NFT_TABLE "kube-proxy"

/* What the last build wrote. Owned: proxy_nft_new / proxy_nft_free. */
typedef struct proxy_nft_s proxy_nft_t;
proxy_nft_t *proxy_nft_new(void);
void proxy_nft_free(proxy_nft_t *r);

/* Appends the `nft -f` script (one transaction) turning the table into what services and
 * slices (JSON arrays; borrowed) ask for. full: every chain and element is written (the maps
 * flushed first); otherwise only the chains, sets and map elements of services that changed
 * since the previous build. dirty (borrowed; may be NULL): on a partial build, the services
 * that may have changed since the previous build, an object with "<ns>/<name>" keys (their
 * Service or one of their EndpointSlices was added, changed or deleted); only those are looked
 * at, so a change costs what it touches, not the cluster; NULL compares every service by
 * resourceVersion. The first build, and the first after proxy_nft_forget, deletes and
 * recreates the table (dirty ignored). r is updated as if the script was applied. Returns 0 or
 * C8S_EINVALID. */
int proxy_nft_build(proxy_nft_t *r, const json_t *services, const json_t *slices,
                    const json_t *dirty, const proxy_opts_t *o, bool full, strbuf_t *out,
                    c8s_err_t *err);

/* After a script failed (nft applies all or nothing): the table's content is unknown, so the
 * next build replaces it. */
void proxy_nft_forget(proxy_nft_t *r);

/* The number of per-service chains the last build left in place. */
size_t proxy_nft_chains(const proxy_nft_t *r);

/* The script that removes the table (whether or not it exists). */
void proxy_nft_cleanup(strbuf_t *out);

/* ---- NetworkPolicy (netpol.c) ---- */

/* What the last NetworkPolicy build wrote (its chains). Owned: netpol_new / netpol_free. */
typedef struct netpol_s netpol_t;
netpol_t *netpol_new(void);
void netpol_free(netpol_t *n);

/* Appends a `*filter` section enforcing policies (networking.k8s.io/v1 NetworkPolicy objects)
 * for the pods of node_name, given every pod (their labels and IPs are the peers) and every
 * namespace (namespaceSelector): chain C8S-NETPOL (FORWARD jumps to it, see the jumps) and one
 * chain per isolated pod and direction; chains of the previous build no longer wanted are
 * deleted. Arrays are borrowed. Returns 0 or C8S_EINVALID. */
int netpol_build(netpol_t *n, const json_t *policies, const json_t *pods, const json_t *namespaces,
                 const char *node_name, strbuf_t *out, c8s_err_t *err);

/* ---- routes between nodes (routes.c) ---- */

/* The routing protocol number c8s's routes carry (`ip route ... proto 144`). */
#define PROXY_ROUTE_PROTO 144

/* Appends the `ip -batch` commands that make the routes to other nodes' pod CIDRs (via their
 * InternalIP) what nodes (Node objects) say: current is `ip -j route show proto 144` parsed (a
 * JSON array); self is this node's name (no route to its own CIDR). Nothing when in place. */
void proxy_routes_plan(const json_t *nodes, const char *self, const json_t *current, strbuf_t *out);

/* ---- stale UDP flows (conntrack.c) ---- */

/* What the UDP service ports look like to conntrack: an object keyed "<ns>/<name>:<port name>"
 * of {"ips": [cluster IP, external IPs, load-balancer IPs], "port": n, "nodePort": n,
 * "eps": {"<ready endpoint IP>": true, ...}}. Arrays are borrowed; the result is owned. */
json_t *proxy_udp_snapshot(const json_t *services, const json_t *slices);

/* The `conntrack` invocations (a JSON array of argument arrays, without the program name;
 * owned) that delete the UDP flows a change from snapshot prev to cur leaves stale: every flow
 * to a service port that had no ready endpoint and now has one, and the flows NATed to an
 * endpoint that left. prev may be NULL (nothing known: nothing deleted). */
json_t *proxy_conntrack_plan(const json_t *prev, const json_t *cur);

/* ---- sync pacing (pacer.c; pure) ---- */

/* When the next sync may start: min_ms after the START of the previous one, as upstream
 * kube-proxy's BoundedFrequencyRunner measures its minSyncPeriod (a sync that took longer than
 * min_ms may be followed at once; measured from the end, a slow sync stretched the gap to its
 * duration plus min_ms). Zeroed: no sync yet, any may start now. Times are c8s_now_ns(). */
typedef struct proxy_pacer_s {
    uint64_t last_start_ns, last_end_ns;
    bool started;
} proxy_pacer_t;

void proxy_pacer_started(proxy_pacer_t *pc, uint64_t now_ns);
/* The sync has ended (recorded for its duration; the next start does not depend on it). */
void proxy_pacer_finished(proxy_pacer_t *pc, uint64_t now_ns);
/* Milliseconds to wait from now_ns before a sync may start (rounded up); 0: now. */
uint64_t proxy_pacer_wait_ms(const proxy_pacer_t *pc, uint64_t now_ns, unsigned min_ms);
/* How long the last finished sync took, in ms; 0 before one finished. */
uint64_t proxy_pacer_last_ms(const proxy_pacer_t *pc);

/* ---- the role ---- */

struct client_http_config_s;

/* What programs services. The default (zero) is nftables where nft works, else iptables with a
 * warning: a host without nft or nf_tables still gets services, as before the default changed.
 * An explicit nftables without a working nft is an error at start. */
typedef enum proxy_mode_e {
    PROXY_MODE_DEFAULT = 0,
    PROXY_MODE_IPTABLES,
    PROXY_MODE_NFTABLES,
} proxy_mode_t;

/* "iptables" or "nftables" to its mode; -1 for anything else. */
int proxy_mode_parse(const char *s);

typedef struct proxy_config_s {
    const char *node_name;    /* this node, for Local traffic policies */
    const char *cluster_cidr; /* pod CIDR (default 10.244.0.0/16) */
    const char *iptables;     /* the command family: "iptables" (the system's choice, default),
                                 "iptables-legacy" or "iptables-nft" */
    proxy_mode_t mode;        /* what programs services; NetworkPolicy stays in iptables */
    unsigned min_sync_ms;     /* bursts of changes within this are one sync (default 1000) */
    unsigned full_sync_ms;    /* a full rewrite at least this often (default 3600000) */
    /* A remote API server (`c8s agent`; copied), instead of srv in-process. */
    const struct client_http_config_s *remote;
} proxy_config_t;

typedef struct proxy_s proxy_t;
typedef struct apiserver_s apiserver_t;

/* Starts the proxy thread against srv (which must outlive it); it programs the tables of the
 * network namespace the process runs in. cfg's strings are copied. *out is owned. */
int proxy_start(apiserver_t *srv, const proxy_config_t *cfg, proxy_t **out, c8s_err_t *err);
/* Stops it (the rules stay, as kube-proxy leaves them) and frees p. Call before apiserver_stop. */
void proxy_stop(proxy_t *p);
/* The number of syncs applied so far (for tests and metrics; any thread). */
unsigned long proxy_syncs(const proxy_t *p);

/* Removes every rule and chain c8s's proxy wrote, in iptables and nftables (blocking; for
 * `c8s proxy --cleanup`). */
int proxy_cleanup(const char *iptables, c8s_err_t *err);

#endif
