/* test_kubelet_events.c — what `kubectl describe pod` shows of the kubelet, on the real things
 * (root, a network and mount namespace of the test's own, a real etcd, the API server and the
 * kubelet in-process, runc through the shims, CNI plugins, an image built from busybox-static):
 * upstream's container events (Pulled "already present", Created, Started, Killing, BackOff,
 * Unhealthy) with their fieldPaths, and the image pull back-off: a pull that fails is
 * ErrImagePull, then ImagePullBackOff while a back-off of 10 s doubling runs (not a pull on
 * every tick), with upstream's events; pullPolicy Never on a missing image is
 * ErrImageNeverPull, its event sent once. A terminated container's message: what it wrote to
 * /dev/termination-log, or under FallbackToLogsOnError the tail of its log. */
#include "c8s/apiserver.h"
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "harness.h"
#include "kubelet_env.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IMG "\"image\":\"example.com/test/busybox:1\""

/* The count of the pod's event with this reason whose message starts with msg (and whose
 * fieldPath is field, when given); 0 when there is none. */
static long event_count(const char *pod, const char *reason, const char *msg, const char *field)
{
    long st;
    cleanup_free char *path =
        xasprintf("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%%3D%s", pod);
    cleanup_json json_t *evs = get(path, &st);
    json_t *ev;
    size_t i;
    long n = 0;
    json_array_foreach(json_object_get(evs, "items"), i, ev)
    {
        const char *r = json_string_value(json_object_get(ev, "reason"));
        const char *m = json_string_value(json_object_get(ev, "message"));
        const char *f =
            json_string_value(json_object_get(json_object_get(ev, "involvedObject"), "fieldPath"));
        const char *src =
            json_string_value(json_object_get(json_object_get(ev, "source"), "component"));
        if (!r || strcmp(r, reason) != 0 || !m || strncmp(m, msg, strlen(msg)) != 0)
            continue;
        if (field && (!f || strcmp(f, field) != 0))
            continue;
        if (!src || strcmp(src, "kubelet") != 0)
            continue;
        n += json_integer_value(json_object_get(ev, "count")) ?: 1;
    }
    return n;
}

/* The pod's own events (no fieldPath), as event_count and wait_event. */
static long event_count_any(const char *pod, const char *reason, const char *msg)
{
    return event_count(pod, reason, msg, NULL);
}

static bool wait_event_any(const char *pod, const char *reason, const char *msg)
{
    for (int i = 0; i < 600; i++) {
        if (event_count_any(pod, reason, msg) > 0)
            return true;
        usleep(100000);
    }
    fprintf(stderr, "no event %s \"%s\" for pod %s\n", reason, msg, pod);
    return false;
}

static bool wait_event(const char *pod, const char *reason, const char *msg, const char *field)
{
    for (int i = 0; i < 600; i++) {
        if (event_count(pod, reason, msg, field) > 0)
            return true;
        usleep(100000);
    }
    fprintf(stderr, "no event %s \"%s\" for pod %s\n", reason, msg, pod);
    return false;
}

/* The first container's waiting state (owned), or NULL. */
static json_t *waiting_of(const char *pod)
{
    long st;
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", pod);
    cleanup_json json_t *x = get(path, &st);
    json_t *w = json_object_get(
        json_object_get(
            json_array_get(json_object_get(json_object_get(x, "status"), "containerStatuses"), 0),
            "state"),
        "waiting");
    return w ? json_incref(w) : NULL;
}

static bool wait_reason(const char *pod, const char *reason, char **message)
{
    for (int i = 0; i < 600; i++) {
        cleanup_json json_t *w = waiting_of(pod);
        const char *r = json_string_value(json_object_get(w, "reason"));
        if (r && strcmp(r, reason) == 0) {
            if (message)
                *message = xstrdup(json_string_value(json_object_get(w, "message")) ?: "");
            return true;
        }
        usleep(100000);
    }
    fprintf(stderr, "pod %s never waited with reason %s\n", pod, reason);
    return false;
}

static long pulls_of(const char *pod, const char *image)
{
    cleanup_free char *msg = xasprintf("Pulling image \"%s\"", image);
    return event_count(pod, "Pulling", msg, "spec.containers{c}");
}

int main(void)
{
    kenv_t env;
    KENV_ENTER(&env, "kev");
    apiserver_config_t cfg = {0};
    apiserver_t *srv = NULL;
    if (kenv_server(&env, &cfg, &srv) != 0)
        kenv_cleanup(&env);
    REQUIRE(srv != NULL);
    long st = 0;
    c8s_err_t err = C8S_ERR_INIT;

    /* A registry address nothing listens on: every pull of it fails at once (refused). */
    int dead_port = th_free_port();
    char dead_registry[64];
    snprintf(dead_registry, sizeof(dead_registry), "127.0.0.1:%d", dead_port);
    const char *insecure[] = {dead_registry};
    kubelet_config_t kc = {.node_name = "kn",
                           .root_dir = env.root,
                           .pod_cidr = "10.244.6.0/24",
                           .run_pods = true,
                           .kubepods_root = env.kubepods,
                           .runc_root = env.runc_root,
                           .shim_bin = C8S_BIN,
                           .insecure_registries = insecure,
                           .n_insecure = 1};
    kubelet_t *k = NULL;
    REQUIRE(kubelet_start(srv, &kc, &k, &err) == 0);

    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sleep\",\"3600\"]}]}}"),
              201);
    /* Exits at once: restarted at once, then after a back-off of 10 s. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"crash\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sh\",\"-c\",\"exit 1\"]}]}}"),
              201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"live\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sleep\",\"3600\"],\"livenessProbe\":{\"exec\":{\"command\":["
                  "\"sh\",\"-c\",\"echo sick; exit 1\"]},\"periodSeconds\":1,"
                  "\"failureThreshold\":1}}]}}"),
              201);
    cleanup_free char *bad_image = xasprintf("%s/missing/app:1", dead_registry);
    cleanup_free char *nopull = xasprintf(
        "{\"metadata\":{\"name\":\"nopull\"},\"spec\":{\"nodeName\":\"kn\","
        "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\",\"image\":\"%s\","
        "\"command\":[\"sleep\",\"3600\"]}]}}",
        bad_image);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", nopull), 201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"never\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\","
                  "\"image\":\"example.com/none:1\",\"imagePullPolicy\":\"Never\","
                  "\"command\":[\"sleep\",\"3600\"]}]}}"),
              201);

    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"msg\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sh\",\"-c\",\"echo 'disk full' > /dev/termination-log; "
                  "exit 3\"]}]}}"),
              201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"fallback\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"terminationMessagePolicy\":\"FallbackToLogsOnError\","
                  "\"command\":[\"sh\",\"-c\",\"echo starting; echo 'no config' >&2; "
                  "exit 1\"]}]}}"),
              201);

    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"nocm\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sleep\",\"3600\"],\"volumeMounts\":[{\"name\":\"cfg\","
                  "\"mountPath\":\"/cfg\"}]}],\"volumes\":[{\"name\":\"cfg\",\"configMap\":{"
                  "\"name\":\"nope\"}}]}}"),
              201);

    /* ---- a container that starts: its three events ---- */
    json_t *okp = wait_pod("ok", "Running");
    CHECK(okp != NULL);
    json_decref(okp);
    CHECK(wait_event("ok", "Pulled",
                     "Container image \"example.com/test/busybox:1\" already present on machine",
                     "spec.containers{c}"));
    CHECK(wait_event("ok", "Created", "Created container c", "spec.containers{c}"));
    CHECK(wait_event("ok", "Started", "Started container c", "spec.containers{c}"));

    /* ---- restarts, probes ---- */
    long st2;
    cleanup_json json_t *crash = get("/api/v1/namespaces/default/pods/crash", &st2);
    cleanup_free char *backoff = xasprintf(
        "Back-off restarting failed container c in pod crash_default(%s)",
        json_string_value(json_object_get(json_object_get(crash, "metadata"), "uid")) ?: "");
    CHECK(wait_event("crash", "BackOff", backoff, "spec.containers{c}"));
    CHECK(wait_event("live", "Unhealthy", "Liveness probe failed: sick", "spec.containers{c}"));
    CHECK(wait_event("live", "Killing", "Container c failed liveness probe, will be restarted",
                     "spec.containers{c}"));

    /* ---- an image that cannot be pulled ---- */
    cleanup_free char *pulling = xasprintf("Pulling image \"%s\"", bad_image);
    cleanup_free char *failed = xasprintf("Failed to pull image \"%s\": ", bad_image);
    cleanup_free char *backoff_msg = xasprintf("Back-off pulling image \"%s\"", bad_image);
    CHECK(wait_event("nopull", "Pulling", pulling, "spec.containers{c}"));
    CHECK(wait_event("nopull", "Failed", failed, "spec.containers{c}"));
    CHECK(wait_event("nopull", "Failed", "Error: ErrImagePull", "spec.containers{c}"));
    char *waiting_msg = NULL;
    CHECK(wait_reason("nopull", "ImagePullBackOff", &waiting_msg));
    CHECK_STR(waiting_msg ?: "", backoff_msg);
    free(waiting_msg);
    CHECK(wait_event("nopull", "BackOff", backoff_msg, "spec.containers{c}"));
    CHECK(wait_event("nopull", "Failed", "Error: ImagePullBackOff", "spec.containers{c}"));
    /* The back-off holds: the kubelet's pod worker ticks every second, yet over the next 8 s at
     * most one more pull goes out (the first retry is due 10 s after the failure). */
    long before = pulls_of("nopull", bad_image);
    CHECK(before >= 1);
    sleep(8);
    long after = pulls_of("nopull", bad_image);
    CHECK_MSG(after - before <= 1, "%ld pulls in 8 s of back-off", after - before);
    /* …and it is a back-off, not a stop: the pull is tried again. */
    bool retried = false;
    for (int i = 0; i < 600 && !retried; i++) {
        retried = pulls_of("nopull", bad_image) >= 2;
        if (!retried)
            usleep(100000);
    }
    CHECK(retried);

    /* ---- pullPolicy Never: the reason and upstream's message, one event ---- */
    char *never_msg = NULL;
    CHECK(wait_reason("never", "ErrImageNeverPull", &never_msg));
    CHECK_STR(never_msg ?: "",
              "Container image \"example.com/none:1\" is not present with pull policy of Never");
    free(never_msg);
    sleep(3); /* three more ticks of the pod worker, which must not repeat the event */
    CHECK_INT(event_count("never", "ErrImageNeverPull", "Container image", "spec.containers{c}"),
              1);

    /* ---- termination messages ---- */
    static const struct {
        const char *pod, *message;
    } msgs[] = {{"msg", "disk full\n"}, {"fallback", "starting\nno config\n"}};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(msgs); i++) {
        json_t *done = wait_pod(msgs[i].pod, "Failed");
        CHECK(done != NULL);
        const json_t *t = json_object_get(
            json_object_get(
                json_array_get(
                    json_object_get(json_object_get(done, "status"), "containerStatuses"), 0),
                "state"),
            "terminated");
        CHECK_STR(json_string_value(json_object_get(t, "message")) ?: "(none)", msgs[i].message);
        json_decref(done);
    }

    /* ---- a missing configMap: FailedMount once (the volume is tried every tick), then the
     * pod starts when it appears ---- */
    const char *fm = "MountVolume.SetUp failed for volume \"cfg\" : configmap \"nope\" not found";
    CHECK(wait_event_any("nocm", "FailedMount", fm));
    sleep(3);
    CHECK_INT(event_count_any("nocm", "FailedMount", fm), 1);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps",
                  "{\"metadata\":{\"name\":\"nope\"},\"data\":{\"k\":\"v\"}}"),
              201);
    json_t *nocm = wait_pod("nocm", "Running");
    CHECK(nocm != NULL);
    json_decref(nocm);

    /* ---- deletion: Killing ---- */
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/ok", NULL), 200);
    CHECK(wait_event("ok", "Killing", "Stopping container c", "spec.containers{c}"));

    static const char *const names[] = {"ok",    "crash", "live",     "nopull",
                                        "never", "msg",   "fallback", "nocm"};
    for (size_t i = 1; i < C8S_ARRAY_SIZE(names); i++) {
        cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", names[i]);
        CHECK_INT(req("DELETE", path, NULL), 200);
    }
    for (size_t i = 0; i < C8S_ARRAY_SIZE(names); i++) {
        cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", names[i]);
        bool gone = false;
        for (int j = 0; j < 600 && !gone; j++) {
            json_t *x = get(path, &st);
            json_decref(x);
            gone = st == 404;
            if (!gone)
                usleep(100000);
        }
        CHECK_MSG(gone, "pod %s not deleted", names[i]);
    }
    CHECK(sh("for i in $(seq 1 100); do test -z \"$(/usr/sbin/runc --root %s list -q)\" && ! grep "
             "-q ' %s/' /proc/self/mountinfo && exit 0; sleep 0.1; done; exit 1",
             env.runc_root, env.root) == 0);

    kubelet_stop(k);
    apiserver_stop(srv);
    kenv_cleanup(&env);
    TEST_END();
}
