/*
 * notify.h — systemd's readiness protocol (sd_notify) without libsystemd: one datagram to the
 * socket named by $NOTIFY_SOCKET, so `Type=notify` units know when the daemon is up.
 */
#ifndef C8S_NOTIFY_H
#define C8S_NOTIFY_H

#include "c8s/base.h"

/* Sends state ("READY=1", "STOPPING=1", "STATUS=...") to $NOTIFY_SOCKET (a path, or an abstract
 * socket when it starts with '@'). Returns 1 when sent, 0 when not run by systemd (no
 * $NOTIFY_SOCKET), or C8S_ESYS with a message. */
int notify_systemd(const char *state, c8s_err_t *err);

#endif
