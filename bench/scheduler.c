/*
 * bench/scheduler.c — the scheduler's figures (a harness, not a test). For each size it starts
 * its own etcd and `c8s server` (scheduler on, controllers off), creates simulated Node objects
 * (capacity, allocatable, Ready; no kubelet behind them) and then pending pods through the HTTP
 * API on a few parallel connections, and follows the pods with one watch. Binding time is when
 * the watch shows spec.nodeName, measured on this process's monotonic clock against the moment
 * the pod's create request was sent, so latency is finer than metadata's seconds.
 *
 * Reports pods scheduled per second, p50/p99 creation→binding latency, and the scheduler
 * thread's CPU per pod (from /proc, the thread is named c8s-scheduler), which is what the
 * scheduler alone could sustain when creating pods is the bottleneck. Ends with one
 * `RESULT key=value …` line. `--quick` runs small sizes; `--nodes N --pods P` one custom size.
 */
#include "c8s/base.h"
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONNECTIONS 256
/* Client connections creating pods (--connections; default 32). */
static int connections = 32;

static th_etcd_t etcd;
static th_server_t srv;
static char etcd_log[300];
static char result[4096];

static void result_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void result_add(const char *fmt, ...)
{
    size_t n = strlen(result);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(result + n, sizeof(result) - n, fmt, ap);
    va_end(ap);
}

static void stop_all(void)
{
    if (srv.pid > 0) {
        int rc = th_server_stop(&srv);
        if (rc != 0)
            fprintf(stderr, "bench: server exited with status %d (log kept: %s)\n", rc, srv.log);
        else
            unlink(srv.log);
    }
    memset(&srv, 0, sizeof(srv));
    if (etcd.pid > 0 || etcd.dir[0])
        th_etcd_stop(&etcd);
    memset(&etcd, 0, sizeof(etcd));
}

/* Ctrl-C or SIGTERM: the children run in their own process groups, so they would outlive us.
 * Only async-signal-safe calls: kill, waitpid, fork and exec of rm for the temporary files. */
static void on_signal(int sig)
{
    pid_t kids[2] = {srv.pid, etcd.pid};
    for (int i = 0; i < 2; i++)
        if (kids[i] > 0) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
        }
    const char *rm[] = {"rm", "-rf", srv.dir, srv.log, etcd.dir, etcd_log, NULL};
    pid_t p = fork();
    if (p == 0) {
        execvp("rm", (char *const *)rm);
        _exit(127);
    }
    if (p > 0)
        waitpid(p, NULL, 0);
    _exit(128 + sig);
}

/* CPU seconds of the server's threads named `name` (all of them when NULL). */
static double thread_cpu(pid_t pid, const char *name)
{
    char path[320], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    double total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close)
            continue;
        if (name && (strncmp(open + 1, name, strlen(name)) != 0 ||
                     (size_t)(close - open - 1) != strlen(name)))
            continue;
        unsigned long ut = 0, st = 0;
        if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2)
            total += (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    }
    closedir(d);
    return total;
}

/* ---- creating objects on a few connections (libcurl multi) ---- */

typedef char *(*body_fn)(long i, void *data);

typedef struct {
    CURL *e;
    char *body;
    long index;
    char resp[256];
    size_t resp_len;
} slot_t;

static size_t keep_start(char *p, size_t s, size_t n, void *u)
{
    slot_t *sl = u;
    size_t room = sizeof(sl->resp) - 1 - sl->resp_len, take = s * n < room ? s * n : room;
    memcpy(sl->resp + sl->resp_len, p, take);
    sl->resp_len += take;
    sl->resp[sl->resp_len] = '\0';
    return s * n;
}

/* POSTs count bodies to url with connections in flight; sent_ns[i] (may be NULL) gets when the
 * i-th request was handed to curl. Returns the number of failures. */
static long create_all(const char *url, long count, body_fn fn, void *data, uint64_t *sent_ns)
{
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)connections);
    slot_t slots[MAX_CONNECTIONS] = {0};
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:");
    for (int i = 0; i < connections; i++) {
        slots[i].e = curl_easy_init();
        curl_easy_setopt(slots[i].e, CURLOPT_URL, url);
        th_curl_tls(slots[i].e, url);
        curl_easy_setopt(slots[i].e, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(slots[i].e, CURLOPT_WRITEFUNCTION, keep_start);
        curl_easy_setopt(slots[i].e, CURLOPT_WRITEDATA, &slots[i]);
        curl_easy_setopt(slots[i].e, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(slots[i].e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(slots[i].e, CURLOPT_TIMEOUT_MS, 60000L);
    }
    long next = 0, errors = 0;
    int active = 0;
    for (int i = 0; i < connections && next < count; i++) {
        slot_t *s = &slots[i];
        s->index = next++;
        s->body = fn(s->index, data);
        s->resp_len = 0;
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, s->body);
        if (sent_ns)
            sent_ns[s->index] = c8s_now_ns();
        curl_multi_add_handle(m, s->e);
        active++;
    }
    while (active > 0) {
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot_t *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long code = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_multi_remove_handle(m, msg->easy_handle);
            active--;
            if (msg->data.result != CURLE_OK || code != 201) {
                if (errors++ < 3)
                    fprintf(stderr, "  create %ld failed: curl %d, HTTP %ld: %.200s\n", s->index,
                            msg->data.result, code, s->resp);
            }
            free(s->body);
            s->body = NULL;
            if (next < count) {
                s->index = next++;
                s->body = fn(s->index, data);
                s->resp_len = 0;
                curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, s->body);
                if (sent_ns)
                    sent_ns[s->index] = c8s_now_ns();
                curl_multi_add_handle(m, s->e);
                active++;
            }
        }
        if (active > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < connections; i++)
        curl_easy_cleanup(slots[i].e);
    curl_slist_free_all(hdr);
    curl_multi_cleanup(m);
    return errors;
}

static char *node_body(long i, void *data)
{
    /* Three zones, as a real cluster would have; 32 CPUs, 128 GiB, 110 pods. */
    return xasprintf(
        "{\"metadata\":{\"name\":\"node-%05ld\",\"labels\":{\"kubernetes.io/hostname\":"
        "\"node-%05ld\",\"kubernetes.io/os\":\"linux\",\"topology.kubernetes.io/zone\":"
        "\"zone-%ld\"}},\"spec\":{},\"status\":{\"capacity\":{\"cpu\":\"32\",\"memory\":"
        "\"128Gi\",\"ephemeral-storage\":\"100Gi\",\"pods\":\"110\"},\"allocatable\":{\"cpu\":"
        "\"32\",\"memory\":\"128Gi\",\"ephemeral-storage\":\"100Gi\",\"pods\":\"110\"},"
        "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\"}]}}",
        i, i, i % 3);
}

static char *pod_body(long i, void *data)
{
    /* upstream scheduler_perf's SchedulingBasic pod: one container with small requests. */
    return xasprintf("{\"metadata\":{\"name\":\"p-%06ld\",\"labels\":{\"app\":\"bench\"}},"
                     "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/"
                     "pause:3.9\",\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":"
                     "\"200Mi\"}}}]}}",
                     i);
}

/* ---- following the bindings ---- */

typedef struct {
    th_watch_t w;
    long pods;
    uint64_t *bound_ns; /* 0 until the pod is seen with spec.nodeName */
    atomic_long bound;
    atomic_bool stop;
} follow_t;

static void *follow(void *arg)
{
    follow_t *f = arg;
    while (!atomic_load(&f->stop) && atomic_load(&f->bound) < f->pods) {
        char *line = th_watch_next(&f->w, 200);
        if (!line) {
            if (f->w.eof)
                break;
            continue;
        }
        uint64_t now = c8s_now_ns();
        /* Most lines are the ADDED of a pending pod: skip them without parsing. */
        if (strstr(line, "\"nodeName\":\"")) {
            json_t *ev = json_loads(line, 0, NULL);
            json_t *obj = json_object_get(ev, "object");
            const char *name =
                json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
            const char *node =
                json_string_value(json_object_get(json_object_get(obj, "spec"), "nodeName"));
            long i;
            if (name && node && *node && sscanf(name, "p-%ld", &i) == 1 && i >= 0 && i < f->pods &&
                !f->bound_ns[i]) {
                f->bound_ns[i] = now;
                atomic_fetch_add(&f->bound, 1);
            }
            json_decref(ev);
        }
        free(line);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int http_ok(const char *method, const char *path, const char *body, long want)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", srv.url, path);
    th_resp_t r;
    int rc = th_http(method, url, "application/json", body, &r);
    if (rc != 0 || r.status != want) {
        fprintf(stderr, "bench: %s %s: HTTP %ld %.300s\n", method, path, r.status,
                r.body ? r.body : "");
        rc = -1;
    }
    th_resp_free(&r);
    return rc;
}

typedef struct {
    double pods_per_s, create_per_s, p50_ms, p99_ms, max_ms, sched_cpu_ms_per_pod;
    long bound, errors;
} figures_t;

static int run_size(long nodes, long pods, figures_t *fig)
{
    memset(fig, 0, sizeof(*fig));
    if (th_etcd_start(&etcd) != 0)
        return -1;
    snprintf(etcd_log, sizeof(etcd_log), "%s.log", etcd.dir);
    static const char *const args[] = {"--max-requests-inflight",          "0",
                                       "--max-mutating-requests-inflight", "0",
                                       "--disable-controller-manager",     NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        fprintf(stderr, "bench: server did not start (log %s)\n", srv.log);
        return -1;
    }
    if (http_ok("POST", "/api/v1/namespaces", "{\"metadata\":{\"name\":\"bench\"}}", 201) != 0)
        return -1;

    char url[256];
    uint64_t t0 = c8s_now_ns();
    snprintf(url, sizeof(url), "%s/api/v1/nodes", srv.url);
    fig->errors += create_all(url, nodes, node_body, NULL, NULL);
    printf("  %ld nodes created in %.1f s\n", nodes, (double)(c8s_now_ns() - t0) / 1e9);

    /* A probe pod proves the scheduler leads and sees nodes; then give its node informer a
     * moment to take in the rest (the two informers' streams are not ordered together). */
    if (http_ok("POST", "/api/v1/namespaces/default/pods",
                "{\"metadata\":{\"name\":\"probe\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                "\"image\":\"registry.k8s.io/pause:3.9\"}]}}",
                201) != 0)
        return -1;
    bool probe_bound = false;
    for (int i = 0; i < 300 && !probe_bound; i++) {
        snprintf(url, sizeof(url), "%s/api/v1/namespaces/default/pods/probe", srv.url);
        th_resp_t r;
        if (th_http("GET", url, NULL, NULL, &r) == 0 && r.body && strstr(r.body, "\"nodeName\""))
            probe_bound = true;
        th_resp_free(&r);
        if (!probe_bound)
            usleep(100000);
    }
    if (!probe_bound) {
        fprintf(stderr, "bench: the probe pod was not scheduled within 30 s\n");
        return -1;
    }
    sleep(1);

    follow_t f = {.pods = pods};
    f.bound_ns = xcalloc((size_t)pods, sizeof(uint64_t));
    uint64_t *sent_ns = xcalloc((size_t)pods, sizeof(uint64_t));
    if (th_watch_open(&f.w, srv.port, "/api/v1/namespaces/bench/pods?watch=true") != 0 ||
        f.w.status != 200) {
        fprintf(stderr, "bench: watch did not open (HTTP %ld)\n", f.w.status);
        th_watch_close(&f.w);
        free(f.bound_ns);
        free(sent_ns);
        return -1;
    }
    pthread_t th;
    pthread_create(&th, NULL, follow, &f);

    double cpu0 = thread_cpu(srv.pid, "c8s-scheduler");
    uint64_t start = c8s_now_ns();
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/bench/pods", srv.url);
    fig->errors += create_all(url, pods, pod_body, NULL, sent_ns);
    uint64_t created = c8s_now_ns();
    fig->create_per_s = (double)pods / ((double)(created - start) / 1e9);
    printf("  %ld pods created in %.1f s (%.0f/s on %d connections)\n", pods,
           (double)(created - start) / 1e9, fig->create_per_s, connections);

    /* Wait for the bindings while they keep coming (30 s without progress ends it). */
    long last = -1;
    uint64_t last_change = c8s_now_ns();
    while (atomic_load(&f.bound) < pods) {
        long b = atomic_load(&f.bound);
        if (b != last) {
            last = b;
            last_change = c8s_now_ns();
        } else if (c8s_now_ns() - last_change > 30ULL * 1000000000ULL) {
            fprintf(stderr, "bench: only %ld of %ld pods bound after 30 s without progress\n", b,
                    pods);
            break;
        }
        usleep(20000);
    }
    atomic_store(&f.stop, true);
    pthread_join(th, NULL);
    th_watch_close(&f.w);
    double cpu1 = thread_cpu(srv.pid, "c8s-scheduler");

    fig->bound = atomic_load(&f.bound);
    uint64_t *lat = xcalloc((size_t)pods, sizeof(uint64_t));
    uint64_t end = start;
    size_t n = 0;
    for (long i = 0; i < pods; i++) {
        if (!f.bound_ns[i])
            continue;
        if (f.bound_ns[i] > end)
            end = f.bound_ns[i];
        lat[n++] = f.bound_ns[i] > sent_ns[i] ? f.bound_ns[i] - sent_ns[i] : 0;
    }
    qsort(lat, n, sizeof(uint64_t), cmp_u64);
    if (n) {
        fig->p50_ms = (double)lat[(size_t)(0.50 * (double)(n - 1))] / 1e6;
        fig->p99_ms = (double)lat[(size_t)(0.99 * (double)(n - 1))] / 1e6;
        fig->max_ms = (double)lat[n - 1] / 1e6;
    }
    fig->pods_per_s = (double)fig->bound / ((double)(end - start) / 1e9);
    if (cpu0 >= 0 && cpu1 >= 0 && fig->bound)
        fig->sched_cpu_ms_per_pod = (cpu1 - cpu0) * 1000 / (double)fig->bound;
    free(lat);
    free(sent_ns);
    free(f.bound_ns);
    return 0;
}

int main(int argc, char **argv)
{
    bool quick = false;
    long one_nodes = 0, one_pods = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) {
            one_nodes = atol(argv[++i]);
        } else if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc) {
            one_pods = atol(argv[++i]);
        } else if (strcmp(argv[i], "--connections") == 0 && i + 1 < argc) {
            connections = atoi(argv[++i]);
            if (connections < 1 || connections > MAX_CONNECTIONS) {
                fprintf(stderr, "--connections: 1 to %d\n", MAX_CONNECTIONS);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: %s [--quick] [--nodes N --pods P] [--connections C]\n",
                    argv[0]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(stop_all);

    static const long full[][2] = {{100, 1000}, {1000, 10000}, {5000, 30000}};
    static const long small[][2] = {{10, 100}, {100, 1000}};
    long custom[1][2] = {{one_nodes, one_pods}};
    const long(*sizes)[2] = quick ? small : full;
    size_t nsizes = quick ? C8S_ARRAY_SIZE(small) : C8S_ARRAY_SIZE(full);
    if (one_nodes > 0 && one_pods > 0) {
        sizes = (const long(*)[2])custom;
        nsizes = 1;
    }
    printf("c8s bench/scheduler: simulated nodes (32 CPU, 128 GiB, 110 pods, 3 zones), pods "
           "requesting 100m / 200Mi, created on %d connections; latency from sending the create "
           "to seeing spec.nodeName on a watch\n",
           connections);
    long errors = 0;
    int failed = 0;
    double rate_largest = 0;
    for (size_t k = 0; k < nsizes; k++) {
        long nodes = sizes[k][0], pods = sizes[k][1];
        printf("%ld nodes, %ld pods\n", nodes, pods);
        figures_t fig;
        if (run_size(nodes, pods, &fig) != 0) {
            failed = 1;
            stop_all();
            break;
        }
        stop_all();
        errors += fig.errors;
        printf("  scheduled %ld/%ld: %.0f pods/s (first create → last binding); creation → binding "
               "p50 %.1f ms, p99 %.1f ms, max %.1f ms; scheduler thread %.3f ms CPU per pod (%.0f "
               "pods/s of one core)\n",
               fig.bound, pods, fig.pods_per_s, fig.p50_ms, fig.p99_ms, fig.max_ms,
               fig.sched_cpu_ms_per_pod,
               fig.sched_cpu_ms_per_pod > 0 ? 1000 / fig.sched_cpu_ms_per_pod : 0);
        char tag[32];
        snprintf(tag, sizeof(tag), "%ldn_%ldp", nodes, pods);
        result_add(" pods_per_s_%s=%.0f create_per_s_%s=%.0f p50_ms_%s=%.1f p99_ms_%s=%.1f "
                   "sched_cpu_ms_per_pod_%s=%.3f bound_%s=%ld",
                   tag, fig.pods_per_s, tag, fig.create_per_s, tag, fig.p50_ms, tag, fig.p99_ms,
                   tag, fig.sched_cpu_ms_per_pod, tag, fig.bound);
        if (fig.bound != pods)
            failed = 1;
        rate_largest = fig.pods_per_s;
    }
    if (!quick && nsizes == C8S_ARRAY_SIZE(full))
        printf("target: >= 1,000 pods/s at 5,000 nodes: %s (%.0f)\n",
               rate_largest >= 1000 ? "met" : "MISSED", rate_largest);
    result_add(" errors=%ld", errors);
    curl_global_cleanup();
    printf("RESULT%s\n", result);
    return failed || errors ? 1 : 0;
}
