/* test_ctrl_nodelife_core.c — taint-based eviction timing: untolerated NoExecute taints evict at
 * once, tolerationSeconds count from the taint's timeAdded (the shortest wins), tolerations
 * without seconds keep the pod, NoSchedule taints never evict, matching by key/operator/effect. */
#include "../../src/controllers/internal.h"
#include "test.h"

static json_t *pod(const char *tolerations)
{
    json_t *p = json_pack("{s:{}}", "spec");
    if (tolerations)
        json_object_set_new(json_object_get(p, "spec"), "tolerations",
                            json_loads(tolerations, 0, NULL));
    return p;
}

static int64_t at(const char *tolerations, const char *taints)
{
    json_t *p = pod(tolerations), *t = json_loads(taints, 0, NULL);
    int64_t r = controllers__evict_at(p, t);
    json_decref(p);
    json_decref(t);
    return r;
}

#define UNREACH                                                                                    \
    "{\"key\":\"node.kubernetes.io/unreachable\",\"effect\":\"NoExecute\","                        \
    "\"timeAdded\":\"2026-11-23T00:00:00Z\"}"
#define T0 1795392000 /* 2026-11-23T00:00:00Z */

int main(void)
{
    CHECK(at(NULL, "[]") == -1);
    CHECK(at(NULL, "[" UNREACH "]") == 0);
    CHECK(at(NULL, "[{\"key\":\"x\",\"effect\":\"NoSchedule\"}]") == -1);
    /* Tolerated for 300 s from timeAdded. */
    CHECK(at("[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
             "\"effect\":\"NoExecute\",\"tolerationSeconds\":300}]",
             "[" UNREACH "]") == T0 + 300);
    /* For ever. */
    CHECK(at("[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\"}]",
             "[" UNREACH "]") == -1);
    CHECK(at("[{\"operator\":\"Exists\"}]", "[" UNREACH "]") == -1);
    /* The shortest of two matching. */
    CHECK(at("[{\"operator\":\"Exists\",\"tolerationSeconds\":60},"
             "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
             "\"tolerationSeconds\":5}]",
             "[" UNREACH "]") == T0 + 5);
    /* Wrong effect, key or value: not tolerated. */
    CHECK(at("[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
             "\"effect\":\"NoSchedule\"}]",
             "[" UNREACH "]") == 0);
    CHECK(at("[{\"key\":\"other\",\"operator\":\"Exists\"}]", "[" UNREACH "]") == 0);
    CHECK(at("[{\"key\":\"k\",\"value\":\"a\"}]",
             "[{\"key\":\"k\",\"value\":\"b\",\"effect\":\"NoExecute\"}]") == 0);
    CHECK(at("[{\"key\":\"k\",\"operator\":\"Equal\",\"value\":\"b\"}]",
             "[{\"key\":\"k\",\"value\":\"b\",\"effect\":\"NoExecute\"}]") == -1);
    /* Two taints: one untolerated evicts at once. */
    CHECK(at("[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\"}]",
             "[" UNREACH ",{\"key\":\"x\",\"effect\":\"NoExecute\"}]") == 0);
    /* Zero seconds: at the taint's time (not "never"). */
    CHECK(at("[{\"operator\":\"Exists\",\"tolerationSeconds\":0}]", "[" UNREACH "]") == T0);
    TEST_END();
}
