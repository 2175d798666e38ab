/*
 * audit_log.c — the audit log file: callers append to a buffer under a lock; a writer thread
 * writes it out and rotates by size as lumberjack (upstream's rotation library) does, so that the
 * API server's loop never waits on the disk.
 */
#include "c8s/audit.h"
#include "c8s/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

/* Past this much unwritten text new lines are dropped rather than held (a stuck disk must not
 * grow the server without bound). */
#define MAX_PENDING (64u << 20)

struct audit_log_s {
    char *path;
    int fd;
    bool is_stdout;
    size_t max_bytes;
    int max_backups, max_age_days;
    size_t size; /* bytes in the current file */
    uv_mutex_t lock;
    uv_cond_t cond;
    uv_thread_t thread;
    strbuf_t pending;
    bool stop;
    unsigned long long dropped;
};

static int open_file(audit_log_t *l, c8s_err_t *err)
{
    l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (l->fd < 0)
        return c8s_err_set(err, C8S_ESYS, "opening audit log %s: %m", l->path);
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? (size_t)st.st_size : 0;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes rotated files beyond max_backups (oldest first) or older than max_age_days. Backup
 * names carry their time, so name order is age order. */
static void prune(audit_log_t *l)
{
    if (l->max_backups <= 0 && l->max_age_days <= 0)
        return;
    cleanup_free char *dir = xstrdup(l->path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : l->path;
    if (slash)
        *slash = '\0';
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        dot = base + strlen(base);
    size_t stem = (size_t)(dot - base);
    DIR *d = opendir(slash ? (*dir ? dir : "/") : ".");
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        /* <stem>-YYYY-MM-DDTHH-MM-SS.mmm<ext> */
        size_t len = strlen(e->d_name);
        if (len != stem + 24 + strlen(dot) || strncmp(e->d_name, base, stem) != 0 ||
            e->d_name[stem] != '-' || strcmp(e->d_name + len - strlen(dot), dot) != 0)
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    time_t cutoff = l->max_age_days > 0 ? time(NULL) - (time_t)l->max_age_days * 86400 : 0;
    for (size_t i = 0; i < n; i++) {
        bool drop = l->max_backups > 0 && n - i > (size_t)l->max_backups;
        if (!drop && cutoff) {
            struct tm tm = {0};
            if (strptime(names[i] + stem + 1, "%Y-%m-%dT%H-%M-%S", &tm) && timegm(&tm) < cutoff)
                drop = true;
        }
        if (drop) {
            cleanup_free char *p =
                slash ? xasprintf("%s/%s", *dir ? dir : "", names[i]) : xstrdup(names[i]);
            unlink(p);
        }
        free(names[i]);
    }
    free(names);
}

static void rotate(audit_log_t *l)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    cleanup_free char *backup = audit_backup_name(l->path, ts.tv_sec, (int)(ts.tv_nsec / 1000000));
    close(l->fd);
    l->fd = -1;
    if (rename(l->path, backup) != 0)
        fprintf(stderr, "audit: rotating %s: %s\n", l->path, strerror(errno));
    c8s_err_t err = C8S_ERR_INIT;
    if (open_file(l, &err) != 0) {
        fprintf(stderr, "audit: %s\n", err.msg);
        c8s_err_clear(&err);
    }
    prune(l);
}

static void write_all(audit_log_t *l, const char *p, size_t n)
{
    while (n > 0 && l->fd >= 0) {
        ssize_t w = write(l->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "audit: writing %s: %s\n", l->path, strerror(errno));
            return;
        }
        p += w;
        n -= (size_t)w;
        l->size += (size_t)w;
    }
}

/* Writes whole lines, rotating before a line that would take the file past its limit. */
static void write_lines(audit_log_t *l, const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (l->is_stdout || l->max_bytes == 0) {
            write_all(l, buf + i, len - i);
            return;
        }
        /* As many lines as fit; at least one (a line longer than the limit gets a file). */
        size_t end = i, room = l->max_bytes > l->size ? l->max_bytes - l->size : 0;
        while (end < len) {
            const char *nl = memchr(buf + end, '\n', len - end);
            size_t next = nl ? (size_t)(nl - buf) + 1 : len;
            if (next - i > room && !(end == i && l->size == 0))
                break;
            end = next;
        }
        if (end == i) {
            rotate(l);
            continue;
        }
        write_all(l, buf + i, end - i);
        i = end;
    }
}

static void writer(void *arg)
{
    audit_log_t *l = arg;
    uv_mutex_lock(&l->lock);
    for (;;) {
        while (!l->stop && l->pending.len == 0)
            uv_cond_wait(&l->cond, &l->lock);
        if (l->pending.len == 0 && l->stop)
            break;
        strbuf_t batch = l->pending;
        l->pending = (strbuf_t)STRBUF_INIT;
        uv_mutex_unlock(&l->lock);
        write_lines(l, batch.s, batch.len);
        strbuf_free(&batch);
        uv_mutex_lock(&l->lock);
    }
    uv_mutex_unlock(&l->lock);
}

int audit_log_open(const char *path, size_t max_bytes, int max_backups, int max_age_days,
                   audit_log_t **out, c8s_err_t *err)
{
    audit_log_t *l = xcalloc(1, sizeof(*l));
    l->path = xstrdup(path);
    l->max_bytes = max_bytes;
    l->max_backups = max_backups;
    l->max_age_days = max_age_days;
    l->is_stdout = strcmp(path, "-") == 0;
    if (l->is_stdout) {
        l->fd = STDOUT_FILENO;
    } else if (open_file(l, err) != 0) {
        free(l->path);
        free(l);
        return err->code;
    }
    uv_mutex_init(&l->lock);
    uv_cond_init(&l->cond);
    int rc = uv_thread_create(&l->thread, writer, l);
    if (rc != 0) {
        if (!l->is_stdout)
            close(l->fd);
        uv_mutex_destroy(&l->lock);
        uv_cond_destroy(&l->cond);
        free(l->path);
        free(l);
        return c8s_err_set(err, C8S_ESYS, "starting the audit writer: %s", uv_strerror(rc));
    }
    *out = l;
    return 0;
}

void audit_log_write(audit_log_t *l, const char *line, size_t len)
{
    uv_mutex_lock(&l->lock);
    if (l->pending.len + len + 1 > MAX_PENDING) {
        l->dropped++;
    } else {
        strbuf_addn(&l->pending, line, len);
        strbuf_addn(&l->pending, "\n", 1);
        uv_cond_signal(&l->cond);
    }
    uv_mutex_unlock(&l->lock);
}

unsigned long long audit_log_dropped(audit_log_t *l)
{
    uv_mutex_lock(&l->lock);
    unsigned long long n = l->dropped;
    uv_mutex_unlock(&l->lock);
    return n;
}

void audit_log_close(audit_log_t *l)
{
    if (!l)
        return;
    uv_mutex_lock(&l->lock);
    l->stop = true;
    uv_cond_signal(&l->cond);
    uv_mutex_unlock(&l->lock);
    uv_thread_join(&l->thread);
    if (!l->is_stdout && l->fd >= 0)
        close(l->fd);
    strbuf_free(&l->pending);
    uv_mutex_destroy(&l->lock);
    uv_cond_destroy(&l->cond);
    free(l->path);
    free(l);
}
