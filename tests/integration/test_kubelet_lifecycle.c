/* test_kubelet_lifecycle.c — the kubelet's remaining pod lifecycle lines on the real things
 * (root, a network and mount namespace of the test's own, a real etcd, the API server and the
 * kubelet in-process, runc through the shims, CNI plugins, an image built from busybox-static):
 * postStart runs before the container counts as Running and a failing one restarts it
 * (FailedPostStartHook); preStop runs before SIGTERM within the grace period; an exec probe past
 * its timeoutSeconds fails; a hostNetwork pod runs in the node's network namespace with the
 * node's IP; a pod that does not fit the node's cpu is Failed (OutOfcpu); under memory pressure
 * (a threshold set to be met) pods are evicted in upstream's order and new BestEffort ones
 * refused. */
#include "c8s/apiserver.h"
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "harness.h"
#include "kubelet_env.h"
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_int_t restarts_of(const char *name)
{
    long st;
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", name);
    cleanup_json json_t *x = get(path, &st);
    return json_integer_value(json_object_get(
        json_array_get(json_object_get(json_object_get(x, "status"), "containerStatuses"), 0),
        "restartCount"));
}

static bool wait_restarts(const char *name, json_int_t n, int tenths)
{
    for (int i = 0; i < tenths; i++) {
        if (restarts_of(name) >= n)
            return true;
        usleep(100000);
    }
    return false;
}

static bool wait_gone(const char *name)
{
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", name);
    for (int i = 0; i < 300; i++) {
        long st;
        json_t *x = get(path, &st);
        json_decref(x);
        if (st == 404)
            return true;
        usleep(100000);
    }
    return false;
}

static char *uid_of(const json_t *pod)
{
    return xstrdup(json_string_value(json_object_get(json_object_get(pod, "metadata"), "uid"))
                       ?: "none");
}

#define IMG "\"image\":\"example.com/test/busybox:1\""

int main(void)
{
    kenv_t env;
    KENV_ENTER(&env, "klife");
    const char *root = env.root, *runc_root = env.runc_root, *work = env.work;
    /* The node's address in the test's namespace: what a hostNetwork pod's podIP must be. */
    REQUIRE(sh("ip link add c8sa type veth peer name c8sb && ip addr add 192.0.2.10/24 dev c8sa && "
               "ip link set c8sa up && ip link set c8sb up") == 0);
    cleanup_free char *hostlog = xasprintf("%s/hostlog", work);
    REQUIRE(sh("mkdir -p %s", hostlog) == 0);
    apiserver_config_t cfg = {0};
    apiserver_t *srv = NULL;
    if (kenv_server(&env, &cfg, &srv) != 0)
        kenv_cleanup(&env);
    REQUIRE(srv != NULL);
    long st = 0;
    c8s_err_t err = C8S_ERR_INIT;

    kubelet_config_t kc = {.node_name = "kn",
                           .root_dir = env.root,
                           .pod_cidr = "10.244.5.0/24",
                           .run_pods = true,
                           .kubepods_root = env.kubepods,
                           .runc_root = env.runc_root,
                           .shim_bin = C8S_BIN};
    kubelet_t *k = NULL;
    REQUIRE(kubelet_start(srv, &kc, &k, &err) == 0);

    /* ---- hooks ---- */
    /* postStart takes 2 s and writes a file: Running is reported only once it has returned.
     * preStop appends to a hostPath file before SIGTERM, which the container's trap appends. */
    cleanup_free char *hooks = xasprintf(
        "{\"metadata\":{\"name\":\"hooks\"},\"spec\":{\"nodeName\":\"kn\","
        "\"terminationGracePeriodSeconds\":10,\"containers\":[{\"name\":\"c\"," IMG ","
        "\"command\":[\"sh\",\"-c\",\"trap 'echo term >> /host/log; exit 0' TERM; while true; do "
        "sleep 0.2; done\"],\"volumeMounts\":[{\"name\":\"h\",\"mountPath\":\"/host\"}],"
        "\"lifecycle\":{\"postStart\":{\"exec\":{\"command\":[\"sh\",\"-c\",\"sleep 2; echo post > "
        "/tmp/post\"]}},\"preStop\":{\"exec\":{\"command\":[\"sh\",\"-c\",\"echo prestop >> "
        "/host/log; sleep 1\"]}}}}],\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":"
        "\"%s\"}}]}}",
        hostlog);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", hooks), 201);
    /* A postStart httpGet to a port nothing listens on fails: the container is killed and
     * restarted under restartPolicy Always. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"badpost\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sleep\",\"3600\"],\"lifecycle\":{\"postStart\":{\"httpGet\":{"
                  "\"port\":8089,\"path\":\"/nope\"}}}}]}}"),
              201);
    /* An exec liveness probe that outlives its timeoutSeconds fails (sleep 5 would succeed). */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"slowprobe\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
                  "\"command\":[\"sleep\",\"3600\"],\"livenessProbe\":{\"exec\":{\"command\":["
                  "\"sleep\",\"5\"]},\"timeoutSeconds\":1,\"periodSeconds\":1,"
                  "\"failureThreshold\":1}}]}}"),
              201);

    json_t *hp = wait_pod("hooks", "Running");
    CHECK(hp != NULL);
    cleanup_free char *hooks_uid = uid_of(hp);
    json_decref(hp);
    CHECK(sh("/usr/sbin/runc --root %s exec %s-c cat /tmp/post | grep -qx post", runc_root,
             hooks_uid) == 0);
    CHECK(sh("test ! -e %s/log", hostlog) == 0);

    CHECK(wait_restarts("badpost", 1, 300));
    {
        cleanup_json json_t *evs = get("/api/v1/namespaces/default/events", &st);
        json_t *ev;
        size_t i;
        bool seen = false;
        json_array_foreach(json_object_get(evs, "items"), i, ev)
        {
            const char *reason = json_string_value(json_object_get(ev, "reason"));
            const char *msg = json_string_value(json_object_get(ev, "message"));
            if (reason && strcmp(reason, "FailedPostStartHook") == 0 && msg &&
                strstr(msg, "HTTP lifecycle hook (/nope)"))
                seen = true;
        }
        CHECK(seen);
    }
    CHECK(wait_restarts("slowprobe", 1, 300));
    /* A container that cannot start (no such executable) is retried from scratch each time:
     * the reason stays runc's, not a leftover of the last try. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"noexec\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG
                  ",\"command\":[\"/nope\"]}]}}"),
              201);
    int noexec_seen = 0;
    bool leftover = false;
    for (int i = 0; i < 100 && noexec_seen < 3; i++) {
        cleanup_json json_t *x = get("/api/v1/namespaces/default/pods/noexec", &st);
        json_t *w = json_object_get(
            json_object_get(
                json_array_get(json_object_get(json_object_get(x, "status"), "containerStatuses"),
                               0),
                "state"),
            "waiting");
        const char *m = json_string_value(json_object_get(w, "message"));
        if (m && strstr(m, "File exists"))
            leftover = true;
        if (m && strstr(m, "/nope"))
            noexec_seen++;
        usleep(500000);
    }
    CHECK(noexec_seen >= 3);
    CHECK(!leftover);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/noexec", NULL), 200);
    CHECK(wait_gone("noexec"));

    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/hooks", NULL), 200);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/badpost", NULL), 200);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/slowprobe", NULL), 200);
    CHECK(wait_gone("hooks"));
    CHECK(sh("printf 'prestop\\nterm\\n' | cmp -s - %s/log", hostlog) == 0);
    CHECK(wait_gone("badpost"));
    CHECK(wait_gone("slowprobe"));

    /* ---- hostNetwork ---- */
    /* The container listens in the node's network namespace (the test's): reachable on
     * 127.0.0.1 from here; podIP is the node's; no CNI lease, no netns file; the node's
     * hostname. */
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"hostnet\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"hostNetwork\":true,\"terminationGracePeriodSeconds\":1,\"containers\":[{"
                  "\"name\":\"c\"," IMG ",\"command\":[\"sh\",\"-c\",\"while true; do echo "
                  "hostnet | nc -l -p 7070; done\"],\"ports\":[{\"containerPort\":7070}]}]}}"),
              201);
    json_t *hn = wait_pod("hostnet", "Running");
    CHECK(hn != NULL);
    cleanup_free char *hn_uid = uid_of(hn);
    CHECK_STR(json_string_value(json_object_get(json_object_get(hn, "status"), "podIP")),
              "192.0.2.10");
    CHECK_STR(json_string_value(json_object_get(json_object_get(hn, "status"), "hostIP")),
              "192.0.2.10");
    json_decref(hn);
    CHECK(sh("r=''; for i in $(seq 1 30); do r=$(busybox nc 127.0.0.1 7070 </dev/null "
             "2>/dev/null); [ \"$r\" = hostnet ] && exit 0; sleep 0.2; done; exit 1") == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s-c hostname | grep -qx \"$(hostname)\"", runc_root,
             hn_uid) == 0);
    CHECK(sh("test ! -e %s/run/netns/%s", root, hn_uid) == 0);
    CHECK(sh("! ls %s/cni/ipam/*/10.244.5.* >/dev/null 2>&1", root) == 0);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/hostnet", NULL), 200);
    CHECK(wait_gone("hostnet"));
    CHECK(sh("test ! -e %s/pods/%s", root, hn_uid) == 0);

    /* ---- sidecars (init containers with restartPolicy Always) ---- */
    /* The sidecar starts first and must pass its startupProbe before the app starts (the app
     * checks the file the sidecar wrote); it restarts when it exits (each run appends a line,
     * the first run exits after 1 s) while the app runs; once the app is done under Never, the
     * sidecar is stopped (its TERM trap runs) and the pod Succeeded. */
    CHECK_INT(
        req("POST", "/api/v1/namespaces/default/pods",
            "{\"metadata\":{\"name\":\"side\"},\"spec\":{\"nodeName\":\"kn\","
            "\"restartPolicy\":\"Never\",\"terminationGracePeriodSeconds\":5,"
            "\"initContainers\":[{\"name\":\"log\"," IMG ",\"restartPolicy\":\"Always\","
            "\"command\":[\"sh\",\"-c\",\"trap 'echo term >> /shared/side; exit 0' TERM; "
            "echo run >> /shared/side; test -e /shared/again || { touch /shared/again; sleep 1; "
            "exit 0; }; while true; do sleep 0.2; done\"],"
            "\"startupProbe\":{\"exec\":{\"command\":[\"test\",\"-e\",\"/shared/side\"]},"
            "\"periodSeconds\":1},\"volumeMounts\":[{\"name\":\"s\",\"mountPath\":\"/shared\"}]}],"
            "\"containers\":[{\"name\":\"app\"," IMG ",\"command\":[\"sh\",\"-c\","
            "\"test -e /shared/side || exit 7; sleep 6\"],\"volumeMounts\":[{\"name\":\"s\","
            "\"mountPath\":\"/shared\"}]}],\"volumes\":[{\"name\":\"s\",\"emptyDir\":{}}]}}"),
        201);
    json_t *side = wait_pod("side", "Succeeded");
    CHECK(side != NULL);
    {
        const json_t *sst = json_object_get(side, "status");
        const json_t *ics = json_array_get(json_object_get(sst, "initContainerStatuses"), 0);
        CHECK(json_integer_value(json_object_get(ics, "restartCount")) >= 1);
        CHECK(json_object_get(json_object_get(ics, "state"), "terminated") != NULL);
        const json_t *acs = json_array_get(json_object_get(sst, "containerStatuses"), 0);
        CHECK_INT(json_integer_value(json_object_get(
                      json_object_get(json_object_get(acs, "state"), "terminated"), "exitCode")),
                  0);
        cleanup_free char *side_uid = uid_of(side);
        CHECK(sh("f=$(ls -d %s/pods/%s/volumes/s 2>/dev/null); test -n \"$f\" && "
                 "[ \"$(grep -c run $f/side)\" -ge 2 ] && grep -qx term $f/side",
                 root, side_uid) == 0);
    }
    json_decref(side);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/side", NULL), 200);
    CHECK(wait_gone("side"));

    /* ---- node admission ---- */
    /* Pods bound by hand (no scheduler): the first takes 60% of the node's cpu and runs, the
     * second asks as much again and is Failed with OutOfcpu, used = the first's request; nothing
     * of it is started. */
    cleanup_json json_t *node = get("/api/v1/nodes/kn", &st);
    const char *cpus = json_string_value(
        json_object_get(json_object_get(json_object_get(node, "status"), "allocatable"), "cpu"));
    long ncpu = cpus ? atol(cpus) : 0;
    CHECK(ncpu > 0);
    long want = ncpu * 600;
    for (int i = 0; i < 2; i++) {
        cleanup_free char *body = xasprintf(
            "{\"metadata\":{\"name\":\"big%d\"},\"spec\":{\"nodeName\":\"kn\","
            "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
            "\"command\":[\"sleep\",\"3600\"],\"resources\":{\"requests\":{\"cpu\":\"%ldm\"}}}]}}",
            i, want);
        CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", body), 201);
        if (i == 0) {
            json_t *b0 = wait_pod("big0", "Running");
            CHECK(b0 != NULL);
            json_decref(b0);
        }
    }
    json_t *b1 = wait_pod("big1", "Failed");
    CHECK(b1 != NULL);
    {
        json_t *bst = json_object_get(b1, "status");
        CHECK_STR(json_string_value(json_object_get(bst, "reason")), "OutOfcpu");
        cleanup_free char *msg = xasprintf(
            "Pod was rejected: Node didn't have enough resource: cpu, requested: %ld, used: %ld, "
            "capacity: %ld",
            want, want, ncpu * 1000);
        CHECK_STR(json_string_value(json_object_get(bst, "message")), msg);
        cleanup_free char *b1_uid = uid_of(b1);
        CHECK(sh("! /usr/sbin/runc --root %s list -q | grep -q %s", runc_root, b1_uid) == 0);
    }
    json_decref(b1);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/big1", NULL), 200);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/big0", NULL), 200);
    CHECK(wait_gone("big1"));
    CHECK(wait_gone("big0"));

    /* ---- eviction ---- */
    /* Three pods holding memory in a file on their /dev/shm (a tmpfs charged to the pod's
     * cgroup): BestEffort (20 MB), Burstable requesting 1Mi (10 MB: over its requests),
     * Guaranteed (limits 1 cpu and 256Mi, so requests the same; using little). Then the kubelet
     * comes back with a threshold always met (memory.available<1000Ti, checked every second):
     * MemoryPressure on the Node, the pods evicted one a round in upstream's order (over their
     * requests first, the larger excess first, then those within them), a new BestEffort pod
     * refused. */
    static const char *const ev_names[3] = {"ev-be", "ev-over", "ev-guar"};
    static const char *const ev_res[3] = {"", "\"requests\":{\"memory\":\"1Mi\"}",
                                          "\"limits\":{\"cpu\":\"1\",\"memory\":\"256Mi\"}"};
    static const char *const ev_bytes[3] = {"20000000", "10000000", "1000"};
    char *ev_uid[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        cleanup_free char *body = xasprintf(
            "{\"metadata\":{\"name\":\"%s\"},\"spec\":{\"nodeName\":\"kn\","
            "\"terminationGracePeriodSeconds\":1,\"containers\":[{\"name\":\"c\"," IMG ","
            "\"command\":[\"sh\",\"-c\",\"busybox head -c %s /dev/zero > /dev/shm/x; touch "
            "/tmp/ready; sleep 3600\"],\"resources\":{%s}}]}}",
            ev_names[i], ev_bytes[i], ev_res[i]);
        CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", body), 201);
    }
    for (int i = 0; i < 3; i++) {
        json_t *e = wait_pod(ev_names[i], "Running");
        CHECK(e != NULL);
        static const char *const qos[3] = {"BestEffort", "Burstable", "Guaranteed"};
        CHECK_STR(json_string_value(json_object_get(json_object_get(e, "status"), "qosClass")),
                  qos[i]);
        ev_uid[i] = uid_of(e);
        json_decref(e);
        CHECK(sh("for i in $(seq 1 50); do /usr/sbin/runc --root %s exec %s-c test -e /tmp/ready "
                 "&& exit 0; sleep 0.1; done; exit 1",
                 runc_root, ev_uid[i]) == 0);
    }
    kubelet_stop(k);
    kc.eviction_hard = "memory.available<1000Ti";
    kc.eviction_interval_ms = 1000;
    kc.status_interval_ms = 1000;
    k = NULL;
    REQUIRE(kubelet_start(srv, &kc, &k, &err) == 0);
    int order[3] = {-1, -1, -1}, nev = 0;
    for (int t = 0; t < 300 && nev < 3; t++) {
        for (int i = 0; i < 3; i++) {
            bool seen = false;
            for (int j = 0; j < nev; j++)
                seen = seen || order[j] == i;
            if (seen)
                continue;
            cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", ev_names[i]);
            cleanup_json json_t *e = get(path, &st);
            json_t *est = json_object_get(e, "status");
            if (strcmp(json_string_value(json_object_get(est, "reason")) ?: "", "Evicted") != 0)
                continue;
            CHECK_STR(json_string_value(json_object_get(est, "phase")), "Failed");
            const char *m = json_string_value(json_object_get(est, "message")) ?: "";
            CHECK_MSG(strncmp(m,
                              "The node was low on resource: memory. Threshold quantity: "
                              "1000Ti, available: ",
                              74) == 0,
                      "%s", m);
            order[nev++] = i;
        }
        usleep(100000);
    }
    CHECK_INT(nev, 3);
    CHECK_INT(order[0], 0);
    CHECK_INT(order[1], 1);
    CHECK_INT(order[2], 2);
    /* Nothing of them runs; the objects stay (Failed) for their owners. */
    for (int i = 0; i < 3; i++) {
        CHECK(sh("for i in $(seq 1 50); do /usr/sbin/runc --root %s list -q | grep -q %s || exit "
                 "0; sleep 0.1; done; exit 1",
                 runc_root, ev_uid[i]) == 0);
        free(ev_uid[i]);
    }
    bool pressure = false;
    for (int t = 0; t < 50 && !pressure; t++) {
        cleanup_json json_t *nd = get("/api/v1/nodes/kn", &st);
        json_t *c;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(nd, "status"), "conditions"), i, c)
        {
            if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", "MemoryPressure") == 0)
                pressure =
                    strcmp(json_string_value(json_object_get(c, "status")) ?: "", "True") == 0;
        }
        if (!pressure)
            usleep(100000);
    }
    CHECK(pressure);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods",
                  "{\"metadata\":{\"name\":\"ev-late\"},\"spec\":{\"nodeName\":\"kn\","
                  "\"containers\":[{\"name\":\"c\"," IMG ",\"command\":[\"sleep\",\"3600\"]}]}}"),
              201);
    json_t *late = wait_pod("ev-late", "Failed");
    CHECK(late != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(late, "status"), "reason")),
              "Evicted");
    CHECK_STR(json_string_value(json_object_get(json_object_get(late, "status"), "message")),
              "Pod was rejected: The node had condition: [MemoryPressure]. ");
    json_decref(late);
    for (int i = 0; i < 3; i++) {
        cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", ev_names[i]);
        CHECK_INT(req("DELETE", path, NULL), 200);
    }
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/ev-late", NULL), 200);
    for (int i = 0; i < 3; i++)
        CHECK(wait_gone(ev_names[i]));
    CHECK(wait_gone("ev-late"));

    /* A Failed pod's object goes at once on DELETE (as upstream), so the kubelet may still be
     * tearing the last evicted one down: nothing may be left once it is done. */
    CHECK(sh("for i in $(seq 1 100); do test -z \"$(/usr/sbin/runc --root %s list -q)\" && ! grep "
             "-q ' %s/' /proc/self/mountinfo && exit 0; sleep 0.1; done; exit 1",
             runc_root, root) == 0);

    kubelet_stop(k);
    apiserver_stop(srv);
    kenv_cleanup(&env);
    TEST_END();
}
