/*
 * server_logs.c — GET /containerLogs/{namespace}/{pod}/{container} on the kubelet's port:
 * the CRI log files of a container's current (or, previous=true, last) run, rotated pieces
 * first, formatted per the query (crilog_opts_t), streamed a piece at a time as h2o takes
 * them. follow=true keeps reading the live file — across the shim's rotations — until the run
 * ends or the client goes away.
 *
 * Reads are small (READ_CHUNK) and local, on the kubelet's loop, like the shim's writes; a
 * tailLines answer reads its files whole once, newest first, until it has enough lines.
 */
#include "kubelet_int.h"
#include "server_int.h"
#include "c8s/crilog.h"
#include "c8s/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK  (64 * 1024)
#define FOLLOW_MS   200
#define MAX_ROTATED 64

typedef struct {
    kubelet_t *k;
    kubelet_server_req_t *r;
    char *ns, *pod, *ctr;
    crilog_opts_t o;
    char **files; /* oldest first; the live file last */
    size_t n_files, idx;
    int fd;
    off_t start_off; /* where reading of files[idx] begins (tailLines) */
    strbuf_t carry;  /* a record without its newline yet */
    strbuf_t out;
    bool at_line_start, ended, waiting, closing;
    long long sent;
    uv_timer_t timer;
} logstream_t;

static void on_timer_closed(uv_handle_t *h)
{
    logstream_t *ls = h->data;
    for (size_t i = 0; i < ls->n_files; i++)
        free(ls->files[i]);
    free(ls->files);
    free(ls->ns);
    free(ls->pod);
    free(ls->ctr);
    strbuf_free(&ls->carry);
    strbuf_free(&ls->out);
    free(ls);
}

/* Ends the stream (its final chunk, if the client is still there) and frees ls later. */
static void ls_close(logstream_t *ls)
{
    if (ls->closing)
        return;
    ls->closing = true;
    if (ls->fd >= 0)
        close(ls->fd);
    ls->fd = -1;
    if (ls->r)
        kserver_stream_end(ls->r);
    ls->r = NULL;
    uv_close((uv_handle_t *)&ls->timer, on_timer_closed);
}

static void on_gone(kubelet_server_req_t *r, void *data)
{
    ls_close(data);
}

/* Formats the complete records of carry into out; what is left is an unfinished record. */
static void format_carry(logstream_t *ls, bool flush_all)
{
    size_t start = 0;
    const char *b = ls->carry.s;
    size_t len = ls->carry.len;
    while (start < len) {
        const char *nl = memchr(b + start, '\n', len - start);
        if (!nl && !flush_all)
            break;
        size_t end = nl ? (size_t)(nl - b) + 1 : len;
        crilog_format(b + start, end - start, &ls->o, &ls->at_line_start, &ls->out);
        start = end;
    }
    if (start > 0) {
        memmove(ls->carry.s, ls->carry.s + start, len - start);
        ls->carry.len = len - start;
        ls->carry.s[ls->carry.len] = '\0';
    }
}

static bool open_next(logstream_t *ls)
{
    while (ls->idx < ls->n_files) {
        ls->fd = open(ls->files[ls->idx], O_RDONLY | O_CLOEXEC);
        if (ls->fd >= 0) {
            if (ls->start_off > 0)
                lseek(ls->fd, ls->start_off, SEEK_SET);
            ls->start_off = 0;
            return true;
        }
        ls->idx++;
        ls->start_off = 0;
    }
    return false;
}

/* Whether the live file was rotated away from under fd (the shim renamed it to .1). */
static bool rotated(logstream_t *ls)
{
    struct stat a, b;
    if (fstat(ls->fd, &a) != 0 || stat(ls->files[ls->n_files - 1], &b) != 0)
        return false;
    return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static void pump(logstream_t *ls);

static void on_proceed(kubelet_server_req_t *r, void *data)
{
    pump(data);
}

static void on_tick(uv_timer_t *t)
{
    logstream_t *ls = t->data;
    ls->waiting = false;
    pump(ls);
}

/* Reads what there is and sends it; called again when h2o has taken the chunk (on_proceed) or
 * after FOLLOW_MS while following a quiet file. */
static void pump(logstream_t *ls)
{
    if (ls->closing || ls->waiting || !ls->r || ls->r->sending)
        return;
    for (;;) {
        if (ls->out.len > 0) {
            size_t n = ls->out.len;
            if (ls->o.limit_bytes && ls->sent + (long long)n > ls->o.limit_bytes) {
                n = (size_t)(ls->o.limit_bytes - ls->sent);
                ls->ended = true;
            }
            ls->sent += (long long)n;
            bool ok = n == 0 || kserver_stream_send(ls->r, ls->out.s, n);
            ls->out.len = 0;
            if (ls->out.s)
                ls->out.s[0] = '\0';
            if (!ok)
                return; /* gone: on_gone closes */
            if (ls->ended)
                return ls_close(ls);
            if (n > 0)
                return; /* on_proceed continues */
        }
        if (ls->ended)
            return ls_close(ls);
        if (ls->fd < 0 && !open_next(ls)) {
            ls->ended = true;
            continue;
        }
        char buf[READ_CHUNK];
        ssize_t got = read(ls->fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got > 0) {
            strbuf_addn(&ls->carry, buf, (size_t)got);
            format_carry(ls, false);
            continue;
        }
        /* The end of this file. */
        bool live = ls->idx == ls->n_files - 1;
        if (!live) {
            close(ls->fd);
            ls->fd = -1;
            ls->idx++;
            continue;
        }
        if (!ls->o.follow) {
            format_carry(ls, true);
            ls->ended = true;
            continue;
        }
        if (rotated(ls)) {
            /* What the old file had is read; the live one starts over. */
            close(ls->fd);
            ls->fd = -1;
            continue;
        }
        bool running = false;
        c8s_err_t err = C8S_ERR_INIT;
        char *path = kpod_log_path(ls->k, ls->ns, ls->pod, ls->ctr, 0, &running, &err);
        c8s_err_clear(&err);
        bool same = path && strcmp(path, ls->files[ls->n_files - 1]) == 0;
        free(path);
        if (!same || !running) {
            /* The run is over: one last read, in case it wrote before it ended. */
            got = read(ls->fd, buf, sizeof(buf));
            if (got > 0) {
                strbuf_addn(&ls->carry, buf, (size_t)got);
                format_carry(ls, false);
                continue;
            }
            format_carry(ls, true);
            ls->ended = true;
            continue;
        }
        ls->waiting = true;
        uv_timer_start(&ls->timer, on_tick, FOLLOW_MS, 0);
        return;
    }
}

static char *read_whole(const char *path, size_t *len)
{
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    strbuf_t b = STRBUF_INIT;
    char buf[READ_CHUNK];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            strbuf_addn(&b, buf, (size_t)n);
    close(fd);
    *len = b.len;
    return strbuf_take_or(&b, "");
}

/* tailLines: the file and offset where the last n lines begin, reading newest first. */
static void seek_tail(logstream_t *ls)
{
    long need = ls->o.tail_lines;
    for (size_t i = ls->n_files; i-- > 0;) {
        size_t len = 0;
        cleanup_free char *buf = read_whole(ls->files[i], &len);
        if (!buf)
            continue;
        long have = crilog_count_lines(buf, len);
        if (have >= need || i == 0) {
            ls->idx = i;
            ls->start_off = (off_t)crilog_tail_offset(buf, len, need);
            return;
        }
        need -= have;
    }
    ls->idx = 0;
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *query_get(const char *name, void *data)
{
    return kubelet_server_req_query(data, name);
}

static void on_container_logs(kubelet_server_req_t *r, void *data)
{
    kubelet_t *k = data;
    c8s_err_t err = C8S_ERR_INIT;
    const char *p = kubelet_server_req_path(r) + strlen("/containerLogs/");
    char parts[3][KSERVER_PART_MAX];
    int n = kserver_path_parts(p, parts, 3);
    if (strcmp(kubelet_server_req_method(r), "GET") != 0) {
        c8s_err_set(&err, C8S_EMETHOD, "only GET is served here");
    } else if (n != 3) {
        c8s_err_set(&err, C8S_ENOTFOUND, "expected /containerLogs/{namespace}/{pod}/{container}");
    } else {
        crilog_opts_t o;
        if (crilog_opts_parse(query_get, r, wall_ns(), &o, &err) == 0) {
            bool running = false;
            char *path =
                kpod_log_path(k, parts[0], parts[1], parts[2], o.previous ? 1 : 0, &running, &err);
            if (path) {
                logstream_t *ls = xcalloc(1, sizeof(*ls));
                ls->k = k;
                ls->r = r;
                ls->o = o;
                ls->o.follow = o.follow && !o.previous;
                ls->fd = -1;
                ls->at_line_start = true;
                ls->ns = xstrdup(parts[0]);
                ls->pod = xstrdup(parts[1]);
                ls->ctr = xstrdup(parts[2]);
                ls->files = xcalloc(MAX_ROTATED + 1, sizeof(char *));
                for (int i = MAX_ROTATED; i >= 1; i--) {
                    char *rp = xasprintf("%s.%d", path, i);
                    if (access(rp, F_OK) == 0)
                        ls->files[ls->n_files++] = rp;
                    else
                        free(rp);
                }
                ls->files[ls->n_files++] = path;
                if (o.tail_lines >= 0)
                    seek_tail(ls);
                uv_timer_init(&k->loop, &ls->timer);
                ls->timer.data = ls;
                r->on_gone = on_gone;
                r->gone_data = ls;
                r->on_proceed = on_proceed;
                r->proceed_data = ls;
                kserver_stream_start(r, 200, "text/plain; charset=utf-8");
                pump(ls);
                return;
            }
        }
    }
    kubelet_server_respond_err(r, &err);
    c8s_err_clear(&err);
}

int kserver_logs_route(kubelet_t *k, c8s_err_t *err)
{
    return kubelet_server_route(k->server, "/containerLogs/", on_container_logs, k, err);
}
