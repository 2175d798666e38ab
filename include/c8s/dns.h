/*
 * dns.h — cluster DNS, in the binary: the records Kubernetes' DNS specification defines for
 * Services and pods (what CoreDNS's kubernetes plugin serves), answered from the Services and
 * EndpointSlices the role watches; other names forwarded to the node's resolvers.
 *
 * Three layers: the wire format (pure: parse a query, write an answer), the zone (pure: an index
 * of names built from Services and EndpointSlices, and the answer to one question), and the
 * role (a thread serving UDP and TCP on the cluster DNS address).
 */
#ifndef C8S_DNS_H
#define C8S_DNS_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    DNS_A = 1,
    DNS_NS = 2,
    DNS_CNAME = 5,
    DNS_SOA = 6,
    DNS_PTR = 12,
    DNS_TXT = 16,
    DNS_AAAA = 28,
    DNS_SRV = 33,
    DNS_OPT = 41,
    DNS_ANY = 255,
};

enum { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3, DNS_NOTIMP = 4 };

#define DNS_NAME_MAX 255

/* A parsed query: the header fields an answer needs and its one question. */
typedef struct dns_query_s {
    uint16_t id, flags;
    char name[DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" for the root */
    uint16_t qtype, qclass;
    uint16_t udp_size; /* the client's EDNS0 buffer size, 512 without EDNS */
    int edns;          /* the query carried an OPT record */
} dns_query_t;

/* Parses a query message. Returns 0, or C8S_EBADREQUEST for anything malformed or that is not
 * one standard query with one question (the caller answers FORMERR / NOTIMP). */
int dns_parse_query(const uint8_t *msg, size_t len, dns_query_t *q, c8s_err_t *err);

/* One answer record. */
typedef struct dns_rr_s {
    char name[DNS_NAME_MAX + 1];
    uint16_t type;
    uint32_t ttl;
    uint8_t addr[16];                /* A (4 bytes), AAAA (16) */
    char target[DNS_NAME_MAX + 1];   /* CNAME, PTR, SRV target, SOA mname */
    uint16_t priority, weight, port; /* SRV */
} dns_rr_t;

typedef struct dns_answer_s {
    int rcode;
    int authoritative;
    dns_rr_t *an; /* answers (owned) */
    size_t nan;
    dns_rr_t *ns; /* authority: the SOA of negative answers (owned) */
    size_t nns;
    dns_rr_t *ar; /* additional: addresses of SRV targets (owned) */
    size_t nar;
} dns_answer_t;

void dns_answer_free(dns_answer_t *a);

/* Writes the response to q into buf (size cap). Records that do not fit the client's size set
 * TC and are left out, so a UDP client retries over TCP. Returns the length, or 0 if not even
 * the header and question fit. */
size_t dns_write_response(const dns_query_t *q, const dns_answer_t *a, uint8_t *buf, size_t cap);

/* A response with only a header and the question (FORMERR, SERVFAIL, NOTIMP, REFUSED). */
size_t dns_write_error(const uint8_t *query, size_t qlen, int rcode, uint8_t *buf, size_t cap);

/* ---- the zone ---- */

/* The names of the cluster domain, built from Services and discovery.k8s.io/v1 EndpointSlices
 * (JSON arrays, borrowed): an owned JSON object (release with json_decref). domain is e.g.
 * "cluster.local". */
json_t *dns_zone_build(const json_t *services, const json_t *slices, const char *domain);

/* Answers q from zone. Returns 1 when the name is in the cluster domain (or a reverse name of a
 * cluster address) and *a is the answer, 0 when it is not ours and should be forwarded. */
int dns_zone_answer(const json_t *zone, const char *domain, const dns_query_t *q, dns_answer_t *a);

/* ---- the role ---- */

typedef struct dns_s dns_t;
typedef struct apiserver_s apiserver_t;

struct client_http_config_s;

typedef struct dns_config_s {
    const char *address;     /* the cluster DNS address to serve on (default 10.96.0.10) */
    int port;                /* default 53 */
    const char *domain;      /* default cluster.local */
    const char *resolv_conf; /* upstream resolvers (default /etc/resolv.conf) */
    bool assign_address;     /* put the address on a dummy interface `c8s-dns` first */
    /* A remote API server (`c8s agent`; copied), instead of srv in-process. */
    const struct client_http_config_s *remote;
} dns_config_t;

/* Starts the DNS thread against srv (which must outlive it). The address must be one of this
 * network namespace's, or assign_address set (then it is added, with `ip`, to a dummy interface
 * c8s-dns — or to lo where the kernel has no dummy driver — as NodeLocal DNSCache does with its
 * link-local address). *out is owned. */
int dns_start(apiserver_t *srv, const dns_config_t *cfg, dns_t **out, c8s_err_t *err);
void dns_stop(dns_t *d);

#endif
