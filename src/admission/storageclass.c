/*
 * storageclass.c — the DefaultStorageClass admission plugin: a claim that names no class gets
 * the cluster's default one.
 */
#include "internal.h"

#include <string.h>

#define DEFAULT_ANN "storageclass.kubernetes.io/is-default-class"

void admission_default_storageclass(json_t *pvc, const json_t *classes)
{
    json_t *spec = json_object_get(pvc, "spec");
    /* An explicit "" asks for no class at all; only an absent field is defaulted. */
    if (!json_is_object(spec) || json_object_get(spec, "storageClassName"))
        return;
    const json_t *best = NULL;
    size_t i;
    json_t *sc;
    json_array_foreach((json_t *)classes, i, sc)
    {
        json_t *md = json_object_get(sc, "metadata");
        const char *v = admission__str(json_object_get(md, "annotations"), DEFAULT_ANN);
        if (!v || strcmp(v, "true") != 0)
            continue;
        if (!best) {
            best = sc;
            continue;
        }
        /* Several defaults: the newest wins, by name when created in the same second. */
        json_t *bmd = json_object_get(best, "metadata");
        const char *t = admission__str(md, "creationTimestamp");
        const char *bt = admission__str(bmd, "creationTimestamp");
        int c = strcmp(t ? t : "", bt ? bt : "");
        if (c > 0 ||
            (c == 0 && strcmp(admission__str(md, "name") ? admission__str(md, "name") : "",
                              admission__str(bmd, "name") ? admission__str(bmd, "name") : "") < 0))
            best = sc;
    }
    if (best)
        json_object_set_new(spec, "storageClassName",
                            json_string(admission__str(json_object_get(best, "metadata"), "name")));
}
