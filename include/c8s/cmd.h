/* cmd.h — the subcommands' entry points (thin front ends; the work is in the rooms). */
#ifndef C8S_CMD_H
#define C8S_CMD_H

/* `c8s server`: runs the server roles until SIGTERM/SIGINT. Returns the exit code. */
int cmd_server(int argc, char **argv);
/* `c8s proxy --cleanup`: removes the proxy role's iptables rules. */
int cmd_proxy(int argc, char **argv);

/* `c8s shim`: starts one container's detached shim (include/c8s/runtime.h). Returns the exit
 * code: 0 once the container runs. */
int cmd_shim(int argc, char **argv);

/* `c8s image`: pull, import, ls, rm, inspect and gc on the node's image store. */
int cmd_image(int argc, char **argv);

#endif
