/*
 * shim.c — `c8s shim`: the per-container process that outlives c8s (see include/c8s/runtime.h).
 *
 * The launcher forks twice (setsid in between) so the shim belongs to no process of c8s, and
 * waits on a pipe for the shim's word that the container runs. The shim is blocking code on
 * purpose: it has one container to watch and nothing else to do, so poll() over the two output
 * pipes and a signalfd for SIGCHLD is its whole loop.
 *
 * A container whose config asks for a terminal (process.terminal, a pod's `tty: true`) is
 * created with runc's --console-socket: runc hands the pty's master over that socket
 * (SCM_RIGHTS) and the shim keeps it for the container's life. Its output is the one stream,
 * stdout; attach clients' stdin is written into it, and their resizes set its size.
 */
#include "c8s/runtime.h"
#include "c8s/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

extern char **environ;

#define DEFAULT_LOG_MAX   (10 * 1024 * 1024)
#define DEFAULT_LOG_FILES 5
#define LINE_MAX_BYTES    (16 * 1024) /* longer lines are split into P records, as containerd */
#define DRAIN_MS          2000        /* output still read after init exits */

char *runtime_cri_log_record(int64_t ts_ns, const char *stream, bool partial, const char *text,
                             size_t len)
{
    time_t sec = (time_t)(ts_ns / 1000000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char ts[40];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    strbuf_t b = STRBUF_INIT;
    char head[96];
    snprintf(head, sizeof head, "%s.%09lldZ %s %c ", ts, (long long)(ts_ns % 1000000000), stream,
             partial ? 'P' : 'F');
    strbuf_add(&b, head);
    strbuf_addn(&b, text, len);
    strbuf_add(&b, "\n");
    return strbuf_take(&b);
}

void runtime_attach_resize_encode(uint8_t out[RUNTIME_ATTACH_RESIZE_LEN], uint16_t rows,
                                  uint16_t cols)
{
    out[0] = (uint8_t)(rows >> 8);
    out[1] = (uint8_t)rows;
    out[2] = (uint8_t)(cols >> 8);
    out[3] = (uint8_t)cols;
}

bool runtime_attach_resize_parse(const uint8_t *p, size_t len, uint16_t *rows, uint16_t *cols)
{
    if (len != RUNTIME_ATTACH_RESIZE_LEN)
        return false;
    uint16_t r = (uint16_t)((p[0] << 8) | p[1]), c = (uint16_t)((p[2] << 8) | p[3]);
    if (r == 0 || c == 0)
        return false;
    *rows = r;
    *cols = c;
    return true;
}

static int64_t wall_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static char *rfc3339_ns(int64_t ns)
{
    char *r = runtime_cri_log_record(ns, "", false, "", 0);
    char *sp = strchr(r, ' ');
    if (sp)
        *sp = 0;
    return r;
}

/* ---- the log ---- */

typedef struct {
    const runtime_shim_opts_t *o;
    int fd;
    size_t size;
} shim_log_t;

static void log_open(shim_log_t *l)
{
    l->fd = open(l->o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    struct stat st;
    l->size = (l->fd >= 0 && fstat(l->fd, &st) == 0) ? (size_t)st.st_size : 0;
    if (l->fd < 0)
        fprintf(stderr, "shim: open %s: %s\n", l->o->log_path, strerror(errno));
}

/* log → log.1 → log.2 …, keeping log_max_files files in all. */
static void log_rotate(shim_log_t *l)
{
    int keep = l->o->log_max_files > 0 ? l->o->log_max_files : DEFAULT_LOG_FILES;
    if (l->fd >= 0)
        close(l->fd);
    if (keep <= 1) {
        if (truncate(l->o->log_path, 0) < 0)
            fprintf(stderr, "shim: truncate: %s\n", strerror(errno));
    } else {
        for (int i = keep - 1; i >= 1; i--) {
            cleanup_free char *from =
                i == 1 ? xstrdup(l->o->log_path) : xasprintf("%s.%d", l->o->log_path, i - 1);
            cleanup_free char *to = xasprintf("%s.%d", l->o->log_path, i);
            if (rename(from, to) < 0 && errno != ENOENT)
                fprintf(stderr, "shim: rotate %s: %s\n", from, strerror(errno));
        }
    }
    log_open(l);
}

static void log_write(shim_log_t *l, const char *stream, bool partial, const char *text, size_t n)
{
    cleanup_free char *rec = runtime_cri_log_record(wall_ns(), stream, partial, text, n);
    size_t len = strlen(rec), off = 0;
    if (l->fd < 0)
        return;
    while (off < len) {
        ssize_t w = write(l->fd, rec + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "shim: write log: %s\n", strerror(errno));
            return;
        }
        off += (size_t)w;
    }
    l->size += len;
    size_t max = l->o->log_max_bytes ? l->o->log_max_bytes : DEFAULT_LOG_MAX;
    if (l->size >= max)
        log_rotate(l);
}

typedef struct {
    const char *name;
    int fd;
    char buf[LINE_MAX_BYTES];
    size_t len;
    /* Sees every piece as read (attach's clients), before the log's line splitting. */
    void (*tap)(void *data, int type, const char *buf, size_t n);
    void *tap_data;
    int tap_type;
} shim_stream_t;

/* Emits the complete lines in s->buf (and a P record when the buffer is full of one line). */
static void stream_flush(shim_log_t *l, shim_stream_t *s, bool eof)
{
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++) {
        if (s->buf[i] == '\n') {
            /* "\r\n" (a terminal's line end) ends a line as "\n" does, as containerd reads it. */
            size_t end = i > start && s->buf[i - 1] == '\r' ? i - 1 : i;
            log_write(l, s->name, false, s->buf + start, end - start);
            start = i + 1;
        }
    }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
    if (s->len == sizeof s->buf || (eof && s->len > 0)) {
        log_write(l, s->name, !eof, s->buf, s->len);
        s->len = 0;
    }
}

static bool stream_read(shim_log_t *l, shim_stream_t *s)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        stream_flush(l, s, true);
        close(s->fd);
        s->fd = -1;
        return false;
    }
    if (s->tap)
        s->tap(s->tap_data, s->tap_type, s->buf + s->len, (size_t)n);
    s->len += (size_t)n;
    stream_flush(l, s, false);
    return true;
}

/* ---- files ---- */

static int write_atomic(const char *dir, const char *name, const char *data)
{
    cleanup_free char *tmp = xasprintf("%s/.%s.tmp", dir, name);
    cleanup_free char *dst = xasprintf("%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t len = strlen(data), off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0)
        return -1;
    return rename(tmp, dst);
}

static int write_state(const char *dir, json_t *state)
{
    cleanup_free char *s = json_dumps(state, JSON_COMPACT);
    if (!s || write_atomic(dir, "state.json", s) < 0) {
        fprintf(stderr, "shim: writing state: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static char *read_small(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    strbuf_t b = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_addn(&b, buf, n);
    fclose(f);
    return strbuf_take(&b);
}

/* The last "msg" of runc's JSON log (its reason for failing), or a fallback. Owned. */
static char *runc_last_error(const char *state_dir)
{
    cleanup_free char *path = xasprintf("%s/runc.log", state_dir);
    cleanup_free char *text = read_small(path);
    char *msg = NULL;
    if (!text)
        return xstrdup("runc failed (no log)");
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        const char *m = json_string_value(json_object_get(j, "msg"));
        const char *lvl = json_string_value(json_object_get(j, "level"));
        if (m && lvl && (strcmp(lvl, "error") == 0 || strcmp(lvl, "fatal") == 0)) {
            free(msg);
            msg = xstrdup(m);
        }
        json_decref(j);
    }
    return msg ? msg : xstrdup("runc failed");
}

/* ---- runc ---- */

typedef struct {
    const runtime_shim_opts_t *o;
    sigset_t oldmask;
} shim_t;

/* Spawns runc with args after the global flags; stdin from in_fd, stdout/stderr to out_fd/err_fd
 * (-1: /dev/null). Returns the pid or -1. */
static pid_t runc_spawn(shim_t *sh, const char *const *args, int in_fd, int out_fd, int err_fd)
{
    const runtime_shim_opts_t *o = sh->o;
    const char *argv[24];
    size_t n = 0;
    cleanup_free char *log = xasprintf("%s/runc.log", o->state_dir);
    argv[n++] = o->runc;
    if (o->runc_root) {
        argv[n++] = "--root";
        argv[n++] = o->runc_root;
    }
    argv[n++] = "--log";
    argv[n++] = log;
    argv[n++] = "--log-format";
    argv[n++] = "json";
    for (size_t i = 0; args[i] && n < C8S_ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    if (in_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    else
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_setsigmask(&at, &sh->oldmask);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, o->runc, &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        fprintf(stderr, "shim: spawn %s: %s\n", o->runc, strerror(rc));
        return -1;
    }
    return pid;
}

static int wait_pid(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int runc_run(shim_t *sh, const char *const *args)
{
    pid_t pid = runc_spawn(sh, args, -1, -1, -1);
    return pid < 0 ? -1 : wait_pid(pid);
}

/* ---- OOM detection ---- */

/* The memory cgroup's OOM-kill counter file of pid: v1 memory.oom_control ("oom_kill N", kernels
 * from 4.13) or v2 memory.events ("oom_kill N"). Owned; NULL when not found. */
static char *oom_file(pid_t pid)
{
    cleanup_free char *path = xasprintf("/proc/%d/cgroup", (int)pid);
    cleanup_free char *text = read_small(path);
    if (!text)
        return NULL;
    char *save = NULL;
    bool v1 = runtime_cgroup_version() == 1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        const char *ctrls = c1 + 1, *cg = c2 + 1;
        if (v1) {
            /* The memory hierarchy may be co-mounted ("memory" alone on this layout). */
            if (strcmp(ctrls, "memory") == 0)
                return xasprintf("/sys/fs/cgroup/memory%s/memory.oom_control", cg);
        } else if (*ctrls == 0) {
            return xasprintf("/sys/fs/cgroup%s/memory.events", cg);
        }
    }
    return NULL;
}

static long oom_count(const char *file)
{
    if (!file)
        return -1;
    cleanup_free char *text = read_small(file);
    if (!text)
        return -1;
    const char *p = strstr(text, "oom_kill ");
    /* "oom_kill_disable" also starts with oom_kill; the counter is the line "oom_kill N". */
    while (p && p != text && p[-1] != '\n')
        p = strstr(p + 1, "oom_kill ");
    return p ? strtol(p + 9, NULL, 10) : -1;
}

/* ---- attach: the container's stdio for clients of <state dir>/attach.sock ----
 *
 * Frames both ways are <type: 1 byte><length: 4 bytes, big endian><bytes> (runtime.h). Output is
 * copied to every client as it is read (a client that falls RUNTIME_ATTACH_BACKLOG behind is
 * dropped rather than slowing the container); stdin from any client goes to the container's
 * stdin pipe, which with stdinOnce closes when the first client that attached stdin ends its
 * input or leaves (upstream's stdinOnce); without it, it stays open for the next client. */

#define ATTACH_CLIENTS_MAX 16
#define ATTACH_BACKLOG     (8u << 20)
#define STDIN_BACKLOG      (1u << 20)

typedef struct {
    int fd;
    strbuf_t rx, tx;
    bool stdin;
} attach_client_t;

typedef struct {
    int listen_fd;
    int stdin_fd; /* the container's stdin (write end), -1 when none or closed */
    bool stdin_once;
    bool stdin_eof; /* closes once stdin_q is written */
    int master;     /* a tty container's pty master (resizes; stdin_fd is a dup of it), else -1 */
    bool hangup;    /* the tty's stdin ended: the shim closes the master (upstream's hang-up) */
    strbuf_t stdin_q;
    attach_client_t c[ATTACH_CLIENTS_MAX];
    size_t n;
} attach_t;

static int listen_at(const char *state_dir, const char *name)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    /* Bound by a relative name: a state dir's path may be longer than sun_path holds. The shim
     * is single-threaded, so a chdir here races nothing. */
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", name);
    int rc = -1;
    if (chdir(state_dir) == 0) {
        rc = bind(fd, (struct sockaddr *)&a, sizeof(a));
        if (chdir("/") < 0)
            rc = -1;
    }
    if (rc < 0 || listen(fd, 8) < 0) {
        fprintf(stderr, "shim: %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void attach_stdin_close(attach_t *at)
{
    if (at->stdin_fd >= 0) {
        close(at->stdin_fd);
        at->stdin_fd = -1;
        /* A terminal's input cannot end short of hanging it up, as containerd's shim closes the
         * console when a tty's stdin ends: the master's other copy goes in the main loop, once
         * what the container wrote before is read. */
        at->hangup = at->master >= 0;
    }
    strbuf_free(&at->stdin_q);
}

static void attach_stdin_flush(attach_t *at);

/* The container's stdin ends once what clients sent before is written. */
static void attach_stdin_end(attach_t *at)
{
    at->stdin_eof = true;
    attach_stdin_flush(at);
}

static void attach_drop(attach_t *at, size_t i)
{
    attach_client_t *c = &at->c[i];
    if (c->stdin && at->stdin_once)
        attach_stdin_end(at);
    close(c->fd);
    strbuf_free(&c->rx);
    strbuf_free(&c->tx);
    at->c[i] = at->c[--at->n];
}

/* Writes what the client's queue holds, as far as its socket takes it; false when it is gone. */
static bool attach_send(attach_client_t *c)
{
    while (c->tx.len > 0) {
        ssize_t w = send(c->fd, c->tx.s, c->tx.len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w <= 0)
            return false;
        memmove(c->tx.s, c->tx.s + w, c->tx.len - (size_t)w);
        c->tx.len -= (size_t)w;
    }
    return c->tx.len <= ATTACH_BACKLOG;
}

static void attach_output(void *data, int type, const char *buf, size_t n)
{
    attach_t *at = data;
    uint8_t h[5] = {(uint8_t)type, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                    (uint8_t)n};
    for (size_t i = 0; i < at->n;) {
        strbuf_addn(&at->c[i].tx, (const char *)h, 5);
        strbuf_addn(&at->c[i].tx, buf, n);
        if (!attach_send(&at->c[i]))
            attach_drop(at, i);
        else
            i++;
    }
}

static void attach_stdin_flush(attach_t *at)
{
    while (at->stdin_fd >= 0 && at->stdin_q.len > 0) {
        ssize_t w = write(at->stdin_fd, at->stdin_q.s, at->stdin_q.len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w <= 0) {
            attach_stdin_close(at); /* the container closed its stdin */
            return;
        }
        memmove(at->stdin_q.s, at->stdin_q.s + w, at->stdin_q.len - (size_t)w);
        at->stdin_q.len -= (size_t)w;
    }
    if (at->stdin_eof && at->stdin_q.len == 0)
        attach_stdin_close(at);
}

/* Reads from client i; false when it has gone (and was dropped). */
static bool attach_read(attach_t *at, size_t i)
{
    attach_client_t *c = &at->c[i];
    char buf[16384];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0) {
        attach_drop(at, i);
        return false;
    }
    strbuf_addn(&c->rx, buf, (size_t)n);
    size_t off = 0;
    while (c->rx.len - off >= 5) {
        const uint8_t *h = (const uint8_t *)c->rx.s + off;
        size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
        if (len > STDIN_BACKLOG) {
            attach_drop(at, i);
            return false;
        }
        if (c->rx.len - off < 5 + len)
            break;
        if (h[0] == RUNTIME_ATTACH_STDIN) {
            c->stdin = true;
            if (at->stdin_fd >= 0)
                strbuf_addn(&at->stdin_q, (const char *)h + 5, len);
        } else if (h[0] == RUNTIME_ATTACH_HELLO_STDIN) {
            c->stdin = true;
        } else if (h[0] == RUNTIME_ATTACH_STDIN_END && at->stdin_once) {
            /* Without stdinOnce the stdin stays for the next client, as upstream's. */
            attach_stdin_end(at);
        } else if (h[0] == RUNTIME_ATTACH_RESIZE && at->master >= 0) {
            uint16_t rows, cols;
            struct winsize ws = {0};
            /* The kernel signals the terminal's foreground group (SIGWINCH) itself. */
            if (runtime_attach_resize_parse(h + 5, len, &rows, &cols)) {
                ws.ws_row = rows;
                ws.ws_col = cols;
                if (ioctl(at->master, TIOCSWINSZ, &ws) < 0)
                    fprintf(stderr, "shim: resize: %s\n", strerror(errno));
            }
        }
        off += 5 + len;
    }
    memmove(c->rx.s, c->rx.s + off, c->rx.len - off);
    c->rx.len -= off;
    attach_stdin_flush(at);
    return true;
}

static void attach_accept(attach_t *at)
{
    for (;;) {
        int fd = accept4(at->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (at->n == ATTACH_CLIENTS_MAX) {
            close(fd);
            continue;
        }
        at->c[at->n++] = (attach_client_t){.fd = fd};
    }
}

/* The output that has yet to reach clients, sent before the shim ends (bounded by the drain). */
static void attach_end(attach_t *at, const char *state_dir)
{
    while (at->n > 0) {
        attach_client_t *c = &at->c[at->n - 1];
        if (c->tx.len > 0) {
            int fl = fcntl(c->fd, F_GETFL);
            if (fl >= 0)
                fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
            struct timeval tv = {.tv_sec = 2};
            setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            attach_send(c);
        }
        at->stdin_once = false;
        attach_drop(at, at->n - 1);
    }
    attach_stdin_close(at);
    if (at->listen_fd >= 0) {
        close(at->listen_fd);
        cleanup_free char *sock = xasprintf("%s/%s", state_dir, RUNTIME_ATTACH_SOCKET);
        unlink(sock);
    }
}

/* ---- a tty container's terminal ---- */

#define CONSOLE_SOCKET "console.sock"

/* Whether the bundle's config asks for a terminal (a pod's `tty: true`, ocispec.c). */
static bool bundle_terminal(const char *bundle)
{
    cleanup_free char *path = xasprintf("%s/config.json", bundle);
    json_t *spec = json_load_file(path, 0, NULL);
    bool t = json_is_true(json_object_get(json_object_get(spec, "process"), "terminal"));
    json_decref(spec);
    return t;
}

/* The path runc is given for the console socket: the state dir's, or when that does not fit in
 * a socket address, the same file through our fd of the dir (*dfd, the caller closes it). */
static char *console_path(const char *state_dir, int *dfd)
{
    struct sockaddr_un a;
    if (strlen(state_dir) + sizeof(CONSOLE_SOCKET) + 1 <= sizeof a.sun_path)
        return xasprintf("%s/%s", state_dir, CONSOLE_SOCKET);
    *dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return xasprintf("/proc/%d/fd/%d/%s", (int)getpid(), *dfd, CONSOLE_SOCKET);
}

/* The pty master runc sent on the console socket during `runc create` (its connection waits in
 * the backlog by then); -1 when none came. */
static int console_receive(int lfd)
{
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    if (lfd < 0 || poll(&p, 1, 5000) <= 0)
        return -1;
    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return -1;
    char data[4096];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n;
    do {
        n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    int fd = -1;
    struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
        h->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(h), sizeof fd);
    close(c);
    return fd;
}

/* ---- the shim proper ---- */

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
    if (fd < 0)
        return;
    char buf[C8S_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0 && write(fd, buf, strlen(buf)) < 0)
        fprintf(stderr, "shim: report: %s\n", strerror(errno));
}

/* Closes every fd above 2 but keep, which becomes fd 3 (close-on-exec); returns it. */
static int close_other_fds(int keep)
{
    if (keep != 3) {
        if (dup3(keep, 3, O_CLOEXEC) < 0)
            return -1;
        keep = 3;
    } else {
        fcntl(keep, F_SETFD, FD_CLOEXEC);
    }
    if (close_range(4, ~0U, 0) == 0)
        return keep;
    /* Without close_range: what /proc lists, until nothing is left to close. */
    for (bool again = true; again;) {
        again = false;
        DIR *d = opendir("/proc/self/fd");
        if (!d)
            return keep;
        int dfd = dirfd(d), fds[256];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < C8S_ARRAY_SIZE(fds)) {
            int fd = atoi(e->d_name);
            if (e->d_name[0] != '.' && fd > 3 && fd != dfd)
                fds[n++] = fd;
        }
        closedir(d);
        for (size_t i = 0; i < n; i++)
            close(fds[i]);
        again = n == C8S_ARRAY_SIZE(fds);
    }
    return keep;
}

static int shim_main(const runtime_shim_opts_t *o, int ready)
{
    shim_t sh = {.o = o};
    const char *id = o->id;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &sh.oldmask);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

    cleanup_free char *pidstr = xasprintf("%d\n", (int)getpid());
    write_atomic(o->state_dir, "shim.pid", pidstr);

    /* A tty container's stdio is the terminal runc makes; otherwise pipes of ours. */
    bool tty = bundle_terminal(o->bundle);
    int out[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1};
    if (sfd < 0 || (!tty && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
                             (o->stdin_mode != RUNTIME_STDIN_NONE && pipe2(inp, O_CLOEXEC) < 0)))) {
        report(ready, "error shim setup: %s", strerror(errno));
        return 1;
    }
    attach_t at = {.listen_fd = listen_at(o->state_dir, RUNTIME_ATTACH_SOCKET),
                   .stdin_fd = inp[1],
                   .master = -1,
                   .stdin_once = o->stdin_mode == RUNTIME_STDIN_ONCE};
    if (at.stdin_fd >= 0)
        fcntl(at.stdin_fd, F_SETFL, O_NONBLOCK);
    int console_fd = -1, console_dfd = -1;
    cleanup_free char *console = NULL;
    if (tty) {
        console_fd = listen_at(o->state_dir, CONSOLE_SOCKET);
        console = console_path(o->state_dir, &console_dfd);
    }
    cleanup_free char *pidfile = xasprintf("%s/init.pid", o->state_dir);
    const char *create[10] = {"create", "--bundle", o->bundle, "--pid-file", pidfile};
    size_t na = 5;
    if (tty) {
        create[na++] = "--console-socket";
        create[na++] = console;
    }
    create[na++] = id;
    create[na] = NULL;
    pid_t rp = console_fd < 0 && tty ? -1 : runc_spawn(&sh, create, inp[0], out[1], errp[1]);
    int rc = rp < 0 ? -1 : wait_pid(rp);
    int ours[] = {out[1], errp[1], inp[0], console_dfd};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ours); i++)
        if (ours[i] >= 0)
            close(ours[i]);
    if (tty) {
        int master = rc == 0 ? console_receive(console_fd) : -1;
        if (console_fd >= 0)
            close(console_fd);
        cleanup_free char *sock = xasprintf("%s/%s", o->state_dir, CONSOLE_SOCKET);
        unlink(sock);
        if (rc == 0 && master < 0) {
            fprintf(stderr, "shim: no terminal from runc on the console socket\n");
            rc = -1;
        }
        if (master >= 0) {
            fcntl(master, F_SETFL, O_NONBLOCK);
            out[0] = at.master = master;
            /* The master's second copy is stdin's: closing it (stdinOnce) is the hang-up. */
            if (o->stdin_mode != RUNTIME_STDIN_NONE)
                at.stdin_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
        }
    }
    if (rc != 0) {
        cleanup_free char *m = runc_last_error(o->state_dir);
        report(ready, "error runc create: %s", m);
        const char *del[] = {"delete", "--force", id, NULL};
        runc_run(&sh, del);
        return 1;
    }
    cleanup_free char *pidtext = read_small(pidfile);
    pid_t init = pidtext ? (pid_t)atoi(pidtext) : 0;
    cleanup_free char *oomf = init > 0 ? oom_file(init) : NULL;
    long oom0 = oom_count(oomf);
    const char *start[] = {"start", id, NULL};
    if (init <= 0 || runc_run(&sh, start) != 0) {
        cleanup_free char *m = runc_last_error(o->state_dir);
        report(ready, "error runc start: %s", m);
        const char *del[] = {"delete", "--force", id, NULL};
        runc_run(&sh, del);
        return 1;
    }
    int64_t started = wall_ns();
    cleanup_free char *started_s = rfc3339_ns(started);
    json_t *state = json_pack("{s:s,s:s,s:i,s:s}", "id", id, "status", "running", "pid", (int)init,
                              "startedAt", started_s);
    write_state(o->state_dir, state);
    report(ready, "ok %d", (int)init);
    close(ready);

    shim_log_t log = {.o = o, .fd = -1};
    log_open(&log);
    static shim_stream_t streams[2];
    streams[0].name = "stdout";
    streams[0].fd = out[0];
    streams[1].name = "stderr";
    streams[1].fd = errp[0];
    for (int i = 0; i < 2; i++) {
        streams[i].tap = attach_output;
        streams[i].tap_data = &at;
        streams[i].tap_type = i == 0 ? RUNTIME_ATTACH_STDOUT : RUNTIME_ATTACH_STDERR;
    }
    bool exited = false;
    int status = 0;
    int64_t deadline = 0;
    for (;;) {
        if (exited && ((streams[0].fd < 0 && streams[1].fd < 0) || mono_ms() >= deadline))
            break;
        struct pollfd p[5 + ATTACH_CLIENTS_MAX] = {
            {.fd = sfd, .events = POLLIN},
            {.fd = streams[0].fd, .events = POLLIN},
            {.fd = streams[1].fd, .events = POLLIN},
            {.fd = at.listen_fd, .events = POLLIN},
            {.fd = at.stdin_q.len > 0 ? at.stdin_fd : -1, .events = POLLOUT}};
        size_t nc = at.n;
        for (size_t i = 0; i < nc; i++)
            p[5 + i] = (struct pollfd){.fd = at.c[i].fd,
                                       .events = (short)(POLLIN | (at.c[i].tx.len ? POLLOUT : 0))};
        int timeout = exited ? (int)(deadline - mono_ms()) : -1;
        if (timeout < -1)
            timeout = 0;
        if (poll(p, 5 + nc, timeout) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++)
            if (streams[i].fd >= 0 && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                stream_read(&log, &streams[i]);
        if (streams[0].fd < 0)
            at.master = -1; /* read to its end: closed */
        /* Clients last to first: a drop moves the last one into the dropped one's place. */
        for (size_t i = nc; i-- > 0;) {
            if (i >= at.n || at.c[i].fd != p[5 + i].fd)
                continue;
            if (p[5 + i].revents & POLLOUT && !attach_send(&at.c[i])) {
                attach_drop(&at, i);
                continue;
            }
            if (p[5 + i].revents & (POLLIN | POLLHUP | POLLERR))
                attach_read(&at, i);
        }
        if (p[4].revents & (POLLOUT | POLLERR | POLLHUP))
            attach_stdin_flush(&at);
        if (at.hangup) {
            /* What the container wrote so far is read before the terminal goes. */
            if (streams[0].fd >= 0)
                stream_read(&log, &streams[0]);
            if (streams[0].fd >= 0) {
                stream_flush(&log, &streams[0], true);
                close(streams[0].fd);
                streams[0].fd = -1;
            }
            at.master = -1;
            at.hangup = false;
        }
        if (p[3].revents & POLLIN)
            attach_accept(&at);
        if (p[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) > 0) {
            }
            int st;
            pid_t w;
            while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
                if (w == init) {
                    exited = true;
                    status = st;
                    deadline = mono_ms() + DRAIN_MS;
                }
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (streams[i].fd >= 0) {
            stream_flush(&log, &streams[i], true);
            close(streams[i].fd);
        }
    attach_end(&at, o->state_dir);
    if (log.fd >= 0)
        close(log.fd);

    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    long oom1 = oom_count(oomf);
    bool oom = oom0 >= 0 && oom1 > oom0;
    cleanup_free char *finished = rfc3339_ns(wall_ns());
    json_object_set_new(state, "status", json_string("exited"));
    json_object_set_new(state, "exitCode", json_integer(code));
    if (WIFSIGNALED(status))
        json_object_set_new(state, "signal", json_integer(WTERMSIG(status)));
    json_object_set_new(state, "reason",
                        json_string(oom         ? "OOMKilled"
                                    : code == 0 ? "Completed"
                                                : "Error"));
    json_object_set_new(state, "finishedAt", json_string(finished));
    write_state(o->state_dir, state);
    json_decref(state);
    const char *del[] = {"delete", "--force", id, NULL};
    if (runc_run(&sh, del) != 0)
        fprintf(stderr, "shim: runc delete %s failed\n", id);
    /* Anything else reparented to us (a stray runc helper) is reaped before we go. */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    close(sfd);
    return 0;
}

int runtime_shim_launch(const runtime_shim_opts_t *o, c8s_err_t *err)
{
    if (!o->id || !o->bundle || !o->state_dir || !o->log_path)
        return c8s_err_set(err, C8S_EINVALID, "shim: --id, --bundle, --state-dir, --log needed");
    /* The log must be writable before anything starts: a container whose output is lost is
     * worse than one that does not start. */
    int logfd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (logfd < 0)
        return c8s_err_set(err, C8S_ESYS, "shim: log %s: %s", o->log_path, strerror(errno));
    close(logfd);
    /* A fresh dir per container: a second start of one id must not take over the first's files. */
    if (mkdir(o->state_dir, 0700) < 0)
        return c8s_err_set(err, errno == EEXIST ? C8S_EEXIST : C8S_ESYS, "shim: mkdir %s: %s",
                           o->state_dir, strerror(errno));
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return c8s_err_set(err, C8S_ESYS, "shim: pipe: %s", strerror(errno));
    pid_t mid = fork();
    if (mid < 0) {
        close(p[0]);
        close(p[1]);
        return c8s_err_set(err, C8S_ESYS, "shim: fork: %s", strerror(errno));
    }
    if (mid == 0) {
        close(p[0]);
        if (setsid() < 0)
            _exit(1);
        pid_t shim = fork();
        if (shim != 0)
            _exit(shim < 0 ? 1 : 0);
        /* The shim: no fd of c8s's stays open in it (a pipe c8s waits on would never close). */
        int ready = close_other_fds(p[1]);
        if (ready < 0)
            _exit(1);
        if (chdir("/") < 0)
            _exit(1);
        int nul = open("/dev/null", O_RDWR);
        char *diag = xasprintf("%s/shim.log", o->state_dir);
        int lf = open(diag, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        free(diag);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(lf >= 0 ? lf : nul, 1) < 0 ||
            dup2(lf >= 0 ? lf : nul, 2) < 0)
            _exit(1);
        if (nul > 2)
            close(nul);
        if (lf > 2)
            close(lf);
        /* exit, not _exit: the sanitizers' leak check runs in the shim too. */
        exit(shim_main(o, ready));
    }
    close(p[1]);
    int st;
    while (waitpid(mid, &st, 0) < 0 && errno == EINTR) {
    }
    strbuf_t b = STRBUF_INIT;
    char buf[512];
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        strbuf_addn(&b, buf, (size_t)n);
    }
    close(p[0]);
    cleanup_free char *msg = strbuf_take(&b);
    if (strncmp(msg, "ok ", 3) == 0)
        return 0;
    if (strncmp(msg, "error ", 6) == 0)
        return c8s_err_set(err, C8S_EINTERNAL, "%s", msg + 6);
    return c8s_err_set(err, C8S_EINTERNAL, "shim for %s exited before starting the container%s%s",
                       o->id, *msg ? ": " : "", msg);
}
