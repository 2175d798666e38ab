/*
 * server_routes.c — the kubelet's own handlers on its HTTPS port: /containerLogs (server_log*.c),
 * /exec, /attach (server_exec.c), /portForward (server_portforward.c). Other rooms register theirs
 * (/stats/summary, /metrics/…) through kubelet_server_route.
 */
#include "kubelet_int.h"

int kserver_routes(kubelet_t *k, c8s_err_t *err)
{
    if (kserver_logs_route(k, err) != 0)
        return err->code;
    if (kserver_exec_route(k, err) != 0)
        return err->code;
    return kserver_portforward_route(k, err);
}
