/* test_kubelet_pods.c — the pod worker on the real things, as root, in a network and mount
 * namespace of the test's own: a real etcd, the API server and the kubelet in-process, an image
 * built here from busybox-static and imported into the kubelet's store (docker-archive), runc
 * through the shims, the CNI plugins. A pod with two containers sharing localhost runs (Running,
 * podIP from the pod CIDR, the cluster resolv.conf in the container) after its init container
 * has run to completion, with an emptyDir shared by both, a configMap's key read-only in one and
 * a secret's on a tmpfs, a persistentVolumeClaim's hostPath volume (written through, kept after
 * the pod); a container exiting 1 under restartPolicy Always restarts with
 * CrashLoopBackOff; exec readiness and liveness probes flip Ready and restart a container;
 * httpGet and tcpSocket probes reach the pod IP (readiness flips, liveness restarts only once
 * the startup probe has passed); a
 * graceful delete stops them, tears everything down (no runc container, no mount, no netns
 * file, no IPAM lease, no pod cgroup) and removes the pod. */
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

static bool pod_ready(const char *name)
{
    long st;
    cleanup_free char *path = xasprintf("/api/v1/namespaces/default/pods/%s", name);
    cleanup_json json_t *pod = get(path, &st);
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(pod, "status"), "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", "Ready") == 0)
            return strcmp(json_string_value(json_object_get(c, "status")) ?: "", "True") == 0;
    }
    return false;
}

int main(void)
{
    kenv_t env;
    KENV_ENTER(&env, "kpods");
    const char *root = env.root, *runc_root = env.runc_root, *work = env.work,
               *kubepods = env.kubepods;
    apiserver_config_t cfg = {0};
    apiserver_t *srv = NULL;
    if (kenv_server(&env, &cfg, &srv) != 0)
        kenv_cleanup(&env);
    REQUIRE(srv != NULL);
    long st = 0;
    c8s_err_t err = C8S_ERR_INIT;

    kubelet_config_t kc = {.node_name = "kn",
                           .root_dir = env.root,
                           .pod_cidr = "10.244.3.0/24",
                           .run_pods = true,
                           .kubepods_root = env.kubepods,
                           .runc_root = env.runc_root,
                           .shim_bin = C8S_BIN};
    kubelet_t *k = NULL;
    REQUIRE(kubelet_start(srv, &kc, &k, &err) == 0);

    /* Two containers: one serves on localhost:8080, the other fetches from it into a file. */
    const char *pod =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"two\",\"labels\":{"
        "\"tier\":\"db\",\"app\":\"two\"}},\"spec\":{"
        "\"nodeName\":\"kn\",\"terminationGracePeriodSeconds\":2,\"initContainers\":["
        "{\"name\":\"init\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sleep\","
        "\"1\"]}],\"containers\":["
        "{\"name\":\"server\",\"image\":\"example.com/test/busybox:1\",\"imagePullPolicy\":"
        "\"IfNotPresent\",\"command\":[\"sh\",\"-c\",\"echo from-server > /shared/x; while true; "
        "do echo shared "
        "| nc -l -p 8080; "
        "done\"],\"volumeMounts\":[{\"name\":\"shared\",\"mountPath\":\"/shared\"}]},"
        "{\"name\":\"client\",\"image\":\"example.com/test/busybox:1\",\"imagePullPolicy\":"
        "\"Never\",\"command\":[\"sh\",\"-c\",\"sleep 3600\"],\"resources\":{\"requests\":{"
        "\"cpu\":\"250m\"}},\"volumeMounts\":["
        "{\"name\":\"shared\",\"mountPath\":\"/shared\"},"
        "{\"name\":\"cfg\",\"mountPath\":\"/etc/cfg\",\"readOnly\":true},"
        "{\"name\":\"sec\",\"mountPath\":\"/etc/sec\",\"readOnly\":true},"
        "{\"name\":\"data\",\"mountPath\":\"/data\"},"
        "{\"name\":\"info\",\"mountPath\":\"/etc/info\"},"
        "{\"name\":\"pinfo\",\"mountPath\":\"/etc/pinfo\"}]}],"
        "\"volumes\":[{\"name\":\"shared\",\"emptyDir\":{}},"
        "{\"name\":\"cfg\",\"configMap\":{\"name\":\"cfg\"}},"
        "{\"name\":\"sec\",\"secret\":{\"secretName\":\"sec\"}},"
        "{\"name\":\"data\",\"persistentVolumeClaim\":{\"claimName\":\"data\"}},"
        "{\"name\":\"info\",\"downwardAPI\":{\"items\":[{\"path\":\"labels\",\"fieldRef\":{"
        "\"fieldPath\":\"metadata.labels\"}},{\"path\":\"name\",\"fieldRef\":{\"fieldPath\":"
        "\"metadata.name\"},\"mode\":384},{\"path\":\"cpu\",\"resourceFieldRef\":{"
        "\"containerName\":\"client\",\"resource\":\"requests.cpu\",\"divisor\":\"1m\"}}]}},"
        "{\"name\":\"pinfo\",\"projected\":{\"sources\":[{\"downwardAPI\":{\"items\":[{"
        "\"path\":\"ns\",\"fieldRef\":{\"fieldPath\":\"metadata.namespace\"}}]}}]}}]}}";
    /* A hostPath PersistentVolume and its claim, bound by hand (no binder runs here). */
    cleanup_free char *pvdir = xasprintf("%s/pv-data", work);
    REQUIRE(sh("mkdir -p %s", pvdir) == 0);
    cleanup_free char *pv = xasprintf(
        "{\"metadata\":{\"name\":\"data-pv\"},\"spec\":{\"capacity\":{\"storage\":\"1Gi\"},"
        "\"accessModes\":[\"ReadWriteOnce\"],\"hostPath\":{\"path\":\"%s\"},\"claimRef\":{"
        "\"namespace\":\"default\",\"name\":\"data\"}}}",
        pvdir);
    CHECK_INT(req("POST", "/api/v1/persistentvolumes", pv), 201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/persistentvolumeclaims",
                  "{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":["
                  "\"ReadWriteOnce\"],\"storageClassName\":\"\",\"volumeName\":\"data-pv\","
                  "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}"),
              201);
    {
        cleanup_free char *url =
            xasprintf("%s/api/v1/namespaces/default/persistentvolumeclaims/data/status", base);
        th_resp_t r = {0};
        CHECK(th_http("PATCH", url, "application/merge-patch+json",
                      "{\"status\":{\"phase\":\"Bound\"}}", &r) == 0 &&
              r.status == 200);
        th_resp_free(&r);
    }
    CHECK_INT(req("POST", "/api/v1/namespaces/default/configmaps",
                  "{\"metadata\":{\"name\":\"cfg\"},\"data\":{\"greeting\":\"hello from "
                  "cfg\"}}"),
              201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/secrets",
                  "{\"metadata\":{\"name\":\"sec\"},\"data\":{\"token\":\"czNjcmV0\"}}"),
              201);
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", pod), 201);
    /* A container that fails at once, under restartPolicy Always. */
    const char *crash =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"crash\"},\"spec\":{"
        "\"nodeName\":\"kn\",\"terminationGracePeriodSeconds\":1,\"containers\":["
        "{\"name\":\"c\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sh\",\"-c\","
        "\"exit 1\"]}]}}";
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", crash), 201);
    /* Exec probes: ready once /tmp/ready exists, restarted once /tmp/die does. */
    const char *probed =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"probed\"},\"spec\":{"
        "\"nodeName\":\"kn\",\"terminationGracePeriodSeconds\":1,\"containers\":["
        "{\"name\":\"c\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sleep\","
        "\"3600\"],\"readinessProbe\":{\"exec\":{\"command\":[\"cat\",\"/tmp/ready\"]},"
        "\"periodSeconds\":1},\"livenessProbe\":{\"exec\":{\"command\":[\"sh\",\"-c\",\"! test "
        "-e /tmp/die\"]},\"periodSeconds\":1,\"failureThreshold\":1}}]}}";
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", probed), 201);
    json_t *p = wait_pod("two", "Running");
    CHECK(p != NULL);
    json_t *status = json_object_get(p, "status");
    const char *ip = json_string_value(json_object_get(status, "podIP"));
    CHECK(ip && strncmp(ip, "10.244.3.", 9) == 0);
    const char *uid = json_string_value(json_object_get(json_object_get(p, "metadata"), "uid"));
    cleanup_free char *uidc = xstrdup(uid ? uid : "none");
    json_t *cs = json_object_get(status, "containerStatuses");
    CHECK_INT(json_array_size(cs), 2);
    CHECK(json_object_get(json_object_get(json_array_get(cs, 0), "state"), "running") != NULL);
    /* The init container ran to completion before the app containers started. */
    json_t *ics = json_array_get(json_object_get(status, "initContainerStatuses"), 0);
    json_t *term = json_object_get(json_object_get(ics, "state"), "terminated");
    CHECK_STR(json_string_value(json_object_get(term, "reason")), "Completed");
    const char *fin = json_string_value(json_object_get(term, "finishedAt"));
    json_t *a0 = json_array_get(cs, 0), *a1 = json_array_get(cs, 1);
    const char *s0 = json_string_value(
        json_object_get(json_object_get(json_object_get(a0, "state"), "running"), "startedAt"));
    const char *s1 = json_string_value(
        json_object_get(json_object_get(json_object_get(a1, "state"), "running"), "startedAt"));
    CHECK(fin && s0 && s1 && strcmp(fin, s0) <= 0 && strcmp(fin, s1) <= 0);
    json_t *conds = json_object_get(status, "conditions"), *cd;
    size_t ci;
    int initialized = 0;
    json_array_foreach(conds, ci, cd)
    {
        if (strcmp(json_string_value(json_object_get(cd, "type")), "Initialized") == 0)
            initialized = strcmp(json_string_value(json_object_get(cd, "status")), "True") == 0;
    }
    CHECK(initialized);
    json_decref(p);

    /* The containers share the pod's network: the client reaches the server on localhost. */
    cleanup_free char *client_id = xasprintf("%s-client", uidc);
    CHECK(sh("r=''; for i in $(seq 1 30); do r=$(/usr/sbin/runc --root %s exec %s sh -c 'nc "
             "127.0.0.1 8080 </dev/null' 2>/dev/null); [ \"$r\" = shared ] && exit 0; sleep "
             "0.2; done; exit 1",
             runc_root, client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/resolv.conf | grep -q "
             "'^nameserver 10.96.0.10$'",
             runc_root, client_id) == 0);
    /* The emptyDir is shared; the configMap's key is a file, read-only. */
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /shared/x | grep -qx from-server", runc_root,
             client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/cfg/greeting | grep -qx 'hello from cfg'",
             runc_root, client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/sec/token | grep -qx s3cret", runc_root,
             client_id) == 0);
    /* downwardAPI: a volume of its own (labels as sorted key="value" lines, an item's mode) and
     * a projected source. */
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/info/labels | { read -r a; read -r b; "
             "[ \"$a\" = 'app=\"two\"' ] && [ \"$b\" = 'tier=\"db\"' ]; }",
             runc_root, client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/info/name | grep -qx two", runc_root,
             client_id) == 0);
    CHECK(
        sh("/usr/sbin/runc --root %s exec %s busybox stat -L -c %%a /etc/info/name | grep -qx 600",
           runc_root, client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/pinfo/ns | grep -qx default", runc_root,
             client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s cat /etc/info/cpu | grep -qx 250", runc_root,
             client_id) == 0);
    /* A label changed: the kubelet writes the labels file again, as upstream. */
    {
        cleanup_free char *url = xasprintf("%s/api/v1/namespaces/default/pods/two", base);
        th_resp_t r = {0};
        CHECK(th_http("PATCH", url, "application/merge-patch+json",
                      "{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}", &r) == 0 &&
              r.status == 200);
        th_resp_free(&r);
    }
    CHECK(sh("for i in $(seq 1 300); do /usr/sbin/runc --root %s exec %s cat /etc/info/labels | "
             "grep -qx 'tier=\"web\"' && exit 0; sleep 0.2; done; exit 1",
             runc_root, client_id) == 0);
    CHECK(sh("grep ' %s/pods/%s/volumes/sec ' /proc/self/mountinfo | grep -q ' - tmpfs '", root,
             uidc) == 0);
    CHECK(sh("! /usr/sbin/runc --root %s exec %s sh -c 'echo x > /etc/cfg/new' 2>/dev/null",
             runc_root, client_id) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s hostname | grep -qx two", runc_root, client_id) ==
          0);
    /* The claim's volume is the PersistentVolume's directory on the node. */
    CHECK(sh("/usr/sbin/runc --root %s exec %s sh -c 'echo persisted > /data/f'", runc_root,
             client_id) == 0);
    CHECK(sh("grep -qx persisted %s/f", pvdir) == 0);

    /* The failing container restarts: at once after its first exit, then after a 10 s back-off
     * reported as CrashLoopBackOff with the last run's exit code. */
    bool backoff_seen = false, lastcode = false;
    json_int_t restarts = 0;
    for (int i = 0; i < 400 && restarts < 2; i++) {
        json_t *x = get("/api/v1/namespaces/default/pods/crash", &st);
        json_t *c0 =
            json_array_get(json_object_get(json_object_get(x, "status"), "containerStatuses"), 0);
        restarts = json_integer_value(json_object_get(c0, "restartCount"));
        const char *reason = json_string_value(
            json_object_get(json_object_get(json_object_get(c0, "state"), "waiting"), "reason"));
        if (reason && strcmp(reason, "CrashLoopBackOff") == 0)
            backoff_seen = true;
        if (json_integer_value(json_object_get(
                json_object_get(json_object_get(c0, "lastState"), "terminated"), "exitCode")) == 1)
            lastcode = true;
        json_decref(x);
        usleep(100000);
    }
    CHECK(restarts >= 2);
    CHECK(backoff_seen);
    CHECK(lastcode);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/crash", NULL), 200);

    json_t *pp = wait_pod("probed", "Running");
    CHECK(pp != NULL);
    cleanup_free char *probed_id =
        xasprintf("%s-c", json_string_value(json_object_get(json_object_get(pp, "metadata"), "uid"))
                              ?: "none");
    json_decref(pp);
    sleep(2);
    CHECK(!pod_ready("probed"));
    CHECK(sh("/usr/sbin/runc --root %s exec %s touch /tmp/ready", runc_root, probed_id) == 0);
    bool ready = false;
    for (int i = 0; i < 100 && !ready; i++) {
        ready = pod_ready("probed");
        if (!ready)
            usleep(100000);
    }
    CHECK(ready);
    CHECK(sh("/usr/sbin/runc --root %s exec %s touch /tmp/die", runc_root, probed_id) == 0);
    json_int_t probed_restarts = 0;
    for (int i = 0; i < 150 && probed_restarts < 1; i++) {
        json_t *x = get("/api/v1/namespaces/default/pods/probed", &st);
        probed_restarts = json_integer_value(json_object_get(
            json_array_get(json_object_get(json_object_get(x, "status"), "containerStatuses"), 0),
            "restartCount"));
        json_decref(x);
        usleep(100000);
    }
    CHECK(probed_restarts >= 1);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/probed", NULL), 200);

    /* Network probes from the kubelet to the pod IP. "web": liveness httpGet on a page that is
     * missing, suspended while its startup probe (exec) has not passed, then failing into a
     * restart. "rd": readiness httpGet flips once the page exists. "tcp": readiness tcpSocket
     * flips once something listens on the port (named in ports). */
    const char *netprobed =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"netprobed\"},\"spec\":{"
        "\"nodeName\":\"kn\",\"terminationGracePeriodSeconds\":1,\"containers\":["
        "{\"name\":\"web\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sh\",\"-c\","
        "\"mkdir -p /tmp/w && exec busybox httpd -f -p 8080 -h /tmp/w\"],"
        "\"startupProbe\":{\"exec\":{\"command\":[\"test\",\"-e\",\"/tmp/started\"]},"
        "\"periodSeconds\":1,\"failureThreshold\":1000},"
        "\"livenessProbe\":{\"httpGet\":{\"port\":8080,\"path\":\"/alive\"},\"periodSeconds\":1,"
        "\"failureThreshold\":2}},"
        "{\"name\":\"rd\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sh\",\"-c\","
        "\"mkdir -p /tmp/r && exec busybox httpd -f -p 8081 -h /tmp/r\"],"
        "\"readinessProbe\":{\"httpGet\":{\"port\":8081,\"path\":\"/ok\",\"httpHeaders\":[{"
        "\"name\":\"X-A\",\"value\":\"b\"}]},\"periodSeconds\":1}},"
        "{\"name\":\"tcp\",\"image\":\"example.com/test/busybox:1\",\"command\":[\"sh\",\"-c\","
        "\"while ! test -e /tmp/go; do sleep 0.2; done; mkdir -p /tmp/t; exec busybox httpd -f "
        "-p 9000 -h /tmp/t\"],\"ports\":[{\"name\":\"lsn\",\"containerPort\":9000}],"
        "\"readinessProbe\":{\"tcpSocket\":{\"port\":\"lsn\"},\"periodSeconds\":1}}]}}";
    CHECK_INT(req("POST", "/api/v1/namespaces/default/pods", netprobed), 201);
    json_t *np = wait_pod("netprobed", "Running");
    CHECK(np != NULL);
    cleanup_free char *np_uid = xstrdup(
        json_string_value(json_object_get(json_object_get(np, "metadata"), "uid")) ?: "none");
    json_decref(np);
    sleep(3);
    /* Startup pending: liveness has not run (no restart), and the container is not started. */
    {
        json_t *x = get("/api/v1/namespaces/default/pods/netprobed", &st);
        json_t *cs0 = json_object_get(json_object_get(x, "status"), "containerStatuses");
        json_t *c;
        size_t i;
        json_array_foreach(cs0, i, c)
        {
            const char *n = json_string_value(json_object_get(c, "name")) ?: "";
            if (strcmp(n, "web") == 0) {
                CHECK_INT(json_integer_value(json_object_get(c, "restartCount")), 0);
                CHECK(json_is_false(json_object_get(c, "started")));
            } else {
                CHECK(json_is_false(json_object_get(c, "ready")));
            }
        }
        json_decref(x);
    }
    CHECK(!pod_ready("netprobed"));
    CHECK(sh("/usr/sbin/runc --root %s exec %s-rd touch /tmp/r/ok", runc_root, np_uid) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s-tcp touch /tmp/go", runc_root, np_uid) == 0);
    CHECK(sh("/usr/sbin/runc --root %s exec %s-web touch /tmp/started", runc_root, np_uid) == 0);
    bool rd_ready = false, tcp_ready = false;
    json_int_t web_restarts = 0;
    for (int i = 0; i < 200 && !(rd_ready && tcp_ready && web_restarts >= 1); i++) {
        json_t *x = get("/api/v1/namespaces/default/pods/netprobed", &st);
        json_t *c;
        size_t j;
        json_array_foreach(json_object_get(json_object_get(x, "status"), "containerStatuses"), j, c)
        {
            const char *n = json_string_value(json_object_get(c, "name")) ?: "";
            if (strcmp(n, "rd") == 0)
                rd_ready = json_is_true(json_object_get(c, "ready"));
            else if (strcmp(n, "tcp") == 0)
                tcp_ready = json_is_true(json_object_get(c, "ready"));
            else if (strcmp(n, "web") == 0)
                web_restarts = json_integer_value(json_object_get(c, "restartCount"));
        }
        json_decref(x);
        usleep(100000);
    }
    CHECK(rd_ready);
    CHECK(tcp_ready);
    CHECK(web_restarts >= 1);
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/netprobed", NULL), 200);

    /* What the teardown must remove is there now. */
    CHECK(sh("ls %s/cni/ipam/*/10.244.3.* >/dev/null 2>&1", root) == 0);
    CHECK(sh("grep -q ' %s/' /proc/self/mountinfo", root) == 0);
    CHECK(sh("test -e %s/run/netns/%s", root, uidc) == 0);
    CHECK(sh("test -n \"$(/usr/sbin/runc --root %s list -q)\"", runc_root) == 0);

    /* Graceful delete: everything goes, then the pod itself. */
    CHECK_INT(req("DELETE", "/api/v1/namespaces/default/pods/two", NULL), 200);
    bool gone = false;
    for (int i = 0; i < 300 && !gone; i++) {
        json_t *x = get("/api/v1/namespaces/default/pods/two", &st);
        json_decref(x);
        gone = st == 404;
        x = get("/api/v1/namespaces/default/pods/crash", &st);
        json_decref(x);
        gone = gone && st == 404;
        x = get("/api/v1/namespaces/default/pods/probed", &st);
        json_decref(x);
        gone = gone && st == 404;
        x = get("/api/v1/namespaces/default/pods/netprobed", &st);
        json_decref(x);
        gone = gone && st == 404;
        if (!gone)
            usleep(100000);
    }
    CHECK(gone);
    /* The pod's directory went; the claim's data did not go with it. */
    CHECK(sh("grep -qx persisted %s/f", pvdir) == 0);
    CHECK(sh("test -z \"$(/usr/sbin/runc --root %s list -q)\"", runc_root) == 0);
    CHECK(sh("! grep -q ' %s/' /proc/self/mountinfo", root) == 0);
    CHECK(sh("test ! -e %s/run/netns/%s", root, uidc) == 0);
    CHECK(sh("test ! -e %s/pods/%s", root, uidc) == 0);
    CHECK(sh("! ls %s/cni/ipam/*/10.244.3.* >/dev/null 2>&1", root) == 0);
    CHECK(sh("! find /sys/fs/cgroup%s -name 'pod%s' 2>/dev/null | grep -q .", kubepods, uidc) == 0);

    kubelet_stop(k);
    apiserver_stop(srv);
    kenv_cleanup(&env);
    TEST_END();
}
