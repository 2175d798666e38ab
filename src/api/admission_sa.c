/*
 * admission_sa.c — the pure part of ServiceAccount admission (see admission.h): the default
 * account name and the kube-api-access projected volume that gives every container a token, the
 * cluster CA and its namespace at /var/run/secrets/kubernetes.io/serviceaccount.
 */
#include "c8s/admission.h"

#include <string.h>

bool admission_sa_is_mirror(const json_t *pod)
{
    json_t *ann = json_object_get(json_object_get(pod, "metadata"), "annotations");
    return json_object_get(ann, "kubernetes.io/config.mirror") != NULL;
}

const char *admission_sa_default_name(json_t *pod)
{
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec))
        return NULL;
    const char *name = json_string_value(json_object_get(spec, "serviceAccountName"));
    if (!name || !*name) {
        /* The deprecated spec.serviceAccount still names it when it is the only one given. */
        const char *old = json_string_value(json_object_get(spec, "serviceAccount"));
        json_object_set_new(spec, "serviceAccountName", json_string(old && *old ? old : "default"));
        name = json_string_value(json_object_get(spec, "serviceAccountName"));
    }
    json_object_set_new(spec, "serviceAccount", json_string(name));
    return name;
}

static json_t *projected_volume(const char *name)
{
    return json_pack("{s:s, s:{s:i, s:[{s:{s:i, s:s}}, {s:{s:s, s:[{s:s, s:s}]}},"
                     " {s:{s:[{s:{s:s, s:s}, s:s}]}}]}}",
                     "name", name, "projected", "defaultMode", 0644, "sources",
                     "serviceAccountToken", "expirationSeconds", 3607, "path", "token", "configMap",
                     "name", "kube-root-ca.crt", "items", "key", "ca.crt", "path", "ca.crt",
                     "downwardAPI", "items", "fieldRef", "apiVersion", "v1", "fieldPath",
                     "metadata.namespace", "path", "namespace");
}

static int mount_in(json_t *containers, const char *vol, c8s_err_t *err)
{
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c)
    {
        if (!json_is_object(c))
            continue;
        json_t *mounts = json_object_get(c, "volumeMounts");
        if (!mounts || json_is_null(mounts)) {
            mounts = json_array();
            json_object_set_new(c, "volumeMounts", mounts);
        }
        if (!json_is_array(mounts))
            return c8s_err_set(err, C8S_EINVALID, "volumeMounts must be a list");
        bool taken = false;
        size_t j;
        json_t *m;
        json_array_foreach(mounts, j, m)
        {
            const char *p = json_string_value(json_object_get(m, "mountPath"));
            if (p && strcmp(p, ADMISSION_SA_MOUNT_PATH) == 0)
                taken = true;
        }
        if (!taken)
            json_array_append_new(mounts, json_pack("{s:s, s:b, s:s}", "name", vol, "readOnly", 1,
                                                    "mountPath", ADMISSION_SA_MOUNT_PATH));
    }
    return 0;
}

int admission_sa_mount(json_t *pod, const json_t *sa, const char *volume_name, c8s_err_t *err)
{
    json_t *spec = json_object_get(pod, "spec");
    if (!json_is_object(spec))
        return 0; /* validation says what is wrong */
    json_t *sa_pull = json_object_get(sa, "imagePullSecrets");
    json_t *pull = json_object_get(spec, "imagePullSecrets");
    if (json_array_size(pull) == 0 && json_array_size(sa_pull) > 0)
        json_object_set_new(spec, "imagePullSecrets", json_deep_copy(sa_pull));
    json_t *automount = json_object_get(spec, "automountServiceAccountToken");
    if (!json_is_boolean(automount))
        automount = json_object_get(sa, "automountServiceAccountToken");
    if (json_is_false(automount))
        return 0;
    json_t *vols = json_object_get(spec, "volumes");
    if (!vols || json_is_null(vols)) {
        vols = json_array();
        json_object_set_new(spec, "volumes", vols);
    }
    if (!json_is_array(vols))
        return c8s_err_set(err, C8S_EINVALID, "spec.volumes must be a list");
    const char *name = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && strncmp(n, ADMISSION_SA_VOLUME_PREFIX, strlen(ADMISSION_SA_VOLUME_PREFIX)) == 0 &&
            json_object_get(v, "projected"))
            name = n;
    }
    if (!name) {
        json_array_append_new(vols, projected_volume(volume_name));
        name = volume_name;
    }
    if (mount_in(json_object_get(spec, "initContainers"), name, err) != 0 ||
        mount_in(json_object_get(spec, "containers"), name, err) != 0)
        return err->code;
    return 0;
}
