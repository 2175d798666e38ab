/*
 * pod.c — the pod worker (first slice): for each pod bound to this node, a sandbox (network
 * namespace file, IPC/UTS namespaces, CNI ADD, hostname/hosts/resolv.conf), its app containers
 * started one after the other from images in the store (pulled when missing) on overlay root
 * filesystems, status merged into pods/<name>/status once a second when it changed, and on
 * deletion a stop with the grace period and a full teardown before the final DELETE.
 *
 * One operation at a time per pod (p->busy): every step is a callback that starts the next.
 */
#include "kubelet_int.h"

#include "c8s/cni.h"
#include "c8s/image.h"
#include "c8s/kubeconfig.h"
#include "c8s/nodeadmit.h"
#include "c8s/ocispec.h"
#include "c8s/runtime.h"
#include "c8s/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct kpod_s {
    kubelet_t *k;
    char *uid, *ns, *name;
    json_t *pod;
    char *dir, *netns, *cgroup;
    char pod_ip[64];
    kctr_t *ctrs;
    size_t n_ctrs, n_init; /* init containers first in ctrs */
    size_t next;           /* the container the operation in flight is about */
    size_t cursor;         /* the next container to start for the first time */
    size_t stop_step;      /* teardown: how many containers are stopped (teardown_index) */
    bool busy, sandbox_ready, volumes_ready, started, deleting, failed, restarting;
    bool orphan;   /* left by an earlier run of c8s, no longer in the API: torn down, not DELETEd */
    bool rejected; /* not admitted (or found ended): nothing of it runs here */
    bool evicting; /* being torn down after an eviction: the object stays, Failed */
    int vol_pending; /* configMap reads in flight */
    bool vol_failed;
    /* ServiceAccount tokens of projected volumes: renewed at 80% of their life (0: none). */
    uint64_t token_refresh_ms;
    int token_pending; /* renewals in flight (the pod is busy meanwhile) */
    char *last_status; /* the status body last sent */
    /* the container being stopped (p->next): its preStop, then SIGTERM until the deadline */
    uint64_t kill_deadline_ms;
    runtime_cb kill_cb;
    bool kill_hooked;
    uint64_t stop_deadline_ms; /* the end of a deleted pod's grace period */
    char *add_err;             /* why the CNI ADD now being undone failed (owned) */
    char *mount_err;           /* the last FailedMount event's message (owned) */
    kpod_t *next_pod;
};

static void step(kpod_t *p);
static kpod_t *new_pod(kubelet_t *k, json_t *pod);

static void set_waiting(kctr_t *c, const char *reason, const char *msg)
{
    free(c->reason);
    free(c->message);
    c->reason = xstrdup(reason);
    c->message = msg ? xstrdup(msg) : NULL;
}

/* An event about container c, its fieldPath as upstream's (spec.containers{name} or
 * spec.initContainers{name}). */
static void ctr_event(kpod_t *p, const kctr_t *c, const char *type, const char *reason,
                      const char *msg)
{
    cleanup_free char *field =
        xasprintf("spec.%s{%s}", c->init ? "initContainers" : "containers", c->name);
    kubelet_event(p->k, p->pod, field, type, reason, "%s", msg);
}

/* A start that failed before the container ran: waiting with reason and msg, and upstream's
 * `Failed` event "Error: <msg>". The pod worker retries every tick, so the event goes out only
 * when the reason or message changes (upstream's syncs are seconds apart and its correlator
 * counts them; one per tick here would spend the pod's event budget in half a minute). */
static void start_failed(kpod_t *p, kctr_t *c, const char *reason, const char *msg)
{
    bool same = c->reason && strcmp(c->reason, reason) == 0 &&
                strcmp(c->message ? c->message : "", msg ? msg : "") == 0;
    set_waiting(c, reason, msg);
    if (!same) {
        cleanup_free char *ev = xasprintf("Error: %s", msg ? msg : reason);
        ctr_event(p, c, "Warning", "Failed", ev);
    }
}

static void free_pod(kpod_t *p)
{
    for (size_t i = 0; i < p->n_ctrs; i++) {
        free(p->ctrs[i].name);
        free(p->ctrs[i].id);
        free(p->ctrs[i].image);
        free(p->ctrs[i].image_id);
        free(p->ctrs[i].term_msg);
        free(p->ctrs[i].dir);
        free(p->ctrs[i].reason);
        free(p->ctrs[i].message);
        json_decref(p->ctrs[i].last_state);
    }
    free(p->ctrs);
    json_decref(p->pod);
    free(p->uid);
    free(p->ns);
    free(p->name);
    free(p->dir);
    free(p->netns);
    free(p->cgroup);
    free(p->last_status);
    free(p->add_err);
    free(p->mount_err);
    free(p);
}

void kpod_free_all(kubelet_t *k)
{
    while (k->pods) {
        kpod_t *p = k->pods;
        k->pods = p->next_pod;
        free_pod(p);
    }
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    return fclose(f) != 0 ? -1 : rc;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    return xstrndup(buf, n);
}

static void fail_pod(kpod_t *p, const char *what, const char *msg)
{
    log_warn("kubelet", "pod %s/%s: %s: %s", p->ns, p->name, what, msg);
    p->busy = false;
    p->failed = true; /* retried on the next sync tick */
}

/* What downward API resource fields need of the node: its allocatable cpu and memory. */
static ocispec_node_t node_facts(const kpod_t *p)
{
    return (ocispec_node_t){.node_cpu_milli = p->k->facts.cpus * 1000,
                            .node_memory_bytes = p->k->facts.memory_bytes};
}

/* ---- sandbox ---- */

/* A hostNetwork pod has no network namespace, CNI or address of its own: its containers are in
 * the node's (the kubelet's) network namespace, and its IP is the node's, as upstream. */
static bool host_net(const kpod_t *p)
{
    return json_is_true(json_object_get(json_object_get(p->pod, "spec"), "hostNetwork"));
}

/* Owned. Upstream's hostNetwork pods share the node's UTS namespace: they see its hostname. */
static char *pod_hostname(const kpod_t *p)
{
    return host_net(p) && p->k->facts.hostname ? xstrdup(p->k->facts.hostname)
                                               : kubelet_pod_hostname(p->pod);
}

static void sandbox_files(kpod_t *p)
{
    kubelet_t *k = p->k;
    cleanup_free char *hosts = kubelet_pod_hosts(p->pod, p->pod_ip, "cluster.local");
    cleanup_free char *node_resolv = read_text("/etc/resolv.conf");
    cleanup_free char *resolv =
        kubelet_pod_resolv_conf(p->pod, k->cluster_dns, "cluster.local", node_resolv);
    cleanup_free char *hostname = pod_hostname(p);
    cleanup_free char *hp = xasprintf("%s/hosts", p->dir);
    cleanup_free char *rp = xasprintf("%s/resolv.conf", p->dir);
    cleanup_free char *np = xasprintf("%s/hostname", p->dir);
    cleanup_free char *hn = xasprintf("%s\n", hostname);
    /* The address is kept with the pod so that a restarted kubelet adopts the sandbox. */
    cleanup_free char *ipp = xasprintf("%s/ip", p->dir);
    if (write_text(hp, hosts) != 0 || write_text(rp, resolv) != 0 || write_text(np, hn) != 0 ||
        write_text(ipp, p->pod_ip) != 0) {
        fail_pod(p, "writing pod files", strerror(errno));
        return;
    }
    p->sandbox_ready = true;
    p->busy = false;
    step(p);
}

static void on_add_undone(int rc, const json_t *result, const char *err, void *data)
{
    kpod_t *p = data;
    if (rc != 0)
        log_warn("kubelet", "pod %s/%s: CNI DEL after a failed ADD: %s", p->ns, p->name,
                 err ? err : "");
    fail_pod(p, "CNI ADD", p->add_err ? p->add_err : "no address");
    free(p->add_err);
    p->add_err = NULL;
}

static void on_cni_add(int rc, const json_t *result, const char *err, void *data)
{
    kpod_t *p = data;
    if (rc != 0 || !result || !cni_result_ip(result, p->pod_ip, sizeof(p->pod_ip))) {
        /* A failed ADD is undone before the next try, as CRI runtimes do: an ADD cut short
         * (c8s killed in the middle) leaves the pod's eth0 and its IP lease behind, and every
         * later ADD would fail with "container veth name provided (eth0) already exists". */
        free(p->add_err);
        p->add_err = xstrdup(err ? err : "no address");
        cni_del(&p->k->loop, &p->k->cni, p->uid, p->netns, p->ns, p->name, on_add_undone, p);
        return;
    }
    sandbox_files(p);
}

static void on_pod_ns(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    if (code != 0) {
        fail_pod(p, "pod namespaces", err ? err->msg : "failed");
        return;
    }
    if (host_net(p)) {
        snprintf(p->pod_ip, sizeof(p->pod_ip), "%s", p->k->facts.internal_ip ?: "127.0.0.1");
        sandbox_files(p);
        return;
    }
    cleanup_json json_t *ports = cni_port_mappings(json_object_get(p->pod, "spec"));
    cni_add(&p->k->loop, &p->k->cni, p->uid, p->netns, p->ns, p->name, ports, on_cni_add, p);
}

static void sandbox_namespaces(kpod_t *p);

static void on_netns(int rc, const json_t *result, const char *err, void *data)
{
    kpod_t *p = data;
    if (rc != 0) {
        fail_pod(p, "network namespace", err ? err : "failed");
        return;
    }
    sandbox_namespaces(p);
}

static void start_sandbox(kpod_t *p)
{
    cleanup_free char *logs = xasprintf("%s/logs", p->dir);
    if ((mkdir(p->dir, 0750) != 0 && errno != EEXIST) ||
        (mkdir(logs, 0750) != 0 && errno != EEXIST)) {
        fail_pod(p, "pod dir", strerror(errno));
        return;
    }
    /* The pod as last seen, for a restarted kubelet to tear down once the pod is gone. */
    cleanup_free char *saved = xasprintf("%s/pod.json", p->dir);
    if (json_dump_file(p->pod, saved, JSON_COMPACT) != 0) {
        fail_pod(p, "pod dir", "writing pod.json");
        return;
    }
    struct stat st;
    if (host_net(p) || stat(p->netns, &st) == 0) {
        sandbox_namespaces(p);
        return;
    }
    p->busy = true;
    cni_netns_create(&p->k->loop, p->netns, on_netns, p);
}

/* The pod's cgroup, then its IPC and UTS namespaces (the network one exists by now). */
static void sandbox_namespaces(kpod_t *p)
{
    kubelet_t *k = p->k;
    c8s_err_t err = C8S_ERR_INIT;
    ocispec_pod_resources_t res;
    ocispec_pod_resources(p->pod, &res);
    if (runtime_pod_cgroup_apply(p->cgroup, &res, 0, &err) != 0) {
        fail_pod(p, "pod cgroup", err.msg);
        c8s_err_clear(&err);
        return;
    }
    p->busy = true;
    cleanup_free char *hostname = pod_hostname(p);
    if (runtime_pod_ns_create(k->rt, p->dir, hostname, on_pod_ns, p, &err) != 0) {
        fail_pod(p, "pod namespaces", err.msg);
        c8s_err_clear(&err);
    }
}

/* ---- volumes ---- */

typedef struct {
    kpod_t *p;
    size_t idx;
    long src; /* the source of a projected volume, or -1 for a configMap/secret volume */
} volreq_t;

static void volumes_done(kpod_t *p)
{
    if (--p->vol_pending > 0)
        return;
    if (p->vol_failed) {
        p->vol_failed = false;
        for (size_t i = p->n_init; i < p->n_ctrs; i++)
            set_waiting(&p->ctrs[i], "ContainerCreating", "waiting for volumes");
        fail_pod(p, "volumes", "not ready");
        return;
    }
    p->volumes_ready = true;
    p->busy = false;
    step(p);
}

static json_t *volume_at(kpod_t *p, size_t idx)
{
    return json_array_get(json_object_get(json_object_get(p->pod, "spec"), "volumes"), idx);
}

/* Upstream's FailedMount event. Volumes are tried again every tick, so it goes out once per
 * message, not once per try. */
static void failed_mount(kpod_t *p, const char *vol, const char *why)
{
    cleanup_free char *msg =
        xasprintf("MountVolume.SetUp failed for volume \"%s\" : %s", vol ? vol : "", why);
    if (p->mount_err && strcmp(p->mount_err, msg) == 0)
        return;
    free(p->mount_err);
    p->mount_err = xstrdup(msg);
    kubelet_event(p->k, p->pod, NULL, "Warning", "FailedMount", "%s", msg);
}

static void on_configmap(const client_resp_t *r, void *data)
{
    volreq_t *vr = data;
    kpod_t *p = vr->p;
    json_t *vol = volume_at(p, vr->idx);
    long srcno = vr->src;
    free(vr);
    json_t *psrc =
        srcno >= 0 ? json_array_get(json_object_get(json_object_get(vol, "projected"), "sources"),
                                    (size_t)srcno)
                   : vol;
    bool secret = json_object_get(psrc, "secret") != NULL;
    json_t *src = json_object_get(psrc, secret ? "secret" : "configMap");
    if (!p->k->stopping) {
        c8s_err_t err = C8S_ERR_INIT;
        if (r->status == 200) {
            cleanup_json json_t *cm = json_loadb(r->body, r->len, 0, NULL);
            int rc = srcno >= 0 ? kvol_write_projected(p->dir, vol, (size_t)srcno, p->pod, NULL, cm,
                                                       NULL, &err)
                                : kvol_write_configmap(p->dir, vol, cm, &err);
            if (rc != 0) {
                log_warn("kubelet", "pod %s/%s: volume: %s", p->ns, p->name, err.msg);
                c8s_err_clear(&err);
                p->vol_failed = true;
            }
        } else if (!(r->status == 404 && json_is_true(json_object_get(src, "optional")))) {
            const char *what = secret ? "secret" : "configmap";
            const char *name = str(src, secret && srcno < 0 ? "secretName" : "name") ?: "";
            log_warn("kubelet", "pod %s/%s: %s \"%s\": %d", p->ns, p->name, what, name, r->status);
            cleanup_free char *why = r->status == 404
                                         ? xasprintf("%s \"%s\" not found", what, name)
                                         : xasprintf("%s \"%s\": status %d", what, name, r->status);
            failed_mount(p, str(vol, "name"), why);
            p->vol_failed = true;
        }
    }
    volumes_done(p);
}

static int64_t token_seconds(const json_t *sat)
{
    json_t *es = json_object_get(sat, "expirationSeconds");
    return json_is_integer(es) && json_integer_value(es) >= 600 ? json_integer_value(es) : 3600;
}

/* A token for the pod's ServiceAccount, bound to the pod (TokenRequest), as upstream's kubelet
 * asks for a projected serviceAccountToken source. */
static void request_token(kpod_t *p, const json_t *sat, volreq_t *vr, client_cb cb)
{
    const char *sa = str(json_object_get(p->pod, "spec"), "serviceAccountName");
    json_t *spec = json_pack("{s:I, s:{s:s, s:s, s:s, s:s}}", "expirationSeconds",
                             (json_int_t)token_seconds(sat), "boundObjectRef", "apiVersion", "v1",
                             "kind", "Pod", "name", p->name, "uid", p->uid);
    const char *aud = str(sat, "audience");
    if (aud && *aud)
        json_object_set_new(spec, "audiences", json_pack("[s]", aud));
    json_t *req = json_pack("{s:s, s:s, s:o}", "apiVersion", "authentication.k8s.io/v1", "kind",
                            "TokenRequest", "spec", spec);
    cleanup_free char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/serviceaccounts/%s/token", p->ns,
                                        sa && *sa ? sa : "default");
    client_request(p->k->client, "POST", path, "application/json", body, strlen(body), cb, vr);
}

/* Writes the token of answer r into source vr->src; false when it could not. Sets the renewal
 * time from the token's life. */
static bool take_token(kpod_t *p, volreq_t *vr, const client_resp_t *r)
{
    json_t *vol = volume_at(p, vr->idx);
    json_t *sat = json_object_get(
        json_array_get(json_object_get(json_object_get(vol, "projected"), "sources"),
                       (size_t)vr->src),
        "serviceAccountToken");
    if (r->status != 201) {
        log_warn("kubelet", "pod %s/%s: token for volume %s: %d %.200s", p->ns, p->name,
                 str(vol, "name") ?: "", r->status, r->body ? r->body : "");
        return false;
    }
    cleanup_json json_t *tr = json_loadb(r->body, r->len, 0, NULL);
    const char *tok = str(json_object_get(tr, "status"), "token");
    c8s_err_t err = C8S_ERR_INIT;
    if (!tok ||
        kvol_write_projected(p->dir, vol, (size_t)vr->src, p->pod, NULL, NULL, tok, &err) != 0) {
        log_warn("kubelet", "pod %s/%s: token for volume %s: %s", p->ns, p->name,
                 str(vol, "name") ?: "", err.code ? err.msg : "no token in the answer");
        c8s_err_clear(&err);
        return false;
    }
    uint64_t at = c8s_now_ms() + (uint64_t)token_seconds(sat) * 800;
    if (!p->token_refresh_ms || at < p->token_refresh_ms)
        p->token_refresh_ms = at;
    return true;
}

static void on_token(const client_resp_t *r, void *data)
{
    volreq_t *vr = data;
    kpod_t *p = vr->p;
    if (!p->k->stopping && !take_token(p, vr, r))
        p->vol_failed = true;
    free(vr);
    volumes_done(p);
}

static void on_token_renewed(const client_resp_t *r, void *data)
{
    volreq_t *vr = data;
    kpod_t *p = vr->p;
    if (!p->k->stopping && !take_token(p, vr, r))
        p->token_refresh_ms = c8s_now_ms() + 10000; /* the old token still works: try again */
    free(vr);
    if (--p->token_pending > 0)
        return;
    p->busy = false;
    step(p);
}

/* Renews every projected token of a running pod (from the sync tick). */
static void renew_tokens(kpod_t *p)
{
    p->token_refresh_ms = 0;
    p->busy = true;
    p->token_pending = 1;
    json_t *vols = json_object_get(json_object_get(p->pod, "spec"), "volumes"), *v, *src;
    size_t i, j;
    json_array_foreach(vols, i, v)
    {
        json_array_foreach(json_object_get(json_object_get(v, "projected"), "sources"), j, src)
        {
            const json_t *sat = json_object_get(src, "serviceAccountToken");
            if (!sat)
                continue;
            volreq_t *vr = xcalloc(1, sizeof(*vr));
            *vr = (volreq_t){.p = p, .idx = i, .src = (long)j};
            p->token_pending++;
            request_token(p, sat, vr, on_token_renewed);
        }
    }
    if (--p->token_pending == 0) {
        p->busy = false;
        step(p);
    }
}

/* The reads and token requests of one projected volume; downward API fields are written now. */
static bool prepare_projected(kpod_t *p, size_t idx, const json_t *vol)
{
    json_t *src;
    size_t j;
    json_array_foreach(json_object_get(json_object_get(vol, "projected"), "sources"), j, src)
    {
        if (json_object_get(src, "downwardAPI")) {
            c8s_err_t err = C8S_ERR_INIT;
            ocispec_node_t nf = node_facts(p);
            if (kvol_write_projected(p->dir, vol, j, p->pod, &nf, NULL, NULL, &err) != 0) {
                log_warn("kubelet", "pod %s/%s: volume: %s", p->ns, p->name, err.msg);
                c8s_err_clear(&err);
                return false;
            }
            continue;
        }
        volreq_t *vr = xcalloc(1, sizeof(*vr));
        *vr = (volreq_t){.p = p, .idx = idx, .src = (long)j};
        p->vol_pending++;
        const json_t *sat = json_object_get(src, "serviceAccountToken");
        if (sat) {
            request_token(p, sat, vr, on_token);
            continue;
        }
        const char *cm = str(json_object_get(src, "configMap"), "name");
        const char *sec = str(json_object_get(src, "secret"), "name");
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/%s/%s", p->ns,
                                            cm ? "configmaps" : "secrets", cm ? cm : sec ?: "");
        client_request(p->k->client, "GET", path, NULL, NULL, 0, on_configmap, vr);
    }
    return true;
}

/* ---- persistentVolumeClaim volumes: the claim, then its bound volume ---- */

static void on_claim_volume(const client_resp_t *r, void *data)
{
    volreq_t *vr = data;
    kpod_t *p = vr->p;
    json_t *vol = volume_at(p, vr->idx);
    free(vr);
    if (!p->k->stopping) {
        cleanup_json json_t *pv = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
        c8s_err_t err = C8S_ERR_INIT;
        if (!pv) {
            log_warn("kubelet", "pod %s/%s: volume %s: persistent volume: %d", p->ns, p->name,
                     str(vol, "name") ?: "", r->status);
            p->vol_failed = true;
        } else if (kvol_link_claim(p->dir, str(vol, "name"), pv, &err) != 0) {
            log_warn("kubelet", "pod %s/%s: %s", p->ns, p->name, err.msg);
            c8s_err_clear(&err);
            p->vol_failed = true;
        }
    }
    volumes_done(p);
}

static void on_claim(const client_resp_t *r, void *data)
{
    volreq_t *vr = data;
    kpod_t *p = vr->p;
    json_t *vol = volume_at(p, vr->idx);
    cleanup_json json_t *pvc =
        !p->k->stopping && r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    const char *pv = str(json_object_get(pvc, "spec"), "volumeName");
    const char *phase = str(json_object_get(pvc, "status"), "phase");
    if (pvc && pv && *pv && phase && strcmp(phase, "Bound") == 0) {
        cleanup_free char *path = xasprintf("/api/v1/persistentvolumes/%s", pv);
        client_request(p->k->client, "GET", path, NULL, NULL, 0, on_claim_volume, vr);
        return;
    }
    /* Not bound yet (a WaitForFirstConsumer claim is provisioned once this pod is placed):
     * tried again on the next sync, as upstream's kubelet waits for the volume. */
    if (!p->k->stopping)
        log_info("kubelet", "pod %s/%s: waiting for claim %s to be bound (%d)", p->ns, p->name,
                 str(json_object_get(vol, "persistentVolumeClaim"), "claimName") ?: "", r->status);
    p->vol_failed = true;
    free(vr);
    volumes_done(p);
}

static void prepare_claim(kpod_t *p, size_t idx, const char *claim)
{
    volreq_t *vr = xcalloc(1, sizeof(*vr));
    *vr = (volreq_t){.p = p, .idx = idx, .src = -1};
    p->vol_pending++;
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims/%s", p->ns, claim);
    client_request(p->k->client, "GET", path, NULL, NULL, 0, on_claim, vr);
}

static void prepare_volumes(kpod_t *p)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *vols = json_object_get(json_object_get(p->pod, "spec"), "volumes"), *v;
    size_t i;
    json_array_foreach(vols, i, v)
    {
        if (kvol_prepare(p->dir, v, &err) != 0) {
            for (size_t j = 0; j < p->n_ctrs; j++)
                set_waiting(&p->ctrs[j], "ContainerCreating", err.msg);
            fail_pod(p, "volume", err.msg);
            c8s_err_clear(&err);
            return;
        }
    }
    p->busy = true;
    p->vol_pending = 1; /* held until every read is issued */
    p->token_refresh_ms = 0;
    json_array_foreach(vols, i, v)
    {
        if (json_object_get(v, "projected")) {
            if (!prepare_projected(p, i, v))
                p->vol_failed = true;
            continue;
        }
        if (json_object_get(v, "downwardAPI")) {
            ocispec_node_t nf = node_facts(p);
            if (kvol_write_downward(p->dir, v, p->pod, &nf, &err) != 0) {
                log_warn("kubelet", "pod %s/%s: volume: %s", p->ns, p->name, err.msg);
                c8s_err_clear(&err);
                p->vol_failed = true;
            }
            continue;
        }
        const char *claim = str(json_object_get(v, "persistentVolumeClaim"), "claimName");
        if (claim) {
            prepare_claim(p, i, claim);
            continue;
        }
        const char *cm = str(json_object_get(v, "configMap"), "name");
        const char *sec = str(json_object_get(v, "secret"), "secretName");
        if (!cm && !sec)
            continue;
        volreq_t *vr = xcalloc(1, sizeof(*vr));
        vr->p = p;
        vr->idx = i;
        vr->src = -1;
        p->vol_pending++;
        cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/%s/%s", p->ns,
                                            cm ? "configmaps" : "secrets", cm ? cm : sec);
        client_request(p->k->client, "GET", path, NULL, NULL, 0, on_configmap, vr);
    }
    volumes_done(p);
}

/* ---- containers ---- */

static void start_container(kpod_t *p);

static void probe_reset(kpod_t *p, size_t idx);

static const json_t *ctr_spec(const kpod_t *p, size_t i);
static void kill_ctr(kpod_t *p, size_t idx, uint64_t deadline_ms, const char *why, runtime_cb cb);

static void started_done(kpod_t *p)
{
    if (!p->restarting)
        p->cursor++;
    p->restarting = false;
    p->busy = false;
    step(p);
}

static void on_post_start_killed(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    if (code != 0)
        log_warn("kubelet", "stopping %s: %s", p->ctrs[p->next].id, err ? err->msg : "");
    started_done(p);
}

static int64_t pod_grace_s(const kpod_t *p)
{
    json_t *g = json_object_get(json_object_get(p->pod, "spec"), "terminationGracePeriodSeconds");
    return json_is_integer(g) && json_integer_value(g) >= 0 ? json_integer_value(g) : 30;
}

/* Upstream: a failed postStart kills the container (its preStop included); the restart policy
 * decides what follows, as for any exit. */
static void on_post_start(bool ok, const char *msg, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    c->post_start = false;
    if (p->k->stopping) {
        p->busy = false;
        return;
    }
    if (ok) {
        started_done(p);
        return;
    }
    log_info("kubelet", "pod %s/%s: %s", p->ns, p->name, msg);
    ctr_event(p, c, "Warning", "FailedPostStartHook", msg);
    kill_ctr(p, p->next, c8s_now_ms() + (uint64_t)pod_grace_s(p) * 1000, "FailedPostStartHook",
             on_post_start_killed);
}

static void on_failed_start_removed(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t e = C8S_ERR_INIT;
    if (code != 0 && code != C8S_ENOTFOUND)
        log_warn("kubelet", "removing %s: %s", c->id, err ? err->msg : "");
    if (!p->k->stopping && image_rootfs_teardown(p->k->images, c->id, c->dir, &e) != 0) {
        log_warn("kubelet", "rootfs of %s: %s", c->id, e.msg);
        c8s_err_clear(&e);
    }
    fail_pod(p, "starting container", c->message);
}

static void on_started(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    if (code != 0) {
        start_failed(p, c, "RunContainerError", err ? err->msg : "start failed");
        /* What the failed start left (runtime state dir, runc's container, the rootfs mount)
         * goes first, so the retry on the next tick starts afresh under the same id. */
        c8s_err_t e = C8S_ERR_INIT;
        if (!p->k->stopping && runtime_remove(p->k->rt, c->id, on_failed_start_removed, p, &e) == 0)
            return;
        c8s_err_clear(&e);
        on_failed_start_removed(C8S_ENOTFOUND, NULL, p);
        return;
    }
    c->started = true;
    c->dead = false;
    c->started_ms = c8s_now_ms();
    /* runc creates and starts in one step: both of upstream's events, in its words (1.32). */
    cleanup_free char *created = xasprintf("Created container %s", c->name);
    cleanup_free char *started = xasprintf("Started container %s", c->name);
    ctr_event(p, c, "Normal", "Created", created);
    ctr_event(p, c, "Normal", "Started", started);
    probe_reset(p, p->next);
    const json_t *post =
        c->init && !c->sidecar
            ? NULL
            : json_object_get(json_object_get(ctr_spec(p, p->next), "lifecycle"), "postStart");
    if (post && !p->k->stopping) {
        /* The pod stays busy: the container is not Running (nor probed) until the hook returns. */
        c8s_err_t e = C8S_ERR_INIT;
        c->post_start = true;
        if (khook_run(p->k, p->pod, c->id, post, ctr_spec(p, p->next), p->pod_ip, 0, on_post_start,
                      p, &e) != 0) {
            on_post_start(false, e.msg, p);
            c8s_err_clear(&e);
        }
        return;
    }
    started_done(p);
}

#define PULL_BACKOFF_BASE_MS 10000
#define PULL_BACKOFF_MAX_MS  300000

/* Upstream's flowcontrol.Backoff keyed by pod and image: the first failure waits 10 s, each
 * next one twice as long up to 5 min; a failure long after the last (twice the maximum)
 * starts over. Retries in between are refused with ImagePullBackOff. */
static void pull_failed(kpod_t *p, kctr_t *c, const char *msg)
{
    uint64_t now = c8s_now_ms();
    if (!c->pull_backoff_ms || now - c->pull_failed_ms > 2 * PULL_BACKOFF_MAX_MS)
        c->pull_backoff_ms = PULL_BACKOFF_BASE_MS;
    else if ((c->pull_backoff_ms *= 2) > PULL_BACKOFF_MAX_MS)
        c->pull_backoff_ms = PULL_BACKOFF_MAX_MS;
    c->pull_failed_ms = now;
    c->pulled = false; /* pullPolicy Always: the next try pulls again, not the local copy */
    cleanup_free char *ev = xasprintf("Failed to pull image \"%s\": %s", c->image, msg);
    ctr_event(p, c, "Warning", "Failed", ev);
    ctr_event(p, c, "Warning", "Failed", "Error: ErrImagePull");
    set_waiting(c, "ErrImagePull", msg);
    fail_pod(p, "pulling image", msg);
}

/* True (and the container waiting in ImagePullBackOff) while a failed pull's back-off runs. */
static bool pull_backing_off(kpod_t *p, kctr_t *c)
{
    if (!c->pull_backoff_ms || c8s_now_ms() - c->pull_failed_ms >= c->pull_backoff_ms)
        return false;
    if (!c->reason || strcmp(c->reason, "ImagePullBackOff") != 0) {
        cleanup_free char *msg = xasprintf("Back-off pulling image \"%s\"", c->image);
        ctr_event(p, c, "Normal", "BackOff", msg);
        ctr_event(p, c, "Warning", "Failed", "Error: ImagePullBackOff");
        set_waiting(c, "ImagePullBackOff", msg);
    }
    p->failed = true; /* looked at again on the next tick */
    return true;
}

static void on_pulled(void *data, int code, const char *message, uint64_t pull_ms)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    if (code != 0) {
        pull_failed(p, c, message);
        return;
    }
    c->pull_backoff_ms = 0;
    c->fresh_pull = true;
    image_info_t info = {0};
    c8s_err_t err = C8S_ERR_INIT;
    uint64_t size = image_lookup(p->k->images, c->image, &info, &err) == 0 ? info.size : 0;
    image_info_free(&info);
    c8s_err_clear(&err);
    char took[32], waited[32];
    c8s_go_duration_ms(pull_ms, took, sizeof(took));
    c8s_go_duration_ms(c8s_now_ms() - c->pull_asked_ms, waited, sizeof(waited));
    cleanup_free char *msg =
        xasprintf("Successfully pulled image \"%s\" in %s (%s including waiting). Image size: "
                  "%llu bytes.",
                  c->image, took, waited, (unsigned long long)size);
    ctr_event(p, c, "Normal", "Pulled", msg);
    p->busy = false;
    step(p);
}

/* One pull per image reference at a time: pods starting together wait for the same pull
 * instead of fetching the same layers twice. */
typedef struct kpull_s {
    kubelet_t *k;
    char *ref;
    char *creds; /* the pull secrets' documents as JSON text ("" without), part of the key */
    kpod_t **waiters;
    size_t n;
    uint64_t started_ms;
    struct kpull_s *next;
} kpull_t;

static void on_pull_done(void *data, int code, const char *message, const char *digest)
{
    kpull_t *pl = data;
    for (kpull_t **pp = &pl->k->pulls; *pp; pp = &(*pp)->next)
        if (*pp == pl) {
            *pp = pl->next;
            break;
        }
    for (size_t i = 0; i < pl->n; i++)
        on_pulled(pl->waiters[i], code, message, c8s_now_ms() - pl->started_ms);
    free(pl->waiters);
    free(pl->ref);
    free(pl->creds);
    free(pl);
}

/* Pulls with other credentials are not joined: a pod must not get an image through secrets it
 * does not hold. */
static int pull_image(kpod_t *p, const char *ref, const json_t *secrets, c8s_err_t *err)
{
    kubelet_t *k = p->k;
    cleanup_free char *creds =
        json_array_size(secrets) ? json_dumps(secrets, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    for (kpull_t *pl = k->pulls; pl; pl = pl->next)
        if (strcmp(pl->ref, ref) == 0 && strcmp(pl->creds, creds ? creds : "") == 0) {
            pl->waiters = xrealloc(pl->waiters, (pl->n + 1) * sizeof(*pl->waiters));
            pl->waiters[pl->n++] = p;
            return 0;
        }
    kpull_t *pl = xcalloc(1, sizeof(*pl));
    pl->k = k;
    pl->ref = xstrdup(ref);
    pl->creds = xstrdup(creds ? creds : "");
    pl->waiters = xmalloc(sizeof(*pl->waiters));
    pl->waiters[pl->n++] = p;
    pl->started_ms = c8s_now_ms();
    image_pull_opts_t o = {.insecure = k->insecure,
                           .n_insecure = k->n_insecure,
                           .dockerconfig = json_array_size(secrets) ? secrets : NULL};
    if (image_pull_start(&k->loop, k->images, ref, &o, on_pull_done, pl, err) != 0) {
        free(pl->waiters);
        free(pl->ref);
        free(pl->creds);
        free(pl);
        return err->code;
    }
    pl->next = k->pulls;
    k->pulls = pl;
    return 0;
}

/* ---- termination messages ---- */

/* The file the run's terminationMessagePath is bound to: one per run, so a restarted container
 * starts with an empty one. Owned. */
static char *term_file(const kctr_t *c)
{
    return xasprintf("%s/termination-%d.log", c->dir, c->restart_count);
}

/* The bind mount of terminationMessagePath (upstream's default /dev/termination-log) to a new,
 * empty, world-writable file (any user of the container may write its message), or NULL. */
static json_t *term_mount(const kpod_t *p, const kctr_t *c, const json_t *spec)
{
    const char *dst = str(spec, "terminationMessagePath");
    if (!dst || dst[0] != '/')
        return NULL;
    cleanup_free char *f = term_file(c);
    int fd = open(f, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) {
        log_warn("kubelet", "%s: %s", f, strerror(errno));
        return NULL;
    }
    close(fd);
    if (chmod(f, 0666) != 0) /* the umask had its say */
        log_warn("kubelet", "%s: %s", f, strerror(errno));
    return json_pack("{s:s, s:s, s:s, s:[s, s, s]}", "destination", dst, "type", "bind", "source",
                     f, "options", "rbind", "rprivate", "rw");
}

/* The last max bytes of the file at path (from a line's start when cut and lines), or NULL.
 * Owned, NUL-terminated. */
static char *read_tail(const char *path, long max, bool lines)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    long from = size > max ? size - max : 0;
    if (size < 0 || fseek(f, from, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    char *buf = xmalloc((size_t)(size - from) + 1);
    size_t n = fread(buf, 1, (size_t)(size - from), f);
    fclose(f);
    buf[n] = '\0';
    const char *nl = lines && from > 0 ? memchr(buf, '\n', n) : NULL;
    if (nl)
        memmove(buf, nl + 1, n - (size_t)(nl + 1 - buf) + 1);
    return buf;
}

/* c's exited run's message (read once; borrowed): its termination file, else its log's tail
 * under FallbackToLogsOnError, as upstream. */
static const char *term_message(kpod_t *p, kctr_t *c, int exit_code)
{
    if (c->term_read)
        return c->term_msg;
    c->term_read = true;
    const json_t *spec = ctr_spec(p, (size_t)(c - p->ctrs));
    cleanup_free char *f = term_file(c);
    cleanup_free char *logp = xasprintf("%s/logs/%s/%d.log", p->dir, c->name, c->restart_count);
    cleanup_free char *file = read_tail(f, 4096, false);
    const char *policy = str(spec, "terminationMessagePolicy");
    bool fallback = policy && strcmp(policy, "FallbackToLogsOnError") == 0;
    /* 80 lines of CRI records: their 2 KiB of text and the records' prefixes fit in 64 KiB. */
    cleanup_free char *log =
        fallback && exit_code != 0 && (!file || !*file) ? read_tail(logp, 65536, true) : NULL;
    c->term_msg = kubelet_termination_message(file, file ? strlen(file) : 0, log,
                                              log ? strlen(log) : 0, fallback, exit_code);
    return c->term_msg;
}

/* ---- imagePullSecrets ---- */

/* The pod's pull secrets being read; the pull starts once all have answered. */
typedef struct {
    kpod_t *p;
    json_t *docs; /* .dockerconfigjson documents, in the pod's order */
    size_t pending;
    strbuf_t missing; /* names that could not be read, for the event */
} kpullsec_t;

/* A kubernetes.io/dockerconfigjson secret's document, or a kubernetes.io/dockercfg one's (the
 * older format: the auths map alone) wrapped as one; NULL when it holds neither. Owned. */
static json_t *pull_secret_doc(const json_t *secret)
{
    const json_t *data = json_object_get(secret, "data");
    const char *b64 = str(data, ".dockerconfigjson");
    bool old = !b64;
    if (old)
        b64 = str(data, ".dockercfg");
    cleanup_free char *raw = NULL;
    size_t n = 0;
    c8s_err_t err = C8S_ERR_INIT;
    if (!b64 || kubeconfig_base64_decode(b64, &raw, &n, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    json_t *doc = json_loadb(raw, n, 0, NULL);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return old ? json_pack("{s:o}", "auths", doc) : doc;
}

static void pull_with_secrets(kpod_t *p, const json_t *docs)
{
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t err = C8S_ERR_INIT;
    if (pull_image(p, c->image, docs, &err) != 0) {
        pull_failed(p, c, err.msg);
        c8s_err_clear(&err);
    }
}

typedef struct {
    kpullsec_t *ps;
    size_t idx; /* in the pod's imagePullSecrets */
} kpullreq_t;

static void on_pull_secret(const client_resp_t *r, void *data)
{
    kpullreq_t *q = data;
    kpullsec_t *ps = q->ps;
    kpod_t *p = ps->p;
    cleanup_json json_t *secret = r->status == 200 ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    json_t *doc = pull_secret_doc(secret);
    if (doc) {
        json_array_append_new(ps->docs, doc);
    } else {
        const json_t *refs = json_object_get(json_object_get(p->pod, "spec"), "imagePullSecrets");
        strbuf_addf(&ps->missing, "%s%s", ps->missing.len ? ", " : "",
                    str(json_array_get(refs, q->idx), "name") ?: "");
    }
    free(q);
    if (--ps->pending > 0)
        return;
    if (p->k->stopping) {
        p->busy = false;
    } else {
        /* Upstream pulls with what it could read, after saying what it could not. */
        if (ps->missing.len) {
            cleanup_free char *msg = xasprintf(
                "Unable to retrieve some image pull secrets (%s); attempting to pull the image "
                "may not succeed.",
                ps->missing.s);
            kubelet_event(p->k, p->pod, NULL, "Warning", "FailedToRetrieveImagePullSecret", "%s",
                          msg);
        }
        pull_with_secrets(p, ps->docs);
    }
    json_decref(ps->docs);
    strbuf_free(&ps->missing);
    free(ps);
}

/* Pulls the next container's image with the pod's imagePullSecrets (the ServiceAccount's are
 * merged into the pod at admission, as upstream): each one read first. */
static void pull_for_pod(kpod_t *p)
{
    const json_t *refs = json_object_get(json_object_get(p->pod, "spec"), "imagePullSecrets");
    if (!json_array_size(refs)) {
        pull_with_secrets(p, NULL);
        return;
    }
    kpullsec_t *ps = xcalloc(1, sizeof(*ps));
    ps->p = p;
    ps->docs = json_array();
    ps->pending = json_array_size(refs);
    size_t i;
    const json_t *ref;
    json_array_foreach(refs, i, ref)
    {
        const char *name = str(ref, "name");
        cleanup_free char *path =
            xasprintf("/api/v1/namespaces/%s/secrets/%s", p->ns, name && *name ? name : "-");
        kpullreq_t *q = xmalloc(sizeof(*q));
        q->ps = ps;
        q->idx = i;
        client_request(p->k->client, "GET", path, NULL, NULL, 0, on_pull_secret, q);
    }
}

/* Without CAP_SYS_RESOURCE (some sandboxes, rootless setups) a process may not lower its
 * oom_score_adj below what it inherited: runc's init would fail to set a Guaranteed pod's -997
 * ("failed to update /proc/self/oom_score_adj: Permission denied") and the container would never
 * start. As containerd's restrict_oom_score_adj does, the score is clamped to c8s's own then. */
static void clamp_oom_score_adj(json_t *oci)
{
    json_t *proc = json_object_get(oci, "process");
    json_t *adj = json_object_get(proc, "oomScoreAdj");
    if (!json_is_integer(adj))
        return;
    cleanup_free char *status = read_text("/proc/self/status");
    const char *cap = status ? strstr(status, "CapEff:") : NULL;
    unsigned long long eff = cap ? strtoull(cap + 7, NULL, 16) : 0;
    if (eff & (1ULL << 24)) /* CAP_SYS_RESOURCE */
        return;
    cleanup_free char *own = read_text("/proc/self/oom_score_adj");
    long mine = own ? strtol(own, NULL, 10) : 0;
    if (json_integer_value(adj) < mine)
        json_object_set_new(proc, "oomScoreAdj", json_integer(mine));
}

static void start_container(kpod_t *p)
{
    kubelet_t *k = p->k;
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t err = C8S_ERR_INIT;
    image_info_t info = {0};
    const json_t *spec = json_array_get(
        json_object_get(json_object_get(p->pod, "spec"), c->init ? "initContainers" : "containers"),
        c->init ? p->next : p->next - p->n_init);
    const char *policy = str(spec, "imagePullPolicy");
    bool have = image_lookup(k->images, c->image, &info, &err) == 0;
    c8s_err_clear(&err);
    if (!have || (policy && strcmp(policy, "Always") == 0 && !c->pulled)) {
        if (policy && strcmp(policy, "Never") == 0) {
            cleanup_free char *msg = xasprintf(
                "Container image \"%s\" is not present with pull policy of Never", c->image);
            if (!c->reason || strcmp(c->reason, "ErrImageNeverPull") != 0)
                ctr_event(p, c, "Warning", "ErrImageNeverPull", msg);
            start_failed(p, c, "ErrImageNeverPull", msg);
            p->failed = true;
            return;
        }
        if (pull_backing_off(p, c))
            return;
        c->pulled = true;
        c->pull_asked_ms = c8s_now_ms();
        set_waiting(c, "ContainerCreating", NULL);
        cleanup_free char *pulling = xasprintf("Pulling image \"%s\"", c->image);
        ctr_event(p, c, "Normal", "Pulling", pulling);
        p->busy = true;
        pull_for_pod(p);
        return;
    }
    if (!c->fresh_pull) {
        cleanup_free char *msg =
            xasprintf("Container image \"%s\" already present on machine", c->image);
        ctr_event(p, c, "Normal", "Pulled", msg);
    }
    c->fresh_pull = false;
    free(c->image_id);
    c->image_id = xasprintf("%s", info.digest);
    image_info_free(&info);

    image_mount_t m = {0};
    cleanup_json json_t *cfg = NULL;
    cleanup_json json_t *oci = NULL;
    if (image_rootfs_prepare(k->images, c->image, c->id, c->dir, &m, &err) != 0 ||
        image_rootfs_mount(&m, &err) != 0 || image_config(k->images, c->image, &cfg, &err) != 0) {
        start_failed(p, c, "CreateContainerError", err.msg);
        fail_pod(p, "root filesystem", err.msg);
        c8s_err_clear(&err);
        image_mount_free(&m);
        return;
    }
    cleanup_free char *ipc = xasprintf("%s/ipc", p->dir);
    cleanup_free char *uts = xasprintf("%s/uts", p->dir);
    cleanup_free char *hosts = xasprintf("%s/hosts", p->dir);
    cleanup_free char *resolv = xasprintf("%s/resolv.conf", p->dir);
    cleanup_free char *hostname_file = xasprintf("%s/hostname", p->dir);
    cleanup_free char *hostname = pod_hostname(p);
    ocispec_node_t node = {
        .container_id = c->id,
        .rootfs = m.target,
        .netns_path = host_net(p) ? NULL : p->netns,
        .ipcns_path = ipc,
        .utsns_path = uts,
        .pod_cgroup = p->cgroup,
        .cgroup_version = runtime_cgroup_version(),
        .hostname = hostname,
        .resolv_conf = resolv,
        .hosts = hosts,
        .hostname_file = hostname_file,
        .node_name = k->node_name,
        .pod_ip = p->pod_ip,
        .host_ip = k->facts.internal_ip,
        .node_cpu_milli = k->facts.cpus * 1000,
        .node_memory_bytes = k->facts.memory_bytes,
    };
    cleanup_json json_t *mounts = NULL;
    if (kvol_mounts(p->dir, p->pod, spec, &mounts, &err) != 0) {
        start_failed(p, c, "CreateContainerConfigError", err.msg);
        fail_pod(p, "volume mounts", err.msg);
        c8s_err_clear(&err);
        image_mount_free(&m);
        return;
    }
    json_t *tm = term_mount(p, c, spec);
    if (tm)
        json_array_append_new(mounts, tm);
    node.mounts = mounts;
    const json_t *icfg = json_object_get(cfg, "config");
    int rc = ocispec_build(p->pod, spec, icfg, &node, &oci, &err);
    image_mount_free(&m);
    if (rc != 0) {
        start_failed(p, c, "CreateContainerConfigError", err.msg);
        fail_pod(p, "container spec", err.msg);
        c8s_err_clear(&err);
        return;
    }
    clamp_oom_score_adj(oci);
    cleanup_free char *cfgpath = xasprintf("%s/config.json", c->dir);
    if (json_dump_file(oci, cfgpath, JSON_COMPACT) != 0) {
        set_waiting(c, "CreateContainerError", "writing config.json");
        fail_pod(p, "container spec", "writing config.json");
        return;
    }
    /* One file per run, <restartCount>.log as upstream's, so a previous run's log stays
     * readable (kubectl logs --previous; kserver's /containerLogs). */
    cleanup_free char *logdir = xasprintf("%s/logs/%s", p->dir, c->name);
    if (mkdir(logdir, 0750) != 0 && errno != EEXIST) {
        set_waiting(c, "CreateContainerError", "creating the log dir");
        fail_pod(p, "container log", strerror(errno));
        return;
    }
    cleanup_free char *logp = xasprintf("%s/%d.log", logdir, c->restart_count);
    p->busy = true;
    runtime_stdin_t in = !json_is_true(json_object_get(spec, "stdin"))      ? RUNTIME_STDIN_NONE
                         : json_is_true(json_object_get(spec, "stdinOnce")) ? RUNTIME_STDIN_ONCE
                                                                            : RUNTIME_STDIN_OPEN;
    if (runtime_start_stdin(k->rt, c->id, c->dir, logp, in, on_started, p, &err) != 0) {
        start_failed(p, c, "RunContainerError", err.msg);
        fail_pod(p, "starting container", err.msg);
        c8s_err_clear(&err);
    }
}

/* ---- status ---- */

static void on_status_sent(const client_resp_t *r, void *data)
{
    kubelet_t *k = data;
    if (r->status != 200 && r->status != 404)
        log_warn("kubelet", "pod status: %d %.*s", r->status, (int)r->len, r->body);
    (void)k;
}

static const json_t *ctr_spec(const kpod_t *p, size_t i)
{
    const json_t *spec = json_object_get(p->pod, "spec");
    return i < p->n_init ? json_array_get(json_object_get(spec, "initContainers"), i)
                         : json_array_get(json_object_get(spec, "containers"), i - p->n_init);
}

static void report(kpod_t *p)
{
    kubelet_t *k = p->k;
    if (k->stopping)
        return;
    kubelet_ctr_t *cs = xcalloc(p->n_ctrs ? p->n_ctrs : 1, sizeof(*cs));
    json_t **sts = xcalloc(p->n_ctrs ? p->n_ctrs : 1, sizeof(json_t *));
    char(*ids)[160] = xcalloc(p->n_ctrs ? p->n_ctrs : 1, sizeof(*ids));
    for (size_t i = 0; i < p->n_ctrs; i++) {
        kctr_t *c = &p->ctrs[i];
        kubelet_ctr_t *o = &cs[i];
        o->name = c->name;
        o->image = c->image;
        o->image_id = c->image_id;
        o->state = "waiting";
        o->reason = c->reason;
        o->message = c->message;
        o->restart_count = c->restart_count;
        o->last_state = c->last_state;
        o->restartable = c->sidecar;
        if (c->dead) {
            o->reason = "CrashLoopBackOff";
            o->message = c->message;
            continue;
        }
        if (!c->started || c->post_start)
            continue;
        snprintf(ids[i], sizeof(ids[i]), "runc://%s", c->id);
        o->container_id = ids[i];
        if (runtime_status(k->rt, c->id, &sts[i], NULL) != 0)
            continue;
        const char *state = str(sts[i], "state");
        o->started_at = str(sts[i], "startedAt");
        if (state && strcmp(state, "running") == 0) {
            o->state = "running";
            /* Upstream reports neither started nor ready before the startup probe succeeds. */
            o->started = !c->startup_pending;
            o->ready =
                c->init && !c->sidecar
                    ? false
                    : !c->startup_pending && (!json_object_get(ctr_spec(p, i), "readinessProbe") ||
                                              c->probe[PROBE_READINESS].result == PROBE_SUCCESS);
        } else if (state && strcmp(state, "exited") == 0) {
            o->state = "terminated";
            o->exit_code = (int)json_integer_value(json_object_get(sts[i], "exitCode"));
            o->signal = (int)json_integer_value(json_object_get(sts[i], "signal"));
            o->reason = str(sts[i], "reason");
            o->message = term_message(p, c, o->exit_code);
            o->finished_at = str(sts[i], "finishedAt");
        }
    }
    char now[32];
    c8s_rfc3339_now(now, sizeof(now));
    json_t *old = json_object_get(p->pod, "status");
    json_t *st = kubelet_pod_status(p->pod, old, p->sandbox_ready, cs, p->n_init, cs + p->n_init,
                                    p->n_ctrs - p->n_init, k->facts.internal_ip,
                                    p->pod_ip[0] ? p->pod_ip : NULL, now);
    for (size_t i = 0; i < p->n_ctrs; i++)
        json_decref(sts[i]);
    free(sts);
    free(cs);
    free(ids);
    cleanup_json json_t *patch = json_pack("{s:o}", "status", st);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS);
    /* Heartbeat times aside, a status equal to the last one sent is not sent again. */
    if (p->last_status && strcmp(p->last_status, body) == 0)
        return;
    /* Transition times use `now`: compare without them by building once more from the same
     * inputs is costly; the pod's own status (old) keeps them stable once it has come back. */
    free(p->last_status);
    p->last_status = xstrdup(body);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
    client_request(k->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_status_sent, k);
}

/* ---- stopping one container: preStop, SIGTERM, SIGKILL at the deadline ---- */

static void kill_stop(kpod_t *p)
{
    kctr_t *c = &p->ctrs[p->next];
    if (p->k->stopping) { /* the containers outlive a stopping kubelet */
        p->kill_cb(0, NULL, p);
        return;
    }
    uint64_t now = c8s_now_ms();
    uint64_t left = p->kill_deadline_ms > now ? p->kill_deadline_ms - now : 0;
    /* Upstream leaves at least 2 s for SIGTERM after a preStop hook used the grace period up. */
    if (p->kill_hooked && left < 2000)
        left = 2000;
    c8s_err_t e = C8S_ERR_INIT;
    if (runtime_stop(p->k->rt, c->id, left, p->kill_cb, p, &e) != 0) {
        c8s_err_clear(&e);
        p->kill_cb(0, NULL, p);
    }
}

static void on_pre_stop(bool ok, const char *msg, void *data)
{
    kpod_t *p = data;
    if (!ok && !p->k->stopping) {
        kctr_t *c = &p->ctrs[p->next];
        log_info("kubelet", "pod %s/%s: %s", p->ns, p->name, msg);
        ctr_event(p, c, "Warning", "FailedPreStopHook", msg);
    }
    kill_stop(p);
}

/* Stops container idx of p (busy meanwhile): its preStop hook when it has one and runs, bounded
 * by the deadline, then runtime_stop with what is left of it; cb as runtime_stop's. why is the
 * Killing event's message, upstream's "Stopping container <name>" when NULL. */
static void kill_ctr(kpod_t *p, size_t idx, uint64_t deadline_ms, const char *why, runtime_cb cb)
{
    kctr_t *c = &p->ctrs[idx];
    if (!p->k->stopping) {
        cleanup_free char *stopping = xasprintf("Stopping container %s", c->name);
        ctr_event(p, c, "Normal", "Killing", why ? why : stopping);
    }
    p->busy = true;
    p->next = idx;
    p->kill_cb = cb;
    p->kill_deadline_ms = deadline_ms;
    p->kill_hooked = false;
    const json_t *pre =
        c->init && !c->sidecar
            ? NULL
            : json_object_get(json_object_get(ctr_spec(p, idx), "lifecycle"), "preStop");
    cleanup_json json_t *st = NULL;
    if (pre && runtime_status(p->k->rt, c->id, &st, NULL) == 0 &&
        strcmp(str(st, "state") ?: "", "running") == 0) {
        uint64_t now = c8s_now_ms();
        c8s_err_t e = C8S_ERR_INIT;
        p->kill_hooked = true;
        if (khook_run(p->k, p->pod, c->id, pre, ctr_spec(p, idx), p->pod_ip,
                      deadline_ms > now ? deadline_ms - now : 1, on_pre_stop, p, &e) == 0)
            return;
        on_pre_stop(false, e.msg, p);
        c8s_err_clear(&e);
        return;
    }
    kill_stop(p);
}

/* ---- teardown ---- */

static void finish_teardown(kpod_t *p);

static void unlink_pod(kpod_t *p)
{
    kubelet_t *k = p->k;
    for (kpod_t **pp = &k->pods; *pp; pp = &(*pp)->next_pod) {
        if (*pp == p) {
            *pp = p->next_pod;
            break;
        }
    }
    free_pod(p);
}

static void on_deleted(const client_resp_t *r, void *data)
{
    kpod_t *p = data;
    if (r->status != 200 && r->status != 404)
        log_warn("kubelet", "deleting pod %s/%s: %d", p->ns, p->name, r->status);
    unlink_pod(p);
}

static void on_dir_removed(const proc_result_t *r, void *data)
{
    kpod_t *p = data;
    if (r->status != 0)
        log_warn("kubelet", "pod %s/%s: removing %s: %s", p->ns, p->name, p->dir, r->err);
    finish_teardown(p);
}

static void on_cni_del(int rc, const json_t *result, const char *err, void *data)
{
    kpod_t *p = data;
    c8s_err_t e = C8S_ERR_INIT;
    if (rc != 0)
        log_warn("kubelet", "pod %s/%s: CNI DEL: %s", p->ns, p->name, err ? err : "");
    if (runtime_pod_ns_remove(p->dir, &e) != 0 || cni_netns_remove(p->netns, &e) != 0 ||
        runtime_cgroup_remove(p->cgroup, &e) != 0) {
        log_warn("kubelet", "pod %s/%s: teardown: %s", p->ns, p->name, e.msg);
        c8s_err_clear(&e);
    }
    kvol_unmount_all(p->dir, p->pod);
    /* The pod dir can be large (emptyDir): removed by rm, off the loop. */
    const char *argv[] = {"rm", "-rf", "--", p->dir, NULL};
    proc_run(&p->k->loop, argv, NULL, NULL, 0, on_dir_removed, p);
}

static void finish_teardown(kpod_t *p)
{
    kubelet_t *k = p->k;
    if (k->stopping) {
        p->busy = false;
        return;
    }
    if (p->evicting) {
        /* Nothing of the pod is left on the node; its object stays Failed (Evicted) for its
         * owner to see and delete, which then finds nothing to stop. */
        p->evicting = false;
        for (size_t i = 0; i < p->n_ctrs; i++)
            p->ctrs[i].started = false;
        p->sandbox_ready = p->volumes_ready = false;
        p->busy = false;
        log_info("kubelet", "pod %s/%s: evicted", p->ns, p->name);
        if (p->deleting)
            step(p);
        return;
    }
    if (p->orphan) {
        log_info("kubelet", "pod %s/%s (%s): left over from an earlier run, removed", p->ns,
                 p->name, p->uid);
        unlink_pod(p);
        return;
    }
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/%s/pods/%s?gracePeriodSeconds=0", p->ns, p->name);
    cleanup_free char *body =
        xasprintf("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":0,"
                  "\"preconditions\":{\"uid\":\"%s\"}}",
                  p->uid);
    client_request(k->client, "DELETE", path, "application/json", body, strlen(body), on_deleted,
                   p);
}

static void stop_next(kpod_t *p);

static void on_removed(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t e = C8S_ERR_INIT;
    if (code != 0 && code != C8S_ENOTFOUND)
        log_warn("kubelet", "removing %s: %s", c->id, err ? err->msg : "");
    if (image_rootfs_teardown(p->k->images, c->id, c->dir, &e) != 0) {
        log_warn("kubelet", "rootfs of %s: %s", c->id, e.msg);
        c8s_err_clear(&e);
    }
    p->stop_step++;
    stop_next(p);
}

static void on_stopped(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t e = C8S_ERR_INIT;
    if (p->k->stopping) {
        p->busy = false;
        return;
    }
    if (runtime_remove(p->k->rt, c->id, on_removed, p, &e) != 0) {
        c8s_err_clear(&e);
        on_removed(C8S_ENOTFOUND, NULL, p);
    }
}

/* Teardown order, as upstream's: the app containers, then the init containers in reverse (so
 * sidecars outlive what they serve). */
static size_t teardown_index(const kpod_t *p, size_t step)
{
    size_t n_app = p->n_ctrs - p->n_init;
    return step < n_app ? p->n_init + step : p->n_init - 1 - (step - n_app);
}

static void stop_next(kpod_t *p)
{
    kubelet_t *k = p->k;
    if (k->stopping) {
        p->busy = false;
        return;
    }
    if (p->stop_step >= p->n_ctrs) {
        if (host_net(p) || (p->rejected && !p->sandbox_ready)) /* no CNI ADD to undo */
            on_cni_del(0, NULL, NULL, p);
        else
            cni_del(&k->loop, &k->cni, p->uid, p->netns, p->ns, p->name, on_cni_del, p);
        return;
    }
    p->next = teardown_index(p, p->stop_step);
    kctr_t *c = &p->ctrs[p->next];
    if (!c->started) {
        on_stopped(0, NULL, p);
        return;
    }
    kill_ctr(p, p->next, p->stop_deadline_ms, NULL, on_stopped);
}

/* ---- the state machine ---- */

/* A sidecar that has started as upstream counts it: running, postStart returned, its
 * startupProbe (if any) passed. */
static bool sidecar_up(const kctr_t *c)
{
    return c->sidecar && c->started && !c->dead && !c->post_start && !c->startup_pending;
}

static void step(kpod_t *p)
{
    if (p->busy || p->k->stopping)
        return;
    if (p->deleting) {
        p->busy = true;
        p->stop_step = 0;
        /* One grace period for the whole pod: preStop hooks and SIGTERM waits of all its
         * containers come out of it. */
        int64_t grace = json_integer_value(
            json_object_get(json_object_get(p->pod, "metadata"), "deletionGracePeriodSeconds"));
        if (grace <= 0)
            grace = 1;
        p->stop_deadline_ms = c8s_now_ms() + (uint64_t)grace * 1000;
        stop_next(p);
        return;
    }
    if (p->failed || p->rejected)
        return; /* the sync tick retries a failure */
    if (!p->sandbox_ready) {
        start_sandbox(p);
        return;
    }
    if (!p->volumes_ready) {
        prepare_volumes(p);
        return;
    }
    if (p->cursor < p->n_ctrs) {
        /* Init containers run one at a time, each to success, before the next one starts; a
         * sidecar (restartPolicy Always) only has to have started, its startupProbe passed. */
        if (p->cursor > 0 && p->ctrs[p->cursor - 1].init && !p->ctrs[p->cursor - 1].done &&
            !sidecar_up(&p->ctrs[p->cursor - 1])) {
            report(p);
            return;
        }
        p->next = p->cursor;
        start_container(p);
        return;
    }
    p->started = true;
    report(p);
}

static kpod_t *find(kubelet_t *k, const char *uid)
{
    for (kpod_t *p = k->pods; p; p = p->next_pod)
        if (strcmp(p->uid, uid) == 0)
            return p;
    return NULL;
}

char *kpod_log_path(kubelet_t *k, const char *ns, const char *name, const char *ctr, int back,
                    bool *running, c8s_err_t *err)
{
    *running = false;
    kpod_t *p = k->pods;
    while (p && (p->orphan || strcmp(p->ns, ns) != 0 || strcmp(p->name, name) != 0))
        p = p->next_pod;
    if (!p) {
        c8s_err_set(err, C8S_ENOTFOUND, "pod %s/%s is not on this node", ns, name);
        return NULL;
    }
    kctr_t *c = NULL;
    for (size_t i = 0; i < p->n_ctrs && !c; i++)
        if (strcmp(p->ctrs[i].name, ctr) == 0)
            c = &p->ctrs[i];
    if (!c) {
        c8s_err_set(err, C8S_EBADREQUEST, "container %s is not valid for pod %s", ctr, name);
        return NULL;
    }
    int run = c->restart_count - back;
    if (back > 0 && run < 0) {
        c8s_err_set(err, C8S_EBADREQUEST,
                    "previous terminated container \"%s\" in pod \"%s\" not found", ctr, name);
        return NULL;
    }
    char *path = xasprintf("%s/logs/%s/%d.log", p->dir, c->name, run);
    if (access(path, F_OK) != 0) {
        free(path);
        c8s_err_set(err, C8S_EBADREQUEST, "container \"%s\" in pod \"%s\" is waiting to start%s%s",
                    ctr, name, c->reason ? ": " : "", c->reason ? c->reason : "");
        return NULL;
    }
    json_t *st = NULL;
    if (back == 0 && c->started && !c->dead && c->id &&
        runtime_status(k->rt, c->id, &st, NULL) == 0) {
        const char *state = json_string_value(json_object_get(st, "state"));
        *running = state && strcmp(state, "running") == 0;
        json_decref(st);
    }
    return path;
}

char *kpod_running_id(kubelet_t *k, const char *ns, const char *name, const char *ctr,
                      c8s_err_t *err)
{
    bool running = false;
    cleanup_free char *path = kpod_log_path(k, ns, name, ctr, 0, &running, err);
    if (!path)
        return NULL;
    if (!running) {
        c8s_err_set(err, C8S_EBADREQUEST,
                    "unable to upgrade connection: container not found (\"%s\")", ctr);
        return NULL;
    }
    kpod_t *p = k->pods;
    while (p && (p->orphan || strcmp(p->ns, ns) != 0 || strcmp(p->name, name) != 0))
        p = p->next_pod;
    for (size_t i = 0; p && i < p->n_ctrs; i++)
        if (strcmp(p->ctrs[i].name, ctr) == 0 && p->ctrs[i].id)
            return xstrdup(p->ctrs[i].id);
    c8s_err_set(err, C8S_EBADREQUEST, "container %s is not running", ctr);
    return NULL;
}

/* The bundle dir (owned) of the running container with runtime id id, or NULL. */
char *kpod_bundle(kubelet_t *k, const char *id)
{
    for (kpod_t *p = k->pods; p; p = p->next_pod)
        for (size_t i = 0; i < p->n_ctrs; i++)
            if (p->ctrs[i].id && p->ctrs[i].dir && strcmp(p->ctrs[i].id, id) == 0)
                return xstrdup(p->ctrs[i].dir);
    return NULL;
}

/* The network namespace (a path, owned; "" for a hostNetwork pod) of pod ns/name once its sandbox
 * is up, for port-forward; NULL with err (C8S_ENOTFOUND, or C8S_EBADREQUEST while it is not). */
char *kpod_netns(kubelet_t *k, const char *ns, const char *name, c8s_err_t *err)
{
    kpod_t *p = k->pods;
    while (p && (p->orphan || strcmp(p->ns, ns) != 0 || strcmp(p->name, name) != 0))
        p = p->next_pod;
    if (!p) {
        c8s_err_set(err, C8S_ENOTFOUND, "pod %s/%s not found on this node", ns, name);
        return NULL;
    }
    if (!p->sandbox_ready || p->deleting || p->rejected) {
        c8s_err_set(err, C8S_EBADREQUEST, "pod %s/%s has no running sandbox", ns, name);
        return NULL;
    }
    return xstrdup(host_net(p) ? "" : p->netns);
}

/* ---- adoption after a restart of c8s ----
 *
 * Containers outlive c8s (each has its shim) and their ids are the pod's UID, the container's
 * name and the restart count, so a new kubelet finds them in the runtime's state dirs: it takes
 * over the sandbox (network namespace, IP, IPC/UTS namespaces) and every container it finds,
 * running or ended meanwhile (its exit is in the shim's state file, reported as any other), and
 * starts only what is missing. */

/* The restart count of container name if state dir entry e is one of its runs, else -1. */
static int run_of(const kpod_t *p, const char *name, const char *e)
{
    size_t ul = strlen(p->uid), nl = strlen(name);
    if (strncmp(e, p->uid, ul) != 0 || e[ul] != '-' || strncmp(e + ul + 1, name, nl) != 0)
        return -1;
    const char *rest = e + ul + 1 + nl;
    if (!*rest)
        return 0;
    if (*rest != '-' || !rest[1])
        return -1;
    char *end;
    long n = strtol(rest + 1, &end, 10);
    if (*end || n <= 0 || n > 1000000)
        return -1;
    /* "uid-a-1" is container "a-1" when the pod has one. */
    for (size_t i = 0; i < p->n_ctrs; i++)
        if (strcmp(p->ctrs[i].name, name) != 0 && strncmp(p->ctrs[i].name, name, nl) == 0 &&
            strcmp(p->ctrs[i].name + nl, rest) == 0)
            return -1;
    return (int)n;
}

static char *last_state_path(const kpod_t *p, const kctr_t *c)
{
    return xasprintf("%s/laststate-%s.json", p->dir, c->name);
}

static void adopt(kpod_t *p)
{
    kubelet_t *k = p->k;
    struct stat st;
    cleanup_free char *ipp = xasprintf("%s/ip", p->dir);
    cleanup_free char *uts = xasprintf("%s/uts", p->dir);
    cleanup_free char *ip = read_text(ipp);
    if (ip && *ip && (host_net(p) || stat(p->netns, &st) == 0) && stat(uts, &st) == 0) {
        snprintf(p->pod_ip, sizeof(p->pod_ip), "%s", ip);
        p->sandbox_ready = true;
    }
    DIR *d = opendir(k->state_root);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        for (size_t i = 0; i < p->n_ctrs; i++) {
            kctr_t *c = &p->ctrs[i];
            int n = run_of(p, c->name, e->d_name);
            if (n < 0 || (c->started && n <= c->restart_count))
                continue;
            free(c->id);
            c->id = xstrdup(e->d_name);
            c->restart_count = n;
            c->started = true;
        }
    }
    closedir(d);
    bool prefix = true;
    for (size_t i = 0; i < p->n_ctrs; i++) {
        kctr_t *c = &p->ctrs[i];
        if (!c->started) {
            prefix = false;
            continue;
        }
        if (prefix)
            p->cursor = i + 1;
        free(c->reason);
        c->reason = NULL;
        c->started_ms = c8s_now_ms();
        cleanup_json json_t *s = NULL;
        if (runtime_status(k->rt, c->id, &s, NULL) == 0 && c->init &&
            strcmp(str(s, "state") ?: "", "exited") == 0 &&
            json_integer_value(json_object_get(s, "exitCode")) == 0)
            c->done = true;
        image_info_t info = {0};
        c8s_err_t err = C8S_ERR_INIT;
        if (image_lookup(k->images, c->image, &info, &err) == 0) {
            c->image_id = xstrdup(info.digest);
            image_info_free(&info);
        }
        c8s_err_clear(&err);
        cleanup_free char *lp = last_state_path(p, c);
        c->last_state = json_load_file(lp, 0, NULL);
        log_info("kubelet", "pod %s/%s: adopted container %s (%s)", p->ns, p->name, c->id,
                 str(s, "state") ?: "gone");
    }
}

/* Pods with a dir under the kubelet's root but no longer bound here (deleted while c8s was
 * down): torn down from the copy kept in their dir. Runs once the pod informer has listed. */
void kpod_adopt_orphans(kubelet_t *k)
{
    cleanup_free char *root = xasprintf("%s/pods", k->root_dir);
    DIR *d = opendir(root);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || find(k, e->d_name))
            continue;
        cleanup_free char *path = xasprintf("%s/%s/pod.json", root, e->d_name);
        cleanup_json json_t *pod = json_load_file(path, 0, NULL);
        const char *uid = str(json_object_get(pod, "metadata"), "uid");
        if (!uid || strcmp(uid, e->d_name) != 0 || !str(json_object_get(pod, "metadata"), "name") ||
            !str(json_object_get(pod, "metadata"), "namespace")) {
            log_warn("kubelet", "%s/%s: no usable pod.json; left alone", root, e->d_name);
            continue;
        }
        kpod_t *p = new_pod(k, pod);
        p->orphan = true;
        p->deleting = true;
        step(p);
    }
    closedir(d);
}

static kpod_t *new_pod(kubelet_t *k, json_t *pod)
{
    json_t *md = json_object_get(pod, "metadata");
    kpod_t *p = xcalloc(1, sizeof(*p));
    p->k = k;
    p->uid = xstrdup(str(md, "uid"));
    p->ns = xstrdup(str(md, "namespace"));
    p->name = xstrdup(str(md, "name"));
    p->pod = json_incref(pod);
    p->dir = xasprintf("%s/pods/%s", k->root_dir, p->uid);
    p->netns = xasprintf("%s/run/netns/%s", k->root_dir, p->uid);
    p->cgroup = ocispec_pod_cgroup(k->kubepods_root, pod);
    json_t *inits = json_object_get(json_object_get(pod, "spec"), "initContainers");
    json_t *cs = json_object_get(json_object_get(pod, "spec"), "containers"), *c;
    size_t i;
    p->ctrs = xcalloc(json_array_size(inits) + json_array_size(cs) + 1, sizeof(kctr_t));
    json_array_foreach(inits, i, c)
    {
        kctr_t *k2 = &p->ctrs[p->n_ctrs++];
        k2->init = true;
        k2->sidecar = strcmp(str(c, "restartPolicy") ?: "", "Always") == 0;
        k2->name = xstrdup(str(c, "name") ?: "");
        k2->image = xstrdup(str(c, "image") ?: "");
        k2->id = xasprintf("%s-%s", p->uid, k2->name);
        k2->dir = xasprintf("%s/containers/%s", p->dir, k2->name);
        k2->reason = xstrdup("PodInitializing");
    }
    p->n_init = p->n_ctrs;
    json_array_foreach(cs, i, c)
    {
        kctr_t *k2 = &p->ctrs[p->n_ctrs++];
        k2->name = xstrdup(str(c, "name") ?: "");
        k2->image = xstrdup(str(c, "image") ?: "");
        k2->id = xasprintf("%s-%s", p->uid, k2->name);
        k2->dir = xasprintf("%s/containers/%s", p->dir, k2->name);
        k2->reason = xstrdup(p->n_init ? "PodInitializing" : "ContainerCreating");
    }
    p->next_pod = k->pods;
    k->pods = p;
    adopt(p);
    return p;
}

/* ---- admission ---- */

static bool terminal(const json_t *pod)
{
    const char *ph = str(json_object_get(pod, "status"), "phase");
    return ph && (strcmp(ph, "Succeeded") == 0 || strcmp(ph, "Failed") == 0);
}

/* Before anything of a new pod starts, it must fit next to the active pods admitted here, as
 * upstream's kubelet re-checks what the scheduler decided; a pod that does not is Failed with
 * upstream's reason and message and never started. A pod found with containers (adopted after
 * a restart of c8s) was admitted before; one found ended (rejected earlier) stays so. */
static void admit(kpod_t *p)
{
    kubelet_t *k = p->k;
    for (size_t i = 0; i < p->n_ctrs; i++)
        if (p->ctrs[i].started)
            return;
    if (terminal(p->pod)) {
        p->rejected = true;
        return;
    }
    size_t n = 0;
    for (kpod_t *q = k->pods; q; q = q->next_pod)
        n++;
    const json_t **adm = xcalloc(n ? n : 1, sizeof(*adm));
    n = 0;
    for (kpod_t *q = k->pods; q; q = q->next_pod)
        if (q != p && !q->rejected && !q->orphan && !terminal(q->pod))
            adm[n++] = q->pod;
    /* MAX_PODS as the Node reports it (node.c). */
    nodeadmit_alloc_t alloc = {
        .cpu_milli = k->facts.cpus * 1000, .mem_bytes = k->facts.memory_bytes, .pods = 110};
    const char *reason = NULL;
    cleanup_free char *msg = NULL;
    bool ok = nodeadmit_fits(p->pod, adm, n, &alloc, &reason, &msg);
    free(adm);
    cleanup_free char *pressure = ok ? keviction_admit(k, p->pod) : NULL;
    if (pressure) {
        ok = false;
        reason = "Evicted";
        msg = xasprintf("Pod was rejected: %s", pressure);
    }
    if (ok)
        return;
    p->rejected = true;
    log_info("kubelet", "pod %s/%s: %s: %s", p->ns, p->name, reason, msg);
    const char *prefix = "Pod was rejected: ";
    kubelet_event(k, p->pod, NULL, "Warning", reason, "%s",
                  strncmp(msg, prefix, strlen(prefix)) == 0 ? msg + strlen(prefix) : msg);
    cleanup_json json_t *patch = json_pack("{s:{s:s, s:s, s:s}}", "status", "phase", "Failed",
                                           "reason", reason, "message", msg);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
    client_request(k->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_status_sent, k);
}

/* Whether what downward API files show of a pod (its labels, its annotations) changed. */
static bool downward_changed(const json_t *old, const json_t *pod)
{
    const json_t *a = json_object_get(old, "metadata"), *b = json_object_get(pod, "metadata");
    return !json_equal(json_object_get(a, "labels"), json_object_get(b, "labels")) ||
           !json_equal(json_object_get(a, "annotations"), json_object_get(b, "annotations"));
}

/* The downward API files written again, as upstream's kubelet does when labels or annotations
 * change (each replaced atomically, so a reader sees the old or the new whole file). */
static void refresh_downward(kpod_t *p)
{
    ocispec_node_t nf = node_facts(p);
    const json_t *v;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(p->pod, "spec"), "volumes"), i, v)
    {
        c8s_err_t err = C8S_ERR_INIT;
        int rc = 0;
        if (json_object_get(v, "downwardAPI"))
            rc = kvol_write_downward(p->dir, v, p->pod, &nf, &err);
        const json_t *src;
        size_t j;
        json_array_foreach(json_object_get(json_object_get(v, "projected"), "sources"), j, src)
        {
            if (rc == 0 && json_object_get(src, "downwardAPI"))
                rc = kvol_write_projected(p->dir, v, j, p->pod, &nf, NULL, NULL, &err);
        }
        if (rc != 0) {
            log_warn("kubelet", "pod %s/%s: refreshing volume: %s", p->ns, p->name, err.msg);
            c8s_err_clear(&err);
        }
    }
}

void kpod_update(kubelet_t *k, json_t *pod)
{
    const char *uid = str(json_object_get(pod, "metadata"), "uid");
    if (!uid || k->stopping)
        return;
    kpod_t *p = find(k, uid);
    if (!p) {
        p = new_pod(k, pod);
        if (!json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp"))
            admit(p);
    } else {
        bool relabeled = downward_changed(p->pod, pod);
        json_decref(p->pod);
        p->pod = json_incref(pod);
        if (relabeled && p->volumes_ready)
            refresh_downward(p);
    }
    if (json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp"))
        p->deleting = true;
    step(p);
}

/* ---- restarts ---- */

#define BACKOFF_BASE_MS 10000
#define BACKOFF_MAX_MS  300000

static void on_restart_removed(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    kctr_t *c = &p->ctrs[p->next];
    c8s_err_t e = C8S_ERR_INIT;
    if (code != 0 && code != C8S_ENOTFOUND)
        log_warn("kubelet", "removing %s: %s", c->id, err ? err->msg : "");
    if (image_rootfs_teardown(p->k->images, c->id, c->dir, &e) != 0) {
        log_warn("kubelet", "rootfs of %s: %s", c->id, e.msg);
        c8s_err_clear(&e);
    }
    p->busy = false;
    if (p->k->stopping)
        return;
    if (p->deleting) { /* the old run is gone: nothing of it to stop */
        c->started = false;
        step(p);
        return;
    }
    c->restart_count++;
    free(c->id);
    c->id = xasprintf("%s-%s-%d", p->uid, c->name, c->restart_count);
    c->started = false;
    c->pulled = false;
    free(c->term_msg);
    c->term_msg = NULL;
    c->term_read = false;
    p->restarting = true;
    start_container(p);
}

/* Every app container has exited for good under the pod's restartPolicy (never so under
 * Always): its sidecars are stopped then, and not restarted. */
static bool apps_finished(const kpod_t *p)
{
    if (p->n_ctrs == p->n_init)
        return false;
    for (size_t i = p->n_init; i < p->n_ctrs; i++)
        if (!p->ctrs[i].finished)
            return false;
    return true;
}

static bool should_restart(const kpod_t *p, const kctr_t *c, int exit_code)
{
    const char *policy = str(json_object_get(p->pod, "spec"), "restartPolicy");
    if (c->sidecar) /* whatever the pod's policy, until the app is done */
        return !apps_finished(p);
    if (c->init) /* init containers run to success: Always means OnFailure for them */
        return exit_code != 0 && (!policy || strcmp(policy, "Never") != 0);
    if (!policy || strcmp(policy, "Always") == 0)
        return true;
    return strcmp(policy, "OnFailure") == 0 && exit_code != 0;
}

/* A container that has exited and should run again: after the first exit at once, then after
 * 10 s doubling up to 5 min (upstream's CrashLoopBackOff), with the old run as lastState. Returns
 * true when a restart was started (the pod is busy then). */
static bool check_restarts(kpod_t *p)
{
    kubelet_t *k = p->k;
    uint64_t now = c8s_now_ms();
    for (size_t i = 0; i < p->n_ctrs; i++) {
        kctr_t *c = &p->ctrs[i];
        if (!c->started || c->done)
            continue;
        if (!c->dead) {
            cleanup_json json_t *st = NULL;
            if (runtime_status(k->rt, c->id, &st, NULL) != 0)
                continue;
            const char *state = str(st, "state");
            if (!state || (strcmp(state, "exited") != 0 && strcmp(state, "unknown") != 0))
                continue;
            int code = (int)json_integer_value(json_object_get(st, "exitCode"));
            if (c->init && !c->sidecar && code == 0 && strcmp(state, "exited") == 0) {
                c->done = true;
                continue;
            }
            if (!should_restart(p, c, code)) {
                if (!c->init)
                    c->finished = true;
                continue;
            }
            json_t *t = json_pack("{s:i, s:s}", "exitCode", code, "reason",
                                  str(st, "reason") ? str(st, "reason") : "Error");
            if (str(st, "startedAt"))
                json_object_set_new(t, "startedAt", json_string(str(st, "startedAt")));
            if (str(st, "finishedAt"))
                json_object_set_new(t, "finishedAt", json_string(str(st, "finishedAt")));
            const char *tm = term_message(p, c, code);
            if (tm && *tm)
                json_object_set_new(t, "message", json_string(tm));
            cleanup_free char *cid = xasprintf("runc://%s", c->id);
            json_object_set_new(t, "containerID", json_string(cid));
            json_decref(c->last_state);
            c->last_state = json_pack("{s:o}", "terminated", t);
            cleanup_free char *lp = last_state_path(p, c);
            if (json_dump_file(c->last_state, lp, JSON_COMPACT) != 0)
                log_warn("kubelet", "%s: %s", lp, strerror(errno));
            c->dead = true;
            uint64_t delay = 0;
            if (c->restart_count > 0) {
                delay = BACKOFF_BASE_MS;
                for (int n = 1; n < c->restart_count && delay < BACKOFF_MAX_MS; n++)
                    delay *= 2;
                if (delay > BACKOFF_MAX_MS)
                    delay = BACKOFF_MAX_MS;
            }
            c->backoff_until_ms = now + delay;
            if (delay) {
                cleanup_free char *ev =
                    xasprintf("Back-off restarting failed container %s in pod %s_%s(%s)", c->name,
                              p->name, p->ns, p->uid);
                ctr_event(p, c, "Warning", "BackOff", ev);
            }
            free(c->message);
            c->message =
                xasprintf("back-off %llus restarting failed container=%s pod=%s_%s(%s)",
                          (unsigned long long)(delay / 1000), c->name, p->name, p->ns, p->uid);
        }
        if (now < c->backoff_until_ms)
            continue;
        c8s_err_t e = C8S_ERR_INIT;
        p->busy = true;
        p->next = i;
        if (runtime_remove(k->rt, c->id, on_restart_removed, p, &e) != 0) {
            c8s_err_clear(&e);
            on_restart_removed(C8S_ENOTFOUND, NULL, p);
        }
        return true;
    }
    return false;
}

void kpod_delete(kubelet_t *k, json_t *pod)
{
    const char *uid = str(json_object_get(pod, "metadata"), "uid");
    kpod_t *p = uid && !k->stopping ? find(k, uid) : NULL;
    if (!p)
        return;
    /* Gone from the API without our final DELETE (a forced delete): tear down all the same. */
    p->deleting = true;
    step(p);
}

/* ---- probes (the core is include/c8s/probe.h) ---- */

static const char *const probe_keys[3] = {"livenessProbe", "readinessProbe", "startupProbe"};

/* A (re)started container is probed from scratch; liveness and readiness wait for its
 * startup probe. */
static void probe_reset(kpod_t *p, size_t idx)
{
    kctr_t *c = &p->ctrs[idx];
    for (int k = 0; k < 3; k++) {
        probe_state_init(&c->probe[k], (probe_kind_t)k);
        c->probe_last_ms[k] = 0;
    }
    c->startup_pending = json_object_get(ctr_spec(p, idx), "startupProbe") != NULL;
}

typedef struct {
    kpod_t *p;
    size_t idx;
    probe_kind_t kind;
} probe_t;

static void on_probe_kill(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    p->busy = false;
    if (code != 0)
        log_warn("kubelet", "stopping %s: %s", p->ctrs[p->next].id, err ? err->msg : "");
    step(p);
}

static void probe_outcome(kpod_t *p, size_t idx, probe_kind_t kind, probe_result_t r,
                          const char *msg)
{
    kctr_t *c = &p->ctrs[idx];
    c->probing = false;
    p->busy = false;
    if (p->k->stopping)
        return;
    if (p->deleting) {
        step(p);
        return;
    }
    const json_t *probe = json_object_get(ctr_spec(p, idx), probe_keys[kind]);
    probe_spec_t spec;
    c8s_err_t e = C8S_ERR_INIT;
    if (probe_spec_parse(probe, kind, &spec, &e) != 0) {
        c8s_err_clear(&e);
        return;
    }
    if (r == PROBE_FAILURE) {
        log_debug("kubelet", "pod %s/%s: container %s: %s probe failed: %s", p->ns, p->name,
                  c->name, probe_keys[kind], msg);
        static const char *const kinds[3] = {"Liveness", "Readiness", "Startup"};
        cleanup_free char *ev = xasprintf("%s probe failed: %s", kinds[kind], msg ? msg : "");
        ctr_event(p, c, "Warning", "Unhealthy", ev);
    }
    probe_action_t act = probe_observe(&c->probe[kind], &spec, r);
    if (kind == PROBE_STARTUP && c->probe[kind].result == PROBE_SUCCESS)
        c->startup_pending = false;
    if (act != PROBE_ACT_KILL)
        return;
    /* Liveness or startup failed: stop the container; the restart check brings it back per
     * policy. */
    log_info("kubelet", "pod %s/%s: container %s failed its %s; restarting", p->ns, p->name,
             c->name, probe_keys[kind]);
    int64_t grace = spec.grace_s >= 0 ? spec.grace_s : pod_grace_s(p);
    cleanup_free char *why = xasprintf("Container %s failed %s probe, will be restarted", c->name,
                                       kind == PROBE_STARTUP ? "startup" : "liveness");
    kill_ctr(p, idx, c8s_now_ms() + (uint64_t)grace * 1000, why, on_probe_kill);
}

static void on_exec_probe(const proc_result_t *r, void *data)
{
    probe_t *pr = data;
    kpod_t *p = pr->p;
    size_t idx = pr->idx;
    probe_kind_t kind = pr->kind;
    free(pr);
    /* Upstream's message is the command's combined output. */
    cleanup_free char *out = xasprintf("%s%s", r->out ? r->out : "", r->err ? r->err : "");
    probe_outcome(p, idx, kind, r->status == 0 ? PROBE_SUCCESS : PROBE_FAILURE,
                  r->status == 124 ? "command timed out" : out);
}

static void on_net_probe(probe_result_t r, const char *msg, void *data)
{
    probe_t *pr = data;
    kpod_t *p = pr->p;
    size_t idx = pr->idx;
    probe_kind_t kind = pr->kind;
    free(pr);
    probe_outcome(p, idx, kind, r, msg);
}

static bool start_probe(kpod_t *p, size_t i, probe_kind_t kind, const json_t *probe,
                        const probe_spec_t *spec)
{
    kubelet_t *k = p->k;
    kctr_t *c = &p->ctrs[i];
    probe_t *pr = xcalloc(1, sizeof(*pr));
    pr->p = p;
    pr->idx = i;
    pr->kind = kind;
    if (spec->handler == PROBE_HANDLER_EXEC) {
        /* timeoutSeconds ends the exec'd process (a failure), as upstream's exec probes do. */
        json_t *cmd = json_object_get(json_object_get(probe, "exec"), "command");
        char tbuf[32];
        const char **argv = kexec_argv(k, c->id, cmd, spec->timeout_ms, tbuf, sizeof(tbuf));
        c->probing = true;
        p->busy = true;
        proc_run(&k->loop, argv, NULL, NULL, 0, on_exec_probe, pr);
        free(argv);
        return true;
    }
    c8s_err_t e = C8S_ERR_INIT;
    if (probe_net_run(&k->loop, probe, spec, ctr_spec(p, i), p->pod_ip, on_net_probe, pr, &e) !=
        0) {
        /* Unrunnable probes (bad port names) count as failures, as upstream's do. */
        log_debug("kubelet", "pod %s/%s: container %s: %s: %s", p->ns, p->name, c->name,
                  probe_keys[kind], e.msg);
        c8s_err_clear(&e);
        free(pr);
        probe_outcome(p, i, kind, PROBE_FAILURE, "probe cannot run");
        return false;
    }
    c->probing = true;
    p->busy = true;
    return true;
}

/* Starts the longest-waiting due probe of the pod's app containers (one per pod at a time, the
 * pod busy meanwhile, so every container's probes take turns; exec probes as a runc exec child,
 * network ones on the thread pool, so no probe holds the loop). True when one was started. */
static bool run_probes(kpod_t *p)
{
    uint64_t now = c8s_now_ms();
    size_t best_i = 0;
    int best = -1;
    uint64_t best_last = UINT64_MAX;
    probe_spec_t best_spec;
    for (size_t i = 0; i < p->n_ctrs; i++) {
        kctr_t *c = &p->ctrs[i];
        if ((c->init && !c->sidecar) || !c->started || c->dead || c->probing)
            continue;
        for (int kind = 0; kind < 3; kind++) {
            const json_t *probe = json_object_get(ctr_spec(p, i), probe_keys[kind]);
            probe_spec_t spec;
            c8s_err_t e = C8S_ERR_INIT;
            if (!probe || probe_spec_parse(probe, (probe_kind_t)kind, &spec, &e) != 0) {
                c8s_err_clear(&e);
                continue;
            }
            if (!probe_due(&spec, c->started_ms, !c->startup_pending, c->probe_last_ms[kind], now))
                continue;
            if (c->probe_last_ms[kind] < best_last) {
                best_i = i;
                best = kind;
                best_last = c->probe_last_ms[kind];
                best_spec = spec;
            }
        }
    }
    if (best < 0)
        return false;
    p->ctrs[best_i].probe_last_ms[best] = now;
    return start_probe(p, best_i, (probe_kind_t)best,
                       json_object_get(ctr_spec(p, best_i), probe_keys[best]), &best_spec);
}

/* ---- eviction (the manager is eviction.c) ---- */

size_t kpod_candidates(kubelet_t *k, kpod_t ***out)
{
    size_t n = 0;
    for (kpod_t *p = k->pods; p; p = p->next_pod)
        n++;
    *out = xcalloc(n ? n : 1, sizeof(**out));
    n = 0;
    for (kpod_t *p = k->pods; p; p = p->next_pod)
        if (!p->busy && !p->rejected && !p->orphan && !p->deleting && p->sandbox_ready &&
            !terminal(p->pod))
            (*out)[n++] = p;
    return n;
}

const json_t *kpod_object(const kpod_t *p)
{
    return p->pod;
}

const char *kpod_cgroup(const kpod_t *p)
{
    return p->cgroup;
}

const char *kpod_dir(const kpod_t *p)
{
    return p->dir;
}

void kpod_evict(kpod_t *p, const char *msg)
{
    kubelet_t *k = p->k;
    p->rejected = true; /* nothing of it starts again */
    p->evicting = true;
    kubelet_event(k, p->pod, NULL, "Warning", "Evicted", "%s", msg);
    cleanup_json json_t *patch = json_pack("{s:{s:s, s:s, s:s}}", "status", "phase", "Failed",
                                           "reason", "Evicted", "message", msg);
    cleanup_free char *body = json_dumps(patch, JSON_COMPACT);
    cleanup_free char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
    client_request(k->client, "PATCH", path, "application/merge-patch+json", body, strlen(body),
                   on_status_sent, k);
    p->busy = true;
    p->stop_step = 0;
    p->stop_deadline_ms = c8s_now_ms() + 1000;
    stop_next(p);
}

static void on_sidecar_stopped(int code, const c8s_err_t *err, void *data)
{
    kpod_t *p = data;
    p->busy = false;
    if (code != 0)
        log_warn("kubelet", "stopping %s: %s", p->ctrs[p->next].id, err ? err->msg : "");
}

/* Once the app's containers are done for good (restartPolicy Never or OnFailure), the sidecars
 * are stopped, the last one first, so the pod can finish (upstream's SidecarContainers). True
 * when one is being stopped. */
static bool stop_sidecars(kpod_t *p)
{
    if (!apps_finished(p))
        return false;
    for (size_t i = p->n_init; i-- > 0;) {
        kctr_t *c = &p->ctrs[i];
        if (!c->sidecar || !c->started || c->dead)
            continue;
        cleanup_json json_t *st = NULL;
        if (runtime_status(p->k->rt, c->id, &st, NULL) != 0 ||
            strcmp(str(st, "state") ?: "", "running") != 0)
            continue;
        kill_ctr(p, i, c8s_now_ms() + (uint64_t)pod_grace_s(p) * 1000, NULL, on_sidecar_stopped);
        return true;
    }
    return false;
}

void kpod_tick(kubelet_t *k)
{
    if (k->run_pods)
        keviction_tick(k);
    for (kpod_t *p = k->pods, *next; p; p = next) {
        next = p->next_pod;
        if (p->deleting && !p->busy) {
            /* A deletion that arrived while an operation was in flight which then failed
             * (fail_pod does not step): the teardown starts now. */
            step(p);
        } else if (p->failed && !p->busy && !p->deleting) {
            p->failed = false;
            report(p);
            step(p);
        } else if (p->sandbox_ready && !p->busy && !p->deleting) {
            if (check_restarts(p))
                continue;
            if (p->cursor < p->n_ctrs) {
                /* A sidecar's startupProbe must pass before the next container starts. */
                if (!run_probes(p))
                    step(p); /* an init container may have finished */
                continue;
            }
            if (stop_sidecars(p))
                continue;
            report(p);
            if (p->token_refresh_ms && c8s_now_ms() >= p->token_refresh_ms) {
                renew_tokens(p);
                continue;
            }
            run_probes(p);
        }
    }
}

void kpod_stats_foreach(kubelet_t *k, kpod_stats_fn fn, void *data)
{
    for (kpod_t *p = k->pods; p; p = p->next_pod)
        if (p->sandbox_ready && !p->orphan && p->cgroup)
            fn(p->ns, p->name, p->uid, p->cgroup, p->ctrs, p->n_ctrs, data);
}
