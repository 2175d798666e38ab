/*
 * rs_core.c — the pure decisions behind the ReplicaSet and Deployment controllers (ctrlcore.h):
 * readiness, the scale-down order, the template hash, and the rolling-update arithmetic.
 */
#include "c8s/ctrlcore.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t ctrlcore_parse_time(const char *s)
{
    if (!s)
        return -1;
    struct tm tm = {0};
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static const json_t *get2(const json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

static const json_t *condition(const json_t *pod, const char *type)
{
    size_t i;
    const json_t *c;
    json_array_foreach(get2(pod, "status", "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        if (t && strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

bool ctrlcore_pod_ready(const json_t *pod)
{
    const char *st = json_string_value(json_object_get(condition(pod, "Ready"), "status"));
    return st && strcmp(st, "True") == 0;
}

int64_t ctrlcore_pod_ready_since(const json_t *pod)
{
    if (!ctrlcore_pod_ready(pod))
        return -1;
    return ctrlcore_parse_time(
        json_string_value(json_object_get(condition(pod, "Ready"), "lastTransitionTime")));
}

bool ctrlcore_pod_available(const json_t *pod, int64_t min_ready, int64_t now, int64_t *wait_s)
{
    if (wait_s)
        *wait_s = 0;
    if (!ctrlcore_pod_ready(pod))
        return false;
    if (min_ready <= 0)
        return true;
    int64_t since = ctrlcore_pod_ready_since(pod);
    if (since < 0)
        return false;
    if (since + min_ready <= now)
        return true;
    if (wait_s)
        *wait_s = since + min_ready - now;
    return false;
}

bool ctrlcore_pod_active(const json_t *pod)
{
    if (get2(pod, "metadata", "deletionTimestamp"))
        return false;
    const char *phase = json_string_value(get2(pod, "status", "phase"));
    return !phase || (strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0);
}

static int phase_rank(const json_t *pod)
{
    const char *p = json_string_value(get2(pod, "status", "phase"));
    if (!p || strcmp(p, "Pending") == 0)
        return 0;
    if (strcmp(p, "Running") == 0)
        return 2;
    return 1; /* Unknown */
}

static int restarts(const json_t *pod)
{
    int max = 0;
    size_t i;
    const json_t *cs;
    json_array_foreach(get2(pod, "status", "containerStatuses"), i, cs)
    {
        int r = (int)json_integer_value(json_object_get(cs, "restartCount"));
        if (r > max)
            max = r;
    }
    return max;
}

bool ctrlcore_delete_before(const json_t *a, const json_t *b)
{
    const char *na = json_string_value(get2(a, "spec", "nodeName"));
    const char *nb = json_string_value(get2(b, "spec", "nodeName"));
    bool sa = na && *na, sb = nb && *nb;
    if (sa != sb)
        return !sa;
    int pa = phase_rank(a), pb = phase_rank(b);
    if (pa != pb)
        return pa < pb;
    bool ra = ctrlcore_pod_ready(a), rb = ctrlcore_pod_ready(b);
    if (ra != rb)
        return !ra;
    if (ra && rb) {
        /* Ready for less time goes first; an unknown time counts as the least. */
        int64_t ta = ctrlcore_pod_ready_since(a), tb = ctrlcore_pod_ready_since(b);
        if (ta != tb)
            return ta < 0 ? true : tb < 0 ? false : ta > tb;
    }
    int ka = restarts(a), kb = restarts(b);
    if (ka != kb)
        return ka > kb;
    int64_t ca = ctrlcore_parse_time(json_string_value(get2(a, "metadata", "creationTimestamp")));
    int64_t cb = ctrlcore_parse_time(json_string_value(get2(b, "metadata", "creationTimestamp")));
    if (ca != cb)
        return ca < 0 ? true : cb < 0 ? false : ca > cb;
    const char *ma = json_string_value(get2(a, "metadata", "name"));
    const char *mb = json_string_value(get2(b, "metadata", "name"));
    return strcmp(ma ? ma : "", mb ? mb : "") > 0;
}

static int victim_cmp(const void *x, const void *y)
{
    const json_t *a = *(const json_t *const *)x, *b = *(const json_t *const *)y;
    if (ctrlcore_delete_before(a, b))
        return -1;
    if (ctrlcore_delete_before(b, a))
        return 1;
    return 0;
}

void ctrlcore_sort_victims(const json_t **pods, size_t n)
{
    if (n > 1)
        qsort(pods, n, sizeof(*pods), victim_cmp);
}

int ctrlcore_slow_start_batch(int n, int sent, int batch_index)
{
    int left = n - sent;
    if (left <= 0)
        return 0;
    int size = batch_index >= 30 ? INT_MAX : 1 << batch_index;
    return size < left ? size : left;
}

int ctrlcore_int_or_percent(const json_t *v, int total, bool round_up, int dflt, int *out,
                            c8s_err_t *err)
{
    if (!v || json_is_null(v)) {
        *out = dflt;
        return 0;
    }
    if (json_is_integer(v)) {
        *out = (int)json_integer_value(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return c8s_err_set(err, C8S_EINVALID, "invalid value for IntOrString");
    char *end = NULL;
    long n = strtol(s, &end, 10);
    if (end == s || n < 0 || n > INT_MAX / 100)
        return c8s_err_set(err, C8S_EINVALID, "invalid value for IntOrString: \"%s\"", s);
    if (*end == '\0') {
        *out = (int)n;
        return 0;
    }
    if (strcmp(end, "%") != 0)
        return c8s_err_set(err, C8S_EINVALID, "invalid value for IntOrString: \"%s\"", s);
    long long p = (long long)n * total;
    *out = (int)(round_up ? (p + 99) / 100 : p / 100);
    return 0;
}

int ctrlcore_fenceposts(const json_t *ru, int replicas, int *surge, int *unavailable,
                        c8s_err_t *err)
{
    int rc =
        ctrlcore_int_or_percent(json_object_get(ru, "maxSurge"), replicas, true, 0, surge, err);
    if (rc == 0)
        rc = ctrlcore_int_or_percent(json_object_get(ru, "maxUnavailable"), replicas, false, 0,
                                     unavailable, err);
    if (rc != 0)
        return rc;
    if (*surge == 0 && *unavailable == 0)
        *unavailable = 1; /* no way to make progress otherwise */
    return 0;
}

/* A null member says nothing (Go clients send `creationTimestamp: null` in templates; typed
 * upstream code reads it as the zero value): drop them so they neither hash nor compare. */
static void strip_nulls(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, m)
        {
            if (json_is_null(m))
                json_object_del(v, k);
            else
                strip_nulls(m);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) strip_nulls(m);
    }
}

static json_t *without_hash(const json_t *tmpl)
{
    json_t *c = json_deep_copy(tmpl ? tmpl : json_null());
    strip_nulls(c);
    json_t *labels = json_object_get(json_object_get(c, "metadata"), "labels");
    json_object_del(labels, "pod-template-hash");
    if (labels && json_object_size(labels) == 0)
        json_object_del(json_object_get(c, "metadata"), "labels");
    return c;
}

void ctrlcore_template_hash(const json_t *tmpl, int64_t collision_count, char *out, size_t len)
{
    json_t *c = without_hash(tmpl);
    char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(c);
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    free(s);
    if (collision_count >= 0) {
        char cc[32];
        int n = snprintf(cc, sizeof(cc), "%lld", (long long)collision_count);
        for (int i = 0; i < n; i++) {
            h ^= (unsigned char)cc[i];
            h *= 16777619u;
        }
    }
    /* Upstream's SafeEncodeString: no vowels (no words) and no look-alike characters. */
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    char dec[16];
    snprintf(dec, sizeof(dec), "%u", h);
    size_t i = 0;
    for (; dec[i] && i + 1 < len; i++)
        out[i] = alphabet[(unsigned char)dec[i] % (sizeof(alphabet) - 1)];
    if (len)
        out[i < len ? i : len - 1] = '\0';
}

bool ctrlcore_template_equal_ignore_hash(const json_t *a, const json_t *b)
{
    json_t *ca = without_hash(a), *cb = without_hash(b);
    bool eq = json_equal(ca, cb);
    json_decref(ca);
    json_decref(cb);
    return eq;
}

int ctrlcore_pod_count(const ctrlcore_rs_t *rs, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rs[i].replicas > rs[i].actual ? rs[i].replicas : rs[i].actual;
    return sum;
}

int ctrlcore_rolling_new_size(int replicas, int surge, int cur_total, int new_size)
{
    if (new_size >= replicas)
        return replicas; /* also scales an oversized new RS down */
    int max_total = replicas + surge;
    if (cur_total >= max_total)
        return new_size;
    int up = max_total - cur_total;
    if (up > replicas - new_size)
        up = replicas - new_size;
    return new_size + up;
}

static int by_created(const void *x, const void *y)
{
    const ctrlcore_rs_t *a = *(const ctrlcore_rs_t *const *)x,
                        *b = *(const ctrlcore_rs_t *const *)y;
    return a->created < b->created ? -1 : a->created > b->created ? 1 : 0;
}

int ctrlcore_rolling_scale_old(int replicas, int unavailable, const ctrlcore_rs_t *new_rs,
                               ctrlcore_rs_t *old, size_t n_old)
{
    int old_count = 0, all = 0, available = 0;
    for (size_t i = 0; i < n_old; i++) {
        old_count += old[i].replicas;
        /* A status not yet caught up with a scale-down may report more than the spec. */
        available += old[i].available < old[i].replicas ? old[i].available : old[i].replicas;
    }
    if (old_count == 0)
        return 0;
    all = old_count + (new_rs ? new_rs->replicas : 0);
    int new_unavailable = 0;
    if (new_rs) {
        int na = new_rs->available < new_rs->replicas ? new_rs->available : new_rs->replicas;
        new_unavailable = new_rs->replicas - na;
        available += na;
    }
    int min_available = replicas - unavailable;
    int max_down = all - min_available - new_unavailable;
    if (max_down <= 0)
        return 0;
    ctrlcore_rs_t **sorted = xcalloc(n_old, sizeof(*sorted));
    for (size_t i = 0; i < n_old; i++)
        sorted[i] = &old[i];
    qsort(sorted, n_old, sizeof(*sorted), by_created);
    int done = 0;
    /* Unhealthy replicas first: removing them costs no availability. */
    for (size_t i = 0; i < n_old && done < max_down; i++) {
        ctrlcore_rs_t *rs = sorted[i];
        int avail = rs->available < rs->replicas ? rs->available : rs->replicas;
        int unhealthy = rs->replicas - avail;
        if (rs->replicas == 0 || unhealthy <= 0)
            continue;
        int d = unhealthy < max_down - done ? unhealthy : max_down - done;
        rs->replicas -= d;
        done += d;
    }
    /* Then healthy ones, oldest first, keeping min_available. */
    int budget = available - min_available;
    if (budget > max_down - done)
        budget = max_down - done;
    for (size_t i = 0; i < n_old && budget > 0; i++) {
        ctrlcore_rs_t *rs = sorted[i];
        if (rs->replicas == 0)
            continue;
        int d = rs->replicas < budget ? rs->replicas : budget;
        rs->replicas -= d;
        budget -= d;
        done += d;
    }
    free(sorted);
    return done;
}

/* ---- proportional scaling ---- */

static int by_size_grow(const void *x, const void *y)
{
    const ctrlcore_rs_t *a = *(ctrlcore_rs_t *const *)x, *b = *(ctrlcore_rs_t *const *)y;
    if (a->replicas != b->replicas)
        return a->replicas > b->replicas ? -1 : 1;
    return a->created > b->created ? -1 : a->created < b->created ? 1 : 0; /* newer first */
}

static int by_size_shrink(const void *x, const void *y)
{
    const ctrlcore_rs_t *a = *(ctrlcore_rs_t *const *)x, *b = *(ctrlcore_rs_t *const *)y;
    if (a->replicas != b->replicas)
        return a->replicas > b->replicas ? -1 : 1;
    return a->created < b->created ? -1 : a->created > b->created ? 1 : 0; /* older first */
}

static int rs_fraction(const ctrlcore_rs_t *rs, int replicas, int surge, int status_replicas)
{
    if (replicas == 0)
        return -rs->replicas;
    int max_now = replicas + surge;
    int before = rs->max_before > 0 ? rs->max_before : status_replicas;
    if (before == 0)
        return 0;
    /* round half away from zero, as Go's math.Round */
    long long num = (long long)rs->replicas * max_now;
    long long size = (2 * num + before) / (2LL * before);
    return (int)(size - rs->replicas);
}

void ctrlcore_proportional_scale(int replicas, int surge, int status_replicas, ctrlcore_rs_t *rs,
                                 size_t n)
{
    if (n == 0)
        return;
    int all = 0;
    for (size_t i = 0; i < n; i++)
        all += rs[i].replicas;
    int allowed = replicas > 0 ? replicas + surge : 0;
    int to_add = allowed - all;
    if (to_add == 0)
        return;
    ctrlcore_rs_t **sorted = xcalloc(n, sizeof(*sorted));
    for (size_t i = 0; i < n; i++)
        sorted[i] = &rs[i];
    qsort(sorted, n, sizeof(*sorted), to_add > 0 ? by_size_grow : by_size_shrink);
    int *size = xcalloc(n, sizeof(*size));
    int added = 0;
    for (size_t i = 0; i < n; i++) {
        ctrlcore_rs_t *r = sorted[i];
        int p = 0;
        if (r->replicas != 0 && to_add != added) {
            int frac = rs_fraction(r, replicas, surge, status_replicas);
            int left = to_add - added;
            p = to_add > 0 ? (frac < left ? frac : left) : (frac > left ? frac : left);
        }
        size[i] = r->replicas + p;
        added += p;
    }
    size[0] += to_add - added;
    if (size[0] < 0)
        size[0] = 0;
    for (size_t i = 0; i < n; i++)
        sorted[i]->replicas = size[i];
    free(size);
    free(sorted);
}

/* ---- expectations ---- */

typedef struct {
    char *owner;
    int adds;
    char **dels;
    size_t ndels;
    uint64_t at_ms;
} expect_entry_t;

struct ctrlcore_expect_s {
    uint64_t ttl_ms;
    expect_entry_t *e;
    size_t n, cap;
};

ctrlcore_expect_t *ctrlcore_expect_new(uint64_t ttl_ms)
{
    ctrlcore_expect_t *x = xcalloc(1, sizeof(*x));
    x->ttl_ms = ttl_ms;
    return x;
}

static void entry_clear_dels(expect_entry_t *e)
{
    for (size_t i = 0; i < e->ndels; i++)
        free(e->dels[i]);
    free(e->dels);
    e->dels = NULL;
    e->ndels = 0;
}

static expect_entry_t *entry_find(const ctrlcore_expect_t *x, const char *owner)
{
    for (size_t i = 0; i < x->n; i++) {
        if (strcmp(x->e[i].owner, owner) == 0)
            return &x->e[i];
    }
    return NULL;
}

void ctrlcore_expect_forget(ctrlcore_expect_t *x, const char *owner)
{
    expect_entry_t *e = entry_find(x, owner);
    if (!e)
        return;
    free(e->owner);
    entry_clear_dels(e);
    *e = x->e[--x->n];
}

void ctrlcore_expect_free(ctrlcore_expect_t *x)
{
    if (!x)
        return;
    while (x->n > 0)
        ctrlcore_expect_forget(x, x->e[0].owner);
    free(x->e);
    free(x);
}

void ctrlcore_expect_set(ctrlcore_expect_t *x, const char *owner, int adds,
                         const char *const *pod_keys, size_t n, uint64_t now_ms)
{
    expect_entry_t *e = entry_find(x, owner);
    if (!e) {
        if (x->n == x->cap) {
            x->cap = x->cap ? x->cap * 2 : 16;
            x->e = xrealloc(x->e, x->cap * sizeof(*x->e));
        }
        e = &x->e[x->n++];
        memset(e, 0, sizeof(*e));
        e->owner = xstrdup(owner);
    }
    entry_clear_dels(e);
    e->adds = adds;
    e->at_ms = now_ms;
    if (n > 0) {
        e->dels = xcalloc(n, sizeof(*e->dels));
        for (size_t i = 0; i < n; i++)
            e->dels[e->ndels++] = xstrdup(pod_keys[i]);
    }
}

void ctrlcore_expect_created(ctrlcore_expect_t *x, const char *owner)
{
    expect_entry_t *e = entry_find(x, owner);
    if (e && e->adds > 0)
        e->adds--;
}

static bool entry_deleted(expect_entry_t *e, const char *pod_key)
{
    for (size_t i = 0; i < e->ndels; i++) {
        if (strcmp(e->dels[i], pod_key) == 0) {
            free(e->dels[i]);
            e->dels[i] = e->dels[--e->ndels];
            return true;
        }
    }
    return false;
}

bool ctrlcore_expect_deleted(ctrlcore_expect_t *x, const char *owner, const char *pod_key,
                             const char **found)
{
    if (found)
        *found = NULL;
    for (size_t i = 0; i < x->n; i++) {
        if (owner && strcmp(x->e[i].owner, owner) != 0)
            continue;
        if (entry_deleted(&x->e[i], pod_key)) {
            if (found)
                *found = x->e[i].owner;
            return true;
        }
    }
    return false;
}

bool ctrlcore_expect_satisfied(const ctrlcore_expect_t *x, const char *owner, uint64_t now_ms,
                               bool *expired)
{
    if (expired)
        *expired = false;
    const expect_entry_t *e = entry_find(x, owner);
    if (!e || (e->adds <= 0 && e->ndels == 0))
        return true;
    if (now_ms - e->at_ms > x->ttl_ms) {
        if (expired)
            *expired = true;
        return true;
    }
    return false;
}
