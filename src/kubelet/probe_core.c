/* probe_core.c — the pure part of container probes (see include/c8s/probe.h). */
#include "c8s/probe.h"
#include "c8s/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int64_t pos_int(const json_t *probe, const char *key, int64_t def)
{
    json_t *v = json_object_get(probe, key);
    return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : def;
}

int probe_spec_parse(const json_t *probe, probe_kind_t kind, probe_spec_t *out, c8s_err_t *err)
{
    static const struct {
        const char *key;
        probe_handler_t h;
    } handlers[] = {{"exec", PROBE_HANDLER_EXEC},
                    {"httpGet", PROBE_HANDLER_HTTP},
                    {"tcpSocket", PROBE_HANDLER_TCP},
                    {"grpc", PROBE_HANDLER_GRPC}};
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (!json_is_object(probe))
        return c8s_err_set(err, C8S_EINVALID, "probe must be an object");
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        if (!json_is_object(json_object_get(probe, handlers[i].key)))
            continue;
        if (out->handler != PROBE_HANDLER_NONE)
            return c8s_err_set(err, C8S_EINVALID, "probe may not specify more than 1 handler type");
        out->handler = handlers[i].h;
    }
    if (out->handler == PROBE_HANDLER_NONE)
        return c8s_err_set(err, C8S_EINVALID, "probe must specify a handler type");
    /* Upstream lets a zero initialDelaySeconds stand and defaults only the others. */
    out->initial_delay_ms = (uint64_t)pos_int(probe, "initialDelaySeconds", 0) * 1000;
    out->period_ms = (uint64_t)pos_int(probe, "periodSeconds", 10) * 1000;
    out->timeout_ms = (uint64_t)pos_int(probe, "timeoutSeconds", 1) * 1000;
    out->success_threshold =
        kind == PROBE_READINESS ? (int)pos_int(probe, "successThreshold", 1) : 1;
    out->failure_threshold = (int)pos_int(probe, "failureThreshold", 3);
    json_t *g = json_object_get(probe, "terminationGracePeriodSeconds");
    out->grace_s = json_is_integer(g) && json_integer_value(g) >= 0 ? json_integer_value(g) : -1;
    return 0;
}

void probe_state_init(probe_state_t *s, probe_kind_t kind)
{
    s->result = kind == PROBE_READINESS  ? PROBE_FAILURE
                : kind == PROBE_LIVENESS ? PROBE_SUCCESS
                                         : PROBE_UNKNOWN;
    s->last = PROBE_UNKNOWN;
    s->run = 0;
}

probe_action_t probe_observe(probe_state_t *s, const probe_spec_t *spec, probe_result_t r)
{
    if (r == PROBE_UNKNOWN)
        return PROBE_ACT_NONE;
    s->run = s->last == r ? s->run + 1 : 1;
    s->last = r;
    int need = r == PROBE_SUCCESS ? spec->success_threshold : spec->failure_threshold;
    if (s->run < need)
        return PROBE_ACT_NONE;
    if (r == PROBE_FAILURE && spec->kind != PROBE_READINESS) {
        /* The container is killed; its successor is probed from scratch. */
        probe_state_init(s, spec->kind);
        return PROBE_ACT_KILL;
    }
    if (s->result == r)
        return PROBE_ACT_NONE;
    s->result = r;
    return PROBE_ACT_CHANGED;
}

bool probe_due(const probe_spec_t *spec, uint64_t started_ms, bool startup_done, uint64_t last_ms,
               uint64_t now_ms)
{
    if (spec->kind == PROBE_STARTUP ? startup_done : !startup_done)
        return false;
    if (now_ms < started_ms + spec->initial_delay_ms)
        return false;
    return last_ms == 0 || now_ms >= last_ms + spec->period_ms;
}

int probe_resolve_port(const json_t *port, const json_t *container, int *out, c8s_err_t *err)
{
    long v = -1;
    if (json_is_integer(port)) {
        v = (long)json_integer_value(port);
    } else if (json_is_string(port) && json_string_length(port) > 0) {
        const char *s = json_string_value(port);
        char *end;
        errno = 0;
        long n = strtol(s, &end, 10);
        if (*end == '\0' && errno == 0) {
            v = n;
        } else {
            json_t *p;
            size_t i;
            json_array_foreach(json_object_get(container, "ports"), i, p)
            {
                const char *name = json_string_value(json_object_get(p, "name"));
                json_t *cp = json_object_get(p, "containerPort");
                if (name && strcmp(name, s) == 0 && json_is_integer(cp)) {
                    v = (long)json_integer_value(cp);
                    break;
                }
            }
            if (v < 0)
                return c8s_err_set(err, C8S_EINVALID, "couldn't find port: %s", s);
        }
    } else {
        return c8s_err_set(err, C8S_EINVALID, "probe port must be a number or a name");
    }
    if (v < 1 || v > 65535)
        return c8s_err_set(err, C8S_EINVALID, "invalid port number: %ld", v);
    *out = (int)v;
    return 0;
}

int probe_http_url(const json_t *action, const json_t *container, const char *pod_ip, char **url,
                   c8s_err_t *err)
{
    const char *scheme = json_string_value(json_object_get(action, "scheme"));
    if (!scheme || !*scheme)
        scheme = "HTTP";
    if (strcmp(scheme, "HTTP") != 0 && strcmp(scheme, "HTTPS") != 0)
        return c8s_err_set(err, C8S_EINVALID, "unsupported scheme: %s", scheme);
    const char *host = json_string_value(json_object_get(action, "host"));
    if (!host || !*host)
        host = pod_ip;
    if (!host || !*host)
        return c8s_err_set(err, C8S_EINVALID, "no host and no pod IP to probe");
    int port;
    if (probe_resolve_port(json_object_get(action, "port"), container, &port, err) != 0)
        return err->code;
    const char *path = json_string_value(json_object_get(action, "path"));
    if (!path)
        path = "";
    bool v6 = strchr(host, ':') != NULL;
    *url = xasprintf("%s://%s%s%s:%d%s%s", scheme[4] ? "https" : "http", v6 ? "[" : "", host,
                     v6 ? "]" : "", port, path[0] == '/' ? "" : "/", path);
    return 0;
}

bool probe_http_status_ok(long status)
{
    return status >= 200 && status < 400;
}

void probe_grpc_request(const char *service, unsigned char **out, size_t *len)
{
    size_t n = service ? strlen(service) : 0;
    /* Field 1 (string): tag 0x0a, varint length, bytes; proto3 omits the empty string. */
    unsigned char varint[10];
    size_t vn = 0;
    for (size_t v = n; vn == 0 || v; v >>= 7)
        varint[vn++] = (unsigned char)((v & 0x7f) | (v >> 7 ? 0x80 : 0));
    size_t msg = n ? 1 + vn + n : 0;
    unsigned char *b = xmalloc(5 + msg);
    b[0] = 0; /* not compressed */
    b[1] = (unsigned char)(msg >> 24);
    b[2] = (unsigned char)(msg >> 16);
    b[3] = (unsigned char)(msg >> 8);
    b[4] = (unsigned char)msg;
    if (n) {
        b[5] = 0x0a;
        memcpy(b + 6, varint, vn);
        memcpy(b + 6 + vn, service, n);
    }
    *out = b;
    *len = 5 + msg;
}

static int varint(const unsigned char *b, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= len)
            return -1;
        unsigned char c = b[(*pos)++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

int probe_grpc_parse_response(const void *body, size_t len, int *status, c8s_err_t *err)
{
    const unsigned char *b = body;
    if (len < 5)
        return c8s_err_set(err, C8S_EBADREQUEST, "gRPC response shorter than its prefix");
    if (b[0] != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "compressed gRPC response");
    size_t msg = (size_t)b[1] << 24 | (size_t)b[2] << 16 | (size_t)b[3] << 8 | b[4];
    if (msg > len - 5)
        return c8s_err_set(err, C8S_EBADREQUEST, "truncated gRPC response");
    const unsigned char *m = b + 5;
    size_t pos = 0;
    uint64_t st = 0; /* proto3: an absent status is UNKNOWN (0) */
    while (pos < msg) {
        uint64_t key, v;
        if (varint(m, msg, &pos, &key) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST, "malformed HealthCheckResponse");
        switch (key & 7) {
        case 0:
            if (varint(m, msg, &pos, &v) != 0)
                return c8s_err_set(err, C8S_EBADREQUEST, "malformed HealthCheckResponse");
            if (key >> 3 == 1)
                st = v;
            break;
        case 1:
            if (msg - pos < 8)
                return c8s_err_set(err, C8S_EBADREQUEST, "malformed HealthCheckResponse");
            pos += 8;
            break;
        case 2:
            if (varint(m, msg, &pos, &v) != 0 || v > msg - pos)
                return c8s_err_set(err, C8S_EBADREQUEST, "malformed HealthCheckResponse");
            pos += (size_t)v;
            break;
        case 5:
            if (msg - pos < 4)
                return c8s_err_set(err, C8S_EBADREQUEST, "malformed HealthCheckResponse");
            pos += 4;
            break;
        default:
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "unsupported wire type in HealthCheckResponse");
        }
    }
    *status = st > 0x7fffffff ? -1 : (int)st;
    return 0;
}
