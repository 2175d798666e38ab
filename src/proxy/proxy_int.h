/* proxy_int.h — what the proxy's files share: running the iptables commands off the loop. */
#ifndef C8S_PROXY_INT_H
#define C8S_PROXY_INT_H

#include "c8s/proxy.h"

#include <uv.h>

typedef struct proxy_exec_s proxy_exec_t;
/* status: the exit code (128 + signal when killed; 127 when it could not be started, with the
 * reason in err_text). out_text and err_text are borrowed for the call. */
typedef void (*proxy_exec_cb)(int status, const char *out_text, const char *err_text, void *data);

/* Runs argv (argv[0] looked up in PATH) with payload on its stdin (copied); cb runs on loop
 * once the process has exited and its output is read. */
void proxy_exec(uv_loop_t *loop, char *const argv[], const char *payload, size_t len,
                proxy_exec_cb cb, void *data);

#endif
