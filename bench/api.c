/*
 * bench/api.c — the API server's figures (a harness, not a test): creates, GETs and LISTs from
 * the watch cache at 1, 50 and 500 concurrent clients beside raw etcd gateway puts and ranges in
 * the same run, each with the CPU the server and etcd spent per request (utime + stime from
 * /proc over the measurement); one write's delivery to 1,000 watchers; RSS with 10,000 pods; idle
 * CPU.
 * Ends with one `RESULT key=value …` line. `--quick` shrinks everything for a smoke run;
 * `--idle SECONDS` sets the idle phase's length (to attach perf or strace to the server in it).
 */
#include "c8s/base.h"
#include "harness.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static bool quick;
static int idle_arg = -1; /* --idle SECONDS: the idle phase's length, to watch the server in it */
static th_etcd_t etcd;
static th_server_t srv;
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

/* ---- a closed-loop load generator on libcurl multi ---- */

typedef struct load_s load_t;
/* Fills the next request: url, and body (NULL for GET). Returns false when there is no more. */
typedef bool (*next_fn)(load_t *l, long i, char *url, size_t url_len, char **body);

struct load_s {
    const char *method;
    const char *content_type;
    next_fn next;
    void *data;
    long issued, done, errors;
    long max_requests; /* a measurement ends after this many requests or max_ms, first wins */
    double *lat;       /* seconds, per completed request */
    size_t n_lat, cap_lat;
};

typedef struct {
    CURL *e;
    char *body;
    uint64_t t0;
    struct curl_slist *hdr;
    char resp[512]; /* the start of the response body, shown when a request fails */
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

static bool slot_start(load_t *l, slot_t *s, CURLM *m)
{
    char url[512];
    char *body = NULL;
    if (l->max_requests && l->issued >= l->max_requests)
        return false;
    if (!l->next(l, l->issued, url, sizeof(url), &body))
        return false;
    l->issued++;
    free(s->body);
    s->body = body;
    curl_easy_setopt(s->e, CURLOPT_URL, url);
    th_curl_tls(s->e, url);
    curl_easy_setopt(s->e, CURLOPT_CUSTOMREQUEST, l->method);
    if (body) {
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(s->e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(s->e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(s->e, CURLOPT_CUSTOMREQUEST, NULL);
    }
    s->resp_len = 0;
    s->resp[0] = '\0';
    s->t0 = c8s_now_ns();
    curl_multi_add_handle(m, s->e);
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(load_t *l, double p)
{
    if (l->n_lat == 0)
        return 0;
    size_t i = (size_t)(p * (double)(l->n_lat - 1));
    return l->lat[i] * 1000.0;
}

/* Runs with `conc` requests in flight until next() says stop or max_ms passes. Returns req/s. */
static double run_load(load_t *l, int conc, int max_ms)
{
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conc);
    slot_t *slots = xcalloc((size_t)conc, sizeof(*slots));
    for (int i = 0; i < conc; i++) {
        slots[i].e = curl_easy_init();
        if (l->content_type) {
            char h[128];
            snprintf(h, sizeof(h), "Content-Type: %s", l->content_type);
            slots[i].hdr = curl_slist_append(NULL, h);
            slots[i].hdr = curl_slist_append(slots[i].hdr, "Expect:");
            curl_easy_setopt(slots[i].e, CURLOPT_HTTPHEADER, slots[i].hdr);
        }
        curl_easy_setopt(slots[i].e, CURLOPT_WRITEFUNCTION, keep_start);
        curl_easy_setopt(slots[i].e, CURLOPT_WRITEDATA, &slots[i]);
        curl_easy_setopt(slots[i].e, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(slots[i].e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(slots[i].e, CURLOPT_TIMEOUT_MS, 30000L);
    }
    uint64_t start = c8s_now_ns();
    int active = 0;
    for (int i = 0; i < conc; i++)
        active += slot_start(l, &slots[i], m);
    bool stop = false;
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
            l->done++;
            if (msg->data.result != CURLE_OK || code < 200 || code >= 300) {
                if (l->errors++ < 3)
                    fprintf(stderr, "  request failed: curl %d (%s), HTTP %ld: %.300s\n",
                            msg->data.result, curl_easy_strerror(msg->data.result), code, s->resp);
            }
            if (l->n_lat == l->cap_lat) {
                l->cap_lat = l->cap_lat ? l->cap_lat * 2 : 4096;
                l->lat = xrealloc(l->lat, l->cap_lat * sizeof(double));
            }
            l->lat[l->n_lat++] = (double)(c8s_now_ns() - s->t0) / 1e9;
            if ((int)((c8s_now_ns() - start) / 1000000) >= max_ms)
                stop = true;
            if (!stop && slot_start(l, s, m))
                active++;
        }
        if (active > 0)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double secs = (double)(c8s_now_ns() - start) / 1e9;
    for (int i = 0; i < conc; i++) {
        curl_slist_free_all(slots[i].hdr);
        curl_easy_cleanup(slots[i].e);
        free(slots[i].body);
    }
    free(slots);
    curl_multi_cleanup(m);
    qsort(l->lat, l->n_lat, sizeof(double), cmp_double);
    return secs > 0 ? (double)l->done / secs : 0;
}

static void load_free(load_t *l)
{
    free(l->lat);
}

/* ---- request generators ---- */

static char payload[1100];
static long request_cap;
static long create_max;
static int run_id;

static bool next_create(load_t *l, long i, char *url, size_t n, char **body)
{
    if (create_max && i >= create_max)
        return false;
    snprintf(url, n, "%s/api/v1/namespaces/bench/configmaps", srv.url);
    *body = xasprintf("{\"metadata\":{\"name\":\"cm-%d-%ld\"},\"data\":{\"k\":\"%s\"}}", run_id, i,
                      payload);
    return true;
}

static bool next_pod(load_t *l, long i, char *url, size_t n, char **body)
{
    if (i >= create_max)
        return false;
    snprintf(url, n, "%s/api/v1/namespaces/pods/pods", srv.url);
    *body = xasprintf("{\"metadata\":{\"name\":\"pod-%05ld\",\"labels\":{\"app\":\"bench\"}},"
                      "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}",
                      i);
    return true;
}

static bool next_get(load_t *l, long i, char *url, size_t n, char **body)
{
    snprintf(url, n, "%s/api/v1/namespaces/small/configmaps/cm-%ld?resourceVersion=0", srv.url,
             i % 10);
    return true;
}

static bool next_list(load_t *l, long i, char *url, size_t n, char **body)
{
    snprintf(url, n, "%s/api/v1/namespaces/small/configmaps?resourceVersion=0", srv.url);
    return true;
}

static char *b64(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

static char *etcd_value_b64;

static bool next_etcd_put(load_t *l, long i, char *url, size_t n, char **body)
{
    if (create_max && i >= create_max)
        return false;
    snprintf(url, n, "%s/v3/kv/put", etcd.url);
    char key[96];
    snprintf(key, sizeof(key), "/bench/raw/%d/%ld", run_id, i);
    cleanup_free char *k = b64(key);
    *body = xasprintf("{\"key\":\"%s\",\"value\":\"%s\"}", k, etcd_value_b64);
    return true;
}

/* What a c8s create costs etcd: create-if-absent as one txn. */
static bool next_etcd_txn(load_t *l, long i, char *url, size_t n, char **body)
{
    if (create_max && i >= create_max)
        return false;
    snprintf(url, n, "%s/v3/kv/txn", etcd.url);
    char key[96];
    snprintf(key, sizeof(key), "/bench/txn/%d/%ld", run_id, i);
    cleanup_free char *k = b64(key);
    *body = xasprintf("{\"compare\":[{\"key\":\"%s\",\"target\":\"MOD\",\"result\":\"EQUAL\","
                      "\"mod_revision\":\"0\"}],\"success\":[{\"request_put\":{\"key\":\"%s\","
                      "\"value\":\"%s\"}}],\"failure\":[{\"request_range\":{\"key\":\"%s\"}}]}",
                      k, k, etcd_value_b64, k);
    return true;
}

static bool next_etcd_range(load_t *l, long i, char *url, size_t n, char **body)
{
    snprintf(url, n, "%s/v3/kv/range", etcd.url);
    char key[96];
    snprintf(key, sizeof(key), "/bench/raw/0/%ld", i % 10);
    cleanup_free char *k = b64(key);
    *body = xasprintf("{\"key\":\"%s\"}", k);
    return true;
}

static void report(const char *what, int conc, load_t *l, double rps, double srv_us, double etcd_us)
{
    printf("  %-14s c=%-4d %9.0f req/s   p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  (%ld requests, "
           "%ld errors)  CPU/request: server %.0f us, etcd %.0f us\n",
           what, conc, rps, pct(l, 0.5), pct(l, 0.9), pct(l, 0.99), l->done, l->errors, srv_us,
           etcd_us);
}

static double cpu_seconds(pid_t pid);

/* CPU µs per completed request of a process over a measurement: what it costs, whatever the
 * machine's load does to the rates (the rates of a shared machine move, this much less). */
static double us_per(double c0, double c1, long done)
{
    return c0 >= 0 && c1 >= 0 && done > 0 ? (c1 - c0) * 1e6 / (double)done : 0;
}

static double last_srv_us, last_etcd_us; /* the last measurement's CPU per request */

static double measure(const char *what, const char *method, const char *ct, next_fn fn, int conc,
                      int ms, long max, double *p99, long *errors)
{
    load_t l = {.method = method, .content_type = ct, .next = fn, .max_requests = request_cap};
    create_max = max;
    run_id++;
    double s0 = cpu_seconds(srv.pid), e0 = cpu_seconds(etcd.pid);
    double rps = run_load(&l, conc, ms);
    double s1 = cpu_seconds(srv.pid), e1 = cpu_seconds(etcd.pid);
    last_srv_us = us_per(s0, s1, l.done);
    last_etcd_us = us_per(e0, e1, l.done);
    report(what, conc, &l, rps, last_srv_us, last_etcd_us);
    if (p99)
        *p99 = pct(&l, 0.99);
    if (errors)
        *errors += l.errors;
    load_free(&l);
    return rps;
}

/* ---- watch fan-out ---- */

/* The list's resourceVersion for a namespace's configmaps: watches start from "now". */
static char *current_rv(const char *ns_name)
{
    char url[256];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/%s/configmaps", srv.url, ns_name);
    th_resp_t r;
    char *rv = NULL;
    if (th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 200) {
        cleanup_json json_t *j = json_loads(r.body, 0, NULL);
        const char *v =
            json_string_value(json_object_get(json_object_get(j, "metadata"), "resourceVersion"));
        if (v)
            rv = xstrdup(v);
    }
    th_resp_free(&r);
    return rv;
}

#define TAIL 48 /* bytes kept per watcher so a name split across two reads is still found */

/* Opens n_watchers watches, then makes `writes` creates one after another; for each, the delay
 * from the write's start until each watcher has read the event. */
static void watch_fanout(int n_watchers, int writes, double *p50, double *p99, double *max,
                         int *delivered_min, int *established)
{
    th_watch_t *ws = xcalloc((size_t)n_watchers, sizeof(*ws));
    int *idx = xcalloc((size_t)n_watchers, sizeof(int));
    char(*tail)[TAIL + 1] = xcalloc((size_t)n_watchers, sizeof(*tail));
    struct pollfd *pfd = xcalloc((size_t)n_watchers, sizeof(*pfd));
    cleanup_free char *rv = current_rv("watched");
    char path[256];
    snprintf(path, sizeof(path),
             "/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=%s", rv ? rv : "0");
    int opened = 0;
    for (int i = 0; i < n_watchers; i++) {
        if (th_conn_open(&ws[i], srv.port, path) == 0)
            opened++;
        else
            th_watch_close(&ws[i]);
    }
    /* Wait until every stream is established: the response header (200) has arrived. */
    char buf[65536 + TAIL];
    int shown = 0;
    for (int i = 0; i < n_watchers; i++) {
        if (ws[i].fd < 0)
            continue;
        ssize_t nr = th_conn_read(&ws[i], buf, sizeof(buf) - 1, 5000);
        if (nr > 0) {
            buf[nr] = '\0';
            if (strncmp(buf, "HTTP/1.1 200", 12) == 0)
                continue;
            if (shown++ < 3)
                fprintf(stderr, "  watch refused: %.300s\n", buf);
        }
        th_watch_close(&ws[i]);
        opened--;
    }
    *established = opened;
    printf("  %d of %d watches established (from resourceVersion %s)\n", opened, n_watchers,
           rv ? rv : "0");
    double *lat = xcalloc((size_t)n_watchers * (size_t)writes, sizeof(double));
    size_t n_lat = 0;
    int min_got = n_watchers;
    bool *got = xcalloc((size_t)n_watchers, sizeof(bool));
    for (int w = 0; w < writes; w++) {
        memset(got, 0, (size_t)n_watchers * sizeof(bool));
        for (int i = 0; i < n_watchers; i++)
            tail[i][0] = '\0';
        char url[256], body[256];
        snprintf(url, sizeof(url), "%s/api/v1/namespaces/watched/configmaps", srv.url);
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"fan-%d\"}}", w);
        uint64_t t0 = c8s_now_ns();
        th_resp_t r;
        if (th_http("POST", url, "application/json", body, &r) != 0 || r.status != 201)
            fprintf(stderr, "  watched write %d failed: HTTP %ld %.300s\n", w, r.status, r.body);
        th_resp_free(&r);
        int received = 0;
        char needle[32];
        snprintf(needle, sizeof(needle), "\"fan-%d\"", w);
        while (received < opened && c8s_now_ns() - t0 < 5000000000ull) {
            int k = 0;
            for (int i = 0; i < n_watchers; i++) {
                if (ws[i].fd < 0 || got[i])
                    continue;
                pfd[k] = (struct pollfd){.fd = ws[i].fd, .events = POLLIN};
                idx[k++] = i;
            }
            if (poll(pfd, (nfds_t)k, 100) <= 0)
                continue;
            uint64_t now = c8s_now_ns();
            for (int j = 0; j < k; j++) {
                if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                int i = idx[j];
                size_t t = strlen(tail[i]);
                memcpy(buf, tail[i], t);
                ssize_t nr = th_conn_read(&ws[i], buf + t, sizeof(buf) - 1 - t, 0);
                if (nr < 0) { /* the server closed this watch: it will never deliver */
                    th_watch_close(&ws[i]);
                    opened--;
                    continue;
                }
                size_t len = t + (size_t)nr;
                buf[len] = '\0';
                if (strstr(buf, needle)) {
                    got[i] = true;
                    received++;
                    lat[n_lat++] = (double)(now - t0) / 1e6;
                } else {
                    size_t keep = len < TAIL ? len : TAIL;
                    memcpy(tail[i], buf + len - keep, keep);
                    tail[i][keep] = '\0';
                }
            }
        }
        if (received < min_got)
            min_got = received;
    }
    qsort(lat, n_lat, sizeof(double), cmp_double);
    *p50 = n_lat ? lat[n_lat / 2] : 0;
    *p99 = n_lat ? lat[(size_t)(0.99 * (double)(n_lat - 1))] : 0;
    *max = n_lat ? lat[n_lat - 1] : 0;
    *delivered_min = writes ? min_got : 0;
    for (int i = 0; i < n_watchers; i++)
        if (ws[i].fd >= 0)
            th_watch_close(&ws[i]);
    free(ws);
    free(idx);
    free(tail);
    free(pfd);
    free(lat);
    free(got);
}

/* ---- process figures ---- */

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static double cpu_seconds(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* Fields after the command: state is 3rd; utime and stime are the 14th and 15th. */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int ns(const char *name)
{
    char url[256], body[128];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces", srv.url);
    snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"}}", name);
    th_resp_t r;
    int rc = th_http("POST", url, "application/json", body, &r) == 0 && r.status == 201 ? 0 : -1;
    if (rc)
        fprintf(stderr, "bench: creating namespace %s: HTTP %ld %.300s\n", name, r.status, r.body);
    th_resp_free(&r);
    return rc;
}

/* ---- stopping what we started, on every way out ---- */

static bool stopped;

static void stop_all(void)
{
    if (stopped)
        return;
    stopped = true;
    if (srv.pid > 0) {
        int rc = th_server_stop(&srv);
        if (rc != 0)
            fprintf(stderr, "bench: server exited with status %d (log kept: %s)\n", rc, srv.log);
        else
            unlink(srv.log);
    }
    if (etcd.pid > 0 || etcd.dir[0])
        th_etcd_stop(&etcd);
}

static char etcd_log[300]; /* th_etcd_start's log file, built ahead for on_signal */

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

static void fail(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    stop_all();
    exit(1);
}

/* ---- memory: RSS of a fresh server, then with `pods` pods ---- */

static long memory_phase(long pods, long *errors, long *before_kb)
{
    char url[256];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/pods/pods", srv.url);
    th_resp_t r;
    /* One pod first, so a shape the server rejects shows its Status instead of 10,000 errors. */
    int rc = th_http("POST", url, "application/json",
                     "{\"metadata\":{\"name\":\"probe\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                     "\"image\":\"busybox\"}]}}",
                     &r);
    if (rc != 0 || r.status != 201) {
        fprintf(stderr, "  the server refused the pod: HTTP %ld\n  %s\n", r.status, r.body);
        th_resp_free(&r);
        (*errors)++;
        return -1;
    }
    th_resp_free(&r);
    *before_kb = rss_kb(srv.pid);
    measure("c8s pod create", "POST", "application/json", next_pod, 50, 600000, pods, NULL, errors);
    sleep(1);
    return rss_kb(srv.pid);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            idle_arg = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: %s [--quick] [--idle SECONDS]\n", argv[0]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as it happens, also through a pipe */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int watchers = 1000, writes = quick ? 3 : 10;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
        rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < (rlim_t)watchers + 600) {
        watchers = (int)rl.rlim_cur - 600;
        fprintf(stderr, "bench: RLIMIT_NOFILE is %lu: only %d watchers\n",
                (unsigned long)rl.rlim_cur, watchers);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(payload, 'x', 1000);
    payload[1000] = '\0';
    cleanup_free char *val = xasprintf("{\"kind\":\"ConfigMap\",\"data\":{\"k\":\"%s\"}}", payload);
    etcd_value_b64 = b64(val);
    atexit(stop_all);
    if (th_etcd_start(&etcd) != 0)
        fail("etcd did not start");
    snprintf(etcd_log, sizeof(etcd_log), "%s.log", etcd.dir);
    /* The API server alone: no scheduler or controllers acting on what the bench writes. */
    static const char *const args[] = {"--max-requests-inflight",
                                       "0",
                                       "--max-mutating-requests-inflight",
                                       "0",
                                       "--disable-scheduler",
                                       "--disable-controller-manager",
                                       NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        fprintf(stderr, "bench: server log %s:\n", srv.log);
        cleanup_free char *cmd = xasprintf("tail -n 20 %s >&2", srv.log);
        if (system(cmd) != 0)
            fprintf(stderr, "(could not show it)\n");
        fail("server did not start");
    }
    int ms = quick ? 700 : 4000;
    request_cap = quick ? 50000 : 400000;
    long errors = 0;
    static const char *const namespaces[] = {"bench", "small", "watched", "pods"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(namespaces); i++)
        if (ns(namespaces[i]) != 0)
            fail("namespace not created");
    printf("c8s bench/api (%s mode; each figure %d ms or %ld requests of load, whichever first; "
           "the machine may be shared: compare the ratios)\n",
           quick ? "quick" : "full", ms, request_cap);

    /* Memory first, on a fresh server, so the figure is the pods' and not the load's. */
    long pods = quick ? 2000 : 10000, rss_before = 0;
    printf("memory: creating %ld pods (one container \"c\", image busybox) at concurrency 50\n",
           pods);
    long rss_after = memory_phase(pods, &errors, &rss_before);
    printf("  server RSS %.1f MB fresh, %.1f MB with %ld pods (target < 100 MB)\n",
           (double)rss_before / 1024, (double)rss_after / 1024, pods);
    result_add(" rss_before_mb=%.1f rss_%ldk_pods_mb=%.1f", (double)rss_before / 1024, pods / 1000,
               (double)rss_after / 1024);

    for (int i = 0; i < 10; i++) {
        char url[256], body[1300];
        snprintf(url, sizeof(url), "%s/api/v1/namespaces/small/configmaps", srv.url);
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"cm-%d\"},\"data\":{\"k\":\"%s\"}}",
                 i, payload);
        th_resp_t r;
        if (th_http("POST", url, "application/json", body, &r) != 0 || r.status != 201) {
            fprintf(stderr, "bench: seeding configmap cm-%d: HTTP %ld %.300s\n", i, r.status,
                    r.body);
            errors++;
        }
        th_resp_free(&r);
        /* The raw range reads these keys. */
        snprintf(url, sizeof(url), "%s/v3/kv/put", etcd.url);
        char key[64];
        snprintf(key, sizeof(key), "/bench/raw/0/%d", i);
        cleanup_free char *k = b64(key);
        cleanup_free char *pb = xasprintf("{\"key\":\"%s\",\"value\":\"%s\"}", k, etcd_value_b64);
        th_http("POST", url, "application/json", pb, &r);
        th_resp_free(&r);
    }
    run_id = 100;
    static const int levels[] = {1, 50, 500};
    double ratio_min = 1e9, ratio_50 = 0;
    for (size_t li = 0; li < C8S_ARRAY_SIZE(levels); li++) {
        int c = levels[li];
        printf("concurrency %d\n", c);
        double put =
            measure("etcd put", "POST", "application/json", next_etcd_put, c, ms, 0, NULL, &errors);
        double txn =
            measure("etcd txn", "POST", "application/json", next_etcd_txn, c, ms, 0, NULL, &errors);
        double create =
            measure("c8s create", "POST", "application/json", next_create, c, ms, 0, NULL, &errors);
        double create_us = last_srv_us;
        double range = measure("etcd range", "POST", "application/json", next_etcd_range, c, ms, 0,
                               NULL, &errors);
        double get = measure("c8s get rv=0", "GET", NULL, next_get, c, ms, 0, NULL, &errors);
        double get_us = last_srv_us;
        double list = measure("c8s list rv=0", "GET", NULL, next_list, c, ms, 0, NULL, &errors);
        double ratio = put > 0 ? create / put : 0;
        if (ratio < ratio_min)
            ratio_min = ratio;
        if (c == 50)
            ratio_50 = ratio;
        printf("  create / etcd put = %.2f (target >= 0.8)   create / etcd create-txn = %.2f   "
               "get / etcd range = %.2f   (list: 10 configmaps of ~1 KB each)\n",
               ratio, txn > 0 ? create / txn : 0, range > 0 ? get / range : 0);
        result_add(" create_rps_c%d=%.0f etcd_put_rps_c%d=%.0f etcd_txn_rps_c%d=%.0f "
                   "create_ratio_c%d=%.2f get_rps_c%d=%.0f etcd_range_rps_c%d=%.0f "
                   "list_rps_c%d=%.0f create_cpu_us_c%d=%.0f get_cpu_us_c%d=%.0f",
                   c, create, c, put, c, txn, c, ratio, c, get, c, range, c, list, c, create_us, c,
                   get_us);
    }

    printf("watch fan-out: %d watchers, %d writes\n", watchers, writes);
    double w50, w99, wmax;
    int delivered, established;
    watch_fanout(watchers, writes, &w50, &w99, &wmax, &delivered, &established);
    printf("  write start → event read by a watcher: p50 %.1f ms  p99 %.1f ms  max %.1f ms "
           "(target p99 < 100 ms); every write reached at least %d of %d\n",
           w50, w99, wmax, delivered, watchers);
    result_add(" watch_p50_ms=%.1f watch_p99_ms=%.1f watch_max_ms=%.1f watch_delivered=%d/%d", w50,
               w99, wmax, delivered, watchers);

    int idle_s = idle_arg > 0 ? idle_arg : quick ? 5 : 60;
    printf("idle: %d s with nothing to do (server pid %d)\n", idle_s, (int)srv.pid);
    double c0 = cpu_seconds(srv.pid);
    uint64_t t0 = c8s_now_ns();
    sleep((unsigned)idle_s);
    double c1 = cpu_seconds(srv.pid);
    double wall = (double)(c8s_now_ns() - t0) / 1e9;
    double idle_pct = 100.0 * (c1 - c0) / wall;
    printf("  server CPU while idle: %.2f%% of one core (target < 1%%)\n", idle_pct);
    result_add(" idle_cpu_pct=%.2f errors=%ld", idle_pct, errors);

    printf("targets: create/put >= 0.8 at c=50 %s (%.2f; lowest level %.2f); watch p99 < 100 ms "
           "%s; delivered %s; RSS < 100 MB %s; idle CPU < 1%% %s; non-2xx = 0 %s\n",
           ratio_50 >= 0.8 ? "met" : "MISSED", ratio_50, ratio_min, w99 < 100 ? "met" : "MISSED",
           delivered == watchers ? "all" : "NOT ALL",
           rss_after > 0 && rss_after < 100 * 1024 ? "met" : "MISSED",
           idle_pct < 1 ? "met" : "MISSED", errors == 0 ? "met" : "MISSED");
    stop_all();
    free(etcd_value_b64);
    curl_global_cleanup();
    printf("RESULT%s\n", result);
    return errors || delivered != watchers ? 1 : 0;
}
