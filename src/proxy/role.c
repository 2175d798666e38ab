/*
 * role.c — the proxy role: a thread with its own loop that keeps the node's iptables (or, in
 * nftables mode, its table ip kube-proxy) equal to what the Services and EndpointSlices say.
 * Changes are coalesced: at most one sync per min_sync_ms, counted from a sync's start as
 * upstream's BoundedFrequencyRunner does (pacer.c), one payload per sync, applied by one
 * iptables-restore --noflush (or nft -f); a full rewrite first (after adopting the chains a
 * previous run left), after any failure, and every full_sync_ms. Nothing is written before both
 * informers have their first list, so a restart never empties the tables in between.
 */
#include "c8s/client.h"
#include "c8s/informer.h"
#include "c8s/proc.h"
#include "c8s/proxy.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MIN_SYNC_MS_DEFAULT  1000
#define FULL_SYNC_MS_DEFAULT 3600000

struct proxy_s {
    apiserver_t *srv;
    uv_loop_t loop;
    uv_thread_t thread;
    uv_async_t stop_async;
    uv_timer_t timer, full_timer;
    client_t *client;
    informer_t *services, *slices, *pods, *namespaces, *policies, *nodes;
    proxy_config_t cfg;
    char *node_name, *cluster_cidr;
    char save_cmd[64], restore_cmd[64];
    proxy_rules_t *rules;
    proxy_nft_t *nftr; /* nftables mode's state; NULL in iptables mode */
    json_t *changed;   /* "ns/name" of services changed since the last build */
    char *ipt_next;    /* nftables mode: the iptables payload (NetworkPolicy) after nft's */
    char *ipt_first;   /* nftables mode: iptables-mode leftovers to remove, before ipt_next */
    netpol_t *netpol;
    char *jumps;                     /* jumps still to insert after the first sync's payload */
    json_t *udp_applied, *udp_built; /* UDP snapshots: what the tables hold, what is on its way */
    json_t *ct_cmds;                 /* conntrack deletions of this sync, run one by one */
    size_t ct_next;
    bool ct_warned;
    bool adopted, busy, dirty, need_full, stopping;
    bool nft;            /* the iptables commands are the nf_tables backend's */
    bool nft_broken;     /* the default mode fell back: nft cannot work, so no table to remove */
    proxy_pacer_t pacer; /* when the next sync may start */
    int pending_stops;
    atomic_ulong syncs;
};

static void start_sync(proxy_t *p);

static void on_timer(uv_timer_t *t)
{
    proxy_t *p = t->data;
    if (!p->stopping && p->dirty && !p->busy)
        start_sync(p);
}

/* Something changed: sync now, or as soon as the minimum interval allows. */
static void request(proxy_t *p)
{
    p->dirty = true;
    if (p->stopping || p->busy || !informer_synced(p->services) || !informer_synced(p->slices) ||
        !informer_synced(p->pods) || !informer_synced(p->namespaces) ||
        !informer_synced(p->policies) || !informer_synced(p->nodes))
        return;
    uint64_t wait = proxy_pacer_wait_ms(&p->pacer, c8s_now_ns(), p->cfg.min_sync_ms);
    if (wait)
        uv_timer_start(&p->timer, on_timer, wait, 0);
    else
        start_sync(p);
}

static void on_full_timer(uv_timer_t *t)
{
    proxy_t *p = t->data;
    p->need_full = true;
    request(p);
}

static void finish_stop(proxy_t *p);

/* A command has ended: go on with the next step of the sync, or of the stop. */
static bool stopping_after_exec(proxy_t *p)
{
    p->busy = false;
    if (!p->stopping)
        return false;
    finish_stop(p);
    return true;
}

static void sync_done(proxy_t *p, bool ok)
{
    p->busy = false;
    proxy_pacer_finished(&p->pacer, c8s_now_ns());
    log_debug("proxy", "sync %s in %llu ms", ok ? "done" : "failed",
              (unsigned long long)proxy_pacer_last_ms(&p->pacer));
    if (ok) {
        atomic_fetch_add(&p->syncs, 1);
    } else {
        p->need_full = true;
        p->dirty = true;
    }
    if (p->dirty)
        request(p);
}

static bool add_obj(json_t *obj, void *data)
{
    json_array_append(data, obj);
    return true;
}

static void run_conntrack(proxy_t *p);

static void on_conntrack(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    /* 1 is "0 flow entries have been deleted": nothing was stale. */
    if (r->status == 127) {
        if (!p->ct_warned)
            log_warn("proxy", "conntrack not found: stale UDP flows to services are not cleared");
        p->ct_warned = true;
        p->ct_next = json_array_size(p->ct_cmds);
    } else if (r->status != 0 && r->status != 1) {
        log_warn("proxy", "conntrack failed (%d): %s", r->status, r->err);
    }
    run_conntrack(p);
}

static void run_conntrack(proxy_t *p)
{
    json_t *args = json_array_get(p->ct_cmds, p->ct_next);
    if (!args) {
        json_decref(p->ct_cmds);
        p->ct_cmds = NULL;
        sync_done(p, true);
        return;
    }
    p->ct_next++;
    const char *argv[16] = {"conntrack"};
    size_t n = 1, i;
    json_t *a;
    json_array_foreach(args, i, a)
    {
        if (n + 1 < sizeof(argv) / sizeof(argv[0]))
            argv[n++] = json_string_value(a);
    }
    argv[n] = NULL;
    p->busy = true;
    proc_run(&p->loop, argv, NULL, NULL, 0, on_conntrack, p);
}

/* The end of a successful sync: the UDP flows the new rules leave stale are deleted. */
static void clear_stale_udp(proxy_t *p)
{
    json_t *built = p->udp_built;
    p->udp_built = NULL;
    if (!built) {
        sync_done(p, true);
        return;
    }
    json_decref(p->ct_cmds);
    p->ct_cmds = proxy_conntrack_plan(p->udp_applied, built);
    p->ct_next = 0;
    json_decref(p->udp_applied);
    p->udp_applied = built;
    run_conntrack(p);
}

static void on_routes_set(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    if (r->status != 0) {
        log_warn("proxy", "setting the routes to other nodes failed (%d): %s", r->status, r->err);
        sync_done(p, false);
        return;
    }
    clear_stale_udp(p);
}

static void on_routes_listed(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    cleanup_json json_t *current = r->status == 0 ? json_loads(r->out, 0, NULL) : NULL;
    if (!current) {
        log_warn("proxy", "listing routes failed (%d): %s", r->status, r->err);
        sync_done(p, false);
        return;
    }
    cleanup_json json_t *nodes = json_array();
    informer_foreach(p->nodes, add_obj, nodes);
    strbuf_t cmds = STRBUF_INIT;
    proxy_routes_plan(nodes, p->node_name, current, &cmds);
    if (cmds.len == 0) {
        clear_stale_udp(p);
        return;
    }
    p->busy = true;
    const char *argv[] = {"ip", "-batch", "-", NULL};
    proc_run(&p->loop, argv, NULL, cmds.s, cmds.len, on_routes_set, p);
    strbuf_free(&cmds);
}

/* The last step of a sync: routes to the other nodes' pod CIDRs. */
static void sync_routes(proxy_t *p)
{
    p->busy = true;
    const char *argv[] = {"ip", "-j", "route", "show", "proto", "144", NULL};
    proc_run(&p->loop, argv, NULL, NULL, 0, on_routes_listed, p);
}

static void on_jumps(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    int status = r->status;
    const char *errt = r->err;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "inserting the jump rules failed (%d): %s", status, errt);
        sync_done(p, false);
        return;
    }
    free(p->jumps);
    p->jumps = NULL;
    sync_routes(p);
}

static void after_tables(proxy_t *p);

static void on_restored(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    int status = r->status;
    const char *errt = r->err;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "iptables-restore failed (%d): %s", status, errt);
        sync_done(p, false);
        return;
    }
    after_tables(p);
}

/* The tables are written: the jumps into them if still missing, then the routes. */
static void after_tables(proxy_t *p)
{
    if (p->jumps && *p->jumps) {
        p->busy = true;
        const char *argv[] = {p->restore_cmd, "-w", "5", "--noflush", NULL};
        proc_run(&p->loop, argv, NULL, p->jumps, strlen(p->jumps), on_jumps, p);
        return;
    }
    sync_routes(p);
}

static void on_nft_applied(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    int status = r->status;
    const char *errt = r->err;
    cleanup_free char *ipt = p->ipt_next;
    p->ipt_next = NULL;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "nft -f failed (%d): %s", status, errt);
        proxy_nft_forget(p->nftr);
        sync_done(p, false);
        return;
    }
    if (ipt && *ipt) {
        p->busy = true;
        const char *argv[] = {p->restore_cmd, "-w", "5", "--noflush", NULL};
        proc_run(&p->loop, argv, NULL, ipt, strlen(ipt), on_restored, p);
        return;
    }
    after_tables(p);
}

static void apply(proxy_t *p)
{
    cleanup_json json_t *svcs = json_array();
    cleanup_json json_t *slices = json_array();
    informer_foreach(p->services, add_obj, svcs);
    informer_foreach(p->slices, add_obj, slices);
    proxy_opts_t o = {.node_name = p->node_name,
                      .cluster_cidr = p->cluster_cidr,
                      .chains_per_commit = p->nft ? PROXY_NFT_CHAINS_PER_COMMIT : 0};
    strbuf_t payload = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    strbuf_t script = STRBUF_INIT; /* nftables mode */
    bool full = p->need_full;
    p->need_full = false;
    /* What changes from now on is the next build's (this one sees the informers as they are). */
    cleanup_json json_t *changed = p->changed;
    p->changed = json_object();
    if (p->nftr ? proxy_nft_build(p->nftr, svcs, slices, changed, &o, full, &script, &err) != 0
                : proxy_rules_build_dirty(p->rules, svcs, slices, changed, &o, full, &payload,
                                          &err) != 0) {
        log_warn("proxy", "building the rules: %s", err.msg);
        strbuf_free(&payload);
        strbuf_free(&script);
        sync_done(p, false);
        return;
    }
    json_decref(p->udp_built);
    p->udp_built = proxy_udp_snapshot(svcs, slices);
    cleanup_json json_t *pods = json_array();
    cleanup_json json_t *namespaces = json_array();
    cleanup_json json_t *policies = json_array();
    informer_foreach(p->pods, add_obj, pods);
    informer_foreach(p->namespaces, add_obj, namespaces);
    informer_foreach(p->policies, add_obj, policies);
    if (netpol_build(p->netpol, policies, pods, namespaces, p->node_name, &payload, &err) != 0) {
        log_warn("proxy", "building the network policy rules: %s", err.msg);
        strbuf_free(&payload);
        strbuf_free(&script);
        sync_done(p, false);
        return;
    }
    log_debug("proxy", "sync: %zu services, %zu slices, %zu bytes%s", json_array_size(svcs),
              json_array_size(slices), payload.len + script.len, full ? " (full)" : "");
    if (p->nftr) {
        /* Services first (nft applies its script as one transaction), then NetworkPolicy. */
        strbuf_t ipt = STRBUF_INIT;
        if (p->ipt_first)
            strbuf_add(&ipt, p->ipt_first);
        free(p->ipt_first);
        p->ipt_first = NULL;
        if (payload.len)
            strbuf_addn(&ipt, payload.s, payload.len);
        strbuf_free(&payload);
        free(p->ipt_next);
        p->ipt_next = strbuf_take(&ipt);
        const char *nargv[] = {"nft", "-f", "-", NULL};
        proc_run(&p->loop, nargv, NULL, script.s, script.len, on_nft_applied, p);
        strbuf_free(&script);
        return;
    }
    const char *argv[] = {p->restore_cmd, "-w", "5", "--noflush", NULL};
    proc_run(&p->loop, argv, NULL, payload.s, payload.len, on_restored, p);
    strbuf_free(&payload);
}

static void on_nft_removed(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    if (stopping_after_exec(p))
        return;
    /* 127: no nft on this node, so no table either. */
    if (r->status != 0 && r->status != 127)
        log_warn("proxy", "removing the nftables mode's table failed (%d): %s", r->status, r->err);
    p->busy = true;
    apply(p);
}

static void on_saved(const proc_result_t *r, void *data)
{
    proxy_t *p = data;
    int status = r->status;
    const char *errt = r->err;
    if (stopping_after_exec(p))
        return;
    if (status != 0) {
        log_warn("proxy", "%s failed (%d): %s", p->save_cmd, status, errt);
        sync_done(p, false);
        return;
    }
    strbuf_t j = STRBUF_INIT;
    if (p->nftr) {
        /* Services are in nftables: the KUBE-* chains an iptables-mode run left go (in the
         * first payload, ahead of NetworkPolicy's), or both modes would rewrite connections. */
        strbuf_t gone = STRBUF_INIT;
        proxy_rules_cleanup_services(r->out, &gone);
        free(p->ipt_first);
        p->ipt_first = strbuf_take(&gone);
        proxy_rules_netpol_jumps(r->out, &j);
    } else {
        proxy_rules_adopt(p->rules, r->out);
        proxy_rules_jumps(r->out, &j);
    }
    free(p->jumps);
    p->jumps = strbuf_take(&j);
    p->adopted = true;
    p->busy = true;
    if (p->nftr || p->nft_broken) {
        apply(p);
        return;
    }
    /* Services are in iptables: the table a nftables-mode run left goes first, or both modes
     * would rewrite connections. */
    strbuf_t script = STRBUF_INIT;
    proxy_nft_cleanup(&script);
    const char *argv[] = {"nft", "-f", "-", NULL};
    proc_run(&p->loop, argv, NULL, script.s, script.len, on_nft_removed, p);
    strbuf_free(&script);
}

static void start_sync(proxy_t *p)
{
    uv_timer_stop(&p->timer);
    proxy_pacer_started(&p->pacer, c8s_now_ns());
    p->busy = true;
    p->dirty = false;
    if (!p->adopted) {
        /* First look at what is there: chains of a previous run, jumps already in place. */
        p->need_full = true;
        const char *argv[] = {p->save_cmd, NULL};
        proc_run(&p->loop, argv, NULL, NULL, 0, on_saved, p);
        return;
    }
    apply(p);
}

static void on_change(informer_t *inf, json_t *obj, void *data)
{
    request(data);
}

static void on_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    request(data);
}

/* The service an object is about: a Service itself, or an EndpointSlice's owner (its label). */
static void mark_changed(proxy_t *p, const json_t *obj, bool slice)
{
    const json_t *md = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(md, "namespace"));
    const char *name = slice ? json_string_value(json_object_get(json_object_get(md, "labels"),
                                                                 "kubernetes.io/service-name"))
                             : json_string_value(json_object_get(md, "name"));
    if (!ns || !name)
        return;
    char key[600];
    snprintf(key, sizeof(key), "%s/%s", ns, name);
    json_object_set_new(p->changed, key, json_true());
}

static void on_svc_change(informer_t *inf, json_t *obj, void *data)
{
    mark_changed(data, obj, false);
    request(data);
}

static void on_svc_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    mark_changed(data, obj, false);
    request(data);
}

static void on_slice_change(informer_t *inf, json_t *obj, void *data)
{
    mark_changed(data, obj, true);
    request(data);
}

/* A slice may move to another service (its label): both change. */
static void on_slice_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    mark_changed(data, old, true);
    mark_changed(data, obj, true);
    request(data);
}

/* Nodes post their status every few seconds; only a new pod CIDR or address changes routes. */
static void on_node_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    const char *fields[][2] = {{"spec", "podCIDR"}, {"status", "addresses"}};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(fields); i++) {
        json_t *a = json_object_get(json_object_get(old, fields[i][0]), fields[i][1]);
        json_t *b = json_object_get(json_object_get(obj, fields[i][0]), fields[i][1]);
        if (!(a == b || (a && b && json_equal(a, b)))) {
            request(data);
            return;
        }
    }
}

/* Pods and namespaces matter only to NetworkPolicy: with no policy the rules do not depend on
 * them (netpol_build's output is the same), so their changes need no sync. Syncing anyway kept
 * the proxy inside its min_sync_ms window all through a rollout, so the EndpointSlice change of a
 * pod turning Ready waited that long before the Service reached it (CI's e2e/cluster "No route
 * to host": the probe pod's first connection left before its DNAT rule existed). */
static bool policies_matter(proxy_t *p)
{
    return p->policies && informer_size(p->policies) > 0;
}

static void on_peer_change(informer_t *inf, json_t *obj, void *data)
{
    if (policies_matter(data))
        request(data);
}

static void on_namespace_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    if (policies_matter(data))
        request(data);
}

/* Pods change status all the time; NetworkPolicy only cares about who they are and where. */
static void on_pod_update(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    if (!policies_matter(data))
        return;
    const char *fields[][2] = {
        {"metadata", "labels"}, {"spec", "nodeName"}, {"status", "podIP"}, {"status", "phase"}};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(fields); i++) {
        json_t *a = json_object_get(json_object_get(old, fields[i][0]), fields[i][1]);
        json_t *b = json_object_get(json_object_get(obj, fields[i][0]), fields[i][1]);
        if (!(a == b || (a && b && json_equal(a, b)))) {
            request(data);
            return;
        }
    }
}

static void on_synced(informer_t *inf, void *data)
{
    request(data);
}

static void on_client_closed(void *data)
{
    proxy_t *p = data;
    uv_close((uv_handle_t *)&p->stop_async, NULL);
    uv_close((uv_handle_t *)&p->timer, NULL);
    uv_close((uv_handle_t *)&p->full_timer, NULL);
}

static void finish_stop(proxy_t *p)
{
    if (--p->pending_stops == 0)
        client_close(p->client, on_client_closed, p);
}

static void on_part_stopped(void *data)
{
    finish_stop(data);
}

static void on_stop(uv_async_t *a)
{
    proxy_t *p = a->data;
    p->stopping = true;
    uv_timer_stop(&p->timer);
    uv_timer_stop(&p->full_timer);
    /* The informers, and the command in flight if any (its callback counts itself). */
    p->pending_stops = 6 + (p->busy ? 1 : 0);
    informer_stop(p->nodes, on_part_stopped, p);
    informer_stop(p->services, on_part_stopped, p);
    informer_stop(p->slices, on_part_stopped, p);
    informer_stop(p->pods, on_part_stopped, p);
    informer_stop(p->namespaces, on_part_stopped, p);
    informer_stop(p->policies, on_part_stopped, p);
}

static void run(void *arg)
{
    proxy_t *p = arg;
    informer_handlers_t h = {on_change, on_update, on_change, on_synced};
    informer_handlers_t vh = {on_svc_change, on_svc_update, on_svc_change, on_synced};
    informer_handlers_t sh = {on_slice_change, on_slice_update, on_slice_change, on_synced};
    p->services = informer_start(p->client, "/api/v1/services", NULL, &vh, p);
    p->slices = informer_start(p->client, "/apis/discovery.k8s.io/v1/endpointslices", NULL, &sh, p);
    /* NetworkPolicy: every pod is a possible peer; only this node's are enforced here. */
    informer_handlers_t ph = {on_peer_change, on_pod_update, on_peer_change, on_synced};
    p->pods = informer_start(p->client, "/api/v1/pods", NULL, &ph, p);
    informer_handlers_t nsh = {on_peer_change, on_namespace_update, on_peer_change, on_synced};
    p->namespaces = informer_start(p->client, "/api/v1/namespaces", NULL, &nsh, p);
    p->policies =
        informer_start(p->client, "/apis/networking.k8s.io/v1/networkpolicies", NULL, &h, p);
    informer_handlers_t nh = {on_change, on_node_update, on_change, on_synced};
    p->nodes = informer_start(p->client, "/api/v1/nodes", NULL, &nh, p);
    uv_timer_start(&p->full_timer, on_full_timer, p->cfg.full_sync_ms, p->cfg.full_sync_ms);
    uv_run(&p->loop, UV_RUN_DEFAULT);
}

static void free_proxy(proxy_t *p)
{
    proxy_rules_free(p->rules);
    proxy_nft_free(p->nftr);
    json_decref(p->changed);
    free(p->ipt_next);
    free(p->ipt_first);
    netpol_free(p->netpol);
    free(p->jumps);
    json_decref(p->udp_applied);
    json_decref(p->udp_built);
    json_decref(p->ct_cmds);
    free(p->node_name);
    free(p->cluster_cidr);
    free(p);
}

int proxy_mode_parse(const char *s)
{
    if (strcmp(s, "iptables") == 0)
        return PROXY_MODE_IPTABLES;
    if (strcmp(s, "nftables") == 0)
        return PROXY_MODE_NFTABLES;
    return -1;
}

/* 0 when `nft argv1 argv2` runs and succeeds; otherwise fills why (owned by the caller). */
static int nft_works(const char *a1, const char *a2, char **why)
{
    const char *argv[] = {"nft", a1, a2, NULL};
    proc_result_t v = {0};
    int rc = proc_run_sync(argv, NULL, NULL, 0, &v);
    if (rc != 0) {
        const char *e = v.err ? v.err : "";
        int elen = (int)strcspn(e, "\n");
        *why = v.status == 127
                   ? xstrdup("nft is not installed")
                   : xasprintf("`nft %s%s%s` failed (%d)%s%.*s", a1, a2 ? " " : "", a2 ? a2 : "",
                               v.status, elen ? ": " : "", elen > 200 ? 200 : elen, e);
    }
    free((char *)v.out);
    free((char *)v.err);
    return rc;
}

/* The mode a config asks for, resolved: the default falls back to iptables (said once) where
 * nft is missing or the kernel has no nf_tables; asked explicitly, nftables without a working
 * nft is refused, said once at start rather than as a failed sync every second. */
static int resolve_mode(proxy_mode_t asked, bool *nftables, bool *nft_broken, c8s_err_t *err)
{
    *nftables = *nft_broken = false;
    if (asked == PROXY_MODE_IPTABLES)
        return 0;
    cleanup_free char *why = NULL;
    if (asked == PROXY_MODE_NFTABLES) {
        if (nft_works("--version", NULL, &why) != 0)
            return c8s_err_set(err, C8S_EINVALID,
                               "--proxy-mode nftables needs nft (Debian package nftables)");
        *nftables = true;
        return 0;
    }
    /* `nft list tables` needs nf_tables in the kernel (and CAP_NET_ADMIN), which --version
     * does not: it is what the first sync would need. */
    if (nft_works("list", "tables", &why) != 0) {
        log_warn("proxy",
                 "nftables mode (the default) cannot work here: %s; using iptables mode "
                 "(--proxy-mode iptables says so explicitly)",
                 why);
        *nft_broken = true;
        return 0;
    }
    *nftables = true;
    return 0;
}

int proxy_start(apiserver_t *srv, const proxy_config_t *cfg, proxy_t **out, c8s_err_t *err)
{
    bool nftables = false, nft_broken = false;
    if (resolve_mode(cfg->mode, &nftables, &nft_broken, err) != 0)
        return err->code;
    proxy_t *p = xcalloc(1, sizeof(*p));
    p->srv = srv;
    p->cfg = *cfg;
    if (!p->cfg.min_sync_ms)
        p->cfg.min_sync_ms = MIN_SYNC_MS_DEFAULT;
    if (!p->cfg.full_sync_ms)
        p->cfg.full_sync_ms = FULL_SYNC_MS_DEFAULT;
    p->node_name = xstrdup(cfg->node_name ? cfg->node_name : "");
    p->cluster_cidr = xstrdup(cfg->cluster_cidr ? cfg->cluster_cidr : "10.244.0.0/16");
    const char *ipt = cfg->iptables && *cfg->iptables ? cfg->iptables : "iptables";
    snprintf(p->save_cmd, sizeof(p->save_cmd), "%s-save", ipt);
    snprintf(p->restore_cmd, sizeof(p->restore_cmd), "%s-restore", ipt);
    p->cfg.node_name = p->cfg.cluster_cidr = p->cfg.iptables = NULL; /* not kept: copied above */
    const char *ver_argv[] = {p->restore_cmd, "--version", NULL};
    proc_result_t ver = {0};
    if (proc_run_sync(ver_argv, NULL, NULL, 0, &ver) == 0 && ver.out)
        p->nft = strstr(ver.out, "nf_tables") != NULL;
    free((char *)ver.out);
    free((char *)ver.err);
    p->rules = proxy_rules_new();
    p->nftr = nftables ? proxy_nft_new() : NULL;
    p->nft_broken = nft_broken;
    p->changed = json_object();
    p->netpol = netpol_new();
    /* Pods on one bridge talk at layer 2: their traffic must pass iptables for services'
     * hairpin and for NetworkPolicy (what kube-proxy and policy agents require too). */
    FILE *f = fopen("/proc/sys/net/bridge/bridge-nf-call-iptables", "w");
    if (!f || fputs("1\n", f) < 0)
        log_warn("proxy", "cannot enable bridge-nf-call-iptables; NetworkPolicy will not see "
                          "traffic between pods of one node");
    if (f)
        fclose(f);
    atomic_init(&p->syncs, 0);
    int rc = uv_loop_init(&p->loop);
    if (rc != 0) {
        free_proxy(p);
        return c8s_err_set(err, C8S_ESYS, "uv_loop_init: %s", uv_strerror(rc));
    }
    uv_async_init(&p->loop, &p->stop_async, on_stop);
    p->stop_async.data = p;
    uv_timer_init(&p->loop, &p->timer);
    uv_timer_init(&p->loop, &p->full_timer);
    p->timer.data = p->full_timer.data = p;
    p->client = cfg->remote ? client_new_http(&p->loop, cfg->remote, err)
                            : client_new_inproc(srv, &p->loop);
    p->cfg.remote = NULL; /* copied by the client */
    if (!p->client) {
        on_client_closed(p);
        uv_run(&p->loop, UV_RUN_DEFAULT);
        uv_loop_close(&p->loop);
        free_proxy(p);
        return err->code;
    }
    rc = uv_thread_create(&p->thread, run, p);
    if (rc != 0) {
        client_close(p->client, on_client_closed, p);
        uv_run(&p->loop, UV_RUN_DEFAULT);
        uv_loop_close(&p->loop);
        free_proxy(p);
        return c8s_err_set(err, C8S_ESYS, "starting the proxy thread: %s", uv_strerror(rc));
    }
    if (p->nftr)
        log_info("proxy",
                 "programming nftables (table ip %s; NetworkPolicy in %s, %s backend), "
                 "cluster CIDR %s, node %s",
                 PROXY_NFT_TABLE, ipt, p->nft ? "nf_tables" : "legacy", p->cluster_cidr,
                 p->node_name);
    else
        log_info("proxy", "programming %s rules (%s backend, cluster CIDR %s, node %s)", ipt,
                 p->nft ? "nf_tables" : "legacy", p->cluster_cidr, p->node_name);
    *out = p;
    return 0;
}

void proxy_stop(proxy_t *p)
{
    if (!p)
        return;
    uv_async_send(&p->stop_async);
    uv_thread_join(&p->thread);
    if (uv_loop_close(&p->loop) != 0)
        log_warn("proxy", "loop closed with handles open");
    free_proxy(p);
}

unsigned long proxy_syncs(const proxy_t *p)
{
    return atomic_load(&((proxy_t *)p)->syncs);
}

/* ---- `c8s proxy --cleanup` ---- */

/* Removes the nftables mode's table; nothing to do without nft, or where nft cannot list the
 * tables (no nf_tables in the kernel): the mode cannot have run there, the iptables fallback
 * did. */
static int cleanup_nft(c8s_err_t *err)
{
    strbuf_t script = STRBUF_INIT;
    proxy_nft_cleanup(&script);
    proc_result_t w = {0};
    const char *argv[] = {"nft", "-f", "-", NULL};
    int rc = 0;
    cleanup_free char *why = NULL;
    if (proc_run_sync(argv, NULL, script.s, script.len, &w) != 0 && w.status != 127 &&
        nft_works("list", "tables", &why) == 0)
        rc = c8s_err_set(err, C8S_ESYS, "nft failed (%d): %s", w.status, w.err);
    strbuf_free(&script);
    free((char *)w.out);
    free((char *)w.err);
    return rc;
}

static int cleanup_iptables(const char *iptables, c8s_err_t *err);

/* Both modes' leftovers, each whatever the other's outcome (one failing must not keep the
 * other's rules); the first error is the one returned. */
int proxy_cleanup(const char *iptables, c8s_err_t *err)
{
    c8s_err_t nerr = C8S_ERR_INIT;
    int nrc = cleanup_nft(&nerr);
    int rc = cleanup_iptables(iptables, err);
    if (nrc != 0 && rc == 0) {
        rc = c8s_err_set(err, nrc, "%s", nerr.msg);
    } else if (nrc != 0) {
        log_error("proxy", "%s", nerr.msg);
    }
    c8s_err_clear(&nerr);
    return rc;
}

static int cleanup_iptables(const char *iptables, c8s_err_t *err)
{
    const char *ipt = iptables && *iptables ? iptables : "iptables";
    char save[64], restore[64];
    snprintf(save, sizeof(save), "%s-save", ipt);
    snprintf(restore, sizeof(restore), "%s-restore", ipt);
    proc_result_t r = {0};
    const char *sargv[] = {save, NULL};
    int rc = 0;
    if (proc_run_sync(sargv, NULL, NULL, 0, &r) != 0) {
        rc = c8s_err_set(err, C8S_ESYS, "%s failed (%d): %s", save, r.status, r.err);
        free((char *)r.out);
        free((char *)r.err);
        return rc;
    }
    strbuf_t payload = STRBUF_INIT;
    proxy_rules_cleanup(r.out, &payload);
    free((char *)r.out);
    free((char *)r.err);
    if (payload.len == 0)
        return 0;
    proc_result_t w = {0};
    const char *rargv[] = {restore, "-w", "5", "--noflush", NULL};
    if (proc_run_sync(rargv, NULL, payload.s, payload.len, &w) != 0)
        rc = c8s_err_set(err, C8S_ESYS, "%s failed (%d): %s", restore, w.status, w.err);
    strbuf_free(&payload);
    free((char *)w.out);
    free((char *)w.err);
    return rc;
}
