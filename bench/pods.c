/*
 * bench/pods.c — the kubelet's figures (a harness, not a test): real pods under runc on one
 * node. As root, in a network and mount namespace of its own, it starts a real etcd, the API
 * server and the kubelet in this process (as `c8s server` runs them), imports a busybox-static
 * image into the kubelet's store (a local image: no pull is measured), then
 *   1. latency: creates 100 pods (one container, `sleep 3600`, bound to the node by hand) at a
 *      steady 5 a second, as upstream's density test paces them, and measures each pod's
 *      creation → Running time with one watch (this process's monotonic clock, from the moment
 *      its create request was sent to the watch event showing phase Running): p50, p99, max;
 *   2. density: 10 more pods at once, to upstream's default of 110 a node, and the time until
 *      all 110 are Running; then the RSS of this process (API server + kubelet: what `c8s
 *      server` holds, less the controllers) and the total RSS of the 110 shims;
 *   3. teardown: all 110 deleted, the time until all are gone.
 * Ends with one `RESULT key=value …` line. `--pods N` changes the latency run's size.
 */
#include "c8s/apiserver.h"
#include "c8s/base.h"
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#define DENSITY 110
#define MAXPODS 1000

static char base[64];
static int api_port;
static int n_latency = 100;
static double sent_at[MAXPODS], running_at[MAXPODS];
static atomic_int n_sent;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    if (vasprintf(&cmd, fmt, ap) < 0)
        cmd = NULL;
    va_end(ap);
    if (!cmd)
        return -1;
    int rc = system(cmd);
    free(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static long req(const char *method, const char *path, const char *body)
{
    cleanup_free char *url = xasprintf("%s%s", base, path);
    th_resp_t r = {0};
    long st = th_http(method, url, body ? "application/json" : NULL, body, &r) == 0 ? r.status : -1;
    if (st >= 300)
        fprintf(stderr, "%s %s: %ld %.300s\n", method, path, st, r.body ? r.body : "");
    th_resp_free(&r);
    return st;
}

static long create_pod(int i)
{
    cleanup_free char *body = xasprintf(
        "{\"metadata\":{\"name\":\"p%d\"},\"spec\":{\"nodeName\":\"bench\","
        "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\",\"image\":"
        "\"example.com/bench/busybox:1\",\"imagePullPolicy\":\"Never\",\"command\":[\"sleep\","
        "\"3600\"]}]}}",
        i);
    sent_at[i] = mono();
    atomic_store(&n_sent, i + 1);
    return req("POST", "/api/v1/namespaces/default/pods", body);
}

typedef struct {
    int from, to;
    double interval; /* seconds between creates; 0: as fast as possible */
} creator_t;

static void *creator(void *arg)
{
    creator_t *c = arg;
    double start = mono();
    for (int i = c->from; i < c->to; i++) {
        if (c->interval > 0) {
            double due = start + (i - c->from) * c->interval;
            double now = mono();
            if (due > now)
                usleep((useconds_t)((due - now) * 1e6));
        }
        if (create_pod(i) != 201)
            fprintf(stderr, "bench: creating p%d failed\n", i);
    }
    return NULL;
}

/* Reads the watch until pods [0, upto) are all Running or timeout_s passes; returns how many
 * are Running. */
static int follow(th_watch_t *w, int upto, double timeout_s)
{
    double end = mono() + timeout_s;
    int running = 0;
    for (int i = 0; i < upto; i++)
        running += running_at[i] > 0;
    while (running < upto && mono() < end) {
        cleanup_free char *line = th_watch_next(w, 500);
        if (!line) {
            if (w->eof)
                break;
            continue;
        }
        double now = mono();
        cleanup_json json_t *ev = json_loads(line, 0, NULL);
        json_t *obj = json_object_get(ev, "object");
        const char *name =
            json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
        const char *phase =
            json_string_value(json_object_get(json_object_get(obj, "status"), "phase"));
        if (!name || name[0] != 'p' || !phase || strcmp(phase, "Running") != 0)
            continue;
        int i = atoi(name + 1);
        if (i < 0 || i >= MAXPODS || running_at[i] > 0)
            continue;
        running_at[i] = now;
        if (i < upto)
            running++;
    }
    return running;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long rss_kb(const char *pid)
{
    cleanup_free char *path = xasprintf("/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[256];
    long kb = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* The shims of this run: processes whose command line is "<c8s> shim …" naming our root. */
static long shims_rss_kb(const char *root, int *count)
{
    DIR *d = opendir("/proc");
    long total = 0;
    *count = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        cleanup_free char *path = xasprintf("/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        char buf[4096];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        size_t a0 = strlen(buf);
        if (a0 + 1 >= n || strcmp(buf + a0 + 1, "shim") != 0)
            continue;
        bool ours = false;
        for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
            ours = ours || strstr(buf + i, root) != NULL;
        if (!ours)
            continue;
        total += rss_kb(e->d_name);
        (*count)++;
    }
    closedir(d);
    return total;
}

static int make_image(const char *root, const char *work)
{
    return sh(
        "set -e; W=%s/img; mkdir -p $W/r/bin $W/r/tmp $W/a; chmod 1777 $W/r/tmp;"
        "cp /bin/busybox $W/r/bin/busybox; for a in sh sleep; do ln -s busybox $W/r/bin/$a; "
        "done; tar --numeric-owner -C $W/r -cf $W/a/layer.tar .;"
        "D=$(sha256sum $W/a/layer.tar | cut -d' ' -f1);"
        "printf '{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
        "\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $D"
        " > $W/a/cfg.json;"
        "echo '[{\"Config\":\"cfg.json\",\"RepoTags\":[\"example.com/bench/busybox:1\"],"
        "\"Layers\":[\"layer.tar\"]}]' > $W/a/manifest.json;"
        "tar -C $W/a -cf $W/img.tar .;"
        "%s image import --data-dir %s $W/img.tar >/dev/null",
        work, image_host_arch(), C8S_BIN, root);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc)
            n_latency = atoi(argv[++i]);
    if (n_latency < 1 || n_latency > DENSITY) {
        fprintf(stderr, "bench_pods: --pods between 1 and %d\n", DENSITY);
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "bench_pods: needs root (namespaces, mounts, runc, CNI)\n");
        return 2;
    }
    if (access("/usr/lib/cni/bridge", X_OK) != 0 || access("/usr/sbin/runc", X_OK) != 0 ||
        access("/bin/busybox", X_OK) != 0) {
        fprintf(stderr, "bench_pods: needs /usr/lib/cni, runc and busybox-static\n");
        return 2;
    }
    if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || sh("ip link set lo up") != 0) {
        fprintf(stderr, "bench_pods: cannot make its namespaces\n");
        return 1;
    }
    char work[] = "/tmp/c8s-bench-pods-XXXXXX";
    if (!mkdtemp(work))
        return 1;
    cleanup_free char *root = xasprintf("%s/root", work);
    cleanup_free char *runc_root = xasprintf("%s/runc", work);
    char kubepods[128];
    snprintf(kubepods, sizeof(kubepods), "/c8s-bench-%d", (int)getpid());
    int rc = 1;
    th_etcd_t etcd;
    apiserver_t *srv = NULL;
    kubelet_t *k = NULL;
    th_watch_t w = {0};
    bool watching = false;
    if (sh("mkdir -p %s %s", root, runc_root) != 0 || make_image(root, work) != 0) {
        fprintf(stderr, "bench_pods: building the image failed\n");
        th_rmtree(work);
        return 1;
    }
    if (th_etcd_start(&etcd) != 0) {
        fprintf(stderr, "bench_pods: etcd did not start\n");
        th_rmtree(work);
        return 1;
    }
    apiserver_config_t cfg = {0};
    const char *eps[] = {etcd.url, NULL};
    cfg.etcd_endpoints = eps;
    cfg.port = api_port = th_free_port();
    snprintf(base, sizeof(base), "https://127.0.0.1:%d", cfg.port);
    c8s_err_t err = C8S_ERR_INIT;
    th_tls_config(&cfg);
    if (apiserver_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "bench_pods: apiserver_start: %s\n", err.msg);
        c8s_err_clear(&err);
        goto out;
    }
    for (int i = 0; i < 100 && req("GET", "/api/v1/namespaces/default", NULL) != 200; i++)
        usleep(50000);
    kubelet_config_t kc = {.node_name = "bench",
                           .root_dir = root,
                           .pod_cidr = "10.244.9.0/24",
                           .run_pods = true,
                           .kubepods_root = kubepods,
                           .runc_root = runc_root,
                           .shim_bin = C8S_BIN};
    if (kubelet_start(srv, &kc, &k, &err) != 0) {
        fprintf(stderr, "bench_pods: kubelet_start: %s\n", err.msg);
        c8s_err_clear(&err);
        goto out;
    }
    if (th_watch_open(&w, api_port, "/api/v1/namespaces/default/pods?watch=1") != 0 ||
        w.status != 200) {
        fprintf(stderr, "bench_pods: watch failed\n");
        goto out;
    }
    watching = true;

    /* 1. latency at a steady 5 pods a second */
    printf("latency: %d pods at 5/s on one node\n", n_latency);
    fflush(stdout);
    creator_t c1 = {.from = 0, .to = n_latency, .interval = 0.2};
    pthread_t th;
    pthread_create(&th, NULL, creator, &c1);
    int running = follow(&w, n_latency, n_latency * 0.2 + 120);
    pthread_join(th, NULL);
    running = follow(&w, n_latency, 1);
    double lat[MAXPODS];
    int nl = 0;
    for (int i = 0; i < n_latency; i++)
        if (running_at[i] > 0)
            lat[nl++] = (running_at[i] - sent_at[i]) * 1000;
    qsort(lat, (size_t)nl, sizeof(double), cmp_double);
    double p50 = nl ? lat[(nl - 1) / 2] : 0, p99 = nl ? lat[(int)((nl - 1) * 0.99 + 0.5)] : 0,
           lmax = nl ? lat[nl - 1] : 0;
    printf("  running %d/%d  p50 %.0f ms  p99 %.0f ms  max %.0f ms\n", running, n_latency, p50, p99,
           lmax);

    /* 2. density: the rest at once, to 110 */
    printf("density: %d more pods at once, %d on the node\n", DENSITY - n_latency, DENSITY);
    fflush(stdout);
    creator_t c2 = {.from = n_latency, .to = DENSITY, .interval = 0};
    double t0 = mono();
    pthread_create(&th, NULL, creator, &c2);
    pthread_join(th, NULL);
    int dense = follow(&w, DENSITY, 300);
    double all_running = mono() - t0;
    sleep(2); /* steady state: nothing starting */
    long self_kb = rss_kb("self");
    int nshims = 0;
    long shims_kb = shims_rss_kb(root, &nshims);
    printf("  running %d/%d after %.1f s; RSS: c8s (API server + kubelet) %.1f MiB, %d shims %.1f "
           "MiB (%.0f KiB each)\n",
           dense, DENSITY, all_running, self_kb / 1024.0, nshims, shims_kb / 1024.0,
           nshims ? (double)shims_kb / nshims : 0.0);

    /* 3. teardown */
    double t1 = mono();
    for (int i = 0; i < DENSITY; i++) {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/namespaces/default/pods/p%d", i);
        req("DELETE", path, NULL);
    }
    int left = DENSITY;
    for (int t = 0; t < 1200 && left > 0; t++) {
        th_resp_t r = {0};
        cleanup_free char *url = xasprintf("%s/api/v1/namespaces/default/pods", base);
        if (th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 200) {
            cleanup_json json_t *l = json_loads(r.body, 0, NULL);
            left = (int)json_array_size(json_object_get(l, "items"));
        }
        th_resp_free(&r);
        if (left > 0)
            usleep(250000);
    }
    double gone = mono() - t1;
    printf("teardown: %d left after %.1f s\n", left, gone);
    printf("RESULT pods=%d running=%d p50_ms=%.0f p99_ms=%.0f max_ms=%.0f density=%d "
           "density_running=%d density_s=%.1f c8s_rss_mib=%.1f shims=%d shims_rss_mib=%.1f "
           "shim_rss_kib=%.0f teardown_s=%.1f teardown_left=%d\n",
           n_latency, running, p50, p99, lmax, DENSITY, dense, all_running, self_kb / 1024.0,
           nshims, shims_kb / 1024.0, nshims ? (double)shims_kb / nshims : 0.0, gone, left);
    rc = running == n_latency && dense == DENSITY && left == 0 ? 0 : 1;
out:
    if (watching)
        th_watch_close(&w);
    kubelet_stop(k);
    apiserver_stop(srv);
    th_etcd_stop(&etcd);
    /* Whatever is left (a failed run). */
    sh("for c in $(/usr/sbin/runc --root %s list -q 2>/dev/null); do /usr/sbin/runc --root %s "
       "delete -f $c; done",
       runc_root, runc_root);
    sh("grep -o ' %s/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l", work);
    sh("find /sys/fs/cgroup -depth -type d -path '*%s*' -exec rmdir {} + 2>/dev/null", kubepods);
    th_rmtree(work);
    return rc;
}
