/*
 * workloads.c — defaulting and validation of the controllers that own pods: Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, ControllerRevision (apps/v1), Job, CronJob (batch/v1) and
 * ReplicationController (core/v1), as upstream's apps, batch and core defaulters and validators.
 */
#include "c8s/tz.h"
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char msg_selector_mismatch[] = "`selector` does not match template `labels`";

/* ---- defaults ---- */

static void deployment_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_int(spec, "replicas", 1, false);
    json_t *strategy = api__ensure_obj(spec, "strategy");
    api__default_str(strategy, "type", "RollingUpdate");
    if (!strcmp(api__str(strategy, "type"), "RollingUpdate")) {
        json_t *ru = api__ensure_obj(strategy, "rollingUpdate");
        api__default_str(ru, "maxUnavailable", "25%");
        api__default_str(ru, "maxSurge", "25%");
    }
    api__default_int(spec, "revisionHistoryLimit", 10, false);
    api__default_int(spec, "progressDeadlineSeconds", 600, false);
    api__default_pod_template(api__obj(spec, "template"));
}

static void replicaset_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_int(spec, "replicas", 1, false);
    api__default_pod_template(api__obj(spec, "template"));
}

/* core/v1 RC: the selector and the object's labels default to the template's labels. */
static void rc_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_int(spec, "replicas", 1, false);
    json_t *tl = api__obj(api__obj(api__obj(spec, "template"), "metadata"), "labels");
    if (tl && json_object_size(tl)) {
        if (json_object_size(api__obj(spec, "selector")) == 0)
            json_object_set_new(spec, "selector", json_deep_copy(tl));
        json_t *meta = api__ensure_obj(obj, "metadata");
        if (json_object_size(api__obj(meta, "labels")) == 0)
            json_object_set_new(meta, "labels", json_deep_copy(tl));
    }
    api__default_pod_template(api__obj(spec, "template"));
}

static void statefulset_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_int(spec, "replicas", 1, false);
    api__default_str(spec, "podManagementPolicy", "OrderedReady");
    json_t *us = api__ensure_obj(spec, "updateStrategy");
    api__default_str(us, "type", "RollingUpdate");
    if (!strcmp(api__str(us, "type"), "RollingUpdate"))
        api__default_int(api__ensure_obj(us, "rollingUpdate"), "partition", 0, false);
    api__default_int(spec, "revisionHistoryLimit", 10, false);
    json_t *ret = api__ensure_obj(spec, "persistentVolumeClaimRetentionPolicy");
    api__default_str(ret, "whenDeleted", "Retain");
    api__default_str(ret, "whenScaled", "Retain");
    size_t i;
    json_t *vct;
    json_array_foreach(api__arr(spec, "volumeClaimTemplates"), i, vct)
    {
        if (json_is_object(vct))
            api__default_pvc_spec(api__obj(vct, "spec"));
    }
    api__default_pod_template(api__obj(spec, "template"));
}

static void daemonset_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    json_t *us = api__ensure_obj(spec, "updateStrategy");
    api__default_str(us, "type", "RollingUpdate");
    if (!strcmp(api__str(us, "type"), "RollingUpdate")) {
        json_t *ru = api__ensure_obj(us, "rollingUpdate");
        api__default_int(ru, "maxUnavailable", 1, false);
        api__default_int(ru, "maxSurge", 0, false);
    }
    api__default_int(spec, "revisionHistoryLimit", 10, false);
    api__default_pod_template(api__obj(spec, "template"));
}

static void job_spec_defaults(json_t *spec)
{
    json_t *c = json_object_get(spec, "completions"), *p = json_object_get(spec, "parallelism");
    if ((!c || json_is_null(c)) && (!p || json_is_null(p))) {
        json_object_set_new(spec, "completions", json_integer(1));
        json_object_set_new(spec, "parallelism", json_integer(1));
    }
    api__default_int(spec, "parallelism", 1, false);
    /* With a per-index limit the global one would only get in the way: upstream makes it
     * effectively unlimited. */
    long long bli;
    api__default_int(spec, "backoffLimit",
                     api__int(spec, "backoffLimitPerIndex", &bli) ? INT32_MAX : 6, false);
    api__default_str(spec, "completionMode", "NonIndexed");
    api__default_bool(spec, "suspend", false);
    json_t *pfp = json_object_get(spec, "podFailurePolicy");
    api__default_str(spec, "podReplacementPolicy",
                     pfp && !json_is_null(pfp) ? "Failed" : "TerminatingOrFailed");
}

static void job_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    job_spec_defaults(spec);
    api__default_pod_template(api__obj(spec, "template"));
}

static void cronjob_defaults(json_t *obj)
{
    json_t *spec = api__ensure_obj(obj, "spec");
    api__default_str(spec, "concurrencyPolicy", "Allow");
    api__default_bool(spec, "suspend", false);
    api__default_int(spec, "successfulJobsHistoryLimit", 3, false);
    api__default_int(spec, "failedJobsHistoryLimit", 1, false);
    /* Upstream defaults only the pod template inside a job template, not the job spec. */
    api__default_pod_template(
        api__obj(api__obj(api__obj(spec, "jobTemplate"), "spec"), "template"));
}

/* ---- validation ---- */

static const char *const always[] = {"Always", NULL};
static const char *const job_restart[] = {"OnFailure", "Never", NULL};

static void check_replicas(c8s_err_t *err, const json_t *spec)
{
    api__check_min(err, spec, "replicas", "spec.replicas", 0);
    api__check_min(err, spec, "minReadySeconds", "spec.minReadySeconds", 0);
    api__check_min(err, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", 0);
}

/* A LabelSelector that must be present, non-empty and match the template's labels. */
static void check_selector_template(c8s_err_t *err, const json_t *spec, const char *base,
                                    bool required)
{
    char p[API_PATH_MAX];
    json_t *sel = api__obj(spec, "selector");
    json_t *tmpl = api__obj(spec, "template");
    api__path(p, sizeof(p), "%s.selector", base);
    if (!sel) {
        if (required)
            api__required(err, p, NULL);
        return;
    }
    if (json_object_size(api__obj(sel, "matchLabels")) == 0 &&
        json_array_size(api__arr(sel, "matchExpressions")) == 0) {
        api__invalid(err, p, sel, "empty selector is invalid for deployment");
        return;
    }
    api__check_label_selector(err, sel, p);
    json_t *labels = api__obj(api__obj(tmpl, "metadata"), "labels");
    if (tmpl && !api__selector_matches(sel, labels)) {
        cleanup_json json_t *l = labels ? json_incref(labels) : json_object();
        api__invalid(err, api__path(p, sizeof(p), "%s.template.metadata.labels", base), l,
                     msg_selector_mismatch);
    }
}

static void check_template_restart(c8s_err_t *err, const json_t *tmpl, const char *base,
                                   const char *const *allowed)
{
    char p[API_PATH_MAX];
    const char *rp = api__str(api__obj(tmpl, "spec"), "restartPolicy");
    if (tmpl && rp && !api__in(rp, allowed))
        api__not_supported(err, api__path(p, sizeof(p), "%s.template.spec.restartPolicy", base), rp,
                           allowed);
}

static void deployment_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_replicas(err, spec);
    check_selector_template(err, spec, "spec", true);
    api__validate_pod_template(err, api__obj(spec, "template"), "spec.template");
    check_template_restart(err, api__obj(spec, "template"), "spec", always);
    static const char *const types[] = {"Recreate", "RollingUpdate", NULL};
    json_t *strategy = api__obj(spec, "strategy");
    api__check_enum(err, strategy, "type", "spec.strategy.type", types, false);
    const char *t = api__str(strategy, "type");
    if (t && !strcmp(t, "Recreate") && api__obj(strategy, "rollingUpdate"))
        api__forbidden(err, "spec.strategy.rollingUpdate",
                       "may not be specified when strategy `type` is 'Recreate'");
    long long pds, mrs;
    if (api__int(spec, "progressDeadlineSeconds", &pds) &&
        api__int(spec, "minReadySeconds", &mrs) && pds <= mrs)
        api__invalid_int(err, "spec.progressDeadlineSeconds", pds,
                         "must be greater than minReadySeconds");
}

static void replicaset_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_replicas(err, spec);
    check_selector_template(err, spec, "spec", true);
    api__validate_pod_template(err, api__obj(spec, "template"), "spec.template");
    check_template_restart(err, api__obj(spec, "template"), "spec", always);
}

static void rc_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_replicas(err, spec);
    json_t *sel = api__obj(spec, "selector");
    json_t *tmpl = api__obj(spec, "template");
    if (sel && json_object_size(sel) == 0)
        api__required(err, "spec.selector", NULL);
    else if (sel)
        api__check_labels(err, sel, "spec.selector");
    if (!tmpl) {
        api__required(err, "spec.template", NULL);
        return;
    }
    json_t *labels = api__obj(api__obj(tmpl, "metadata"), "labels");
    if (sel && json_object_size(sel) && !api__map_selector_matches(sel, labels)) {
        cleanup_json json_t *l = labels ? json_incref(labels) : json_object();
        api__invalid(err, "spec.template.metadata.labels", l, msg_selector_mismatch);
    }
    api__validate_pod_template(err, tmpl, "spec.template");
    check_template_restart(err, tmpl, "spec", always);
}

static void statefulset_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_replicas(err, spec);
    check_selector_template(err, spec, "spec", true);
    /* Containers mount the claims of volumeClaimTemplates by name, though the template lists no
     * such volume (they appear in each pod); upstream skips the pod spec's checks here for that
     * reason. c8s checks it with those volumes added. */
    cleanup_json json_t *tpl = json_deep_copy(api__obj(spec, "template"));
    json_t *pspec = api__obj(tpl, "spec");
    if (pspec) {
        json_t *vols = json_object_get(pspec, "volumes");
        if (!json_is_array(vols)) {
            vols = json_array();
            json_object_set_new(pspec, "volumes", vols);
        }
        size_t i;
        json_t *ct;
        json_array_foreach(api__arr(spec, "volumeClaimTemplates"), i, ct)
        {
            const char *n = api__str(api__obj(ct, "metadata"), "name");
            if (n)
                json_array_append_new(vols, json_pack("{s:s, s:{s:s}}", "name", n,
                                                      "persistentVolumeClaim", "claimName", n));
        }
    }
    api__validate_pod_template(err, tpl, "spec.template");
    check_template_restart(err, api__obj(spec, "template"), "spec", always);
    static const char *const pmp[] = {"OrderedReady", "Parallel", NULL};
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    api__check_enum(err, spec, "podManagementPolicy", "spec.podManagementPolicy", pmp, false);
    json_t *us = api__obj(spec, "updateStrategy");
    api__check_enum(err, us, "type", "spec.updateStrategy.type", types, false);
    api__check_min(err, api__obj(us, "rollingUpdate"), "partition",
                   "spec.updateStrategy.rollingUpdate.partition", 0);
    const char *svc = api__str(spec, "serviceName"), *msg;
    if (svc && *svc && (msg = api_check_dns1123_label(svc)))
        api__invalid_str(err, "spec.serviceName", svc, msg);
}

static void daemonset_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    check_selector_template(err, spec, "spec", true);
    api__validate_pod_template(err, api__obj(spec, "template"), "spec.template");
    check_template_restart(err, api__obj(spec, "template"), "spec", always);
    static const char *const types[] = {"RollingUpdate", "OnDelete", NULL};
    api__check_enum(err, api__obj(spec, "updateStrategy"), "type", "spec.updateStrategy.type",
                    types, false);
    api__check_min(err, spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", 0);
}

static void controllerrevision_validate(c8s_err_t *err, const json_t *obj)
{
    api__check_min(err, obj, "revision", "revision", 0);
}

#define JOB_MAX_PFP_RULES      20
#define JOB_MAX_EXIT_CODES     255
#define JOB_MAX_POD_CONDITIONS 20
#define JOB_MAX_SUCCESS_RULES  20
#define JOB_MAX_PER_INDEX      100000
#define JOB_MAX_INDEXES_LEN    65536

static bool job_indexed(const json_t *spec)
{
    const char *mode = api__str(spec, "completionMode");
    return mode && !strcmp(mode, "Indexed");
}

/* Whether name is one of the template's containers or init containers. */
static bool template_has_container(const json_t *tmpl, const char *name)
{
    static const char *const lists[] = {"containers", "initContainers"};
    json_t *ps = api__obj(tmpl, "spec");
    for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(api__arr(ps, lists[l]), i, c)
        {
            const char *n = api__str(c, "name");
            if (n && !strcmp(n, name))
                return true;
        }
    }
    return false;
}

static void check_on_exit_codes(c8s_err_t *err, const json_t *spec, const json_t *oec,
                                const char *rp)
{
    char p[API_PATH_MAX];
    const char *cn = api__str(oec, "containerName");
    if (cn && !template_has_container(api__obj(spec, "template"), cn))
        api__invalid_str(err, api__path(p, sizeof(p), "%s.onExitCodes.containerName", rp), cn,
                         "must be one of the container or initContainer names in the pod template");
    static const char *const ops[] = {"In", "NotIn", NULL};
    api__check_enum(err, oec, "operator", api__path(p, sizeof(p), "%s.onExitCodes.operator", rp),
                    ops, true);
    const char *op = api__str(oec, "operator");
    json_t *vals = api__arr(oec, "values");
    size_t n = json_array_size(vals);
    if (n == 0) {
        api__required(err, api__path(p, sizeof(p), "%s.onExitCodes.values", rp),
                      "at least one value is required");
        return;
    }
    if (n > JOB_MAX_EXIT_CODES) {
        api__too_many(err, api__path(p, sizeof(p), "%s.onExitCodes.values", rp), (long long)n,
                      JOB_MAX_EXIT_CODES);
        return;
    }
    long long prev = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(vals, i);
        api__path(p, sizeof(p), "%s.onExitCodes.values[%zu]", rp, i);
        if (!json_is_integer(v)) {
            api__invalid(err, p, v, "must be an integer");
            continue;
        }
        long long x = json_integer_value(v);
        /* Exit code 0 is success; "In [0]" could never describe a failed pod. */
        if (x == 0 && op && !strcmp(op, "In"))
            api__invalid_int(err, p, x, "must not be 0 for the In operator");
        if (i > 0 && x == prev)
            c8s_err_add_cause(err, "FieldValueDuplicate", p, "Duplicate value: %lld", x);
        else if (i > 0 && x < prev)
            api__invalid_int(err, p, x, "must be ordered");
        prev = x;
    }
}

static void check_on_pod_conditions(c8s_err_t *err, const json_t *pcs, const char *rp)
{
    char p[API_PATH_MAX];
    size_t n = json_array_size(pcs);
    if (n > JOB_MAX_POD_CONDITIONS) {
        api__too_many(err, api__path(p, sizeof(p), "%s.onPodConditions", rp), (long long)n,
                      JOB_MAX_POD_CONDITIONS);
        return;
    }
    static const char *const statuses[] = {"True", "False", "Unknown", NULL};
    size_t i;
    json_t *pc;
    json_array_foreach(pcs, i, pc)
    {
        const char *t = api__str(pc, "type");
        if (!t || !*t)
            api__required(err, api__path(p, sizeof(p), "%s.onPodConditions[%zu].type", rp, i),
                          NULL);
        api__check_enum(err, pc, "status",
                        api__path(p, sizeof(p), "%s.onPodConditions[%zu].status", rp, i), statuses,
                        true);
    }
}

static void check_pod_failure_policy(c8s_err_t *err, const json_t *spec, const char *base)
{
    char p[API_PATH_MAX];
    json_t *pfp = api__obj(spec, "podFailurePolicy");
    if (!pfp)
        return;
    /* With restartPolicy OnFailure the kubelet restarts containers in place and exit codes never
     * reach the pod's phase: upstream requires Never. */
    const char *rpol = api__str(api__obj(api__obj(spec, "template"), "spec"), "restartPolicy");
    if (!rpol || strcmp(rpol, "Never"))
        api__invalid_str(err, api__path(p, sizeof(p), "%s.template.spec.restartPolicy", base),
                         rpol ? rpol : "",
                         "only \"Never\" is supported when podFailurePolicy is specified");
    json_t *rules = api__arr(pfp, "rules");
    size_t n = json_array_size(rules);
    if (n > JOB_MAX_PFP_RULES) {
        api__too_many(err, api__path(p, sizeof(p), "%s.podFailurePolicy.rules", base), (long long)n,
                      JOB_MAX_PFP_RULES);
        return;
    }
    static const char *const actions[] = {"FailJob", "FailIndex", "Ignore", "Count", NULL};
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        char rp[API_PATH_MAX];
        api__path(rp, sizeof(rp), "%s.podFailurePolicy.rules[%zu]", base, i);
        api__check_enum(err, r, "action", api__path(p, sizeof(p), "%s.action", rp), actions, true);
        const char *act = api__str(r, "action");
        if (act && !strcmp(act, "FailIndex") &&
            !json_is_integer(json_object_get(spec, "backoffLimitPerIndex")))
            api__invalid_str(err, p, act, "requires the backoffLimitPerIndex to be set");
        json_t *oec = api__obj(r, "onExitCodes");
        json_t *opc = api__arr(r, "onPodConditions");
        if (oec && opc)
            api__invalid(err, rp, r,
                         "specifying both OnExitCodes and OnPodConditions is not supported");
        else if (!oec && !opc)
            api__invalid(err, rp, r,
                         "specifying one of OnExitCodes and OnPodConditions is required");
        if (oec)
            check_on_exit_codes(err, spec, oec, rp);
        if (opc)
            check_on_pod_conditions(err, opc, rp);
    }
}

/* Counts the indexes in a "1,3-5" list, or -1 when it is malformed, out of order, overlapping or
 * reaches completions. */
static long long index_list_count(const char *s, long long completions)
{
    long long count = 0, last = -1;
    while (*s) {
        char *end;
        if (*s < '0' || *s > '9')
            return -1;
        long long a = strtoll(s, &end, 10), b = a;
        if (*end == '-') {
            const char *q = end + 1;
            if (*q < '0' || *q > '9')
                return -1;
            b = strtoll(q, &end, 10);
        }
        if (a <= last || b < a || b >= completions)
            return -1;
        count += b - a + 1;
        last = b;
        if (*end == '\0')
            break;
        if (*end != ',' || end[1] == '\0')
            return -1;
        s = end + 1;
    }
    return count;
}

static void check_success_policy(c8s_err_t *err, const json_t *spec, const char *base)
{
    char p[API_PATH_MAX];
    json_t *sp = api__obj(spec, "successPolicy");
    if (!sp)
        return;
    if (!job_indexed(spec)) {
        api__invalid(err, api__path(p, sizeof(p), "%s.successPolicy", base), sp,
                     "requires indexed completion mode");
        return;
    }
    json_t *rules = api__arr(sp, "rules");
    size_t n = json_array_size(rules);
    if (n == 0) {
        api__required(err, api__path(p, sizeof(p), "%s.successPolicy.rules", base),
                      "at least one rules must be specified when the successPolicy is specified");
        return;
    }
    if (n > JOB_MAX_SUCCESS_RULES) {
        api__too_many(err, api__path(p, sizeof(p), "%s.successPolicy.rules", base), (long long)n,
                      JOB_MAX_SUCCESS_RULES);
        return;
    }
    long long completions = 0;
    api__int(spec, "completions", &completions);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        char rp[API_PATH_MAX];
        api__path(rp, sizeof(rp), "%s.successPolicy.rules[%zu]", base, i);
        const char *idx = api__str(r, "succeededIndexes");
        long long cnt, nidx = -1;
        bool has_cnt = api__int(r, "succeededCount", &cnt);
        if (!idx && !has_cnt) {
            api__required(err, rp,
                          "at least one of succeededCount or succeededIndexes must be specified");
            continue;
        }
        if (idx) {
            api__path(p, sizeof(p), "%s.succeededIndexes", rp);
            if (strlen(idx) > JOB_MAX_INDEXES_LEN)
                api__too_long(err, p, JOB_MAX_INDEXES_LEN);
            else if ((nidx = index_list_count(idx, completions)) < 0)
                api__invalid_str(err, p, idx,
                                 "must be a comma-separated list of ordered, non-overlapping "
                                 "indexes or ranges below completions");
        }
        if (has_cnt) {
            api__path(p, sizeof(p), "%s.succeededCount", rp);
            char d[128];
            if (cnt < 0)
                api__invalid_int(err, p, cnt, "must be greater than or equal to 0");
            else if (cnt > completions) {
                snprintf(d, sizeof(d),
                         "must be less than or equal to %lld (the number of specified completions)",
                         completions);
                api__invalid_int(err, p, cnt, d);
            } else if (nidx >= 0 && cnt > nidx) {
                snprintf(d, sizeof(d),
                         "must be less than or equal to %lld (the number of indexes in the "
                         "specified succeededIndexes field)",
                         nidx);
                api__invalid_int(err, p, cnt, d);
            }
        }
    }
}

static void check_per_index(c8s_err_t *err, const json_t *spec, const char *base)
{
    char p[API_PATH_MAX];
    long long bli, mfi, completions;
    bool has_bli = api__int(spec, "backoffLimitPerIndex", &bli);
    bool has_mfi = api__int(spec, "maxFailedIndexes", &mfi);
    bool has_c = api__int(spec, "completions", &completions);
    if (has_bli) {
        api__check_min(err, spec, "backoffLimitPerIndex",
                       api__path(p, sizeof(p), "%s.backoffLimitPerIndex", base), 0);
        if (!job_indexed(spec))
            api__invalid_int(err, p, bli, "requires indexed completion mode");
        else if (has_c && completions > JOB_MAX_PER_INDEX)
            api__invalid_int(err, api__path(p, sizeof(p), "%s.completions", base), completions,
                             "must be less than or equal to 100000 when backoffLimitPerIndex is "
                             "specified");
    }
    if (has_mfi) {
        api__path(p, sizeof(p), "%s.maxFailedIndexes", base);
        if (!has_bli)
            api__required(err, api__path(p, sizeof(p), "%s.backoffLimitPerIndex", base),
                          "when maxFailedIndexes is specified");
        else if (mfi < 0)
            api__invalid_int(err, p, mfi, "must be greater than or equal to 0");
        else if (mfi > JOB_MAX_PER_INDEX)
            api__invalid_int(err, p, mfi, "must be less than or equal to 100000");
        else if (has_c && mfi > completions)
            api__invalid_int(err, p, mfi, "must be less than or equal to completions");
    }
}

static void check_replacement_managed(c8s_err_t *err, const json_t *spec, const char *base)
{
    char p[API_PATH_MAX];
    const char *prp = api__str(spec, "podReplacementPolicy");
    if (prp) {
        api__path(p, sizeof(p), "%s.podReplacementPolicy", base);
        static const char *const all[] = {"TerminatingOrFailed", "Failed", NULL};
        static const char *const failed[] = {"Failed", NULL};
        /* A pod failure policy judges terminal pods only, so replacements must wait for them. */
        bool pfp = api__obj(spec, "podFailurePolicy") != NULL;
        if (!api__in(prp, pfp ? failed : all))
            api__not_supported(err, p, prp, pfp ? failed : all);
    }
    const char *mb = api__str(spec, "managedBy");
    if (mb) {
        api__path(p, sizeof(p), "%s.managedBy", base);
        if (strlen(mb) > 63)
            api__too_long(err, p, 63);
        else if (!strchr(mb, '/') || mb[0] == '/')
            api__invalid_str(err, p, mb,
                             "must be a domain-prefixed path (such as \"acme.io/foo\")");
    }
}

static void job_spec_validate(c8s_err_t *err, const json_t *spec, const char *base)
{
    char p[API_PATH_MAX];
    static const char *const nonneg[] = {"parallelism", "completions", "backoffLimit"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(nonneg); i++)
        api__check_min(err, spec, nonneg[i], api__path(p, sizeof(p), "%s.%s", base, nonneg[i]), 0);
    api__check_min(err, spec, "activeDeadlineSeconds",
                   api__path(p, sizeof(p), "%s.activeDeadlineSeconds", base), 1);
    static const char *const modes[] = {"NonIndexed", "Indexed", NULL};
    api__check_enum(err, spec, "completionMode", api__path(p, sizeof(p), "%s.completionMode", base),
                    modes, false);
    const char *mode = api__str(spec, "completionMode");
    if (mode && !strcmp(mode, "Indexed") && !json_is_integer(json_object_get(spec, "completions")))
        api__required(err, api__path(p, sizeof(p), "%s.completions", base),
                      "when completion mode is Indexed");
    /* The server sets the selector; one given by the user must still match the template. */
    if (api__obj(spec, "selector"))
        check_selector_template(err, spec, base, false);
    char t[API_PATH_MAX];
    api__validate_pod_template(err, api__obj(spec, "template"),
                               api__path(t, sizeof(t), "%s.template", base));
    check_template_restart(err, api__obj(spec, "template"), base, job_restart);
    check_pod_failure_policy(err, spec, base);
    check_per_index(err, spec, base);
    check_success_policy(err, spec, base);
    check_replacement_managed(err, spec, base);
}

static void job_validate(c8s_err_t *err, const json_t *obj)
{
    job_spec_validate(err, api__obj(obj, "spec"), "spec");
}

/* A cron schedule: a macro (@hourly, ...) or five whitespace-separated fields. */
static bool schedule_ok(const char *s)
{
    static const char *const macros[] = {"@yearly", "@annually", "@monthly", "@weekly",
                                         "@daily",  "@midnight", "@hourly",  NULL};
    if (s[0] == '@')
        return api__in(s, macros) || !strncmp(s, "@every ", 7);
    if (!strncmp(s, "TZ=", 3) || !strncmp(s, "CRON_TZ=", 8)) {
        const char *sp = strchr(s, ' ');
        if (!sp)
            return false;
        s = sp + 1;
    }
    int fields = 0;
    for (const char *p = s; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        fields++;
        for (; *p && *p != ' ' && *p != '\t'; p++)
            if (!strchr("0123456789*/,-?LW#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        *p))
                return false;
    }
    return fields == 5;
}

/* spec.timeZone as upstream checks it: a zone the tz database knows (upstream's validation
 * loads it too; this is the one read of a file in validation). */
static void timezone_validate(c8s_err_t *err, const json_t *spec)
{
    const json_t *v = json_object_get(spec, "timeZone");
    if (!v || json_is_null(v))
        return;
    const char *tz = json_string_value(v);
    if (!tz || !*tz) {
        api__invalid_str(err, "spec.timeZone", tz ? tz : "",
                         "unknown time zone, must be a valid IANA time zone name");
        return;
    }
    if (strcasecmp(tz, "Local") == 0) {
        api__invalid_str(err, "spec.timeZone", tz,
                         "unknown time zone Local, must be a valid IANA time zone name");
        return;
    }
    tz_t *zone = NULL;
    c8s_err_t lerr = C8S_ERR_INIT;
    if (tz_load(tz, &zone, &lerr) != 0)
        api__invalid_str(err, "spec.timeZone", tz, lerr.msg);
    c8s_err_clear(&lerr);
    tz_free(zone);
}

static void cronjob_validate(c8s_err_t *err, const json_t *obj)
{
    json_t *spec = api__obj(obj, "spec");
    const char *name = api__str(api__obj(obj, "metadata"), "name");
    if (name && strlen(name) > 52)
        api__invalid_str(err, "metadata.name", name, "must be no more than 52 characters");
    const char *sched = api__str(spec, "schedule");
    if (!sched || !*sched)
        api__required(err, "spec.schedule", NULL);
    else if (!schedule_ok(sched))
        api__invalid_str(err, "spec.schedule", sched, "unparseable cron schedule");
    timezone_validate(err, spec);
    static const char *const policies[] = {"Allow", "Forbid", "Replace", NULL};
    api__check_enum(err, spec, "concurrencyPolicy", "spec.concurrencyPolicy", policies, false);
    api__check_min(err, spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds", 0);
    api__check_min(err, spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit", 0);
    api__check_min(err, spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit", 0);
    json_t *jt = api__obj(spec, "jobTemplate");
    if (!jt) {
        api__required(err, "spec.jobTemplate", NULL);
        return;
    }
    json_t *labels = api__obj(api__obj(jt, "metadata"), "labels");
    if (labels)
        api__check_labels(err, labels, "spec.jobTemplate.metadata.labels");
    job_spec_validate(err, api__obj(jt, "spec"), "spec.jobTemplate.spec");
}

/* ---- updates ---- */

static void selector_immutable(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    api__check_immutable(err, json_object_get(api__obj(obj, "spec"), "selector"),
                         json_object_get(api__obj(old, "spec"), "selector"), "spec.selector");
}

static void statefulset_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    /* Everything in spec but these fields is frozen after creation. */
    static const char *const mutable_fields[] = {"replicas",
                                                 "ordinals",
                                                 "template",
                                                 "updateStrategy",
                                                 "persistentVolumeClaimRetentionPolicy",
                                                 "minReadySeconds",
                                                 "revisionHistoryLimit"};
    cleanup_json json_t *a = json_deep_copy(api__obj(obj, "spec"));
    cleanup_json json_t *b = json_deep_copy(api__obj(old, "spec"));
    for (size_t i = 0; i < C8S_ARRAY_SIZE(mutable_fields); i++) {
        json_object_del(a, mutable_fields[i]);
        json_object_del(b, mutable_fields[i]);
    }
    if (!json_equal(a, b))
        api__forbidden(err, "spec",
                       "updates to statefulset spec for fields other than 'replicas', "
                       "'ordinals', 'template', 'updateStrategy', "
                       "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                       "forbidden");
}

static void job_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    json_t *s = api__obj(obj, "spec"), *o = api__obj(old, "spec");
    api__check_immutable(err, json_object_get(s, "selector"), json_object_get(o, "selector"),
                         "spec.selector");
    api__check_immutable(err, json_object_get(s, "completionMode"),
                         json_object_get(o, "completionMode"), "spec.completionMode");
    /* Another controller may own the Job's status; that ownership cannot be handed over. */
    api__check_immutable(err, json_object_get(s, "managedBy"), json_object_get(o, "managedBy"),
                         "spec.managedBy");
    api__check_immutable(err, json_object_get(s, "podFailurePolicy"),
                         json_object_get(o, "podFailurePolicy"), "spec.podFailurePolicy");
    api__check_immutable(err, json_object_get(s, "successPolicy"),
                         json_object_get(o, "successPolicy"), "spec.successPolicy");
    api__check_immutable(err, json_object_get(s, "backoffLimitPerIndex"),
                         json_object_get(o, "backoffLimitPerIndex"), "spec.backoffLimitPerIndex");
    /* The pod template may only change while the job is suspended. */
    if (!json_is_true(json_object_get(o, "suspend")))
        api__check_immutable(err, json_object_get(s, "template"), json_object_get(o, "template"),
                             "spec.template");
}

static void controllerrevision_update(c8s_err_t *err, const json_t *obj, const json_t *old)
{
    api__check_immutable(err, json_object_get(obj, "data"), json_object_get(old, "data"), "data");
}

/* ---- status ---- */

static void replicas_status(c8s_err_t *err, const json_t *obj)
{
    json_t *st = api__obj(obj, "status");
    static const char *const counts[] = {
        "replicas",        "readyReplicas",        "availableReplicas", "updatedReplicas",
        "currentReplicas", "fullyLabeledReplicas", "observedGeneration"};
    char p[API_PATH_MAX];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(counts); i++)
        api__check_min(err, st, counts[i], api__path(p, sizeof(p), "status.%s", counts[i]), 0);
}

const api__hooks_t api__workload_hooks[] = {
    {"apps", "Deployment", NULL, deployment_defaults, deployment_validate, selector_immutable,
     replicas_status, NULL},
    {"apps", "ReplicaSet", NULL, replicaset_defaults, replicaset_validate, selector_immutable,
     replicas_status, NULL},
    {"apps", "StatefulSet", NULL, statefulset_defaults, statefulset_validate, statefulset_update,
     replicas_status, NULL},
    {"apps", "DaemonSet", NULL, daemonset_defaults, daemonset_validate, selector_immutable, NULL,
     NULL},
    {"apps", "ControllerRevision", NULL, NULL, controllerrevision_validate,
     controllerrevision_update, NULL, NULL},
    {"", "ReplicationController", NULL, rc_defaults, rc_validate, NULL, replicas_status, NULL},
    {"batch", "Job", NULL, job_defaults, job_validate, job_update, NULL, NULL},
    {"batch", "CronJob", NULL, cronjob_defaults, cronjob_validate, NULL, NULL, NULL},
    {0},
};
