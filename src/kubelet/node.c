/*
 * node.c — what the kubelet says about its node: facts read once (cpus, memory, disk, address,
 * kernel, OS, runc's version) and the Node status built from them (pure), and whether a status
 * says anything new to the API server (pure).
 */
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "c8s/patch.h"
#include "c8s/proc.h"
#include "c8s/quantity.h"
#include "c8s/version.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_PODS 110

static char *os_image(void)
{
    FILE *f = fopen("/etc/os-release", "r");
    if (!f)
        return xstrdup("Linux");
    char line[512];
    char *out = NULL;
    while (!out && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "PRETTY_NAME=", 12) != 0)
            continue;
        char *v = line + 12;
        v[strcspn(v, "\n")] = '\0';
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            v++;
        }
        out = xstrdup(v);
    }
    fclose(f);
    return out ? out : xstrdup("Linux");
}

static char *internal_ip(void)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) != 0)
        return xstrdup("127.0.0.1");
    char *out = NULL;
    for (struct ifaddrs *i = ifa; i && !out; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
            !(i->ifa_flags & IFF_UP))
            continue;
        char buf[INET_ADDRSTRLEN];
        if (inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof(buf)))
            out = xstrdup(buf);
    }
    freeifaddrs(ifa);
    /* A node with no other interface (a test's own network namespace) still has an address. */
    return out ? out : xstrdup("127.0.0.1");
}

static char *runc_version(void)
{
    const char *argv[] = {"runc", "--version", NULL};
    proc_result_t r = {0};
    char *out = NULL;
    if (proc_run_sync(argv, NULL, NULL, 0, &r) == 0 && r.out) {
        const char *p = strstr(r.out, "runc version ");
        if (p) {
            p += strlen("runc version ");
            out = xasprintf("runc://%.*s", (int)strcspn(p, " \n"), p);
        }
    }
    free((char *)r.out);
    free((char *)r.err);
    return out ? out : xstrdup("runc://unknown");
}

void kubelet_node_facts_read(kubelet_node_facts_t *f, const char *root_dir)
{
    memset(f, 0, sizeof(*f));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    f->cpus = n > 0 ? n : 1;
    struct sysinfo si;
    if (sysinfo(&si) == 0)
        f->memory_bytes = (int64_t)si.totalram * si.mem_unit;
    struct statvfs sv;
    if (statvfs(root_dir, &sv) == 0)
        f->storage_bytes = (int64_t)sv.f_blocks * (int64_t)sv.f_frsize;
    f->internal_ip = internal_ip();
    char host[256] = {0};
    if (gethostname(host, sizeof(host) - 1) != 0)
        snprintf(host, sizeof(host), "localhost");
    f->hostname = xstrdup(host);
    struct utsname u;
    f->kernel = xstrdup(uname(&u) == 0 ? u.release : "unknown");
    f->os_image = os_image();
    f->arch = xstrdup(image_host_arch());
    f->runtime_version = runc_version();
}

void kubelet_node_facts_free(kubelet_node_facts_t *f)
{
    free(f->internal_ip);
    free(f->hostname);
    free(f->kernel);
    free(f->os_image);
    free(f->arch);
    free(f->runtime_version);
    memset(f, 0, sizeof(*f));
}

static const char *old_transition(const json_t *old_status, const char *type, const char *status)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(old_status, "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")) ?: "", type) == 0 &&
            strcmp(json_string_value(json_object_get(c, "status")) ?: "", status) == 0)
            return json_string_value(json_object_get(c, "lastTransitionTime"));
    }
    return NULL;
}

static json_t *condition(const json_t *old_status, const char *type, const char *status,
                         const char *reason, const char *message, const char *now)
{
    const char *lt = old_transition(old_status, type, status);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", type, "status", status,
                     "lastHeartbeatTime", now, "lastTransitionTime", lt ? lt : now, "reason",
                     reason, "message", message);
}

json_t *kubelet_node_status(const kubelet_node_facts_t *f, const json_t *old_status,
                            const char *now)
{
    char cpu[32], mem[32], storage[32], pods[16];
    snprintf(cpu, sizeof(cpu), "%lld", (long long)f->cpus);
    snprintf(mem, sizeof(mem), "%lldKi", (long long)(f->memory_bytes / 1024));
    snprintf(storage, sizeof(storage), "%lldKi", (long long)(f->storage_bytes / 1024));
    snprintf(pods, sizeof(pods), "%d", MAX_PODS);
    json_t *capacity = json_pack("{s:s, s:s, s:s, s:s}", "cpu", cpu, "memory", mem,
                                 "ephemeral-storage", storage, "pods", pods);
    json_t *conditions = json_array();
    json_array_append_new(conditions, condition(old_status, "MemoryPressure", "False",
                                                "KubeletHasSufficientMemory",
                                                "kubelet has sufficient memory available", now));
    json_array_append_new(conditions,
                          condition(old_status, "DiskPressure", "False", "KubeletHasNoDiskPressure",
                                    "kubelet has no disk pressure", now));
    json_array_append_new(conditions,
                          condition(old_status, "PIDPressure", "False", "KubeletHasSufficientPID",
                                    "kubelet has sufficient PID available", now));
    json_array_append_new(conditions, condition(old_status, "Ready", "True", "KubeletReady",
                                                "kubelet is posting ready status", now));
    return json_pack(
        "{s:o, s:O, s:o, s:[{s:s, s:s}, {s:s, s:s}], s:{s:{s:i}}, s:{s:s, s:s, s:s, s:s, s:s, s:s, "
        "s:s, s:s, s:s, s:s}}",
        "capacity", capacity, "allocatable", capacity, "conditions", conditions, "addresses",
        "type", "InternalIP", "address", f->internal_ip, "type", "Hostname", "address", f->hostname,
        "daemonEndpoints", "kubeletEndpoint", "Port", f->kubelet_port, "nodeInfo", "machineID", "",
        "systemUUID", "", "bootID", "", "kernelVersion", f->kernel, "osImage", f->os_image,
        "containerRuntimeVersion", f->runtime_version, "kubeletVersion", C8S_KUBE_VERSION,
        "kubeProxyVersion", C8S_KUBE_VERSION, "operatingSystem", "linux", "architecture", f->arch);
}

json_t *kubelet_node_condition_events(const json_t *current, const json_t *status)
{
    static const struct {
        const char *type, *if_true, *if_false;
    } names[] = {
        {"MemoryPressure", "NodeHasInsufficientMemory", "NodeHasSufficientMemory"},
        {"DiskPressure", "NodeHasDiskPressure", "NodeHasNoDiskPressure"},
        {"PIDPressure", "NodeHasInsufficientPID", "NodeHasSufficientPID"},
        {"Ready", "NodeReady", "NodeNotReady"},
    };
    json_t *out = json_array();
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(status, "conditions"), i, c)
    {
        const char *type = json_string_value(json_object_get(c, "type")) ?: "";
        const char *st = json_string_value(json_object_get(c, "status")) ?: "";
        for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
            if (strcmp(type, names[n].type) != 0)
                continue;
            /* Said when the API's copy says otherwise: a new node, a change, or a status the
             * node lifecycle controller set to Unknown meanwhile. */
            const char *was = NULL;
            json_t *o;
            size_t j;
            json_array_foreach(json_object_get(current, "conditions"), j, o)
            {
                if (strcmp(json_string_value(json_object_get(o, "type")) ?: "", type) == 0)
                    was = json_string_value(json_object_get(o, "status"));
            }
            if (!was || strcmp(was, st) != 0)
                json_array_append_new(
                    out,
                    json_string(strcmp(st, "True") == 0 ? names[n].if_true : names[n].if_false));
        }
    }
    return out;
}

/* Two resource lists (capacity, allocatable) name the same amounts: "1Gi" is "1024Mi". */
static bool resources_equal(const json_t *a, const json_t *b)
{
    if (!a || !b)
        return a == b;
    if (!json_is_object(a) || !json_is_object(b) || json_object_size(a) != json_object_size(b))
        return json_equal(a, b);
    const char *name;
    json_t *va;
    json_object_foreach((json_t *)a, name, va)
    {
        json_t *vb = json_object_get(b, name);
        if (!vb)
            return false;
        quantity_t qa, qb;
        c8s_err_t ea = C8S_ERR_INIT, eb = C8S_ERR_INIT;
        bool parsed =
            quantity_parse_json(va, &qa, &ea) == 0 && quantity_parse_json(vb, &qb, &eb) == 0;
        c8s_err_clear(&ea);
        c8s_err_clear(&eb);
        if (parsed ? quantity_cmp(&qa, &qb) != 0 : !json_equal(va, vb))
            return false;
    }
    return true;
}

/* A condition without its heartbeat time (owned). */
static json_t *without_heartbeat(const json_t *c)
{
    json_t *out = json_copy((json_t *)c);
    json_object_del(out, "lastHeartbeatTime");
    return out;
}

/* Upstream pairs conditions up by type (both lists sorted); the first unpaired one of b with a's
 * type is a's partner here, which is the same when types are unique, as a kubelet's are. */
static bool conditions_changed(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return true;
    size_t n = json_array_size(a);
    if (n == 0)
        return false;
    cleanup_free bool *used = xcalloc(n, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        const json_t *ca = json_array_get(a, i);
        const char *type = json_string_value(json_object_get(ca, "type")) ?: "";
        bool paired = false;
        for (size_t j = 0; j < n && !paired; j++) {
            const json_t *cb = json_array_get(b, j);
            if (used[j] || strcmp(json_string_value(json_object_get(cb, "type")) ?: "", type) != 0)
                continue;
            cleanup_json json_t *xa = without_heartbeat(ca);
            cleanup_json json_t *xb = without_heartbeat(cb);
            if (!json_equal(xa, xb))
                return true;
            used[j] = paired = true;
        }
        if (!paired)
            return true;
    }
    return false;
}

bool kubelet_node_status_changed(const json_t *current, const json_t *status)
{
    if (!json_is_object(current))
        return true;
    cleanup_json json_t *next = patch_merge(current, status);
    if (conditions_changed(json_object_get(current, "conditions"),
                           json_object_get(next, "conditions")))
        return true;
    static const char *const resources[] = {"capacity", "allocatable"};
    for (size_t i = 0; i < 2; i++)
        if (!resources_equal(json_object_get(current, resources[i]),
                             json_object_get(next, resources[i])))
            return true;
    cleanup_json json_t *rest_cur = json_copy((json_t *)current);
    cleanup_json json_t *rest_next = json_copy(next);
    static const char *const compared[] = {"conditions", "capacity", "allocatable"};
    for (size_t i = 0; i < 3; i++) {
        json_object_del(rest_cur, compared[i]);
        json_object_del(rest_next, compared[i]);
    }
    return !json_equal(rest_cur, rest_next);
}
