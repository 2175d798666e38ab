/* test_admission_sa.c — ServiceAccount admission's pure part: the default name, the projected
 * kube-api-access volume and its mounts, automount switches, pull secrets. */
#include "c8s/admission.h"
#include "test.h"

#include <string.h>

static json_t *pod(const char *spec)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"metadata\":{\"name\":\"p\"},\"spec\":%s}", spec);
    return json_loads(buf, 0, NULL);
}

static const json_t *mount_of(const json_t *c)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(c, "volumeMounts"), i, m)
    {
        const char *p = json_string_value(json_object_get(m, "mountPath"));
        if (p && strcmp(p, ADMISSION_SA_MOUNT_PATH) == 0)
            return m;
    }
    return NULL;
}

int main(void)
{
    c8s_err_t err = C8S_ERR_INIT;
    json_t *sa = json_loads("{\"metadata\":{\"name\":\"default\"},"
                            "\"imagePullSecrets\":[{\"name\":\"reg\"}]}",
                            0, NULL);
    /* Defaults, volume, mounts in containers and init containers. */
    json_t *p = pod("{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"volumeMounts\":[]}],"
                    "\"initContainers\":[{\"name\":\"i\"}]}");
    CHECK_STR(admission_sa_default_name(p), "default");
    json_t *spec = json_object_get(p, "spec");
    CHECK_STR(json_string_value(json_object_get(spec, "serviceAccount")), "default");
    CHECK_INT(admission_sa_mount(p, sa, "kube-api-access-abcde", &err), 0);
    json_t *vol = json_array_get(json_object_get(spec, "volumes"), 0);
    CHECK_STR(json_string_value(json_object_get(vol, "name")), "kube-api-access-abcde");
    json_t *src = json_object_get(json_object_get(vol, "projected"), "sources");
    CHECK_INT(json_array_size(src), 3);
    json_t *tok = json_object_get(json_array_get(src, 0), "serviceAccountToken");
    CHECK_INT(json_integer_value(json_object_get(tok, "expirationSeconds")), 3607);
    CHECK_STR(json_string_value(json_object_get(tok, "path")), "token");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(src, 1), "configMap"), "name")),
              "kube-root-ca.crt");
    CHECK(json_object_get(json_array_get(src, 2), "downwardAPI") != NULL);
    for (int i = 0; i < 2; i++) {
        const json_t *m = mount_of(json_array_get(json_object_get(spec, "containers"), (size_t)i));
        CHECK(m && json_is_true(json_object_get(m, "readOnly")));
    }
    CHECK(mount_of(json_array_get(json_object_get(spec, "initContainers"), 0)) != NULL);
    CHECK_STR(json_string_value(json_object_get(
                  json_array_get(json_object_get(spec, "imagePullSecrets"), 0), "name")),
              "reg");
    /* Twice: nothing doubles. */
    CHECK_INT(admission_sa_mount(p, sa, "kube-api-access-zzzzz", &err), 0);
    CHECK_INT(json_array_size(json_object_get(spec, "volumes")), 1);
    CHECK_INT(json_array_size(json_object_get(
                  json_array_get(json_object_get(spec, "containers"), 0), "volumeMounts")),
              1);
    json_decref(p);

    /* A named account and a container with its own mount there. */
    p = pod("{\"serviceAccountName\":\"robot\",\"containers\":[{\"name\":\"a\","
            "\"volumeMounts\":[{\"name\":\"mine\",\"mountPath\":\"" ADMISSION_SA_MOUNT_PATH
            "\"}]}]}");
    CHECK_STR(admission_sa_default_name(p), "robot");
    CHECK_INT(admission_sa_mount(p, sa, "kube-api-access-abcde", &err), 0);
    spec = json_object_get(p, "spec");
    CHECK_INT(json_array_size(json_object_get(
                  json_array_get(json_object_get(spec, "containers"), 0), "volumeMounts")),
              1);
    json_decref(p);

    /* automountServiceAccountToken false on the pod, or on the account (the pod's wins). */
    p = pod("{\"automountServiceAccountToken\":false,\"containers\":[{\"name\":\"a\"}]}");
    admission_sa_default_name(p);
    CHECK_INT(admission_sa_mount(p, sa, "kube-api-access-abcde", &err), 0);
    CHECK(json_object_get(json_object_get(p, "spec"), "volumes") == NULL);
    json_decref(p);
    json_t *off = json_loads("{\"automountServiceAccountToken\":false}", 0, NULL);
    p = pod("{\"containers\":[{\"name\":\"a\"}]}");
    CHECK_INT(admission_sa_mount(p, off, "kube-api-access-abcde", &err), 0);
    CHECK(json_object_get(json_object_get(p, "spec"), "volumes") == NULL);
    json_decref(p);
    p = pod("{\"automountServiceAccountToken\":true,\"containers\":[{\"name\":\"a\"}]}");
    CHECK_INT(admission_sa_mount(p, off, "kube-api-access-abcde", &err), 0);
    CHECK_INT(json_array_size(json_object_get(json_object_get(p, "spec"), "volumes")), 1);
    json_decref(p);
    json_decref(off);

    /* Mirror pods are recognised. */
    p = json_loads("{\"metadata\":{\"annotations\":{\"kubernetes.io/config.mirror\":\"x\"}}}", 0,
                   NULL);
    CHECK(admission_sa_is_mirror(p));
    json_decref(p);
    json_decref(sa);
    c8s_err_clear(&err);
    TEST_END();
}
