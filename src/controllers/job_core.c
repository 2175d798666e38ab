/*
 * job_core.c — pure: the Job controller's arithmetic (the back-off before recreating failed pods,
 * the completedIndexes notation, podFailurePolicy and successPolicy matching, per-index failure
 * verdicts).
 */
#include "internal.h"
#include "c8s/strbuf.h"

#include <stdlib.h>
#include <string.h>

#define JOB_BACKOFF_MAX_MS 360000

int64_t controllers__job_backoff_ms(int64_t base_ms, int64_t failures)
{
    if (failures <= 0 || base_ms <= 0)
        return 0;
    int64_t d = base_ms;
    for (int64_t k = 1; k < failures && d < JOB_BACKOFF_MAX_MS; k++)
        d *= 2;
    return d > JOB_BACKOFF_MAX_MS ? JOB_BACKOFF_MAX_MS : d;
}

char *controllers__job_index_ranges(const bool *done, long n)
{
    strbuf_t sb = STRBUF_INIT;
    for (long i = 0; i < n;) {
        if (!done[i]) {
            i++;
            continue;
        }
        long j = i;
        while (j + 1 < n && done[j + 1])
            j++;
        if (sb.len)
            strbuf_add(&sb, ",");
        /* Upstream writes a run of two as "4,5", not "4-5"; readers of the field may compare. */
        if (j > i + 1)
            strbuf_addf(&sb, "%ld-%ld", i, j);
        else if (j == i + 1)
            strbuf_addf(&sb, "%ld,%ld", i, j);
        else
            strbuf_addf(&sb, "%ld", i);
        i = j + 1;
    }
    return strbuf_take_or(&sb, "");
}

void controllers__job_index_parse(const char *s, bool *done, long n)
{
    while (s && *s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0)
            return;
        if (*end == '-') {
            const char *p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a)
                return;
        }
        for (long i = a; i <= b && i < n; i++)
            done[i] = true;
        if (*end != ',')
            return;
        s = end + 1;
    }
}

static job_pfp_action_t pfp_action(const char *a)
{
    if (!a)
        return JOB_PFP_NONE;
    if (!strcmp(a, "FailJob"))
        return JOB_PFP_FAIL_JOB;
    if (!strcmp(a, "FailIndex"))
        return JOB_PFP_FAIL_INDEX;
    if (!strcmp(a, "Ignore"))
        return JOB_PFP_IGNORE;
    if (!strcmp(a, "Count"))
        return JOB_PFP_COUNT;
    return JOB_PFP_NONE;
}

static bool code_listed(const json_t *values, json_int_t code)
{
    size_t i;
    json_t *v;
    json_array_foreach(values, i, v)
    {
        if (json_is_integer(v) && json_integer_value(v) == code)
            return true;
    }
    return false;
}

/* The first terminated container (init containers first) matching oec; its name and code. */
static const char *exit_code_match(const json_t *oec, const json_t *status, json_int_t *code)
{
    const char *want = json_string_value(json_object_get(oec, "containerName"));
    const char *op = json_string_value(json_object_get(oec, "operator"));
    const json_t *values = json_object_get(oec, "values");
    bool in = op && !strcmp(op, "In");
    if (!op || (!in && strcmp(op, "NotIn")))
        return NULL;
    static const char *const lists[] = {"initContainerStatuses", "containerStatuses"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *cs;
        json_array_foreach(json_object_get(status, lists[l]), i, cs)
        {
            const char *name = json_string_value(json_object_get(cs, "name"));
            if (!name || (want && strcmp(want, name)))
                continue;
            json_t *ec = json_object_get(
                json_object_get(json_object_get(cs, "state"), "terminated"), "exitCode");
            /* A zero exit is success whatever the operator says. */
            if (!json_is_integer(ec) || json_integer_value(ec) == 0)
                continue;
            if (code_listed(values, json_integer_value(ec)) == in) {
                *code = json_integer_value(ec);
                return name;
            }
        }
    }
    return NULL;
}

static const char *condition_match(const json_t *patterns, const json_t *status)
{
    size_t i, j;
    json_t *pat, *c;
    json_array_foreach(patterns, i, pat)
    {
        const char *t = json_string_value(json_object_get(pat, "type"));
        const char *st = json_string_value(json_object_get(pat, "status"));
        json_array_foreach(json_object_get(status, "conditions"), j, c)
        {
            const char *ct = json_string_value(json_object_get(c, "type"));
            const char *cst = json_string_value(json_object_get(c, "status"));
            if (t && st && ct && cst && !strcmp(t, ct) && !strcmp(st, cst))
                return t;
        }
    }
    return NULL;
}

job_pfp_action_t controllers__job_pfp_match(const json_t *pfp, const json_t *pod, char **msg)
{
    *msg = NULL;
    const json_t *meta = json_object_get(pod, "metadata"), *status = json_object_get(pod, "status");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(pfp, "rules"), i, rule)
    {
        const char *act = json_string_value(json_object_get(rule, "action"));
        job_pfp_action_t a = pfp_action(act);
        if (a == JOB_PFP_NONE)
            continue;
        json_t *oec = json_object_get(rule, "onExitCodes");
        json_t *opc = json_object_get(rule, "onPodConditions");
        json_int_t code = 0;
        const char *cname = json_is_object(oec) ? exit_code_match(oec, status, &code) : NULL;
        if (cname) {
            *msg = xasprintf("Container %s for pod %s/%s failed with exit code %lld matching %s "
                             "rule at index %zu",
                             cname, ns ? ns : "", name ? name : "", (long long)code, act, i);
            return a;
        }
        const char *ctype = json_is_array(opc) ? condition_match(opc, status) : NULL;
        if (ctype) {
            *msg = xasprintf("Pod %s/%s has condition %s matching %s rule at index %zu",
                             ns ? ns : "", name ? name : "", ctype, act, i);
            return a;
        }
    }
    return JOB_PFP_NONE;
}

bool controllers__job_index_failed(job_pfp_action_t act, int64_t failure_count, int64_t limit)
{
    if (act == JOB_PFP_FAIL_INDEX)
        return true;
    if (act == JOB_PFP_IGNORE)
        return false;
    return failure_count >= limit;
}

bool controllers__job_success_match(const json_t *sp, const bool *done, long n, char **msg)
{
    *msg = NULL;
    long total = 0;
    for (long i = 0; i < n; i++)
        total += done[i];
    if (!json_is_object(sp) || total == 0)
        return false;
    bool *want = xcalloc((size_t)n + 1, 1);
    size_t r;
    json_t *rule;
    bool met = false;
    json_array_foreach(json_object_get(sp, "rules"), r, rule)
    {
        const char *idx = json_string_value(json_object_get(rule, "succeededIndexes"));
        json_t *cnt = json_object_get(rule, "succeededCount");
        if (idx) {
            memset(want, 0, (size_t)n);
            controllers__job_index_parse(idx, want, n);
            long required = 0, have = 0;
            for (long i = 0; i < n; i++) {
                required += want[i];
                have += want[i] && done[i];
            }
            /* An unreadable list names no index: the rule cannot be met (upstream's). */
            if (required == 0)
                continue;
            met = json_is_integer(cnt) ? have >= json_integer_value(cnt) : have == required;
        } else {
            met = json_is_integer(cnt) && total >= json_integer_value(cnt);
        }
        if (met) {
            *msg = xasprintf("Matched rules at index %zu", r);
            break;
        }
    }
    free(want);
    return met;
}
