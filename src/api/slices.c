/* slices.c — EndpointSlices grouped by the Service they belong to (their
 * kubernetes.io/service-name label), as the proxy and the cluster DNS both read them. */
#include "c8s/kinds.h"

#include <stdio.h>

json_t *api_slices_by_service(const json_t *slices)
{
    json_t *idx = json_object();
    size_t i;
    json_t *s;
    json_array_foreach(slices, i, s)
    {
        json_t *md = json_object_get(s, "metadata");
        const char *owner = json_string_value(
            json_object_get(json_object_get(md, "labels"), "kubernetes.io/service-name"));
        const char *ns = json_string_value(json_object_get(md, "namespace"));
        if (!owner || !ns)
            continue;
        char key[512];
        snprintf(key, sizeof(key), "%s/%s", ns, owner);
        json_t *list = json_object_get(idx, key);
        if (!list) {
            list = json_array();
            json_object_set_new(idx, key, list);
        }
        json_array_append(list, s);
    }
    return idx;
}
