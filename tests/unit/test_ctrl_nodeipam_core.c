/*
 * test_ctrl_nodeipam_core.c — the node IPAM's ranges: the cluster CIDR cut into per-node ranges
 * numbered from its lowest address, only exact ranges recognised, bad pairs refused.
 */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <string.h>

static void test_default(void)
{
    controllers_ipam_t ipam;
    c8s_err_t err = {0};
    CHECK_INT(controllers__ipam_init(&ipam, "10.244.0.0/16", 24, &err), 0);
    CHECK_INT((int)ipam.count, 256);
    char out[32];
    controllers__ipam_format(&ipam, 0, out, sizeof(out));
    CHECK_STR(out, "10.244.0.0/24");
    controllers__ipam_format(&ipam, 255, out, sizeof(out));
    CHECK_STR(out, "10.244.255.0/24");
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.244.7.0/24"), 7);
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.245.0.0/24"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.243.255.0/24"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.244.7.1/24"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.244.7.0/25"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, "10.244.7.0/24x"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, "fd00::/64"), -1);
    CHECK_INT((int)controllers__ipam_index(&ipam, NULL), -1);
}

static void test_other_shapes(void)
{
    controllers_ipam_t ipam;
    c8s_err_t err = {0};
    char out[32];
    /* k3s's default range; the base is masked to the network address. */
    CHECK_INT(controllers__ipam_init(&ipam, "10.42.9.9/16", 24, &err), 0);
    controllers__ipam_format(&ipam, 3, out, sizeof(out));
    CHECK_STR(out, "10.42.3.0/24");
    /* Ranges smaller than /24 cross octets. */
    CHECK_INT(controllers__ipam_init(&ipam, "172.16.0.0/20", 26, &err), 0);
    CHECK_INT((int)ipam.count, 64);
    controllers__ipam_format(&ipam, 5, out, sizeof(out));
    CHECK_STR(out, "172.16.1.64/26");
    CHECK_INT((int)controllers__ipam_index(&ipam, "172.16.1.64/26"), 5);
    CHECK_INT((int)controllers__ipam_index(&ipam, "172.16.15.192/26"), 63);
    CHECK_INT((int)controllers__ipam_index(&ipam, "172.16.16.0/26"), -1);
    /* One range: the whole cluster CIDR. */
    CHECK_INT(controllers__ipam_init(&ipam, "192.168.5.0/24", 24, &err), 0);
    CHECK_INT((int)ipam.count, 1);
}

static void test_refused(void)
{
    controllers_ipam_t ipam;
    c8s_err_t err = {0};
    CHECK_INT(controllers__ipam_init(&ipam, "10.244.0.0", 24, &err), C8S_EINVALID);
    CHECK_INT(controllers__ipam_init(&ipam, "10.244.0.0/33", 24, &err), C8S_EINVALID);
    CHECK_INT(controllers__ipam_init(&ipam, "300.1.0.0/16", 24, &err), C8S_EINVALID);
    CHECK_INT(controllers__ipam_init(&ipam, "10.244.0.0/24", 16, &err), C8S_EINVALID);
    CHECK_INT(controllers__ipam_init(&ipam, "10.0.0.0/8", 25, &err), C8S_EINVALID); /* 2^17 */
    CHECK(strstr(err.msg, "mask size") != NULL);
    CHECK_INT(controllers__ipam_init(&ipam, NULL, 24, &err), C8S_EINVALID);
}

/* What a server without the controllers gives its own node: the range the controller would
 * give the first node, from the configured CIDR, not a fixed one. */
static void test_first_range(void)
{
    char out[32];
    c8s_err_t err = {0};
    CHECK_INT(controllers_first_node_cidr(NULL, out, sizeof out, &err), 0);
    CHECK_STR(out, "10.244.0.0/24");
    controllers_config_t cfg = {.cluster_cidr = "10.42.0.0/16"};
    CHECK_INT(controllers_first_node_cidr(&cfg, out, sizeof out, &err), 0);
    CHECK_STR(out, "10.42.0.0/24");
    cfg = (controllers_config_t){.cluster_cidr = "172.16.8.0/21", .node_cidr_mask_size = 26};
    CHECK_INT(controllers_first_node_cidr(&cfg, out, sizeof out, &err), 0);
    CHECK_STR(out, "172.16.8.0/26");
    cfg = (controllers_config_t){.cluster_cidr = "10.42.0.0/16", .node_cidr_mask_size = 12};
    CHECK_INT(controllers_first_node_cidr(&cfg, out, sizeof out, &err), C8S_EINVALID);
}

int main(void)
{
    test_first_range();
    test_default();
    test_other_shapes();
    test_refused();
    TEST_END();
}
