/* main.c — subcommand dispatch for the one c8s binary; the work lives in the rooms. */
#include "c8s/base.h"
#include "c8s/cmd.h"
#include "c8s/ctl.h"
#include "c8s/version.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
    bool config; /* takes --config FILE (a YAML mapping of its flags) */
} command_t;

static int cmd_version(int argc, char **argv)
{
    printf("c8s %s (Kubernetes API %s)\n", C8S_VERSION, C8S_KUBE_VERSION);
    return 0;
}

/* `c8s token ...` is `c8s ctl token ...`: the same kubeconfig and flags. */
static int cmd_token(int argc, char **argv)
{
    char **args = xcalloc((size_t)argc + 2, sizeof(char *));
    args[0] = "ctl";
    args[1] = "token";
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    int rc = ctl_main(argc + 1, args);
    free(args);
    return rc;
}

static const command_t commands[] = {
    {"server", cmd_server, "run the API server (and, as they land, the other roles)", true},
    {"agent", cmd_agent, "join a cluster (--server, --token) and run the node roles", true},
    {"ctl", ctl_main, "c8s's own kubectl (also as argv[0] c8sctl)", false},
    {"proxy", cmd_proxy, "--cleanup: remove the service rules the proxy role wrote", false},
    {"shim", cmd_shim, "start a container under its shim (used by the kubelet)", false},
    {"image", cmd_image, "manage the node's images: pull, import, ls, rm, inspect, gc", false},
    {"token", cmd_token, "bootstrap tokens for joining nodes: create, list, delete", false},
    {"version", cmd_version, "print the version", false},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: c8s <command> [flags]\n\ncommands:\n");
    for (size_t i = 0; i < C8S_ARRAY_SIZE(commands); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

static int run(const command_t *c, int argc, char **argv)
{
    if (!c->config)
        return c->run(argc, argv);
    int n = 0;
    char **args = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (cmd_config_expand(argc, argv, &n, &args, &err) != 0) {
        fprintf(stderr, "c8s %s: %s\n", c->name, err.msg);
        c8s_err_clear(&err);
        return 2;
    }
    int rc = c->run(n, args);
    cmd_args_free(args);
    return rc;
}

int main(int argc, char **argv)
{
    const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    if (strcmp(self, "c8sctl") == 0)
        return ctl_main(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return run(&commands[i], argc - 1, argv + 1);
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "c8s: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
