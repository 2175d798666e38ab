/* cmd.h — the subcommands' entry points (thin front ends; the work is in the rooms). */
#ifndef C8S_CMD_H
#define C8S_CMD_H

#include "c8s/base.h"
#include <jansson.h>
#include <stddef.h>

/* `c8s server`: runs the server roles until SIGTERM/SIGINT. Returns the exit code. */
int cmd_server(int argc, char **argv);
/* `c8s agent`: join a cluster with a bootstrap token and run the node roles against it. */
int cmd_agent(int argc, char **argv);
/* `c8s proxy --cleanup`: removes the proxy role's iptables rules. */
int cmd_proxy(int argc, char **argv);

/* `c8s shim`: starts one container's detached shim (include/c8s/runtime.h). Returns the exit
 * code: 0 once the container runs. */
int cmd_shim(int argc, char **argv);

/* `c8s image`: pull, import, ls, rm, inspect and gc on the node's image store. */
int cmd_image(int argc, char **argv);

/* A config file's keys as flags: {"bind-address": "0.0.0.0", "disable-proxy": true,
 * "etcd-servers": ["http://a", "http://b"]} → --bind-address=0.0.0.0 --disable-proxy
 * --etcd-servers=http://a,http://b. false and null drop the flag. Pure. *out is a
 * NULL-terminated array of owned strings (free with cmd_args_free); *n counts them. Returns 0 or
 * C8S_EBADREQUEST when doc is not a mapping of scalars and scalar lists. */
int cmd_config_args(const json_t *doc, char ***out, size_t *n, c8s_err_t *err);
void cmd_args_free(char **args);

/* Expands `--config FILE` (or --config=FILE) in argv[1..]: the file's flags come first, then
 * the remaining command-line flags, so the command line wins (last value wins for getopt).
 * On success *argv_out is a new NULL-terminated array (owned; free with cmd_args_free) and
 * *argc_out its length; without --config they are copies of the input. */
int cmd_config_expand(int argc, char **argv, int *argc_out, char ***argv_out, c8s_err_t *err);

#endif
