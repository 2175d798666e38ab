/*
 * eviction.c — POST pods/<name>/eviction (policy/v1 Eviction; policy/v1beta1 bodies accepted): a
 * pod deleted only when its PodDisruptionBudget allows, as upstream's EvictionREST does.
 *
 * The steps are the server's own requests through the in-process transport (GET the pod, LIST the
 * namespace's budgets, PUT the budget's status, DELETE the pod), so each is admitted, validated and
 * compare-and-swapped like any other write — in particular the budget's status write conflicts
 * when two evictions race for its last allowed disruption, and the loser reads it again. The
 * caller's right to evict was checked (create on pods/eviction) before we are reached; the writes
 * themselves are the server's, as upstream's storage calls are.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* upstream's EvictionsRetry: conflicts retried up to 20 times. */
#define EVICT_TRIES 20
/* upstream's MaxDisruptedPodSize: evictions the controller has not yet confirmed. */
#define EVICT_MAX_DISRUPTED 2000

#define EVICT_REFUSED "Cannot evict pod as it would violate the pod's disruption budget."

typedef struct evict_s evict_t;
typedef void (*evict_next_fn)(evict_t *e, int status, json_t *answer, const char *body, size_t len);

struct evict_s {
    api_req_t *r;
    apiserver_call_t call;
    char *path, *body; /* the call's request (owned) */
    evict_next_fn next;
    json_t *opts;  /* the Eviction's deleteOptions (owned) */
    bool rv_given; /* the caller's deleteOptions carry a resourceVersion precondition */
    json_t *pod;   /* owned */
    json_t *pdb;   /* owned */
    char *pdb_name;
    bool unready;  /* an unhealthy pod deleted without spending the budget */
    bool admitted; /* admission has seen the Eviction and the pod */
    int tries;
};

static void evict_free(evict_t *e)
{
    free(e->path);
    free(e->body);
    json_decref(e->opts);
    json_decref(e->pod);
    json_decref(e->pdb);
    free(e->pdb_name);
    free(e);
}

/* Answers r and ends e. */
static void answer_err(evict_t *e, c8s_err_t *err)
{
    api_req_t *r = e->r;
    evict_free(e);
    apiserver__respond_err(r, err);
    c8s_err_clear(err);
}

/* A step's own answer handed on to the client as it came. */
static void answer_raw(evict_t *e, int status, const char *body, size_t len)
{
    api_req_t *r = e->r;
    cleanup_free char *copy = xstrndup(body ? body : "", body ? len : 0);
    evict_free(e);
    apiserver__respond(r, status, "application/json", copy, strlen(copy));
}

static void answer_success(evict_t *e)
{
    api_req_t *r = e->r;
    evict_free(e);
    apiserver__respond_obj(r, 201,
                           json_pack("{s:s, s:s, s:{}, s:s, s:i}", "kind", "Status", "apiVersion",
                                     "v1", "metadata", "status", "Success", "code", 201));
}

/* upstream's createTooManyRequestsError and the budget-exhausted refusal: 429 with the cause
 * DisruptionBudget, which `kubectl drain` retries. */
static void answer_too_many(evict_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void answer_too_many(evict_t *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c8s_err_t err = C8S_ERR_INIT;
    c8s_err_add_cause(&err, "DisruptionBudget", NULL, "%s", msg);
    c8s_err_set(&err, C8S_ETOOMANY, EVICT_REFUSED);
    answer_err(e, &err);
}

static void on_answer(apiserver_call_t *c, int status, const char *content_type, const char *body,
                      size_t len)
{
    (void)content_type;
    evict_t *e = c->data;
    json_t *answer = body ? json_loadb(body, len, 0, NULL) : NULL;
    evict_next_fn next = e->next;
    next(e, status, answer, body, len);
    json_decref(answer);
}

/* One step: method on path with body (stolen; may be NULL), then next with the answer. */
static void step(evict_t *e, const char *method, char *path, json_t *body, evict_next_fn next)
{
    free(e->path);
    free(e->body);
    e->path = path;
    e->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    e->next = next;
    e->call = (apiserver_call_t){
        .method = method,
        .path = e->path,
        .content_type = e->body ? "application/json" : NULL,
        .accept = "application/json",
        .body = e->body,
        .body_len = e->body ? strlen(e->body) : 0,
        .on_answer = on_answer,
        .data = e,
    };
    apiserver_call(e->r->srv, &e->call);
}

static const char *pod_phase(const json_t *pod)
{
    return json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
}

static bool pod_terminating(const json_t *pod)
{
    json_t *ts = json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp");
    return ts && !json_is_null(ts);
}

static bool phase_is(const json_t *pod, const char *phase)
{
    const char *p = pod_phase(pod);
    return p && strcmp(p, phase) == 0;
}

/* upstream's canIgnorePDB: a pod that is finished, not yet running or already going. */
static bool can_ignore_pdb(const json_t *pod)
{
    return phase_is(pod, "Succeeded") || phase_is(pod, "Failed") || phase_is(pod, "Pending") ||
           pod_terminating(pod);
}

/* upstream's shouldEnforceResourceVersion: every pod but finished or terminating ones, so that a
 * pod turning Ready meanwhile is not deleted on a stale judgement. */
static bool should_enforce_rv(const json_t *pod)
{
    return !(phase_is(pod, "Succeeded") || phase_is(pod, "Failed") || pod_terminating(pod));
}

/* upstream's IsPodReady: the Ready condition is True. */
static bool pod_ready(const json_t *pod)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && strcmp(t, "Ready") == 0)
            return s && strcmp(s, "True") == 0;
    }
    return false;
}

static const char *pod_str(const json_t *pod, const char *key)
{
    return json_string_value(json_object_get(json_object_get(pod, "metadata"), key));
}

static char *pod_path(evict_t *e)
{
    return xasprintf("/api/v1/namespaces/%s/pods/%s", e->r->ns, e->r->name);
}

/* ---- deleting the pod ---- */

static void get_pod(evict_t *e);

static void on_ignored_deleted(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    (void)answer;
    if (status >= 200 && status < 300)
        return answer_success(e);
    /* A conflict on the resourceVersion we added: the pod changed under us; judge again. */
    if (status == 409 && !e->rv_given && ++e->tries < EVICT_TRIES)
        return get_pod(e);
    answer_raw(e, status, body, len);
}

static void on_deleted(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    (void)answer;
    if (status >= 200 && status < 300)
        return answer_success(e);
    /* The unhealthy pod became something else since it was judged: let the client retry. */
    if (status == 409 && e->unready && !e->rv_given)
        return answer_too_many(e,
                               "The disruption budget %s is still being processed by the server.",
                               e->pdb_name ? e->pdb_name : "");
    answer_raw(e, status, body, len);
}

/* DELETE the pod with the Eviction's deleteOptions, plus (with_rv) a resourceVersion
 * precondition on the pod as read, unless the caller gave one. */
static void delete_pod(evict_t *e, bool with_rv, evict_next_fn next)
{
    json_t *opts = json_deep_copy(e->opts);
    json_object_set_new(opts, "apiVersion", json_string("v1"));
    json_object_set_new(opts, "kind", json_string("DeleteOptions"));
    const char *rv = pod_str(e->pod, "resourceVersion");
    if (with_rv && !e->rv_given && rv) {
        json_t *pre = json_object_get(opts, "preconditions");
        if (!json_is_object(pre)) {
            pre = json_object();
            json_object_set_new(opts, "preconditions", pre);
        }
        json_object_set_new(pre, "resourceVersion", json_string(rv));
    }
    step(e, "DELETE", pod_path(e), opts, next);
}

/* ---- the budget ---- */

static void get_pdb(evict_t *e);

static void on_pdb_written(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    (void)answer;
    if (status >= 200 && status < 300)
        return delete_pod(e, false, on_deleted);
    if (status == 409) {
        if (++e->tries < EVICT_TRIES)
            return get_pdb(e);
        c8s_err_t err = C8S_ERR_INIT;
        c8s_err_set(&err, C8S_ETIMEOUT,
                    "couldn't update PodDisruptionBudget \"%s\" due to conflicts", e->pdb_name);
        return answer_err(e, &err);
    }
    answer_raw(e, status, body, len);
}

static long long st_int(const json_t *st, const char *key)
{
    return json_integer_value(json_object_get(st, key));
}

/* upstream's UpdateDisruptionAllowedCondition for a budget spent to zero. */
static void set_insufficient(json_t *st, const char *now)
{
    json_t *conds = json_object_get(st, "conditions");
    if (!json_is_array(conds)) {
        conds = json_array();
        json_object_set_new(st, "conditions", conds);
    }
    json_t *og = json_object_get(st, "observedGeneration");
    size_t i;
    json_t *c = NULL;
    json_array_foreach(conds, i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, "DisruptionAllowed") == 0)
            break;
    }
    json_t *cond =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "DisruptionAllowed", "status", "False",
                  "reason", "InsufficientPods", "message", "", "lastTransitionTime", now);
    if (json_is_integer(og))
        json_object_set(cond, "observedGeneration", og);
    if (i < json_array_size(conds)) {
        const char *was = json_string_value(json_object_get(c, "status"));
        json_t *lt = json_object_get(c, "lastTransitionTime");
        if (was && strcmp(was, "False") == 0 && json_is_string(lt))
            json_object_set(cond, "lastTransitionTime", lt);
        json_array_set_new(conds, i, cond);
    } else {
        json_array_append_new(conds, cond);
    }
}

/* upstream's checkAndDecrement on e->pdb, then the status write (or, dry-run, the delete). */
static void check_and_decrement(evict_t *e)
{
    json_t *md = json_object_get(e->pdb, "metadata");
    json_t *st = json_object_get(e->pdb, "status");
    if (!json_is_object(st)) {
        st = json_object();
        json_object_set_new(e->pdb, "status", st);
    }
    long long gen = json_integer_value(json_object_get(md, "generation"));
    if (st_int(st, "observedGeneration") < gen)
        return answer_too_many(
            e, "The disruption budget %s is still being processed by the server.", e->pdb_name);
    c8s_err_t err = C8S_ERR_INIT;
    long long allowed = st_int(st, "disruptionsAllowed");
    if (allowed < 0) {
        c8s_err_set(&err, C8S_EFORBIDDEN,
                    "poddisruptionbudgets.policy \"%s\" is forbidden: pdb disruptions allowed is "
                    "negative",
                    e->pdb_name);
        return answer_err(e, &err);
    }
    json_t *disrupted = json_object_get(st, "disruptedPods");
    if (json_object_size(disrupted) > EVICT_MAX_DISRUPTED) {
        c8s_err_set(&err, C8S_EFORBIDDEN,
                    "poddisruptionbudgets.policy \"%s\" is forbidden: DisruptedPods map too big - "
                    "too many evictions not confirmed by PDB controller",
                    e->pdb_name);
        return answer_err(e, &err);
    }
    if (allowed == 0)
        return answer_too_many(e,
                               "The disruption budget %s needs %lld healthy pods and has %lld "
                               "currently",
                               e->pdb_name, st_int(st, "desiredHealthy"),
                               st_int(st, "currentHealthy"));
    char now[40];
    c8s_rfc3339_now(now, sizeof(now));
    json_object_set_new(st, "disruptionsAllowed", json_integer(allowed - 1));
    if (allowed - 1 == 0)
        set_insufficient(st, now);
    if (e->r->dry_run)
        return delete_pod(e, false, on_deleted);
    /* Tells the controller this pod is about to go, so it does not count it as healthy meanwhile
     * (the controller forgets the entry after two minutes if the pod stays). */
    if (!json_is_object(disrupted)) {
        disrupted = json_object();
        json_object_set_new(st, "disruptedPods", disrupted);
    }
    json_object_set_new(disrupted, e->r->name, json_string(now));
    char *path = xasprintf("/apis/policy/v1/namespaces/%s/poddisruptionbudgets/%s/status", e->r->ns,
                           e->pdb_name);
    step(e, "PUT", path, json_incref(e->pdb), on_pdb_written);
}

static void on_pdb(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    if (status != 200 || !json_is_object(answer))
        return answer_raw(e, status, body, len);
    json_decref(e->pdb);
    e->pdb = json_incref(answer);
    check_and_decrement(e);
}

static void get_pdb(evict_t *e)
{
    char *path =
        xasprintf("/apis/policy/v1/namespaces/%s/poddisruptionbudgets/%s", e->r->ns, e->pdb_name);
    step(e, "GET", path, NULL, on_pdb);
}

/* Whether budget covers pod: a selector that is set, not empty, and matches its labels (a nil or
 * empty selector creeping in matches nothing here, as upstream's eviction has it). */
static bool pdb_covers(const json_t *pdb, const json_t *pod)
{
    json_t *sel = json_object_get(json_object_get(pdb, "spec"), "selector");
    if (!json_is_object(sel))
        return false;
    labelsel_t *ls = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    bool ok = false;
    if (labelsel_from_json(sel, &ls, &err) == 0)
        ok = !labelsel_empty(ls) &&
             labelsel_matches(ls, json_object_get(json_object_get(pod, "metadata"), "labels"));
    labelsel_free(ls);
    c8s_err_clear(&err);
    return ok;
}

static void on_pdbs(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    if (status != 200 || !json_is_object(answer))
        return answer_raw(e, status, body, len);
    json_t *found = NULL;
    size_t n = 0, i;
    json_t *pdb;
    json_array_foreach(json_object_get(answer, "items"), i, pdb) if (pdb_covers(pdb, e->pod))
    {
        found = pdb;
        n++;
    }
    if (n > 1) {
        api_req_t *r = e->r;
        evict_free(e);
        return apiserver__respond_obj(
            r, 500,
            json_pack("{s:s, s:s, s:{}, s:s, s:s, s:i}", "kind", "Status", "apiVersion", "v1",
                      "metadata", "status", "Failure", "message",
                      "This pod has more than one PodDisruptionBudget, which the eviction "
                      "subresource does not support.",
                      "code", 500));
    }
    if (n == 0)
        return delete_pod(e, false, on_deleted);
    e->pdb = json_incref(found);
    json_t *md = json_object_get(found, "metadata");
    e->pdb_name = xstrdup(json_string_value(json_object_get(md, "name")) ?: "");
    /* A pod that is not Ready does not count as healthy: deleting it spends nothing, when the
     * budget's policy allows that. */
    if (!pod_ready(e->pod)) {
        json_t *spec = json_object_get(found, "spec"), *st = json_object_get(found, "status");
        const char *policy = json_string_value(json_object_get(spec, "unhealthyPodEvictionPolicy"));
        long long cur = st_int(st, "currentHealthy"), want = st_int(st, "desiredHealthy");
        if ((policy && strcmp(policy, "AlwaysAllow") == 0) || (cur >= want && want > 0)) {
            e->unready = true;
            return delete_pod(e, true, on_deleted);
        }
    }
    e->tries = 0;
    check_and_decrement(e);
}

static void on_pod(evict_t *e, int status, json_t *answer, const char *body, size_t len)
{
    if (status != 200 || !json_is_object(answer))
        return answer_raw(e, status, body, len);
    json_decref(e->pod);
    e->pod = json_incref(answer);
    if (!e->admitted) {
        /* Admission of the Eviction against the pod it names: NodeRestriction lets a node evict
         * only pods bound to itself. */
        api_req_t *r = e->r;
        e->admitted = true;
        json_decref(r->obj);
        r->obj = json_incref(r->items);
        json_decref(r->old);
        r->old = json_incref(answer);
        c8s_err_t err = C8S_ERR_INIT;
        if (apiserver__admit_validate(r, ADM_CREATE, &err) != 0)
            return answer_err(e, &err);
    }
    /* A finished, pending or terminating pod has disrupted nothing more by going: no budget is
     * consulted. */
    if (can_ignore_pdb(e->pod))
        return delete_pod(e, should_enforce_rv(e->pod), on_ignored_deleted);
    char *path = xasprintf("/apis/policy/v1/namespaces/%s/poddisruptionbudgets", e->r->ns);
    step(e, "GET", path, NULL, on_pdbs);
}

static void get_pod(evict_t *e)
{
    step(e, "GET", pod_path(e), NULL, on_pod);
}

void apiserver__eviction(api_req_t *r)
{
    c8s_err_t err = C8S_ERR_INIT;
    r->verb = "POST";
    if (strcmp(r->method, "POST") != 0) {
        c8s_err_set(&err, C8S_EMETHOD,
                    "the server does not allow this method on the requested resource");
        goto fail;
    }
    json_t *body = NULL;
    if (apiserver__decode_body(r, &body, &err) != 0)
        goto fail;
    r->items = body;
    const char *av = json_string_value(json_object_get(body, "apiVersion"));
    const char *kind = json_string_value(json_object_get(body, "kind"));
    if ((av && strcmp(av, "policy/v1") != 0 && strcmp(av, "policy/v1beta1") != 0) ||
        (kind && strcmp(kind, "Eviction") != 0)) {
        c8s_err_set(&err, C8S_EBADREQUEST, "not a Eviction object: %s %s", av ? av : "",
                    kind ? kind : "");
        goto fail;
    }
    const char *name =
        json_string_value(json_object_get(json_object_get(body, "metadata"), "name"));
    if (!name || strcmp(name, r->name) != 0) {
        c8s_err_set(&err, C8S_EBADREQUEST, "name in URL does not match name in Eviction object");
        goto fail;
    }
    json_t *opts = json_object_get(body, "deleteOptions");
    if (opts && !json_is_null(opts) && !json_is_object(opts)) {
        c8s_err_set(&err, C8S_EBADREQUEST, "deleteOptions must be an object");
        goto fail;
    }
    evict_t *e = xcalloc(1, sizeof(*e));
    e->r = r;
    e->opts = json_is_object(opts) ? json_deep_copy(opts) : json_object();
    /* upstream's propagateDryRun: ?dryRun=All reaches the delete when the body names none. */
    json_t *dry = json_object_get(e->opts, "dryRun");
    if (json_array_size(dry) > 0) {
        r->dry_run = true;
    } else if (r->dry_run) {
        json_object_set_new(e->opts, "dryRun", json_pack("[s]", "All"));
    }
    e->rv_given = json_is_string(
        json_object_get(json_object_get(e->opts, "preconditions"), "resourceVersion"));
    get_pod(e);
    return;
fail:
    apiserver__respond_err(r, &err);
    c8s_err_clear(&err);
}
