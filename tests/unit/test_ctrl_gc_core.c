/*
 * test_ctrl_gc_core.c — the garbage collector's decisions, table-driven: a live owner keeps a
 * dependent (and references to gone or going owners are dropped); no live owner deletes it, in
 * the foreground when an owner waits and it has dependents of its own, else with the policy its
 * own finalizers ask for; the finalizer and reference edits.
 */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* A dependent owned by a, b and c (uids "a", "b", "c"), with the given finalizers (JSON). */
static json_t *dependent(const char *finalizers)
{
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "{\"metadata\":{\"name\":\"d\",\"uid\":\"d\",\"finalizers\":%s,\"ownerReferences\":["
             "{\"kind\":\"ConfigMap\",\"name\":\"a\",\"uid\":\"a\"},"
             "{\"kind\":\"ConfigMap\",\"name\":\"b\",\"uid\":\"b\"},"
             "{\"kind\":\"ConfigMap\",\"name\":\"c\",\"uid\":\"c\"}]}}",
             finalizers);
    return json_loads(buf, 0, NULL);
}

static json_t *uids(const char *s)
{
    json_t *a = json_array();
    for (; s && *s; s++)
        json_array_append_new(a, json_stringn(s, 1));
    return a;
}

/* The uids of a refs array, concatenated ("" for null). */
static void ref_uids(const json_t *refs, char *buf, size_t len)
{
    buf[0] = 0;
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r)
    {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, "%s", json_string_value(json_object_get(r, "uid")));
    }
}

static const struct {
    const char *finalizers, *solid, *dangling, *waiting;
    bool has_deps;
    gc_action_t want;
    const char *want_detail; /* refs kept (uids) or policy */
} cases[] = {
    {"[]", "abc", "", "", false, GC_KEEP, NULL},
    {"[]", "ab", "c", "", false, GC_PATCH_REFS, "ab"},
    {"[]", "a", "b", "c", true, GC_PATCH_REFS, "a"},
    {"[]", "", "abc", "", false, GC_DELETE, "Background"},
    {"[]", "", "ab", "c", false, GC_DELETE, "Background"},
    {"[]", "", "ab", "c", true, GC_DELETE, "Foreground"},
    {"[]", "", "abc", "", true, GC_DELETE, "Background"},
    {"[\"orphan\"]", "", "abc", "", true, GC_DELETE, "Orphan"},
    {"[\"foregroundDeletion\"]", "", "abc", "", false, GC_DELETE, "Foreground"},
    {"[\"x/y\",\"orphan\"]", "", "", "abc", false, GC_DELETE, "Orphan"},
};

int main(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        json_t *obj = dependent(cases[i].finalizers);
        json_t *s = uids(cases[i].solid), *d = uids(cases[i].dangling), *w = uids(cases[i].waiting);
        json_t *refs = NULL;
        const char *policy = NULL;
        gc_action_t got = controllers__gc_decide(obj, s, d, w, cases[i].has_deps, &refs, &policy);
        CHECK_MSG(got == cases[i].want, "case %zu: action %d, want %d", i, got, cases[i].want);
        if (cases[i].want == GC_PATCH_REFS) {
            char buf[16];
            ref_uids(refs, buf, sizeof(buf));
            CHECK_MSG(strcmp(buf, cases[i].want_detail) == 0, "case %zu: kept %s", i, buf);
        } else if (cases[i].want == GC_DELETE) {
            CHECK_MSG(policy && strcmp(policy, cases[i].want_detail) == 0, "case %zu: policy %s", i,
                      policy ? policy : "(null)");
        }
        json_decref(refs);
        json_decref(obj);
        json_decref(s);
        json_decref(d);
        json_decref(w);
    }

    /* Edits: the last reference or finalizer removed leaves null, so a merge patch drops it. */
    json_t *obj = dependent("[\"orphan\",\"foregroundDeletion\"]");
    json_t *f = controllers__gc_finalizers_without(obj, "orphan");
    CHECK_INT(json_array_size(f), 1);
    CHECK_STR(json_string_value(json_array_get(f, 0)), "foregroundDeletion");
    json_decref(f);
    json_t *none = dependent("[\"orphan\"]");
    f = controllers__gc_finalizers_without(none, "orphan");
    CHECK(json_is_null(f));
    json_decref(f);
    json_t *all = uids("abc");
    json_t *r = controllers__gc_refs_without(obj, all, NULL);
    CHECK(json_is_null(r));
    json_decref(r);
    json_t *b = uids("b");
    r = controllers__gc_refs_without(obj, NULL, b);
    char buf[16];
    ref_uids(r, buf, sizeof(buf));
    CHECK_STR(buf, "ac");
    json_decref(r);
    json_decref(b);
    json_decref(all);
    json_decref(none);
    json_decref(obj);
    TEST_END();
}
