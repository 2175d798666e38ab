/*
 * cni.c — the CNI plugin protocol (the spec's conflist execution): config JSON built by pure
 * functions, plugins run one after another through proc.h with the CNI_* environment, the final
 * ADD result cached under the state dir for DEL. See cni.h.
 */
#include "c8s/cni.h"
#include "c8s/proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define CNI_VERSION "1.0.0"
#define NET_NAME    "c8s"

static const char *plugin_dir(const cni_config_t *c)
{
    return c->plugin_dir && *c->plugin_dir ? c->plugin_dir : "/usr/lib/cni";
}

json_t *cni_conflist(const cni_config_t *c, c8s_err_t *err)
{
    char net[64];
    unsigned bits;
    struct in_addr a;
    int end = 0;
    /* The whole text: fuzz_cni found a CIDR with trailing bytes (invalid UTF-8 among them)
     * accepted, and then no network list and no error. */
    if (!c->subnet || sscanf(c->subnet, "%63[^/]/%u%n", net, &bits, &end) != 2 ||
        c->subnet[end] != '\0' || bits > 30 || inet_pton(AF_INET, net, &a) != 1) {
        c8s_err_set(err, C8S_EINVALID, "pod CIDR \"%s\" is not an IPv4 CIDR",
                    c->subnet ? c->subnet : "");
        return NULL;
    }
    char gw[INET_ADDRSTRLEN];
    struct in_addr g = {.s_addr = htonl(ntohl(a.s_addr) + 1)};
    inet_ntop(AF_INET, &g, gw, sizeof(gw));
    cleanup_free char *ipam_dir = xasprintf("%s/ipam", c->state_dir);
    return json_pack(
        "{s:s, s:s, s:[{s:s, s:s, s:b, s:b, s:b, s:{s:s, s:[[{s:s, s:s}]], s:[{s:s}], s:s}}, "
        "{s:s, s:{s:b}, s:b}]}",
        "cniVersion", CNI_VERSION, "name", NET_NAME, "plugins", "type", "bridge", "bridge",
        c->bridge && *c->bridge ? c->bridge : "c8s0", "isGateway", 1, "ipMasq", !c->no_masquerade,
        "hairpinMode", 1, "ipam", "type", "host-local", "ranges", "subnet", c->subnet, "gateway",
        gw, "routes", "dst", "0.0.0.0/0", "dataDir", ipam_dir, "type", "portmap", "capabilities",
        "portMappings", 1, "snat", 1);
}

json_t *cni_plugin_stdin(const json_t *list, size_t i, const json_t *prev,
                         const json_t *port_mappings)
{
    json_t *p = json_deep_copy(json_array_get(json_object_get(list, "plugins"), i));
    if (!p)
        return NULL;
    json_object_set(p, "name", json_object_get(list, "name"));
    json_object_set(p, "cniVersion", json_object_get(list, "cniVersion"));
    if (prev)
        json_object_set(p, "prevResult", (json_t *)prev);
    json_t *caps = json_object_get(p, "capabilities");
    if (json_is_true(json_object_get(caps, "portMappings")) && port_mappings)
        json_object_set_new(p, "runtimeConfig",
                            json_pack("{s:O}", "portMappings", (json_t *)port_mappings));
    return p;
}

json_t *cni_port_mappings(const json_t *pod_spec)
{
    json_t *out = json_array();
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++) {
        size_t i, j;
        json_t *c, *port;
        json_array_foreach(json_object_get(pod_spec, lists[l]), i, c)
        {
            json_array_foreach(json_object_get(c, "ports"), j, port)
            {
                json_int_t hp = json_integer_value(json_object_get(port, "hostPort"));
                json_int_t cp = json_integer_value(json_object_get(port, "containerPort"));
                if (hp <= 0 || cp <= 0)
                    continue;
                const char *proto = json_string_value(json_object_get(port, "protocol"));
                char lp[8] = "tcp";
                if (proto) {
                    size_t k = 0;
                    for (; proto[k] && k + 1 < sizeof(lp); k++)
                        lp[k] =
                            (char)(proto[k] >= 'A' && proto[k] <= 'Z' ? proto[k] + 32 : proto[k]);
                    lp[k] = '\0';
                }
                json_t *m = json_pack("{s:I, s:I, s:s}", "hostPort", hp, "containerPort", cp,
                                      "protocol", lp);
                const char *hip = json_string_value(json_object_get(port, "hostIP"));
                if (hip && *hip)
                    json_object_set_new(m, "hostIP", json_string(hip));
                json_array_append_new(out, m);
            }
        }
    }
    return out;
}

bool cni_result_ip(const json_t *result, char *buf, size_t size)
{
    size_t i;
    json_t *ip;
    json_array_foreach(json_object_get(result, "ips"), i, ip)
    {
        const char *addr = json_string_value(json_object_get(ip, "address"));
        if (!addr || strchr(addr, ':'))
            continue;
        size_t n = strcspn(addr, "/");
        char text[INET_ADDRSTRLEN];
        struct in_addr a;
        /* What a plugin prints becomes status.podIP: only a well-formed IPv4 address (fuzz_cni
         * found "04.244.0.9/24" passed through as it was). */
        if (n >= sizeof(text))
            continue;
        memcpy(text, addr, n);
        text[n] = '\0';
        if (inet_pton(AF_INET, text, &a) != 1)
            continue;
        if (n + 1 > size)
            return false;
        memcpy(buf, text, n + 1);
        return true;
    }
    return false;
}

/* ---- running the chain ---- */

typedef struct {
    uv_loop_t *loop;
    bool add;
    json_t *list, *mappings, *prev;
    char *id, *netns, *args, *path, *cache, *plugin_dir;
    int step; /* -1: loopback; then the list's plugins (forward for ADD, reverse for DEL) */
    int nplugins;
    cni_cb cb;
    void *data;
} chain_t;

static void run_step(chain_t *ch);

static void chain_end(chain_t *ch, int rc, const char *err)
{
    ch->cb(rc, rc == 0 && ch->add ? ch->prev : NULL, err, ch->data);
    json_decref(ch->list);
    json_decref(ch->mappings);
    json_decref(ch->prev);
    free(ch->id);
    free(ch->netns);
    free(ch->args);
    free(ch->path);
    free(ch->cache);
    free(ch->plugin_dir);
    free(ch);
}

static int write_cache(const char *path, const json_t *result)
{
    cleanup_free char *tmp = xasprintf("%s.tmp", path);
    if (json_dump_file(result, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void on_plugin(const proc_result_t *r, void *data)
{
    chain_t *ch = data;
    if (r->status != 0) {
        /* A plugin's error is JSON {code, msg, details} on stdout. */
        cleanup_json json_t *e = json_loads(r->out, 0, NULL);
        const char *msg = json_string_value(json_object_get(e, "msg"));
        char buf[512];
        snprintf(buf, sizeof(buf), "CNI %s failed at step %d (exit %d): %s",
                 ch->add ? "ADD" : "DEL", ch->step, r->status,
                 msg ? msg : (*r->err ? r->err : r->out));
        if (ch->add) {
            chain_end(ch, C8S_ESYS, buf);
            return;
        }
        /* DEL goes on: every plugin gets its chance to release what it holds. */
        log_warn("cni", "%s", buf);
    } else if (ch->add && ch->step >= 0) {
        json_t *res = json_loads(r->out, 0, NULL);
        if (res) {
            json_decref(ch->prev);
            ch->prev = res;
        }
    }
    ch->step++;
    run_step(ch);
}

static void run_step(chain_t *ch)
{
    if (ch->step >= ch->nplugins) {
        if (ch->add) {
            /* DEL needs both: portmap finds its rules by the mappings, bridge its veth by the
             * result. */
            cleanup_json json_t *cache =
                ch->prev ? json_pack("{s:O, s:O}", "result", ch->prev, "portMappings", ch->mappings)
                         : NULL;
            if (!cache || write_cache(ch->cache, cache) != 0) {
                chain_end(ch, C8S_ESYS, "CNI ADD: no result to cache");
                return;
            }
        } else {
            unlink(ch->cache);
        }
        chain_end(ch, 0, NULL);
        return;
    }
    json_t *in;
    const char *type, *ifname;
    if (ch->step < 0) {
        in = json_pack("{s:s, s:s, s:s}", "cniVersion", CNI_VERSION, "name", "lo", "type",
                       "loopback");
        ifname = "lo";
    } else {
        size_t i = ch->add ? (size_t)ch->step : (size_t)(ch->nplugins - 1 - ch->step);
        in = cni_plugin_stdin(ch->list, i, ch->prev, ch->mappings);
        ifname = "eth0";
    }
    type = json_string_value(json_object_get(in, "type"));
    cleanup_free char *text = json_dumps(in, JSON_COMPACT);
    cleanup_free char *exe = xasprintf("%s/%s", ch->plugin_dir, type ? type : "missing");
    cleanup_free char *e_cmd = xasprintf("CNI_COMMAND=%s", ch->add ? "ADD" : "DEL");
    cleanup_free char *e_id = xasprintf("CNI_CONTAINERID=%s", ch->id);
    cleanup_free char *e_ns = xasprintf("CNI_NETNS=%s", ch->netns);
    cleanup_free char *e_if = xasprintf("CNI_IFNAME=%s", ifname);
    cleanup_free char *e_args = xasprintf("CNI_ARGS=%s", ch->args);
    cleanup_free char *e_path = xasprintf("CNI_PATH=%s", ch->plugin_dir);
    /* The plugins call iptables and ip themselves. */
    cleanup_free char *e_sys = xasprintf("PATH=%s", ch->path);
    const char *env[] = {e_cmd, e_id, e_ns, e_if, e_args, e_path, e_sys, NULL};
    const char *argv[] = {exe, NULL};
    proc_run(ch->loop, argv, env, text, strlen(text), on_plugin, ch);
    json_decref(in);
}

static chain_t *chain_new(uv_loop_t *loop, const cni_config_t *c, bool add, const char *id,
                          const char *netns, const char *pod_ns, const char *pod_name, cni_cb cb,
                          void *data, c8s_err_t *err)
{
    json_t *list = cni_conflist(c, err);
    if (!list)
        return NULL;
    cleanup_free char *dir = xasprintf("%s/results", c->state_dir);
    mkdir(c->state_dir, 0700);
    mkdir(dir, 0700);
    chain_t *ch = xcalloc(1, sizeof(*ch));
    ch->loop = loop;
    ch->add = add;
    ch->list = list;
    ch->nplugins = (int)json_array_size(json_object_get(list, "plugins"));
    ch->id = xstrdup(id);
    ch->netns = xstrdup(netns);
    ch->args = xasprintf("IgnoreUnknown=1;K8S_POD_NAMESPACE=%s;K8S_POD_NAME=%s;"
                         "K8S_POD_INFRA_CONTAINER_ID=%s",
                         pod_ns, pod_name, id);
    const char *path = getenv("PATH");
    ch->path = xstrdup(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    ch->cache = xasprintf("%s/%s.json", dir, id);
    ch->plugin_dir = xstrdup(plugin_dir(c));
    ch->step = -1;
    ch->cb = cb;
    ch->data = data;
    return ch;
}

void cni_add(uv_loop_t *loop, const cni_config_t *c, const char *id, const char *netns,
             const char *pod_ns, const char *pod_name, const json_t *port_mappings, cni_cb cb,
             void *data)
{
    c8s_err_t err = C8S_ERR_INIT;
    chain_t *ch = chain_new(loop, c, true, id, netns, pod_ns, pod_name, cb, data, &err);
    if (!ch) {
        cb(err.code, NULL, err.msg, data);
        return;
    }
    ch->mappings = port_mappings ? json_incref((json_t *)port_mappings) : json_array();
    run_step(ch);
}

void cni_del(uv_loop_t *loop, const cni_config_t *c, const char *id, const char *netns,
             const char *pod_ns, const char *pod_name, cni_cb cb, void *data)
{
    c8s_err_t err = C8S_ERR_INIT;
    chain_t *ch = chain_new(loop, c, false, id, netns, pod_ns, pod_name, cb, data, &err);
    if (!ch) {
        cb(err.code, NULL, err.msg, data);
        return;
    }
    /* The cached ADD result tells each plugin what it set up (portmap its rules, bridge its
     * veth); without one they still release what the container id names. */
    cleanup_json json_t *cache = json_load_file(ch->cache, 0, NULL);
    ch->prev = json_incref(json_object_get(cache, "result"));
    json_t *m = json_object_get(cache, "portMappings");
    ch->mappings = m ? json_incref(m) : json_array();
    /* DEL order: the list in reverse (the step counts from the end in run_step), loopback
     * last — harmless either way, as loopback's DEL does nothing. */
    run_step(ch);
}

typedef struct {
    char *path;
    cni_cb cb;
    void *data;
} netns_req_t;

static void on_unshared(const proc_result_t *r, void *data)
{
    netns_req_t *q = data;
    if (r->status != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "unshare --net=%s: %s", q->path, r->err);
        unlink(q->path);
        q->cb(C8S_ESYS, NULL, msg, q->data);
    } else {
        q->cb(0, NULL, NULL, q->data);
    }
    free(q->path);
    free(q);
}

void cni_netns_create(uv_loop_t *loop, const char *path, cni_cb cb, void *data)
{
    int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "creating %s: %s", path, strerror(errno));
        cb(C8S_ESYS, NULL, msg, data);
        return;
    }
    close(fd);
    netns_req_t *q = xcalloc(1, sizeof(*q));
    q->path = xstrdup(path);
    q->cb = cb;
    q->data = data;
    cleanup_free char *opt = xasprintf("--net=%s", path);
    const char *argv[] = {"unshare", opt, "true", NULL};
    proc_run(loop, argv, NULL, NULL, 0, on_unshared, q);
}

int cni_netns_remove(const char *path, c8s_err_t *err)
{
    if (c8s_unmount_all(path, err) != 0)
        return err->code;
    if (unlink(path) != 0 && errno != ENOENT)
        return c8s_err_set(err, C8S_ESYS, "removing %s: %s", path, strerror(errno));
    return 0;
}
