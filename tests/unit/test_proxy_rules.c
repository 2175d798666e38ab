/* test_proxy_rules.c — the proxy's rule builder: chain names as kube-proxy hashes them, a golden
 * payload for a three-endpoint ClientIP service (the form `iptables-save` prints back), services
 * without endpoints, NodePorts, traffic policies, headless services, and partial builds that
 * name only what changed. JSON written with ' for ". */
#include "c8s/proxy.h"
#include "json_lit.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const proxy_opts_t opts = {.node_name = "n1", .cluster_cidr = "10.244.0.0/16"};

/* Builds and returns the payload (owned). */
static char *build(proxy_rules_t *r, const char *svcs, const char *slices, bool full)
{
    cleanup_json json_t *s = J(svcs);
    cleanup_json json_t *e = J(slices);
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    int rc = proxy_rules_build(r, s, e, &opts, full, &out, &err);
    CHECK_INT(rc, 0);
    return strbuf_take(&out);
}

static bool has(const char *text, const char *line)
{
    return strstr(text, line) != NULL;
}

#define WEB_SVC                                                                                    \
    "[{'metadata':{'namespace':'default','name':'web'},'spec':{'clusterIP':'10.96.0.50',"          \
    "'sessionAffinity':'ClientIP','ports':[{'name':'http','port':80,'protocol':'TCP',"             \
    "'targetPort':8080}]}}]"
#define WEB_SLICE(eps)                                                                             \
    "[{'metadata':{'namespace':'default','name':'web-abc','labels':{'kubernetes.io/"               \
    "service-name':'web'}},'addressType':'IPv4','ports':[{'name':'http','port':8080,"              \
    "'protocol':'TCP'}],'endpoints':[" eps "]}]"
#define EP(ip, extra) "{'addresses':['" ip "']" extra "}"

static const char golden[] =
    "*filter\n"
    ":KUBE-SERVICES - [0:0]\n"
    ":KUBE-EXTERNAL-SERVICES - [0:0]\n"
    ":KUBE-FORWARD - [0:0]\n"
    ":KUBE-NODEPORTS - [0:0]\n"
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n"
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark "
    "0x4000/0x4000 -j ACCEPT\n"
    "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack "
    "--ctstate RELATED,ESTABLISHED -j ACCEPT\n"
    "COMMIT\n"
    "*nat\n"
    ":KUBE-SERVICES - [0:0]\n"
    ":KUBE-NODEPORTS - [0:0]\n"
    ":KUBE-POSTROUTING - [0:0]\n"
    ":KUBE-MARK-MASQ - [0:0]\n"
    ":KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]\n"
    ":KUBE-SEP-5FVNGIZVDYJXXML6 - [0:0]\n"
    ":KUBE-SEP-BEA5ZNTDSEKO5TVO - [0:0]\n"
    ":KUBE-SEP-F54JU52HXJRNSTSP - [0:0]\n"
    "-A KUBE-SERVICES -d 10.96.0.50/32 -p tcp -m comment --comment \"default/web:http cluster IP\" "
    "-m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL\n"
    "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the "
    "last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\n"
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n"
    "-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n"
    "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j "
    "MASQUERADE --random-fully\n"
    "-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL ! -s 10.244.0.0/16 -d 10.96.0.50/32 -p tcp -m comment --comment "
    "\"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.2:8080\" -m "
    "recent --rcheck --seconds 10800 --reap --name KUBE-SEP-5FVNGIZVDYJXXML6 --mask "
    "255.255.255.255 --rsource -j KUBE-SEP-5FVNGIZVDYJXXML6\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.3:8080\" -m "
    "recent --rcheck --seconds 10800 --reap --name KUBE-SEP-BEA5ZNTDSEKO5TVO --mask "
    "255.255.255.255 --rsource -j KUBE-SEP-BEA5ZNTDSEKO5TVO\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.4:8080\" -m "
    "recent --rcheck --seconds 10800 --reap --name KUBE-SEP-F54JU52HXJRNSTSP --mask "
    "255.255.255.255 --rsource -j KUBE-SEP-F54JU52HXJRNSTSP\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.2:8080\" -m "
    "statistic --mode random --probability 0.3333333333 -j KUBE-SEP-5FVNGIZVDYJXXML6\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.3:8080\" -m "
    "statistic --mode random --probability 0.5000000000 -j KUBE-SEP-BEA5ZNTDSEKO5TVO\n"
    "-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment \"default/web:http -> 10.88.0.4:8080\" -j "
    "KUBE-SEP-F54JU52HXJRNSTSP\n"
    "-A KUBE-SEP-5FVNGIZVDYJXXML6 -s 10.88.0.2/32 -m comment --comment \"default/web:http\" -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-5FVNGIZVDYJXXML6 -p tcp -m comment --comment \"default/web:http\" -m recent --set "
    "--name KUBE-SEP-5FVNGIZVDYJXXML6 --mask 255.255.255.255 --rsource -m tcp -j DNAT "
    "--to-destination 10.88.0.2:8080\n"
    "-A KUBE-SEP-BEA5ZNTDSEKO5TVO -s 10.88.0.3/32 -m comment --comment \"default/web:http\" -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-BEA5ZNTDSEKO5TVO -p tcp -m comment --comment \"default/web:http\" -m recent --set "
    "--name KUBE-SEP-BEA5ZNTDSEKO5TVO --mask 255.255.255.255 --rsource -m tcp -j DNAT "
    "--to-destination 10.88.0.3:8080\n"
    "-A KUBE-SEP-F54JU52HXJRNSTSP -s 10.88.0.4/32 -m comment --comment \"default/web:http\" -j "
    "KUBE-MARK-MASQ\n"
    "-A KUBE-SEP-F54JU52HXJRNSTSP -p tcp -m comment --comment \"default/web:http\" -m recent --set "
    "--name KUBE-SEP-F54JU52HXJRNSTSP --mask 255.255.255.255 --rsource -m tcp -j DNAT "
    "--to-destination 10.88.0.4:8080\n"
    "COMMIT\n";

static void test_chain_names(void)
{
    char b[32];
    proxy_chain_name("KUBE-SVC-", "kube-system/kube-dns:dnsudp", b);
    CHECK_STR(b, "KUBE-SVC-TCOU7JCQXEZGVUNU");
    proxy_chain_name("KUBE-SVC-", "default/kubernetes:httpstcp", b);
    CHECK_STR(b, "KUBE-SVC-NPX46M4PTMTKRN6Y");
    proxy_chain_name("KUBE-SEP-", "ns1/svc1:p80tcp10.180.0.1:80", b);
    CHECK_STR(b, "KUBE-SEP-SXIVWICOYRO3J4NJ");
}

static void test_golden(void)
{
    proxy_rules_t *r = proxy_rules_new();
    /* Endpoints out of order, one with no readiness (counts as ready), as slices carry them. */
    cleanup_free char *p =
        build(r, WEB_SVC,
              WEB_SLICE(EP("10.88.0.3", ",'conditions':{'ready':true}") "," EP(
                  "10.88.0.2", ",'conditions':{'ready':true}") "," EP("10.88.0.4", "")),
              true);
    CHECK_STR(p, golden);
    CHECK_INT(proxy_rules_chains(r), 4);
    proxy_rules_free(r);
}

static void test_partial(void)
{
    proxy_rules_t *r = proxy_rules_new();
    const char *two = WEB_SLICE(EP("10.88.0.2", "") "," EP("10.88.0.3", ""));
    const char *one =
        WEB_SLICE(EP("10.88.0.2", "") "," EP("10.88.0.3", ",'conditions':{'ready':false}"));
    cleanup_free char *first = build(r, WEB_SVC, two, false);
    CHECK(has(first, ":KUBE-SEP-BEA5ZNTDSEKO5TVO - [0:0]\n"));
    /* Nothing changed: nothing is named, not even the top-level chains. */
    cleanup_free char *same = build(r, WEB_SVC, two, false);
    CHECK_STR(same, "*filter\nCOMMIT\n*nat\nCOMMIT\n");
    /* One endpoint turns unready: the SVC chain is rewritten, its SEP removed, the other SEP
     * left alone. */
    cleanup_free char *less = build(r, WEB_SVC, one, false);
    CHECK(has(less, ":KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]\n"));
    CHECK(has(less, ":KUBE-SEP-BEA5ZNTDSEKO5TVO - [0:0]\n"));
    CHECK(has(less, "-X KUBE-SEP-BEA5ZNTDSEKO5TVO\n"));
    CHECK(!has(less, ":KUBE-SEP-5FVNGIZVDYJXXML6"));
    CHECK(!has(less, "--probability"));
    /* The service still has endpoints: KUBE-SERVICES is as it was and is left alone. */
    CHECK(!has(less, ":KUBE-SERVICES"));
    CHECK_INT(proxy_rules_chains(r), 2);
    /* A full build names everything again. */
    cleanup_free char *full = build(r, WEB_SVC, one, true);
    CHECK(has(full, ":KUBE-SEP-5FVNGIZVDYJXXML6 - [0:0]\n"));
    /* The service goes: all its chains are deleted. */
    cleanup_free char *gone = build(r, "[]", "[]", false);
    CHECK(has(gone, "-X KUBE-SVC-CDGGSHYLG3RE2FKL\n"));
    CHECK(has(gone, "-X KUBE-SEP-5FVNGIZVDYJXXML6\n"));
    CHECK_INT(proxy_rules_chains(r), 0);
    proxy_rules_free(r);
}

static void test_no_endpoints(void)
{
    proxy_rules_t *r = proxy_rules_new();
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'a','name':'np'},'spec':{'type':'NodePort','clusterIP':"
        "'10.96.0.9','externalIPs':['192.0.2.7'],'ports':[{'port':53,'protocol':'UDP','nodePort':"
        "30053}]}}]",
        "[]", true);
    CHECK(has(p, "-A KUBE-SERVICES -d 10.96.0.9/32 -p udp -m comment --comment \"a/np has no "
                 "endpoints\" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable\n"));
    CHECK(has(p, "-A KUBE-EXTERNAL-SERVICES -p udp -m comment --comment \"a/np has no endpoints\" "
                 "-m addrtype --dst-type LOCAL -m udp --dport 30053 -j REJECT"));
    CHECK(has(p, "-A KUBE-EXTERNAL-SERVICES -d 192.0.2.7/32 -p udp"));
    CHECK(!has(p, "KUBE-SVC-"));
    CHECK_INT(proxy_rules_chains(r), 0);
    proxy_rules_free(r);
}

static void test_nodeport_and_policies(void)
{
    proxy_rules_t *r = proxy_rules_new();
    char svl[32], ext[32], svc[32];
    proxy_chain_name("KUBE-SVL-", "b/np:webtcp", svl);
    proxy_chain_name("KUBE-EXT-", "b/np:webtcp", ext);
    proxy_chain_name("KUBE-SVC-", "b/np:webtcp", svc);
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'b','name':'np'},'spec':{'type':'NodePort','clusterIP':"
        "'10.96.1.1','externalTrafficPolicy':'Local','ports':[{'name':'web','port':80,"
        "'nodePort':30080}]}}]",
        "[{'metadata':{'namespace':'b','name':'np-1','labels':{'kubernetes.io/service-name':'np'}},"
        "'addressType':'IPv4','ports':[{'name':'web','port':8080}],'endpoints':["
        "{'addresses':['10.244.1.5'],'nodeName':'n1'},{'addresses':['10.244.2.5'],'nodeName':"
        "'n2'}]}]",
        true);
    cleanup_free char *np = NULL, *to_svl = NULL, *svl_rule = NULL;
    np = xasprintf("-A KUBE-NODEPORTS -p tcp -m comment --comment \"b/np:web\" -m tcp --dport "
                   "30080 -j %s\n",
                   ext);
    to_svl = xasprintf("-A %s -j %s\n", ext, svl);
    /* The local chain balances over the local endpoint only. */
    svl_rule = xasprintf("-A %s -m comment --comment \"b/np:web -> 10.244.1.5:8080\" -j ", svl);
    CHECK(has(p, np));
    CHECK(has(p, to_svl));
    CHECK(has(p, svl_rule));
    /* Pod traffic keeps the cluster-wide chain, with both endpoints. */
    cleanup_free char *svc_rule =
        xasprintf("-A %s -m comment --comment \"b/np:web -> 10.244.2.5:8080\" -j ", svc);
    CHECK(has(p, svc_rule));
    CHECK(has(p, "masquerade LOCAL traffic for b/np:web external destinations"));
    proxy_rules_free(r);
}

static void test_headless_and_terminating(void)
{
    proxy_rules_t *r = proxy_rules_new();
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'c','name':'h'},'spec':{'clusterIP':'None','ports':[{'port':"
        "80}]}},{'metadata':{'namespace':'c','name':'x'},'spec':{'type':'ExternalName',"
        "'externalName':'example.org'}},{'metadata':{'namespace':'c','name':'dns','annotations':"
        "{'c8s.io/node-local':'true'}},'spec':{'clusterIP':'10.96.0.10','ports':[{'port':53}]}},"
        "{'metadata':{'namespace':'c','name':'t'},'spec':{"
        "'clusterIP':'10.96.2.2','ports':[{'port':80}]}}]",
        "[{'metadata':{'namespace':'c','name':'t-1','labels':{'kubernetes.io/service-name':'t'}},"
        "'addressType':'IPv4','ports':[{'port':80}],'endpoints':["
        "{'addresses':['10.244.0.7'],'conditions':{'ready':false,'serving':true,"
        "'terminating':true}},{'addresses':['10.244.0.8'],'conditions':{'ready':false,"
        "'serving':false,'terminating':true}}]}]",
        true);
    CHECK(!has(p, "c/h"));
    CHECK(!has(p, "c/x"));
    CHECK(!has(p, "c/dns"));
    /* No ready endpoint: the serving one keeps taking connections while it drains. */
    CHECK(has(p, "-j DNAT --to-destination 10.244.0.7:80\n"));
    CHECK(!has(p, "10.244.0.8"));
    proxy_rules_free(r);
}

/* UDP and SCTP ports: their own protocol match, and chain names that differ from TCP's on the
 * same port (the protocol is part of the hashed text). */
static void test_protocols(void)
{
    proxy_rules_t *r = proxy_rules_new();
    cleanup_free char *p = build(
        r,
        "[{'metadata':{'namespace':'d','name':'m'},'spec':{'clusterIP':'10.96.3.3','ports':["
        "{'name':'a','port':53,'protocol':'UDP'},{'name':'b','port':9999,'protocol':'SCTP'}]}}]",
        "[{'metadata':{'namespace':'d','name':'m-1','labels':{'kubernetes.io/service-name':'m'}},"
        "'addressType':'IPv4','ports':[{'name':'a','port':5353,'protocol':'UDP'},{'name':'b',"
        "'port':9998,'protocol':'SCTP'}],'endpoints':[{'addresses':['10.244.0.9']}]}]",
        true);
    CHECK(has(p, "-A KUBE-SERVICES -d 10.96.3.3/32 -p udp -m comment --comment \"d/m:a cluster "
                 "IP\" -m udp --dport 53 -j KUBE-SVC-"));
    CHECK(has(p, "-A KUBE-SERVICES -d 10.96.3.3/32 -p sctp -m comment --comment \"d/m:b cluster "
                 "IP\" -m sctp --dport 9999 -j KUBE-SVC-"));
    CHECK(has(p, "-p udp -m comment --comment \"d/m:a\" -m udp -j DNAT --to-destination "
                 "10.244.0.9:5353\n"));
    CHECK(has(p, "-p sctp -m comment --comment \"d/m:b\" -m sctp -j DNAT --to-destination "
                 "10.244.0.9:9998\n"));
    char udp[32], sctp[32];
    proxy_chain_name("KUBE-SVC-", "d/m:audp", udp);
    proxy_chain_name("KUBE-SVC-", "d/m:bsctp", sctp);
    CHECK(has(p, udp));
    CHECK(has(p, sctp));
    proxy_rules_free(r);
}

/* chains_per_commit: a large write goes in nat transactions of whole services first, then the
 * top-level chains; a small one stays in the top-level transaction; nothing is lost or doubled. */
static void test_batches(void)
{
    cleanup_json json_t *svcs = json_array();
    cleanup_json json_t *slices = json_array();
    for (int i = 0; i < 3; i++) {
        char name[16], ip[16];
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(ip, sizeof(ip), "10.96.5.%d", i + 1);
        json_array_append_new(svcs, json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:[{s:i}]}}", "metadata",
                                              "namespace", "b", "name", name, "resourceVersion",
                                              "1", "spec", "clusterIP", ip, "ports", "port", 80));
        json_array_append_new(
            slices,
            json_pack("{s:{s:s,s:s,s:s,s:{s:s}},s:s,s:[{s:i}],s:[{s:[s]},{s:[s]}]}", "metadata",
                      "namespace", "b", "name", name, "resourceVersion", "1", "labels",
                      "kubernetes.io/service-name", name, "addressType", "IPv4", "ports", "port",
                      8080, "endpoints", "addresses", "10.244.1.1", "addresses", "10.244.1.2"));
    }
    proxy_opts_t o = opts;
    o.chains_per_commit = 4; /* each service has 3 chains: SVC and two SEPs */
    proxy_rules_t *r = proxy_rules_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(proxy_rules_build(r, svcs, slices, &o, true, &out, &err), 0);
    /* filter, KUBE-MARK-MASQ, then s0+s1 (6 chains), then s2, then the top-level chains. */
    int nat = 0;
    for (const char *p = out.s; (p = strstr(p, "*nat\n")); p++)
        nat++;
    CHECK_INT(nat, 4);
    const char *last = strstr(out.s, "*nat\n");
    for (int i = 0; i < 3; i++)
        last = strstr(last + 1, "*nat\n");
    CHECK(last && strstr(last, ":KUBE-SERVICES - [0:0]\n") != NULL);
    CHECK(strstr(last, ":KUBE-SEP-") == NULL); /* every service chain went before */
    const char *first_nat = strstr(out.s, "*nat\n");
    CHECK(strncmp(first_nat, "*nat\n:KUBE-MARK-MASQ - [0:0]\n-A KUBE-MARK-MASQ -j MARK", 52) == 0);
    CHECK(strstr(first_nat, "-A KUBE-SERVICES") > strstr(first_nat, "-j DNAT"));
    size_t batched = 0, whole = 0;
    for (const char *p = out.s; (p = strstr(p, "\n-A ")); p++)
        batched++;
    strbuf_free(&out);
    proxy_rules_t *r2 = proxy_rules_new();
    CHECK_INT(proxy_rules_build(r2, svcs, slices, &opts, true, &out, &err), 0);
    for (const char *p = out.s; (p = strstr(p, "\n-A ")); p++)
        whole++;
    CHECK_INT((int)batched, (int)whole + 1); /* KUBE-MARK-MASQ's rule, written twice */
    strbuf_free(&out);
    proxy_rules_free(r2);
    /* One endpoint changes: two chains to write, under the batch size: one transaction. */
    json_t *eps = json_object_get(json_array_get(slices, 1), "endpoints");
    json_array_set_new(json_object_get(json_array_get(eps, 1), "addresses"), 0,
                       json_string("10.244.1.9"));
    json_object_set_new(json_object_get(json_array_get(slices, 1), "metadata"), "resourceVersion",
                        json_string("2"));
    CHECK_INT(proxy_rules_build(r, svcs, slices, &o, false, &out, &err), 0);
    nat = 0;
    for (const char *p = out.s; (p = strstr(p, "*nat\n")); p++)
        nat++;
    CHECK_INT(nat, 1);
    CHECK(strstr(out.s, "10.244.1.9:8080") != NULL);
    strbuf_free(&out);
    proxy_rules_free(r);
}

/* Past 1,000 endpoints the per-endpoint rules lose their comments (upstream's large-cluster
 * mode); the service-level rules keep theirs. */
static void test_large_cluster(void)
{
    cleanup_json json_t *svcs = json_array();
    cleanup_json json_t *slices = json_array();
    for (int i = 0; i < 201; i++) {
        char name[16], ip[32];
        snprintf(name, sizeof(name), "s%d", i);
        snprintf(ip, sizeof(ip), "10.96.9.%d", i);
        json_array_append_new(svcs, json_pack("{s:{s:s,s:s},s:{s:s,s:[{s:i}]}}", "metadata",
                                              "namespace", "l", "name", name, "spec", "clusterIP",
                                              ip, "ports", "port", 80));
        json_t *eps = json_array();
        for (int e = 0; e < 5; e++) {
            snprintf(ip, sizeof(ip), "10.244.%d.%d", i, e + 2);
            json_array_append_new(eps, json_pack("{s:[s]}", "addresses", ip));
        }
        json_array_append_new(slices, json_pack("{s:{s:s,s:s,s:{s:s}},s:[{s:i}],s:o}", "metadata",
                                                "namespace", "l", "name", name, "labels",
                                                "kubernetes.io/service-name", name, "ports", "port",
                                                80, "endpoints", eps));
    }
    proxy_rules_t *r = proxy_rules_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(proxy_rules_build(r, svcs, slices, &opts, true, &out, &err), 0);
    CHECK(has(out.s, "--comment \"l/s7 cluster IP\""));
    CHECK(!has(out.s, " -> "));
    CHECK(has(out.s, "-j DNAT --to-destination 10.244.7.2:80\n"));
    CHECK_INT(proxy_rules_chains(r), 201 * 6);
    strbuf_free(&out);
    proxy_rules_free(r);
}

/* A starting proxy reads iptables-save: chains of a previous run are adopted (deleted unless
 * wanted), missing jumps inserted, and --cleanup removes exactly what is c8s's. */
static const char save[] =
    "# Generated by iptables-save\n"
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
    ":KUBE-SERVICES - [0:0]\n:MINE - [0:0]\n"
    "-A INPUT -p tcp -m tcp --dport 9 -j DROP\n"
    "-A OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j "
    "KUBE-SERVICES\n"
    "COMMIT\n"
    "*nat\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
    ":KUBE-SERVICES - [0:0]\n:KUBE-SVC-OLDOLDOLDOLDOLD1 - [0:0]\n:KUBE-SEP-OLDOLDOLDOLDOLD2 - "
    "[0:0]\n"
    "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n"
    "-A POSTROUTING -s 192.0.2.0/24 -j RETURN\n"
    "COMMIT\n";

static void test_adopt_jumps_cleanup(void)
{
    proxy_rules_t *r = proxy_rules_new();
    proxy_rules_adopt(r, save);
    CHECK_INT(proxy_rules_chains(r), 2);
    cleanup_free char *p = build(r, "[]", "[]", true);
    CHECK(has(p, "-X KUBE-SVC-OLDOLDOLDOLDOLD1\n"));
    CHECK(has(p, "-X KUBE-SEP-OLDOLDOLDOLDOLD2\n"));
    proxy_rules_free(r);

    strbuf_t j = STRBUF_INIT;
    proxy_rules_jumps(save, &j);
    cleanup_free char *jumps = strbuf_take(&j);
    CHECK(has(jumps, "-I INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes "
                     "externally-visible service portals\" -j KUBE-EXTERNAL-SERVICES\n"));
    CHECK(has(jumps, "-I POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j "
                     "KUBE-POSTROUTING\n"));
    CHECK(has(jumps, "-I OUTPUT -m comment --comment \"kubernetes service portals\" -j "
                     "KUBE-SERVICES\n"));
    /* Present already: not inserted twice. */
    CHECK(!has(jumps, "-I PREROUTING"));
    CHECK(!has(jumps, "-I OUTPUT -m conntrack"));

    strbuf_t c = STRBUF_INIT;
    proxy_rules_cleanup(save, &c);
    cleanup_free char *clean = strbuf_take(&c);
    CHECK(has(clean, "-D OUTPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes "
                     "service portals\" -j KUBE-SERVICES\n"));
    CHECK(has(clean, "-D PREROUTING -m comment"));
    CHECK(has(clean, "-X KUBE-SEP-OLDOLDOLDOLDOLD2\n"));
    CHECK(has(clean, ":KUBE-SERVICES - [0:0]\n"));
    CHECK(!has(clean, "MINE"));
    CHECK(!has(clean, "192.0.2.0"));
    CHECK(!has(clean, "--dport 9"));

    strbuf_t none = STRBUF_INIT;
    proxy_rules_jumps("", &none);
    CHECK(none.len > 0);
    strbuf_free(&none);
    proxy_rules_cleanup("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", &none);
    CHECK_INT(none.len, 0);
    strbuf_free(&none);
}

/* NetworkPolicy: only selected pods of this node are isolated; peers by pod selector (in the
 * policy's namespace), by namespace selector, by ipBlock with exceptions; named ports resolved
 * against the receiving pod; policies gone → their chains deleted. */
static void test_netpol(void)
{
    cleanup_json json_t *pods =
        J("[{'metadata':{'namespace':'a','name':'db','labels':{'app':'db'}},'spec':{'nodeName':"
          "'n1','containers':[{'name':'c','ports':[{'name':'sql','containerPort':5432}]}]},"
          "'status':{'phase':'Running','podIP':'10.244.0.5'}},"
          "{'metadata':{'namespace':'a','name':'web','labels':{'app':'web'}},'spec':{'nodeName':"
          "'n2'},'status':{'phase':'Running','podIP':'10.244.1.6'}},"
          "{'metadata':{'namespace':'b','name':'mon','labels':{'app':'mon'}},'spec':{'nodeName':"
          "'n2'},'status':{'phase':'Running','podIP':'10.244.1.7'}},"
          "{'metadata':{'namespace':'a','name':'done','labels':{'app':'web'}},'spec':{'nodeName':"
          "'n2'},'status':{'phase':'Succeeded','podIP':'10.244.1.8'}}]");
    cleanup_json json_t *nss = J("[{'metadata':{'name':'a','labels':{'team':'x'}}},"
                                 "{'metadata':{'name':'b','labels':{'team':'ops'}}}]");
    cleanup_json json_t *pols =
        J("[{'metadata':{'namespace':'a','name':'db-in'},'spec':{'podSelector':{'matchLabels':"
          "{'app':'db'}},'ingress':[{'from':[{'podSelector':{'matchLabels':{'app':'web'}}},"
          "{'namespaceSelector':{'matchLabels':{'team':'ops'}}},{'ipBlock':{'cidr':'192.0.2.0/24',"
          "'except':['192.0.2.9/32']}}],'ports':[{'port':'sql'}]}]}},"
          "{'metadata':{'namespace':'a','name':'web-out'},'spec':{'podSelector':{'matchLabels':"
          "{'app':'web'}},'policyTypes':['Egress'],'egress':[]}}]");
    netpol_t *n = netpol_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(netpol_build(n, pols, pods, nss, "n1", &out, &err), 0);
    char npi[32];
    proxy_chain_name("C8S-NPI-", "a/db/10.244.0.5", npi);
    cleanup_free char *jump = xasprintf("-A C8S-NETPOL -d 10.244.0.5/32 -j %s\n", npi);
    cleanup_free char *from_web = xasprintf(
        "-A %s -s 10.244.1.6/32 -p tcp -m tcp --dport 5432 -j MARK --or-mark 0x10000\n", npi);
    cleanup_free char *from_mon = xasprintf(
        "-A %s -s 10.244.1.7/32 -p tcp -m tcp --dport 5432 -j MARK --or-mark 0x10000\n", npi);
    CHECK(has(out.s, jump));
    CHECK(has(out.s, from_web));
    CHECK(has(out.s, from_mon));
    CHECK(has(out.s, "-m mark ! --mark 0x10000/0x10000"));
    CHECK(has(out.s, "-s 192.0.2.9/32 -j RETURN\n"));
    CHECK(!has(out.s, "10.244.1.8")); /* a finished pod is no peer */
    /* web is isolated for egress but runs on n2: nothing for it here. */
    CHECK(!has(out.s, "C8S-NPE-"));
    strbuf_free(&out);

    /* On n2: web's egress chain exists and allows nothing (egress: []); db's is gone. */
    CHECK_INT(netpol_build(n, pols, pods, nss, "n2", &out, &err), 0);
    CHECK(has(out.s, "-m mark ! --mark 0x20000/0x20000"));
    cleanup_free char *gone = xasprintf("-X %s\n", npi);
    CHECK(has(out.s, gone));
    strbuf_free(&out);

    cleanup_json json_t *none = json_array();
    CHECK_INT(netpol_build(n, none, pods, nss, "n2", &out, &err), 0);
    CHECK(has(out.s, "-X C8S-NPE-"));
    CHECK(!has(out.s, "DROP"));
    strbuf_free(&out);
    CHECK_INT(netpol_build(n, nss, pods, NULL, "n2", &out, &err), C8S_EINVALID);
    strbuf_free(&out);
    netpol_free(n);
}

static void test_routes(void)
{
    cleanup_json json_t *nodes =
        J("[{'metadata':{'name':'n1'},'spec':{'podCIDR':'10.244.0.0/24'},'status':{'addresses':"
          "[{'type':'InternalIP','address':'192.168.5.1'}]}},"
          "{'metadata':{'name':'n2'},'spec':{'podCIDR':'10.244.1.0/24'},'status':{'addresses':"
          "[{'type':'Hostname','address':'n2'},{'type':'InternalIP','address':'192.168.5.2'}]}},"
          "{'metadata':{'name':'n3'},'spec':{'podCIDR':'10.244.2.0/24'},'status':{'addresses':"
          "[{'type':'InternalIP','address':'192.168.5.3'}]}},"
          "{'metadata':{'name':'n4'},'spec':{},'status':{'addresses':[{'type':'InternalIP',"
          "'address':'192.168.5.4'}]}}]");
    cleanup_json json_t *current =
        J("[{'dst':'10.244.1.0/24','gateway':'192.168.5.2'},{'dst':'10.244.2.0/24','gateway':"
          "'192.168.5.99'},{'dst':'10.244.7.0/24','gateway':'192.168.5.7'}]");
    strbuf_t out = STRBUF_INIT;
    proxy_routes_plan(nodes, "n1", current, &out);
    CHECK_STR(out.s, "route del 10.244.7.0/24 proto 144\n"
                     "route replace 10.244.2.0/24 via 192.168.5.3 proto 144\n");
    strbuf_free(&out);
    cleanup_json json_t *done = J("[{'dst':'10.244.1.0/24','gateway':'192.168.5.2'},"
                                  "{'dst':'10.244.2.0/24','gateway':'192.168.5.3'}]");
    proxy_routes_plan(nodes, "n1", done, &out);
    CHECK_INT(out.len, 0);
    strbuf_free(&out);
}

/* Services and slices with resourceVersions are generated once and reused while those stay; a new
 * resourceVersion regenerates that service only. (The test changes an object without changing
 * its resourceVersion to see the cache answer; the API server never does that.) */
static void test_cache(void)
{
    proxy_rules_t *r = proxy_rules_new();
    const char *svc = "[{'metadata':{'namespace':'c','name':'s','resourceVersion':'5'},'spec':{"
                      "'clusterIP':'10.96.3.3','ports':[{'port':80}]}}]";
    const char *sl1 = "[{'metadata':{'namespace':'c','name':'s-1','resourceVersion':'6','labels':"
                      "{'kubernetes.io/service-name':'s'}},'ports':[{'port':80}],'endpoints':["
                      "{'addresses':['10.244.3.1']}]}]";
    const char *sl1_same_rv = "[{'metadata':{'namespace':'c','name':'s-1','resourceVersion':'6',"
                              "'labels':{'kubernetes.io/service-name':'s'}},'ports':[{'port':80}],"
                              "'endpoints':[{'addresses':['10.244.3.9']}]}]";
    const char *sl1_new_rv = "[{'metadata':{'namespace':'c','name':'s-1','resourceVersion':'7',"
                             "'labels':{'kubernetes.io/service-name':'s'}},'ports':[{'port':80}],"
                             "'endpoints':[{'addresses':['10.244.3.9']}]}]";
    cleanup_free char *a = build(r, svc, sl1, true);
    CHECK(has(a, "--to-destination 10.244.3.1:80"));
    cleanup_free char *b = build(r, svc, sl1_same_rv, true);
    CHECK(has(b, "--to-destination 10.244.3.1:80"));
    CHECK(!has(b, "10.244.3.9"));
    cleanup_free char *c = build(r, svc, sl1_new_rv, false);
    CHECK(has(c, "--to-destination 10.244.3.9:80"));
    CHECK(has(c, "-X KUBE-SEP-"));
    cleanup_free char *d = build(r, "[]", "[]", false);
    CHECK(has(d, "-X KUBE-SVC-"));
    CHECK_INT(proxy_rules_chains(r), 0);
    proxy_rules_free(r);
}

/* Builds with dirty (a JSON object text, or NULL) and returns the payload (owned). */
static char *build_dirty(proxy_rules_t *r, const char *svcs, const char *slices, const char *dirty,
                         bool full)
{
    cleanup_json json_t *s = J(svcs);
    cleanup_json json_t *e = J(slices);
    cleanup_json json_t *d = dirty ? J(dirty) : NULL;
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(proxy_rules_build_dirty(r, s, e, d, &opts, full, &out, &err), 0);
    return strbuf_take(&out);
}

/* Told which services changed, a partial build looks at those only: a service not named keeps
 * its cached rules even though its slice moved on (the informers would have named it), a
 * named one is rebuilt to exactly what a build looking at everything writes, a deleted one
 * goes all the same, and a full build ignores dirty. */
static void test_dirty(void)
{
    const char *svcs = "[{'metadata':{'namespace':'c','name':'a','resourceVersion':'1'},'spec':{"
                       "'clusterIP':'10.96.4.1','ports':[{'port':80}]}},"
                       "{'metadata':{'namespace':'c','name':'b','resourceVersion':'1'},'spec':{"
                       "'clusterIP':'10.96.4.2','ports':[{'port':80}]}}]";
#define DSL(rv, ip)                                                                                \
    "{'metadata':{'namespace':'c','name':'b-1','resourceVersion':'" rv "','labels':{"              \
    "'kubernetes.io/service-name':'b'}},'ports':[{'port':80}],'endpoints':[{'addresses':['" ip     \
    "']}]}"
    const char *a_sl = "{'metadata':{'namespace':'c','name':'a-1','resourceVersion':'1','labels':{"
                       "'kubernetes.io/service-name':'a'}},'ports':[{'port':80}],'endpoints':[{"
                       "'addresses':['10.244.4.1']}]}";
    const char *before = "[" DSL("1", "10.244.4.2") ",", *after = "[" DSL("2", "10.244.4.9") ",";
    cleanup_free char *sl_before = xasprintf("%s%s]", before, a_sl);
    cleanup_free char *sl_after = xasprintf("%s%s]", after, a_sl);
#undef DSL
    proxy_rules_t *r = proxy_rules_new(), *all = proxy_rules_new();
    /* The first build looks at everything, dirty or not. */
    cleanup_free char *first = build_dirty(r, svcs, sl_before, "{}", false);
    CHECK(has(first, "--to-destination 10.244.4.2:80"));
    CHECK(has(first, "--to-destination 10.244.4.1:80"));
    cleanup_free char *first_all = build_dirty(all, svcs, sl_before, NULL, false);
    CHECK_STR(first, first_all);
    /* b's slice changed, but only a is named: b is not looked at. */
    cleanup_free char *not_named = build_dirty(r, svcs, sl_after, "{'c/a':true}", false);
    CHECK_STR(not_named, "*filter\nCOMMIT\n*nat\nCOMMIT\n");
    /* Named: rebuilt, as a build looking at every service writes it. */
    cleanup_free char *named = build_dirty(r, svcs, sl_after, "{'c/b':true}", false);
    cleanup_free char *named_all = build_dirty(all, svcs, sl_after, NULL, false);
    CHECK(has(named, "--to-destination 10.244.4.9:80"));
    CHECK(has(named, "-X KUBE-SEP-"));
    CHECK_STR(named, named_all);
    /* A deleted service goes though dirty does not name it. */
    const char *only_a = "[{'metadata':{'namespace':'c','name':'a','resourceVersion':'1'},'spec':{"
                         "'clusterIP':'10.96.4.1','ports':[{'port':80}]}}]";
    cleanup_free char *gone = build_dirty(r, only_a, sl_after, "{}", false);
    CHECK(has(gone, "-X KUBE-SVC-"));
    CHECK_INT(proxy_rules_chains(r), 2);
    /* A full build looks at everything. */
    cleanup_free char *full = build_dirty(r, svcs, sl_after, "{}", true);
    CHECK(has(full, "--to-destination 10.244.4.9:80"));
    /* Not an object: refused. */
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *arr = json_array();
    CHECK_INT(proxy_rules_build_dirty(r, arr, arr, arr, &opts, false, &out, &err), C8S_EINVALID);
    strbuf_free(&out);
    proxy_rules_free(r);
    proxy_rules_free(all);
}

static void test_bad_input(void)
{
    proxy_rules_t *r = proxy_rules_new();
    strbuf_t out = STRBUF_INIT;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *o = json_object();
    CHECK_INT(proxy_rules_build(r, o, o, &opts, true, &out, &err), C8S_EINVALID);
    strbuf_free(&out);
    proxy_rules_free(r);
}

int main(void)
{
    test_chain_names();
    test_golden();
    test_partial();
    test_no_endpoints();
    test_nodeport_and_policies();
    test_headless_and_terminating();
    test_protocols();
    test_batches();
    test_large_cluster();
    test_adopt_jumps_cleanup();
    test_netpol();
    test_routes();
    test_cache();
    test_dirty();
    test_bad_input();
    TEST_END();
}
