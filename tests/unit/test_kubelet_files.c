/* test_kubelet_files.c — the per-pod files the kubelet writes: hostname, /etc/hosts (FQDN with
 * a subdomain, hostAliases) and /etc/resolv.conf by dnsPolicy (ClusterFirst with the node's
 * search domains, Default, None, hostNetwork, dnsConfig merged). JSON written with ' for ". */
#include "c8s/kubelet.h"
#include "json_lit.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char *NODE = "# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"
                          "search corp.example\noptions timeout:2 rotate\n";

static void check_resolv(const char *pod, const char *want)
{
    cleanup_json json_t *p = J(pod);
    cleanup_free char *got = kubelet_pod_resolv_conf(p, "10.96.0.10", "cluster.local", NODE);
    CHECK_STR(got, want);
}

int main(void)
{
    cleanup_json json_t *p1 = J("{'metadata':{'name':'web-0','namespace':'shop'},'spec':{}}");
    cleanup_free char *h1 = kubelet_pod_hostname(p1);
    CHECK_STR(h1, "web-0");
    cleanup_json json_t *p2 =
        J("{'metadata':{'name':'web-0','namespace':'shop'},'spec':{'hostname':'a','subdomain':'"
          "s','hostAliases':[{'ip':'192.0.2.9','hostnames':['x','y']}]}}");
    cleanup_free char *h2 = kubelet_pod_hostname(p2);
    CHECK_STR(h2, "a");
    cleanup_json json_t *p3 = J("{'metadata':{'name':'"
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-"
                                "bbbb'},'spec':{}}");
    cleanup_free char *h3 = kubelet_pod_hostname(p3);
    CHECK_INT(strlen(h3), 62); /* cut at 63, the trailing '-' dropped */

    const char *local =
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
    cleanup_free char *hosts1 = kubelet_pod_hosts(p1, "10.244.0.5", "cluster.local");
    cleanup_free char *want1 = xasprintf("%s10.244.0.5\tweb-0\n", local);
    CHECK_STR(hosts1, want1);
    cleanup_free char *hosts2 = kubelet_pod_hosts(p2, "10.244.0.6", "cluster.local");
    cleanup_free char *want2 =
        xasprintf("%s10.244.0.6\ta.s.shop.svc.cluster.local\ta\n\n# Entries added by "
                  "HostAliases.\n192.0.2.9\tx\ty\n",
                  local);
    CHECK_STR(hosts2, want2);
    cleanup_free char *hosts3 = kubelet_pod_hosts(p1, NULL, "cluster.local");
    CHECK_STR(hosts3, local);

    check_resolv("{'metadata':{'name':'p','namespace':'shop'},'spec':{}}",
                 "nameserver 10.96.0.10\n"
                 "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
                 "options ndots:5\n");
    check_resolv("{'metadata':{'name':'p','namespace':'shop'},'spec':{'dnsPolicy':'Default'}}",
                 "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\n"
                 "options timeout:2 rotate\n");
    /* ClusterFirst on the host's network is Default; ClusterFirstWithHostNet is the cluster's. */
    check_resolv("{'metadata':{'name':'p','namespace':'shop'},'spec':{'hostNetwork':true}}",
                 "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\n"
                 "options timeout:2 rotate\n");
    check_resolv("{'metadata':{'name':'p','namespace':'x'},'spec':{'hostNetwork':true,"
                 "'dnsPolicy':'ClusterFirstWithHostNet'}}",
                 "nameserver 10.96.0.10\n"
                 "search x.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
                 "options ndots:5\n");
    check_resolv("{'metadata':{'name':'p','namespace':'shop'},'spec':{'dnsPolicy':'None',"
                 "'dnsConfig':{'nameservers':['1.1.1.1'],'searches':['a.example'],"
                 "'options':[{'name':'ndots','value':'2'},{'name':'edns0'}]}}}",
                 "nameserver 1.1.1.1\nsearch a.example\noptions ndots:2 edns0\n");
    /* dnsConfig merges into ClusterFirst: an option of the same name replaces ndots:5. */
    check_resolv(
        "{'metadata':{'name':'p','namespace':'shop'},'spec':{'dnsConfig':{"
        "'nameservers':['10.96.0.10','1.1.1.1'],'options':[{'name':'ndots','value':'1'}]}}}",
        "nameserver 10.96.0.10\nnameserver 1.1.1.1\n"
        "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
        "options ndots:1\n");
    /* No node file at all. */
    cleanup_json json_t *pd = J("{'metadata':{'name':'p'},'spec':{'dnsPolicy':'Default'}}");
    cleanup_free char *empty = kubelet_pod_resolv_conf(pd, "10.96.0.10", "cluster.local", NULL);
    CHECK_STR(empty, "");
    TEST_END();
}
