/*
 * alloc.c — ClusterIPs from the service CIDR and NodePorts from their range, each held by its own
 * etcd key (`<prefix>/ipaddresses/<ip>`, `<prefix>/servicenodeports/<port>`) created with
 * create-if-absent, in the spirit of upstream's IPAddress objects: two creates racing for one
 * address, on one server or several, cannot both win. A service's keys are released when it is
 * deleted or when its create fails.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#define MAX_TRIES 64

typedef struct {
    api_req_t *r;
    void (*done)(api_req_t *r, int code, c8s_err_t *err);
    bool want_ip;
    char ip[INET_ADDRSTRLEN];
    bool ip_fixed;
    size_t port_index; /* next spec.ports entry to give a nodePort */
    bool port_fixed;
    int port;
    int tries;
} alloc_t;

static uint32_t rnd32(void)
{
    uint32_t v;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        v = (uint32_t)rand();
    return v;
}

int apiserver__alloc_init(apiserver_t *s, c8s_err_t *err)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", s->cfg.service_cidr);
    char *slash = strchr(buf, '/');
    if (!slash)
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid --service-cidr %s", s->cfg.service_cidr);
    *slash = '\0';
    int bits = atoi(slash + 1);
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1 || bits < 8 || bits > 30)
        return c8s_err_set(err, C8S_EBADREQUEST, "invalid --service-cidr %s (IPv4, /8 to /30)",
                           s->cfg.service_cidr);
    s->svc_size = 1u << (32 - bits);
    s->svc_base = ntohl(a.s_addr) & ~(s->svc_size - 1);
    return 0;
}

static void ip_string(uint32_t ip, char *out)
{
    struct in_addr a = {.s_addr = htonl(ip)};
    inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

char *apiserver__service_ip_key(apiserver_t *s, const char *ip)
{
    return xasprintf("%s/ipaddresses/%s", s->etcd_prefix, ip);
}

static char *port_key(apiserver_t *s, int port)
{
    return xasprintf("%s/servicenodeports/%d", s->etcd_prefix, port);
}

static void step(alloc_t *a);

static void finish(alloc_t *a, int code, c8s_err_t *err)
{
    api_req_t *r = a->r;
    void (*done)(api_req_t *, int, c8s_err_t *) = a->done;
    free(a);
    done(r, code, err);
}

static void fail_invalid(alloc_t *a, const char *field, const char *msg)
{
    c8s_err_t err = C8S_ERR_INIT;
    c8s_err_add_cause(&err, "FieldValueInvalid", field, "%s", msg);
    c8s_err_set(&err, C8S_EINVALID, "Service \"%s\" is invalid: %s: Invalid value: %s",
                a->r->name ? a->r->name : "", field, msg);
    finish(a, err.code, &err);
    c8s_err_clear(&err);
}

static void remember(api_req_t *r, const char *key)
{
    if (!r->alloc)
        r->alloc = json_array();
    json_array_append_new(r->alloc, json_string(key));
}

static bool pick_ip(alloc_t *a)
{
    apiserver_t *s = a->r->srv;
    /* Upstream keeps the low band for addresses users ask for (10.96.0.1, 10.96.0.10, …) and
     * hands out the rest first. */
    uint32_t band = s->svc_size / 16;
    if (band < 16)
        band = 16;
    if (band > 256)
        band = 256;
    uint32_t usable = s->svc_size - 2;
    uint32_t lo = band < usable ? band : 1;
    uint32_t off = lo + rnd32() % (usable - lo + 1);
    ip_string(s->svc_base + off, a->ip);
    return true;
}

static void on_ip(const store_result_t *res, void *data)
{
    alloc_t *a = data;
    api_req_t *r = a->r;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        c8s_err_set(&err, res->code, "allocating a cluster IP: %s",
                    res->err ? res->err->msg : "etcd error");
        finish(a, err.code, &err);
        return c8s_err_clear(&err);
    }
    if (!res->succeeded) {
        if (a->ip_fixed) {
            char val[200];
            snprintf(val, sizeof(val),
                     "[]string{\"%s\"}: failed to allocate IP %s: provided IP is "
                     "already allocated",
                     a->ip, a->ip);
            return fail_invalid(a, "spec.clusterIPs", val);
        }
        if (++a->tries >= MAX_TRIES) {
            c8s_err_set(&err, C8S_EINTERNAL, "failed to allocate a serviceIP: range is full");
            finish(a, err.code, &err);
            return c8s_err_clear(&err);
        }
        pick_ip(a);
        cleanup_free char *key = apiserver__service_ip_key(r->srv, a->ip);
        cleanup_free char *val = xasprintf("{\"service\":\"%s/%s\"}", r->ns, r->name);
        store_create(r->srv->store, key, val, strlen(val), 0, on_ip, a);
        return;
    }
    cleanup_free char *key = apiserver__service_ip_key(r->srv, a->ip);
    remember(r, key);
    json_t *spec = json_object_get(r->obj, "spec");
    json_object_set_new(spec, "clusterIP", json_string(a->ip));
    json_object_set_new(spec, "clusterIPs", json_pack("[s]", a->ip));
    a->want_ip = false;
    a->tries = 0;
    step(a);
}

static void on_port(const store_result_t *res, void *data)
{
    alloc_t *a = data;
    api_req_t *r = a->r;
    apiserver_t *s = r->srv;
    c8s_err_t err = C8S_ERR_INIT;
    if (res->code != 0) {
        c8s_err_set(&err, res->code, "allocating a node port: %s",
                    res->err ? res->err->msg : "etcd error");
        finish(a, err.code, &err);
        return c8s_err_clear(&err);
    }
    if (!res->succeeded) {
        if (a->port_fixed) {
            char field[64], val[96];
            snprintf(field, sizeof(field), "spec.ports[%zu].nodePort", a->port_index);
            snprintf(val, sizeof(val), "%d: provided port is already allocated", a->port);
            return fail_invalid(a, field, val);
        }
        if (++a->tries >= MAX_TRIES) {
            c8s_err_set(&err, C8S_EINTERNAL, "failed to allocate a nodePort: range is full");
            finish(a, err.code, &err);
            return c8s_err_clear(&err);
        }
        int span = s->cfg.node_port_max - s->cfg.node_port_min + 1;
        a->port = s->cfg.node_port_min + (int)(rnd32() % (uint32_t)span);
        cleanup_free char *key = port_key(s, a->port);
        cleanup_free char *val = xasprintf("{\"service\":\"%s/%s\"}", r->ns, r->name);
        store_create(s->store, key, val, strlen(val), 0, on_port, a);
        return;
    }
    cleanup_free char *key = port_key(s, a->port);
    remember(r, key);
    json_t *port =
        json_array_get(json_object_get(json_object_get(r->obj, "spec"), "ports"), a->port_index);
    json_object_set_new(port, "nodePort", json_integer(a->port));
    a->port_index++;
    a->tries = 0;
    step(a);
}

static void step(alloc_t *a)
{
    api_req_t *r = a->r;
    apiserver_t *s = r->srv;
    json_t *spec = json_object_get(r->obj, "spec");
    if (a->want_ip) {
        const char *ip = json_string_value(json_object_get(spec, "clusterIP"));
        if (ip && *ip) {
            struct in_addr in;
            if (inet_pton(AF_INET, ip, &in) != 1) {
                char msg[160];
                snprintf(msg, sizeof(msg), "\"%.64s\": must be a valid IP address", ip);
                return fail_invalid(a, "spec.clusterIPs[0]", msg);
            }
            uint32_t v = ntohl(in.s_addr);
            if (v <= s->svc_base || v >= s->svc_base + s->svc_size - 1) {
                char msg[160];
                snprintf(msg, sizeof(msg),
                         "[]string{\"%s\"}: failed to allocate IP %s: provided IP is not in the "
                         "valid range. The range of valid IPs is %s",
                         ip, ip, s->cfg.service_cidr);
                return fail_invalid(a, "spec.clusterIPs", msg);
            }
            snprintf(a->ip, sizeof(a->ip), "%s", ip);
            a->ip_fixed = true;
        } else {
            pick_ip(a);
        }
        cleanup_free char *key = apiserver__service_ip_key(s, a->ip);
        cleanup_free char *val = xasprintf("{\"service\":\"%s/%s\"}", r->ns, r->name);
        store_create(s->store, key, val, strlen(val), 0, on_ip, a);
        return;
    }
    const char *type = json_string_value(json_object_get(spec, "type"));
    bool node_ports = type && (strcmp(type, "NodePort") == 0 || strcmp(type, "LoadBalancer") == 0);
    json_t *ports = json_object_get(spec, "ports");
    if (node_ports && a->port_index < json_array_size(ports)) {
        json_t *p = json_array_get(ports, a->port_index);
        json_t *np = json_object_get(p, "nodePort");
        if (json_is_integer(np) && json_integer_value(np) != 0) {
            a->port = (int)json_integer_value(np);
            a->port_fixed = true;
            if (a->port < s->cfg.node_port_min || a->port > s->cfg.node_port_max) {
                char field[64], msg[160];
                snprintf(field, sizeof(field), "spec.ports[%zu].nodePort", a->port_index);
                snprintf(msg, sizeof(msg),
                         "%d: provided port is not in the valid range. The range of valid ports "
                         "is %d-%d",
                         a->port, s->cfg.node_port_min, s->cfg.node_port_max);
                return fail_invalid(a, field, msg);
            }
        } else {
            a->port_fixed = false;
            int span = s->cfg.node_port_max - s->cfg.node_port_min + 1;
            a->port = s->cfg.node_port_min + (int)(rnd32() % (uint32_t)span);
        }
        cleanup_free char *key = port_key(s, a->port);
        cleanup_free char *val = xasprintf("{\"service\":\"%s/%s\"}", r->ns, r->name);
        store_create(s->store, key, val, strlen(val), 0, on_port, a);
        return;
    }
    finish(a, 0, NULL);
}

void apiserver__alloc_service(api_req_t *r, void (*done)(api_req_t *r, int code, c8s_err_t *err))
{
    alloc_t *a = xcalloc(1, sizeof(*a));
    a->r = r;
    a->done = done;
    json_t *spec = json_object_get(r->obj, "spec");
    const char *type = json_string_value(json_object_get(spec, "type"));
    const char *ip = json_string_value(json_object_get(spec, "clusterIP"));
    a->want_ip = !(type && strcmp(type, "ExternalName") == 0) && !(ip && strcmp(ip, "None") == 0);
    if (ip && strcmp(ip, "None") == 0)
        json_object_set_new(spec, "clusterIPs", json_pack("[s]", "None"));
    if (r->dry_run && a->want_ip && !(ip && *ip)) {
        /* A dry run shows no address it did not really reserve. */
        a->want_ip = false;
    }
    step(a);
}

static void on_released(const store_result_t *res, void *data)
{
    if (res->code != 0)
        log_warn("apiserver", "releasing a service allocation: %s",
                 res->err ? res->err->msg : "etcd error");
}

void apiserver__alloc_release(apiserver_t *s, json_t *keys)
{
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) store_delete(s->store, json_string_value(k), 0, on_released, s);
}

void apiserver__alloc_release_service(apiserver_t *s, const json_t *svc)
{
    json_t *spec = json_object_get(svc, "spec");
    json_t *ips = json_object_get(spec, "clusterIPs");
    size_t i;
    json_t *v;
    json_array_foreach(ips, i, v)
    {
        const char *ip = json_string_value(v);
        if (ip && strcmp(ip, "None") != 0) {
            cleanup_free char *key = apiserver__service_ip_key(s, ip);
            store_delete(s->store, key, 0, on_released, s);
        }
    }
    json_array_foreach(json_object_get(spec, "ports"), i, v)
    {
        json_t *np = json_object_get(v, "nodePort");
        if (json_is_integer(np) && json_integer_value(np) > 0) {
            cleanup_free char *key = port_key(s, (int)json_integer_value(np));
            store_delete(s->store, key, 0, on_released, s);
        }
    }
}
