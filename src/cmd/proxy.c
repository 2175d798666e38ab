/* proxy.c — `c8s proxy --cleanup`: removes every iptables rule and chain, and the nftables
 * table, the proxy role wrote in either mode (kube-proxy's --cleanup), e.g. before uninstalling
 * c8s. */
#include "c8s/cmd.h"
#include "c8s/proxy.h"

#include <stdio.h>
#include <string.h>

int cmd_proxy(int argc, char **argv)
{
    const char *iptables = NULL;
    bool cleanup = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cleanup") == 0) {
            cleanup = true;
        } else if (strcmp(argv[i], "--proxy-iptables") == 0 && i + 1 < argc) {
            iptables = argv[++i];
        } else {
            fprintf(stderr, "usage: c8s proxy --cleanup [--proxy-iptables iptables|"
                            "iptables-legacy|iptables-nft]\n");
            return 2;
        }
    }
    if (!cleanup) {
        fprintf(stderr, "c8s proxy: the proxy runs inside `c8s server`; only --cleanup is a "
                        "command of its own\n");
        return 2;
    }
    c8s_err_t err = C8S_ERR_INIT;
    if (proxy_cleanup(iptables, &err) != 0) {
        fprintf(stderr, "c8s proxy: %s\n", err.msg);
        return 1;
    }
    return 0;
}
