/*
 * bench/soak.c — the soak and load harness of issue 10: a real etcd and a real `c8s server`
 * process; W watchers on one namespace's ConfigMaps and writes at R per second (merge patches
 * spreading over 1,000 ConfigMaps, each carrying its sequence number) for S seconds. Every
 * watcher checks its own stream: resourceVersions strictly increase, and at the end every write
 * the server acknowledged was seen by every watcher (a watch the server ends is resumed from the
 * last resourceVersion seen, as a client does; a 410 there counts as a miss). Writes stop at S
 * seconds; the watchers then read on until they have everything (up to 5 min). A write missing
 * from a stream at or below the last resourceVersion it delivered was skipped (missed); above
 * it, not read by the end (unread). Reports write latency (p50, p99, max), the server's RSS and
 * open fds before and after, and ends with one `RESULT key=value ...` line. Exits 1 when a
 * watcher missed a write or saw one out of order, when the streams stalled (10 s without an
 * event) with writes unread, when most writes failed, or when the server kept fds of the closed
 * watches.
 *
 *   bench_soak                      1,000 watchers, 500 writes/s, 600 s (`make soak`)
 *   bench_soak --short              50 watchers, 50 writes/s, 30 s (the test in `make test`)
 *   bench_soak -w N -r R -s S       any other mix
 */
#include "c8s/base.h"
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define OBJECTS   1000 /* ConfigMaps the writes spread over */
#define INFLIGHT  64   /* writes in flight at most */
#define NAMESPACE "soak"

static th_etcd_t etcd;
static th_server_t srv;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void stop_all(void)
{
    if (srv.pid > 0)
        th_server_stop(&srv);
    if (etcd.pid > 0)
        th_etcd_stop(&etcd);
}

static long proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int proc_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int http_ok(const char *method, const char *path, const char *ct, const char *body)
{
    cleanup_free char *url = xasprintf("%s%s", srv.url, path);
    /* Set-up on a loaded machine: etcd may time out a write now and then (503); tried again. */
    for (int attempt = 0;; attempt++) {
        th_resp_t r;
        if (th_http(method, url, ct, body, &r) != 0)
            return -1;
        long status = r.status;
        if (status >= 200 && status < 300) {
            th_resp_free(&r);
            return 0;
        }
        if (status < 500 || attempt == 5) {
            fprintf(stderr, "soak: %s %s: HTTP %ld %.300s\n", method, path, r.status, r.body);
            th_resp_free(&r);
            return -1;
        }
        th_resp_free(&r);
    }
}

/* ---- watchers ---- */

typedef struct {
    th_watch_t c;
    int64_t last_rv;
    uint8_t *seen; /* bit per write sequence number */
    long events, resumes, out_of_order, errors;
} watcher_t;

static char *list_rv(void)
{
    cleanup_free char *url =
        xasprintf("%s/api/v1/namespaces/%s/configmaps?limit=1", srv.url, NAMESPACE);
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

static int watcher_open(watcher_t *w)
{
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/configmaps?watch=true&resourceVersion=%" PRId64, NAMESPACE,
                  w->last_rv);
    if (th_watch_open(&w->c, srv.port, path) != 0 || w->c.status != 200) {
        th_watch_close(&w->c);
        return -1;
    }
    return 0;
}

/* One event line: {"type":"MODIFIED","object":{... "resourceVersion":"N" ... "seq":"S" ...}}. */
static void watcher_line(watcher_t *w, const char *line, long n_seq)
{
    w->events++;
    if (strncmp(line, "{\"type\":\"ERROR\"", 15) == 0) {
        w->errors++;
        return;
    }
    const char *p = strstr(line, "\"resourceVersion\":\"");
    const char *q = strstr(line, "\"seq\":\"");
    if (!p)
        return;
    int64_t rv = strtoll(p + 19, NULL, 10);
    if (rv <= w->last_rv)
        w->out_of_order++;
    else
        w->last_rv = rv;
    if (q) {
        long s = strtol(q + 7, NULL, 10);
        if (s >= 0 && s < n_seq)
            w->seen[s / 8] |= (uint8_t)(1u << (s % 8));
    }
}

/* Reads what a readable watcher has; resumes a stream the server ended. */
static void watcher_read(watcher_t *w, long n_seq)
{
    char *line = th_watch_next(&w->c, 1); /* one read at most: poll said there is data */
    while (line) {
        watcher_line(w, line, n_seq);
        free(line);
        line = th_watch_next(&w->c, -1); /* what is buffered, without reading */
    }
    if (w->c.eof) {
        th_watch_close(&w->c);
        w->resumes++;
        if (watcher_open(w) != 0)
            w->errors++;
    }
}

/* ---- writers ---- */

typedef struct {
    CURL *e;
    long seq;
    uint64_t t0;
    char body[96];
    char url[256];
    char resp[4096]; /* the answer's start: the object with its new resourceVersion */
    size_t resp_len;
} write_t;

static size_t on_resp(char *p, size_t size, size_t n, void *data)
{
    write_t *w = data;
    size_t len = size * n, room = sizeof(w->resp) - 1 - w->resp_len;
    size_t take = len < room ? len : room;
    memcpy(w->resp + w->resp_len, p, take);
    w->resp_len += take;
    w->resp[w->resp_len] = '\0';
    return len;
}

int main(int argc, char **argv)
{
    int n_watchers = 1000, rate = 500, seconds = 600;
    static const struct option opts[] = {{"short", no_argument, NULL, 'q'},
                                         {"watchers", required_argument, NULL, 'w'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, "qw:r:s:", opts, NULL)) != -1) {
        switch (o) {
        case 'q':
            n_watchers = 50, rate = 50, seconds = 30;
            break;
        case 'w':
            n_watchers = atoi(optarg);
            break;
        case 'r':
            rate = atoi(optarg);
            break;
        case 's':
            seconds = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: %s [--short] [-w watchers] [-r writes/s] [-s seconds]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n_watchers < 1 || rate < 1 || seconds < 1) {
        fprintf(stderr, "soak: watchers, rate and seconds must be positive\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n_watchers + 512) {
        rl.rlim_cur =
            rl.rlim_max < (rlim_t)n_watchers + 512 ? rl.rlim_max : (rlim_t)n_watchers + 512;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(stop_all);
    if (th_etcd_start(&etcd) != 0) {
        fprintf(stderr, "soak: etcd did not start\n");
        return 1;
    }
    /* The API server alone, its limits off: the harness measures storage, watch fan-out and
     * memory, not the controllers or the inflight limits. */
    static const char *const args[] = {"--max-requests-inflight",
                                       "0",
                                       "--max-mutating-requests-inflight",
                                       "0",
                                       "--disable-scheduler",
                                       "--disable-controller-manager",
                                       NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        fprintf(stderr, "soak: the server did not start (log %s)\n", srv.log);
        return 1;
    }
    if (http_ok("POST", "/api/v1/namespaces", "application/json",
                "{\"metadata\":{\"name\":\"" NAMESPACE "\"}}") != 0)
        return 1;
    for (int i = 0; i < OBJECTS; i++) {
        char body[128];
        snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"s-%d\"},\"data\":{\"seq\":\"-1\"}}",
                 i);
        if (http_ok("POST", "/api/v1/namespaces/" NAMESPACE "/configmaps", "application/json",
                    body) != 0)
            return 1;
    }
    sleep(1); /* let the server's fd count settle (etcd connections of the creates) */
    int fds_before = proc_fds(srv.pid);

    long n_seq = (long)rate * seconds;
    cleanup_free char *rv0 = list_rv();
    if (!rv0) {
        fprintf(stderr, "soak: no resourceVersion from the list\n");
        return 1;
    }
    watcher_t *ws = xcalloc((size_t)n_watchers, sizeof(*ws));
    int opened = 0;
    for (int i = 0; i < n_watchers; i++) {
        ws[i].last_rv = strtoll(rv0, NULL, 10);
        ws[i].seen = xcalloc((size_t)n_seq / 8 + 1, 1);
        ws[i].c.fd = -1;
        if (watcher_open(&ws[i]) == 0)
            opened++;
    }
    printf("soak: %d of %d watchers from resourceVersion %s; %d writes/s for %d s (%ld writes)\n",
           opened, n_watchers, rv0, rate, seconds, n_seq);
    long rss_start = proc_rss_kib(srv.pid);

    CURLM *multi = curl_multi_init();
    write_t *slots = xcalloc(INFLIGHT, sizeof(*slots));
    int busy = 0;
    long issued = 0, acked = 0, failed = 0;
    double *lat = xcalloc((size_t)n_seq + 1, sizeof(double));
    uint8_t *ack = xcalloc((size_t)n_seq / 8 + 1, 1);
    int64_t *ack_rv = xcalloc((size_t)n_seq + 1, sizeof(int64_t)); /* the write's resourceVersion */
    struct curl_waitfd *wfd = xcalloc((size_t)n_watchers, sizeof(*wfd));
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/merge-patch+json");
    uint64_t start = c8s_now_ns();
    /* Writes stop at the deadline even when the server could not take them all at `rate`. */
    uint64_t deadline = start + (uint64_t)seconds * 1000000000ull;
    uint64_t last_read = start;
    bool stalled = false;
    long rss_max = rss_start;
    uint64_t next_sample = start;
    /* Writes end at the deadline; then the watchers read on until they have everything or stall. */
    while (!interrupted) {
        uint64_t now = c8s_now_ns();
        if (now >= next_sample) {
            long r = proc_rss_kib(srv.pid);
            if (r > rss_max)
                rss_max = r;
            next_sample = now + 1000000000ull;
            if (seconds >= 60 && (now - start) / 1000000000ull % 60 == 0)
                printf("soak: %3" PRIu64 " s: %ld acknowledged, %ld failed, RSS %ld KiB\n",
                       (uint64_t)((now - start) / 1000000000u), acked, failed, r);
        }
        /* Issue the writes that are due (open loop at `rate`, INFLIGHT at most). */
        while (issued < n_seq && busy < INFLIGHT && now < deadline &&
               now >= start + (uint64_t)issued * 1000000000ull / (uint64_t)rate) {
            write_t *w = NULL;
            for (int i = 0; i < INFLIGHT; i++)
                if (!slots[i].e) {
                    w = &slots[i];
                    break;
                }
            w->e = curl_easy_init();
            w->seq = issued++;
            w->t0 = c8s_now_ns();
            snprintf(w->url, sizeof(w->url), "%s/api/v1/namespaces/%s/configmaps/s-%ld", srv.url,
                     NAMESPACE, w->seq % OBJECTS);
            snprintf(w->body, sizeof(w->body), "{\"data\":{\"seq\":\"%ld\"}}", w->seq);
            curl_easy_setopt(w->e, CURLOPT_URL, w->url);
            curl_easy_setopt(w->e, CURLOPT_CUSTOMREQUEST, "PATCH");
            curl_easy_setopt(w->e, CURLOPT_POSTFIELDS, w->body);
            curl_easy_setopt(w->e, CURLOPT_HTTPHEADER, hdr);
            w->resp_len = 0;
            w->resp[0] = '\0';
            curl_easy_setopt(w->e, CURLOPT_WRITEFUNCTION, on_resp);
            curl_easy_setopt(w->e, CURLOPT_WRITEDATA, w);
            curl_easy_setopt(w->e, CURLOPT_PRIVATE, w);
            curl_easy_setopt(w->e, CURLOPT_TIMEOUT, 30L);
            th_curl_tls(w->e, w->url);
            curl_multi_add_handle(multi, w->e);
            busy++;
        }
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            write_t *w = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&w);
            long status = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (m->data.result == CURLE_OK && status == 200) {
                ack[w->seq / 8] |= (uint8_t)(1u << (w->seq % 8));
                const char *rvp = strstr(w->resp, "\"resourceVersion\":\"");
                ack_rv[w->seq] = rvp ? strtoll(rvp + 19, NULL, 10) : INT64_MAX;
                lat[acked++] = (double)(c8s_now_ns() - w->t0) / 1e6;
            } else if (failed++ < 5) {
                fprintf(stderr, "soak: write %ld: %s, HTTP %ld\n", w->seq,
                        curl_easy_strerror(m->data.result), status);
            }
            curl_multi_remove_handle(multi, w->e);
            curl_easy_cleanup(w->e);
            w->e = NULL;
            busy--;
        }
        /* Watchers: read every readable one. */
        int k = 0;
        for (int i = 0; i < n_watchers; i++)
            if (ws[i].c.fd >= 0)
                wfd[k++] = (struct curl_waitfd){.fd = ws[i].c.fd, .events = CURL_WAIT_POLLIN};
        int numfds = 0;
        curl_multi_poll(multi, wfd, (unsigned)k, 2, &numfds);
        k = 0;
        for (int i = 0; i < n_watchers; i++) {
            if (ws[i].c.fd < 0)
                continue;
            if (wfd[k++].revents & (CURL_WAIT_POLLIN | CURL_WAIT_POLLPRI)) {
                watcher_read(&ws[i], n_seq);
                last_read = c8s_now_ns();
            }
        }
        if ((issued == n_seq || c8s_now_ns() >= deadline) && busy == 0) {
            /* Done writing: stop once every watcher saw the last acknowledged write, or 10 s. */
            static uint64_t drain_start;
            if (!drain_start)
                drain_start = c8s_now_ns();
            bool all = true;
            for (int i = 0; i < n_watchers && all; i++)
                for (long s = issued - 1; s >= 0 && s >= issued - INFLIGHT; s--)
                    if ((ack[s / 8] >> (s % 8) & 1) && !(ws[i].seen[s / 8] >> (s % 8) & 1))
                        all = false;
            /* Watchers still reading are given time (a harness reading 1,000 TLS streams on
             * one thread falls behind the server), up to 2 min; 10 s without an event read is a
             * stall. */
            uint64_t t = c8s_now_ns();
            if (all || t - drain_start > 300000000000ull)
                break;
            if (t - last_read > 10000000000ull) {
                stalled = true;
                break;
            }
        }
    }
    double secs = (double)(c8s_now_ns() - start) / 1e9;
    long rss_end = proc_rss_kib(srv.pid);

    /* Every acknowledged write seen by every watcher. A stream is in resourceVersion order: a
     * write at or below the last resourceVersion a watcher read and not in its stream was
     * skipped (missed); one above it was not read yet when the run ended (unread: the harness
     * fell behind, or the server had not sent it). */
    long missed = 0, unread = 0, watchers_missing = 0, events = 0, resumes = 0, disorder = 0,
         errors = 0;
    for (int i = 0; i < n_watchers; i++) {
        long m = 0;
        for (long s = 0; s < n_seq; s++)
            if ((ack[s / 8] >> (s % 8) & 1) && !(ws[i].seen[s / 8] >> (s % 8) & 1)) {
                if (ack_rv[s] <= ws[i].last_rv)
                    m++;
                else
                    unread++;
            }
        missed += m;
        watchers_missing += m > 0;
        events += ws[i].events;
        resumes += ws[i].resumes;
        disorder += ws[i].out_of_order;
        errors += ws[i].errors;
        th_watch_close(&ws[i].c);
        free(ws[i].seen);
    }
    sleep(2);
    int fds_idle = proc_fds(srv.pid);
    /* A watch stream learns that its client went away when it next writes (the server does not
     * read a connection while it streams an answer): a few more writes (the first one after
     * the close still goes out), then the count. */
    for (int i = 0; i < 3; i++) {
        if (http_ok("PATCH", "/api/v1/namespaces/" NAMESPACE "/configmaps/s-0",
                    "application/merge-patch+json", "{\"data\":{\"seq\":\"-2\"}}") != 0)
            fprintf(stderr, "soak: a last write failed\n");
        usleep(500000);
    }
    sleep(1);
    int fds_after = proc_fds(srv.pid);
    qsort(lat, (size_t)acked, sizeof(double), cmp_double);
    double p50 = acked ? lat[acked / 2] : 0,
           p99 = acked ? lat[(long)(0.99 * (double)(acked - 1))] : 0,
           max = acked ? lat[acked - 1] : 0;
    printf("soak: %.0f s, %ld writes issued, %ld acknowledged (%.0f/s), %ld failed\n", secs, issued,
           acked, (double)acked / secs, failed);
    printf("soak: write latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", p50, p99, max);
    printf("soak: %d watchers, %ld events read, %ld resumed streams, %ld watch errors, "
           "%ld out of order; missed %ld (in %ld watchers), not read by the end %ld\n",
           n_watchers, events, resumes, errors, disorder, missed, watchers_missing, unread);
    printf("soak: server RSS %ld KiB at start, %ld KiB at end (max %ld), growth %ld KiB; "
           "fds %d before the watchers, %d once they closed, %d after more writes\n",
           rss_start, rss_end, rss_max, rss_end - rss_start, fds_before, fds_idle, fds_after);
    printf("RESULT watchers=%d rate=%d seconds=%d acked=%ld failed=%ld missed=%ld unread=%ld "
           "out_of_order=%ld resumes=%ld p50_ms=%.1f p99_ms=%.1f max_ms=%.1f rss_start_kib=%ld "
           "rss_end_kib=%ld fds_before=%d fds_idle=%d fds_after=%d\n",
           n_watchers, rate, seconds, acked, failed, missed, unread, disorder, resumes, p50, p99,
           max, rss_start, rss_end, fds_before, fds_idle, fds_after);
    curl_slist_free_all(hdr);
    curl_multi_cleanup(multi);
    free(slots);
    free(lat);
    free(ack);
    free(ack_rv);
    free(wfd);
    free(ws);
    int rc = 0;
    /* A write etcd timed out on a loaded machine is a failed write, not a lost one: reported,
     * and only a server that fails most of them fails the run. */
    if (interrupted || missed || disorder || acked < issued / 2 || acked == 0 ||
        (stalled && unread)) {
        fprintf(stderr, "soak: FAIL (missed %ld, out of order %ld, failed %ld, %s)\n", missed,
                disorder, failed, stalled ? "the watches stalled" : "no stall");
        rc = 1;
    }
    /* A watch that leaked its connection would leave n_watchers fds behind; the server's own
     * pools (etcd connections) move by a few. */
    if (fds_after > fds_before + n_watchers / 4 + 8) {
        fprintf(stderr, "soak: FAIL: the server holds %d fds more than before the watchers\n",
                fds_after - fds_before);
        rc = 1;
    }
    return rc;
}
