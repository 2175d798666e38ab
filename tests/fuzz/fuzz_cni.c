/* fuzz_cni.c — what CNI plugins print and what the kubelet builds from it: an ADD result (as a
 * plugin prints it, or as the cached copy a restarted kubelet reads) through the pod IP it
 * yields and the next plugin's stdin (prevResult), and pod specs' hostPorts as portMappings; the
 * network list itself from a node's pod CIDR as written on the command line. A pod IP is an
 * IPv4 address; every plugin's stdin names the list and carries the result it was given. */
#include "fuzz.h"
#include "c8s/cni.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static json_t *list;

static void init_list(void)
{
    if (list)
        return;
    cni_config_t c = {.state_dir = "/var/lib/c8s/cni", .subnet = "10.244.0.0/24"};
    c8s_err_t err = C8S_ERR_INIT;
    list = cni_conflist(&c, &err);
    if (!list)
        abort();
}

static void fuzz_result(json_t *result)
{
    char ip[64];
    if (cni_result_ip(result, ip, sizeof(ip))) {
        struct in_addr a;
        if (inet_pton(AF_INET, ip, &a) != 1)
            abort();
    }
    /* The same document read as a pod spec: its hostPorts. */
    json_t *pm = cni_port_mappings(result);
    if (!json_is_array(pm))
        abort();
    size_t n = json_array_size(json_object_get(list, "plugins"));
    for (size_t i = 0; i < n; i++) {
        json_t *in = cni_plugin_stdin(list, i, result, pm);
        if (!in || !json_equal(json_object_get(in, "name"), json_object_get(list, "name")) ||
            !json_equal(json_object_get(in, "prevResult"), result))
            abort();
        json_decref(in);
    }
    json_decref(pm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_list();
    if (size == 0)
        return 0;
    if (data[0] == 'C') {
        /* A pod CIDR (--pod-cidr / the node's spec.podCIDR). */
        cleanup_free char *cidr = xstrndup((const char *)data + 1, size - 1);
        cni_config_t c = {.state_dir = "/var/lib/c8s/cni", .subnet = cidr};
        c8s_err_t err = C8S_ERR_INIT;
        json_t *l = cni_conflist(&c, &err);
        if (!l && !err.code)
            abort();
        json_decref(l);
        c8s_err_clear(&err);
        return 0;
    }
    json_t *result = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!result)
        return 0;
    fuzz_result(result);
    json_decref(result);
    return 0;
}
