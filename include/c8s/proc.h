/*
 * proc.h — a child process from a libuv loop without blocking it: uv_spawn, optional bytes on
 * its stdin, its stdout and stderr gathered, one callback once it has exited and both pipes are
 * drained. For the helpers c8s drives (iptables-restore, CNI plugins, runc, ip).
 */
#ifndef C8S_PROC_H
#define C8S_PROC_H

#include "c8s/base.h"

#include <uv.h>

typedef struct proc_result_s {
    int status;      /* exit code; 128 + signal when killed; 127 when it could not be started */
    const char *out; /* stdout, NUL-terminated (borrowed for the callback) */
    const char *err; /* stderr, or why it could not start (borrowed for the callback) */
    size_t out_len;
} proc_result_t;

typedef void (*proc_cb)(const proc_result_t *r, void *data);

/* Runs argv[0] (looked up in PATH) with argv; env NULL inherits c8s's environment, otherwise a
 * NULL-terminated "K=V" list replaces it. input (len bytes, copied) goes to its stdin, which is
 * then closed. cb runs on loop exactly once. Arguments are copied by uv_spawn before return. */
void proc_run(uv_loop_t *loop, const char *const argv[], const char *const env[], const char *input,
              size_t len, proc_cb cb, void *data);

/* The same, waiting for the end on a private loop: for start-up and command-line paths that are
 * not on a loop. r's strings are owned by the caller afterwards (free r->out and r->err). */
int proc_run_sync(const char *const argv[], const char *const env[], const char *input, size_t len,
                  proc_result_t *r);

#endif
