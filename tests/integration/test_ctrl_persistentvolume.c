/*
 * test_ctrl_persistentvolume.c — claims meet volumes, on a real etcd with the API server and the
 * controller manager in-process and the fake kubelet placing pods: a claim binds the smallest
 * volume that fits (class, modes, size), both sides Bound with claimRef, volumeName and the bind
 * annotations; the default local-path StorageClass exists and a claim without a class gets it;
 * such a claim waits for its first pod and is then provisioned as a hostPath volume on that
 * pod's node; deleting the claims deletes the provisioned volume (reclaim Delete) and releases
 * the static one (Retain).
 */
#include "ctrl_env.h"

#define NS_PATH "/api/v1/namespaces/default"

static const char *field(const json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

typedef struct {
    const char *path, *a, *b, *want; /* want NULL: the object is gone */
} wait_t;

static bool has_value(env_t *e, void *data)
{
    wait_t *w = data;
    json_t *o = NULL;
    int st = env_call(e, "GET", w->path, NULL, NULL, &o);
    bool ok = w->want
                  ? st == 200 && field(o, w->a, w->b) && strcmp(field(o, w->a, w->b), w->want) == 0
                  : st == 404;
    json_decref(o);
    return ok;
}

static bool wait_value(env_t *e, const char *path, const char *a, const char *b, const char *want)
{
    wait_t w = {path, a, b, want};
    return env_wait(e, has_value, &w, 15000);
}

static void test_static_binding(env_t *e)
{
    CHECK_INT(env_call(e, "POST", "/api/v1/persistentvolumes", "application/json",
                       "{\"metadata\":{\"name\":\"pv-big\"},\"spec\":{\"capacity\":{\"storage\":"
                       "\"5Gi\"},\"accessModes\":[\"ReadWriteOnce\"],\"storageClassName\":"
                       "\"manual\",\"persistentVolumeReclaimPolicy\":\"Retain\",\"hostPath\":{"
                       "\"path\":\"/tmp/pv-big\"}}}",
                       NULL),
              201);
    CHECK_INT(env_call(e, "POST", "/api/v1/persistentvolumes", "application/json",
                       "{\"metadata\":{\"name\":\"pv-small\"},\"spec\":{\"capacity\":{\"storage\":"
                       "\"1Gi\"},\"accessModes\":[\"ReadWriteOnce\",\"ReadOnlyMany\"],"
                       "\"storageClassName\":\"manual\",\"persistentVolumeReclaimPolicy\":"
                       "\"Retain\",\"hostPath\":{\"path\":\"/tmp/pv-small\"}}}",
                       NULL),
              201);
    CHECK_INT(env_call(e, "POST", "/api/v1/persistentvolumes", "application/json",
                       "{\"metadata\":{\"name\":\"pv-rox\"},\"spec\":{\"capacity\":{\"storage\":"
                       "\"512Mi\"},\"accessModes\":[\"ReadOnlyMany\"],\"storageClassName\":"
                       "\"manual\",\"hostPath\":{\"path\":\"/tmp/pv-rox\"}}}",
                       NULL),
              201);
    CHECK(wait_value(e, "/api/v1/persistentvolumes/pv-small", "status", "phase", "Available"));
    CHECK_INT(env_call(e, "POST", NS_PATH "/persistentvolumeclaims", "application/json",
                       "{\"metadata\":{\"name\":\"static\"},\"spec\":{\"accessModes\":["
                       "\"ReadWriteOnce\"],\"storageClassName\":\"manual\",\"resources\":{"
                       "\"requests\":{\"storage\":\"1Gi\"}}}}",
                       NULL),
              201);
    CHECK(wait_value(e, NS_PATH "/persistentvolumeclaims/static", "status", "phase", "Bound"));
    json_t *pvc = NULL, *pv = NULL;
    env_call(e, "GET", NS_PATH "/persistentvolumeclaims/static", NULL, NULL, &pvc);
    CHECK_STR(field(pvc, "spec", "volumeName"), "pv-small"); /* the smallest that fits */
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_object_get(pvc, "metadata"), "annotations"),
                                  "pv.kubernetes.io/bind-completed")),
              "yes");
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(pvc, "status"), "capacity"), "storage")),
              "1Gi");
    CHECK(wait_value(e, "/api/v1/persistentvolumes/pv-small", "status", "phase", "Bound"));
    env_call(e, "GET", "/api/v1/persistentvolumes/pv-small", NULL, NULL, &pv);
    const json_t *ref = json_object_get(json_object_get(pv, "spec"), "claimRef");
    CHECK_STR(json_string_value(json_object_get(ref, "name")), "static");
    CHECK_STR(json_string_value(json_object_get(ref, "uid")), field(pvc, "metadata", "uid"));
    json_decref(pvc);
    json_decref(pv);
    /* Nothing fits 10Gi: the claim stays Pending. */
    CHECK_INT(env_call(e, "POST", NS_PATH "/persistentvolumeclaims", "application/json",
                       "{\"metadata\":{\"name\":\"huge\"},\"spec\":{\"accessModes\":["
                       "\"ReadWriteOnce\"],\"storageClassName\":\"manual\",\"resources\":{"
                       "\"requests\":{\"storage\":\"10Gi\"}}}}",
                       NULL),
              201);
    CHECK(wait_value(e, NS_PATH "/persistentvolumeclaims/huge", "status", "phase", "Pending"));
}

static void test_local_path(env_t *e, const char *dir)
{
    CHECK(wait_value(e, "/apis/storage.k8s.io/v1/storageclasses/local-path", "metadata", "name",
                     "local-path"));
    env_run(e, 300); /* DefaultStorageClass admission reads the class from the cache */
    CHECK_INT(env_call(e, "POST", NS_PATH "/persistentvolumeclaims", "application/json",
                       "{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":["
                       "\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}",
                       NULL),
              201);
    json_t *pvc = NULL;
    env_call(e, "GET", NS_PATH "/persistentvolumeclaims/data", NULL, NULL, &pvc);
    CHECK_STR(field(pvc, "spec", "storageClassName"), "local-path");
    json_decref(pvc);
    /* WaitForFirstConsumer: no pod, no volume. */
    env_run(e, 1000);
    CHECK(wait_value(e, NS_PATH "/persistentvolumeclaims/data", "status", "phase", "Pending"));
    CHECK_INT(env_call(e, "POST", NS_PATH "/pods", "application/json",
                       "{\"metadata\":{\"name\":\"user\"},\"spec\":{\"containers\":[{\"name\":"
                       "\"c\",\"image\":\"busybox\",\"volumeMounts\":[{\"name\":\"d\","
                       "\"mountPath\":\"/data\"}]}],\"volumes\":[{\"name\":\"d\","
                       "\"persistentVolumeClaim\":{\"claimName\":\"data\"}}]}}",
                       NULL),
              201);
    CHECK(wait_value(e, NS_PATH "/persistentvolumeclaims/data", "status", "phase", "Bound"));
    pvc = NULL;
    env_call(e, "GET", NS_PATH "/persistentvolumeclaims/data", NULL, NULL, &pvc);
    const char *vol = field(pvc, "spec", "volumeName");
    char want[128], path[256], want_path[512];
    snprintf(want, sizeof(want), "pvc-%s", field(pvc, "metadata", "uid"));
    CHECK_STR(vol, want);
    snprintf(path, sizeof(path), "/api/v1/persistentvolumes/%s", want);
    snprintf(want_path, sizeof(want_path), "%s/%s_default_data", dir, want);
    json_t *pv = NULL;
    CHECK_INT(env_call(e, "GET", path, NULL, NULL, &pv), 200);
    const json_t *spec = json_object_get(pv, "spec");
    CHECK_STR(field(spec, "hostPath", "path"), want_path);
    CHECK_STR(json_string_value(json_object_get(spec, "persistentVolumeReclaimPolicy")), "Delete");
    CHECK_STR(field(spec, "capacity", "storage"), "2Gi");
    const json_t *term = json_array_get(
        json_object_get(json_object_get(json_object_get(spec, "nodeAffinity"), "required"),
                        "nodeSelectorTerms"),
        0);
    CHECK_STR(
        json_string_value(json_array_get(
            json_object_get(json_array_get(json_object_get(term, "matchExpressions"), 0), "values"),
            0)),
        "fake-node");
    json_decref(pv);
    json_decref(pvc);

    /* Claims deleted: the provisioned volume goes (Delete), the static one is Released. */
    CHECK_INT(env_call(e, "DELETE", NS_PATH "/pods/user?gracePeriodSeconds=0", NULL, NULL, NULL),
              200);
    CHECK_INT(env_call(e, "DELETE", NS_PATH "/persistentvolumeclaims/data", NULL, NULL, NULL), 200);
    CHECK_INT(env_call(e, "DELETE", NS_PATH "/persistentvolumeclaims/static", NULL, NULL, NULL),
              200);
    CHECK(wait_value(e, path, "metadata", "name", NULL));
    CHECK(wait_value(e, "/api/v1/persistentvolumes/pv-small", "status", "phase", "Released"));
}

int main(void)
{
    env_t e;
    char dir[] = "/tmp/c8s-test-pv-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    controllers_config_t cc = {.local_storage_dir = dir, .local_path_class = true};
    if (env_start_cfg(&e, NULL, &cc) != 0) {
        th_rmtree(dir);
        return 1;
    }
    test_static_binding(&e);
    test_local_path(&e, dir);
    env_stop(&e);
    th_rmtree(dir);
    TEST_END();
}
