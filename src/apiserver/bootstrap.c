/*
 * bootstrap.c — what exists from the start, as in every Kubernetes cluster: the namespaces
 * default, kube-system, kube-public and kube-node-lease, the `kubernetes` service in default
 * holding the first address of the service range, and kube-system/kube-dns on its tenth (the
 * address kubeadm and k3s give it). Created if absent; never overwritten.
 *
 * kube-dns has no pods behind it: every node's DNS role answers on that address itself. The
 * annotation c8s.io/node-local tells the proxy to leave it alone (no endpoints would otherwise
 * mean REJECT rules). The PriorityClasses system-node-critical and system-cluster-critical are
 * made here too, as upstream's scheduling storage does.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static void on_boot_created(const store_result_t *res, void *data)
{
    apiserver_t *s = data;
    if (res->code != 0) {
        log_warn("apiserver", "bootstrap: %s", res->err ? res->err->msg : "etcd error");
        s->boot_failed = true;
    }
    if (--s->boot_pending == 0) {
        s->bootstrapped = !s->boot_failed;
        if (s->boot_failed) {
            s->boot_failed = false;
            uv_timer_start(&s->boot_timer, (uv_timer_cb)apiserver__bootstrap_timer, 1000, 0);
        }
    }
}

static void create_obj(apiserver_t *s, const char *key, json_t *obj)
{
    char *val = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    s->boot_pending++;
    store_create(s->store, key, val, strlen(val), 0, on_boot_created, s);
    free(val);
}

static json_t *namespace_obj(const char *name, const char *now)
{
    char uid[37];
    apiserver__uuid(uid);
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:{s:s}}, s:{s:[s]}, s:{s:s}}", "kind",
                     "Namespace", "apiVersion", "v1", "metadata", "name", name, "uid", uid,
                     "creationTimestamp", now, "labels", "kubernetes.io/metadata.name", name,
                     "spec", "finalizers", "kubernetes", "status", "phase", "Active");
}

void apiserver__bootstrap_timer(uv_timer_t *t)
{
    apiserver_t *s = t->data;
    if (s->stopping)
        return;
    static const char *const namespaces[] = {"default", "kube-system", "kube-public",
                                             "kube-node-lease"};
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    s->boot_pending++; /* held until every create is issued */
    for (size_t i = 0; i < C8S_ARRAY_SIZE(namespaces); i++) {
        cleanup_free char *key = xasprintf("%s/namespaces/%s", s->etcd_prefix, namespaces[i]);
        create_obj(s, key, namespace_obj(namespaces[i], now));
    }
    /* The built-in PriorityClasses upstream's scheduling storage bootstraps. */
    static const struct {
        const char *name, *desc;
        json_int_t value;
    } classes[] = {
        {"system-node-critical",
         "Used for system critical pods that must not be moved from their current node.",
         2000001000},
        {"system-cluster-critical",
         "Used for system critical pods that must run in the cluster, but can be moved to another "
         "node if necessary.",
         2000000000}};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(classes); i++) {
        char puid[37];
        apiserver__uuid(puid);
        cleanup_free char *key =
            xasprintf("%s/priorityclasses/%s", s->etcd_prefix, classes[i].name);
        create_obj(s, key,
                   json_pack("{s:{s:s, s:s, s:s, s:i}, s:s, s:s, s:I, s:s, s:b, s:s}", "metadata",
                             "name", classes[i].name, "uid", puid, "creationTimestamp", now,
                             "generation", 1, "kind", "PriorityClass", "apiVersion",
                             "scheduling.k8s.io/v1", "value", classes[i].value, "description",
                             classes[i].desc, "globalDefault", 0, "preemptionPolicy",
                             "PreemptLowerPriority"));
    }
    char ip[INET_ADDRSTRLEN];
    struct in_addr a = {.s_addr = htonl(s->svc_base + 1)};
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    cleanup_free char *ipkey = apiserver__service_ip_key(s, ip);
    create_obj(s, ipkey, json_pack("{s:s}", "service", "default/kubernetes"));
    char uid[37];
    apiserver__uuid(uid);
    json_t *svc = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i, s:{s:s, s:s}}, s:{s:s, s:s, s:[s], s:[{s:s, "
        "s:i, s:s, s:i}], s:s, s:[s], s:s, s:s}, s:{s:{}}}",
        "kind", "Service", "apiVersion", "v1", "metadata", "name", "kubernetes", "namespace",
        "default", "uid", uid, "creationTimestamp", now, "generation", 1, "labels", "component",
        "apiserver", "provider", "kubernetes", "spec", "type", "ClusterIP", "clusterIP", ip,
        "clusterIPs", ip, "ports", "name", "https", "port", 443, "protocol", "TCP", "targetPort",
        s->cfg.port, "sessionAffinity", "None", "ipFamilies", "IPv4", "ipFamilyPolicy",
        "SingleStack", "internalTrafficPolicy", "Cluster", "status", "loadBalancer");
    cleanup_free char *svckey = xasprintf("%s/services/default/kubernetes", s->etcd_prefix);
    create_obj(s, svckey, svc);

    a.s_addr = htonl(s->svc_base + 10);
    inet_ntop(AF_INET, &a, ip, sizeof(ip));
    cleanup_free char *dnskey = apiserver__service_ip_key(s, ip);
    create_obj(s, dnskey, json_pack("{s:s}", "service", "kube-system/kube-dns"));
    apiserver__uuid(uid);
    json_t *dns = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:i, s:{s:s, s:s, s:s}, s:{s:s}}, s:{s:s, s:s, "
        "s:[s], s:[{s:s, s:i, s:s, s:i}, {s:s, s:i, s:s, s:i}], s:{s:s}, s:s, s:[s], s:s, s:s}, "
        "s:{s:{}}}",
        "kind", "Service", "apiVersion", "v1", "metadata", "name", "kube-dns", "namespace",
        "kube-system", "uid", uid, "creationTimestamp", now, "generation", 1, "labels", "k8s-app",
        "kube-dns", "kubernetes.io/name", "CoreDNS", "kubernetes.io/cluster-service", "true",
        "annotations", "c8s.io/node-local", "true", "spec", "type", "ClusterIP", "clusterIP", ip,
        "clusterIPs", ip, "ports", "name", "dns", "port", 53, "protocol", "UDP", "targetPort", 53,
        "name", "dns-tcp", "port", 53, "protocol", "TCP", "targetPort", 53, "selector", "k8s-app",
        "kube-dns", "sessionAffinity", "None", "ipFamilies", "IPv4", "ipFamilyPolicy",
        "SingleStack", "internalTrafficPolicy", "Cluster", "status", "loadBalancer");
    cleanup_free char *dnssvc = xasprintf("%s/services/kube-system/kube-dns", s->etcd_prefix);
    create_obj(s, dnssvc, dns);

    /* The `kubernetes` service has no selector: its endpoint is this server, as pods reach it
     * (the mirroring controller makes the EndpointSlice the proxy reads). The first server to
     * boot writes it; several servers on one etcd do not yet reconcile their addresses. */
    if (s->cfg.advertise_address && *s->cfg.advertise_address) {
        apiserver__uuid(uid);
        json_t *ep =
            json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:[{s:[{s:s}], s:[{s:s, s:i, s:s}]}]}",
                      "kind", "Endpoints", "apiVersion", "v1", "metadata", "name", "kubernetes",
                      "namespace", "default", "uid", uid, "creationTimestamp", now, "subsets",
                      "addresses", "ip", s->cfg.advertise_address, "ports", "name", "https", "port",
                      s->cfg.port, "protocol", "TCP");
        cleanup_free char *epkey = xasprintf("%s/endpoints/default/kubernetes", s->etcd_prefix);
        create_obj(s, epkey, ep);
    }
    apiserver__bootstrap_rbac(s, now, on_boot_created);
    store_result_t done = {0};
    on_boot_created(&done, s);
}
