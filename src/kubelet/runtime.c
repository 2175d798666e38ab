/*
 * runtime.c — the kubelet's side of containers: starts shims, signals and deletes containers
 * through runc, and reads the shims' state files (see include/c8s/runtime.h). Every process is
 * a uv_spawn whose output is collected through pipes; a stop waits for the shim's record of the
 * exit by polling the container's state file on a timer.
 */
#include "c8s/runtime.h"
#include "c8s/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define POLL_MS        50
#define AFTER_KILL_MS  10000
#define SHIM_GONE_MS   10000
#define RUNC_NOT_EXIST "does not exist"

struct runtime_s {
    uv_loop_t *loop;
    char *runc, *runc_root, *state_root, *shim_bin;
    size_t log_max_bytes;
    int log_max_files;
    size_t pending;
};

runtime_t *runtime_new(uv_loop_t *loop, const runtime_config_t *cfg)
{
    runtime_t *rt = xcalloc(1, sizeof *rt);
    rt->loop = loop;
    rt->runc = xstrdup(cfg->runc ? cfg->runc : "runc");
    rt->runc_root = cfg->runc_root ? xstrdup(cfg->runc_root) : NULL;
    rt->state_root = xstrdup(cfg->state_root ? cfg->state_root : "/var/lib/c8s/run/containers");
    rt->shim_bin = xstrdup(cfg->shim_bin ? cfg->shim_bin : "/proc/self/exe");
    rt->log_max_bytes = cfg->log_max_bytes;
    rt->log_max_files = cfg->log_max_files;
    return rt;
}

void runtime_free(runtime_t *rt)
{
    if (!rt)
        return;
    if (rt->pending)
        log_error("runtime", "freed with %zu operations in flight", rt->pending);
    free(rt->runc);
    free(rt->runc_root);
    free(rt->state_root);
    free(rt->shim_bin);
    free(rt);
}

size_t runtime_pending(const runtime_t *rt)
{
    return rt->pending;
}

/* Container ids become paths and runc arguments: keep them to runc's own alphabet. */
static int check_id(const char *id, c8s_err_t *err)
{
    if (!id || !*id || strlen(id) > 1024 || id[0] == '.')
        return c8s_err_set(err, C8S_EINVALID, "runtime: invalid container id");
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == '+'))
            return c8s_err_set(err, C8S_EINVALID, "runtime: invalid container id \"%s\"", id);
    return 0;
}

/* ---- a child process with captured output ---- */

typedef struct proc_s proc_t;
typedef void (*proc_done_cb)(proc_t *p);

struct proc_s {
    uv_process_t proc;
    uv_pipe_t out, err;
    strbuf_t obuf, ebuf;
    int64_t exit_status;
    int spawn_err; /* uv error when the spawn failed */
    int open;      /* handles not yet closed */
    proc_done_cb done;
    void *data;
};

static void proc_closed(uv_handle_t *h)
{
    proc_t *p = h->data;
    if (--p->open > 0)
        return;
    p->done(p);
    strbuf_free(&p->obuf);
    strbuf_free(&p->ebuf);
    free(p);
}

static void proc_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    static __thread char slab[16384];
    buf->base = slab;
    buf->len = sizeof slab;
}

static void proc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    proc_t *p = s->data;
    if (n > 0) {
        strbuf_addn(s == (uv_stream_t *)&p->out ? &p->obuf : &p->ebuf, buf->base, (size_t)n);
        return;
    }
    if (n < 0)
        uv_close((uv_handle_t *)s, proc_closed);
}

static void proc_exit(uv_process_t *h, int64_t status, int sig)
{
    proc_t *p = h->data;
    p->exit_status = sig ? 128 + sig : status;
    uv_close((uv_handle_t *)h, proc_closed);
}

/* Spawns argv (NULL-terminated); done runs once the process exited and its output is read. */
static void proc_run(runtime_t *rt, const char *const *argv, proc_done_cb done, void *data)
{
    proc_t *p = xcalloc(1, sizeof *p);
    p->done = done;
    p->data = data;
    p->proc.data = p->out.data = p->err.data = p;
    uv_pipe_init(rt->loop, &p->out, 0);
    uv_pipe_init(rt->loop, &p->err, 0);
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&p->err},
    };
    uv_process_options_t o = {
        .exit_cb = proc_exit,
        .file = argv[0],
        .args = (char **)argv,
        .stdio_count = 3,
        .stdio = stdio,
    };
    p->open = 3;
    int rc = uv_spawn(rt->loop, &p->proc, &o);
    if (rc < 0) {
        p->spawn_err = rc;
        p->exit_status = -1;
        uv_close((uv_handle_t *)&p->proc, proc_closed);
        uv_close((uv_handle_t *)&p->out, proc_closed);
        uv_close((uv_handle_t *)&p->err, proc_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&p->out, proc_alloc, proc_read);
    uv_read_start((uv_stream_t *)&p->err, proc_alloc, proc_read);
}

/* runc [--root R] args... into argv (pointers borrowed from rt and args). */
static size_t runc_argv(runtime_t *rt, const char **argv, size_t cap, const char *const *args)
{
    size_t n = 0;
    argv[n++] = rt->runc;
    if (rt->runc_root) {
        argv[n++] = "--root";
        argv[n++] = rt->runc_root;
    }
    for (size_t i = 0; args[i] && n < cap - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return n;
}

/* The process's failure as text: spawn error, else its stderr (trimmed). Owned. */
static char *proc_failure(proc_t *p)
{
    if (p->spawn_err)
        return xasprintf("spawn: %s", uv_strerror(p->spawn_err));
    char *e = p->ebuf.s ? xstrdup(p->ebuf.s) : xstrdup("");
    size_t n = strlen(e);
    while (n && (e[n - 1] == '\n' || e[n - 1] == ' '))
        e[--n] = 0;
    if (!n) {
        free(e);
        return xasprintf("exit status %lld", (long long)p->exit_status);
    }
    return e;
}

/* ---- state files ---- */

static char *state_dir(runtime_t *rt, const char *id)
{
    return xasprintf("%s/%s", rt->state_root, id);
}

static char *slurp(const char *path)
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

/* Whether pid is still the shim of container id (a recycled pid is not). */
static bool shim_alive(runtime_t *rt, const char *id)
{
    cleanup_free char *dir = state_dir(rt, id);
    cleanup_free char *pf = xasprintf("%s/shim.pid", dir);
    cleanup_free char *pidtext = slurp(pf);
    int pid = pidtext ? atoi(pidtext) : 0;
    if (pid <= 0)
        return false;
    cleanup_free char *cmdpath = xasprintf("/proc/%d/cmdline", pid);
    FILE *f = fopen(cmdpath, "re");
    if (!f)
        return false;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* cmdline is NUL-separated: look for "--state-dir\0<dir>" among the words. */
    bool is_shim = false, next = false;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
        if (next && strcmp(buf + i, dir) == 0)
            is_shim = true;
        next = strcmp(buf + i, "--state-dir") == 0;
    }
    return is_shim;
}

int runtime_status(runtime_t *rt, const char *id, json_t **out, c8s_err_t *err)
{
    *out = NULL;
    if (check_id(id, err) < 0)
        return err->code;
    cleanup_free char *dir = state_dir(rt, id);
    struct stat st;
    if (stat(dir, &st) < 0)
        return c8s_err_set(err, C8S_ENOTFOUND, "container %s not found", id);
    cleanup_free char *path = xasprintf("%s/state.json", dir);
    cleanup_free char *text = slurp(path);
    json_t *s = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_object(s)) {
        json_decref(s);
        s = json_pack("{s:s,s:s}", "id", id, "status", "created");
    }
    /* The shim writes "status"; the API here says "state" (runc's word is kept in "runc"). */
    json_object_set(s, "state", json_object_get(s, "status"));
    json_object_del(s, "status");
    bool alive = shim_alive(rt, id);
    json_object_set_new(s, "shimAlive", json_boolean(alive));
    const char *state = json_string_value(json_object_get(s, "state"));
    if (!alive && state && strcmp(state, "exited") != 0)
        json_object_set_new(s, "state", json_string("unknown"));
    json_object_set_new(s, "runc", json_null());
    *out = s;
    return 0;
}

/* ---- start ---- */

typedef struct {
    runtime_t *rt;
    runtime_cb cb;
    void *data;
    char *id;
} start_op_t;

static void start_done(proc_t *p)
{
    start_op_t *op = p->data;
    c8s_err_t err = C8S_ERR_INIT;
    int code = 0;
    if (p->exit_status != 0) {
        cleanup_free char *why = proc_failure(p);
        code = c8s_err_set(&err, C8S_EINTERNAL, "starting container %s: %s", op->id, why);
    }
    op->rt->pending--;
    op->cb(code, &err, op->data);
    c8s_err_clear(&err);
    free(op->id);
    free(op);
}

int runtime_start(runtime_t *rt, const char *id, const char *bundle, const char *log_path,
                  runtime_cb cb, void *data, c8s_err_t *err)
{
    return runtime_start_stdin(rt, id, bundle, log_path, RUNTIME_STDIN_NONE, cb, data, err);
}

int runtime_start_stdin(runtime_t *rt, const char *id, const char *bundle, const char *log_path,
                        runtime_stdin_t stdin_mode, runtime_cb cb, void *data, c8s_err_t *err)
{
    if (check_id(id, err) < 0)
        return err->code;
    if (!bundle || bundle[0] != '/' || !log_path || log_path[0] != '/')
        return c8s_err_set(err, C8S_EINVALID, "runtime: bundle and log paths must be absolute");
    if (mkdir(rt->state_root, 0700) < 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", rt->state_root, strerror(errno));
    cleanup_free char *dir = state_dir(rt, id);
    cleanup_free char *maxb = xasprintf("%zu", rt->log_max_bytes);
    cleanup_free char *maxf = xasprintf("%d", rt->log_max_files);
    const char *argv[24];
    size_t n = 0;
    argv[n++] = rt->shim_bin;
    argv[n++] = "shim";
    argv[n++] = "--id";
    argv[n++] = id;
    argv[n++] = "--bundle";
    argv[n++] = bundle;
    argv[n++] = "--state-dir";
    argv[n++] = dir;
    argv[n++] = "--log";
    argv[n++] = log_path;
    argv[n++] = "--runc";
    argv[n++] = rt->runc;
    if (rt->runc_root) {
        argv[n++] = "--runc-root";
        argv[n++] = rt->runc_root;
    }
    argv[n++] = "--log-max-bytes";
    argv[n++] = maxb;
    argv[n++] = "--log-max-files";
    argv[n++] = maxf;
    if (stdin_mode != RUNTIME_STDIN_NONE)
        argv[n++] = stdin_mode == RUNTIME_STDIN_ONCE ? "--stdin-once" : "--stdin";
    argv[n] = NULL;
    start_op_t *op = xcalloc(1, sizeof *op);
    *op = (start_op_t){.rt = rt, .cb = cb, .data = data, .id = xstrdup(id)};
    rt->pending++;
    proc_run(rt, argv, start_done, op);
    return 0;
}

/* ---- stop and remove: a runc call, then polling ---- */

typedef enum { OP_STOP, OP_REMOVE } op_kind_t;

typedef struct {
    runtime_t *rt;
    op_kind_t kind;
    char *id;
    runtime_cb cb;
    void *data;
    uv_timer_t timer;
    uint64_t kill_at; /* stop: when to SIGKILL (loop ms) */
    uint64_t give_up; /* loop ms */
    bool killed, running_proc, finished;
    int code;
    c8s_err_t err;
} wait_op_t;

static void op_closed(uv_handle_t *h)
{
    wait_op_t *op = h->data;
    op->rt->pending--;
    op->cb(op->code, &op->err, op->data);
    c8s_err_clear(&op->err);
    free(op->id);
    free(op);
}

static void op_finish(wait_op_t *op)
{
    if (op->finished)
        return;
    op->finished = true;
    uv_timer_stop(&op->timer);
    uv_close((uv_handle_t *)&op->timer, op_closed);
}

typedef enum { CS_RUNNING, CS_EXITED, CS_GONE, CS_ORPHAN } cstate_t;

/* Where a stop stands: running (or starting), exited (recorded), gone (no state dir), or
 * orphaned (the shim died before recording an exit: nobody can tell when it ends). */
static cstate_t container_state(runtime_t *rt, const char *id)
{
    json_t *s = NULL;
    c8s_err_t e = C8S_ERR_INIT;
    if (runtime_status(rt, id, &s, &e) < 0) {
        c8s_err_clear(&e);
        return CS_GONE;
    }
    const char *st = json_string_value(json_object_get(s, "state"));
    cstate_t r = !st || strcmp(st, "unknown") == 0 ? CS_ORPHAN
                 : strcmp(st, "exited") == 0       ? CS_EXITED
                                                   : CS_RUNNING;
    json_decref(s);
    return r;
}

static void on_kill_done(proc_t *p)
{
    wait_op_t *op = p->data;
    op->running_proc = false;
    if (p->exit_status != 0) {
        cleanup_free char *why = proc_failure(p);
        /* A container that exited meanwhile is not an error: the poll sees the exit. */
        if (!strstr(why, RUNC_NOT_EXIST) && !strstr(why, "not running") &&
            !strstr(why, "process already finished"))
            log_warn("runtime", "runc kill %s: %s", op->id, why);
    }
}

static void runc_kill(wait_op_t *op, const char *sig)
{
    const char *args[] = {"kill", op->id, sig, NULL};
    const char *argv[16];
    runc_argv(op->rt, argv, C8S_ARRAY_SIZE(argv), args);
    op->running_proc = true;
    proc_run(op->rt, argv, on_kill_done, op);
}

static void stop_tick(uv_timer_t *t)
{
    wait_op_t *op = t->data;
    if (op->running_proc)
        return; /* the op outlives its runc call: finish only once the call is done */
    switch (container_state(op->rt, op->id)) {
    case CS_EXITED:
    case CS_GONE:
        op_finish(op);
        return;
    case CS_ORPHAN:
        op->code = c8s_err_set(&op->err, C8S_EUNAVAILABLE,
                               "container %s has lost its shim; runtime_remove kills it", op->id);
        op_finish(op);
        return;
    case CS_RUNNING:
        break;
    }
    uint64_t now = uv_now(op->rt->loop);
    if (!op->killed && now >= op->kill_at) {
        op->killed = true;
        op->give_up = now + AFTER_KILL_MS;
        runc_kill(op, "KILL");
        return;
    }
    if (op->killed && now >= op->give_up) {
        op->code =
            c8s_err_set(&op->err, C8S_ETIMEOUT, "container %s did not exit after SIGKILL", op->id);
        op_finish(op);
    }
}

static wait_op_t *op_new(runtime_t *rt, op_kind_t kind, const char *id, runtime_cb cb, void *data)
{
    wait_op_t *op = xcalloc(1, sizeof *op);
    op->rt = rt;
    op->kind = kind;
    op->id = xstrdup(id);
    op->cb = cb;
    op->data = data;
    uv_timer_init(rt->loop, &op->timer);
    op->timer.data = op;
    rt->pending++;
    return op;
}

int runtime_stop(runtime_t *rt, const char *id, uint64_t grace_ms, runtime_cb cb, void *data,
                 c8s_err_t *err)
{
    if (check_id(id, err) < 0)
        return err->code;
    wait_op_t *op = op_new(rt, OP_STOP, id, cb, data);
    op->kill_at = uv_now(rt->loop) + grace_ms;
    if (container_state(rt, id) == CS_RUNNING)
        runc_kill(op, "TERM");
    uv_timer_start(&op->timer, stop_tick, 0, POLL_MS);
    return 0;
}

/* Removes the files the shim wrote and the state dir itself (flat: no subdirs). */
static int remove_state(runtime_t *rt, const char *id, c8s_err_t *err)
{
    cleanup_free char *dir = state_dir(rt, id);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0
                               : c8s_err_set(err, C8S_ESYS, "opendir %s: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        cleanup_free char *f = xasprintf("%s/%s", dir, e->d_name);
        if (unlink(f) < 0 && errno != ENOENT)
            rc = c8s_err_set(err, C8S_ESYS, "unlink %s: %s", f, strerror(errno));
    }
    closedir(d);
    if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
        rc = c8s_err_set(err, C8S_ESYS, "rmdir %s: %s", dir, strerror(errno));
    return rc;
}

static void remove_tick(uv_timer_t *t)
{
    wait_op_t *op = t->data;
    if (op->running_proc)
        return;
    if (shim_alive(op->rt, op->id)) {
        if (uv_now(op->rt->loop) < op->give_up)
            return;
        op->code = c8s_err_set(&op->err, C8S_ETIMEOUT, "shim of %s did not exit", op->id);
        op_finish(op);
        return;
    }
    op->code = remove_state(op->rt, op->id, &op->err);
    op_finish(op);
}

static void on_delete_done(proc_t *p)
{
    wait_op_t *op = p->data;
    op->running_proc = false;
    if (p->exit_status != 0) {
        cleanup_free char *why = proc_failure(p);
        if (!strstr(why, RUNC_NOT_EXIST)) {
            op->code = c8s_err_set(&op->err, C8S_EINTERNAL, "runc delete %s: %s", op->id, why);
            op_finish(op);
        }
    }
}

int runtime_remove(runtime_t *rt, const char *id, runtime_cb cb, void *data, c8s_err_t *err)
{
    json_t *s = NULL;
    if (runtime_status(rt, id, &s, err) < 0 && err->code != C8S_ENOTFOUND)
        return err->code;
    c8s_err_clear(err);
    const char *st = json_string_value(json_object_get(s, "state"));
    bool running = st && json_is_true(json_object_get(s, "shimAlive")) && strcmp(st, "exited") != 0;
    json_decref(s);
    if (running)
        return c8s_err_set(err, C8S_ECONFLICT, "container %s is running", id);
    wait_op_t *op = op_new(rt, OP_REMOVE, id, cb, data);
    op->give_up = uv_now(rt->loop) + SHIM_GONE_MS;
    const char *args[] = {"delete", "--force", id, NULL};
    const char *argv[16];
    runc_argv(rt, argv, C8S_ARRAY_SIZE(argv), args);
    op->running_proc = true;
    proc_run(rt, argv, on_delete_done, op);
    uv_timer_start(&op->timer, remove_tick, POLL_MS, POLL_MS);
    return 0;
}

/* ---- list ---- */

typedef struct {
    runtime_t *rt;
    runtime_list_cb cb;
    void *data;
} list_op_t;

static json_t *find_id(json_t *list, const char *id)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *x = json_string_value(json_object_get(e, "id"));
        if (x && strcmp(x, id) == 0)
            return e;
    }
    return NULL;
}

static void list_done(proc_t *p)
{
    list_op_t *op = p->data;
    runtime_t *rt = op->rt;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *runc = NULL;
    int code = 0;
    if (p->exit_status != 0) {
        cleanup_free char *why = proc_failure(p);
        code = c8s_err_set(&err, C8S_EINTERNAL, "runc list: %s", why);
    } else {
        /* runc prints "null" when there are no containers. */
        runc = json_loads(p->obuf.s ? p->obuf.s : "null", JSON_DECODE_ANY, NULL);
    }
    DIR *d = code == 0 ? opendir(rt->state_root) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        c8s_err_t se = C8S_ERR_INIT;
        json_t *s = NULL;
        if (e->d_name[0] == '.' || check_id(e->d_name, &se) < 0 ||
            runtime_status(rt, e->d_name, &s, &se) < 0) {
            c8s_err_clear(&se);
            continue;
        }
        json_array_append_new(list, s);
    }
    if (d)
        closedir(d);
    size_t i;
    json_t *r;
    json_array_foreach(runc, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "id"));
        if (!id)
            continue;
        json_t *s = find_id(list, id);
        if (!s) {
            /* Known to runc only: its shim never wrote a state dir (or it was removed). */
            s = json_pack("{s:s,s:s,s:b}", "id", id, "state", "unknown", "shimAlive", 0);
            json_array_append_new(list, s);
        }
        json_object_set(s, "runc", json_object_get(r, "status"));
    }
    rt->pending--;
    op->cb(code, &err, code == 0 ? list : NULL, op->data);
    c8s_err_clear(&err);
    free(op);
}

int runtime_list(runtime_t *rt, runtime_list_cb cb, void *data, c8s_err_t *err)
{
    const char *args[] = {"list", "--format", "json", NULL};
    const char *argv[16];
    runc_argv(rt, argv, C8S_ARRAY_SIZE(argv), args);
    list_op_t *op = xcalloc(1, sizeof *op);
    *op = (list_op_t){.rt = rt, .cb = cb, .data = data};
    rt->pending++;
    proc_run(rt, argv, list_done, op);
    return 0;
}

/* ---- pod IPC and UTS namespaces ---- */

typedef struct {
    runtime_t *rt;
    runtime_cb cb;
    void *data;
} ns_op_t;

static void ns_done(proc_t *p)
{
    ns_op_t *op = p->data;
    c8s_err_t err = C8S_ERR_INIT;
    int code = 0;
    if (p->exit_status != 0) {
        cleanup_free char *why = proc_failure(p);
        code = c8s_err_set(&err, C8S_EINTERNAL, "creating pod namespaces: %s", why);
    }
    op->rt->pending--;
    op->cb(code, &err, op->data);
    c8s_err_clear(&err);
    free(op);
}

static int touch(const char *path, c8s_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "create %s: %s", path, strerror(errno));
    close(fd);
    return 0;
}

static bool is_nsfs(const char *path)
{
    struct statfs fs;
    /* NSFS_MAGIC (linux/magic.h): the file is a mount of a namespace. */
    return statfs(path, &fs) == 0 && fs.f_type == 0x6e736673;
}

int runtime_pod_ns_create(runtime_t *rt, const char *dir, const char *hostname, runtime_cb cb,
                          void *data, c8s_err_t *err)
{
    if (!dir || dir[0] != '/' || !hostname || !*hostname || hostname[0] == '-')
        return c8s_err_set(err, C8S_EINVALID, "pod namespaces: absolute dir and hostname needed");
    cleanup_free char *ipc = xasprintf("%s/ipc", dir);
    cleanup_free char *uts = xasprintf("%s/uts", dir);
    cleanup_free char *ipc_opt = xasprintf("--ipc=%s", ipc);
    cleanup_free char *uts_opt = xasprintf("--uts=%s", uts);
    const char *argv[] = {"unshare", ipc_opt, uts_opt, "hostname", hostname, NULL};
    /* A kubelet killed after unshare(1) and before the pod's containers were recorded finds
     * both namespaces already made (an nsfs file refuses the O_WRONLY of touch with EPERM, so
     * the pod would fail for ever): it keeps them, as it keeps the network namespace, a
     * container of the pod may already be in them, and only sets the hostname again. Half of
     * them (killed between the two mounts) are made again. */
    if (is_nsfs(ipc) && is_nsfs(uts)) {
        argv[0] = "nsenter";
        argv[1] = uts_opt;
        argv[2] = "hostname";
        argv[3] = hostname;
        argv[4] = NULL;
    } else if (runtime_pod_ns_remove(dir, err) < 0 || touch(ipc, err) < 0 || touch(uts, err) < 0) {
        /* unshare(1) bind-mounts the namespace over an existing file. */
        return err->code;
    }
    ns_op_t *op = xcalloc(1, sizeof *op);
    *op = (ns_op_t){.rt = rt, .cb = cb, .data = data};
    rt->pending++;
    proc_run(rt, argv, ns_done, op);
    return 0;
}

int runtime_pod_ns_remove(const char *dir, c8s_err_t *err)
{
    static const char *const kinds[] = {"ipc", "uts"};
    int rc = 0;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(kinds); i++) {
        cleanup_free char *p = xasprintf("%s/%s", dir, kinds[i]);
        /* Detached: a container still holding the namespace keeps it, not the mount point. */
        if (c8s_unmount_all(p, err) != 0)
            rc = err->code;
        if (unlink(p) < 0 && errno != ENOENT)
            rc = c8s_err_set(err, C8S_ESYS, "unlink %s: %s", p, strerror(errno));
    }
    return rc;
}

/* ---- cgroups ---- */

int runtime_cgroup_version(void)
{
    struct stat st;
    return stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? 2 : 1;
}

static int write_file(const char *path, const char *value, c8s_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "open %s: %s", path, strerror(errno));
    ssize_t n = write(fd, value, strlen(value));
    int e = errno;
    close(fd);
    if (n < 0)
        return c8s_err_set(err, C8S_ESYS, "write %s to %s: %s", value, path, strerror(e));
    return 0;
}

/* mkdir -p under a cgroupfs mount; on v2 each new level gets the parent's controllers. */
static int cg_mkdir(const char *mount, const char *path, bool v2, c8s_err_t *err)
{
    cleanup_free char *cur = xstrdup(mount);
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (!n)
            break;
        if (v2) {
            cleanup_free char *ctl = xasprintf("%s/cgroup.subtree_control", cur);
            /* Controllers a parent lacks cannot be enabled; cpu, memory, pids are what we set. */
            if (write_file(ctl, "+cpu +memory +pids", err) < 0)
                return err->code;
        }
        char *next = xasprintf("%s/%.*s", cur, (int)n, p);
        free(cur);
        cur = next;
        if (mkdir(cur, 0755) < 0 && errno != EEXIST)
            return c8s_err_set(err, C8S_ESYS, "mkdir %s: %s", cur, strerror(errno));
        p += n;
    }
    return 0;
}

int runtime_pod_cgroup_apply(const char *path, const ocispec_pod_resources_t *r, int64_t pids_limit,
                             c8s_err_t *err)
{
    if (!path || path[0] != '/' || strstr(path, ".."))
        return c8s_err_set(err, C8S_EINVALID, "cgroup path must be absolute");
    char v[64];
    if (runtime_cgroup_version() == 2) {
        if (cg_mkdir("/sys/fs/cgroup", path, true, err) < 0)
            return err->code;
        cleanup_free char *dir = xasprintf("/sys/fs/cgroup%s", path);
        cleanup_free char *w = xasprintf("%s/cpu.weight", dir);
        cleanup_free char *mx = xasprintf("%s/cpu.max", dir);
        cleanup_free char *mm = xasprintf("%s/memory.max", dir);
        cleanup_free char *pm = xasprintf("%s/pids.max", dir);
        /* runc's conversion of shares [2, 262144] to weight [1, 10000]. */
        snprintf(v, sizeof v, "%llu",
                 (unsigned long long)(1 + ((r->cpu_shares - 2) * 9999) / 262142));
        if (write_file(w, v, err) < 0)
            return err->code;
        if (r->cpu_quota > 0)
            snprintf(v, sizeof v, "%lld %lld", (long long)r->cpu_quota, (long long)r->cpu_period);
        else
            snprintf(v, sizeof v, "max %lld", (long long)r->cpu_period);
        if (write_file(mx, v, err) < 0)
            return err->code;
        snprintf(v, sizeof v, "%lld", (long long)r->memory_limit);
        if (write_file(mm, r->memory_limit > 0 ? v : "max", err) < 0)
            return err->code;
        snprintf(v, sizeof v, "%lld", (long long)pids_limit);
        return write_file(pm, pids_limit > 0 ? v : "max", err);
    }
    static const char *const hier[] = {"cpu", "cpuacct", "memory", "pids"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(hier); i++) {
        cleanup_free char *mount = xasprintf("/sys/fs/cgroup/%s", hier[i]);
        if (cg_mkdir(mount, path, false, err) < 0)
            return err->code;
    }
    cleanup_free char *cpu = xasprintf("/sys/fs/cgroup/cpu%s", path);
    cleanup_free char *mem = xasprintf("/sys/fs/cgroup/memory%s", path);
    cleanup_free char *pids = xasprintf("/sys/fs/cgroup/pids%s", path);
    cleanup_free char *shares = xasprintf("%s/cpu.shares", cpu);
    cleanup_free char *period = xasprintf("%s/cpu.cfs_period_us", cpu);
    cleanup_free char *quota = xasprintf("%s/cpu.cfs_quota_us", cpu);
    cleanup_free char *limit = xasprintf("%s/memory.limit_in_bytes", mem);
    cleanup_free char *pmax = xasprintf("%s/pids.max", pids);
    snprintf(v, sizeof v, "%llu", (unsigned long long)r->cpu_shares);
    if (write_file(shares, v, err) < 0)
        return err->code;
    snprintf(v, sizeof v, "%lld", (long long)r->cpu_period);
    if (write_file(period, v, err) < 0)
        return err->code;
    snprintf(v, sizeof v, "%lld", (long long)(r->cpu_quota > 0 ? r->cpu_quota : -1));
    if (write_file(quota, v, err) < 0)
        return err->code;
    snprintf(v, sizeof v, "%lld", (long long)r->memory_limit);
    if (write_file(limit, r->memory_limit > 0 ? v : "-1", err) < 0)
        return err->code;
    snprintf(v, sizeof v, "%lld", (long long)pids_limit);
    return write_file(pmax, pids_limit > 0 ? v : "max", err);
}

/* rmdir path and its empty parents' children bottom-up: a pod's dir may still hold the empty
 * dirs of containers runc did not remove (a shim killed before `runc delete`). */
static int rmdir_tree(const char *path, c8s_err_t *err)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? 0 : c8s_err_set(err, C8S_ESYS, "%s: %s", path, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        cleanup_free char *sub = xasprintf("%s/%s", path, e->d_name);
        if (rmdir_tree(sub, err) < 0)
            rc = err->code;
    }
    closedir(d);
    if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
        rc = c8s_err_set(err, errno == EBUSY ? C8S_ECONFLICT : C8S_ESYS, "rmdir %s: %s", path,
                         strerror(errno));
    return rc;
}

int runtime_cgroup_remove(const char *path, c8s_err_t *err)
{
    if (!path || path[0] != '/' || strstr(path, ".."))
        return c8s_err_set(err, C8S_EINVALID, "cgroup path must be absolute");
    if (runtime_cgroup_version() == 2) {
        cleanup_free char *p = xasprintf("/sys/fs/cgroup%s", path);
        return rmdir_tree(p, err);
    }
    DIR *d = opendir("/sys/fs/cgroup");
    if (!d)
        return c8s_err_set(err, C8S_ESYS, "/sys/fs/cgroup: %s", strerror(errno));
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_type == DT_LNK)
            continue; /* cpu,cpuacct style links point at a hierarchy listed anyway */
        cleanup_free char *p = xasprintf("/sys/fs/cgroup/%s%s", e->d_name, path);
        if (rmdir_tree(p, err) < 0)
            rc = err->code;
    }
    closedir(d);
    return rc;
}
