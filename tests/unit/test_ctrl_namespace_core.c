/*
 * test_ctrl_namespace_core.c — a terminating namespace's conditions as upstream's deleter writes
 * them: all five False with their ok reasons when nothing is left; resources and finalizers
 * remaining listed sorted with their counts; failed deletions; transition times kept while a
 * status holds.
 */
#include "../../src/controllers/internal.h"
#include "json_lit.h"
#include "test.h"

#include <string.h>

static const json_t *cond(const json_t *conds, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(conds, i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
            return c;
    }
    return NULL;
}

static const char *field(const json_t *conds, const char *type, const char *key)
{
    return json_string_value(json_object_get(cond(conds, type), key));
}

int main(void)
{
    json_t *none = json_object();
    json_t *clean = controllers__ns_conditions(NULL, none, none, NULL, "2026-01-01T00:00:00Z");
    CHECK_INT((int)json_array_size(clean), 5);
    CHECK_STR(field(clean, "NamespaceDeletionDiscoveryFailure", "reason"), "ResourcesDiscovered");
    CHECK_STR(field(clean, "NamespaceDeletionGroupVersionParsingFailure", "message"),
              "All legacy kube types successfully parsed");
    CHECK_STR(field(clean, "NamespaceDeletionContentFailure", "message"),
              "All content successfully deleted, may be waiting on finalization");
    CHECK_STR(field(clean, "NamespaceContentRemaining", "status"), "False");
    CHECK_STR(field(clean, "NamespaceContentRemaining", "reason"), "ContentRemoved");
    CHECK_STR(field(clean, "NamespaceFinalizersRemaining", "message"),
              "All content-preserving finalizers finished");

    json_t *left = J("{'pods.':2,'configmaps.':1,'deployments.apps':1}");
    json_t *fins = J("{'example.com/z':1,'example.com/a':3}");
    json_t *busy = controllers__ns_conditions(clean, left, fins,
                                              "Failed to delete all resource "
                                              "types, 1 remaining: pods.: HTTP 500",
                                              "2026-01-01T00:01:00Z");
    CHECK_STR(field(busy, "NamespaceContentRemaining", "status"), "True");
    CHECK_STR(field(busy, "NamespaceContentRemaining", "reason"), "SomeResourcesRemain");
    CHECK_STR(field(busy, "NamespaceContentRemaining", "message"),
              "Some resources are remaining: configmaps. has 1 resource instances, "
              "deployments.apps has 1 resource instances, pods. has 2 resource instances");
    CHECK_STR(field(busy, "NamespaceFinalizersRemaining", "reason"), "SomeFinalizersRemain");
    CHECK_STR(field(busy, "NamespaceFinalizersRemaining", "message"),
              "Some content in the namespace has finalizers remaining: example.com/a in 3 "
              "resource instances, example.com/z in 1 resource instances");
    CHECK_STR(field(busy, "NamespaceDeletionContentFailure", "reason"), "ContentDeletionFailed");
    /* Changed statuses take the new time; unchanged ones keep theirs. */
    CHECK_STR(field(busy, "NamespaceContentRemaining", "lastTransitionTime"),
              "2026-01-01T00:01:00Z");
    CHECK_STR(field(busy, "NamespaceDeletionDiscoveryFailure", "lastTransitionTime"),
              "2026-01-01T00:00:00Z");

    json_t *done = controllers__ns_conditions(busy, none, none, NULL, "2026-01-01T00:02:00Z");
    CHECK_STR(field(done, "NamespaceFinalizersRemaining", "status"), "False");
    CHECK_STR(field(done, "NamespaceFinalizersRemaining", "lastTransitionTime"),
              "2026-01-01T00:02:00Z");
    CHECK_STR(field(done, "NamespaceDeletionDiscoveryFailure", "lastTransitionTime"),
              "2026-01-01T00:00:00Z");
    json_decref(done);
    json_decref(busy);
    json_decref(left);
    json_decref(fins);
    json_decref(clean);
    json_decref(none);
    TEST_END();
}
