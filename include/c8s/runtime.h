/*
 * runtime.h — containers through runc, each watched by its own shim (`c8s shim`).
 *
 * The shim is a small process of the c8s binary, detached from c8s (its own session, reparented
 * to init), which runs `runc create` and `runc start`, owns the container's stdout and stderr
 * pipes, writes them to a CRI-format log file rotated by size, reaps the container's init (it is
 * the child subreaper), records how it ended in <state dir>/state.json (written atomically), runs
 * `runc delete` and exits. It needs nothing from c8s once started, so killing c8s loses neither
 * the container nor its exit code.
 *
 * The runtime module is what the kubelet calls, on its libuv loop: every runc or shim invocation
 * is a uv_spawn with an exit callback; reading a container's small state file is done in place.
 *
 * State layout: <state_root>/<id>/ holds state.json, shim.pid, init.pid, runc.log (runc's own
 * log), shim.log (the shim's diagnostics), attach.sock and, while a tty container is created,
 * console.sock (runc's --console-socket, on which the shim receives the pty's master).
 *
 * A container's status is a JSON object:
 *   {"id", "state": "created"|"running"|"exited"|"unknown", "pid", "exitCode", "signal",
 *    "reason": "Completed"|"Error"|"OOMKilled", "startedAt", "finishedAt" (RFC 3339, ns),
 *    "shimAlive": bool, "runc": runc's status string or null}
 * "unknown" means the shim is gone without having recorded an exit (it was killed): the container
 * may still run, but its end can no longer be observed.
 */
#ifndef C8S_RUNTIME_H
#define C8S_RUNTIME_H

#include "c8s/base.h"
#include "c8s/ocispec.h"
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* ---- the shim (runs in its own process) ---- */

/* A container's stdin: none (/dev/null), a pipe the shim keeps open for attach clients, or one
 * it closes once the first client that attached stdin leaves (stdinOnce). */
typedef enum { RUNTIME_STDIN_NONE, RUNTIME_STDIN_OPEN, RUNTIME_STDIN_ONCE } runtime_stdin_t;

/* Attach: the shim listens on <state dir>/RUNTIME_ATTACH_SOCKET (unix, stream). Frames both ways
 * are a type byte, a 4-byte big-endian length and the bytes. The shim sends STDOUT and STDERR
 * (the container's output as read, from the moment of connecting); a client sends HELLO_STDIN
 * (it attaches stdin: with stdinOnce, its leaving closes the container's stdin), STDIN (bytes for
 * the container) and STDIN_END (its input ended: with stdinOnce the container's stdin closes).
 * A tty container (its config's process.terminal) has one output, STDOUT, read from the pty's
 * master, which the shim holds; a client sends RESIZE (RUNTIME_ATTACH_RESIZE_LEN bytes, see
 * runtime_attach_resize_encode) to set the terminal's size. The socket closes when the
 * container has exited and its output is out. */
#define RUNTIME_ATTACH_SOCKET "attach.sock"
enum {
    RUNTIME_ATTACH_STDIN = 0,
    RUNTIME_ATTACH_STDOUT = 1,
    RUNTIME_ATTACH_STDERR = 2,
    RUNTIME_ATTACH_HELLO_STDIN = 3,
    RUNTIME_ATTACH_STDIN_END = 4,
    RUNTIME_ATTACH_RESIZE = 5,
};

/* A RESIZE frame's payload: rows and columns, each 2 bytes big endian. */
#define RUNTIME_ATTACH_RESIZE_LEN 4
void runtime_attach_resize_encode(uint8_t out[RUNTIME_ATTACH_RESIZE_LEN], uint16_t rows,
                                  uint16_t cols);
/* Parses a RESIZE payload; false when it is malformed (wrong length, a zero dimension). Pure. */
bool runtime_attach_resize_parse(const uint8_t *p, size_t len, uint16_t *rows, uint16_t *cols);

typedef struct runtime_shim_opts_s {
    const char *id;        /* runc container id */
    const char *bundle;    /* dir with config.json */
    const char *state_dir; /* this container's state dir (created; must not exist yet) */
    const char *runc;      /* runc binary (default "runc", found on PATH) */
    const char *runc_root; /* runc --root (NULL: runc's default) */
    const char *log_path;  /* CRI log file */
    size_t log_max_bytes;  /* rotate when the file grows past this (0: 10 MiB) */
    int log_max_files;     /* files kept, the live one included (0: 5) */
    runtime_stdin_t stdin_mode;
} runtime_shim_opts_t;

/* `c8s shim`: starts the detached shim and returns once the container runs (0) or failed to
 * start (negative, err says why, from runc's log when runc refused). The caller's process exits
 * right after; the shim lives on in its own session. */
int runtime_shim_launch(const runtime_shim_opts_t *o, c8s_err_t *err);

/* Formats one CRI log record: "<RFC 3339 ns> <stream> <F|P> <text>\n" (text without its newline).
 * ts_ns is wall-clock ns since the epoch. Returns an owned string. Pure. */
char *runtime_cri_log_record(int64_t ts_ns, const char *stream, bool partial, const char *text,
                             size_t len);

/* ---- the runtime module (on a libuv loop) ---- */

typedef struct runtime_s runtime_t;

typedef struct runtime_config_s {
    const char *runc;       /* default "runc" */
    const char *runc_root;  /* runc --root; NULL: runc's default */
    const char *state_root; /* holds one dir per container */
    const char *shim_bin;   /* the c8s binary (default /proc/self/exe) */
    size_t log_max_bytes;   /* passed to each shim (0: 10 MiB) */
    int log_max_files;      /* (0: 5) */
} runtime_config_t;

/* Strings in cfg are copied. */
runtime_t *runtime_new(uv_loop_t *loop, const runtime_config_t *cfg);
/* Frees the module; call only when every operation has called back. Containers and shims live
 * on (a new runtime_t adopts them with runtime_list). */
void runtime_free(runtime_t *rt);
/* Operations in flight. */
size_t runtime_pending(const runtime_t *rt);

/* Completion of an asynchronous operation: code 0 or negative with err (borrowed, valid during
 * the call only). */
typedef void (*runtime_cb)(int code, const c8s_err_t *err, void *data);

/* Creates and starts container id from bundle (config.json written by the caller) under a new
 * shim that logs to log_path. Calls back once it runs or failed to; an id whose state dir exists
 * (running, or exited and not yet removed) fails: a restart uses a new id. Returns 0 when started
 * asynchronously, negative (and no callback) when the request is malformed. */
int runtime_start(runtime_t *rt, const char *id, const char *bundle, const char *log_path,
                  runtime_cb cb, void *data, c8s_err_t *err);
/* runtime_start with the container's stdin a pipe its shim keeps for attach clients (spec.stdin,
 * spec.stdinOnce). */
int runtime_start_stdin(runtime_t *rt, const char *id, const char *bundle, const char *log_path,
                        runtime_stdin_t stdin_mode, runtime_cb cb, void *data, c8s_err_t *err);

/* SIGTERM to the container's init, SIGKILL after grace_ms if it has not exited; calls back when
 * the shim has recorded the exit (or with C8S_ETIMEOUT if it has not 10 s after the SIGKILL). A
 * container already exited calls back with 0 at once (on the next loop turn). A container whose
 * shim died before recording an exit (state "unknown") calls back with C8S_EUNAVAILABLE: its end
 * cannot be observed; runtime_remove kills and deletes it. */
int runtime_stop(runtime_t *rt, const char *id, uint64_t grace_ms, runtime_cb cb, void *data,
                 c8s_err_t *err);

/* Removes an exited container: `runc delete --force` (in case the shim died before doing it),
 * waits for the shim to be gone, removes the state dir. The log file is the caller's to keep or
 * remove. Refuses (C8S_ECONFLICT) a container whose shim reports it running. */
int runtime_remove(runtime_t *rt, const char *id, runtime_cb cb, void *data, c8s_err_t *err);

/* Reads one container's status now (state file and shim liveness; "runc" is null here).
 * *out is a new object (owned). C8S_ENOTFOUND when there is no state dir. */
int runtime_status(runtime_t *rt, const char *id, json_t **out, c8s_err_t *err);

/* All containers known to runc (under runc_root) or with a state dir: a JSON array of statuses
 * (borrowed by the callback; incref to keep), after `runc list`. Used on start to adopt what
 * runs and learn how the others ended. */
typedef void (*runtime_list_cb)(int code, const c8s_err_t *err, json_t *list, void *data);
int runtime_list(runtime_t *rt, runtime_list_cb cb, void *data, c8s_err_t *err);

/* Creates a pod's IPC and UTS namespaces, kept alive by bind mounts on <dir>/ipc and <dir>/uts
 * (dir must exist), with the pod's hostname set in the UTS one; the containers of the pod join
 * them by path (ocispec_node_t.ipcns_path/utsns_path). Runs util-linux's `unshare --ipc=…
 * --uts=… hostname NAME`. */
int runtime_pod_ns_create(runtime_t *rt, const char *dir, const char *hostname, runtime_cb cb,
                          void *data, c8s_err_t *err);
/* Unmounts and removes <dir>/ipc and <dir>/uts; missing ones are fine. */
int runtime_pod_ns_remove(const char *dir, c8s_err_t *err);

/* Creates a pod's cgroup (path as ocispec_pod_cgroup gives it) and sets its limits: cpu.shares,
 * cfs quota/period, memory limit and pids.max on v1; cpu.weight (from the shares, as runc
 * converts), cpu.max, memory.max and pids.max on v2, with the controllers enabled down the
 * path. pids_limit 0 means none. Small synchronous writes to cgroupfs. */
int runtime_pod_cgroup_apply(const char *path, const ocispec_pod_resources_t *r, int64_t pids_limit,
                             c8s_err_t *err);

/* Removes a pod's cgroup (path as ocispec_pod_cgroup gives it) in every hierarchy (v1) or the
 * unified one (v2) once its containers are gone; missing dirs are fine. Returns C8S_ECONFLICT
 * when a dir is still busy. */
int runtime_cgroup_remove(const char *path, c8s_err_t *err);

/* The cgroup version of this machine (1 or 2) from /sys/fs/cgroup. */
int runtime_cgroup_version(void);

#endif
