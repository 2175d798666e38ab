/* test_pv_core.c — which volume a claim binds to, and the local-path provisioner's volume: the
 * smallest fitting Available volume, one pre-bound to the claim first, class / access modes /
 * volume mode / size / selector each excluding, claimed volumes skipped; the provisioned hostPath
 * volume's name, path, size, reclaim policy, node affinity and claimRef. */
#include "../../src/controllers/internal.h"
#include "json_lit.h"
#include "test.h"

#define CLAIM                                                                                      \
    "{'metadata':{'namespace':'d','name':'c','uid':'u1'},'spec':{'accessModes':['ReadWriteOnce']," \
    "'storageClassName':'manual','resources':{'requests':{'storage':'1Gi'}}}}"

static const char *name_of(const json_t *pv)
{
    return json_string_value(json_object_get(json_object_get(pv, "metadata"), "name"));
}

static void test_choose(void)
{
    cleanup_json json_t *pvc = J(CLAIM);
    cleanup_json json_t *pvs =
        J("[{'metadata':{'name':'big'},'spec':{'capacity':{'storage':'10Gi'},'accessModes':["
          "'ReadWriteOnce'],'storageClassName':'manual'},'status':{'phase':'Available'}},"
          "{'metadata':{'name':'fits'},'spec':{'capacity':{'storage':'2Gi'},'accessModes':["
          "'ReadWriteOnce','ReadOnlyMany'],'storageClassName':'manual'},'status':{'phase':"
          "'Available'}},"
          "{'metadata':{'name':'small'},'spec':{'capacity':{'storage':'512Mi'},'accessModes':["
          "'ReadWriteOnce'],'storageClassName':'manual'}},"
          "{'metadata':{'name':'rox'},'spec':{'capacity':{'storage':'1Gi'},'accessModes':["
          "'ReadOnlyMany'],'storageClassName':'manual'}},"
          "{'metadata':{'name':'other-class'},'spec':{'capacity':{'storage':'1Gi'},'accessModes':["
          "'ReadWriteOnce'],'storageClassName':'fast'}},"
          "{'metadata':{'name':'block'},'spec':{'capacity':{'storage':'1Gi'},'volumeMode':'Block',"
          "'accessModes':['ReadWriteOnce'],'storageClassName':'manual'}},"
          "{'metadata':{'name':'taken'},'spec':{'capacity':{'storage':'1Gi'},'accessModes':["
          "'ReadWriteOnce'],'storageClassName':'manual','claimRef':{'namespace':'d','name':"
          "'other'}},'status':{'phase':'Bound'}}]");
    CHECK_STR(name_of(controllers__pv_choose(pvs, pvc)), "fits");
    /* Pre-bound to this claim wins, whatever its size. */
    json_object_set_new(json_object_get(json_array_get(pvs, 0), "spec"), "claimRef",
                        json_pack("{s:s, s:s}", "namespace", "d", "name", "c"));
    CHECK_STR(name_of(controllers__pv_choose(pvs, pvc)), "big");
    CHECK(controllers__pv_bound_to(json_array_get(pvs, 0), pvc));
    /* A claimRef with another uid is another claim of the same name. */
    json_object_set_new(
        json_object_get(json_object_get(json_array_get(pvs, 0), "spec"), "claimRef"), "uid",
        json_string("u0"));
    CHECK(!controllers__pv_bound_to(json_array_get(pvs, 0), pvc));
    CHECK_STR(name_of(controllers__pv_choose(pvs, pvc)), "fits");
    /* A selector narrows. */
    cleanup_json json_t *sel = J(CLAIM);
    json_object_set_new(json_object_get(sel, "spec"), "selector",
                        J("{'matchLabels':{'disk':'ssd'}}"));
    CHECK(controllers__pv_choose(pvs, sel) == NULL);
    json_object_set_new(json_object_get(json_array_get(pvs, 1), "metadata"), "labels",
                        J("{'disk':'ssd'}"));
    CHECK_STR(name_of(controllers__pv_choose(pvs, sel)), "fits");
    cleanup_json json_t *none = J("[]");
    CHECK(controllers__pv_choose(none, pvc) == NULL);
}

static void test_provision(void)
{
    cleanup_json json_t *pvc = J(CLAIM);
    cleanup_json json_t *sc = J("{'metadata':{'name':'manual'},'provisioner':'c8s.io/local-path',"
                                "'reclaimPolicy':'Retain'}");
    cleanup_json json_t *pv = controllers__pv_provision(pvc, sc, "n1", "/var/lib/c8s/storage");
    CHECK(pv != NULL);
    CHECK_STR(name_of(pv), "pvc-u1");
    const json_t *spec = json_object_get(pv, "spec");
    CHECK_STR(json_string_value(json_object_get(json_object_get(spec, "hostPath"), "path")),
              "/var/lib/c8s/storage/pvc-u1_d_c");
    CHECK_STR(json_string_value(json_object_get(json_object_get(spec, "capacity"), "storage")),
              "1Gi");
    CHECK_STR(json_string_value(json_object_get(spec, "persistentVolumeReclaimPolicy")), "Retain");
    CHECK_STR(json_string_value(json_object_get(spec, "storageClassName")), "manual");
    CHECK(controllers__pv_bound_to(pv, pvc));
    CHECK(controllers__pv_fits(pv, pvc));
    cleanup_json json_t *bad = J("{'metadata':{'name':'c'},'spec':{}}");
    CHECK(controllers__pv_provision(bad, sc, "n1", "/x") == NULL);
}

int main(void)
{
    test_choose();
    test_provision();
    TEST_END();
}
