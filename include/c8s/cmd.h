/* cmd.h — the subcommands' entry points (thin front ends; the work is in the rooms). */
#ifndef C8S_CMD_H
#define C8S_CMD_H

/* `c8s server`: runs the server roles until SIGTERM/SIGINT. Returns the exit code. */
int cmd_server(int argc, char **argv);
/* `c8s image`: pull, import, ls, rm, inspect and gc on the node's image store. */
int cmd_image(int argc, char **argv);

#endif
