/*
 * endpoints_core.c — the pure part of the Endpoints and EndpointSlice controllers: from a
 * Service and the pods it selects, the Endpoints subsets upstream would publish, and the
 * EndpointSlice creates, updates and deletes that bring the existing slices there. No I/O; JSON
 * in, JSON out; results sorted so that an unchanged world gives byte-identical objects (and so
 * no write).
 */
#include "internal.h"
#include "c8s/strbuf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_SERVICE_NAME "kubernetes.io/service-name"
#define LABEL_MANAGED_BY   "endpointslice.kubernetes.io/managed-by"
#define LABEL_HEADLESS     "service.kubernetes.io/headless"
#define MANAGER            "endpointslice-controller.k8s.io"
#define MIRROR_MANAGER     "endpointslicemirroring-controller.k8s.io"
#define LABEL_SKIP_MIRROR  "endpointslice.kubernetes.io/skip-mirror"
#define TRIGGER_ANNOTATION "endpoints.kubernetes.io/last-change-trigger-time"
#define OVER_CAPACITY      "endpoints.kubernetes.io/over-capacity"
#define MAX_ENDPOINTS      1000

static json_t *jget(const json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *meta_str(const json_t *o, const char *k)
{
    return jstr(jget(o, "metadata"), k);
}

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool controllers__svc_selects(const json_t *svc)
{
    json_t *spec = jget(svc, "spec");
    /* ExternalName services get no endpoints from the controllers (upstream issue 105986). */
    if (str_eq(jstr(spec, "type"), "ExternalName"))
        return false;
    return json_object_size(jget(spec, "selector")) > 0;
}

bool controllers__svc_selects_pod(const json_t *svc, const json_t *pod)
{
    if (!controllers__svc_selects(svc) ||
        !str_eq(meta_str(svc, "namespace"), meta_str(pod, "namespace")))
        return false;
    json_t *labels = jget(jget(pod, "metadata"), "labels");
    const char *k;
    json_t *v;
    json_object_foreach(jget(jget(svc, "spec"), "selector"), k, v)
    {
        if (!json_is_string(v) || !json_equal(v, jget(labels, k)))
            return false;
    }
    return true;
}

/* ---- pods ---- */

static bool is_ipv4(const char *ip)
{
    struct in_addr a;
    return ip && inet_pton(AF_INET, ip, &a) == 1;
}

static const char *pod_ipv4(const json_t *pod)
{
    json_t *st = jget(pod, "status");
    const char *ip = jstr(st, "podIP");
    if (is_ipv4(ip))
        return ip;
    size_t i;
    json_t *x;
    json_array_foreach(jget(st, "podIPs"), i, x) if (is_ipv4(jstr(x, "ip"))) return jstr(x, "ip");
    return NULL;
}

static bool pod_ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(jget(jget(pod, "status"), "conditions"), i, c)
    {
        if (str_eq(jstr(c, "type"), "Ready"))
            return str_eq(jstr(c, "status"), "True");
    }
    return false;
}

/* Upstream's ShouldPodBeInEndpoints: an IP, not finished, and (unless asked) not terminating. */
static bool pod_included(const json_t *pod, bool include_terminating)
{
    if (!pod_ipv4(pod))
        return false;
    if (!include_terminating && meta_str(pod, "deletionTimestamp"))
        return false;
    const char *phase = jstr(jget(pod, "status"), "phase");
    return !str_eq(phase, "Succeeded") && !str_eq(phase, "Failed");
}

static const char *protocol_of(const json_t *port)
{
    const char *p = jstr(port, "protocol");
    return p ? p : "TCP";
}

static long long port_in(const json_t *containers, const char *name, const char *proto,
                         bool sidecars_only)
{
    size_t i, j;
    json_t *c, *p;
    json_array_foreach(containers, i, c)
    {
        if (sidecars_only && !str_eq(jstr(c, "restartPolicy"), "Always"))
            continue;
        json_array_foreach(jget(c, "ports"), j, p)
        {
            if (str_eq(jstr(p, "name"), name) && strcmp(protocol_of(p), proto) == 0)
                return json_integer_value(jget(p, "containerPort"));
        }
    }
    return 0;
}

/* The pod's port for a service port (upstream's FindPort): a number as is; a name looked up in
 * the containers' (and sidecars') ports with the same protocol. 0: the pod lacks it. */
static long long find_port(const json_t *pod, const json_t *svc_port)
{
    json_t *tp = jget(svc_port, "targetPort");
    if (!tp)
        return json_integer_value(jget(svc_port, "port"));
    if (json_is_integer(tp))
        return json_integer_value(tp);
    const char *name = json_string_value(tp);
    if (!name)
        return 0;
    json_t *spec = jget(pod, "spec");
    const char *proto = protocol_of(svc_port);
    long long n = port_in(jget(spec, "containers"), name, proto, false);
    return n ? n : port_in(jget(spec, "initContainers"), name, proto, true);
}

/* An EndpointPort (Endpoints: name omitted when empty; slices: always named). */
static json_t *endpoint_port(const json_t *svc_port, long long n, bool slice)
{
    json_t *p = json_object();
    const char *name = jstr(svc_port, "name");
    if (slice || (name && *name))
        json_object_set_new(p, "name", json_string(name ? name : ""));
    json_object_set_new(p, "port", json_integer(n));
    json_object_set_new(p, "protocol", json_string(protocol_of(svc_port)));
    if (jstr(svc_port, "appProtocol"))
        json_object_set(p, "appProtocol", jget(svc_port, "appProtocol"));
    return p;
}

static bool set_hostname(const json_t *svc, const json_t *pod)
{
    json_t *spec = jget(pod, "spec");
    const char *h = jstr(spec, "hostname");
    return h && *h && str_eq(jstr(spec, "subdomain"), meta_str(svc, "name")) &&
           str_eq(meta_str(svc, "namespace"), meta_str(pod, "namespace"));
}

static json_t *target_ref(const json_t *pod)
{
    const char *uid = meta_str(pod, "uid");
    return json_pack("{s:s, s:s, s:s, s:s}", "kind", "Pod", "namespace",
                     meta_str(pod, "namespace") ? meta_str(pod, "namespace") : "", "name",
                     meta_str(pod, "name") ? meta_str(pod, "name") : "", "uid", uid ? uid : "");
}

/* ---- sorting ---- */

static int cmp_ip(const char *a, const char *b)
{
    struct in_addr x, y;
    if (a && b && inet_pton(AF_INET, a, &x) == 1 && inet_pton(AF_INET, b, &y) == 1) {
        uint32_t u = ntohl(x.s_addr), v = ntohl(y.s_addr);
        return u < v ? -1 : u > v;
    }
    return strcmp(a ? a : "", b ? b : "");
}

static int cmp_addr(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = cmp_ip(jstr(a, "ip"), jstr(b, "ip"));
    if (c)
        return c;
    return strcmp(jstr(jget(a, "targetRef"), "uid") ? jstr(jget(a, "targetRef"), "uid") : "",
                  jstr(jget(b, "targetRef"), "uid") ? jstr(jget(b, "targetRef"), "uid") : "");
}

static int cmp_slice_ep(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = cmp_ip(json_string_value(json_array_get(jget(a, "addresses"), 0)),
                   json_string_value(json_array_get(jget(b, "addresses"), 0)));
    if (c)
        return c;
    return strcmp(jstr(jget(a, "targetRef"), "uid") ? jstr(jget(a, "targetRef"), "uid") : "",
                  jstr(jget(b, "targetRef"), "uid") ? jstr(jget(b, "targetRef"), "uid") : "");
}

static int cmp_port(const void *pa, const void *pb)
{
    const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = strcmp(jstr(a, "name") ? jstr(a, "name") : "", jstr(b, "name") ? jstr(b, "name") : "");
    if (c)
        return c;
    json_int_t x = json_integer_value(jget(a, "port")), y = json_integer_value(jget(b, "port"));
    if (x != y)
        return x < y ? -1 : 1;
    return strcmp(protocol_of(a), protocol_of(b));
}

/* Sorts a JSON array in place. */
static void sort_array(json_t *arr, int (*cmp)(const void *, const void *))
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    json_t **v = xmalloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), cmp);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
}

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static int cmp_jstr(const void *pa, const void *pb)
{
    return strcmp(json_string_value(*(json_t *const *)pa), json_string_value(*(json_t *const *)pb));
}

/* A key naming a list of ports (sorted): cheaper than dumping them, and only compared. */
static char *ports_key(const json_t *ports)
{
    strbuf_t b = STRBUF_INIT;
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
    {
        const char *ap = jstr(p, "appProtocol");
        char num[24];
        snprintf(num, sizeof(num), "/%lld/", (long long)json_integer_value(jget(p, "port")));
        strbuf_add(&b, jstr(p, "name") ? jstr(p, "name") : "");
        strbuf_add(&b, num);
        strbuf_add(&b, protocol_of(p));
        strbuf_add(&b, "/");
        strbuf_add(&b, ap ? ap : "");
        strbuf_add(&b, ";");
    }
    return strbuf_take(&b);
}

static int cmp_dump(const void *pa, const void *pb)
{
    cleanup_free char *a = dump(*(json_t *const *)pa);
    cleanup_free char *b = dump(*(json_t *const *)pb);
    return strcmp(a, b);
}

/* ---- Endpoints ---- */

json_t *controllers__endpoints_subsets(const json_t *svc, const json_t *pods)
{
    json_t *spec = jget(svc, "spec");
    json_t *ports = jget(spec, "ports");
    bool headless = str_eq(jstr(spec, "clusterIP"), "None");
    bool tolerate = json_is_true(jget(spec, "publishNotReadyAddresses"));
    /* port (dumped; "" for a headless service without ports) → { addr key → [address, ready] } */
    cleanup_json json_t *by_port = json_object();
    cleanup_json json_t *port_objs = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        if (!pod_included(pod, false))
            continue;
        const char *ip = pod_ipv4(pod);
        json_t *addr = json_pack("{s:s, s:o}", "ip", ip, "targetRef", target_ref(pod));
        const char *node = jstr(jget(pod, "spec"), "nodeName");
        if (node && *node)
            json_object_set_new(addr, "nodeName", json_string(node));
        if (set_hostname(svc, pod))
            json_object_set(addr, "hostname", jget(jget(pod, "spec"), "hostname"));
        bool ready = tolerate || pod_ready(pod);
        cleanup_free char *akey = xasprintf("%s/%s", ip, meta_str(pod, "uid"));
        json_t *entry = json_pack("[o, b]", addr, ready);
        if (json_array_size(ports) == 0) {
            if (headless) {
                json_t *set = jget(by_port, "");
                if (!set)
                    json_object_set_new(by_port, "", set = json_object());
                json_object_set(set, akey, entry);
            }
        } else {
            size_t j;
            json_t *sp;
            json_array_foreach(ports, j, sp)
            {
                long long n = find_port(pod, sp);
                if (n <= 0)
                    continue; /* this pod lacks the named port: not in this port's subset */
                json_t *ep = endpoint_port(sp, n, false);
                cleanup_json json_t *one = json_pack("[O]", ep);
                cleanup_free char *pk = ports_key(one);
                json_t *set = jget(by_port, pk);
                if (!set) {
                    json_object_set_new(by_port, pk, set = json_object());
                    json_object_set(port_objs, pk, ep);
                }
                json_decref(ep);
                json_object_set(set, akey, entry);
            }
        }
        json_decref(entry);
    }
    /* Ports offered by exactly the same addresses (with the same readiness) share a subset, as
     * upstream's RepackSubsets groups them. */
    cleanup_json json_t *groups = json_object(); /* address-set key → subset */
    const char *pk;
    json_t *set;
    json_object_foreach(by_port, pk, set)
    {
        cleanup_json json_t *keys = json_array();
        const char *ak;
        json_t *e;
        json_object_foreach(set, ak, e) json_array_append_new(
            keys, json_sprintf("%s=%d", ak, json_is_true(json_array_get(e, 1))));
        sort_array(keys, cmp_jstr);
        cleanup_free char *gk = dump(keys);
        json_t *subset = jget(groups, gk);
        if (!subset) {
            subset = json_object();
            json_object_set_new(groups, gk, subset);
            json_t *ready = json_array(), *not_ready = json_array();
            json_object_foreach(set, ak, e) json_array_append(
                json_is_true(json_array_get(e, 1)) ? ready : not_ready, json_array_get(e, 0));
            sort_array(ready, cmp_addr);
            sort_array(not_ready, cmp_addr);
            if (json_array_size(ready))
                json_object_set(subset, "addresses", ready);
            if (json_array_size(not_ready))
                json_object_set(subset, "notReadyAddresses", not_ready);
            json_decref(ready);
            json_decref(not_ready);
        }
        json_t *po = jget(port_objs, pk);
        if (po) {
            json_t *sports = jget(subset, "ports");
            if (!sports)
                json_object_set_new(subset, "ports", sports = json_array());
            json_array_append(sports, po);
        }
    }
    json_t *out = json_array();
    json_t *subset;
    json_object_foreach(groups, pk, subset)
    {
        sort_array(jget(subset, "ports"), cmp_port);
        json_array_append(out, subset);
    }
    sort_array(out, cmp_dump);
    return out;
}

static json_t *svc_labels(const json_t *svc, bool slice)
{
    json_t *labels = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(jget(jget(svc, "metadata"), "labels"), k, v)
    {
        if (slice && (!strcmp(k, LABEL_SERVICE_NAME) || !strcmp(k, LABEL_MANAGED_BY)))
            continue;
        if (strcmp(k, LABEL_HEADLESS) != 0)
            json_object_set(labels, k, v);
    }
    if (str_eq(jstr(jget(svc, "spec"), "clusterIP"), "None"))
        json_object_set_new(labels, LABEL_HEADLESS, json_string(""));
    if (slice) {
        json_object_set_new(labels, LABEL_SERVICE_NAME, json_string(meta_str(svc, "name")));
        json_object_set_new(labels, LABEL_MANAGED_BY, json_string(MANAGER));
    }
    return labels;
}

static bool same_array(const json_t *a, const json_t *b)
{
    if (json_array_size(a) == 0 && json_array_size(b) == 0)
        return true;
    return json_equal(a, b);
}

static bool same_labels(const json_t *a, const json_t *b)
{
    if (json_object_size(a) == 0 && json_object_size(b) == 0)
        return true;
    return json_equal(a, b);
}

static void set_trigger(json_t *obj, const char *trigger)
{
    if (!trigger)
        return;
    json_t *md = jget(obj, "metadata");
    json_t *ann = jget(md, "annotations");
    if (!json_is_object(ann))
        json_object_set_new(md, "annotations", ann = json_object());
    json_object_set_new(ann, TRIGGER_ANNOTATION, json_string(trigger));
}

/* Upstream caps an Endpoints object at 1000 addresses: past that, the ready ones are kept (each
 * subset its share, rounded up) and the not-ready ones fill what room is left, or go entirely
 * when the ready ones alone are too many. True if anything was cut. */
static bool truncate_subsets(json_t *subsets)
{
    size_t ready = 0, not_ready = 0, i;
    json_t *ss;
    json_array_foreach(subsets, i, ss)
    {
        ready += json_array_size(jget(ss, "addresses"));
        not_ready += json_array_size(jget(ss, "notReadyAddresses"));
    }
    if (ready + not_ready <= MAX_ENDPOINTS)
        return false;
    bool cut_ready = ready > MAX_ENDPOINTS;
    size_t max = cut_ready ? MAX_ENDPOINTS : MAX_ENDPOINTS - ready;
    size_t total = cut_ready ? ready : not_ready;
    size_t room = max;
    json_array_foreach(subsets, i, ss)
    {
        json_t *list = jget(ss, cut_ready ? "addresses" : "notReadyAddresses");
        size_t n = json_array_size(list);
        size_t take = (n * max + total - 1) / total;
        if (take > room)
            take = room;
        while (json_array_size(list) > take)
            json_array_remove(list, json_array_size(list) - 1);
        room -= json_array_size(list);
        if (cut_ready)
            json_object_del(ss, "notReadyAddresses");
        else if (json_array_size(list) == 0)
            json_object_del(ss, "notReadyAddresses");
    }
    return true;
}

json_t *controllers__endpoints_update(const json_t *svc, const json_t *pods, const json_t *current,
                                      const char *trigger)
{
    cleanup_json json_t *subsets = controllers__endpoints_subsets(svc, pods);
    cleanup_json json_t *labels = svc_labels(svc, false);
    bool truncated = truncate_subsets(subsets);
    bool marked = jget(jget(jget(current, "metadata"), "annotations"), OVER_CAPACITY) != NULL;
    if (current && same_array(jget(current, "subsets"), subsets) &&
        same_labels(jget(jget(current, "metadata"), "labels"), labels) && truncated == marked)
        return NULL;
    json_t *out;
    if (current) {
        out = json_deep_copy(current);
    } else {
        out = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Endpoints",
                        "metadata", "name", meta_str(svc, "name"), "namespace",
                        meta_str(svc, "namespace"));
    }
    json_t *md = jget(out, "metadata");
    if (json_object_size(labels))
        json_object_set(md, "labels", labels);
    else
        json_object_del(md, "labels");
    if (json_array_size(subsets))
        json_object_set(out, "subsets", subsets);
    else
        json_object_del(out, "subsets");
    set_trigger(out, trigger);
    json_t *ann = jget(md, "annotations");
    if (truncated) {
        if (!json_is_object(ann))
            json_object_set_new(md, "annotations", ann = json_object());
        json_object_set_new(ann, OVER_CAPACITY, json_string("truncated"));
    } else if (ann) {
        json_object_del(ann, OVER_CAPACITY);
    }
    return out;
}

/* ---- EndpointSlices ---- */

static json_t *slice_endpoint(const json_t *svc, const json_t *pod)
{
    bool serving = pod_ready(pod);
    bool terminating = meta_str(pod, "deletionTimestamp") != NULL;
    /* Never ready while terminating, unless the service publishes not-ready addresses. */
    bool ready = json_is_true(jget(jget(svc, "spec"), "publishNotReadyAddresses")) ||
                 (serving && !terminating);
    json_t *ep = json_pack("{s:[s], s:{s:b, s:b, s:b}, s:o}", "addresses", pod_ipv4(pod),
                           "conditions", "ready", ready, "serving", serving, "terminating",
                           terminating, "targetRef", target_ref(pod));
    const char *node = jstr(jget(pod, "spec"), "nodeName");
    if (node && *node)
        json_object_set_new(ep, "nodeName", json_string(node));
    if (set_hostname(svc, pod))
        json_object_set(ep, "hostname", jget(jget(pod, "spec"), "hostname"));
    return ep;
}

static char *slice_ep_key(const json_t *ep)
{
    const char *uid = jstr(jget(ep, "targetRef"), "uid");
    return xasprintf("%s/%s", json_string_value(json_array_get(jget(ep, "addresses"), 0)),
                     uid ? uid : "");
}

/* Whose slices are planned: a Service (the EndpointSlice controller) or an Endpoints object
 * (mirroring). Both name the slices' generateName prefix and their controller owner. */
typedef struct {
    const json_t *owner;
    const char *owner_kind;
    json_t *labels;   /* every slice's labels (borrowed) */
    bool placeholder; /* keep one empty slice when there is nothing to list */
} slice_owner_t;

static bool owned_by(const json_t *slice, const slice_owner_t *o)
{
    size_t i;
    json_t *r;
    json_array_foreach(jget(jget(slice, "metadata"), "ownerReferences"), i, r)
    {
        if (str_eq(jstr(r, "kind"), o->owner_kind) && json_is_true(jget(r, "controller")) &&
            str_eq(jstr(r, "uid"), meta_str(o->owner, "uid")))
            return true;
    }
    return false;
}

static json_t *new_slice(const slice_owner_t *o, const json_t *ports,
                         json_t *endpoints /* stolen */)
{
    const char *name = meta_str(o->owner, "name");
    cleanup_free char *gen = xasprintf("%s-", name);
    json_t *s = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:O, s:[{s:s, s:s, s:s, s:s, s:b, s:b}]}, s:s, s:o}", "apiVersion",
        "discovery.k8s.io/v1", "kind", "EndpointSlice", "metadata", "generateName", gen,
        "namespace", meta_str(o->owner, "namespace"), "labels", o->labels, "ownerReferences",
        "apiVersion", "v1", "kind", o->owner_kind, "name", name, "uid",
        meta_str(o->owner, "uid") ? meta_str(o->owner, "uid") : "", "controller", 1,
        "blockOwnerDeletion", 1, "addressType", "IPv4", "endpoints", endpoints);
    if (json_array_size(ports))
        json_object_set(s, "ports", (json_t *)ports);
    return s;
}

/* The slice s (an existing one) with these endpoints and the owner's labels, or NULL when that
 * is what it already holds. */
static json_t *slice_update(const slice_owner_t *o, const json_t *s, json_t *endpoints /* stolen */)
{
    cleanup_json json_t *eps = endpoints;
    if (same_array(jget(s, "endpoints"), eps) &&
        same_labels(jget(jget(s, "metadata"), "labels"), o->labels))
        return NULL;
    json_t *out = json_deep_copy(s);
    json_object_set(out, "endpoints", eps);
    json_object_set(jget(out, "metadata"), "labels", o->labels);
    return out;
}

static bool is_placeholder(const json_t *s)
{
    return json_array_size(jget(s, "ports")) == 0 && json_array_size(jget(s, "endpoints")) == 0;
}

/* The reconciliation shared by both controllers. want: port set key → { endpoint key →
 * endpoint }; want_ports: port set key → ports. */
static json_t *plan_slices(const slice_owner_t *o, const json_t *want, const json_t *want_ports,
                           const json_t *existing, size_t max, const char *trigger)
{
    if (max == 0)
        max = 100;
    json_t *creates = json_array(), *updates = json_array(), *deletes = json_array();
    json_t *plan =
        json_pack("{s:o, s:o, s:o}", "create", creates, "update", updates, "delete", deletes);
    size_t i;
    /* Existing: ours by port set; slices of an older owner of the same name go. */
    cleanup_json json_t *have = json_object();
    cleanup_json json_t *to_delete = json_array(); /* slices */
    json_t *s;
    json_array_foreach(existing, i, s)
    {
        if (!owned_by(s, o)) {
            json_array_append(to_delete, s);
            continue;
        }
        cleanup_json json_t *ports = json_deep_copy(jget(s, "ports"));
        if (!ports)
            ports = json_array();
        sort_array(ports, cmp_port);
        cleanup_free char *pk = ports_key(ports);
        json_t *list = jget(have, pk);
        if (!list)
            json_object_set_new(have, pk, list = json_array());
        json_array_append(list, s);
    }
    const char *pk;
    json_t *list;
    json_object_foreach(have, pk, list)
    {
        if (!jget(want, pk)) {
            size_t j;
            json_array_foreach(list, j, s) json_array_append(to_delete, s);
        }
    }
    json_t *set;
    json_object_foreach((json_t *)want, pk, set)
    {
        json_t *olds = jget(have, pk);
        size_t n = json_array_size(olds);
        cleanup_json json_t *placed = json_object();
        json_t **next = xcalloc(n ? n : 1, sizeof(*next));
        /* Endpoints stay in the slice that holds them. */
        for (size_t j = 0; j < n; j++) {
            next[j] = json_array();
            size_t x;
            json_t *ep;
            json_array_foreach(jget(json_array_get(olds, j), "endpoints"), x, ep)
            {
                cleanup_free char *ek = slice_ep_key(ep);
                json_t *w = jget(set, ek);
                if (w && !jget(placed, ek) && json_array_size(next[j]) < max) {
                    json_array_append(next[j], w);
                    json_object_set_new(placed, ek, json_true());
                }
            }
        }
        /* Newcomers fill the room left, then new slices. */
        cleanup_json json_t *rest = json_array();
        const char *ek;
        json_t *ep;
        json_object_foreach(set, ek, ep) if (!jget(placed, ek)) json_array_append(rest, ep);
        sort_array(rest, cmp_slice_ep);
        size_t r = 0;
        for (size_t j = 0; j < n && r < json_array_size(rest); j++)
            while (json_array_size(next[j]) < max && r < json_array_size(rest))
                json_array_append(next[j], json_array_get(rest, r++));
        for (size_t j = 0; j < n; j++) {
            json_t *old = json_array_get(olds, j);
            if (json_array_size(next[j]) == 0) {
                json_decref(next[j]);
                json_array_append(to_delete, old);
                continue;
            }
            sort_array(next[j], cmp_slice_ep);
            json_t *u = slice_update(o, old, next[j]);
            if (u)
                json_array_append_new(updates, u);
        }
        free(next);
        while (r < json_array_size(rest)) {
            json_t *eps = json_array();
            while (json_array_size(eps) < max && r < json_array_size(rest))
                json_array_append(eps, json_array_get(rest, r++));
            sort_array(eps, cmp_slice_ep);
            json_array_append_new(creates, new_slice(o, jget(want_ports, pk), eps));
        }
    }
    /* No endpoints at all: one placeholder slice (no ports, no endpoints), as upstream keeps. */
    if (o->placeholder && json_array_size(existing) == json_array_size(to_delete) &&
        json_array_size(creates) == 0) {
        json_t *only = json_array_get(to_delete, 0);
        if (json_array_size(to_delete) == 1 && owned_by(only, o) && is_placeholder(only)) {
            json_t *u = slice_update(o, only, json_array());
            if (u)
                json_array_append_new(updates, u);
            json_array_clear(to_delete);
        } else {
            json_array_append_new(creates, new_slice(o, NULL, json_array()));
        }
    }
    /* A create and a delete make one update of the slice that would go (fewer writes, and the
     * watchers see one change). */
    while (json_array_size(creates) > 0) {
        size_t d;
        json_t *old = NULL;
        json_array_foreach(to_delete, d, old) if (owned_by(old, o)) break;
        if (d >= json_array_size(to_delete))
            break;
        json_t *c = json_array_get(creates, json_array_size(creates) - 1);
        json_t *u = json_deep_copy(old);
        json_object_set(u, "endpoints", jget(c, "endpoints"));
        if (jget(c, "ports"))
            json_object_set(u, "ports", jget(c, "ports"));
        else
            json_object_del(u, "ports");
        json_object_set(jget(u, "metadata"), "labels", jget(jget(c, "metadata"), "labels"));
        json_array_append_new(updates, u);
        json_array_remove(creates, json_array_size(creates) - 1);
        json_array_remove(to_delete, d);
    }
    /* While the owner is being deleted nothing new is made (the collector is removing). */
    if (meta_str(o->owner, "deletionTimestamp"))
        json_array_clear(creates);
    json_array_foreach(to_delete, i, s)
        json_array_append_new(deletes, json_string(meta_str(s, "name")));
    json_array_foreach(creates, i, s) set_trigger(s, trigger);
    json_array_foreach(updates, i, s) set_trigger(s, trigger);
    return plan;
}

/* Adds ep under its port set in want (ports sorted; stolen like ep). */
static void want_add(json_t *want, json_t *want_ports, json_t *ports, json_t *ep)
{
    sort_array(ports, cmp_port);
    cleanup_free char *pk = ports_key(ports);
    json_t *set = jget(want, pk);
    if (!set) {
        json_object_set_new(want, pk, set = json_object());
        json_object_set(want_ports, pk, ports);
    }
    json_decref(ports);
    cleanup_free char *ek = slice_ep_key(ep);
    json_object_set_new(set, ek, ep);
}

json_t *controllers__slices_plan(const json_t *svc, const json_t *pods, const json_t *existing,
                                 size_t max, const char *trigger)
{
    json_t *svc_ports = jget(jget(svc, "spec"), "ports");
    cleanup_json json_t *want = json_object();
    cleanup_json json_t *want_ports = json_object();
    size_t i;
    json_t *pod;
    json_array_foreach(pods, i, pod)
    {
        if (!pod_included(pod, true))
            continue;
        json_t *ports = json_array();
        size_t j;
        json_t *sp;
        json_array_foreach(svc_ports, j, sp)
        {
            long long n = find_port(pod, sp);
            if (n > 0)
                json_array_append_new(ports, endpoint_port(sp, n, true));
        }
        want_add(want, want_ports, ports, slice_endpoint(svc, pod));
    }
    cleanup_json json_t *labels = svc_labels(svc, true);
    slice_owner_t o = {svc, "Service", labels, true};
    return plan_slices(&o, want, want_ports, existing, max, trigger);
}

bool controllers__should_mirror(const json_t *svc, const json_t *endpoints)
{
    json_t *labels = jget(jget(endpoints, "metadata"), "labels");
    return svc && endpoints && json_object_size(jget(jget(svc, "spec"), "selector")) == 0 &&
           !str_eq(jstr(labels, LABEL_SKIP_MIRROR), "true");
}

json_t *controllers__slices_mirror_plan(const json_t *endpoints, const json_t *existing, size_t max)
{
    cleanup_json json_t *want = json_object();
    cleanup_json json_t *want_ports = json_object();
    size_t i, j, k;
    json_t *ss, *p, *a;
    json_array_foreach(jget(endpoints, "subsets"), i, ss)
    {
        static const char *const fields[] = {"addresses", "notReadyAddresses"};
        for (k = 0; k < 2; k++) {
            json_array_foreach(jget(ss, fields[k]), j, a)
            {
                const char *ip = jstr(a, "ip");
                if (!is_ipv4(ip))
                    continue; /* IPv4 slices only */
                json_t *ports = json_array();
                size_t x;
                json_array_foreach(jget(ss, "ports"), x, p)
                {
                    json_t *port =
                        json_pack("{s:s, s:O, s:s}", "name", jstr(p, "name") ? jstr(p, "name") : "",
                                  "port", jget(p, "port"), "protocol", protocol_of(p));
                    if (jget(p, "appProtocol"))
                        json_object_set(port, "appProtocol", jget(p, "appProtocol"));
                    json_array_append_new(ports, port);
                }
                json_t *ep =
                    json_pack("{s:[s], s:{s:b}}", "addresses", ip, "conditions", "ready", k == 0);
                if (jget(a, "targetRef"))
                    json_object_set(ep, "targetRef", jget(a, "targetRef"));
                if (jstr(a, "nodeName") && *jstr(a, "nodeName"))
                    json_object_set(ep, "nodeName", jget(a, "nodeName"));
                if (jstr(a, "hostname") && *jstr(a, "hostname"))
                    json_object_set(ep, "hostname", jget(a, "hostname"));
                want_add(want, want_ports, ports, ep);
            }
        }
    }
    json_t *labels = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(jget(jget(endpoints, "metadata"), "labels"), key, v)
    {
        if (strcmp(key, LABEL_SERVICE_NAME) != 0 && strcmp(key, LABEL_MANAGED_BY) != 0)
            json_object_set(labels, key, v);
    }
    json_object_set_new(labels, LABEL_SERVICE_NAME, json_string(meta_str(endpoints, "name")));
    json_object_set_new(labels, LABEL_MANAGED_BY, json_string(MIRROR_MANAGER));
    slice_owner_t o = {endpoints, "Endpoints", labels, false};
    json_t *plan = plan_slices(&o, want, want_ports, existing, max, NULL);
    json_decref(labels);
    return plan;
}
