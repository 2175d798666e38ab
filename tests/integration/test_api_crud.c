/*
 * test_api_crud.c — every kind through every verb against a real etcd: create, get (from etcd
 * and from the cache), list, update, merge and JSON patch, status, delete; and the Status
 * answers (NotFound, AlreadyExists, Conflict, Invalid, BadRequest, UnsupportedMediaType,
 * MethodNotAllowed).
 */
#include "c8s/base.h"
#include "harness.h"
#include "test.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *base; /* collection path, with %s for the namespace where namespaced */
    const char *name;
    const char *body;
} sample_t;

#define POD_SPEC "{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}"
#define TEMPLATE "{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":" POD_SPEC "}"
#define SELECTOR "{\"matchLabels\":{\"app\":\"x\"}}"

static const sample_t samples[] = {
    {"/api/v1/namespaces", "crud-ns", "{\"metadata\":{\"name\":\"crud-ns\"}}"},
    {"/api/v1/namespaces/%s/pods", "p1", "{\"metadata\":{\"name\":\"p1\"},\"spec\":" POD_SPEC "}"},
    {"/api/v1/nodes", "node-a", "{\"metadata\":{\"name\":\"node-a\"}}"},
    {"/api/v1/namespaces/%s/services", "svc1",
     "{\"metadata\":{\"name\":\"svc1\"},\"spec\":{\"selector\":{\"app\":\"x\"},\"ports\":[{"
     "\"port\":80}]}}"},
    {"/api/v1/namespaces/%s/endpoints", "svc1",
     "{\"metadata\":{\"name\":\"svc1\"},\"subsets\":[{\"addresses\":[{\"ip\":\"10.244.0.5\"}],"
     "\"ports\":[{\"port\":80}]}]}"},
    {"/api/v1/namespaces/%s/configmaps", "cm1",
     "{\"metadata\":{\"name\":\"cm1\"},\"data\":{\"k\":\"v\"}}"},
    {"/api/v1/namespaces/%s/secrets", "s1",
     "{\"metadata\":{\"name\":\"s1\"},\"data\":{\"k\":\"dg==\"}}"},
    {"/api/v1/namespaces/%s/serviceaccounts", "sa1", "{\"metadata\":{\"name\":\"sa1\"}}"},
    {"/api/v1/namespaces/%s/events", "ev1",
     "{\"metadata\":{\"name\":\"ev1\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p1\","
     "\"namespace\":\"default\"},\"reason\":\"Test\",\"message\":\"m\",\"type\":\"Normal\"}"},
    {"/api/v1/namespaces/%s/replicationcontrollers", "rc1",
     "{\"metadata\":{\"name\":\"rc1\"},\"spec\":{\"replicas\":1,\"selector\":{\"app\":\"x\"},"
     "\"template\":" TEMPLATE "}}"},
    {"/api/v1/persistentvolumes", "pv1",
     "{\"metadata\":{\"name\":\"pv1\"},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},"
     "\"accessModes\":[\"ReadWriteOnce\"],\"hostPath\":{\"path\":\"/tmp/pv1\"}}}"},
    {"/api/v1/namespaces/%s/persistentvolumeclaims", "pvc1",
     "{\"metadata\":{\"name\":\"pvc1\"},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
     "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"},
    {"/api/v1/namespaces/%s/resourcequotas", "q1",
     "{\"metadata\":{\"name\":\"q1\"},\"spec\":{\"hard\":{\"pods\":\"10\"}}}"},
    {"/api/v1/namespaces/%s/limitranges", "lr1",
     "{\"metadata\":{\"name\":\"lr1\"},\"spec\":{\"limits\":[{\"type\":\"Container\",\"default\":{"
     "\"cpu\":\"100m\"}}]}}"},
    {"/apis/apps/v1/namespaces/%s/deployments", "d1",
     "{\"metadata\":{\"name\":\"d1\"},\"spec\":{\"selector\":" SELECTOR ",\"template\":" TEMPLATE
     "}}"},
    {"/apis/apps/v1/namespaces/%s/replicasets", "rs1",
     "{\"metadata\":{\"name\":\"rs1\"},\"spec\":{\"selector\":" SELECTOR ",\"template\":" TEMPLATE
     "}}"},
    {"/apis/apps/v1/namespaces/%s/statefulsets", "ss1",
     "{\"metadata\":{\"name\":\"ss1\"},\"spec\":{\"serviceName\":\"svc1\",\"selector\":" SELECTOR
     ",\"template\":" TEMPLATE "}}"},
    {"/apis/apps/v1/namespaces/%s/daemonsets", "ds1",
     "{\"metadata\":{\"name\":\"ds1\"},\"spec\":{\"selector\":" SELECTOR ",\"template\":" TEMPLATE
     "}}"},
    {"/apis/apps/v1/namespaces/%s/controllerrevisions", "cr1",
     "{\"metadata\":{\"name\":\"cr1\"},\"revision\":1,\"data\":{}}"},
    {"/apis/batch/v1/namespaces/%s/jobs", "j1",
     "{\"metadata\":{\"name\":\"j1\"},\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
     "\"Never\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}"},
    {"/apis/batch/v1/namespaces/%s/cronjobs", "cj1",
     "{\"metadata\":{\"name\":\"cj1\"},\"spec\":{\"schedule\":\"*/5 * * * "
     "*\",\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"OnFailure\","
     "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}}}}}"},
    {"/apis/coordination.k8s.io/v1/namespaces/%s/leases", "l1",
     "{\"metadata\":{\"name\":\"l1\"},\"spec\":{\"holderIdentity\":\"a\",\"leaseDurationSeconds\":"
     "15}}"},
    {"/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices", "es1",
     "{\"metadata\":{\"name\":\"es1\"},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":["
     "\"10.244.0.5\"]}],\"ports\":[{\"port\":80}]}"},
    {"/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers", "h2",
     "{\"metadata\":{\"name\":\"h2\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/"
     "v1\",\"kind\":\"Deployment\",\"name\":\"d1\"},\"maxReplicas\":3}}"},
    {"/apis/autoscaling/v1/namespaces/%s/horizontalpodautoscalers", "h1",
     "{\"metadata\":{\"name\":\"h1\"},\"spec\":{\"scaleTargetRef\":{\"apiVersion\":\"apps/"
     "v1\",\"kind\":\"Deployment\",\"name\":\"d1\"},\"maxReplicas\":3}}"},
    {"/apis/networking.k8s.io/v1/namespaces/%s/ingresses", "i1",
     "{\"metadata\":{\"name\":\"i1\"},\"spec\":{\"defaultBackend\":{\"service\":{\"name\":\"svc1\","
     "\"port\":{\"number\":80}}}}}"},
    {"/apis/networking.k8s.io/v1/namespaces/%s/networkpolicies", "np1",
     "{\"metadata\":{\"name\":\"np1\"},\"spec\":{\"podSelector\":{}}}"},
    {"/apis/storage.k8s.io/v1/storageclasses", "sc1",
     "{\"metadata\":{\"name\":\"sc1\"},\"provisioner\":\"c8s.io/local-path\"}"},
    {"/apis/rbac.authorization.k8s.io/v1/namespaces/%s/roles", "r1",
     "{\"metadata\":{\"name\":\"r1\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
     "\"verbs\":[\"get\"]}]}"},
    {"/apis/rbac.authorization.k8s.io/v1/clusterroles", "cr1",
     "{\"metadata\":{\"name\":\"cr1\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
     "\"verbs\":[\"get\"]}]}"},
    {"/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings", "rb1",
     "{\"metadata\":{\"name\":\"rb1\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
     "\"kind\":\"Role\",\"name\":\"r1\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"u\","
     "\"apiGroup\":\"rbac.authorization.k8s.io\"}]}"},
    {"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "crb1",
     "{\"metadata\":{\"name\":\"crb1\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
     "\"kind\":\"ClusterRole\",\"name\":\"cr1\"},\"subjects\":[{\"kind\":\"User\",\"name\":\"u\","
     "\"apiGroup\":\"rbac.authorization.k8s.io\"}]}"},
    {"/apis/scheduling.k8s.io/v1/priorityclasses", "pc1",
     "{\"metadata\":{\"name\":\"pc1\"},\"value\":1000}"},
};

static const char *base_url;

static long req(const char *method, const char *path, const char *ct, const char *body,
                th_resp_t *out)
{
    char url[512];
    snprintf(url, sizeof(url), "%s%s", base_url, path);
    th_resp_t r;
    if (th_http(method, url, ct, body, &r) != 0) {
        th_resp_free(&r);
        return -1;
    }
    long st = r.status;
    if (out)
        *out = r;
    else
        th_resp_free(&r);
    return st;
}

static json_t *req_json(const char *method, const char *path, const char *ct, const char *body,
                        long *status)
{
    th_resp_t r;
    *status = req(method, path, ct, body, &r);
    if (*status < 0)
        return NULL;
    json_t *j = json_loads(r.body, 0, NULL);
    if (!j)
        fprintf(stderr, "  non-JSON answer to %s %s: %s\n", method, path, r.body);
    th_resp_free(&r);
    return j;
}

static const char *jstr(const json_t *j, const char *a, const char *b)
{
    const json_t *v = json_object_get(j, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static void crud_one(const sample_t *s)
{
    char base[256], item[320], body[4096];
    const char *hole = strstr(s->base, "%s");
    if (hole)
        snprintf(base, sizeof(base), "%.*sdefault%s", (int)(hole - s->base), s->base, hole + 2);
    else
        snprintf(base, sizeof(base), "%s", s->base);
    snprintf(item, sizeof(item), "%s/%s", base, s->name);
    long st;
    json_t *created = req_json("POST", base, "application/json", s->body, &st);
    CHECK_MSG(st == 201, "create %s: %ld %s", item, st, created ? json_dumps(created, 0) : "");
    const char *rv = jstr(created, "metadata", "resourceVersion");
    CHECK_MSG(rv && *rv, "create %s: no resourceVersion", item);
    CHECK_MSG(jstr(created, "metadata", "uid") != NULL, "create %s: no uid", item);
    CHECK_MSG(jstr(created, "metadata", "creationTimestamp") != NULL, "create %s: no timestamp",
              item);

    json_t *again = req_json("POST", base, "application/json", s->body, &st);
    CHECK_MSG(st == 409 && strcmp(jstr(again, "reason", NULL) ?: "", "AlreadyExists") == 0,
              "duplicate create %s: %ld", item, st);
    json_decref(again);

    json_t *got = req_json("GET", item, NULL, NULL, &st);
    CHECK_MSG(st == 200 && jstr(got, "metadata", "resourceVersion") &&
                  strcmp(jstr(got, "metadata", "resourceVersion"), rv) == 0,
              "get %s: %ld", item, st);
    json_decref(got);

    json_t *list = req_json("GET", base, NULL, NULL, &st);
    CHECK_MSG(st == 200 && json_array_size(json_object_get(list, "items")) >= 1, "list %s: %ld",
              base, st);
    json_decref(list);

    /* Update: add a label, with the resourceVersion read. */
    json_t *upd = json_deep_copy(created);
    json_t *md = json_object_get(upd, "metadata");
    json_object_set_new(md, "labels", json_pack("{s:s}", "updated", "yes"));
    char *ub = json_dumps(upd, JSON_COMPACT);
    json_t *updated = req_json("PUT", item, "application/json", ub, &st);
    CHECK_MSG(st == 200 && strcmp(jstr(updated, "metadata", "resourceVersion") ?: rv, rv) != 0,
              "update %s: %ld %s", item, st, updated ? json_dumps(updated, 0) : "");
    /* The same body again carries a stale resourceVersion: Conflict, never an overwrite. */
    json_t *stale = req_json("PUT", item, "application/json", ub, &st);
    CHECK_MSG(st == 409 && strcmp(jstr(stale, "reason", NULL) ?: "", "Conflict") == 0,
              "stale update %s: %ld", item, st);
    json_decref(stale);
    free(ub);
    json_decref(upd);
    json_decref(updated);

    snprintf(body, sizeof(body), "{\"metadata\":{\"annotations\":{\"a\":\"1\"}}}");
    json_t *patched = req_json("PATCH", item, "application/merge-patch+json", body, &st);
    CHECK_MSG(st == 200 && jstr(json_object_get(patched, "metadata"), "annotations", "a"),
              "merge patch %s: %ld", item, st);
    json_decref(patched);
    snprintf(body, sizeof(body),
             "[{\"op\":\"add\",\"path\":\"/metadata/labels/j\",\"value\":\"p\"}]");
    patched = req_json("PATCH", item, "application/json-patch+json", body, &st);
    CHECK_MSG(st == 200 && jstr(json_object_get(patched, "metadata"), "labels", "j"),
              "json patch %s: %ld", item, st);
    json_decref(patched);

    /* The watch cache catches up and serves resourceVersion=0 reads. */
    char cached[400];
    snprintf(cached, sizeof(cached), "%s?resourceVersion=0", item);
    bool seen = false;
    for (int i = 0; i < 100 && !seen; i++) {
        json_t *c = req_json("GET", cached, NULL, NULL, &st);
        seen = st == 200 && jstr(json_object_get(c, "metadata"), "labels", "j");
        json_decref(c);
        if (!seen)
            usleep(20000);
    }
    CHECK_MSG(seen, "cache never served the patched %s", item);

    if (strcmp(s->name, "crud-ns") != 0) {
        st = req("DELETE", item, NULL, NULL, NULL);
        CHECK_MSG(st == 200, "delete %s: %ld", item, st);
        st = req("GET", item, NULL, NULL, NULL);
        CHECK_MSG(st == 404, "get after delete %s: %ld", item, st);
    }
    json_decref(created);
}

int main(void)
{
    th_etcd_t etcd;
    th_server_t srv;
    REQUIRE(th_etcd_start(&etcd) == 0);
    /* The API alone: no scheduler or controller writes to the objects under test. */
    static const char *const quiet[] = {"--disable-scheduler", "--disable-controller-manager",
                                        NULL};
    if (th_server_start(&srv, etcd.url, quiet) != 0) {
        th_server_stop(&srv);
        th_etcd_stop(&etcd);
        REQUIRE(!"server started");
    }
    base_url = srv.url;

    for (size_t i = 0; i < C8S_ARRAY_SIZE(samples); i++)
        crud_one(&samples[i]);

    long st;
    /* Built-in namespaces and the kubernetes service exist from the start. */
    CHECK_INT(req("GET", "/api/v1/namespaces/kube-system", NULL, NULL, NULL), 200);
    CHECK_INT(req("GET", "/api/v1/namespaces/kube-node-lease", NULL, NULL, NULL), 200);
    json_t *k = req_json("GET", "/api/v1/namespaces/default/services/kubernetes", NULL, NULL, &st);
    CHECK_STR(jstr(k, "spec", "clusterIP"), "10.96.0.1");
    json_decref(k);

    /* Status answers. */
    json_t *nf = req_json("GET", "/api/v1/namespaces/default/pods/nope", NULL, NULL, &st);
    CHECK_INT(st, 404);
    CHECK_STR(jstr(nf, "reason", NULL), "NotFound");
    CHECK_STR(jstr(nf, "message", NULL), "pods \"nope\" not found");
    CHECK_STR(jstr(nf, "kind", NULL), "Status");
    json_decref(nf);
    json_t *nfd =
        req_json("GET", "/apis/apps/v1/namespaces/default/deployments/nope", NULL, NULL, &st);
    CHECK_STR(jstr(nfd, "message", NULL), "deployments.apps \"nope\" not found");
    json_decref(nfd);
    json_t *inv = req_json("POST", "/api/v1/namespaces/default/pods", "application/json",
                           "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"containers\":[]}}", &st);
    CHECK_INT(st, 422);
    CHECK_STR(jstr(inv, "reason", NULL), "Invalid");
    CHECK(json_array_size(json_object_get(json_object_get(inv, "details"), "causes")) >= 1);
    json_decref(inv);
    json_t *bad = req_json("POST", "/api/v1/namespaces/default/pods", "application/json",
                           "{\"metadata\":", &st);
    CHECK_INT(st, 400);
    CHECK_STR(jstr(bad, "reason", NULL), "BadRequest");
    json_decref(bad);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps", "text/csv", "a,b", NULL), 415);
    CHECK_INT(req("PUT", "/api/v1/namespaces/default/configmaps", "application/json", "{}", NULL),
              405);
    CHECK_INT(req("GET", "/api/v1/nosuchthings", NULL, NULL, NULL), 404);
    /* A write into a missing namespace is refused. */
    json_t *mns = req_json("POST", "/api/v1/namespaces/missing/configmaps", "application/json",
                           "{\"metadata\":{\"name\":\"x\"}}", &st);
    CHECK_INT(st, 404);
    CHECK_STR(jstr(mns, "message", NULL), "namespaces \"missing\" not found");
    json_decref(mns);

    /* generateName, defaults, generation. */
    json_t *g = req_json("POST", "/api/v1/namespaces/default/pods", "application/json",
                         "{\"metadata\":{\"generateName\":\"web-\"},\"spec\":" POD_SPEC "}", &st);
    CHECK_INT(st, 201);
    const char *gname = jstr(g, "metadata", "name");
    CHECK(gname && strncmp(gname, "web-", 4) == 0 && strlen(gname) == 9);
    CHECK_STR(jstr(g, "spec", "restartPolicy"), "Always");
    CHECK_STR(jstr(g, "status", "phase"), "Pending");
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(g, "spec"), "terminationGracePeriodSeconds")),
              30);
    json_decref(g);

    /* Scale subresource and binding. */
    json_t *d =
        req_json("POST", "/apis/apps/v1/namespaces/default/deployments", "application/json",
                 "{\"metadata\":{\"name\":\"sc\"},\"spec\":{\"replicas\":2,\"selector\":" SELECTOR
                 ",\"template\":" TEMPLATE "}}",
                 &st);
    CHECK_INT(st, 201);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(d, "metadata"), "generation")), 1);
    json_decref(d);
    json_t *sc =
        req_json("GET", "/apis/apps/v1/namespaces/default/deployments/sc/scale", NULL, NULL, &st);
    CHECK_INT(st, 200);
    CHECK_STR(jstr(sc, "kind", NULL), "Scale");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(sc, "spec"), "replicas")), 2);
    json_decref(sc);
    sc = req_json("PATCH", "/apis/apps/v1/namespaces/default/deployments/sc/scale",
                  "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}", &st);
    CHECK_INT(st, 200);
    json_decref(sc);
    d = req_json("GET", "/apis/apps/v1/namespaces/default/deployments/sc", NULL, NULL, &st);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(d, "spec"), "replicas")), 5);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(d, "metadata"), "generation")), 2);
    json_decref(d);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", "application/json",
                  "{\"metadata\":{\"name\":\"bindme\"},\"spec\":" POD_SPEC "}", NULL),
              201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods/bindme/binding", "application/json",
                  "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"bindme\"},"
                  "\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":\"node-a\"}}",
                  NULL),
              201);
    json_t *bp = req_json("GET", "/api/v1/namespaces/default/pods/bindme", NULL, NULL, &st);
    CHECK_STR(jstr(bp, "spec", "nodeName"), "node-a");
    json_decref(bp);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods/bindme/binding", "application/json",
                  "{\"target\":{\"kind\":\"Node\",\"name\":\"node-b\"}}", NULL),
              409);
    /* A bound pod is deleted gracefully: it stays with a deletionTimestamp for its kubelet. */
    json_t *del = req_json("DELETE", "/api/v1/namespaces/default/pods/bindme", NULL, NULL, &st);
    CHECK_INT(st, 200);
    CHECK(jstr(del, "metadata", "deletionTimestamp") != NULL);
    json_decref(del);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/bindme?gracePeriodSeconds=0", NULL,
                  NULL, NULL),
              200);
    CHECK_INT(req("GET", "/api/v1/namespaces/default/pods/bindme", NULL, NULL, NULL), 404);

    /* The status subresource writes status only; the main resource keeps the stored status. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", "application/json",
                  "{\"metadata\":{\"name\":\"st\"},\"spec\":" POD_SPEC "}", NULL),
              201);
    json_t *sp = req_json("GET", "/api/v1/namespaces/default/pods/st", NULL, NULL, &st);
    json_object_set_new(json_object_get(sp, "status"), "phase", json_string("Running"));
    json_object_set_new(json_object_get(sp, "spec"), "activeDeadlineSeconds", json_integer(99));
    char *spb = json_dumps(sp, JSON_COMPACT);
    json_t *after =
        req_json("PUT", "/api/v1/namespaces/default/pods/st/status", "application/json", spb, &st);
    CHECK_INT(st, 200);
    CHECK_STR(jstr(after, "status", "phase"), "Running");
    CHECK(json_object_get(json_object_get(after, "spec"), "activeDeadlineSeconds") == NULL);
    json_decref(after);
    free(spb);
    json_decref(sp);
    json_t *pp =
        req_json("PATCH", "/api/v1/namespaces/default/pods/st", "application/merge-patch+json",
                 "{\"status\":{\"phase\":\"Failed\"}}", &st);
    CHECK_INT(st, 200);
    CHECK_STR(jstr(pp, "status", "phase"), "Running");
    json_decref(pp);
    /* Field selectors: unscheduled pods have spec.nodeName "". */
    json_t *unsched = req_json(
        "GET", "/api/v1/namespaces/default/pods?fieldSelector=spec.nodeName%3D", NULL, NULL, &st);
    CHECK_INT(st, 200);
    CHECK(json_array_size(json_object_get(unsched, "items")) >= 1);
    size_t ui;
    json_t *uit;
    bool all_unscheduled = true;
    json_array_foreach(json_object_get(unsched, "items"), ui, uit) all_unscheduled =
        all_unscheduled && jstr(uit, "spec", "nodeName") == NULL;
    CHECK(all_unscheduled);
    json_decref(unsched);
    json_t *running =
        req_json("GET", "/api/v1/pods?fieldSelector=status.phase%3DRunning", NULL, NULL, &st);
    CHECK_INT(json_array_size(json_object_get(running, "items")), 1);
    json_decref(running);

    /* Strategic merge patch: containers merge by name (one changed, one added), as kubectl's
     * apply and patch expect. */
    json_t *smp =
        req_json("PATCH", "/apis/apps/v1/namespaces/default/deployments/sc",
                 "application/strategic-merge-patch+json",
                 "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                 "\"busybox:1.36\"},{\"name\":\"side\",\"image\":\"busybox\"}]}}}}",
                 &st);
    CHECK_INT(st, 200);
    json_t *ctrs = json_object_get(
        json_object_get(json_object_get(json_object_get(smp, "spec"), "template"), "spec"),
        "containers");
    CHECK_INT(json_array_size(ctrs), 2);
    bool changed = false, added = false;
    size_t ci;
    json_t *ct;
    json_array_foreach(ctrs, ci, ct)
    {
        const char *cn = json_string_value(json_object_get(ct, "name"));
        const char *im = json_string_value(json_object_get(ct, "image"));
        changed = changed || (cn && im && !strcmp(cn, "c") && !strcmp(im, "busybox:1.36"));
        added = added || (cn && !strcmp(cn, "side"));
    }
    CHECK(changed && added);
    json_decref(smp);

    /* Metadata-only changes leave generation alone; an immutable field is refused. */
    json_t *g1 =
        req_json("PATCH", "/apis/apps/v1/namespaces/default/deployments/sc",
                 "application/merge-patch+json", "{\"metadata\":{\"labels\":{\"l\":\"1\"}}}", &st);
    /* 2 after the scale, 3 after the strategic patch of the template; the label leaves it. */
    CHECK_INT(json_integer_value(json_object_get(json_object_get(g1, "metadata"), "generation")),
              3);
    json_decref(g1);
    json_t *imm = req_json("PATCH", "/apis/apps/v1/namespaces/default/deployments/sc",
                           "application/merge-patch+json",
                           "{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"y\"}},\"template\":"
                           "{\"metadata\":{\"labels\":{\"app\":\"y\"}}}}}",
                           &st);
    CHECK_INT(st, 422);
    CHECK(strstr(jstr(imm, "message", NULL) ?: "", "field is immutable") != NULL);
    json_decref(imm);

    /* Finalizers hold an object until the last one is removed. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps", "application/json",
                  "{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/hold\"]}}", NULL),
              201);
    json_t *fd = req_json("DELETE", "/api/v1/namespaces/default/configmaps/fin", NULL, NULL, &st);
    CHECK_INT(st, 200);
    CHECK(jstr(fd, "metadata", "deletionTimestamp") != NULL);
    json_decref(fd);
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/fin", NULL, NULL, NULL), 200);
    CHECK_INT(req("PATCH", "/api/v1/namespaces/default/configmaps/fin",
                  "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}", NULL),
              200);
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/fin", NULL, NULL, NULL), 404);

    /* Services get addresses; NodePorts from the range; a taken address is refused. */
    json_t *np = req_json("POST", "/api/v1/namespaces/default/services", "application/json",
                          "{\"metadata\":{\"name\":\"np\"},\"spec\":{\"type\":\"NodePort\","
                          "\"ports\":[{\"port\":80}]}}",
                          &st);
    CHECK_INT(st, 201);
    json_int_t port = json_integer_value(json_object_get(
        json_array_get(json_object_get(json_object_get(np, "spec"), "ports"), 0), "nodePort"));
    CHECK(port >= 30000 && port <= 32767);
    CHECK(jstr(np, "spec", "clusterIP") && strncmp(jstr(np, "spec", "clusterIP"), "10.", 3) == 0);
    json_decref(np);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/services", "application/json",
                  "{\"metadata\":{\"name\":\"dupip\"},\"spec\":{\"clusterIP\":\"10.96.0.1\","
                  "\"ports\":[{\"port\":80}]}}",
                  NULL),
              422);

    /* Deletecollection by label. */
    for (int i = 0; i < 3; i++) {
        char b[256];
        snprintf(b, sizeof(b), "{\"metadata\":{\"name\":\"dc%d\",\"labels\":{\"grp\":\"dc\"}}}", i);
        CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps", "application/json", b, NULL),
                  201);
    }
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=grp%3Ddc", NULL,
                  NULL, NULL),
              200);
    json_t *left = req_json("GET", "/api/v1/namespaces/default/configmaps?labelSelector=grp%3Ddc",
                            NULL, NULL, &st);
    CHECK_INT(json_array_size(json_object_get(left, "items")), 0);
    json_decref(left);

    /* dryRun=All changes nothing. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", "application/json",
                  "{\"metadata\":{\"name\":\"dry\"}}", NULL),
              201);
    CHECK_INT(req("GET", "/api/v1/namespaces/default/configmaps/dry", NULL, NULL, NULL), 404);

    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
    TEST_END();
}
