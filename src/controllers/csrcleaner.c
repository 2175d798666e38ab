/*
 * csrcleaner.c — upstream's csrcleaner: deletes CertificateSigningRequests that are done with
 * (csrclean_core.c decides which, and when the others will be). Upstream lists every CSR once an
 * hour; here each CSR is looked at when it appears or changes and again at the moment it becomes
 * due, so none waits up to an hour past its age. C8S_CSR_CLEANER_AGES_MS="approved,denied,pending"
 * (read at start) shortens the ages for tests.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    client_t *client;
    informer_t *csrs;
    informer_reg_t *reg;
    workqueue_t *queue;
    controllers_csrclean_ages_t ages;
    void (*done)(void *data);
    void *done_data;
} cleaner_t;

typedef struct {
    cleaner_t *c;
    char *name;
} del_t;

static void on_deleted(const client_resp_t *resp, void *data)
{
    del_t *d = data;
    /* 404: gone already; 409: its uid changed (a new CSR of the same name), which its own
     * event brings back. */
    if ((resp->status >= 200 && resp->status < 300) || resp->status == 404 || resp->status == 409) {
        workqueue_forget(d->c->queue, d->name);
    } else {
        log_warn("controllers", "csrcleaner: deleting %s: %d %.*s", d->name, resp->status,
                 (int)resp->len, resp->body ? resp->body : "");
        workqueue_add_rate_limited(d->c->queue, d->name);
    }
    workqueue_done(d->c->queue, d->name);
    free(d->name);
    free(d);
}

static void process(workqueue_t *q, const char *name, void *data)
{
    cleaner_t *c = data;
    const json_t *csr = informer_get(c->csrs, NULL, name);
    int64_t recheck = 0;
    if (!csr || controllers__meta(csr, "deletionTimestamp") ||
        !controllers__csrclean_due(csr, &c->ages, controllers__now_ms(), &recheck)) {
        if (csr && recheck > 0)
            workqueue_add_after(q, name, (uint64_t)recheck);
        workqueue_done(q, name);
        return;
    }
    log_info("controllers", "csrcleaner: deleting certificatesigningrequest %s", name);
    /* The uid as a precondition: what was judged is what goes. */
    const char *uid = controllers__meta(csr, "uid");
    cleanup_json json_t *opts = json_pack("{s:s, s:s, s:{s:s?}}", "apiVersion", "v1", "kind",
                                          "DeleteOptions", "preconditions", "uid", uid);
    cleanup_free char *body = json_dumps(opts, JSON_COMPACT);
    cleanup_free char *path =
        xasprintf("/apis/certificates.k8s.io/v1/certificatesigningrequests/%s", name);
    del_t *d = xcalloc(1, sizeof(*d));
    d->c = c;
    d->name = xstrdup(name);
    client_request(c->client, "DELETE", path, "application/json", body, strlen(body), on_deleted,
                   d);
}

static void csr_seen(informer_t *inf, json_t *obj, void *data)
{
    const char *name = controllers__meta(obj, "name");
    if (name)
        workqueue_add(((cleaner_t *)data)->queue, name);
}

static void csr_updated(informer_t *inf, json_t *old, json_t *obj, void *data)
{
    csr_seen(inf, obj, data);
}

/* The ages from C8S_CSR_CLEANER_AGES_MS, each field left at its default when absent or not a
 * positive number. */
static void read_ages(controllers_csrclean_ages_t *a)
{
    *a = (controllers_csrclean_ages_t){CSRCLEAN_APPROVED_MS, CSRCLEAN_DENIED_MS,
                                       CSRCLEAN_PENDING_MS};
    const char *e = getenv("C8S_CSR_CLEANER_AGES_MS");
    long long v[3] = {0, 0, 0};
    if (!e || sscanf(e, "%lld,%lld,%lld", &v[0], &v[1], &v[2]) < 1)
        return;
    if (v[0] > 0)
        a->approved_ms = v[0];
    if (v[1] > 0)
        a->denied_ms = v[1];
    if (v[2] > 0)
        a->pending_ms = v[2];
    log_info("controllers",
             "csrcleaner: ages %lld ms approved, %lld ms denied or failed, %lld ms "
             "pending (C8S_CSR_CLEANER_AGES_MS)",
             (long long)a->approved_ms, (long long)a->denied_ms, (long long)a->pending_ms);
}

static ctrl_t *cleaner_start(controllers_t *cm)
{
    cleaner_t *c = xcalloc(1, sizeof(*c));
    read_ages(&c->ages);
    c->client = controllers__client(cm);
    c->queue = workqueue_new(client_loop(c->client), 1, process, c);
    c->csrs = controllers__informer(cm, "/apis/certificates.k8s.io/v1/certificatesigningrequests");
    informer_handlers_t h = {.on_add = csr_seen, .on_update = csr_updated};
    c->reg = informer_add_handlers(c->csrs, &h, c);
    return (ctrl_t *)c;
}

static void on_queue_closed(void *data)
{
    cleaner_t *c = data;
    void (*done)(void *) = c->done;
    void *d = c->done_data;
    free(c);
    done(d);
}

static void cleaner_stop(ctrl_t *ctrl, void (*done)(void *data), void *data)
{
    cleaner_t *c = (cleaner_t *)ctrl;
    c->done = done;
    c->done_data = data;
    informer_remove_handlers(c->csrs, c->reg);
    workqueue_close(c->queue, on_queue_closed, c);
}

const ctrl_ops_t controllers__csrcleaner = {"csrcleaner", cleaner_start, cleaner_stop};
