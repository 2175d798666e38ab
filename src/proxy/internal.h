/* internal.h — what the proxy's two backends (rules.c for iptables, nft.c for nftables) share:
 * the model of a service port and its endpoints, read from Services and EndpointSlices the same
 * way for both, so that the two modes route the same traffic to the same endpoints. */
#ifndef C8S_PROXY_INTERNAL_H
#define C8S_PROXY_INTERNAL_H

#include "c8s/proxy.h"

typedef struct {
    const char *ip, *node;
    long port;
    bool ready, serving, terminating;
    char key[64]; /* "ip:port" */
} ep_t;

/* One port of a service, with its endpoints (owned array, sorted by key, no duplicates). */
typedef struct {
    const char *ns, *name, *port_name, *proto, *cluster_ip;
    char spn[512];   /* "ns/name:port" or "ns/name" */
    char proto_l[8]; /* "tcp" */
    long port, node_port;
    const json_t *svc;
    ep_t *eps;
    size_t neps;
} svcport_t;

/* Calls fn for each port of svc that gets rules (not headless, ExternalName or node-local),
 * with its endpoints from by_service ("ns/name" → slices, api_slices_by_service); sp and its
 * endpoints live for the call only. */
void proxy__each_port(const json_t *svc, const json_t *by_service,
                      void (*fn)(svcport_t *sp, void *data), void *data);

/* Which endpoints take traffic: the ready ones, else (so connections drain rather than fail)
 * the serving-and-terminating ones, as upstream; local_only keeps those on this node. out has
 * room for sp->neps; returns how many it got. */
size_t proxy__pick(const svcport_t *sp, const proxy_opts_t *o, bool local_only, const ep_t **out);

/* sessionAffinity ClientIP's timeout in seconds, or 0 without affinity. */
long proxy__affinity(const json_t *svc);

/* Whether spec's traffic policy field is "Local". */
bool proxy__is_local(const json_t *spec, const char *field);

/* Whether the port is reached from outside its cluster IP: NodePort, external IPs,
 * load-balancer ingress IPs. */
bool proxy__has_external(const svcport_t *sp);

/* What a service's rules depend on: itself, its slices, and mode (owned; NULL when the objects
 * carry no resourceVersions, i.e. always regenerate). */
char *proxy__fingerprint(const json_t *svc, const json_t *slices, int mode);
/* api_slices_by_service for the services named in dirty ("ns/name" keys) only: a partial
 * build's grouping costs what changed, not every slice. Owned. */
json_t *proxy__slices_of(const json_t *slices, const json_t *dirty);

/* The 64-bit FNV-1a digest of n bytes. */
uint64_t proxy__digest(const char *s, size_t n);

#endif
