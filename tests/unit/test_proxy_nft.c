/* test_proxy_nft.c — the nftables mode's script builder: a golden first script for a ClientIP
 * service with two endpoints (the table replaced whole, kube-proxy's nftables layout), partial
 * scripts naming only what changed (a rewritten service chain, a stale endpoint chain and
 * affinity set, map elements), services without endpoints, NodePort with
 * externalTrafficPolicy Local, protocols, and later full scripts that flush rather than replace
 * the table. The scripts were checked against nft in a network namespace (services_nft.sh
 * applies them for real). JSON written with ' for ". */
#include "c8s/proxy.h"
#include "json_lit.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const proxy_opts_t opts = {.node_name = "n1", .cluster_cidr = "10.244.0.0/16"};

/* Builds and returns the script (owned); dirty: the changed services' JSON object, or NULL. */
static char *build_dirty(proxy_nft_t *r, const char *svcs, const char *slices, const char *dirty,
                         bool full)
{
    cleanup_json json_t *s = J(svcs);
    cleanup_json json_t *e = J(slices);
    cleanup_json json_t *d = dirty ? J(dirty) : NULL;
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = proxy_nft_build(r, s, e, d, &opts, full, &out, &err);
    CHECK_INT(rc, 0);
    return strbuf_take(&out);
}

static char *build(proxy_nft_t *r, const char *svcs, const char *slices, bool full)
{
    return build_dirty(r, svcs, slices, NULL, full);
}

static bool has(const char *text, const char *line)
{
    return strstr(text, line) != NULL;
}

static size_t count(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

#define WEB_SVC(rv)                                                                                \
    "[{'metadata':{'namespace':'default','name':'web','resourceVersion':'" rv "'},'spec':{"        \
    "'clusterIP':'10.96.0.50','sessionAffinity':'ClientIP','ports':[{'name':'http','port':80,"     \
    "'protocol':'TCP','targetPort':8080}]}}]"
#define WEB_SLICE(rv, eps)                                                                         \
    "[{'metadata':{'namespace':'default','name':'web-abc','resourceVersion':'" rv "','labels':{"   \
    "'kubernetes.io/service-name':'web'}},'addressType':'IPv4','ports':[{'name':'http','port':"    \
    "8080,'protocol':'TCP'}],'endpoints':[" eps "]}]"
#define EP(ip, extra) "{'addresses':['" ip "']" extra "}"
#define TWO           EP("10.88.0.3", ",'conditions':{'ready':true}") "," EP("10.88.0.2", "")
#define SVC_CHAIN     "service-CDGGSHYL-default/web/tcp/http"
#define EP2           "endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080"
#define EP3           "endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080"
#define AFF3          "affinity-CXPKPKBS-default/web/tcp/http__10.88.0.3/8080"

static const char golden[] =
    "add table ip kube-proxy\n"
    "delete table ip kube-proxy\n"
    "add table ip kube-proxy { comment \"rules for c8s's service proxy\" ; }\n"
    "add chain ip kube-proxy mark-for-masquerade\n"
    "add chain ip kube-proxy masquerading\n"
    "add chain ip kube-proxy services\n"
    "add chain ip kube-proxy service-endpoints-check\n"
    "add chain ip kube-proxy nodeport-endpoints-check\n"
    "add chain ip kube-proxy reject-chain\n"
    "add chain ip kube-proxy filter-input { type filter hook input priority -10 ; }\n"
    "add chain ip kube-proxy filter-forward { type filter hook forward priority -10 ; }\n"
    "add chain ip kube-proxy filter-output { type filter hook output priority -10 ; }\n"
    "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }\n"
    "add chain ip kube-proxy nat-output { type nat hook output priority -100 ; }\n"
    "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }\n"
    "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; }\n"
    "add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; }\n"
    "add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : "
    "verdict ; }\n"
    "add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; }\n"
    "add set ip kube-proxy cluster-ip-ports { type ipv4_addr . inet_proto . inet_service ; }\n"
    "add set ip kube-proxy hairpin-endpoints { type ipv4_addr . ipv4_addr ; }\n"
    "add rule ip kube-proxy mark-for-masquerade mark set mark or 0x4000\n"
    "add rule ip kube-proxy masquerading ct status dnat ip saddr . ip daddr @hairpin-endpoints "
    "jump mark-for-masquerade\n"
    "add rule ip kube-proxy masquerading mark and 0x4000 == 0 return\n"
    "add rule ip kube-proxy masquerading mark set mark xor 0x4000\n"
    "add rule ip kube-proxy services ip saddr != 10.244.0.0/16 ip daddr . meta l4proto . th dport "
    "@cluster-ip-ports jump mark-for-masquerade\n"
    "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips\n"
    "add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . "
    "th dport vmap @service-nodeports\n"
    "add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap "
    "@no-endpoint-services\n"
    "add rule ip kube-proxy nodeport-endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 "
    "meta l4proto . th dport vmap @no-endpoint-nodeports\n"
    "add rule ip kube-proxy reject-chain reject\n"
    "add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check\n"
    "add rule ip kube-proxy filter-input ct state new jump service-endpoints-check\n"
    "add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check\n"
    "add rule ip kube-proxy filter-forward ct state new jump nodeport-endpoints-check\n"
    "add rule ip kube-proxy filter-output ct state new jump service-endpoints-check\n"
    "add rule ip kube-proxy nat-prerouting jump services\n"
    "add rule ip kube-proxy nat-output jump services\n"
    "add rule ip kube-proxy nat-postrouting jump masquerading\n"
    "add rule ip kube-proxy masquerading masquerade fully-random\n"
    "add set ip kube-proxy affinity-VJT3A24L-default/web/tcp/http__10.88.0.2/8080 { type ipv4_addr "
    "; flags dynamic,timeout ; timeout 10800s ; }\n"
    "add set ip kube-proxy affinity-CXPKPKBS-default/web/tcp/http__10.88.0.3/8080 { type ipv4_addr "
    "; flags dynamic,timeout ; timeout 10800s ; }\n"
    "add chain ip kube-proxy service-CDGGSHYL-default/web/tcp/http\n"
    "add chain ip kube-proxy endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080\n"
    "add chain ip kube-proxy endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080\n"
    "add rule ip kube-proxy service-CDGGSHYL-default/web/tcp/http ip saddr "
    "@affinity-VJT3A24L-default/web/tcp/http__10.88.0.2/8080 goto "
    "endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080\n"
    "add rule ip kube-proxy service-CDGGSHYL-default/web/tcp/http ip saddr "
    "@affinity-CXPKPKBS-default/web/tcp/http__10.88.0.3/8080 goto "
    "endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080\n"
    "add rule ip kube-proxy service-CDGGSHYL-default/web/tcp/http numgen random mod 2 == 0 goto "
    "endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080\n"
    "add rule ip kube-proxy service-CDGGSHYL-default/web/tcp/http goto "
    "endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080\n"
    "add rule ip kube-proxy endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080 update "
    "@affinity-VJT3A24L-default/web/tcp/http__10.88.0.2/8080 { ip saddr }\n"
    "add rule ip kube-proxy endpoint-5FVNGIZV-default/web/tcp/http__10.88.0.2/8080 meta l4proto "
    "tcp dnat to 10.88.0.2:8080\n"
    "add rule ip kube-proxy endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080 update "
    "@affinity-CXPKPKBS-default/web/tcp/http__10.88.0.3/8080 { ip saddr }\n"
    "add rule ip kube-proxy endpoint-BEA5ZNTD-default/web/tcp/http__10.88.0.3/8080 meta l4proto "
    "tcp dnat to 10.88.0.3:8080\n"
    "add element ip kube-proxy service-ips { 10.96.0.50 . tcp . 80 comment "
    "\"default/web/tcp/http\" : goto service-CDGGSHYL-default/web/tcp/http }\n"
    "add element ip kube-proxy cluster-ip-ports { 10.96.0.50 . tcp . 80 }\n"
    "add element ip kube-proxy hairpin-endpoints { 10.88.0.2 . 10.88.0.2, 10.88.0.3 . 10.88.0.3 "
    "}\n";

static void test_golden(void)
{
    proxy_nft_t *r = proxy_nft_new();
    /* Endpoints out of order, one with no readiness (counts as ready), as slices carry them. */
    cleanup_free char *p = build(r, WEB_SVC("1"), WEB_SLICE("1", TWO), false);
    CHECK_STR(p, golden);
    CHECK_INT(proxy_nft_chains(r), 3);
    proxy_nft_free(r);
}

static void test_partial(void)
{
    proxy_nft_t *r = proxy_nft_new();
    cleanup_free char *first = build(r, WEB_SVC("1"), WEB_SLICE("1", TWO), false);
    /* Nothing changed: an empty script (nft applies it as a no-op). */
    cleanup_free char *same = build(r, WEB_SVC("1"), WEB_SLICE("1", TWO), false);
    CHECK_STR(same, "");
    /* One endpoint turns unready: the service chain is rewritten in place, the endpoint's chain
     * and affinity set removed after it, the other endpoint and the maps left alone. */
    cleanup_free char *less = build(
        r, WEB_SVC("1"),
        WEB_SLICE("2", EP("10.88.0.3", ",'conditions':{'ready':false}") "," EP("10.88.0.2", "")),
        false);
    CHECK_STR(less,
              "add chain ip kube-proxy " SVC_CHAIN "\n"
              "flush chain ip kube-proxy " SVC_CHAIN "\n"
              "add rule ip kube-proxy " SVC_CHAIN
              " ip saddr @affinity-VJT3A24L-default/web/tcp/http__10.88.0.2/8080 goto " EP2 "\n"
              "add rule ip kube-proxy " SVC_CHAIN " goto " EP2 "\n"
              "delete element ip kube-proxy hairpin-endpoints { 10.88.0.3 . 10.88.0.3 }\n"
              "flush chain ip kube-proxy " EP3 "\n"
              "delete chain ip kube-proxy " EP3 "\n"
              "delete set ip kube-proxy " AFF3 "\n");
    CHECK_INT(proxy_nft_chains(r), 2);
    /* No endpoint left: the cluster IP moves from service-ips to no-endpoint-services. */
    cleanup_free char *none = build(
        r, WEB_SVC("1"), WEB_SLICE("3", EP("10.88.0.2", ",'conditions':{'ready':false}")), false);
    CHECK(has(none, "delete element ip kube-proxy service-ips { 10.96.0.50 . tcp . 80 }\n"));
    CHECK(has(none, "add element ip kube-proxy no-endpoint-services { 10.96.0.50 . tcp . 80 "
                    "comment \"default/web/tcp/http\" : goto reject-chain }\n"));
    CHECK(has(none, "delete chain ip kube-proxy " SVC_CHAIN "\n"));
    /* Element deletions come before the chains they point to go. */
    CHECK(strstr(none, "delete element") < strstr(none, "delete chain"));
    CHECK_INT(proxy_nft_chains(r), 0);
    /* A later full script keeps the table (and the affinity sets' contents): it flushes. */
    cleanup_free char *full = build(r, WEB_SVC("1"), WEB_SLICE("1", TWO), true);
    CHECK(!has(full, "delete table"));
    CHECK(has(full, "flush map ip kube-proxy service-ips\n"));
    CHECK(has(full, "flush chain ip kube-proxy " EP3 "\n"));
    CHECK(has(full, "add element ip kube-proxy service-ips { 10.96.0.50 . tcp . 80 comment "
                    "\"default/web/tcp/http\" : goto " SVC_CHAIN " }\n"));
    CHECK_INT(proxy_nft_chains(r), 3);
    /* After a failed script the table is unknown: the next build replaces it. */
    proxy_nft_forget(r);
    cleanup_free char *again = build(r, WEB_SVC("1"), WEB_SLICE("1", TWO), false);
    CHECK_STR(again, golden);
    /* The service goes: its elements, chains and sets. */
    cleanup_free char *gone = build(r, "[]", "[]", false);
    CHECK(has(gone, "delete element ip kube-proxy service-ips { 10.96.0.50 . tcp . 80 }\n"));
    CHECK(has(gone, "delete chain ip kube-proxy " EP2 "\n"));
    CHECK(has(gone, "delete set ip kube-proxy " AFF3 "\n"));
    CHECK_INT(count(gone, "delete chain"), 3);
    CHECK_INT(proxy_nft_chains(r), 0);
    proxy_nft_free(r);
}

static void test_no_endpoints(void)
{
    proxy_nft_t *r = proxy_nft_new();
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'a','name':'np'},'spec':{'type':'NodePort','clusterIP':"
        "'10.96.0.9','externalIPs':['192.0.2.7'],'ports':[{'port':53,'protocol':'UDP','nodePort':"
        "30053}]}}]",
        "[]", false);
    CHECK(has(p, "add element ip kube-proxy no-endpoint-services { 10.96.0.9 . udp . 53 comment "
                 "\"a/np/udp/\" : goto reject-chain, 192.0.2.7 . udp . 53 comment \"a/np/udp/\" : "
                 "goto reject-chain }\n"));
    CHECK(has(p, "add element ip kube-proxy no-endpoint-nodeports { udp . 30053 comment "
                 "\"a/np/udp/\" : goto reject-chain }\n"));
    CHECK(!has(p, "add element ip kube-proxy service-ips"));
    CHECK(!has(p, "balance-"));
    CHECK_INT(proxy_nft_chains(r), 0);
    proxy_nft_free(r);
}

static void test_nodeport_local(void)
{
    proxy_nft_t *r = proxy_nft_new();
    /* Local external policy: the external chain keeps clients' addresses (no masquerade mark)
     * and sends them to this node's endpoint only; pods and the node itself go cluster-wide. */
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'b','name':'np'},'spec':{'type':'NodePort','clusterIP':"
        "'10.96.1.1','externalTrafficPolicy':'Local','ports':[{'name':'web','port':80,"
        "'nodePort':30080,'protocol':'SCTP'}]},'status':{'loadBalancer':{'ingress':[{'ip':"
        "'192.0.2.9'}]}}}]",
        "[{'metadata':{'namespace':'b','name':'np-1','labels':{'kubernetes.io/service-name':'np'}},"
        "'addressType':'IPv4','ports':[{'name':'web','port':8080,'protocol':'SCTP'}],'endpoints':"
        "[{'addresses':['10.244.1.5'],'nodeName':'n1'},{'addresses':['10.244.2.5'],'nodeName':"
        "'n2'}]}]",
        false);
#define EXT "external-XPVSV67W-b/np/sctp/web"
#define SVC "service-XPVSV67W-b/np/sctp/web"
#define LOC "local-XPVSV67W-b/np/sctp/web"
    CHECK(has(p, "add rule ip kube-proxy " EXT " ip saddr 10.244.0.0/16 goto " SVC "\n"
                 "add rule ip kube-proxy " EXT " fib saddr type local jump mark-for-masquerade\n"
                 "add rule ip kube-proxy " EXT " fib saddr type local goto " SVC "\n"
                 "add rule ip kube-proxy " EXT " goto " LOC "\n"));
    CHECK(has(p, "add rule ip kube-proxy " LOC " meta l4proto sctp dnat to 10.244.1.5:8080\n"));
    /* Without affinity the service chain picks and DNATs itself: 1/2, then the rest. */
    CHECK(has(p, "add rule ip kube-proxy " SVC
                 " numgen random mod 2 == 0 meta l4proto sctp dnat to 10.244.1.5:8080\n"
                 "add rule ip kube-proxy " SVC " meta l4proto sctp dnat to 10.244.2.5:8080\n"));
    /* The cluster IP port is still masqueraded for clients from outside the pod CIDR. */
    CHECK(has(p, "add element ip kube-proxy cluster-ip-ports { 10.96.1.1 . sctp . 80 }\n"));
    CHECK(has(p, "add element ip kube-proxy hairpin-endpoints { 10.244.1.5 . 10.244.1.5, "
                 "10.244.2.5 . 10.244.2.5 }\n"));
    CHECK(has(p, "add element ip kube-proxy service-nodeports { sctp . 30080 comment "
                 "\"b/np/sctp/web\" : goto " EXT " }\n"));
    CHECK(has(p, "192.0.2.9 . sctp . 80 comment \"b/np/sctp/web\" : goto " EXT));
    CHECK(has(p, "10.96.1.1 . sctp . 80 comment \"b/np/sctp/web\" : goto " SVC));
    /* Per-service chains only: nothing shared. */
    CHECK(!has(p, "balance-") && !has(p, "map ip kube-proxy endpoints-"));
    CHECK(has(p, "meta l4proto sctp dnat to 10.244.2.5:8080\n"));
    CHECK(!has(p, "add set ip kube-proxy affinity-"));
    CHECK_INT(proxy_nft_chains(r), 3);
    proxy_nft_free(r);
}

static void test_internal_local_and_headless(void)
{
    proxy_nft_t *r = proxy_nft_new();
    /* internalTrafficPolicy Local without a local endpoint: the cluster IP rejects; a headless
     * and an ExternalName service get nothing. */
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'c','name':'il'},'spec':{'clusterIP':'10.96.2.1',"
        "'internalTrafficPolicy':'Local','ports':[{'port':80}]}},"
        "{'metadata':{'namespace':'c','name':'hl'},'spec':{'clusterIP':'None','ports':[{'port':80}"
        "]}},{'metadata':{'namespace':'c','name':'en'},'spec':{'type':'ExternalName',"
        "'externalName':'x.example','ports':[{'port':80}]}}]",
        "[{'metadata':{'namespace':'c','name':'il-1','labels':{'kubernetes.io/service-name':'il'}},"
        "'addressType':'IPv4','ports':[{'port':8080}],'endpoints':[{'addresses':['10.244.2.5'],"
        "'nodeName':'n2'}]},{'metadata':{'namespace':'c','name':'hl-1','labels':{"
        "'kubernetes.io/service-name':'hl'}},'addressType':'IPv4','ports':[{'port':8080}],"
        "'endpoints':[{'addresses':['10.244.2.6']}]}]",
        false);
    CHECK(has(p, "no-endpoint-services { 10.96.2.1 . tcp . 80 comment \"c/il/tcp/\" : goto "
                 "reject-chain }"));
    CHECK(!has(p, "10.244.2.6"));
    CHECK(!has(p, "c/hl") && !has(p, "c/en"));
    proxy_nft_free(r);
}

static void test_shared_keys(void)
{
    proxy_nft_t *r = proxy_nft_new();
    /* Two services claim one external address and port, and share an endpoint pod: each key is
     * written once (nft refuses a key twice in one script) and removed with its last claim. */
#define SVC_X(name, ip)                                                                            \
    "{'metadata':{'namespace':'d','name':'" name                                                   \
    "','resourceVersion':'1'},'spec':{'clusterIP':'" ip                                            \
    "','externalIPs':['192.0.2.1'],'ports':[{'port':80}]}}"
#define SLICE_X(name)                                                                              \
    "{'metadata':{'namespace':'d','name':'" name "-1','resourceVersion':'1','labels':{"            \
    "'kubernetes.io/service-name':'" name "'}},'addressType':'IPv4','ports':[{'port':8080}],"      \
    "'endpoints':[{'addresses':['10.244.0.7']}]}"
    cleanup_free char *both = build(r, "[" SVC_X("a", "10.96.3.1") "," SVC_X("b", "10.96.3.2") "]",
                                    "[" SLICE_X("a") "," SLICE_X("b") "]", false);
    CHECK_INT(count(both, "192.0.2.1 . tcp . 80 comment"), 1);
    CHECK_INT(count(both, "192.0.2.1 . tcp . 80 : 10.244.0.7 . 8080"), 1);
    CHECK_INT(count(both, "10.244.0.7 . 10.244.0.7"), 1);
    cleanup_free char *one = build(r, "[" SVC_X("b", "10.96.3.2") "]", "[" SLICE_X("b") "]", false);
    /* a (written first) goes: the shared address is rewritten for b in the same script. */
    CHECK(!has(one, "hairpin-endpoints"));
    CHECK(has(one, "delete element ip kube-proxy service-ips { 10.96.3.1 . tcp . 80, 192.0.2.1 . "
                   "tcp . 80 }\n"));
    CHECK(has(one, "add element ip kube-proxy service-ips { 192.0.2.1 . tcp . 80 comment "
                   "\"d/b/tcp/\" : goto external-balance-1 }\n"));
    /* Its slot element too: a deleted one is rewritten with b's endpoint. */
    CHECK(has(one, "add element ip kube-proxy endpoints-0 { 192.0.2.1 . tcp . 80 : 10.244.0.7 . "
                   "8080 }\n"));
    cleanup_free char *none = build(r, "[]", "[]", false);
    CHECK(
        has(none, "delete element ip kube-proxy hairpin-endpoints { 10.244.0.7 . 10.244.0.7 }\n"));
    /* Its service-ips element and its slot element, once each. */
    CHECK_INT(count(none, "192.0.2.1"), 2);
    proxy_nft_free(r);
}

/* A service port without affinity or Local external policy: no chain of its own. */
#define PLAIN_SVC(rv)                                                                              \
    "{'metadata':{'namespace':'e','name':'plain','resourceVersion':'" rv "'},'spec':{'type':"      \
    "'NodePort','clusterIP':'10.96.0.60','externalIPs':['192.0.2.5'],'ports':[{'name':'http',"     \
    "'port':80,'nodePort':30100,'protocol':'TCP'}]}}"
#define PLAIN_SLICE(rv, eps)                                                                       \
    "{'metadata':{'namespace':'e','name':'plain-1','resourceVersion':'" rv "','labels':{"          \
    "'kubernetes.io/service-name':'plain'}},'addressType':'IPv4','ports':[{'name':'http','port':"  \
    "8080,'protocol':'TCP'}],'endpoints':[" eps "]}"
#define EPS3 EP("10.244.0.2", "") "," EP("10.244.0.1", "") "," EP("10.244.0.3", "")
#define OTHER(rv)                                                                                  \
    "{'metadata':{'namespace':'e','name':'other','resourceVersion':'" rv "'},'spec':{'clusterIP':" \
    "'10.96.0.61','ports':[{'port':53,'protocol':'UDP'}]}}"
#define OTHER_SLICE(rv, ip)                                                                        \
    "{'metadata':{'namespace':'e','name':'other-1','resourceVersion':'" rv "','labels':{"          \
    "'kubernetes.io/service-name':'other'}},'addressType':'IPv4','ports':[{'port':5353,"           \
    "'protocol':'UDP'}],'endpoints':[" EP(ip, "") "]}"

static void test_shared_balancers(void)
{
    proxy_nft_t *r = proxy_nft_new();
    cleanup_free char *p =
        build(r, "[" PLAIN_SVC("1") "," OTHER("1") "]",
              "[" PLAIN_SLICE("1", EPS3) "," OTHER_SLICE("1", "10.244.0.8") "]", false);
    /* The slot maps, three of each kind (the largest service has three endpoints). */
    CHECK(has(p, "add map ip kube-proxy endpoints-0 { type ipv4_addr . inet_proto . inet_service "
                 ": ipv4_addr . inet_service ; }\n"));
    CHECK(has(p, "add map ip kube-proxy endpoints-2 {"));
    CHECK(!has(p, "endpoints-3"));
    CHECK(has(p, "add map ip kube-proxy nodeport-endpoints-2 { type inet_proto . inet_service : "
                 "ipv4_addr . inet_service ; }\n"));
    /* One balancer per endpoint count and kind, whatever the number of services. */
    CHECK(has(p, "add chain ip kube-proxy balance-3\n"
                 "add rule ip kube-proxy balance-3 numgen random mod 3 == 0 dnat ip to ip daddr . "
                 "meta l4proto . th dport map @endpoints-0\n"
                 "add rule ip kube-proxy balance-3 numgen random mod 2 == 0 dnat ip to ip daddr . "
                 "meta l4proto . th dport map @endpoints-1\n"
                 "add rule ip kube-proxy balance-3 dnat ip to ip daddr . meta l4proto . th dport "
                 "map @endpoints-2\n"));
    CHECK(has(p, "add chain ip kube-proxy external-balance-3\n"
                 "add rule ip kube-proxy external-balance-3 jump mark-for-masquerade\n"
                 "add rule ip kube-proxy external-balance-3 goto balance-3\n"));
    CHECK(has(p, "add chain ip kube-proxy nodeport-balance-3\n"
                 "add rule ip kube-proxy nodeport-balance-3 jump mark-for-masquerade\n"
                 "add rule ip kube-proxy nodeport-balance-3 numgen random mod 3 == 0 dnat ip to "
                 "meta l4proto . th dport map @nodeport-endpoints-0\n"));
    CHECK(has(p, "add rule ip kube-proxy balance-1 dnat ip to ip daddr . meta l4proto . th dport "
                 "map @endpoints-0\n"));
    CHECK_INT(count(p, "add rule ip kube-proxy balance-"), 4);
    /* The keys go to the balancers; the endpoints, sorted, are the slots' elements. */
    CHECK(has(p, "add element ip kube-proxy service-ips { 10.96.0.61 . udp . 53 comment "
                 "\"e/other/udp/\" : goto balance-1, 10.96.0.60 . tcp . 80 comment "
                 "\"e/plain/tcp/http\" : goto balance-3, 192.0.2.5 . tcp . 80 comment "
                 "\"e/plain/tcp/http\" : goto external-balance-3 }\n"));
    CHECK(has(p, "add element ip kube-proxy service-nodeports { tcp . 30100 comment "
                 "\"e/plain/tcp/http\" : goto nodeport-balance-3 }\n"));
    CHECK(has(p, "add element ip kube-proxy endpoints-0 { 10.96.0.61 . udp . 53 : 10.244.0.8 . "
                 "5353, 10.96.0.60 . tcp . 80 : 10.244.0.1 . 8080, 192.0.2.5 . tcp . 80 : "
                 "10.244.0.1 . 8080 }\n"));
    CHECK(has(p, "add element ip kube-proxy endpoints-2 { 10.96.0.60 . tcp . 80 : 10.244.0.3 . "
                 "8080, 192.0.2.5 . tcp . 80 : 10.244.0.3 . 8080 }\n"));
    CHECK(has(p, "add element ip kube-proxy nodeport-endpoints-1 { tcp . 30100 : 10.244.0.2 . "
                 "8080 }\n"));
    CHECK(has(p, "add element ip kube-proxy cluster-ip-ports { 10.96.0.61 . udp . 53, 10.96.0.60 "
                 ". tcp . 80 }\n"));
    CHECK(!has(p, "chain ip kube-proxy external-balance-1"));
    CHECK_INT(proxy_nft_chains(r), 0);

    /* An endpoint changes address: its slot's elements and its hairpin element, nothing else
     * (no rule, no chain, no verdict: the kernel has no chain to re-validate). */
    cleanup_free char *moved = build_dirty(
        r, "[" PLAIN_SVC("1") "," OTHER("1") "]",
        "[" PLAIN_SLICE("2", EP("10.244.0.2", "") "," EP("10.244.0.1", "") "," EP(
                                 "10.244.0.9", "")) "," OTHER_SLICE("1", "10.244.0.8") "]",
        "{'e/plain':true}", false);
    CHECK_STR(moved, "delete element ip kube-proxy hairpin-endpoints { 10.244.0.3 . 10.244.0.3 }\n"
                     "delete element ip kube-proxy endpoints-2 { 10.96.0.60 . tcp . 80, 192.0.2.5 "
                     ". tcp . 80 }\n"
                     "delete element ip kube-proxy nodeport-endpoints-2 { tcp . 30100 }\n"
                     "add element ip kube-proxy hairpin-endpoints { 10.244.0.9 . 10.244.0.9 }\n"
                     "add element ip kube-proxy endpoints-2 { 10.96.0.60 . tcp . 80 : 10.244.0.9 "
                     ". 8080, 192.0.2.5 . tcp . 80 : 10.244.0.9 . 8080 }\n"
                     "add element ip kube-proxy nodeport-endpoints-2 { tcp . 30100 : 10.244.0.9 . "
                     "8080 }\n");

    /* Told which services changed, the build looks at no other: other's new endpoint waits
     * (as it would if its informer had not said so), then a build told nothing finds it. */
    cleanup_free char *told = build_dirty(
        r, "[" PLAIN_SVC("1") "," OTHER("1") "]",
        "[" PLAIN_SLICE("2", EP("10.244.0.2", "") "," EP("10.244.0.1", "") "," EP(
                                 "10.244.0.9", "")) "," OTHER_SLICE("2", "10.244.0.7") "]",
        "{}", false);
    CHECK_STR(told, "");
    cleanup_free char *untold =
        build(r, "[" PLAIN_SVC("1") "," OTHER("1") "]",
              "[" PLAIN_SLICE("2", EP("10.244.0.2", "") "," EP("10.244.0.1", "") "," EP(
                                       "10.244.0.9", "")) "," OTHER_SLICE("2", "10.244.0.7") "]",
              false);
    CHECK(has(untold, "add element ip kube-proxy endpoints-0 { 10.96.0.61 . udp . 53 : "
                      "10.244.0.7 . 5353 }\n"));

    /* A fourth endpoint: the keys move to the balancers of four, made with their slot maps. */
    cleanup_free char *more = build_dirty(
        r, "[" PLAIN_SVC("1") "," OTHER("1") "]",
        "[" PLAIN_SLICE("3", EPS3 "," EP("10.244.0.4", "")) "," OTHER_SLICE("2", "10.244.0.7") "]",
        "{'e/plain':true}", false);
    CHECK(has(more, "add map ip kube-proxy endpoints-3 {"));
    CHECK(has(more, "add map ip kube-proxy nodeport-endpoints-3 {"));
    CHECK(!has(more, "add map ip kube-proxy endpoints-2"));
    CHECK(has(more, "add chain ip kube-proxy balance-4\n"));
    CHECK(has(more, "add chain ip kube-proxy nodeport-balance-4\n"));
    CHECK(has(more, "delete element ip kube-proxy service-ips { 10.96.0.60 . tcp . 80, 192.0.2.5 "
                    ". tcp . 80 }\n"));
    CHECK(has(more, "10.96.0.60 . tcp . 80 comment \"e/plain/tcp/http\" : goto balance-4"));
    CHECK(has(more, "add element ip kube-proxy endpoints-3 { 10.96.0.60 . tcp . 80 : 10.244.0.4 "
                    ". 8080, 192.0.2.5 . tcp . 80 : 10.244.0.4 . 8080 }\n"));
    /* Shared chains stay until a full build (another service may want them). */
    CHECK(!has(more, "delete chain"));

    /* The service goes (its key among the changed, its objects gone): all its elements. */
    cleanup_free char *gone = build_dirty(
        r, "[" OTHER("1") "]", "[" OTHER_SLICE("2", "10.244.0.7") "]", "{'e/plain':true}", false);
    CHECK(has(gone, "delete element ip kube-proxy service-ips { 10.96.0.60 . tcp . 80, 192.0.2.5 "
                    ". tcp . 80 }\n"));
    CHECK(has(gone, "delete element ip kube-proxy service-nodeports { tcp . 30100 }\n"));
    CHECK(has(gone, "delete element ip kube-proxy endpoints-3 { 10.96.0.60 . tcp . 80, 192.0.2.5 "
                    ". tcp . 80 }\n"));
    CHECK(has(gone, "delete element ip kube-proxy cluster-ip-ports { 10.96.0.60 . tcp . 80 }\n"));
    CHECK(!has(gone, "add element"));
    CHECK(!has(gone, "10.96.0.61"));
    /* A full build removes the balancers and slot maps nobody wants, after their elements. */
    cleanup_free char *full =
        build(r, "[" OTHER("1") "]", "[" OTHER_SLICE("2", "10.244.0.7") "]", true);
    CHECK(has(full, "flush map ip kube-proxy endpoints-0\n"));
    CHECK(has(full, "delete chain ip kube-proxy balance-4\n"));
    CHECK(has(full, "delete chain ip kube-proxy nodeport-balance-3\n"));
    CHECK(!has(full, "delete chain ip kube-proxy balance-1\n"));
    CHECK(has(full, "delete map ip kube-proxy endpoints-1\n"));
    CHECK(has(full, "delete map ip kube-proxy nodeport-endpoints-0\n"));
    CHECK(!has(full, "delete map ip kube-proxy endpoints-0\n"));
    CHECK(strstr(full, "delete chain ip kube-proxy balance-4") <
          strstr(full, "delete map ip kube-proxy endpoints-3"));
    cleanup_free char *after =
        build(r, "[" OTHER("1") "]", "[" OTHER_SLICE("2", "10.244.0.7") "]", false);
    CHECK_STR(after, "");
    proxy_nft_free(r);
}

/* internalTrafficPolicy Local is a plain service with this node's endpoints only. */
static void test_internal_local_shared(void)
{
    proxy_nft_t *r = proxy_nft_new();
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'f','name':'il'},'spec':{'clusterIP':'10.96.4.1',"
        "'internalTrafficPolicy':'Local','ports':[{'port':80}]}}]",
        "[{'metadata':{'namespace':'f','name':'il-1','labels':{'kubernetes.io/service-name':'il'}},"
        "'addressType':'IPv4','ports':[{'port':8080}],'endpoints':[{'addresses':['10.244.2.5'],"
        "'nodeName':'n2'},{'addresses':['10.244.1.5'],'nodeName':'n1'}]}]",
        false);
    CHECK(has(p, "10.96.4.1 . tcp . 80 comment \"f/il/tcp/\" : goto balance-1 }"));
    CHECK(has(p, "add element ip kube-proxy endpoints-0 { 10.96.4.1 . tcp . 80 : 10.244.1.5 . "
                 "8080 }\n"));
    CHECK(!has(p, "10.244.2.5 . 8080"));
    /* Local clients only, so no masquerade for outside ones. */
    CHECK(!has(p, "add element ip kube-proxy cluster-ip-ports"));
    CHECK(has(p, "add set ip kube-proxy cluster-ip-ports"));
    proxy_nft_free(r);
}

static void test_cleanup_and_bad_input(void)
{
    strbuf_t out = STRBUF_INIT;
    proxy_nft_cleanup(&out);
    CHECK_STR(out.s, "add table ip kube-proxy\ndelete table ip kube-proxy\n");
    strbuf_free(&out);
    proxy_nft_t *r = proxy_nft_new();
    cleanup_json json_t *obj = json_object();
    cleanup_json json_t *arr = json_array();
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(proxy_nft_build(r, obj, arr, NULL, &opts, true, &out, &err), C8S_EINVALID);
    CHECK_INT((int)out.len, 0);
    /* The changed services must be an object of keys. */
    CHECK_INT(proxy_nft_build(r, arr, arr, arr, &opts, false, &out, &err), C8S_EINVALID);
    CHECK_INT((int)out.len, 0);
    proxy_nft_free(r);
}

int main(void)
{
    test_golden();
    test_partial();
    test_no_endpoints();
    test_nodeport_local();
    test_internal_local_and_headless();
    test_shared_keys();
    test_shared_balancers();
    test_internal_local_shared();
    test_cleanup_and_bad_input();
    TEST_END();
}
