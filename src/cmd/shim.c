/*
 * shim.c — `c8s shim`: flags for the per-container shim; the work is in src/kubelet/shim.c.
 * The kubelet's runtime module is its only caller; a human may run it to debug a container.
 */
#include "c8s/base.h"
#include "c8s/cmd.h"
#include "c8s/runtime.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(
        f, "usage: c8s shim --id ID --bundle DIR --state-dir DIR --log FILE [flags]\n\n"
           "  --runc PATH            runc binary (default runc)\n"
           "  --runc-root DIR        runc --root\n"
           "  --log-max-bytes N      rotate the log past N bytes (default 10 MiB)\n"
           "  --log-max-files N      log files kept (default 5)\n"
           "  --stdin                the container's stdin is a pipe for attach clients\n"
           "  --stdin-once           as --stdin, closed when the first client with stdin leaves\n");
}

int cmd_shim(int argc, char **argv)
{
    static const struct option opts[] = {
        {"id", required_argument, NULL, 'i'},
        {"bundle", required_argument, NULL, 'b'},
        {"state-dir", required_argument, NULL, 's'},
        {"log", required_argument, NULL, 'l'},
        {"runc", required_argument, NULL, 'r'},
        {"runc-root", required_argument, NULL, 'R'},
        {"log-max-bytes", required_argument, NULL, 'm'},
        {"log-max-files", required_argument, NULL, 'n'},
        {"stdin", no_argument, NULL, 'I'},
        {"stdin-once", no_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    runtime_shim_opts_t o = {.runc = "runc"};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o.id = optarg;
            break;
        case 'b':
            o.bundle = optarg;
            break;
        case 's':
            o.state_dir = optarg;
            break;
        case 'l':
            o.log_path = optarg;
            break;
        case 'r':
            o.runc = optarg;
            break;
        case 'R':
            o.runc_root = optarg;
            break;
        case 'm':
            o.log_max_bytes = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'n':
            o.log_max_files = atoi(optarg);
            break;
        case 'I':
            o.stdin_mode = RUNTIME_STDIN_OPEN;
            break;
        case 'O':
            o.stdin_mode = RUNTIME_STDIN_ONCE;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    /* The shim runs from "/", so every path it is given must be absolute. */
    const char *paths[] = {o.bundle, o.state_dir, o.log_path, o.runc_root};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(paths); i++)
        if (paths[i] && paths[i][0] != '/') {
            fprintf(stderr, "c8s shim: %s: paths must be absolute\n", paths[i]);
            return 2;
        }
    c8s_err_t err = C8S_ERR_INIT;
    if (runtime_shim_launch(&o, &err) < 0) {
        fprintf(stderr, "c8s shim: %s\n", err.msg);
        c8s_err_clear(&err);
        return 1;
    }
    return 0;
}
