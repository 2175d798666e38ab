/*
 * agent.c — `c8s agent --server URL --token TOKEN`: a node that joins a cluster and runs only the
 * node roles (kubelet, proxy, cluster DNS) against the remote API server.
 *
 * Joining is kubeadm's token discovery and the kubelet's TLS bootstrap: read
 * kube-public/cluster-info without trusting the server yet, trust it only when the kubeconfig
 * there carries a JWS signature made with the token's secret (and, given --ca-cert-hash, when
 * the CA's public key is the pinned one); then, as system:bootstrap:<id>, send a CSR for
 * system:node:<name> with a key made here, wait for the cluster's approver and signer, and keep
 * the certificate in <data-dir>/kubelet.kubeconfig. A restart with a valid kubelet.kubeconfig
 * skips all that. The blocking HTTP of the join runs before any loop starts.
 *
 * Once running, the certificate manager (include/c8s/certmgr.h) asks for the kubelet port's
 * serving certificate, as upstream's kubelet does with serverTLSBootstrap, and renews both
 * certificates before they expire.
 */
#include "c8s/certmgr.h"
#include "c8s/client.h"
#include "c8s/cmd.h"
#include "c8s/dns.h"
#include "c8s/kubeconfig.h"
#include "c8s/kubelet.h"
#include "c8s/kubelet_server.h"
#include "c8s/notify.h"
#include "c8s/pki.h"
#include "c8s/proxy.h"
#include "c8s/strbuf.h"
#include "c8s/yaml.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#define JOIN_WAIT_S 300

typedef struct {
    const char *server, *token, *ca_hash, *data_dir, *node_name;
    bool no_proxy, no_dns, no_pods;
    long cert_expiration_s; /* C8S_KUBELET_CERT_EXPIRATION_S (a test knob) */
    bool port_set;
    kubelet_config_t kubelet;
    proxy_config_t proxy;
    dns_config_t dns;
    char node[256];
    const char *insecure[16];
} agent_opts_t;

static void usage(FILE *f)
{
    fprintf(f, "usage: c8s agent --server URL --token TOKEN [flags]\n\n"
               "  --config FILE            a YAML mapping of these flags\n"
               "  --server URL             the API server (https://host:6443)\n"
               "  --token ID.SECRET        a bootstrap token (`c8s token create`)\n"
               "  --ca-cert-hash sha256:H  pin the cluster CA's public key (as printed by\n"
               "                           `c8s token create --print-join-command`)\n"
               "  --data-dir DIR           node state, credentials in DIR/pki (/var/lib/c8s)\n"
               "  --node-name NAME         (the host name)\n"
               "  --node-ip IP             the node's InternalIP, where the kubelet port listens\n"
               "                           (the first non-loopback IPv4 address)\n"
               "  --kubelet-port N         the kubelet's HTTPS port (10250), served with a\n"
               "                           certificate the node asks the cluster for\n"
               "  --cluster-cidr CIDR      pods' range, for the proxy (10.244.0.0/16)\n"
               "  --proxy-mode MODE        nftables (default; iptables where nft cannot work)\n"
               "                           or iptables: as the servers run it\n"
               "  --cluster-dns IP         the cluster DNS address (10.96.0.10)\n"
               "  --cluster-domain DOMAIN  (cluster.local)\n"
               "  --kubepods-cgroup PATH   pods' cgroup parent (/kubepods)\n"
               "  --pod-cidr CIDR          this node's pod range (default: the Node's podCIDR)\n"
               "  --insecure-registry H:P  a registry pulled over plain HTTP (repeatable)\n"
               "  --resolv-conf FILE       the DNS role's upstream resolvers (/etc/resolv.conf)\n"
               "  --runc-root DIR          runc --root\n"
               "  --node-status-interval-ms N  the Lease and Node status cadence (10000)\n"
               "  --proxy-iptables CMD     iptables | iptables-legacy | iptables-nft\n"
               "  --disable-proxy, --disable-dns, --disable-pods (register the node only)\n");
}

enum {
    O_SERVER = 256,
    O_TOKEN,
    O_HASH,
    O_DATA,
    O_NODE,
    O_CIDR,
    O_PROXY_MODE,
    O_DNS_IP,
    O_DOMAIN,
    O_KUBEPODS,
    O_RUNC,
    O_IPT,
    O_NO_PROXY,
    O_NO_DNS,
    O_NO_PODS,
    O_POD_CIDR,
    O_INSECURE,
    O_RESOLV,
    O_STATUS_MS,
    O_NODE_IP,
    O_KUBELET_PORT,
};

static int parse_args(int argc, char **argv, agent_opts_t *o)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, O_SERVER},
        {"token", required_argument, NULL, O_TOKEN},
        {"ca-cert-hash", required_argument, NULL, O_HASH},
        {"data-dir", required_argument, NULL, O_DATA},
        {"node-name", required_argument, NULL, O_NODE},
        {"node-ip", required_argument, NULL, O_NODE_IP},
        {"kubelet-port", required_argument, NULL, O_KUBELET_PORT},
        {"cluster-cidr", required_argument, NULL, O_CIDR},
        {"proxy-mode", required_argument, NULL, O_PROXY_MODE},
        {"cluster-dns", required_argument, NULL, O_DNS_IP},
        {"cluster-domain", required_argument, NULL, O_DOMAIN},
        {"kubepods-cgroup", required_argument, NULL, O_KUBEPODS},
        {"pod-cidr", required_argument, NULL, O_POD_CIDR},
        {"insecure-registry", required_argument, NULL, O_INSECURE},
        {"resolv-conf", required_argument, NULL, O_RESOLV},
        {"runc-root", required_argument, NULL, O_RUNC},
        {"node-status-interval-ms", required_argument, NULL, O_STATUS_MS},
        {"proxy-iptables", required_argument, NULL, O_IPT},
        {"disable-proxy", no_argument, NULL, O_NO_PROXY},
        {"disable-dns", no_argument, NULL, O_NO_DNS},
        {"disable-pods", no_argument, NULL, O_NO_PODS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_SERVER:
            o->server = optarg;
            break;
        case O_TOKEN:
            o->token = optarg;
            break;
        case O_HASH:
            o->ca_hash = optarg;
            break;
        case O_DATA:
            o->data_dir = optarg;
            break;
        case O_NODE:
            o->node_name = optarg;
            break;
        case O_NODE_IP:
            o->kubelet.node_ip = optarg;
            break;
        case O_KUBELET_PORT: {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 65535) {
                fprintf(stderr, "c8s agent: invalid --kubelet-port \"%s\"\n", optarg);
                return -1;
            }
            o->kubelet.port = (int)v;
            o->port_set = true;
            break;
        }
        case O_CIDR:
            o->proxy.cluster_cidr = optarg;
            break;
        case O_PROXY_MODE:
            if (proxy_mode_parse(optarg) < 0) {
                fprintf(stderr, "c8s agent: invalid --proxy-mode %s\n", optarg);
                return -1;
            }
            o->proxy.mode = (proxy_mode_t)proxy_mode_parse(optarg);
            break;
        case O_DNS_IP:
            o->dns.address = optarg;
            break;
        case O_DOMAIN:
            o->dns.domain = optarg;
            break;
        case O_KUBEPODS:
            o->kubelet.kubepods_root = optarg;
            break;
        case O_RUNC:
            o->kubelet.runc_root = optarg;
            break;
        case O_IPT:
            o->proxy.iptables = optarg;
            break;
        case O_NO_PROXY:
            o->no_proxy = true;
            break;
        case O_NO_DNS:
            o->no_dns = true;
            break;
        case O_NO_PODS:
            o->no_pods = true;
            break;
        case O_POD_CIDR:
            o->kubelet.pod_cidr = optarg;
            break;
        case O_RESOLV:
            o->dns.resolv_conf = optarg;
            break;
        case O_STATUS_MS: {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v <= 0 || v > 3600000) {
                fprintf(stderr, "c8s agent: invalid --node-status-interval-ms \"%s\"\n", optarg);
                return -1;
            }
            o->kubelet.status_interval_ms = (unsigned)v;
            break;
        }
        case O_INSECURE:
            if (o->kubelet.n_insecure == C8S_ARRAY_SIZE(o->insecure)) {
                fprintf(stderr, "c8s agent: at most %zu --insecure-registry\n",
                        C8S_ARRAY_SIZE(o->insecure));
                return -1;
            }
            o->insecure[o->kubelet.n_insecure++] = optarg;
            o->kubelet.insecure_registries = o->insecure;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c8s agent: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (!o->data_dir)
        o->data_dir = "/var/lib/c8s";
    if (!o->port_set)
        o->kubelet.port = KUBELET_PORT_DEFAULT;
    /* Short-lived certificates for tests of rotation (the server must allow them too:
     * C8S_CSR_MIN_EXPIRATION_S); upstream's kubelet leaves the lifetime to the signer. */
    const char *exp = getenv("C8S_KUBELET_CERT_EXPIRATION_S");
    if (exp && *exp) {
        char *end = NULL;
        long v = strtol(exp, &end, 10);
        if (*end || v <= 0) {
            fprintf(stderr, "c8s agent: invalid C8S_KUBELET_CERT_EXPIRATION_S \"%s\"\n", exp);
            return -1;
        }
        o->cert_expiration_s = v;
    }
    if (!o->node_name) {
        if (gethostname(o->node, sizeof(o->node) - 1) != 0)
            snprintf(o->node, sizeof(o->node), "node");
        for (char *p = o->node; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        o->node_name = o->node;
    }
    return 0;
}

static char *kubeconfig_server(const char *path);

static bool valid_token(const char *t)
{
    if (!t || strlen(t) != 23 || t[6] != '.')
        return false;
    for (int i = 0; i < 23; i++)
        if (i != 6 && !(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i])))
            return false;
    return true;
}

/* Reads cluster-info, checks its signature with the token and the CA pin; *ca_pem (owned) is
 * the CA to trust from now on. */
static int discover(const agent_opts_t *o, char **ca_pem, c8s_err_t *err)
{
    *ca_pem = NULL;
    certmgr_auth_t anon = {.server = o->server};
    long status = 0;
    cleanup_free char *body = NULL;
    if (certmgr_https(&anon, "GET", "/api/v1/namespaces/kube-public/configmaps/cluster-info", NULL,
                      &status, &body, err) != 0)
        return err->code;
    if (status != 200)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "reading cluster-info: HTTP %ld", status);
    cleanup_json json_t *cm = json_loads(body, 0, NULL);
    json_t *data = json_object_get(cm, "data");
    const char *kc = json_string_value(json_object_get(data, "kubeconfig"));
    char id[7];
    memcpy(id, o->token, 6);
    id[6] = '\0';
    cleanup_free char *jkey = xasprintf("jws-kubeconfig-%s", id);
    const char *jws = json_string_value(json_object_get(data, jkey));
    if (!kc)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "cluster-info has no kubeconfig");
    if (!jws)
        return c8s_err_set(err, C8S_EUNAUTH,
                           "cluster-info has no signature for token id %s (unknown, expired or "
                           "not for signing)",
                           id);
    if (!pki_jws_detached_valid(jws, kc, id, o->token + 7))
        return c8s_err_set(err, C8S_EUNAUTH,
                           "cluster-info's signature does not verify with this token");
    cleanup_json json_t *cfg = NULL;
    if (yaml_to_json(kc, strlen(kc), &cfg, err) != 0)
        return err->code;
    json_t *cluster =
        json_object_get(json_array_get(json_object_get(cfg, "clusters"), 0), "cluster");
    const char *ca64 = json_string_value(json_object_get(cluster, "certificate-authority-data"));
    char *ca = NULL;
    size_t n = 0;
    if (!ca64 || kubeconfig_base64_decode(ca64, &ca, &n, err) != 0)
        return c8s_err_set(err, C8S_EUNAVAILABLE, "cluster-info names no CA");
    if (o->ca_hash && !pki_ca_cert_hash_matches(ca, o->ca_hash)) {
        free(ca);
        return c8s_err_set(err, C8S_EUNAUTH, "the cluster CA does not match --ca-cert-hash %s",
                           o->ca_hash);
    }
    if (!o->ca_hash)
        log_warn("agent", "no --ca-cert-hash: the CA is trusted on the token's signature alone");
    *ca_pem = ca;
    return 0;
}

static int write_kubeconfig(const char *path, const char *server, const char *ca_file,
                            const char *user_yaml, c8s_err_t *err)
{
    cleanup_free char *text = xasprintf("apiVersion: v1\n"
                                        "kind: Config\n"
                                        "clusters:\n"
                                        "- name: c8s\n"
                                        "  cluster:\n"
                                        "    server: %s\n"
                                        "    certificate-authority: %s\n"
                                        "contexts:\n"
                                        "- name: c8s\n"
                                        "  context:\n"
                                        "    cluster: c8s\n"
                                        "    user: node\n"
                                        "current-context: c8s\n"
                                        "users:\n"
                                        "- name: node\n"
                                        "  user:\n"
                                        "%s",
                                        server, ca_file, user_yaml);
    return pki_write_file(path, text, strlen(text), 0600, err);
}

/* A data dir from before kubelet-client-current.pem: the pair it kept in two files becomes one,
 * and the kubeconfig names it. */
static void migrate_client_pair(const char *pki, const char *pem, const char *kc)
{
    cleanup_free char *crt = xasprintf("%s/kubelet-client.crt", pki);
    cleanup_free char *key = xasprintf("%s/kubelet-client.key", pki);
    cleanup_free char *c = NULL, *k = NULL, *server = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (access(pem, F_OK) == 0 || pki_read_file(crt, &c, NULL, &err) != 0 ||
        pki_read_file(key, &k, NULL, &err) != 0 || !(server = kubeconfig_server(kc))) {
        c8s_err_clear(&err);
        return;
    }
    cleanup_free char *ca_file = xasprintf("%s/ca.crt", pki);
    cleanup_free char *user =
        xasprintf("    client-certificate: %s\n    client-key: %s\n", pem, pem);
    if (certmgr_write_pair(pem, c, k, &err) != 0 ||
        write_kubeconfig(kc, server, ca_file, user, &err) != 0)
        log_warn("agent", "moving the client certificate to %s: %s", pem, err.msg);
    else
        log_info("agent", "the client certificate is now kept in %s", pem);
    c8s_err_clear(&err);
}

/* Joins unless <data-dir>/kubelet.kubeconfig's certificate is still good. */
static int join(const agent_opts_t *o, c8s_err_t *err)
{
    cleanup_free char *pki = xasprintf("%s/pki", o->data_dir);
    cleanup_free char *ca_file = xasprintf("%s/ca.crt", pki);
    cleanup_free char *pem = xasprintf("%s/kubelet-client-current.pem", pki);
    cleanup_free char *kc = xasprintf("%s/kubelet.kubeconfig", o->data_dir);
    migrate_client_pair(pki, pem, kc);
    cleanup_free char *have_ca = NULL, *have_pem = NULL;
    c8s_err_t ignore = C8S_ERR_INIT;
    /* Still valid, however soon it expires: the certificate manager renews it with itself. */
    if (access(kc, R_OK) == 0 && pki_read_file(ca_file, &have_ca, NULL, &ignore) == 0 &&
        pki_read_file(pem, &have_pem, NULL, &ignore) == 0 &&
        pki_cert_signed_by(have_pem, have_ca, 0)) {
        log_info("agent", "%s is valid: already joined", kc);
        return 0;
    }
    c8s_err_clear(&ignore);
    if (!o->server || !o->token)
        return c8s_err_set(err, C8S_EINVALID, "--server and --token are needed to join");
    if (!valid_token(o->token))
        return c8s_err_set(err, C8S_EINVALID,
                           "the token must be of the form \"[a-z0-9]{6}.[a-z0-9]{16}\"");
    if (mkdir(pki, 0700) != 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "creating %s: %s", pki, strerror(errno));
    cleanup_free char *ca = NULL;
    if (discover(o, &ca, err) != 0)
        return err->code;
    if (pki_write_file(ca_file, ca, strlen(ca), 0644, err) != 0)
        return err->code;
    cleanup_free char *tok_yaml = xasprintf("    token: %s\n", o->token);
    cleanup_free char *boot = xasprintf("%s/bootstrap.kubeconfig", o->data_dir);
    if (write_kubeconfig(boot, o->server, ca_file, tok_yaml, err) != 0)
        return err->code;
    cleanup_free char *cn = xasprintf("system:node:%s", o->node_name);
    const char *orgs[] = {"system:nodes"};
    pki_cert_req_t req = {.cn = cn, .orgs = orgs, .n_orgs = 1};
    cleanup_free char *csr = NULL, *key = NULL;
    if (pki_csr_new(&req, NULL, &csr, &key, err) != 0)
        return err->code;
    certmgr_auth_t auth = {.server = o->server, .ca_file = ca_file, .token = o->token};
    const char *usages[] = {"digital signature", "client auth"};
    cleanup_free char *cert = NULL;
    if (certmgr_request_cert(&auth, CERTMGR_SIGNER_CLIENT, usages, 2, csr, o->cert_expiration_s,
                             JOIN_WAIT_S, NULL, &cert, err) != 0)
        return err->code;
    /* The key never leaves this node and is written only with its certificate. */
    if (certmgr_write_pair(pem, cert, key, err) != 0)
        return err->code;
    cleanup_free char *user =
        xasprintf("    client-certificate: %s\n    client-key: %s\n", pem, pem);
    if (write_kubeconfig(kc, o->server, ca_file, user, err) != 0)
        return err->code;
    log_info("agent", "joined as system:node:%s; credentials in %s", o->node_name, kc);
    return 0;
}

/* The server URL kept in kubelet.kubeconfig (a restart needs no --server). Owned. */
static char *kubeconfig_server(const char *path)
{
    cleanup_free char *text = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    cleanup_json json_t *cfg = NULL;
    if (pki_read_file(path, &text, NULL, &err) != 0 ||
        yaml_to_json(text, strlen(text), &cfg, &err) != 0) {
        c8s_err_clear(&err);
        return NULL;
    }
    const char *s = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(cfg, "clusters"), 0), "cluster"), "server"));
    return s ? xstrdup(s) : NULL;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    log_info("agent", "received %s; stopping", strsignal(signum));
    c8s_err_t err = C8S_ERR_INIT;
    if (notify_systemd("STOPPING=1", &err) < 0)
        log_warn("agent", "%s", err.msg);
    c8s_err_clear(&err);
    uv_stop(sig->loop);
}

int cmd_agent(int argc, char **argv)
{
    agent_opts_t o = {0};
    int prc = parse_args(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    signal(SIGPIPE, SIG_IGN);
    if (mkdir(o.data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "c8s agent: creating %s: %s\n", o.data_dir, strerror(errno));
        return 1;
    }
    c8s_err_t err = C8S_ERR_INIT;
    if (join(&o, &err) != 0) {
        fprintf(stderr, "c8s agent: %s\n", err.msg);
        c8s_err_clear(&err);
        return 1;
    }
    cleanup_free char *kc = xasprintf("%s/kubelet.kubeconfig", o.data_dir);
    cleanup_free char *server = kubeconfig_server(kc);
    cleanup_free char *ca = xasprintf("%s/pki/ca.crt", o.data_dir);
    /* By path: libcurl reads the pair for every new connection, so a renewed one is used
     * without telling the clients. */
    cleanup_free char *pem = xasprintf("%s/pki/kubelet-client-current.pem", o.data_dir);
    cleanup_free char *serving = xasprintf("%s/pki/kubelet-server-current.pem", o.data_dir);
    client_http_config_t remote = {
        .server = o.server ? o.server : server, .ca_file = ca, .cert_file = pem, .key_file = pem};
    if (!remote.server) {
        fprintf(stderr, "c8s agent: %s names no server\n", kc);
        return 1;
    }

    int rc = 0;
    proxy_t *proxy = NULL;
    dns_t *dns = NULL;
    kubelet_t *kubelet = NULL;
    certmgr_t *certs = NULL;
    o.proxy.node_name = o.node_name;
    o.proxy.remote = &remote;
    if (!o.no_proxy && proxy_start(NULL, &o.proxy, &proxy, &err) != 0)
        goto fail;
    o.dns.assign_address = true;
    o.dns.remote = &remote;
    if (!o.no_dns && dns_start(NULL, &o.dns, &dns, &err) != 0)
        goto fail;
    o.kubelet.node_name = o.node_name;
    o.kubelet.root_dir = o.data_dir;
    o.kubelet.run_pods = !o.no_pods;
    o.kubelet.cluster_dns = o.dns.address;
    o.kubelet.remote = &remote;
    if (kubelet_start(NULL, &o.kubelet, &kubelet, &err) != 0)
        goto fail;
    certmgr_config_t cc = {.server = remote.server,
                           .ca_file = ca,
                           .node_name = o.node_name,
                           .client_pem = pem,
                           .serving_pem = serving,
                           .expiration_s = o.cert_expiration_s,
                           .kubelet = kubelet};
    if (certmgr_start(&cc, &certs, &err) != 0)
        goto fail;
    if (notify_systemd("READY=1\nSTATUS=node roles running", &err) < 0) {
        log_warn("agent", "%s", err.msg);
        c8s_err_clear(&err);
    }
    log_info("agent", "node %s runs against %s", o.node_name, remote.server);

    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_signal_t sigterm, sigint;
    uv_signal_init(&loop, &sigterm);
    uv_signal_init(&loop, &sigint);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&sigterm, NULL);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    goto out;
fail:
    fprintf(stderr, "c8s agent: %s\n", err.msg);
    rc = 1;
out:
    certmgr_stop(certs);
    kubelet_stop(kubelet);
    dns_stop(dns);
    proxy_stop(proxy);
    c8s_err_clear(&err);
    log_info("agent", "stopped");
    return rc;
}
