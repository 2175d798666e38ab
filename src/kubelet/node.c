/*
 * node.c — what the kubelet says about its node: facts read once (cpus, memory, disk, address,
 * kernel, OS, runc's version) and the Node status built from them (pure).
 */
#include "c8s/image.h"
#include "c8s/kubelet.h"
#include "c8s/proc.h"
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
