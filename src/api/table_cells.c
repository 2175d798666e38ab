/*
 * table_cells.c — the per-kind printers behind table.h: each kind's column definitions and the
 * cell logic of upstream's printers (kubernetes pkg/printers/internalversion/printers.go), as
 * upstream's server-side TableConvertor runs them: wide, every cell.
 *
 * Cells are computed from the JSON the store holds (the v1 shape, defaulted). Where upstream
 * prints its internal types, the defaults those types would carry are applied here (replicas 1,
 * protocol TCP, podIPs from podIP). Column descriptions for name and age are upstream's; the
 * others are upstream's own strings where it writes them inline, and short summaries of the field
 * docs where it quotes the OpenAPI docs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "c8s/quantity.h"
#include "c8s/selector.h"
#include "internal.h"
#include "table_int.h"
#include "c8s/strbuf.h"

/* --- description texts ------------------------------------------------------------------- */

#define DESC_NAME                                                                                  \
    "Name must be unique within a namespace. Is required when creating resources, although "       \
    "some resources may allow a client to request the generation of an appropriate name "          \
    "automatically. Name is primarily intended for creation idempotence and configuration "        \
    "definition. Cannot be updated. More info: "                                                   \
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
#define DESC_AGE                                                                                   \
    "CreationTimestamp is a timestamp representing the server time when this object was "          \
    "created. It is not guaranteed to be set in happens-before order across separate "             \
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "     \
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "                      \
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"                            \
    "api-conventions.md#metadata"
#define DESC_CONTAINERS "Names of each container in the template."
#define DESC_IMAGES     "Images referenced by each container in the template."

#define COL_NAME                                                                                   \
    {                                                                                              \
        "Name", "string", "name", DESC_NAME, 0                                                     \
    }
#define COL_AGE                                                                                    \
    {                                                                                              \
        "Age", "string", "", DESC_AGE, 0                                                           \
    }
#define COL_CREATED_AT                                                                             \
    {                                                                                              \
        "Created At", "date", "", DESC_AGE, 0                                                      \
    }
#define COL(n, t, d)                                                                               \
    {                                                                                              \
        n, t, "", d, 0                                                                             \
    }
#define WIDE(n, t, d)                                                                              \
    {                                                                                              \
        n, t, "", d, 1                                                                             \
    }
#define COLS(a) a, C8S_ARRAY_SIZE(a)

/* --- small helpers ----------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key)
{
    return api__str(o, key);
}

static bool has(const json_t *o, const char *key)
{
    return json_is_object(o) && json_object_get(o, key) && !json_is_null(json_object_get(o, key));
}

static long long num(const json_t *o, const char *key, long long def)
{
    long long v;
    return api__int(o, key, &v) ? v : def;
}

static bool flag(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static bool empty(const char *s)
{
    return !s || !*s;
}

static const char *or_default(const char *s, const char *def)
{
    return empty(s) ? def : s;
}

static const json_t *meta_of(const json_t *obj)
{
    return api__obj(obj, "metadata");
}

static const char *name_of(const json_t *obj)
{
    return str(meta_of(obj), "name");
}

static bool deleting(const json_t *obj)
{
    return !empty(str(meta_of(obj), "deletionTimestamp"));
}

static void cell_name(json_t *cells, const json_t *obj)
{
    table__str(cells, name_of(obj));
}

static void cell_age(json_t *cells, const json_t *obj, int64_t now)
{
    table__own(cells, table__age_of(obj, now));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted keys of a JSON object (borrowed strings; free the array). */
static const char **sorted_keys(const json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **keys = xcalloc(*n ? *n : 1, sizeof(*keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        keys[i++] = k;
    }
    qsort(keys, *n, sizeof(*keys), cmp_str);
    return keys;
}

/* labels.FormatLabels: "a=1,b=2" sorted by key, "<none>" when empty. */
static char *format_labels(const json_t *m)
{
    size_t n;
    const char **keys = sorted_keys(m, &n);
    strbuf_t b = {0};
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *kv = xasprintf("%s=%s", keys[i], or_default(str(m, keys[i]), ""));
        strbuf_sep(&b, ",", kv);
    }
    free(keys);
    return n ? strbuf_take(&b) : xstrdup("<none>");
}

/* metav1.FormatLabelSelector: the selector's String(), "<none>" when empty, "<error>" when it
 * does not convert. Deployments print the bare String() ("" when empty, "<invalid>"): raw. */
static char *format_selector(const json_t *sel, bool raw)
{
    c8s_err_t err = C8S_ERR_INIT;
    labelsel_t *ls = NULL;
    if (labelsel_from_json(json_is_object(sel) ? sel : NULL, &ls, &err) < 0) {
        c8s_err_clear(&err);
        return xstrdup(raw ? "<invalid>" : "<error>");
    }
    char *s = labelsel_string(ls);
    labelsel_free(ls);
    if (!raw && empty(s)) {
        free(s);
        return xstrdup("<none>");
    }
    return s;
}

/* layoutContainerCells: container names and images, comma-joined. */
static void cell_containers(json_t *cells, const json_t *pod_spec)
{
    strbuf_t names = {0}, images = {0};
    size_t i;
    json_t *c;
    json_array_foreach(api__arr(pod_spec, "containers"), i, c)
    {
        if (i) {
            strbuf_add(&names, ",");
            strbuf_add(&images, ",");
        }
        strbuf_add(&names, or_default(str(c, "name"), ""));
        strbuf_add(&images, or_default(str(c, "image"), ""));
    }
    table__own(cells, strbuf_take(&names));
    table__own(cells, strbuf_take(&images));
}

static const json_t *template_spec(const json_t *spec)
{
    return api__obj(api__obj(spec, "template"), "spec");
}

/* Quantity.String(): canonical form; a value we cannot parse is shown as stored. */
static const char *quantity_str(const json_t *v, char *buf, size_t len)
{
    quantity_t q;
    c8s_err_t err = C8S_ERR_INIT;
    if (!v || json_is_null(v))
        return "0";
    if (quantity_parse_json(v, &q, &err) < 0) {
        c8s_err_clear(&err);
        return json_is_string(v) ? json_string_value(v) : "<invalid>";
    }
    return quantity_format(&q, buf, len);
}

static bool condition_true(const json_t *conditions, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(conditions, i, c)
    {
        if (strcmp(or_default(str(c, "type"), ""), type) == 0)
            return strcmp(or_default(str(c, "status"), ""), "True") == 0;
    }
    return false;
}

/* Load-balancer ingress points: IPs, else hostnames, deduplicated and sorted. */
static char *lb_ingress(const json_t *lb)
{
    const json_t *ing = api__arr(lb, "ingress");
    size_t n = json_array_size(ing), m = 0;
    const char **vals = xcalloc(n ? n : 1, sizeof(*vals));
    size_t i;
    json_t *e;
    json_array_foreach(ing, i, e)
    {
        const char *v = !empty(str(e, "ip")) ? str(e, "ip") : str(e, "hostname");
        if (!empty(v))
            vals[m++] = v;
    }
    qsort(vals, m, sizeof(*vals), cmp_str);
    strbuf_t b = {0};
    for (i = 0; i < m; i++)
        if (i == 0 || strcmp(vals[i], vals[i - 1]) != 0)
            strbuf_sep(&b, ",", vals[i]);
    free(vals);
    return strbuf_take(&b);
}

static char *join_strings(const json_t *arr, const char *sep)
{
    strbuf_t b = {0};
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            strbuf_add(&b, sep);
        strbuf_add(&b, json_is_string(v) ? json_string_value(v) : "");
    }
    return strbuf_take(&b);
}

/* --- pods -------------------------------------------------------------------------------- */

static const table__col_t pod_cols[] = {
    COL_NAME,
    COL("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    COL("Status", "string", "The aggregate status of the containers in this pod."),
    COL("Restarts", "string",
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted."),
    COL_AGE,
    WIDE("IP", "string", "podIP address allocated to the pod."),
    WIDE("Node", "string", "NodeName indicates in which node this pod is scheduled."),
    WIDE("Nominated Node", "string",
         "nominatedNodeName is set only when this pod preempts other pods on the node."),
    WIDE("Readiness Gates", "string",
         "If specified, all readiness gates will be evaluated for pod readiness."),
};

static const json_t *find_named(const json_t *arr, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        if (name && strcmp(or_default(str(c, "name"), ""), name) == 0)
            return c;
    }
    return NULL;
}

/* A sidecar: an init container with restartPolicy Always. */
static bool restartable_init(const json_t *c)
{
    return c && strcmp(or_default(str(c, "restartPolicy"), ""), "Always") == 0;
}

/* The later of *last and the container's lastState.terminated.finishedAt. */
static void note_restart(const json_t *status, int64_t *last)
{
    int64_t t;
    const json_t *term = api__obj(api__obj(status, "lastState"), "terminated");
    if (term && table_parse_time(str(term, "finishedAt"), &t) && t > *last)
        *last = t;
}

static void terminated_reason(char *reason, size_t len, const char *prefix, const json_t *term)
{
    if (!empty(str(term, "reason")))
        snprintf(reason, len, "%s%s", prefix, str(term, "reason"));
    else if (num(term, "signal", 0) != 0)
        snprintf(reason, len, "%sSignal:%lld", prefix, num(term, "signal", 0));
    else
        snprintf(reason, len, "%sExitCode:%lld", prefix, num(term, "exitCode", 0));
}

static void pod_cells(const json_t *pod, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(pod, "spec"), *status = api__obj(pod, "status");
    const json_t *conds = api__arr(status, "conditions");
    const json_t *init_specs = api__arr(spec, "initContainers");
    const char *phase = or_default(str(status, "phase"), "");
    long long restarts = 0, sidecar_restarts = 0, ready = 0;
    long long total = (long long)json_array_size(api__arr(spec, "containers"));
    int64_t last_restart = INT64_MIN, last_sidecar_restart = INT64_MIN;
    char reason[512];
    size_t i;
    json_t *c;

    snprintf(reason, sizeof(reason), "%s", or_default(str(status, "reason"), phase));
    json_array_foreach(conds, i, c)
    {
        if (strcmp(or_default(str(c, "type"), ""), "PodScheduled") == 0 &&
            strcmp(or_default(str(c, "reason"), ""), "SchedulingGated") == 0)
            snprintf(reason, sizeof(reason), "SchedulingGated");
    }
    if (strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0) {
        bool ok = phase[0] == 'S';
        json_object_set_new(
            row, "conditions",
            json_pack("[{s:s, s:s, s:s, s:s}]", "type", "Completed", "status", "True", "reason",
                      phase, "message",
                      ok ? "The pod has completed successfully." : "The pod failed."));
    }
    json_array_foreach(init_specs, i, c)
    {
        if (restartable_init(c))
            total++;
    }

    bool initializing = false;
    const json_t *init_statuses = api__arr(status, "initContainerStatuses");
    json_array_foreach(init_statuses, i, c)
    {
        const json_t *state = api__obj(c, "state");
        const json_t *term = api__obj(state, "terminated"), *wait = api__obj(state, "waiting");
        bool sidecar = restartable_init(find_named(init_specs, str(c, "name")));
        restarts += num(c, "restartCount", 0);
        note_restart(c, &last_restart);
        if (sidecar) {
            sidecar_restarts += num(c, "restartCount", 0);
            note_restart(c, &last_sidecar_restart);
        }
        if (term && num(term, "exitCode", 0) == 0)
            continue;
        if (sidecar && flag(c, "started")) {
            if (flag(c, "ready"))
                ready++;
            continue;
        }
        if (term)
            terminated_reason(reason, sizeof(reason), "Init:", term);
        else if (wait && !empty(str(wait, "reason")) &&
                 strcmp(str(wait, "reason"), "PodInitializing") != 0)
            snprintf(reason, sizeof(reason), "Init:%s", str(wait, "reason"));
        else
            snprintf(reason, sizeof(reason), "Init:%zu/%zu", i, json_array_size(init_specs));
        initializing = true;
        break;
    }

    if (!initializing || condition_true(conds, "Initialized")) {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        bool running = false;
        const json_t *cs = api__arr(status, "containerStatuses");
        for (size_t j = json_array_size(cs); j-- > 0;) {
            c = json_array_get(cs, j);
            const json_t *state = api__obj(c, "state");
            const json_t *term = api__obj(state, "terminated"), *wait = api__obj(state, "waiting");
            restarts += num(c, "restartCount", 0);
            note_restart(c, &last_restart);
            if (wait && !empty(str(wait, "reason"))) {
                snprintf(reason, sizeof(reason), "%s", str(wait, "reason"));
            } else if (term) {
                terminated_reason(reason, sizeof(reason), "", term);
            } else if (flag(c, "ready") && api__obj(state, "running")) {
                running = true;
                ready++;
            }
        }
        /* A pod whose last container completed while another still runs is not Completed. */
        if (strcmp(reason, "Completed") == 0 && running)
            snprintf(reason, sizeof(reason), "%s",
                     condition_true(conds, "Ready") ? "Running" : "NotReady");
    }

    if (deleting(pod) && strcmp(or_default(str(status, "reason"), ""), "NodeLost") == 0)
        snprintf(reason, sizeof(reason), "Unknown");
    else if (deleting(pod) && strcmp(phase, "Succeeded") != 0 && strcmp(phase, "Failed") != 0)
        snprintf(reason, sizeof(reason), "Terminating");

    cell_name(cells, pod);
    table__own(cells, xasprintf("%lld/%lld", ready, total));
    table__str(cells, reason);
    if (restarts != 0 && last_restart != INT64_MIN) {
        cleanup_free char *ago = table_age(now - last_restart);
        table__own(cells, xasprintf("%lld (%s ago)", restarts, ago));
    } else {
        table__own(cells, xasprintf("%lld", restarts));
    }
    cell_age(cells, pod, now);

    const char *ip = str(json_array_get(api__arr(status, "podIPs"), 0), "ip");
    if (empty(ip) && !api__arr(status, "podIPs"))
        ip = str(status, "podIP");
    table__str(cells, or_default(ip, "<none>"));
    table__str(cells, or_default(str(spec, "nodeName"), "<none>"));
    table__str(cells, or_default(str(status, "nominatedNodeName"), "<none>"));
    const json_t *gates = api__arr(spec, "readinessGates");
    if (json_array_size(gates) == 0) {
        table__str(cells, "<none>");
    } else {
        long long ok = 0;
        json_array_foreach(gates, i, c)
        {
            size_t j;
            json_t *cond;
            json_array_foreach(conds, j, cond)
            {
                if (strcmp(or_default(str(cond, "type"), ""),
                           or_default(str(c, "conditionType"), "")) == 0) {
                    if (strcmp(or_default(str(cond, "status"), ""), "True") == 0)
                        ok++;
                    break;
                }
            }
        }
        table__own(cells, xasprintf("%lld/%zu", ok, json_array_size(gates)));
    }
}

/* --- workloads --------------------------------------------------------------------------- */

static const table__col_t deployment_cols[] = {
    COL_NAME,
    COL("Ready", "string", "Number of the pod with ready state"),
    COL("Up-to-date", "string",
        "Total number of non-terminating pods targeted by this deployment that have the desired "
        "template spec."),
    COL("Available", "string",
        "Total number of available non-terminating pods (ready for at least minReadySeconds) "
        "targeted by this deployment."),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
    WIDE("Selector", "string", "Label selector for pods."),
};

static void deployment_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    cell_name(cells, o);
    table__own(cells,
               xasprintf("%lld/%lld", num(st, "readyReplicas", 0), num(spec, "replicas", 1)));
    table__int(cells, num(st, "updatedReplicas", 0));
    table__int(cells, num(st, "availableReplicas", 0));
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(spec));
    table__own(cells, format_selector(api__obj(spec, "selector"), true));
}

static const table__col_t replicaset_cols[] = {
    COL_NAME,
    COL("Desired", "integer", "Replicas is the number of desired pods."),
    COL("Current", "integer", "Replicas is the most recently observed number of replicas."),
    COL("Ready", "integer", "The number of ready replicas for this replica set."),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
    WIDE("Selector", "string",
         "Selector is a label query over pods that should match the replica count."),
};

/* ReplicaSets and ReplicationControllers; RCs select with a plain map. */
static void replicas_cells(const json_t *o, int64_t now, json_t *cells, bool map_selector)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    cell_name(cells, o);
    table__int(cells, num(spec, "replicas", 1));
    table__int(cells, num(st, "replicas", 0));
    table__int(cells, num(st, "readyReplicas", 0));
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(spec));
    if (map_selector)
        table__own(cells, format_labels(api__obj(spec, "selector")));
    else
        table__own(cells, format_selector(api__obj(spec, "selector"), false));
}

static void replicaset_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    replicas_cells(o, now, cells, false);
}

static void rc_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    replicas_cells(o, now, cells, true);
}

static const table__col_t statefulset_cols[] = {
    COL_NAME,
    COL("Ready", "string", "Number of the pod with ready state"),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
};

static void statefulset_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    cell_name(cells, o);
    table__own(cells,
               xasprintf("%lld/%lld", num(st, "readyReplicas", 0), num(spec, "replicas", 1)));
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(spec));
}

static const table__col_t daemonset_cols[] = {
    COL_NAME,
    COL("Desired", "integer",
        "The total number of nodes that should be running the daemon pod (including nodes "
        "correctly running the daemon pod)."),
    COL("Current", "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run the "
        "daemon pod."),
    COL("Ready", "integer",
        "numberReady is the number of nodes that should be running the daemon pod and have one "
        "or more of the daemon pod running with a Ready Condition."),
    COL("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    COL("Available", "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and available (ready for at least spec.minReadySeconds)"),
    COL("Node Selector", "string",
        "NodeSelector is a selector which must be true for the pod to fit on a node."),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
    WIDE("Selector", "string", "A label query over pods that are managed by the daemon set."),
};

static void daemonset_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    cell_name(cells, o);
    table__int(cells, num(st, "desiredNumberScheduled", 0));
    table__int(cells, num(st, "currentNumberScheduled", 0));
    table__int(cells, num(st, "numberReady", 0));
    table__int(cells, num(st, "updatedNumberScheduled", 0));
    table__int(cells, num(st, "numberAvailable", 0));
    table__own(cells, format_labels(api__obj(template_spec(spec), "nodeSelector")));
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(spec));
    table__own(cells, format_selector(api__obj(spec, "selector"), false));
}

static const table__col_t job_cols[] = {
    COL_NAME,
    COL("Status", "string", "Status of the job."),
    COL("Completions", "string", "The number of pods which reached phase Succeeded."),
    COL("Duration", "string", "Time required to complete the job."),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
    WIDE("Selector", "string", "A label query over pods that should match the pod count."),
};

static void job_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    const json_t *conds = api__arr(st, "conditions");
    long long succeeded = num(st, "succeeded", 0);
    char *completions;
    if (has(spec, "completions"))
        completions = xasprintf("%lld/%lld", succeeded, num(spec, "completions", 0));
    else if (num(spec, "parallelism", 1) > 1)
        completions = xasprintf("%lld/1 of %lld", succeeded, num(spec, "parallelism", 1));
    else
        completions = xasprintf("%lld/1", succeeded);

    int64_t start, end;
    char *duration;
    if (!table_parse_time(str(st, "startTime"), &start))
        duration = xstrdup("");
    else if (!table_parse_time(str(st, "completionTime"), &end))
        duration = table_age(now - start);
    else
        duration = table_age(end - start);

    const char *status = "Running";
    if (condition_true(conds, "Complete"))
        status = "Complete";
    else if (condition_true(conds, "Failed"))
        status = "Failed";
    else if (deleting(o))
        status = "Terminating";
    else if (condition_true(conds, "Suspended"))
        status = "Suspended";
    else if (condition_true(conds, "FailureTarget"))
        status = "FailureTarget";
    else if (condition_true(conds, "SuccessCriteriaMet"))
        status = "SuccessCriteriaMet";

    cell_name(cells, o);
    table__str(cells, status);
    table__own(cells, completions);
    table__own(cells, duration);
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(spec));
    table__own(cells, format_selector(api__obj(spec, "selector"), false));
}

static const table__col_t cronjob_cols[] = {
    COL_NAME,
    COL("Schedule", "string",
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    COL("Timezone", "string", "The time zone name for the given schedule."),
    COL("Suspend", "boolean",
        "This flag tells the controller to suspend subsequent executions, it does not apply to "
        "already started executions."),
    COL("Active", "integer", "A list of pointers to currently running jobs."),
    COL("Last Schedule", "string",
        "Information when was the last time the job was successfully scheduled."),
    COL_AGE,
    WIDE("Containers", "string", DESC_CONTAINERS),
    WIDE("Images", "string", DESC_IMAGES),
    WIDE("Selector", "string", "A label query over pods that should match the pod count."),
};

static void cronjob_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    const json_t *job_spec = api__obj(api__obj(spec, "jobTemplate"), "spec");
    cell_name(cells, o);
    table__str(cells, str(spec, "schedule"));
    table__str(cells, or_default(str(spec, "timeZone"), "<none>"));
    /* printBoolPtr: a string, though the column says boolean. */
    json_t *suspend = json_object_get(spec, "suspend");
    table__str(cells,
               json_is_boolean(suspend) ? (json_is_true(suspend) ? "True" : "False") : "<unset>");
    table__int(cells, (long long)json_array_size(api__arr(st, "active")));
    const char *last = str(st, "lastScheduleTime");
    table__own(cells, empty(last) ? xstrdup("<none>") : table__since(last, now));
    cell_age(cells, o, now);
    cell_containers(cells, template_spec(job_spec));
    table__own(cells, format_selector(api__obj(job_spec, "selector"), false));
}

static const table__col_t controllerrevision_cols[] = {
    COL_NAME,
    COL("Controller", "string", "Controller of the object"),
    COL("Revision", "string", "Revision indicates the revision of the state represented by Data."),
    COL_AGE,
};

static void controllerrevision_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    char *controller = xstrdup("<none>");
    size_t i;
    json_t *ref;
    json_array_foreach(api__arr(meta_of(o), "ownerReferences"), i, ref)
    {
        if (!flag(ref, "controller"))
            continue;
        /* formatResourceName: lower-case "kind.group/name" ("statefulset.apps/web"). */
        const char *av = or_default(str(ref, "apiVersion"), "");
        const char *slash = strchr(av, '/');
        const char *kind = or_default(str(ref, "kind"), "");
        char *gk = slash ? xasprintf("%s.%.*s", kind, (int)(slash - av), av) : xstrdup(kind);
        for (char *p = gk; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        free(controller);
        controller = *gk ? xasprintf("%s/%s", gk, or_default(str(ref, "name"), ""))
                         : xstrdup(or_default(str(ref, "name"), ""));
        free(gk);
        break;
    }
    cell_name(cells, o);
    table__own(cells, controller);
    table__int(cells, num(o, "revision", 0));
    cell_age(cells, o, now);
}

/* --- services and networking ------------------------------------------------------------- */

static const table__col_t service_cols[] = {
    COL_NAME,
    COL("Type", "string", "type determines how the Service is exposed."),
    COL("Cluster-IP", "string", "clusterIP is the IP address of the service."),
    COL("External-IP", "string",
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
        "traffic for this service."),
    COL("Port(s)", "string", "The list of ports that are exposed by this service."),
    COL_AGE,
    WIDE("Selector", "string",
         "Route service traffic to pods with label keys and values matching this selector."),
};

static char *service_external_ip(const json_t *spec, const json_t *st)
{
    const char *type = or_default(str(spec, "type"), "ClusterIP");
    const json_t *ext = api__arr(spec, "externalIPs");
    if (strcmp(type, "ClusterIP") == 0 || strcmp(type, "NodePort") == 0)
        return json_array_size(ext) ? join_strings(ext, ",") : xstrdup("<none>");
    if (strcmp(type, "LoadBalancer") == 0) {
        char *lb = lb_ingress(api__obj(st, "loadBalancer"));
        if (json_array_size(ext)) {
            cleanup_free char *e = join_strings(ext, ",");
            char *all = *lb ? xasprintf("%s,%s", lb, e) : xstrdup(e);
            free(lb);
            return all;
        }
        if (*lb)
            return lb;
        free(lb);
        return xstrdup("<pending>");
    }
    if (strcmp(type, "ExternalName") == 0)
        return xstrdup(or_default(str(spec, "externalName"), ""));
    return xstrdup("<unknown>");
}

static void service_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec");
    cell_name(cells, o);
    table__str(cells, or_default(str(spec, "type"), "ClusterIP"));
    const json_t *ips = api__arr(spec, "clusterIPs");
    const char *ip = ips ? json_string_value(json_array_get(ips, 0)) : str(spec, "clusterIP");
    table__str(cells, or_default(ip, "<none>"));
    table__own(cells, service_external_ip(spec, api__obj(o, "status")));
    strbuf_t ports = {0};
    size_t i;
    json_t *p;
    json_array_foreach(api__arr(spec, "ports"), i, p)
    {
        const char *proto = or_default(str(p, "protocol"), "TCP");
        long long node_port = num(p, "nodePort", 0);
        cleanup_free char *s = node_port > 0
                                   ? xasprintf("%lld:%lld/%s", num(p, "port", 0), node_port, proto)
                                   : xasprintf("%lld/%s", num(p, "port", 0), proto);
        strbuf_sep(&ports, ",", s);
    }
    table__own(cells, strbuf_take_or(&ports, "<none>"));
    cell_age(cells, o, now);
    table__own(cells, format_labels(api__obj(spec, "selector")));
}

static const table__col_t endpoints_cols[] = {
    COL_NAME,
    COL("Endpoints", "string", "The set of all endpoints is the union of all subsets."),
    COL_AGE,
};

/* net.JoinHostPort: IPv6 addresses in brackets. */
static char *host_port(const char *ip, long long port)
{
    return strchr(ip, ':') ? xasprintf("[%s]:%lld", ip, port) : xasprintf("%s:%lld", ip, port);
}

static void endpoints_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *subsets = api__arr(o, "subsets");
    cell_name(cells, o);
    if (json_array_size(subsets) == 0) {
        table__str(cells, "<none>");
    } else {
        enum { MAX = 3 };
        strbuf_t b = {0};
        size_t shown = 0, count = 0, i;
        bool more = false;
        json_t *ss;
        json_array_foreach(subsets, i, ss)
        {
            const json_t *addrs = api__arr(ss, "addresses"), *ports = api__arr(ss, "ports");
            size_t j;
            json_t *a;
            if (json_array_size(ports) == 0) {
                /* Headless services may have no ports. */
                count += json_array_size(addrs);
                json_array_foreach(addrs, j, a)
                {
                    if (shown == MAX) {
                        more = true;
                        break;
                    }
                    strbuf_sep(&b, ",", or_default(str(a, "ip"), ""));
                    shown++;
                }
                continue;
            }
            size_t k;
            json_t *port;
            json_array_foreach(ports, k, port)
            {
                count += json_array_size(addrs);
                json_array_foreach(addrs, j, a)
                {
                    if (shown == MAX) {
                        more = true;
                        break;
                    }
                    cleanup_free char *hp =
                        host_port(or_default(str(a, "ip"), ""), num(port, "port", 0));
                    strbuf_sep(&b, ",", hp);
                    shown++;
                }
            }
        }
        char *list = strbuf_take(&b);
        if (more) {
            table__own(cells, xasprintf("%s + %zu more...", list, count - MAX));
            free(list);
        } else {
            table__own(cells, list);
        }
    }
    cell_age(cells, o, now);
}

static const table__col_t endpointslice_cols[] = {
    COL_NAME,
    COL("AddressType", "string",
        "addressType specifies the type of address carried by this EndpointSlice."),
    COL("Ports", "string", "ports specifies the list of network ports exposed by each endpoint."),
    COL("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
    COL_AGE,
};

/* listWithMoreString: at most 3, then " + N more...", "<unset>" when empty. */
static char *list_with_more(strbuf_t *b, size_t count)
{
    char *list = strbuf_take(b);
    if (count > 3) {
        char *s = xasprintf("%s + %zu more...", list, count - 3);
        free(list);
        return s;
    }
    if (!*list) {
        free(list);
        return xstrdup("<unset>");
    }
    return list;
}

static void endpointslice_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    strbuf_t ports = {0}, eps = {0};
    size_t nports = 0, neps = 0, i, j;
    json_t *p, *e, *a;
    json_array_foreach(api__arr(o, "ports"), i, p)
    {
        if (nports++ >= 3)
            continue;
        char *s = has(p, "port") ? xasprintf("%lld", num(p, "port", 0))
                                 : xstrdup(has(p, "name") ? or_default(str(p, "name"), "") : "*");
        strbuf_sep(&ports, ",", s);
        free(s);
    }
    json_array_foreach(api__arr(o, "endpoints"), i, e)
    {
        json_array_foreach(api__arr(e, "addresses"), j, a)
        {
            if (neps++ < 3)
                strbuf_sep(&eps, ",", json_is_string(a) ? json_string_value(a) : "");
        }
    }
    cell_name(cells, o);
    table__str(cells, str(o, "addressType"));
    table__own(cells, list_with_more(&ports, nports));
    table__own(cells, list_with_more(&eps, neps));
    cell_age(cells, o, now);
}

static const table__col_t ingress_cols[] = {
    COL_NAME,
    COL("Class", "string",
        "The name of the IngressClass resource that should be used for additional configuration"),
    COL("Hosts", "string",
        "Hosts that incoming requests are matched against before the ingress rule"),
    COL("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    COL("Ports", "string", "Ports of TLS configurations that open"),
    COL_AGE,
};

static void ingress_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *rules = api__arr(spec, "rules");
    strbuf_t hosts = {0};
    size_t listed = 0, i;
    bool more = false;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        if (listed == 3)
            more = true;
        if (!more && !empty(str(r, "host"))) {
            strbuf_sep(&hosts, ",", str(r, "host"));
            listed++;
        }
    }
    char *h = strbuf_take(&hosts);
    if (!listed) {
        free(h);
        h = xstrdup("*");
    } else if (more) {
        char *s = xasprintf("%s + %zu more...", h, json_array_size(rules) - 3);
        free(h);
        h = s;
    }
    cell_name(cells, o);
    table__str(cells, or_default(str(spec, "ingressClassName"), "<none>"));
    table__own(cells, h);
    table__own(cells, lb_ingress(api__obj(api__obj(o, "status"), "loadBalancer")));
    table__str(cells, json_array_size(api__arr(spec, "tls")) ? "80, 443" : "80");
    cell_age(cells, o, now);
}

static const table__col_t networkpolicy_cols[] = {
    COL_NAME,
    COL("Pod-Selector", "string",
        "podSelector selects the pods to which this NetworkPolicy object applies."),
    COL_AGE,
};

static void networkpolicy_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__own(cells, format_selector(api__obj(api__obj(o, "spec"), "podSelector"), false));
    cell_age(cells, o, now);
}

/* --- nodes, namespaces, config ----------------------------------------------------------- */

static const table__col_t node_cols[] = {
    COL_NAME,
    COL("Status", "string", "The status of the node"),
    COL("Roles", "string", "The roles of the node"),
    COL_AGE,
    COL("Version", "string", "Kubelet Version reported by the node."),
    WIDE("Internal-IP", "string", "List of addresses reachable to the node."),
    WIDE("External-IP", "string", "List of addresses reachable to the node."),
    WIDE("OS-Image", "string",
         "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    WIDE("Kernel-Version", "string",
         "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    WIDE("Container-Runtime", "string",
         "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
         "containerd://1.4.2)."),
};

static const char *node_address(const json_t *st, const char *type)
{
    size_t i;
    json_t *a;
    json_array_foreach(api__arr(st, "addresses"), i, a)
    {
        if (strcmp(or_default(str(a, "type"), ""), type) == 0)
            return or_default(str(a, "address"), "");
    }
    return "<none>";
}

static void node_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *st = api__obj(o, "status"), *info = api__obj(st, "nodeInfo");
    const char *ready = NULL;
    size_t i;
    json_t *c;
    /* The last Ready condition wins, as upstream's map of conditions by type. */
    json_array_foreach(api__arr(st, "conditions"), i, c)
    {
        if (strcmp(or_default(str(c, "type"), ""), "Ready") == 0)
            ready = strcmp(or_default(str(c, "status"), ""), "True") == 0 ? "Ready" : "NotReady";
    }
    char *status = xstrdup(ready ? ready : "Unknown");
    if (flag(api__obj(o, "spec"), "unschedulable")) {
        char *s = xasprintf("%s,SchedulingDisabled", status);
        free(status);
        status = s;
    }

    /* Roles: node-role.kubernetes.io/<role> keys and kubernetes.io/role values, sorted. */
    const json_t *labels = api__obj(meta_of(o), "labels");
    size_t n;
    const char **keys = sorted_keys(labels, &n);
    const char **roles = xcalloc(n ? n : 1, sizeof(*roles));
    size_t nroles = 0;
    static const char prefix[] = "node-role.kubernetes.io/";
    for (i = 0; i < n; i++) {
        if (strncmp(keys[i], prefix, sizeof(prefix) - 1) == 0 && keys[i][sizeof(prefix) - 1])
            roles[nroles++] = keys[i] + sizeof(prefix) - 1;
        else if (strcmp(keys[i], "kubernetes.io/role") == 0 && !empty(str(labels, keys[i])))
            roles[nroles++] = str(labels, keys[i]);
    }
    qsort(roles, nroles, sizeof(*roles), cmp_str);
    strbuf_t b = {0};
    for (i = 0; i < nroles; i++)
        if (i == 0 || strcmp(roles[i], roles[i - 1]) != 0)
            strbuf_sep(&b, ",", roles[i]);
    free(roles);
    free(keys);

    cell_name(cells, o);
    table__own(cells, status);
    table__own(cells, strbuf_take_or(&b, "<none>"));
    cell_age(cells, o, now);
    table__str(cells, str(info, "kubeletVersion"));
    table__str(cells, node_address(st, "InternalIP"));
    table__str(cells, node_address(st, "ExternalIP"));
    table__str(cells, or_default(str(info, "osImage"), "<unknown>"));
    table__str(cells, or_default(str(info, "kernelVersion"), "<unknown>"));
    table__str(cells, or_default(str(info, "containerRuntimeVersion"), "<unknown>"));
}

static const table__col_t namespace_cols[] = {
    COL_NAME,
    COL("Status", "string", "The status of the namespace"),
    COL_AGE,
};

static void namespace_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__str(cells, str(api__obj(o, "status"), "phase"));
    cell_age(cells, o, now);
}

static const table__col_t configmap_cols[] = {
    COL_NAME,
    COL("Data", "string", "Data contains the configuration data."),
    COL_AGE,
};

static void configmap_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__int(cells, (long long)(json_object_size(api__obj(o, "data")) +
                                  json_object_size(api__obj(o, "binaryData"))));
    cell_age(cells, o, now);
}

static const table__col_t secret_cols[] = {
    COL_NAME,
    COL("Type", "string", "Used to facilitate programmatic handling of secret data."),
    COL("Data", "string", "Data contains the secret data."),
    COL_AGE,
};

static void secret_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__str(cells, or_default(str(o, "type"), "Opaque"));
    table__int(cells, (long long)json_object_size(api__obj(o, "data")));
    cell_age(cells, o, now);
}

static const table__col_t serviceaccount_cols[] = {
    COL_NAME,
    COL("Secrets", "string",
        "Secrets is a list of the secrets in the same namespace that pods running using this "
        "ServiceAccount are allowed to use."),
    COL_AGE,
};

static void serviceaccount_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__int(cells, (long long)json_array_size(api__arr(o, "secrets")));
    cell_age(cells, o, now);
}

static const table__col_t event_cols[] = {
    COL("Last Seen", "string",
        "The time at which the most recent occurrence of this event was recorded."),
    COL("Type", "string",
        "Type of this event (Normal, Warning), new types could be added in the future"),
    COL("Reason", "string",
        "This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status."),
    COL("Object", "string", "The object that this event is about."),
    WIDE("Subobject", "string",
         "If referring to a piece of an object instead of an entire object, this string should "
         "contain a valid JSON/Go field access statement."),
    WIDE("Source", "string", "The component reporting this event."),
    COL("Message", "string", "A human-readable description of the status of this operation."),
    WIDE("First Seen", "string",
         "The time at which the event was first recorded. (Time of server receipt is in "
         "TypeMeta.)"),
    WIDE("Count", "string", "The number of times this event has occurred."),
    {"Name", "string", "name", DESC_NAME, 1},
};

static void event_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *series = api__obj(o, "series"), *inv = api__obj(o, "involvedObject");
    const json_t *src = api__obj(o, "source");
    const char *first_ts = str(o, "firstTimestamp");
    char *first = table__since(empty(first_ts) ? str(o, "eventTime") : first_ts, now);
    const char *last_ts = str(o, "lastTimestamp");
    char *last = empty(last_ts) ? xstrdup(first) : table__since(last_ts, now);
    long long count = num(o, "count", 0);
    if (series) {
        free(last);
        last = table__since(str(series, "lastObservedTime"), now);
        count = num(series, "count", 0);
    } else if (count == 0) {
        count = 1; /* singleton events of the new API have no count */
    }

    char *kind = xstrdup(or_default(str(inv, "kind"), ""));
    for (char *p = kind; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    char *target =
        empty(str(inv, "name")) ? xstrdup(kind) : xasprintf("%s/%s", kind, str(inv, "name"));
    free(kind);

    const char *component = or_default(str(src, "component"), str(o, "reportingComponent"));
    const char *host = or_default(str(src, "host"), str(o, "reportingInstance"));
    char *source = empty(host) ? xstrdup(or_default(component, ""))
                               : xasprintf("%s, %s", or_default(component, ""), host);

    /* strings.TrimSpace on the message. */
    const char *msg = or_default(str(o, "message"), "");
    while (*msg == ' ' || *msg == '\t' || *msg == '\n' || *msg == '\r' || *msg == '\v' ||
           *msg == '\f')
        msg++;
    size_t mlen = strlen(msg);
    while (mlen && strchr(" \t\n\r\v\f", msg[mlen - 1]))
        mlen--;

    table__own(cells, last);
    table__str(cells, str(o, "type"));
    table__str(cells, str(o, "reason"));
    table__own(cells, target);
    table__str(cells, str(inv, "fieldPath"));
    table__own(cells, source);
    table__own(cells, xstrndup(msg, mlen));
    table__own(cells, first);
    table__int(cells, count);
    cell_name(cells, o);
}

static const table__col_t lease_cols[] = {
    COL_NAME,
    COL("Holder", "string",
        "holderIdentity contains the identity of the holder of a current lease."),
    COL_AGE,
};

static void lease_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__str(cells, str(api__obj(o, "spec"), "holderIdentity"));
    cell_age(cells, o, now);
}

/* --- storage ----------------------------------------------------------------------------- */

/* GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once. */
static char *access_modes(const json_t *modes)
{
    static const char *const order[][2] = {{"ReadWriteOnce", "RWO"},
                                           {"ReadOnlyMany", "ROX"},
                                           {"ReadWriteMany", "RWX"},
                                           {"ReadWriteOncePod", "RWOP"}};
    strbuf_t b = {0};
    for (size_t k = 0; k < C8S_ARRAY_SIZE(order); k++) {
        size_t i;
        json_t *m;
        json_array_foreach(modes, i, m)
        {
            if (json_is_string(m) && strcmp(json_string_value(m), order[k][0]) == 0) {
                strbuf_sep(&b, ",", order[k][1]);
                break;
            }
        }
    }
    return strbuf_take(&b);
}

static const char *storage_class(const json_t *o)
{
    const char *beta =
        str(api__obj(meta_of(o), "annotations"), "volume.beta.kubernetes.io/storage-class");
    if (beta)
        return beta;
    return or_default(str(api__obj(o, "spec"), "storageClassName"), "");
}

static const table__col_t pv_cols[] = {
    COL_NAME,
    COL("Capacity", "string",
        "capacity is the description of the persistent volume's resources and capacity."),
    COL("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
    COL("Reclaim Policy", "string",
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released "
        "from its claim."),
    COL("Status", "string",
        "phase indicates if a volume is available, bound to a claim, or released by a claim."),
    COL("Claim", "string",
        "claimRef is part of a bi-directional binding between PersistentVolume and "
        "PersistentVolumeClaim."),
    COL("StorageClass", "string", "StorageClass of the pv"),
    COL("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    COL("Reason", "string",
        "reason is a brief CamelCase string that describes any failure and is meant for machine "
        "parsing and tidy display in the CLI."),
    COL_AGE,
    WIDE("VolumeMode", "string",
         "volumeMode defines if a volume is intended to be used with a formatted filesystem or to "
         "remain in raw block state."),
};

static void pv_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    const json_t *claim = api__obj(spec, "claimRef");
    char qbuf[64];
    cell_name(cells, o);
    table__str(cells, quantity_str(json_object_get(api__obj(spec, "capacity"), "storage"), qbuf,
                                   sizeof(qbuf)));
    table__own(cells, access_modes(api__arr(spec, "accessModes")));
    table__str(cells, str(spec, "persistentVolumeReclaimPolicy"));
    table__str(cells, deleting(o) ? "Terminating" : str(st, "phase"));
    table__own(cells, claim ? xasprintf("%s/%s", or_default(str(claim, "namespace"), ""),
                                        or_default(str(claim, "name"), ""))
                            : xstrdup(""));
    table__str(cells, storage_class(o));
    table__str(cells, or_default(str(spec, "volumeAttributesClassName"), "<unset>"));
    table__str(cells, str(st, "reason"));
    cell_age(cells, o, now);
    table__str(cells, or_default(str(spec, "volumeMode"), "<unset>"));
}

static const table__col_t pvc_cols[] = {
    COL_NAME,
    COL("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    COL("Volume", "string",
        "volumeName is the binding reference to the PersistentVolume backing this claim."),
    COL("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    COL("Access Modes", "string",
        "accessModes contains the actual access modes the volume backing the PVC has."),
    COL("StorageClass", "string", "StorageClass of the pvc"),
    COL("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    COL_AGE,
    WIDE("VolumeMode", "string",
         "volumeMode defines what type of volume is required by the claim."),
};

static void pvc_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    const char *volume = or_default(str(spec, "volumeName"), "");
    char qbuf[64];
    cell_name(cells, o);
    table__str(cells, deleting(o) ? "Terminating" : str(st, "phase"));
    table__str(cells, volume);
    if (*volume) {
        table__str(cells, quantity_str(json_object_get(api__obj(st, "capacity"), "storage"), qbuf,
                                       sizeof(qbuf)));
        table__own(cells, access_modes(api__arr(st, "accessModes")));
    } else {
        table__str(cells, "");
        table__str(cells, "");
    }
    table__str(cells, storage_class(o));
    table__str(cells, or_default(str(spec, "volumeAttributesClassName"), "<unset>"));
    cell_age(cells, o, now);
    table__str(cells, or_default(str(spec, "volumeMode"), "<unset>"));
}

static const table__col_t storageclass_cols[] = {
    COL_NAME,
    COL("Provisioner", "string", "provisioner indicates the type of the provisioner."),
    COL("ReclaimPolicy", "string",
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of "
        "this storage class."),
    COL("VolumeBindingMode", "string",
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
    COL("AllowVolumeExpansion", "string",
        "allowVolumeExpansion shows whether the storage class allow volume expand."),
    COL_AGE,
};

static void storageclass_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *ann = api__obj(meta_of(o), "annotations");
    bool def = strcmp(or_default(str(ann, "storageclass.kubernetes.io/is-default-class"), ""),
                      "true") == 0 ||
               strcmp(or_default(str(ann, "storageclass.beta.kubernetes.io/is-default-class"), ""),
                      "true") == 0;
    table__own(cells, def ? xasprintf("%s (default)", or_default(name_of(o), ""))
                          : xstrdup(or_default(name_of(o), "")));
    table__str(cells, str(o, "provisioner"));
    table__str(cells, or_default(str(o, "reclaimPolicy"), "Delete"));
    table__str(cells, or_default(str(o, "volumeBindingMode"), "Immediate"));
    table__bool(cells, flag(o, "allowVolumeExpansion"));
    cell_age(cells, o, now);
}

/* --- quotas, limits, scheduling, autoscaling --------------------------------------------- */

static const table__col_t resourcequota_cols[] = {
    COL_NAME,
    COL_AGE,
    COL("Request", "string",
        "Request represents a minimum amount of cpu/memory that a container may consume."),
    COL("Limit", "string",
        "Limits control the maximum amount of cpu/memory that a container may use independent of "
        "contention on the node."),
};

static void resourcequota_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *st = api__obj(o, "status");
    const json_t *hard = api__obj(st, "hard"), *used = api__obj(st, "used");
    size_t n;
    const char **keys = sorted_keys(hard, &n);
    strbuf_t req = {0}, lim = {0};
    for (size_t i = 0; i < n; i++) {
        char ub[64], hb[64];
        const json_t *u = json_object_get(used, keys[i]);
        cleanup_free char *s =
            xasprintf("%s: %s/%s", keys[i], quantity_str(u, ub, sizeof(ub)),
                      quantity_str(json_object_get(hard, keys[i]), hb, sizeof(hb)));
        strbuf_sep(strncmp(keys[i], "limits.", 7) == 0 ? &lim : &req, ", ", s);
    }
    free(keys);
    cell_name(cells, o);
    cell_age(cells, o, now);
    table__own(cells, strbuf_take(&req));
    table__own(cells, strbuf_take(&lim));
}

static const table__col_t created_at_cols[] = {COL_NAME, COL_CREATED_AT};

/* Roles, ClusterRoles and LimitRanges print their creation time itself, in UTC. */
static void created_at_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    int64_t t;
    cell_name(cells, o);
    if (table_parse_time(str(meta_of(o), "creationTimestamp"), &t)) {
        char buf[32];
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        table__str(cells, buf);
    } else {
        table__str(cells, "0001-01-01T00:00:00Z"); /* Go's zero time, formatted */
    }
}

static const table__col_t rolebinding_cols[] = {
    COL_NAME,
    COL("Role", "string",
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the global "
        "namespace."),
    COL_AGE,
    WIDE("Users", "string", "Users in the roleBinding"),
    WIDE("Groups", "string", "Groups in the roleBinding"),
    WIDE("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"),
};

static const table__col_t clusterrolebinding_cols[] = {
    COL_NAME,
    COL("Role", "string", "RoleRef can only reference a ClusterRole in the global namespace."),
    COL_AGE,
    WIDE("Users", "string", "Users in the clusterRoleBinding"),
    WIDE("Groups", "string", "Groups in the clusterRoleBinding"),
    WIDE("ServiceAccounts", "string", "ServiceAccounts in the clusterRoleBinding"),
};

static void binding_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *ref = api__obj(o, "roleRef");
    strbuf_t users = {0}, groups = {0}, sas = {0};
    size_t i;
    json_t *s;
    json_array_foreach(api__arr(o, "subjects"), i, s)
    {
        const char *kind = or_default(str(s, "kind"), ""), *name = or_default(str(s, "name"), "");
        if (strcmp(kind, "User") == 0) {
            strbuf_sep(&users, ", ", name);
        } else if (strcmp(kind, "Group") == 0) {
            strbuf_sep(&groups, ", ", name);
        } else if (strcmp(kind, "ServiceAccount") == 0) {
            cleanup_free char *sa = xasprintf("%s/%s", or_default(str(s, "namespace"), ""), name);
            strbuf_sep(&sas, ", ", sa);
        }
    }
    cell_name(cells, o);
    table__own(cells, xasprintf("%s/%s", or_default(str(ref, "kind"), ""),
                                or_default(str(ref, "name"), "")));
    cell_age(cells, o, now);
    table__own(cells, strbuf_take(&users));
    table__own(cells, strbuf_take(&groups));
    table__own(cells, strbuf_take(&sas));
}

static const table__col_t priorityclass_cols[] = {
    COL_NAME,
    COL("Value", "integer", "value represents the integer value of this priority class."),
    COL("Global-Default", "boolean",
        "globalDefault specifies whether this PriorityClass should be considered as the default "
        "priority for pods that do not have any priority class."),
    COL_AGE,
    COL("PreemptionPolicy", "string",
        "preemptionPolicy is the Policy for preempting pods with lower priority."),
};

static void priorityclass_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    cell_name(cells, o);
    table__int(cells, num(o, "value", 0));
    table__bool(cells, flag(o, "globalDefault"));
    cell_age(cells, o, now);
    table__str(cells, str(o, "preemptionPolicy"));
}

static const table__col_t pdb_cols[] = {
    COL_NAME,
    COL("Min Available", "string", "The minimum number of pods that must be available."),
    COL("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    COL("Allowed Disruptions", "integer",
        "Calculated number of pods that may be disrupted at this time."),
    COL_AGE,
};

/* An IntOrString as upstream's String(): the number in decimal or the string; "N/A" unset. */
static void cell_int_or_string(json_t *cells, const json_t *v)
{
    if (json_is_integer(v))
        table__own(cells, xasprintf("%lld", (long long)json_integer_value(v)));
    else if (json_is_string(v))
        table__str(cells, json_string_value(v));
    else
        table__str(cells, "N/A");
}

static void pdb_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    json_t *spec = api__obj(o, "spec");
    cell_name(cells, o);
    cell_int_or_string(cells, json_object_get(spec, "minAvailable"));
    cell_int_or_string(cells, json_object_get(spec, "maxUnavailable"));
    table__int(cells, num(api__obj(o, "status"), "disruptionsAllowed", 0));
    cell_age(cells, o, now);
}

static const table__col_t hpa_cols[] = {
    COL_NAME,
    COL("Reference", "string", "scaleTargetRef points to the target resource to scale."),
    COL("Targets", "string",
        "metrics contains the specifications for which to use to calculate the desired replica "
        "count."),
    COL("MinPods", "string",
        "minReplicas is the lower limit for the number of replicas to which the autoscaler can "
        "scale down."),
    COL("MaxPods", "string",
        "maxReplicas is the upper limit for the number of replicas to which the autoscaler can "
        "scale up."),
    COL("Replicas", "string",
        "currentReplicas is current number of replicas of pods managed by this autoscaler."),
    COL_AGE,
};

/* One "current/target" piece of the Targets cell for a MetricTarget / MetricValueStatus pair. */
static char *metric_piece(const char *prefix, const json_t *target, const json_t *current,
                          bool utilization_kind)
{
    char cb[64], tb[64];
    const json_t *avg = json_object_get(target, "averageValue");
    if (avg && !json_is_null(avg)) {
        const char *cur = "<unknown>";
        const json_t *ca = json_object_get(current, "averageValue");
        if (current && ca)
            cur = quantity_str(ca, cb, sizeof(cb));
        return xasprintf("%s%s/%s%s", prefix, cur, quantity_str(avg, tb, sizeof(tb)),
                         utilization_kind || *prefix ? "" : " (avg)");
    }
    if (utilization_kind) {
        char *cur = has(current, "averageUtilization")
                        ? xasprintf("%lld%%", num(current, "averageUtilization", 0))
                        : xstrdup("<unknown>");
        char *tgt = has(target, "averageUtilization")
                        ? xasprintf("%lld%%", num(target, "averageUtilization", 0))
                        : xstrdup("<auto>");
        char *s = xasprintf("%s%s/%s", prefix, cur, tgt);
        free(cur);
        free(tgt);
        return s;
    }
    const char *cur =
        current ? quantity_str(json_object_get(current, "value"), cb, sizeof(cb)) : "<unknown>";
    return xasprintf("%s/%s", cur, quantity_str(json_object_get(target, "value"), tb, sizeof(tb)));
}

/* formatHPAMetrics: at most two, then " + N more...". */
static char *hpa_targets(const json_t *metrics, const json_t *statuses)
{
    size_t n = json_array_size(metrics), i;
    if (!n)
        return xstrdup("<none>");
    strbuf_t b = {0};
    json_t *m;
    json_array_foreach(metrics, i, m)
    {
        if (i >= 2)
            break;
        const char *type = or_default(str(m, "type"), "");
        const json_t *stat = json_array_get(statuses, i);
        char *piece;
        if (strcmp(type, "Resource") == 0 || strcmp(type, "ContainerResource") == 0) {
            const char *key = type[0] == 'R' ? "resource" : "containerResource";
            const json_t *src = api__obj(m, key);
            cleanup_free char *prefix = xasprintf("%s: ", or_default(str(src, "name"), ""));
            const json_t *cur = api__obj(api__obj(stat, key), "current");
            piece = metric_piece(prefix, api__obj(src, "target"), cur, true);
            /* A Resource target with averageValue prints "cpu: cur/target" without "(avg)". */
        } else if (strcmp(type, "Pods") == 0) {
            const json_t *cur = api__obj(api__obj(stat, "pods"), "current");
            const json_t *tgt = api__obj(api__obj(m, "pods"), "target");
            char cb[64], tb[64];
            piece =
                xasprintf("%s/%s",
                          cur ? quantity_str(json_object_get(cur, "averageValue"), cb, sizeof(cb))
                              : "<unknown>",
                          quantity_str(json_object_get(tgt, "averageValue"), tb, sizeof(tb)));
        } else if (strcmp(type, "Object") == 0 || strcmp(type, "External") == 0) {
            const char *key = type[0] == 'O' ? "object" : "external";
            const json_t *cur = api__obj(api__obj(stat, key), "current");
            piece = metric_piece("", api__obj(api__obj(m, key), "target"), cur, false);
        } else {
            piece = xstrdup("<unknown type>");
        }
        strbuf_sep(&b, ", ", piece);
        free(piece);
    }
    char *list = strbuf_take(&b);
    if (n > 2) {
        char *s = xasprintf("%s + %zu more...", list, n - 2);
        free(list);
        return s;
    }
    return list;
}

static void hpa_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = api__obj(o, "spec"), *st = api__obj(o, "status");
    const json_t *ref = api__obj(spec, "scaleTargetRef");
    cell_name(cells, o);
    table__own(cells, xasprintf("%s/%s", or_default(str(ref, "kind"), ""),
                                or_default(str(ref, "name"), "")));
    if (has(spec, "targetCPUUtilizationPercentage") || !api__arr(spec, "metrics")) {
        /* autoscaling/v1: upstream converts the CPU percentage into a Resource metric. */
        if (has(spec, "targetCPUUtilizationPercentage")) {
            char *cur = has(st, "currentCPUUtilizationPercentage")
                            ? xasprintf("%lld%%", num(st, "currentCPUUtilizationPercentage", 0))
                            : xstrdup("<unknown>");
            table__own(cells, xasprintf("cpu: %s/%lld%%", cur,
                                        num(spec, "targetCPUUtilizationPercentage", 0)));
            free(cur);
        } else {
            table__str(cells, "<none>");
        }
    } else {
        table__own(cells, hpa_targets(api__arr(spec, "metrics"), api__arr(st, "currentMetrics")));
    }
    table__own(cells, has(spec, "minReplicas") ? xasprintf("%lld", num(spec, "minReplicas", 0))
                                               : xstrdup("<unset>"));
    table__int(cells, num(spec, "maxReplicas", 0));
    table__int(cells, num(st, "currentReplicas", 0));
    cell_age(cells, o, now);
}

/* --- the registry ------------------------------------------------------------------------ */

static const table__col_t csr_cols[] = {
    COL_NAME,
    COL_AGE,
    COL("SignerName", "string", "signerName indicates the requested signer."),
    COL("Requestor", "string", "username is the name of the user who created the request."),
    COL("RequestedDuration", "string",
        "expirationSeconds is the requested duration of validity of the issued certificate."),
    COL("Condition", "string", "The approval conditions of the request, and Issued."),
};

/* upstream's printCertificateSigningRequest: Approved/Denied/Failed in that order, then Issued
 * once a certificate is there; Pending when nothing was decided. */
static void csr_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    const json_t *spec = json_object_get(o, "spec");
    const json_t *st = json_object_get(o, "status");
    cell_name(cells, o);
    cell_age(cells, o, now);
    table__str(cells, str(spec, "signerName") ? str(spec, "signerName") : "<none>");
    table__str(cells, str(spec, "username") ? str(spec, "username") : "");
    long long secs = num(spec, "expirationSeconds", -1);
    table__own(cells, secs >= 0 ? table_age((int64_t)secs) : xstrdup("<none>"));
    strbuf_t b = STRBUF_INIT;
    static const char *const order[] = {"Approved", "Denied", "Failed"};
    for (size_t k = 0; k < C8S_ARRAY_SIZE(order); k++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(st, "conditions"), i, c)
        {
            const char *t = str(c, "type"), *s = str(c, "status");
            if (t && !strcmp(t, order[k]) && (!s || !strcmp(s, "True"))) {
                strbuf_sep(&b, ",", t);
                break;
            }
        }
    }
    if (!b.len)
        strbuf_add(&b, "Pending");
    if (str(st, "certificate") && *str(st, "certificate"))
        strbuf_sep(&b, ",", "Issued");
    table__own(cells, strbuf_take(&b));
}

static const table__printer_t printers[] = {
    {"", "pods", COLS(pod_cols), pod_cells},
    {"", "nodes", COLS(node_cols), node_cells},
    {"", "namespaces", COLS(namespace_cols), namespace_cells},
    {"", "services", COLS(service_cols), service_cells},
    {"", "endpoints", COLS(endpoints_cols), endpoints_cells},
    {"", "configmaps", COLS(configmap_cols), configmap_cells},
    {"", "secrets", COLS(secret_cols), secret_cells},
    {"", "serviceaccounts", COLS(serviceaccount_cols), serviceaccount_cells},
    {"", "events", COLS(event_cols), event_cells},
    {"", "replicationcontrollers", COLS(replicaset_cols), rc_cells},
    {"", "persistentvolumes", COLS(pv_cols), pv_cells},
    {"", "persistentvolumeclaims", COLS(pvc_cols), pvc_cells},
    {"", "resourcequotas", COLS(resourcequota_cols), resourcequota_cells},
    {"", "limitranges", COLS(created_at_cols), created_at_cells},
    {"apps", "deployments", COLS(deployment_cols), deployment_cells},
    {"apps", "replicasets", COLS(replicaset_cols), replicaset_cells},
    {"apps", "statefulsets", COLS(statefulset_cols), statefulset_cells},
    {"apps", "daemonsets", COLS(daemonset_cols), daemonset_cells},
    {"apps", "controllerrevisions", COLS(controllerrevision_cols), controllerrevision_cells},
    {"batch", "jobs", COLS(job_cols), job_cells},
    {"batch", "cronjobs", COLS(cronjob_cols), cronjob_cells},
    {"coordination.k8s.io", "leases", COLS(lease_cols), lease_cells},
    {"discovery.k8s.io", "endpointslices", COLS(endpointslice_cols), endpointslice_cells},
    {"autoscaling", "horizontalpodautoscalers", COLS(hpa_cols), hpa_cells},
    {"networking.k8s.io", "ingresses", COLS(ingress_cols), ingress_cells},
    {"networking.k8s.io", "networkpolicies", COLS(networkpolicy_cols), networkpolicy_cells},
    {"storage.k8s.io", "storageclasses", COLS(storageclass_cols), storageclass_cells},
    {"rbac.authorization.k8s.io", "roles", COLS(created_at_cols), created_at_cells},
    {"rbac.authorization.k8s.io", "clusterroles", COLS(created_at_cols), created_at_cells},
    {"rbac.authorization.k8s.io", "rolebindings", COLS(rolebinding_cols), binding_cells},
    {"rbac.authorization.k8s.io", "clusterrolebindings", COLS(clusterrolebinding_cols),
     binding_cells},
    {"scheduling.k8s.io", "priorityclasses", COLS(priorityclass_cols), priorityclass_cells},
    {"policy", "poddisruptionbudgets", COLS(pdb_cols), pdb_cells},
    {"certificates.k8s.io", "certificatesigningrequests", COLS(csr_cols), csr_cells},
};

/* A built-in kind upstream's printers do not know gets the registry's default table convertor
 * (rest.NewDefaultTableConvertor): Name and Created At, like Roles above. */
static const table__printer_t default_printer = {"", "", COLS(created_at_cols), created_at_cells};

/* The Scale of a scale subresource (upstream's printScale): its Name column has no "name"
 * format. */
static const table__col_t scale_cols[] = {
    {"Name", "string", "", DESC_NAME, 0},
    COL("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
    COL("Available", "integer",
        "replicas is the actual number of observed instances of the scaled object."),
    COL_AGE,
};

static void scale_cells(const json_t *o, int64_t now, json_t *cells, json_t *row)
{
    (void)row;
    cell_name(cells, o);
    table__int(cells, num(api__obj(o, "spec"), "replicas", 0));
    table__int(cells, num(api__obj(o, "status"), "replicas", 0));
    cell_age(cells, o, now);
}

static const table__printer_t scale_printer = {"autoscaling", "scale", COLS(scale_cols),
                                               scale_cells};

static const api_kind_t scale_kind = {
    .group = "autoscaling",
    .version = "v1",
    .resource = "scale",
    .kind = "Scale",
    .singular = "scale",
    .list_kind = "ScaleList",
    .namespaced = true,
};

const api_kind_t *table_scale_kind(void)
{
    return &scale_kind;
}

const table__printer_t *table__printer_for(const api_kind_t *k)
{
    if (k == &scale_kind)
        return &scale_printer;
    for (size_t i = 0; k && i < C8S_ARRAY_SIZE(printers); i++)
        if (strcmp(printers[i].group, k->group) == 0 &&
            strcmp(printers[i].resource, k->resource) == 0)
            return &printers[i];
    return &default_printer;
}
