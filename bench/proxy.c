/*
 * bench/proxy.c — the proxy's figures (a harness, not a test): a full sync of 1,000, 10,000 and
 * 20,000 services with 5 endpoints each, and one endpoint change at 10,000 services; each split
 * into building the payload (the pure core) and applying it (iptables-restore in the iptables
 * mode, on its legacy and nf_tables backends; nft -f in the nftables mode). The kernel side runs
 * in a network namespace of the harness's own (unshare), so the machine's tables are never
 * touched; without root only the build is measured. Ends with the ratios of the modes measured in
 * the same run and one `RESULT key=value …` line. `--quick` runs 1,000 services only; `--mode
 * iptables|nftables|both` (default both) picks the modes.
 */
#include "c8s/proxy.h"

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EPS 5

static char result[4096];

/* Each backend's figures at the size with a change (10,000 services; 1,000 with --quick), for
 * the ratios: full sync and change, seconds. */
static const char *const backends[] = {"legacy", "nft", "nftables"};
static double full10k[3], change10k[3];
static size_t ratio_n;

static double now_s(void)
{
    return (double)c8s_now_ns() / 1e9;
}

/* This process's CPU seconds: the build's cost apart from the machine's load. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
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

/* Feeds the payload to the backend's iptables-restore, or to nft -f (prog "nft"); returns its
 * exit status (-1 when it could not run). */
static double child_cpu; /* the last apply's user + system CPU seconds */

static int restore(const char *prog, const strbuf_t *payload)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        if (strcmp(prog, "nft") == 0)
            execlp(prog, prog, "-f", "-", (char *)NULL);
        else
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
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0)
        return -1;
    /* CPU time as well as wall time: on a machine shared with other work the two part. */
    child_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t lines(const strbuf_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->len; i++)
        n += b->s[i] == '\n';
    return n;
}

static int backend_index(const char *backend)
{
    for (int i = 0; i < 3; i++)
        if (backend && strcmp(backend, backends[i]) == 0)
            return i;
    return -1;
}

/* The mode's builder, nftables' when nftm, else iptables'; either told which services changed,
 * as the role's informers tell it (dirty, or NULL on a full sync). */
static int build(bool nftm, proxy_rules_t *r, proxy_nft_t *nr, const json_t *svcs,
                 const json_t *slices, const json_t *dirty, const proxy_opts_t *o, bool full,
                 strbuf_t *out, c8s_err_t *err)
{
    return nftm ? proxy_nft_build(nr, svcs, slices, dirty, o, full, out, err)
                : proxy_rules_build_dirty(r, svcs, slices, dirty, o, full, out, err);
}

/* One size: a full sync into empty tables; at `change_at` services also one endpoint change.
 * backend: "legacy", "nft" (iptables' backends), "nftables" (the mode); kernel: apply it. */
static void run(size_t n, const char *backend, bool kernel, bool change)
{
    bool nftm = strcmp(backend, "nftables") == 0;
    int bi = backend_index(backend);
    cleanup_free char *prog = nftm ? xstrdup("nft") : xasprintf("iptables-%s-restore", backend);
    json_t *svcs, *slices;
    world(n, -1, &svcs, &slices);
    proxy_opts_t o = {.node_name = "n1",
                      .cluster_cidr = "10.244.0.0/16",
                      .chains_per_commit =
                          backend && strcmp(backend, "nft") == 0 ? PROXY_NFT_CHAINS_PER_COMMIT : 0};
    proxy_rules_t *r = proxy_rules_new();
    proxy_nft_t *nr = proxy_nft_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    double t0 = now_s(), c0 = cpu_s();
    if (build(nftm, r, nr, svcs, slices, NULL, &o, true, &out, &err) != 0) {
        fprintf(stderr, "build: %s\n", err.msg);
        exit(1);
    }
    double t_build = now_s() - t0, c_build = cpu_s() - c0, t_apply = 0;
    int rc = 0;
    if (kernel) {
        t0 = now_s();
        rc = restore(prog, &out);
        t_apply = now_s() - t0;
    }
    printf("%-8s full sync, %6zu services x %d endpoints: %7zu lines (%zu KB), build %.3f s (cpu "
           "%.3f s), apply %.3f s (cpu %.3f s)%s\n",
           backend, n, EPS, lines(&out), out.len / 1024, t_build, c_build, t_apply,
           kernel ? child_cpu : 0.0, rc ? " (apply FAILED)" : "");
    fflush(stdout);
    snprintf(result + strlen(result), sizeof(result) - strlen(result),
             " %s_full_%zu_build_s=%.3f %s_full_%zu_total_s=%.3f %s_full_%zu_cpu_s=%.3f", backend,
             n, t_build, backend, n, t_build + t_apply, backend, n,
             c_build + (kernel ? child_cpu : 0.0));
    if (change && bi >= 0)
        full10k[bi] = rc ? 0 : t_build + t_apply;
    strbuf_free(&out);
    json_decref(svcs);
    json_decref(slices);
    if (change) {
        world(n, (int)(n / 2), &svcs, &slices);
        char changed[64];
        snprintf(changed, sizeof(changed), "bench/svc-%zu", n / 2);
        cleanup_json json_t *dirty = json_pack("{s:b}", changed, 1);
        t0 = now_s();
        c0 = cpu_s();
        if (build(nftm, r, nr, svcs, slices, dirty, &o, false, &out, &err) != 0) {
            fprintf(stderr, "build: %s\n", err.msg);
            exit(1);
        }
        t_build = now_s() - t0;
        c_build = cpu_s() - c0;
        t_apply = 0;
        if (kernel) {
            t0 = now_s();
            rc = restore(prog, &out);
            t_apply = now_s() - t0;
        }
        printf(
            "%-8s one endpoint change at %zu services: %zu lines, build %.3f s (cpu %.3f s), apply "
            "%.3f s (cpu %.3f s)%s\n",
            backend, n, lines(&out), t_build, c_build, t_apply, kernel ? child_cpu : 0.0,
            rc ? " (apply FAILED)" : "");
        fflush(stdout);
        snprintf(result + strlen(result), sizeof(result) - strlen(result),
                 " %s_change_%zu_ms=%.1f %s_change_%zu_cpu_ms=%.1f", backend, n,
                 (t_build + t_apply) * 1000, backend, n,
                 (c_build + (kernel ? child_cpu : 0.0)) * 1000);
        ratio_n = n;
        if (bi >= 0)
            change10k[bi] = rc ? 0 : t_build + t_apply;
        strbuf_free(&out);
        json_decref(svcs);
        json_decref(slices);
    }
    proxy_rules_free(r);
    proxy_nft_free(nr);
}

/* The nf_tables backend gets the role's batched transactions (PROXY_NFT_CHAINS_PER_COMMIT). */
int main(int argc, char **argv)
{
    /* A loader that dies early (a rejected payload, a missing nft) must show as its exit status,
     * not kill the bench while the payload is still going down its pipe. */
    signal(SIGPIPE, SIG_IGN);
    bool quick = false, ipt = true, nftm = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            ipt = strcmp(m, "iptables") == 0 || strcmp(m, "both") == 0;
            nftm = strcmp(m, "nftables") == 0 || strcmp(m, "both") == 0;
            if (!ipt && !nftm) {
                fprintf(stderr, "bench_proxy: --mode iptables|nftables|both\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: bench_proxy [--quick] [--mode iptables|nftables|both]\n");
            return 2;
        }
    }
    bool root = geteuid() == 0;
    static const size_t sizes[] = {1000, 10000, 20000};
    for (size_t b = 0; b < C8S_ARRAY_SIZE(backends); b++) {
        bool is_nftm = b == 2;
        /* Without root the builds alone: iptables' once (its backends build the same text). */
        if ((is_nftm && !nftm) || (!is_nftm && !ipt) || (!root && b == 1))
            continue;
        for (size_t i = 0; i < (quick ? 1 : C8S_ARRAY_SIZE(sizes)); i++) {
            /* Each run starts from empty tables in a namespace of its own. */
            if (root && unshare(CLONE_NEWNET) != 0) {
                perror("unshare(CLONE_NEWNET)");
                return 1;
            }
            run(sizes[i], backends[b], root, quick || sizes[i] == 10000);
        }
    }
    if (!root)
        printf("(not root: payloads were built but not applied)\n");
    /* The same run's figures side by side: how many times the nftables mode is faster. */
    for (int b = 0; b < 2; b++) {
        if (full10k[2] > 0 && full10k[b] > 0)
            printf("ratio iptables-%s / nftables at %zu services: full sync %.1fx, endpoint "
                   "change %.1fx\n",
                   backends[b], ratio_n, full10k[b] / full10k[2],
                   change10k[2] > 0 ? change10k[b] / change10k[2] : 0.0);
    }
    printf("RESULT%s\n", result);
    return 0;
}
