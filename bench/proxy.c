/*
 * bench/proxy.c — the proxy's figures (a harness, not a test): a full sync of 1,000, 10,000 and
 * 20,000 services with 5 endpoints each, and one endpoint change at 10,000 services; each split
 * into building the payload (the pure core) and applying it with iptables-restore. The kernel
 * side runs in a network namespace of the harness's own (unshare), so the machine's tables are
 * never touched; without root only the build is measured. Ends with one `RESULT key=value …`
 * line. `--quick` runs 1,000 services only.
 */
#include "c8s/proxy.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EPS 5

static char result[2048];

static double now_s(void)
{
    return (double)c8s_now_ns() / 1e9;
}

static void world(size_t n, int changed, json_t **svcs, json_t **slices)
{
    *svcs = json_array();
    *slices = json_array();
    for (size_t i = 0; i < n; i++) {
        char name[32], ip[32];
        snprintf(name, sizeof(name), "svc-%zu", i);
        snprintf(ip, sizeof(ip), "10.96.%zu.%zu", (i >> 8) & 255, i & 255);
        json_array_append_new(
            *svcs, json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:[{s:s,s:i,s:s}]}}", "metadata", "namespace",
                             "bench", "name", name, "resourceVersion", "1", "spec", "clusterIP", ip,
                             "ports", "name", "http", "port", 80, "protocol", "TCP"));
        json_t *eps = json_array();
        for (int e = 0; e < EPS; e++) {
            char epip[32];
            size_t k = i * EPS + (size_t)e + ((int)i == changed && e == 0 ? 1000000 : 0);
            snprintf(epip, sizeof(epip), "10.%zu.%zu.%zu", 128 + ((k >> 16) & 127), (k >> 8) & 255,
                     k & 255);
            json_array_append_new(
                eps, json_pack("{s:[s],s:{s:b}}", "addresses", epip, "conditions", "ready", 1));
        }
        json_array_append_new(
            *slices, json_pack("{s:{s:s,s:s,s:s,s:{s:s}},s:s,s:[{s:s,s:i,s:s}],s:o}", "metadata",
                               "namespace", "bench", "name", name, "resourceVersion",
                               (int)i == changed ? "2" : "1", "labels",
                               "kubernetes.io/service-name", name, "addressType", "IPv4", "ports",
                               "name", "http", "port", 8080, "protocol", "TCP", "endpoints", eps));
    }
}

/* Feeds the payload to the backend's iptables-restore; returns its exit status (-1 when it could
 * not run). */
static int restore(const char *prog, const strbuf_t *payload)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execlp(prog, prog, "-w", "5", "--noflush", (char *)NULL);
        _exit(127);
    }
    close(fd[0]);
    size_t off = 0;
    while (off < payload->len) {
        ssize_t w = write(fd[1], payload->s + off, payload->len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd[1]);
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t lines(const strbuf_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->s[i] == '\n';
    return n;
}

/* One size: a full sync into empty tables; at `change_at` services also one endpoint change. */
static void run(size_t n, const char *backend, bool change)
{
    bool kernel = backend != NULL;
    cleanup_free char *prog = kernel ? xasprintf("iptables-%s-restore", backend) : NULL;
    json_t *svcs, *slices;
    world(n, -1, &svcs, &slices);
    proxy_opts_t o = {.node_name = "n1",
                      .cluster_cidr = "10.244.0.0/16",
                      .chains_per_commit =
                          backend && strcmp(backend, "nft") == 0 ? PROXY_NFT_CHAINS_PER_COMMIT : 0};
    proxy_rules_t *r = proxy_rules_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    double t0 = now_s();
    if (proxy_rules_build(r, svcs, slices, &o, true, &out, &err) != 0) {
        fprintf(stderr, "build: %s\n", err.msg);
        exit(1);
    }
    double t_build = now_s() - t0, t_apply = 0;
    int rc = 0;
    if (kernel) {
        t0 = now_s();
        rc = restore(prog, &out);
        t_apply = now_s() - t0;
    }
    printf("%-6s full sync, %6zu services x %d endpoints: %7zu lines, build %.3f s, restore "
           "%.3f s%s\n",
           backend ? backend : "-", n, EPS, lines(&out), t_build, t_apply,
           rc ? " (restore FAILED)" : "");
    fflush(stdout);
    snprintf(result + strlen(result), sizeof(result) - strlen(result),
             " %s_full_%zu_build_s=%.3f %s_full_%zu_total_s=%.3f", backend ? backend : "none", n,
             t_build, backend ? backend : "none", n, t_build + t_apply);
    strbuf_free(&out);
    json_decref(svcs);
    json_decref(slices);
    if (change) {
        world(n, (int)(n / 2), &svcs, &slices);
        t0 = now_s();
        proxy_rules_build(r, svcs, slices, &o, false, &out, &err);
        t_build = now_s() - t0;
        t_apply = 0;
        if (kernel) {
            t0 = now_s();
            rc = restore(prog, &out);
            t_apply = now_s() - t0;
        }
        printf("%-6s one endpoint change at %zu services: %zu lines, build %.3f s, restore "
               "%.3f s%s\n",
               backend ? backend : "-", n, lines(&out), t_build, t_apply,
               rc ? " (restore FAILED)" : "");
        fflush(stdout);
        snprintf(result + strlen(result), sizeof(result) - strlen(result), " %s_change_%zu_ms=%.1f",
                 backend ? backend : "none", n, (t_build + t_apply) * 1000);
        strbuf_free(&out);
        json_decref(svcs);
        json_decref(slices);
    }
    proxy_rules_free(r);
}

/* The nf_tables backend gets the role's batched transactions (PROXY_NFT_CHAINS_PER_COMMIT). */
int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    bool root = geteuid() == 0;
    static const size_t sizes[] = {1000, 10000, 20000};
    static const char *const backends[] = {"legacy", "nft"};
    for (size_t b = 0; b < (root ? 2 : 1); b++) {
        for (size_t i = 0; i < (quick ? 1 : C8S_ARRAY_SIZE(sizes)); i++) {
            const char *backend = root ? backends[b] : NULL;
            /* Each run starts from empty tables in a namespace of its own. */
            if (backend && unshare(CLONE_NEWNET) != 0) {
                perror("unshare(CLONE_NEWNET)");
                return 1;
            }
            run(sizes[i], backend, quick || sizes[i] == 10000);
        }
    }
    if (!root)
        printf("(not root: payloads were built but not applied)\n");
    printf("RESULT%s\n", result);
    return 0;
}
