/* test_cni.c — pod networks on the real CNI plugins (/usr/lib/cni), in a network namespace of
 * the test's own (unshare: the "node"; it goes when the test ends): two pod namespaces get
 * addresses on the c8s0 bridge and reach each other, a hostPort is mapped, and after DEL nothing
 * is left — no veth, no IPAM lease, no cached result, no portmap rule, no namespace file.
 * Root only. */
#include "c8s/cni.h"
#include "test.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uv_loop_t loop;

typedef struct {
    bool done;
    int rc;
    char ip[64];
    char err[512];
} wait_t;

static void on_cni(int rc, const json_t *result, const char *err, void *data)
{
    wait_t *w = data;
    w->done = true;
    w->rc = rc;
    if (result && !cni_result_ip(result, w->ip, sizeof(w->ip)))
        w->ip[0] = '\0';
    snprintf(w->err, sizeof(w->err), "%s", err ? err : "");
}

static void run(wait_t *w)
{
    for (int i = 0; i < 3000 && !w->done; i++)
        uv_run(&loop, UV_RUN_ONCE);
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

int main(void)
{
    if (geteuid() != 0)
        TEST_SKIP("needs root (network namespaces, CNI plugins)");
    if (access("/usr/lib/cni/bridge", X_OK) != 0)
        TEST_SKIP("no CNI plugins in /usr/lib/cni");
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(sh("ip link set lo up") == 0);
    char dir[] = "/tmp/c8s-cni-XXXXXX";
    REQUIRE(mkdtemp(dir));
    cleanup_free char *state = xasprintf("%s/state", dir);
    cleanup_free char *ns1 = xasprintf("%s/ns1", dir);
    cleanup_free char *ns2 = xasprintf("%s/ns2", dir);
    uv_loop_init(&loop);
    cni_config_t cfg = {.state_dir = state, .subnet = "10.244.7.0/24"};

    /* The gateway is the subnet's first address; ranges is a list of range sets. */
    cleanup_json json_t *list = cni_conflist(&cfg, NULL);
    json_t *bridge = json_array_get(json_object_get(list, "plugins"), 0);
    json_t *range = json_array_get(
        json_array_get(json_object_get(json_object_get(bridge, "ipam"), "ranges"), 0), 0);
    CHECK_STR(json_string_value(json_object_get(range, "gateway")), "10.244.7.1");
    cni_config_t bad = {.state_dir = state, .subnet = "10.244.7.0"};
    c8s_err_t berr = C8S_ERR_INIT;
    CHECK(cni_conflist(&bad, &berr) == NULL);
    c8s_err_t err = C8S_ERR_INIT;
    wait_t n1 = {0}, n2 = {0}, again_ns = {0};
    cni_netns_create(&loop, ns1, on_cni, &n1);
    run(&n1);
    REQUIRE(n1.rc == 0);
    cni_netns_create(&loop, ns2, on_cni, &n2);
    run(&n2);
    REQUIRE(n2.rc == 0);
    cni_netns_create(&loop, ns1, on_cni, &again_ns);
    run(&again_ns);
    CHECK(again_ns.rc != 0); /* exists */

    cleanup_json json_t *spec = json_loads(
        "{\"containers\":[{\"name\":\"a\",\"ports\":[{\"containerPort\":80,\"hostPort\":8081}]}]}",
        0, NULL);
    cleanup_json json_t *maps = cni_port_mappings(spec);
    CHECK_INT(json_array_size(maps), 1);

    wait_t a = {0}, b = {0};
    cni_add(&loop, &cfg, "pod-a", ns1, "default", "a", maps, on_cni, &a);
    run(&a);
    CHECK_MSG(a.rc == 0, "ADD a: %s", a.err);
    CHECK_STR(a.ip, "10.244.7.2");
    cni_add(&loop, &cfg, "pod-b", ns2, "default", "b", NULL, on_cni, &b);
    run(&b);
    CHECK_MSG(b.rc == 0, "ADD b: %s", b.err);
    CHECK_STR(b.ip, "10.244.7.3");

    /* The two pods reach each other over the bridge, and the node reaches them. */
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "nsenter --net=%s busybox ping -c1 -W2 10.244.7.3 >/dev/null 2>&1",
             ns1);
    CHECK_INT(sh(cmd), 0);
    CHECK_INT(sh("busybox ping -c1 -W2 10.244.7.2 >/dev/null 2>&1"), 0);
    CHECK_INT(sh("ip -o addr show dev c8s0 | grep -q 10.244.7.1/24"), 0);
    CHECK_INT(sh("iptables-save -t nat | grep -q 'dport 8081'"), 0);

    cleanup_free char *leases = xasprintf("%s/ipam/c8s", state);
    cleanup_free char *results = xasprintf("%s/results", state);
    CHECK(count_files(results) == 2);

    wait_t da = {0}, db = {0}, again = {0};
    cni_del(&loop, &cfg, "pod-a", ns1, "default", "a", on_cni, &da);
    run(&da);
    CHECK_MSG(da.rc == 0, "DEL a: %s", da.err);
    cni_del(&loop, &cfg, "pod-b", ns2, "default", "b", on_cni, &db);
    run(&db);
    CHECK_MSG(db.rc == 0, "DEL b: %s", db.err);
    /* DEL is idempotent. */
    cni_del(&loop, &cfg, "pod-b", ns2, "default", "b", on_cni, &again);
    run(&again);
    CHECK_INT(again.rc, 0);

    CHECK_INT(sh("ip -o link show type veth | grep -q ."), 1);
    CHECK_INT(sh("iptables-save -t nat | grep -q 'dport 8081'"), 1);
    CHECK_INT(count_files(results), 0);
    /* host-local keeps a file per address in use (and its own bookkeeping): none per IP. */
    snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^10\\.'", leases);
    CHECK_INT(sh(cmd), 1);

    CHECK_INT(cni_netns_remove(ns1, &err), 0);
    CHECK_INT(cni_netns_remove(ns2, &err), 0);
    CHECK_INT(cni_netns_remove(ns2, &err), 0); /* gone already */
    CHECK(access(ns1, F_OK) != 0);
    CHECK_INT(uv_loop_close(&loop), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    sh(cmd);
    TEST_END();
}
