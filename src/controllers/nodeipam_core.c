/*
 * nodeipam_core.c — the node IPAM controller's arithmetic: the cluster CIDR (IPv4) cut into
 * per-node ranges of mask_size bits, numbered from the lowest address, as upstream's range
 * allocator with --cluster-cidr and --node-cidr-mask-size.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* Parses "a.b.c.d/len" into host-order base and prefix length; -1 when it is not one. */
static int parse_cidr(const char *s, uint32_t *base, int *len)
{
    char ip[INET_ADDRSTRLEN], tail[2];
    int n;
    struct in_addr a;
    if (!s || sscanf(s, "%15[0-9.]/%d%1s", ip, &n, tail) != 2 || n < 0 || n > 32 ||
        inet_pton(AF_INET, ip, &a) != 1)
        return -1;
    *base = ntohl(a.s_addr);
    *len = n;
    return 0;
}

int controllers__ipam_init_config(controllers_ipam_t *ipam, const controllers_config_t *cfg,
                                  c8s_err_t *err)
{
    return controllers__ipam_init(
        ipam, cfg && cfg->cluster_cidr ? cfg->cluster_cidr : "10.244.0.0/16",
        cfg && cfg->node_cidr_mask_size ? cfg->node_cidr_mask_size : 24, err);
}

int controllers_first_node_cidr(const controllers_config_t *cfg, char *out, size_t len,
                                c8s_err_t *err)
{
    controllers_ipam_t ipam;
    if (controllers__ipam_init_config(&ipam, cfg, err) != 0)
        return err->code;
    controllers__ipam_format(&ipam, 0, out, len);
    return 0;
}

int controllers__ipam_init(controllers_ipam_t *ipam, const char *cluster_cidr, int mask_size,
                           c8s_err_t *err)
{
    uint32_t base;
    int len;
    if (parse_cidr(cluster_cidr, &base, &len) != 0)
        return c8s_err_set(err, C8S_EINVALID, "cluster CIDR %s: not an IPv4 CIDR",
                           cluster_cidr ? cluster_cidr : "(none)");
    /* At most 2^16 ranges: the allocator keeps one flag per range. */
    if (mask_size < len || mask_size > 30 || mask_size - len > 16)
        return c8s_err_set(err, C8S_EINVALID,
                           "node CIDR mask size %d does not fit cluster CIDR %s (/%d to /%d, at "
                           "most 16 bits more)",
                           mask_size, cluster_cidr, len, len + 16 < 30 ? len + 16 : 30);
    uint32_t netmask = len ? 0xffffffffu << (32 - len) : 0;
    ipam->base = base & netmask;
    ipam->prefix = len;
    ipam->mask_size = mask_size;
    ipam->count = (size_t)1 << (mask_size - len);
    return 0;
}

long controllers__ipam_index(const controllers_ipam_t *ipam, const char *cidr)
{
    uint32_t a;
    int len;
    if (parse_cidr(cidr, &a, &len) != 0 || len != ipam->mask_size)
        return -1;
    uint32_t host = ipam->mask_size == 32 ? 0 : (1u << (32 - ipam->mask_size)) - 1;
    if (a & host)
        return -1; /* not a network address */
    uint32_t off = a - ipam->base;
    if (a < ipam->base || (off >> (32 - ipam->mask_size)) >= ipam->count)
        return -1;
    return (long)(off >> (32 - ipam->mask_size));
}

void controllers__ipam_format(const controllers_ipam_t *ipam, size_t index, char *out, size_t len)
{
    uint32_t a = ipam->base + ((uint32_t)index << (32 - ipam->mask_size));
    snprintf(out, len, "%u.%u.%u.%u/%d", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255,
             ipam->mask_size);
}
