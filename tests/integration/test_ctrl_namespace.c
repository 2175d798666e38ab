/*
 * test_ctrl_namespace.c — the namespace controller on a real etcd with the API server and the
 * controller manager in-process: a deleted namespace is emptied; while an object held by a
 * finalizer is left, the namespace stays Terminating and its conditions say what remains and
 * which finalizer holds it (as upstream's deleter words them); once the finalizer is removed
 * the namespace goes.
 */
#include "ctrl_env.h"

static env_t env;

static const char *cond_field(const json_t *ns, const char *type, const char *key)
{
    size_t i;
    json_t *c;
    json_array_foreach(env_get(ns, "status", "conditions"), i, c)
    {
        if (!strcmp(json_string_value(json_object_get(c, "type")) ?: "", type))
            return json_string_value(json_object_get(c, key));
    }
    return NULL;
}

static bool finalizer_reported(env_t *e, void *data)
{
    json_t *ns = NULL;
    env_call(e, "GET", "/api/v1/namespaces/doomed", NULL, NULL, &ns);
    const char *s = cond_field(ns, "NamespaceFinalizersRemaining", "status");
    bool ok = s && !strcmp(s, "True");
    json_decref(ns);
    return ok;
}

static bool ns_gone(env_t *e, void *data)
{
    return env_call(e, "GET", "/api/v1/namespaces/doomed", NULL, NULL, NULL) == 404;
}

int main(void)
{
    REQUIRE(env_start(&env, NULL) == 0);
    CHECK_INT(env_call(&env, "POST", "/api/v1/namespaces", "application/json",
                       "{\"metadata\":{\"name\":\"doomed\"}}", NULL),
              201);
    CHECK_INT(env_call(&env, "POST", "/api/v1/namespaces/doomed/configmaps", "application/json",
                       "{\"metadata\":{\"name\":\"plain\"},\"data\":{\"a\":\"b\"}}", NULL),
              201);
    CHECK_INT(env_call(&env, "POST", "/api/v1/namespaces/doomed/configmaps", "application/json",
                       "{\"metadata\":{\"name\":\"held\",\"finalizers\":[\"example.com/hold\"]}}",
                       NULL),
              201);
    CHECK_INT(env_call(&env, "DELETE", "/api/v1/namespaces/doomed", NULL, NULL, NULL), 200);
    CHECK(env_wait(&env, finalizer_reported, NULL, 20000));

    json_t *ns = NULL;
    env_call(&env, "GET", "/api/v1/namespaces/doomed", NULL, NULL, &ns);
    CHECK_STR(json_string_value(env_get(ns, "status", "phase")), "Terminating");
    CHECK_STR(cond_field(ns, "NamespaceFinalizersRemaining", "message"),
              "Some content in the namespace has finalizers remaining: example.com/hold in 1 "
              "resource instances");
    CHECK_STR(cond_field(ns, "NamespaceContentRemaining", "message"),
              "Some resources are remaining: configmaps. has 1 resource instances");
    CHECK_STR(cond_field(ns, "NamespaceDeletionContentFailure", "reason"), "ContentDeleted");
    json_decref(ns);
    CHECK_INT(env_call(&env, "GET", "/api/v1/namespaces/doomed/configmaps/plain", NULL, NULL, NULL),
              404);

    CHECK_INT(env_call(&env, "PATCH", "/api/v1/namespaces/doomed/configmaps/held",
                       "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}",
                       NULL),
              200);
    CHECK(env_wait(&env, ns_gone, NULL, 20000));
    env_stop(&env);
    TEST_END();
}
