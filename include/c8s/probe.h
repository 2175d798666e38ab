/*
 * probe.h — the pure core of the kubelet's container probes: a probe's settings with upstream's
 * defaults, the result → state transitions with success/failure thresholds, startup gating, the
 * httpGet target (port by number or name, host defaulting to the pod IP, 200–399 = success) and
 * the gRPC health-check wire format (grpc.health.v1.Health/Check). No I/O: the kubelet runs the
 * probes and feeds their outcomes here. Inputs (pod specs, response bodies) are untrusted.
 */
#ifndef C8S_PROBE_H
#define C8S_PROBE_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { PROBE_LIVENESS, PROBE_READINESS, PROBE_STARTUP } probe_kind_t;

typedef enum { PROBE_UNKNOWN, PROBE_SUCCESS, PROBE_FAILURE } probe_result_t;

typedef enum {
    PROBE_HANDLER_NONE,
    PROBE_HANDLER_EXEC,
    PROBE_HANDLER_HTTP,
    PROBE_HANDLER_TCP,
    PROBE_HANDLER_GRPC,
} probe_handler_t;

/* A probe's settings; all fields copied, nothing borrowed from the JSON. */
typedef struct {
    probe_kind_t kind;
    probe_handler_t handler;
    uint64_t initial_delay_ms, period_ms, timeout_ms;
    int success_threshold, failure_threshold;
    int64_t grace_s; /* the probe's terminationGracePeriodSeconds, -1 when unset */
} probe_spec_t;

/* Fills out from a container's probe object (borrowed) with upstream's defaults (period 10 s,
 * timeout 1 s, thresholds 1 and 3, no initial delay). Liveness and startup probes use a success
 * threshold of 1 whatever the spec says, as validation insists upstream. Returns 0, or
 * C8S_EINVALID when the probe has no handler or more than one. */
int probe_spec_parse(const json_t *probe, probe_kind_t kind, probe_spec_t *out, c8s_err_t *err);

/* The reported result of one probe of one container and the run of equal observations. */
typedef struct {
    probe_result_t result;
    probe_result_t last;
    int run;
} probe_state_t;

/* Upstream's initial results: readiness Failure (not ready until proven), liveness Success
 * (alive until proven dead), startup Unknown. */
void probe_state_init(probe_state_t *s, probe_kind_t kind);

typedef enum {
    PROBE_ACT_NONE,
    PROBE_ACT_CHANGED, /* the reported result changed */
    PROBE_ACT_KILL, /* liveness or startup failed failureThreshold times: restart the container */
} probe_action_t;

/* Feeds one observation. An observation changes the reported result only after successThreshold
 * equal successes or failureThreshold equal failures in a row; Unknown (the probe could not run)
 * changes nothing. After a KILL the state starts over as for a new container. */
probe_action_t probe_observe(probe_state_t *s, const probe_spec_t *spec, probe_result_t r);

/* Whether the probe is due at now_ms for a container started at started_ms whose startup probe
 * (if any) has succeeded (startup_done): liveness and readiness are suspended until then, and no
 * probe runs before initialDelaySeconds. last_ms is when it last ran, 0 never. */
bool probe_due(const probe_spec_t *spec, uint64_t started_ms, bool startup_done, uint64_t last_ms,
               uint64_t now_ms);

/* The TCP port of an httpGet/tcpSocket/grpc port value (borrowed): a number, a numeric string,
 * or a name looked up in the container's (borrowed) ports. Returns 0 or C8S_EINVALID. */
int probe_resolve_port(const json_t *port, const json_t *container, int *out, c8s_err_t *err);

/* The URL of an httpGet probe or hook (action borrowed): scheme HTTP or HTTPS, host defaulting
 * to pod_ip, path defaulting to "/". *url is owned by the caller. Returns 0 or C8S_EINVALID. */
int probe_http_url(const json_t *action, const json_t *container, const char *pod_ip, char **url,
                   c8s_err_t *err);

/* Upstream counts 200–399 as success (redirects it did not follow included). */
bool probe_http_status_ok(long status);

/* The length-prefixed gRPC message of a HealthCheckRequest{service} (service may be NULL or "").
 * *out is owned by the caller. */
void probe_grpc_request(const char *service, unsigned char **out, size_t *len);

/* Parses a gRPC response body holding one HealthCheckResponse: *status gets its ServingStatus
 * (1 = SERVING). Returns 0 or C8S_EBADREQUEST for a malformed or compressed body. */
int probe_grpc_parse_response(const void *body, size_t len, int *status, c8s_err_t *err);

#define PROBE_GRPC_SERVING 1

/* ---- running network probes (probe_net.c) ---- */

#include <uv.h>

/* Called on the loop with the outcome and a message (borrowed, for logs and events). */
typedef void (*probe_done_cb)(probe_result_t r, const char *msg, void *data);

/* Runs one httpGet, tcpSocket or grpc probe (probe and container borrowed, copied before return)
 * on libuv's thread pool against pod_ip, bounded by spec->timeout_ms, so a slow probe holds no
 * other; cb runs on loop exactly once when 0 is returned. httpGet: HTTPS unverified as upstream,
 * httpHeaders sent, redirects followed (at most 10), 200–399 = success. grpc: one
 * grpc.health.v1.Health/Check over HTTP/2 cleartext to pod_ip:port, SERVING = success. Returns
 * 0, or C8S_EINVALID for a probe that cannot be run (bad port, no host; cb not called). */
int probe_net_run(uv_loop_t *loop, const json_t *probe, const probe_spec_t *spec,
                  const json_t *container, const char *pod_ip, probe_done_cb cb, void *data,
                  c8s_err_t *err);

#endif
