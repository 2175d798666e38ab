/*
 * workloads.c — defaulting and validation of the controllers that own pods: Deployment,
 * ReplicaSet, StatefulSet, DaemonSet, ControllerRevision (apps/v1), Job, CronJob (batch/v1) and
 * ReplicationController (core/v1), as upstream's apps, batch and core defaulters and validators.
 */
#include "c8s/tz.h"
#include "internal.h"

#include <stdio.h>
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
    api__default_int(spec, "backoffLimit", 6, false);
    api__default_str(spec, "completionMode", "NonIndexed");
    api__default_bool(spec, "suspend", false);
    if (!json_object_get(spec, "podFailurePolicy"))
        api__default_str(spec, "podReplacementPolicy", "TerminatingOrFailed");
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
