/* test_sched.c — the scheduler core: requests, each filter and score plugin as a pure function,
 * one decision with its unschedulable message and tie-breaking, and preemption. */
#include "c8s/sched.h"
#include "test.h"
#include <string.h>

/* JSON written with single quotes for readability. */
static json_t *J(const char *s)
{
    char *d = xstrdup(s);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t je;
    json_t *v = json_loads(d, 0, &je);
    if (!v)
        fprintf(stderr, "bad test json: %s: %s\n", je.text, d);
    free(d);
    return v;
}

static sched_pod_t *mkpod(const char *js)
{
    cleanup_json json_t *j = J(js);
    c8s_err_t err = C8S_ERR_INIT;
    sched_pod_t *p = NULL;
    if (!j || sched_pod_from_json(j, &p, &err) < 0) {
        fprintf(stderr, "mkpod: %s\n", err.msg);
        c8s_err_clear(&err);
        abort();
    }
    return p;
}

static sched_node_t *mknode(const char *js)
{
    cleanup_json json_t *j = J(js);
    c8s_err_t err = C8S_ERR_INIT;
    sched_node_t *n = NULL;
    if (!j || sched_node_from_json(j, &n, &err) < 0) {
        fprintf(stderr, "mknode: %s\n", err.msg);
        c8s_err_clear(&err);
        abort();
    }
    return n;
}

/* A node with labels (JSON object text), taints (JSON array text) and allocatable. */
static sched_node_t *node_l(const char *name, const char *labels, const char *taints,
                            const char *cpu, const char *mem, int pods)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "{'metadata':{'name':'%s','labels':%s},'spec':{'taints':%s},"
             "'status':{'allocatable':{'cpu':'%s','memory':'%s','pods':'%d',"
             "'ephemeral-storage':'10Gi'},"
             "'conditions':[{'type':'Ready','status':'True'}]}}",
             name, labels ? labels : "{}", taints ? taints : "[]", cpu, mem, pods);
    return mknode(buf);
}

/* A pod with one container requesting cpu/mem ("" for none), labels, and extra spec fields. */
static sched_pod_t *pod_r(const char *name, const char *cpu, const char *mem, const char *labels,
                          const char *extra)
{
    char req[200] = "{}", buf[4096];
    if (*cpu && *mem)
        snprintf(req, sizeof(req), "{'cpu':'%s','memory':'%s'}", cpu, mem);
    else if (*cpu)
        snprintf(req, sizeof(req), "{'cpu':'%s'}", cpu);
    else if (*mem)
        snprintf(req, sizeof(req), "{'memory':'%s'}", mem);
    snprintf(buf, sizeof(buf),
             "{'metadata':{'name':'%s','namespace':'default','uid':'uid-%s','labels':%s},"
             "'spec':{'containers':[{'name':'c','image':'nginx',"
             "'resources':{'requests':%s}}]%s%s}}",
             name, name, labels ? labels : "{}", req, extra ? "," : "", extra ? extra : "");
    return mkpod(buf);
}

/* ---- Requests ------------------------------------------------------------------------- */

static const struct {
    const char *spec;
    int64_t cpu, mem, nz_cpu, nz_mem;
    bool best_effort;
} req_cases[] = {
    /* sum over app containers */
    {"{'containers':[{'resources':{'requests':{'cpu':'100m','memory':'1Gi'}}},"
     "{'resources':{'requests':{'cpu':'200m'}}}]}",
     300, 1LL << 30, 300, (1LL << 30) + 200LL * 1024 * 1024, false},
    /* init container larger than the app sum */
    {"{'initContainers':[{'resources':{'requests':{'cpu':'500m'}}}],"
     "'containers':[{'resources':{'requests':{'cpu':'100m'}}},"
     "{'resources':{'requests':{'cpu':'100m'}}}]}",
     500, 0, 500, 400LL * 1024 * 1024, false},
    /* only limits: the request is the limit */
    {"{'containers':[{'resources':{'limits':{'cpu':'1','memory':'512Mi'}}}]}", 1000, 512LL << 20,
     1000, 512LL << 20, false},
    /* overhead added */
    {"{'overhead':{'cpu':'50m'},'containers':[{'resources':{'requests':{'cpu':'100m',"
     "'memory':'1Mi'}}}]}",
     150, 1 << 20, 150, 1 << 20, false},
    /* best effort: zero requests, scoring defaults */
    {"{'containers':[{'image':'x'}]}", 0, 0, 100, 200LL * 1024 * 1024, true},
    /* sidecar (restartable init) adds to the app containers and to later init containers */
    {"{'initContainers':[{'restartPolicy':'Always','resources':{'requests':{'cpu':'100m'}}},"
     "{'resources':{'requests':{'cpu':'300m'}}}],"
     "'containers':[{'resources':{'requests':{'cpu':'200m'}}}]}",
     400, 0, 400, 400LL * 1024 * 1024, false},
};

static void test_requests(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(req_cases); i++) {
        cleanup_json json_t *spec = J(req_cases[i].spec);
        sched_pod_t p = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_INT(sched_pod_requests(spec, &p, &err), 0);
        CHECK_MSG(p.req.cpu == req_cases[i].cpu, "case %zu cpu %lld", i, (long long)p.req.cpu);
        CHECK_MSG(p.req.mem == req_cases[i].mem, "case %zu mem %lld", i, (long long)p.req.mem);
        CHECK_MSG(p.nz_cpu == req_cases[i].nz_cpu, "case %zu nz_cpu %lld", i, (long long)p.nz_cpu);
        CHECK_MSG(p.nz_mem == req_cases[i].nz_mem, "case %zu nz_mem %lld", i, (long long)p.nz_mem);
        CHECK_MSG(p.best_effort == req_cases[i].best_effort, "case %zu best_effort", i);
    }
    /* Malformed quantities are refused. */
    sched_pod_t p = {0};
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *bad = J("{'containers':[{'resources':{'requests':{'cpu':'x'}}}]}");
    CHECK_INT(sched_pod_requests(bad, &p, &err), C8S_EINVALID);
    c8s_err_clear(&err);
}

/* ---- Filters --------------------------------------------------------------------------- */

typedef bool (*filter_fn)(const sched_cycle_t *, const sched_node_t *, sched_status_t *);

/* Runs one filter for pod over nodes[0..n) (the cycle sees all of them) on node k. */
static bool run_filter(filter_fn f, const sched_pod_t *pod, sched_node_t **nodes, size_t n,
                       size_t k, sched_status_t *st)
{
    sched_cycle_t *cy = sched_cycle_new(pod, nodes, n);
    memset(st, 0, sizeof(*st));
    bool ok = f(cy, nodes[k], st);
    sched_cycle_free(cy);
    return ok;
}

static void test_resources_fit(void)
{
    sched_node_t *n = node_l("n1", NULL, NULL, "2", "4Gi", 3);
    sched_pod_t *used = pod_r("used", "1500m", "1Gi", NULL, NULL);
    sched_node_add_pod(n, used);
    static const struct {
        const char *cpu, *mem;
        const char *r0, *r1;
    } cases[] = {
        {"500m", "1Gi", NULL, NULL},
        {"501m", "1Gi", "Insufficient cpu", NULL},
        {"100m", "3Gi", NULL, NULL},
        {"100m", "4Gi", "Insufficient memory", NULL},
        {"1", "8Gi", "Insufficient cpu", "Insufficient memory"},
        {"", "", NULL, NULL}, /* best effort fits a full node */
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        sched_pod_t *p = pod_r("p", cases[i].cpu, cases[i].mem, NULL, NULL);
        sched_status_t st;
        bool ok = run_filter(sched_filter_resources, p, &n, 1, 0, &st);
        CHECK_MSG(ok == (cases[i].r0 == NULL), "case %zu", i);
        if (cases[i].r0)
            CHECK_STR(sched_status_reason(&st, 0), cases[i].r0);
        if (cases[i].r1)
            CHECK_STR(sched_status_reason(&st, 1), cases[i].r1);
        CHECK_INT(st.n, (cases[i].r0 != NULL) + (cases[i].r1 != NULL));
        sched_pod_unref(p);
    }
    /* Pod count: two more fill the node; a best-effort pod then gets "Too many pods". */
    sched_pod_t *a = pod_r("a", "", "", NULL, NULL), *b = pod_r("b", "", "", NULL, NULL);
    sched_node_add_pod(n, a);
    sched_node_add_pod(n, b);
    sched_pod_t *c = pod_r("c", "", "", NULL, NULL);
    sched_status_t st;
    CHECK(!run_filter(sched_filter_resources, c, &n, 1, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0), "Too many pods");
    /* Removing gives the room back; removing twice is NotFound. */
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(sched_node_remove_pod(n, a, &err), 0);
    CHECK_INT(sched_node_remove_pod(n, a, &err), C8S_ENOTFOUND);
    c8s_err_clear(&err);
    CHECK(run_filter(sched_filter_resources, c, &n, 1, 0, &st));
    CHECK_INT(n->requested.cpu, 1500);
    CHECK_INT(sched_node_remove_pod(n, used, &err), 0);
    CHECK_INT(n->requested.cpu, 0);
    CHECK_INT(n->requested.mem, 0);
    /* Ephemeral storage. */
    sched_pod_t *e = mkpod("{'metadata':{'name':'e'},'spec':{'containers':[{'resources':"
                           "{'requests':{'ephemeral-storage':'11Gi'}}}]}}");
    CHECK(!run_filter(sched_filter_resources, e, &n, 1, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0), "Insufficient ephemeral-storage");
    sched_pod_unref(e);
    sched_pod_unref(a);
    sched_pod_unref(b);
    sched_pod_unref(c);
    sched_pod_unref(used);
    sched_node_free(n);
}

static const struct {
    const char *taint;      /* JSON taint */
    const char *toleration; /* JSON toleration or NULL */
    bool tolerated;
} tol_cases[] = {
    {"{'key':'k','value':'v','effect':'NoSchedule'}", NULL, false},
    {"{'key':'k','value':'v','effect':'NoSchedule'}",
     "{'key':'k','operator':'Equal','value':'v','effect':'NoSchedule'}", true},
    {"{'key':'k','value':'v','effect':'NoSchedule'}", "{'key':'k','value':'v'}", true},
    {"{'key':'k','value':'v','effect':'NoSchedule'}", "{'key':'k','value':'w'}", false},
    {"{'key':'k','value':'v','effect':'NoSchedule'}", "{'key':'k','operator':'Exists'}", true},
    {"{'key':'k','value':'v','effect':'NoSchedule'}", "{'operator':'Exists'}", true},
    {"{'key':'k','value':'v','effect':'NoSchedule'}", "{'key':'j','operator':'Exists'}", false},
    {"{'key':'k','value':'v','effect':'NoSchedule'}",
     "{'key':'k','operator':'Exists','effect':'NoExecute'}", false},
    {"{'key':'k','value':'v','effect':'NoExecute'}",
     "{'key':'k','operator':'Exists','effect':'NoExecute'}", true},
    {"{'key':'k','effect':'NoExecute'}", "{'key':'k','operator':'Equal'}", true},
    {"{'key':'k','value':'v','effect':'PreferNoSchedule'}", NULL, true}, /* filter ignores */
};

static void test_taints(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(tol_cases); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf), "[%s]", tol_cases[i].taint);
        sched_node_t *n = node_l("n", NULL, buf, "1", "1Gi", 10);
        snprintf(buf, sizeof(buf), "'tolerations':[%s]",
                 tol_cases[i].toleration ? tol_cases[i].toleration : "");
        sched_pod_t *p = pod_r("p", "", "", NULL, buf);
        sched_status_t st;
        CHECK_MSG(run_filter(sched_filter_taints, p, &n, 1, 0, &st) == tol_cases[i].tolerated,
                  "case %zu", i);
        sched_pod_unref(p);
        sched_node_free(n);
    }
    sched_node_t *n = node_l(
        "cp", NULL, "[{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'}]", "1",
        "1Gi", 10);
    sched_pod_t *p = pod_r("p", "", "", NULL, NULL);
    sched_status_t st;
    CHECK(!run_filter(sched_filter_taints, p, &n, 1, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0),
              "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
    sched_pod_unref(p);
    sched_node_free(n);

    /* Unschedulable nodes, unless the pod tolerates node.kubernetes.io/unschedulable. */
    n = mknode("{'metadata':{'name':'u'},'spec':{'unschedulable':true},"
               "'status':{'allocatable':{'cpu':'1','memory':'1Gi','pods':'10'}}}");
    p = pod_r("p", "", "", NULL, NULL);
    CHECK(!run_filter(sched_filter_unschedulable, p, &n, 1, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0), "node(s) were unschedulable");
    sched_pod_unref(p);
    p = pod_r("p", "", "", NULL,
              "'tolerations':[{'key':'node.kubernetes.io/unschedulable','operator':'Exists',"
              "'effect':'NoSchedule'}]");
    CHECK(run_filter(sched_filter_unschedulable, p, &n, 1, 0, &st));
    sched_pod_unref(p);
    /* NodeName. */
    p = pod_r("p", "", "", NULL, "'nodeName':'other'");
    CHECK(!run_filter(sched_filter_node_name, p, &n, 1, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0), "node(s) didn't match the requested node name");
    sched_pod_unref(p);
    sched_node_free(n);
}

static const struct {
    const char *expr; /* one matchExpressions entry, or a whole spec fragment when it starts
                         with "'" */
    bool match;
} aff_cases[] = {
    {"{'key':'zone','operator':'In','values':['a','b']}", true},
    {"{'key':'zone','operator':'In','values':['b']}", false},
    {"{'key':'zone','operator':'NotIn','values':['b']}", true},
    {"{'key':'zone','operator':'NotIn','values':['a']}", false},
    {"{'key':'missing','operator':'NotIn','values':['a']}", true},
    {"{'key':'zone','operator':'Exists'}", true},
    {"{'key':'missing','operator':'Exists'}", false},
    {"{'key':'missing','operator':'DoesNotExist'}", true},
    {"{'key':'zone','operator':'DoesNotExist'}", false},
    {"{'key':'cores','operator':'Gt','values':['8']}", true},
    {"{'key':'cores','operator':'Gt','values':['16']}", false},
    {"{'key':'cores','operator':'Lt','values':['17']}", true},
    {"{'key':'cores','operator':'Lt','values':['16']}", false},
    {"{'key':'zone','operator':'Gt','values':['1']}", false}, /* not an integer label */
};

static void test_node_affinity(void)
{
    sched_node_t *n = node_l("n1", "{'zone':'a','cores':'16'}", NULL, "1", "1Gi", 10);
    sched_status_t st;
    char buf[1024];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(aff_cases); i++) {
        snprintf(buf, sizeof(buf),
                 "'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
                 "{'nodeSelectorTerms':[{'matchExpressions':[%s]}]}}}",
                 aff_cases[i].expr);
        sched_pod_t *p = pod_r("p", "", "", NULL, buf);
        CHECK_MSG(run_filter(sched_filter_node_affinity, p, &n, 1, 0, &st) == aff_cases[i].match,
                  "case %zu", i);
        if (!aff_cases[i].match)
            CHECK_STR(sched_status_reason(&st, 0),
                      "node(s) didn't match Pod's node affinity/selector");
        sched_pod_unref(p);
    }
    static const struct {
        const char *extra;
        bool match;
    } more[] = {
        {"'nodeSelector':{'zone':'a'}", true},
        {"'nodeSelector':{'zone':'a','cores':'8'}", false},
        /* terms are ORed */
        {"'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
         "{'nodeSelectorTerms':[{'matchExpressions':[{'key':'zone','operator':'In','values':"
         "['x']}]},{'matchFields':[{'key':'metadata.name','operator':'In','values':['n1']}]}]}}}",
         true},
        {"'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
         "{'nodeSelectorTerms':[{'matchFields':[{'key':'metadata.name','operator':'NotIn',"
         "'values':['n1']}]}]}}}",
         false},
        /* an empty term matches nothing */
        {"'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':"
         "{'nodeSelectorTerms':[{}]}}}",
         false},
        /* nodeSelector and affinity both apply */
        {"'nodeSelector':{'zone':'b'},'affinity':{'nodeAffinity':{"
         "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{"
         "'matchExpressions':[{'key':'zone','operator':'Exists'}]}]}}}",
         false},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(more); i++) {
        sched_pod_t *p = pod_r("p", "", "", NULL, more[i].extra);
        CHECK_MSG(run_filter(sched_filter_node_affinity, p, &n, 1, 0, &st) == more[i].match,
                  "more case %zu", i);
        sched_pod_unref(p);
    }
    sched_node_free(n);
}

static void test_ports(void)
{
    static const struct {
        const char *used, *want;
        bool ok;
    } cases[] = {
        {"{'hostPort':80}", "{'hostPort':80}", false},
        {"{'hostPort':80}", "{'hostPort':81}", true},
        {"{'hostPort':80}", "{'hostPort':80,'protocol':'UDP'}", true},
        {"{'hostPort':80,'hostIP':'10.0.0.1'}", "{'hostPort':80,'hostIP':'10.0.0.2'}", true},
        {"{'hostPort':80,'hostIP':'10.0.0.1'}", "{'hostPort':80}", false},
        {"{'hostPort':80}", "{'hostPort':80,'hostIP':'10.0.0.2'}", false},
        {"{'containerPort':80}", "{'containerPort':80}", true},
    };
    char buf[512];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        sched_node_t *n = node_l("n", NULL, NULL, "1", "1Gi", 10);
        snprintf(buf, sizeof(buf),
                 "{'metadata':{'name':'u'},'spec':{'containers':[{'ports':[%s]}]}}", cases[i].used);
        sched_pod_t *u = mkpod(buf);
        snprintf(buf, sizeof(buf),
                 "{'metadata':{'name':'w'},'spec':{'containers':[{'ports':[%s]}]}}", cases[i].want);
        sched_pod_t *w = mkpod(buf);
        sched_node_add_pod(n, u);
        sched_status_t st;
        CHECK_MSG(run_filter(sched_filter_ports, w, &n, 1, 0, &st) == cases[i].ok, "case %zu", i);
        if (!cases[i].ok)
            CHECK_STR(sched_status_reason(&st, 0),
                      "node(s) didn't have free ports for the requested pod ports");
        c8s_err_t err = C8S_ERR_INIT;
        sched_node_remove_pod(n, u, &err);
        CHECK_INT(n->nports, 0);
        CHECK(run_filter(sched_filter_ports, w, &n, 1, 0, &st));
        sched_pod_unref(u);
        sched_pod_unref(w);
        sched_node_free(n);
    }
}

#define ZONE(z) "{'topology.kubernetes.io/zone':'" z "'}"

static void test_inter_pod(void)
{
    sched_node_t *nodes[3] = {
        node_l("a", ZONE("z1"), NULL, "4", "8Gi", 110),
        node_l("b", ZONE("z1"), NULL, "4", "8Gi", 110),
        node_l("c", ZONE("z2"), NULL, "4", "8Gi", 110),
    };
    sched_pod_t *web = pod_r("web", "", "", "{'app':'web'}", NULL);
    sched_node_add_pod(nodes[0], web);
    sched_status_t st;

    /* Anti-affinity by zone: z1 holds a web pod. */
    sched_pod_t *p =
        pod_r("p", "", "", "{'app':'web'}",
              "'affinity':{'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{"
              "'labelSelector':{'matchLabels':{'app':'web'}},'topologyKey':'topology.kubernetes.io/"
              "zone'}]}}");
    CHECK(!run_filter(sched_filter_inter_pod, p, nodes, 3, 0, &st));
    CHECK_STR(sched_status_reason(&st, 0), "node(s) didn't match pod anti-affinity rules");
    CHECK(!run_filter(sched_filter_inter_pod, p, nodes, 3, 1, &st));
    CHECK(run_filter(sched_filter_inter_pod, p, nodes, 3, 2, &st));
    sched_pod_unref(p);

    /* Affinity by zone: only z1. */
    p = pod_r("p", "", "", NULL,
              "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{"
              "'labelSelector':{'matchLabels':{'app':'web'}},'topologyKey':'topology.kubernetes.io/"
              "zone'}]}}");
    CHECK(run_filter(sched_filter_inter_pod, p, nodes, 3, 1, &st));
    CHECK(!run_filter(sched_filter_inter_pod, p, nodes, 3, 2, &st));
    CHECK_STR(sched_status_reason(&st, 0), "node(s) didn't match pod affinity rules");
    sched_pod_unref(p);

    /* Other namespace: the term defaults to the pod's own namespace, so nothing matches. */
    p = mkpod("{'metadata':{'name':'o','namespace':'other'},'spec':{'affinity':{'podAffinity':{"
              "'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
              "{'app':'web'}},'topologyKey':'topology.kubernetes.io/zone'}]}}}}");
    CHECK(!run_filter(sched_filter_inter_pod, p, nodes, 3, 0, &st));
    sched_pod_unref(p);

    /* First pod of a self-affine group goes anywhere with the key. */
    p = pod_r("db0", "", "", "{'app':'db'}",
              "'affinity':{'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{"
              "'labelSelector':{'matchLabels':{'app':'db'}},'topologyKey':'topology.kubernetes.io/"
              "zone'}]}}");
    CHECK(run_filter(sched_filter_inter_pod, p, nodes, 3, 2, &st));
    sched_pod_unref(p);

    /* Symmetry: an existing pod's anti-affinity keeps app=cache out of its zone. */
    sched_pod_t *guard = pod_r(
        "guard", "", "", NULL,
        "'affinity':{'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[{"
        "'labelSelector':{'matchLabels':{'app':'cache'}},'topologyKey':'topology.kubernetes.io/"
        "zone'}]}}");
    sched_node_add_pod(nodes[2], guard);
    p = pod_r("cache", "", "", "{'app':'cache'}", NULL);
    CHECK(run_filter(sched_filter_inter_pod, p, nodes, 3, 0, &st));
    CHECK(!run_filter(sched_filter_inter_pod, p, nodes, 3, 2, &st));
    CHECK_STR(sched_status_reason(&st, 0),
              "node(s) didn't satisfy existing pods anti-affinity rules");
    sched_pod_unref(p);

    /* Preferred affinity scores the web zone up (normalized 100 vs 0). */
    p = pod_r("p", "", "", NULL,
              "'affinity':{'podAffinity':{'preferredDuringSchedulingIgnoredDuringExecution':[{"
              "'weight':50,'podAffinityTerm':{'labelSelector':{'matchLabels':{'app':'web'}},"
              "'topologyKey':'topology.kubernetes.io/zone'}}]}}");
    sched_cycle_t *cy = sched_cycle_new(p, nodes, 3);
    sched_cycle_prescore(cy, nodes, 3);
    int64_t s[3];
    for (size_t i = 0; i < 3; i++)
        s[i] = sched_score_inter_pod(cy, nodes[i]);
    CHECK_INT(s[0], 50);
    CHECK_INT(s[2], 0);
    sched_normalize_inter_pod(cy, s, 3);
    CHECK_INT(s[0], 100);
    CHECK_INT(s[1], 100);
    CHECK_INT(s[2], 0);
    sched_cycle_free(cy);
    sched_pod_unref(p);

    sched_pod_unref(web);
    sched_pod_unref(guard);
    for (size_t i = 0; i < 3; i++)
        sched_node_free(nodes[i]);
}

static void test_spread(void)
{
    sched_node_t *nodes[4] = {
        node_l("n1", ZONE("z1"), NULL, "4", "8Gi", 110),
        node_l("n2", ZONE("z1"), NULL, "4", "8Gi", 110),
        node_l("n3", ZONE("z2"), NULL, "4", "8Gi", 110),
        node_l("n4", "{}", NULL, "4", "8Gi", 110),
    };
    sched_pod_t *x1 = pod_r("x1", "", "", "{'app':'x'}", NULL);
    sched_pod_t *x2 = pod_r("x2", "", "", "{'app':'x'}", NULL);
    sched_node_add_pod(nodes[0], x1);
    sched_node_add_pod(nodes[0], x2);
    static const struct {
        int skew, min_domains;
        bool ok[3];
    } cases[] = {
        {1, 0, {false, false, true}},                             /* z1 has 2, z2 0: 2+1-0 > 1 */
        {2, 0, {false, false, true}},                             /* 3 > 2 */
        {3, 0, {true, true, true}},   {3, 3, {true, true, true}}, /* min 0 anyway */
        {2, 3, {false, false, true}}, /* fewer domains than minDomains: global min 0 */
    };
    char buf[512];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        snprintf(buf, sizeof(buf),
                 "'topologySpreadConstraints':[{'maxSkew':%d,'minDomains':%d,"
                 "'topologyKey':'topology.kubernetes.io/zone','whenUnsatisfiable':'DoNotSchedule',"
                 "'labelSelector':{'matchLabels':{'app':'x'}}}]",
                 cases[i].skew, cases[i].min_domains);
        sched_pod_t *p = pod_r("p", "", "", "{'app':'x'}", buf);
        sched_status_t st;
        for (size_t k = 0; k < 3; k++) {
            bool ok = run_filter(sched_filter_spread, p, nodes, 4, k, &st);
            CHECK_MSG(ok == cases[i].ok[k], "case %zu node %zu", i, k);
            if (!ok)
                CHECK_STR(sched_status_reason(&st, 0),
                          "node(s) didn't match pod topology spread constraints");
        }
        CHECK(!run_filter(sched_filter_spread, p, nodes, 4, 3, &st));
        CHECK_STR(sched_status_reason(&st, 0),
                  "node(s) didn't match pod topology spread constraints (missing required label)");
        sched_pod_unref(p);
    }
    /* Soft: z2 (no pods) scores 100, z1 lower; n4 lacks the key and scores 0. */
    sched_pod_t *p =
        pod_r("p", "", "", "{'app':'x'}",
              "'topologySpreadConstraints':[{'maxSkew':1,'topologyKey':'topology.kubernetes.io/"
              "zone','whenUnsatisfiable':'ScheduleAnyway','labelSelector':{'matchLabels':{'app':"
              "'x'}}}]");
    sched_cycle_t *cy = sched_cycle_new(p, nodes, 4);
    sched_cycle_prescore(cy, nodes, 4);
    int64_t s[4];
    for (size_t i = 0; i < 4; i++)
        s[i] = sched_score_spread(cy, nodes[i]);
    /* 2 pods * log(2 domains + 2) = 2.77 → 3 */
    CHECK_INT(s[0], 3);
    CHECK_INT(s[2], 0);
    sched_normalize_spread(cy, nodes, s, 4);
    CHECK_INT(s[0], 0);
    CHECK_INT(s[1], 0);
    CHECK_INT(s[2], 100);
    CHECK_INT(s[3], 0);
    sched_cycle_free(cy);
    sched_pod_unref(p);
    sched_pod_unref(x1);
    sched_pod_unref(x2);
    for (size_t i = 0; i < 4; i++)
        sched_node_free(nodes[i]);
}

/* ---- Scores ---------------------------------------------------------------------------- */

static void test_scores(void)
{
    sched_node_t *nodes[2] = {
        node_l("n1", "{'disk':'ssd'}",
               "[{'key':'a','effect':'PreferNoSchedule'},{'key':'b','effect':'PreferNoSchedule'}]",
               "4", "8Gi", 110),
        node_l("n2", "{}", NULL, "4", "4Gi", 110),
    };
    sched_pod_t *used = pod_r("used", "1", "2Gi", NULL, NULL);
    sched_node_add_pod(nodes[0], used);
    sched_pod_t *p = pod_r("p", "1", "2Gi", NULL,
                           "'tolerations':[{'key':'a','operator':'Exists','effect':"
                           "'PreferNoSchedule'}],'affinity':{'nodeAffinity':{"
                           "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':30,"
                           "'preference':{'matchExpressions':[{'key':'disk','operator':'In',"
                           "'values':['ssd']}]}}]}}");
    sched_cycle_t *cy = sched_cycle_new(p, nodes, 2);
    sched_cycle_prescore(cy, nodes, 2);
    /* n1: cpu (4000-2000)/4000 = 50, mem (8-4)/8 = 50; n2: cpu 75, mem 50 → 62. */
    CHECK_INT(sched_score_least_allocated(cy, nodes[0]), 50);
    CHECK_INT(sched_score_least_allocated(cy, nodes[1]), 62);
    /* n1: 0.5 and 0.5 → 100; n2: 0.25 and 0.5 → 1 - 0.125 → 87. */
    CHECK_INT(sched_score_balanced(cy, nodes[0]), 100);
    CHECK_INT(sched_score_balanced(cy, nodes[1]), 87);
    int64_t s[2] = {sched_score_taints(cy, nodes[0]), sched_score_taints(cy, nodes[1])};
    CHECK_INT(s[0], 1); /* b is not tolerated */
    CHECK_INT(s[1], 0);
    sched_normalize_default(s, 2, true);
    CHECK_INT(s[0], 0);
    CHECK_INT(s[1], 100);
    s[0] = sched_score_node_affinity(cy, nodes[0]);
    s[1] = sched_score_node_affinity(cy, nodes[1]);
    CHECK_INT(s[0], 30);
    sched_normalize_default(s, 2, false);
    CHECK_INT(s[0], 100);
    CHECK_INT(s[1], 0);
    sched_cycle_free(cy);
    sched_pod_unref(p);
    sched_pod_unref(used);
    sched_node_free(nodes[0]);
    sched_node_free(nodes[1]);

    /* Image locality: a 500MB image on one of two nodes: 250MB scaled → 100*(250-23)/977. */
    sched_node_t *im[2] = {
        mknode("{'metadata':{'name':'i1'},'status':{'allocatable':{'cpu':'1','memory':'1Gi',"
               "'pods':'10'},'images':[{'names':['nginx:latest','docker.io/library/nginx:latest'],"
               "'sizeBytes':524288000}]}}"),
        node_l("i2", NULL, NULL, "1", "1Gi", 10),
    };
    CHECK_INT(sched_node_image_size(im[0], "nginx:latest"), 524288000);
    CHECK_INT(sched_node_image_size(im[0], "nginx"), -1);
    p = pod_r("p", "", "", NULL, NULL); /* image "nginx" normalizes to nginx:latest */
    cy = sched_cycle_new(p, im, 2);
    sched_cycle_prescore(cy, im, 2);
    CHECK_INT(sched_score_image_locality(cy, im[0]), 23);
    CHECK_INT(sched_score_image_locality(cy, im[1]), 0);
    sched_cycle_free(cy);
    sched_pod_unref(p);

    /* Owner spreading: fewer pods of the same owner scores higher. */
    sched_pod_t *o1 = mkpod("{'metadata':{'name':'o1','uid':'1','ownerReferences':[{'uid':'rs',"
                            "'controller':true}]},'spec':{'containers':[{}]}}");
    sched_node_add_pod(im[0], o1);
    sched_pod_t *o2 = mkpod("{'metadata':{'name':'o2','uid':'2','ownerReferences':[{'uid':'rs',"
                            "'controller':true}]},'spec':{'containers':[{}]}}");
    cy = sched_cycle_new(o2, im, 2);
    s[0] = sched_score_owner_spread(cy, im[0]);
    s[1] = sched_score_owner_spread(cy, im[1]);
    CHECK_INT(s[0], 1);
    sched_normalize_owner_spread(cy, im, s, 2);
    CHECK_INT(s[0], 0);
    CHECK_INT(s[1], 100);
    sched_cycle_free(cy);
    sched_pod_unref(o1);
    sched_pod_unref(o2);
    sched_node_free(im[0]);
    sched_node_free(im[1]);
}

/* ---- One decision ---------------------------------------------------------------------- */

static void test_schedule_one(void)
{
    sched_node_t *nodes[3] = {
        node_l("busy", NULL, NULL, "4", "8Gi", 110),
        node_l("idle", NULL, NULL, "4", "8Gi", 110),
        node_l("cp", NULL,
               "[{'key':'node-role.kubernetes.io/control-plane','effect':'NoSchedule'}]", "4",
               "8Gi", 110),
    };
    sched_pod_t *used = pod_r("used", "3", "1Gi", NULL, NULL);
    sched_node_add_pod(nodes[0], used);
    sched_pod_t *p = pod_r("p", "500m", "1Gi", NULL, NULL);
    sched_result_t r;
    CHECK_INT(sched_schedule_one(p, nodes, 3, NULL, &r), 0);
    REQUIRE_VOID(r.node != NULL);
    CHECK_STR(r.node->name, "idle");
    CHECK_INT(r.feasible, 2);
    CHECK(r.message == NULL);
    sched_result_clear(&r);
    sched_pod_unref(p);

    /* Nothing fits: 2 nodes lack cpu, the control plane has its taint. */
    p = pod_r("big", "3500m", "1Gi", NULL, NULL);
    sched_pod_t *fill = pod_r("fill", "1", "1Gi", NULL, NULL);
    sched_node_add_pod(nodes[1], fill);
    CHECK_INT(sched_schedule_one(p, nodes, 3, NULL, &r), 0);
    CHECK(r.node == NULL);
    CHECK_STR(r.message, "0/3 nodes are available: 1 node(s) had untolerated taint "
                         "{node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.");
    sched_result_clear(&r);
    sched_pod_unref(p);

    /* Several reasons on one node count once each. */
    p = pod_r("huge", "100", "100Gi", NULL, "'tolerations':[{'operator':'Exists'}]");
    CHECK_INT(sched_schedule_one(p, nodes, 3, NULL, &r), 0);
    CHECK_STR(r.message, "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory.");
    sched_result_clear(&r);
    sched_pod_unref(p);

    /* The affinity-free hint (no placed pod has terms) skips only the passes for existing pods'
     * terms: an incoming pod's own anti-affinity still keeps it off the matching node. */
    sched_node_t *hn[2] = {node_l("h1", "{'kubernetes.io/hostname':'h1'}", NULL, "4", "8Gi", 110),
                           node_l("h2", "{'kubernetes.io/hostname':'h2'}", NULL, "4", "8Gi", 110)};
    sched_pod_t *web = mkpod("{'metadata':{'name':'web','uid':'w','labels':{'app':'web'}},"
                             "'spec':{'containers':[{}]}}");
    sched_node_add_pod(hn[0], web);
    p = mkpod("{'metadata':{'name':'shy','uid':'s'},'spec':{'affinity':{'podAntiAffinity':{"
              "'requiredDuringSchedulingIgnoredDuringExecution':[{'labelSelector':{'matchLabels':"
              "{'app':'web'}},'topologyKey':'kubernetes.io/hostname'}]}},'containers':[{}]}}");
    sched_opts_t hint = {.affinity_free = true};
    for (int i = 0; i < 4; i++) {
        hint.start_index = (size_t)i;
        CHECK_INT(sched_schedule_one(p, hn, 2, &hint, &r), 0);
        REQUIRE_VOID(r.node != NULL);
        CHECK_STR(r.node->name, "h2");
        sched_result_clear(&r);
    }
    sched_pod_unref(p);
    sched_pod_unref(web);
    sched_node_free(hn[0]);
    sched_node_free(hn[1]);

    sched_pod_unref(used);
    sched_pod_unref(fill);
    for (size_t i = 0; i < 3; i++)
        sched_node_free(nodes[i]);

    char *m = sched_fit_message(10, (sched_reason_count_t[]){{"b", 10}, {"a", 2}, {"c", 1}}, 3);
    CHECK_STR(m, "0/10 nodes are available: 1 c, 10 b, 2 a.");
    free(m);
}

static void test_tie_break(void)
{
    enum { N = 6 };
    sched_node_t *nodes[N];
    for (size_t i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%zu", i);
        nodes[i] = node_l(name, NULL, NULL, "4", "8Gi", 110);
    }
    sched_pod_t *p = pod_r("p", "100m", "100Mi", NULL, NULL);
    sched_result_t r;
    /* No random source: the first of the best. */
    sched_schedule_one(p, nodes, N, NULL, &r);
    CHECK_STR(r.node->name, "n0");
    sched_result_clear(&r);
    /* The same seed gives the same choices; different seeds reach several nodes. */
    const char *first[8];
    bool seen[N] = {0};
    for (int round = 0; round < 2; round++) {
        uint64_t seed = 42;
        sched_opts_t o = {.rand = sched_rand_xorshift, .rand_ctx = &seed};
        for (int k = 0; k < 8; k++) {
            sched_schedule_one(p, nodes, N, &o, &r);
            if (round == 0)
                first[k] = r.node->name;
            else
                CHECK_STR(r.node->name, first[k]);
            seen[r.node->name[1] - '0'] = true;
            sched_result_clear(&r);
        }
    }
    int distinct = 0;
    for (size_t i = 0; i < N; i++)
        distinct += seen[i];
    CHECK(distinct >= 3);
    sched_pod_unref(p);
    for (size_t i = 0; i < N; i++)
        sched_node_free(nodes[i]);
}

static void test_sampling(void)
{
    enum { N = 1000 };
    sched_node_t **nodes = xcalloc(N, sizeof(*nodes));
    for (size_t i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%zu", i);
        nodes[i] = node_l(name, NULL, NULL, "4", "8Gi", 110);
    }
    sched_pod_t *p = pod_r("p", "100m", "100Mi", NULL, NULL);
    sched_result_t r;
    /* 50 - 1000/125 = 42% of 1000. */
    sched_opts_t o = {.start_index = 990};
    sched_schedule_one(p, nodes, N, &o, &r);
    CHECK_INT(r.evaluated, 420);
    CHECK_INT(r.feasible, 420);
    CHECK_INT(r.next_start, (990 + 420) % N);
    sched_result_clear(&r);
    o.percentage = 100;
    sched_schedule_one(p, nodes, N, &o, &r);
    CHECK_INT(r.evaluated, N);
    sched_result_clear(&r);
    /* Small percentages still look for 100 nodes. */
    o.percentage = 1;
    sched_schedule_one(p, nodes, N, &o, &r);
    CHECK_INT(r.evaluated, 100);
    sched_result_clear(&r);
    /* 150 nodes: 49% is 73, below the floor of 100 nodes. */
    o.percentage = 0;
    sched_schedule_one(p, nodes, 150, &o, &r);
    CHECK_INT(r.evaluated, 100);
    sched_result_clear(&r);
    sched_pod_unref(p);
    for (size_t i = 0; i < N; i++)
        sched_node_free(nodes[i]);
    free(nodes);
}

/* ---- Preemption ------------------------------------------------------------------------ */

static sched_pod_t *prio_pod(const char *name, const char *cpu, int prio)
{
    char buf[512];
    snprintf(buf, sizeof(buf),
             "{'metadata':{'name':'%s','namespace':'ns','uid':'%s'},'spec':{'priority':%d,"
             "'containers':[{'resources':{'requests':{'cpu':'%s'}}}]}}",
             name, name, prio, cpu);
    return mkpod(buf);
}

static void test_preempt(void)
{
    sched_node_t *nodes[3] = {
        node_l("n1", NULL, NULL, "2", "8Gi", 110),
        node_l("n2", NULL, NULL, "2", "8Gi", 110),
        node_l("n3", NULL, NULL, "2", "8Gi", 110),
    };
    sched_pod_t *pods[] = {
        prio_pod("low1", "1", 1), prio_pod("mid5", "1", 5), /* n1 */
        prio_pod("mid3", "2", 3),                           /* n2 */
        prio_pod("a", "500m", 1), prio_pod("b", "500m", 1), /* n3 */
        prio_pod("c", "500m", 1), prio_pod("d", "500m", 2),
    };
    sched_node_add_pod(nodes[0], pods[0]);
    sched_node_add_pod(nodes[0], pods[1]);
    sched_node_add_pod(nodes[1], pods[2]);
    for (size_t i = 3; i < 7; i++)
        sched_node_add_pod(nodes[2], pods[i]);

    c8s_err_t err = C8S_ERR_INIT;
    sched_preempt_t out;
    /* Needs 1 cpu: n1 evicts low1 (top 1, sum small); n3 evicts two prio-1 pods (top 1, larger
     * sum); n2 evicts mid3 (top 3). */
    sched_pod_t *p = prio_pod("p", "1", 10);
    CHECK_INT(sched_preempt_candidates(p, nodes, 3, &out, &err), 0);
    REQUIRE_VOID(out.node != NULL);
    CHECK_STR(out.node->name, "n1");
    CHECK_INT(out.nvictims, 1);
    CHECK_STR(out.victims[0], "ns/low1");
    sched_preempt_clear(&out);
    sched_pod_unref(p);

    /* Priority 2 can only evict priority-1 pods: n3 with a reprieve (d stays; two of a/b/c go;
     * n1 would need low1 only: top 1 and smaller sum → n1 again). Make n1 unusable first. */
    sched_pod_t *p2 = prio_pod("p2", "1", 2);
    nodes[0]->unschedulable = true;
    CHECK_INT(sched_preempt_candidates(p2, nodes, 3, &out, &err), 0);
    REQUIRE_VOID(out.node != NULL);
    CHECK_STR(out.node->name, "n3");
    CHECK_INT(out.nvictims, 2);
    sched_preempt_clear(&out);

    /* Equal or higher priority pods are never victims. */
    sched_pod_t *p1 = prio_pod("p1", "1", 1);
    CHECK_INT(sched_preempt_candidates(p1, nodes, 3, &out, &err), C8S_ENOTFOUND);
    c8s_err_clear(&err);
    CHECK(out.node == NULL);
    sched_pod_unref(p1);
    sched_pod_unref(p2);

    /* status.startTime is kept for the reprieve order. */
    sched_pod_t *st = mkpod("{'metadata':{'name':'s'},'spec':{'containers':[{}]},"
                            "'status':{'startTime':'2024-01-02T03:04:05Z'}}");
    CHECK_INT(st->start_ns, 1704164645LL * 1000000000LL);
    sched_pod_unref(st);
    for (size_t i = 0; i < C8S_ARRAY_SIZE(pods); i++)
        sched_pod_unref(pods[i]);
    for (size_t i = 0; i < 3; i++)
        sched_node_free(nodes[i]);
}

/* VolumeBinding for bound claims: each PV's node affinity must hold; none means anywhere. */
static void test_volumes(void)
{
    sched_node_t *nodes[2] = {
        node_l("n1", "{'kubernetes.io/hostname':'n1'}", NULL, "4", "8Gi", 110),
        node_l("n2", "{'kubernetes.io/hostname':'n2'}", NULL, "4", "8Gi", 110),
    };
    sched_pod_t *p = pod_r("p", "100m", "64Mi", NULL, NULL);
    c8s_err_t err = C8S_ERR_INIT;
    json_t *anywhere = J("{'metadata':{'name':'nfs'},'spec':{'capacity':{'storage':'1Gi'}}}");
    json_t *local = J("{'metadata':{'name':'local-n2'},'spec':{'nodeAffinity':{'required':{"
                      "'nodeSelectorTerms':[{'matchExpressions':[{'key':'kubernetes.io/hostname',"
                      "'operator':'In','values':['n2']}]}]}}}}");
    CHECK_INT(sched_pod_add_volume(p, anywhere, &err), 0);
    CHECK_INT(p->nvols, 0);
    CHECK_INT(sched_pod_add_volume(p, local, &err), 0);
    CHECK_INT(p->nvols, 1);
    sched_cycle_t *cy = sched_cycle_new(p, nodes, 2);
    sched_status_t st = {0};
    CHECK(!sched_filter_volumes(cy, nodes[0], &st));
    CHECK_STR(sched_status_reason(&st, 0), SCHED_R_VOLUME_AFFINITY);
    CHECK(sched_filter_volumes(cy, nodes[1], NULL));
    sched_cycle_free(cy);
    sched_result_t r;
    CHECK_INT(sched_schedule_one(p, nodes, 2, NULL, &r), 0);
    REQUIRE_VOID(r.node != NULL);
    CHECK_STR(r.node->name, "n2");
    sched_result_clear(&r);

    /* A second local volume on the other node: no node holds both. */
    json_t *local1 = J("{'metadata':{'name':'local-n1'},'spec':{'nodeAffinity':{'required':{"
                       "'nodeSelectorTerms':[{'matchExpressions':[{'key':'kubernetes.io/hostname',"
                       "'operator':'In','values':['n1']}]}]}}}}");
    CHECK_INT(sched_pod_add_volume(p, local1, &err), 0);
    CHECK_INT(sched_schedule_one(p, nodes, 2, NULL, &r), 0);
    CHECK(r.node == NULL);
    CHECK_STR(r.message, "0/2 nodes are available: 2 node(s) had volume node affinity conflict.");
    sched_result_clear(&r);

    json_t *bad =
        J("{'metadata':{'name':'bad'},'spec':{'nodeAffinity':{'required':{"
          "'nodeSelectorTerms':[{'matchExpressions':[{'key':'k','operator':'Near'}]}]}}}}");
    CHECK(sched_pod_add_volume(p, bad, &err) < 0);
    c8s_err_clear(&err);
    json_decref(anywhere);
    json_decref(local);
    json_decref(local1);
    json_decref(bad);
    sched_pod_unref(p);
    sched_node_free(nodes[0]);
    sched_node_free(nodes[1]);
}

int main(void)
{
    test_requests();
    test_resources_fit();
    test_taints();
    test_node_affinity();
    test_ports();
    test_inter_pod();
    test_spread();
    test_scores();
    test_schedule_one();
    test_tie_break();
    test_sampling();
    test_preempt();
    test_volumes();
    TEST_END();
}
