/*
 * server.c — `c8s server`: flags, the managed etcd (when no --etcd-servers is given), the API
 * server role, the admin kubeconfig, and a clean stop on SIGTERM/SIGINT.
 */
#include "c8s/apiserver.h"
#include "c8s/base.h"
#include "c8s/cmd.h"
#include "c8s/notify.h"
#include "c8s/controllers.h"
#include "c8s/dns.h"
#include "c8s/jwt.h"
#include "c8s/kubelet.h"
#include "c8s/kubelet_server.h"
#include "c8s/pki.h"
#include "c8s/proxy.h"
#include "c8s/scheduler.h"
#include "c8s/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <uv.h>

typedef struct {
    apiserver_config_t api;
    const char *data_dir;
    char *etcd_servers;
    int etcd_client_port, etcd_peer_port;
    bool no_scheduler, no_controllers, no_proxy, no_dns, no_kubelet, no_local_storage;
    char *storage_dir; /* the default --local-storage-dir (owned) */
    kubelet_config_t kubelet;
    const char *insecure[16];
    proxy_config_t proxy;
    dns_config_t dns;
    char node_name[256];
    char advertise[64];
    char cluster_url[128]; /* cluster-info's server URL */
    char **endpoints;
    /* Tokens (issue 8). */
    const char *sa_pub[9];
    int n_sa_pub;
    const char *audiences[17];
    controllers_config_t ctrl;

    /* TLS (issue 8): the operator's files, or what pki_bootstrap makes under <data-dir>/pki. */
    const char *tls_cert_file, *tls_key_file, *client_ca_file;
    pki_files_t pki;
    char *kubelet_crt, *kubelet_key; /* issued here (owned) */
} server_opts_t;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: c8s server [flags]\n\n"
        "  --config FILE                       a YAML mapping of these flags (e.g.\n"
        "                                      /etc/c8s/config.yaml); the command line wins\n"
        "  --bind-address ADDR                 API address (default 0.0.0.0; TLS only)\n"
        "  --port N                            API port (default 6443)\n"
        "  --advertise-address IP              where pods reach the API (the `kubernetes`\n"
        "                                      service's endpoint; default: the bind address\n"
        "                                      when it is one, else the first non-loopback\n"
        "                                      IPv4 address when binding to all, else none)\n"
        "  --data-dir DIR                      node-local state (default /var/lib/c8s)\n"
        "  --etcd-servers URL[,URL...]         external etcd; without it c8s runs its own\n"
        "  --etcd-prefix PREFIX                key prefix (default /registry)\n"
        "  --etcd-client-port N                managed etcd client port (default 2399)\n"
        "  --etcd-peer-port N                  managed etcd peer port (default 2400)\n"
        "  --etcd-compaction-interval SECONDS  (default 300; 0 disables)\n"
        "  --max-requests-inflight N           (default 400; 0 = unlimited)\n"
        "  --max-mutating-requests-inflight N  (default 200; 0 = unlimited)\n"
        "  --service-cluster-ip-range CIDR     (default 10.96.0.0/12)\n"
        "  --service-node-port-range A-B       (default 30000-32767)\n"
        "  --watch-cache-size N                events kept per resource (default 10000)\n"
        "  --disable-scheduler                 run without the scheduler role\n"
        "  --disable-controller-manager        run without the controllers\n"
        "  --terminated-pod-gc-threshold N     terminated pods kept before the oldest are\n"
        "                                      deleted (default 12500; 0: never)\n"
        "  --disable-proxy                     run without the proxy role (service rules)\n"
        "  --node-name NAME                    this node's name (default: the host name)\n"
        "  --cluster-cidr CIDR                 pod network (default 10.244.0.0/16)\n"
        "  --node-cidr-mask-size N             each node's share of it (default 24)\n"
        "  --proxy-iptables CMD                iptables, iptables-legacy or iptables-nft\n"
        "                                      (default iptables: the system's choice)\n"
        "  --proxy-mode MODE                   nftables (default; iptables, with a warning,\n"
        "                                      where nft or nf_tables is missing) or iptables:\n"
        "                                      what programs services (NetworkPolicy is\n"
        "                                      iptables either way)\n"
        "  --disable-dns                       run without the cluster DNS role\n"
        "  --cluster-dns ADDR                  cluster DNS address (default 10.96.0.10)\n"
        "  --cluster-domain DOMAIN             (default cluster.local)\n"
        "  --dns-port N                        (default 53)\n"
        "  --resolv-conf FILE                  upstream resolvers for names outside the\n"
        "                                      cluster domain (default /etc/resolv.conf)\n"
        "  --disable-kubelet                   run without the kubelet role (node registration)\n"
        "  --node-status-interval-ms N         how often the kubelet renews its Lease and\n"
        "                                      posts the Node's status (default 10000)\n"
        "  --pod-cidr CIDR                     this node's pod range (default: the Node's\n"
        "                                      spec.podCIDR, which the node IPAM controller\n"
        "                                      assigns; without the controllers, the first\n"
        "                                      range of --cluster-cidr)\n"
        "  --eviction-hard LIST                the kubelet's hard eviction thresholds (default\n"
        "                                      memory.available<100Mi,nodefs.available<10%%;\n"
        "                                      \"\" for none)\n"
        "  --insecure-registry HOST:PORT       pull from it over plain HTTP (repeatable)\n"
        "  --kubelet-root-dir DIR              the kubelet's state (default <data-dir>)\n"
        "  --metric-resolution DURATION        how often kubelets are scraped for\n"
        "                                      metrics.k8s.io (default 15s)\n"
        "  --horizontal-pod-autoscaler-sync-period DURATION  (default 15s)\n"
        "  --kubelet-port N                    the kubelet's HTTPS port (logs, exec; default\n"
        "                                      10250; 0: a free one)\n"
        "  --node-ip ADDR                      the node's InternalIP, where the API server\n"
        "                                      reaches the kubelet (default: first IPv4)\n"
        "  --kubelet-tls-cert-file FILE        the kubelet's serving certificate (default: one\n"
        "                                      issued by the cluster CA in <data-dir>/pki)\n"
        "  --kubelet-tls-private-key-file FILE its key\n"
        "  --runc-root DIR                     runc's state (default runc's own, /run/runc)\n"
        "  --kubepods-cgroup PATH              pod cgroups go under it (default /kubepods)\n"
        "  --event-ttl SECONDS                 Events expire after this (default 3600)\n"
        "  --watch-queue-max-bytes N           unsent bytes before a slow watcher is dropped\n"
        "                                      (default 16777216)\n"
        "  --encryption-provider-config FILE   an EncryptionConfiguration: which resources\n"
        "                                      are encrypted in etcd, and with which keys\n"

        "  --service-account-signing-key-file FILE  PEM private key that signs\n"
        "                                      ServiceAccount tokens (without one none are "
        "issued)\n"
        "  --service-account-key-file FILE     PEM public keys that verify them (repeatable;\n"
        "                                      default: the signing key's public half)\n"
        "  --service-account-issuer URL        (default " JWT_DEFAULT_ISSUER ")\n"
        "  --api-audiences A[,B...]            (default: the issuer)\n"
        "  --token-auth-file FILE              static tokens: token,user,uid,\"group1,group2\"\n"
        "  --enable-bootstrap-token-auth       bootstrap tokens (kube-system Secrets)\n"
        "  --token-success-cache-ttl DURATION  how long a token that authenticated is trusted\n"
        "                                      without checking again (default 10s, upstream's\n"
        "                                      fixed value; 0s: no cache)\n"
        "  --root-ca-file FILE                 CA bundle published to every namespace as the\n"
        "                                      kube-root-ca.crt ConfigMap\n"
        "  --disable-admission-plugins LIST    e.g. ServiceAccount (pods then need no account;\n"
        "                                      for a server without the controller manager)\n"
        "  --local-storage-dir DIR             where the local-path provisioner puts volumes on\n"
        "                                      the node it picks (default <data-dir>/storage)\n"
        "  --disable-local-storage             no default local-path StorageClass\n"

        "  --request-timeout DURATION          e.g. 60s or 1m (default 1m); requests wait in\n"
        "                                      their priority level's queue a quarter of it\n"
        "  --audit-policy-file FILE            audit.k8s.io/v1 Policy (YAML); with\n"
        "                                      --audit-log-path, turns the audit log on\n"
        "  --audit-log-path FILE               audit events as JSON lines (\"-\": stdout)\n"
        "  --audit-log-maxsize MB              rotate the log past this size (0: never)\n"
        "  --audit-log-maxbackup N             rotated files kept (0: all)\n"
        "  --audit-log-maxage DAYS             days rotated files are kept (0: forever)\n"

        "  --tls-cert-file FILE                serving certificate (PEM; default: one issued\n"
        "                                      by the cluster CA in <data-dir>/pki)\n"
        "  --tls-private-key-file FILE         its key\n"
        "  --client-ca-file FILE               CAs whose client certificates authenticate\n"
        "                                      (default <data-dir>/pki/ca.crt)\n"
        "  -v, --verbose                       debug logging\n");
}

/* A Go duration of whole units ("15s", "500ms", "1m30s") in milliseconds; -1 if malformed. */
static long duration_ms(const char *s)
{
    long total = 0;
    if (!*s)
        return -1;
    while (*s) {
        char *end;
        long n = strtol(s, &end, 10);
        if (end == s || n < 0)
            return -1;
        if (strncmp(end, "ms", 2) == 0) {
            total += n;
            s = end + 2;
        } else if (*end == 's' || *end == 'm' || *end == 'h') {
            total += n * (*end == 'h' ? 3600000L : *end == 'm' ? 60000L : 1000L);
            s = end + 1;
        } else {
            return -1;
        }
    }
    return total;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 1000000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, server_opts_t *o)
{
    enum {
        O_BIND = 1000,
        O_PORT,
        O_DATA,
        O_ETCD,
        O_PREFIX,
        O_ECPORT,
        O_EPPORT,
        O_COMPACT,
        O_NODE_STATUS_MS,
        O_PODGC_THRESHOLD,
        O_INFLIGHT,
        O_MUTATING,
        O_SVC_CIDR,
        O_NODEPORTS,
        O_WCACHE,
        O_WQUEUE,
        O_EVENT_TTL,
        O_NO_SCHED,
        O_NO_CTRL,
        O_NO_PROXY,
        O_NODE_NAME,
        O_CLUSTER_CIDR,
        O_NODE_CIDR_MASK,
        O_PROXY_IPT,
        O_PROXY_MODE,
        O_NO_DNS,
        O_ADVERTISE,
        O_NO_KUBELET,
        O_POD_CIDR,
        O_EVICTION_HARD,
        O_INSECURE_REG,
        O_KUBELET_ROOT,
        O_RUNC_ROOT,
        O_KUBEPODS,
        O_CLUSTER_DNS,
        O_CLUSTER_DOMAIN,
        O_DNS_PORT,
        O_RESOLV_CONF,
        O_ENC_CONFIG,

        /* Tokens (issue 8). */
        O_SA_SIGNING_KEY,
        O_SA_KEY,
        O_SA_ISSUER,
        O_API_AUDIENCES,
        O_TOKEN_FILE,
        O_BOOTSTRAP_TOKENS,
        O_TOKEN_CACHE_TTL,
        O_ROOT_CA,
        O_DISABLE_ADMISSION,
        O_LOCAL_STORAGE_DIR,
        O_NO_LOCAL_STORAGE,

        /* audit, priority and fairness */
        O_REQUEST_TIMEOUT,
        O_AUDIT_POLICY,
        O_AUDIT_PATH,
        O_AUDIT_MAXSIZE,
        O_AUDIT_MAXBACKUP,
        O_AUDIT_MAXAGE,

        O_TLS_CERT,
        O_TLS_KEY,
        O_CLIENT_CA,

        /* the kubelet's port */
        O_KUBELET_PORT,
        O_NODE_IP,
        O_KUBELET_CERT,
        O_KUBELET_KEY,

        /* resource metrics and autoscaling */
        O_METRIC_RES,
        O_HPA_SYNC,
    };
    static const struct option longopts[] = {
        {"bind-address", required_argument, NULL, O_BIND},
        {"port", required_argument, NULL, O_PORT},
        {"secure-port", required_argument, NULL, O_PORT},
        {"data-dir", required_argument, NULL, O_DATA},
        {"etcd-servers", required_argument, NULL, O_ETCD},
        {"etcd-prefix", required_argument, NULL, O_PREFIX},
        {"etcd-client-port", required_argument, NULL, O_ECPORT},
        {"etcd-peer-port", required_argument, NULL, O_EPPORT},
        {"etcd-compaction-interval", required_argument, NULL, O_COMPACT},
        {"node-status-interval-ms", required_argument, NULL, O_NODE_STATUS_MS},
        {"terminated-pod-gc-threshold", required_argument, NULL, O_PODGC_THRESHOLD},
        {"max-requests-inflight", required_argument, NULL, O_INFLIGHT},
        {"max-mutating-requests-inflight", required_argument, NULL, O_MUTATING},
        {"service-cluster-ip-range", required_argument, NULL, O_SVC_CIDR},
        {"service-node-port-range", required_argument, NULL, O_NODEPORTS},
        {"watch-cache-size", required_argument, NULL, O_WCACHE},
        {"watch-queue-max-bytes", required_argument, NULL, O_WQUEUE},
        {"event-ttl", required_argument, NULL, O_EVENT_TTL},
        {"disable-scheduler", no_argument, NULL, O_NO_SCHED},
        {"disable-controller-manager", no_argument, NULL, O_NO_CTRL},
        {"disable-proxy", no_argument, NULL, O_NO_PROXY},
        {"node-name", required_argument, NULL, O_NODE_NAME},
        {"cluster-cidr", required_argument, NULL, O_CLUSTER_CIDR},
        {"node-cidr-mask-size", required_argument, NULL, O_NODE_CIDR_MASK},
        {"proxy-iptables", required_argument, NULL, O_PROXY_IPT},
        {"proxy-mode", required_argument, NULL, O_PROXY_MODE},
        {"disable-dns", no_argument, NULL, O_NO_DNS},
        {"advertise-address", required_argument, NULL, O_ADVERTISE},
        {"disable-kubelet", no_argument, NULL, O_NO_KUBELET},
        {"pod-cidr", required_argument, NULL, O_POD_CIDR},
        {"eviction-hard", required_argument, NULL, O_EVICTION_HARD},
        {"insecure-registry", required_argument, NULL, O_INSECURE_REG},
        {"kubelet-root-dir", required_argument, NULL, O_KUBELET_ROOT},
        {"runc-root", required_argument, NULL, O_RUNC_ROOT},
        {"kubepods-cgroup", required_argument, NULL, O_KUBEPODS},
        {"cluster-dns", required_argument, NULL, O_CLUSTER_DNS},
        {"cluster-domain", required_argument, NULL, O_CLUSTER_DOMAIN},
        {"dns-port", required_argument, NULL, O_DNS_PORT},
        {"resolv-conf", required_argument, NULL, O_RESOLV_CONF},
        {"encryption-provider-config", required_argument, NULL, O_ENC_CONFIG},

        /* Tokens (issue 8). */
        {"service-account-signing-key-file", required_argument, NULL, O_SA_SIGNING_KEY},
        {"service-account-key-file", required_argument, NULL, O_SA_KEY},
        {"service-account-issuer", required_argument, NULL, O_SA_ISSUER},
        {"api-audiences", required_argument, NULL, O_API_AUDIENCES},
        {"token-auth-file", required_argument, NULL, O_TOKEN_FILE},
        {"enable-bootstrap-token-auth", no_argument, NULL, O_BOOTSTRAP_TOKENS},
        {"token-success-cache-ttl", required_argument, NULL, O_TOKEN_CACHE_TTL},
        {"root-ca-file", required_argument, NULL, O_ROOT_CA},
        {"local-storage-dir", required_argument, NULL, O_LOCAL_STORAGE_DIR},
        {"disable-local-storage", no_argument, NULL, O_NO_LOCAL_STORAGE},
        {"disable-admission-plugins", required_argument, NULL, O_DISABLE_ADMISSION},

        {"request-timeout", required_argument, NULL, O_REQUEST_TIMEOUT},
        {"audit-policy-file", required_argument, NULL, O_AUDIT_POLICY},
        {"audit-log-path", required_argument, NULL, O_AUDIT_PATH},
        {"audit-log-maxsize", required_argument, NULL, O_AUDIT_MAXSIZE},
        {"audit-log-maxbackup", required_argument, NULL, O_AUDIT_MAXBACKUP},
        {"audit-log-maxage", required_argument, NULL, O_AUDIT_MAXAGE},

        {"tls-cert-file", required_argument, NULL, O_TLS_CERT},
        {"tls-private-key-file", required_argument, NULL, O_TLS_KEY},
        {"client-ca-file", required_argument, NULL, O_CLIENT_CA},
        {"kubelet-port", required_argument, NULL, O_KUBELET_PORT},
        {"metric-resolution", required_argument, NULL, O_METRIC_RES},
        {"horizontal-pod-autoscaler-sync-period", required_argument, NULL, O_HPA_SYNC},
        {"node-ip", required_argument, NULL, O_NODE_IP},
        {"kubelet-tls-cert-file", required_argument, NULL, O_KUBELET_CERT},
        {"kubelet-tls-private-key-file", required_argument, NULL, O_KUBELET_KEY},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    o->api.compaction_interval_s = 300;
    o->api.max_requests_inflight = 400;
    o->api.max_mutating_requests_inflight = 200;
    o->data_dir = "/var/lib/c8s";
    o->etcd_client_port = 2399;
    o->etcd_peer_port = 2400;
    o->kubelet.port = KUBELET_PORT_DEFAULT;
    if (gethostname(o->node_name, sizeof(o->node_name) - 1) != 0)
        snprintf(o->node_name, sizeof(o->node_name), "c8s");
    int c, v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
        switch (c) {
        case O_BIND:
            o->api.bind_address = optarg;
            break;
        case O_DATA:
            o->data_dir = optarg;
            break;
        case O_ETCD:
            o->etcd_servers = optarg;
            break;
        case O_PREFIX:
            o->api.etcd_prefix = optarg;
            break;
        case O_SVC_CIDR:
            o->api.service_cidr = optarg;
            break;
        case O_NODEPORTS:
            if (sscanf(optarg, "%d-%d", &o->api.node_port_min, &o->api.node_port_max) != 2 ||
                o->api.node_port_min <= 0 || o->api.node_port_max < o->api.node_port_min ||
                o->api.node_port_max > 65535) {
                fprintf(stderr, "c8s server: invalid --service-node-port-range %s\n", optarg);
                return -1;
            }
            break;
        case 'v':
            c8s_log_set_level(C8S_LOG_DEBUG);
            break;
        case O_TLS_CERT:
            o->tls_cert_file = optarg;
            break;
        case O_TLS_KEY:
            o->tls_key_file = optarg;
            break;
        case O_CLIENT_CA:
            o->client_ca_file = optarg;
            break;
        case O_NODE_IP:
            o->kubelet.node_ip = optarg;
            break;
        case O_KUBELET_CERT:
            o->kubelet.tls_cert_file = optarg;
            break;
        case O_KUBELET_KEY:
            o->kubelet.tls_key_file = optarg;
            break;
        case O_NO_SCHED:
            o->no_scheduler = true;
            break;
        case O_NO_CTRL:
            o->no_controllers = true;
            break;
        case O_NO_PROXY:
            o->no_proxy = true;
            break;
        case O_NO_DNS:
            o->no_dns = true;
            break;
        case O_ADVERTISE:
            o->api.advertise_address = optarg;
            break;
        case O_NO_KUBELET:
            o->no_kubelet = true;
            break;
        case O_POD_CIDR:
            o->kubelet.pod_cidr = optarg;
            break;
        case O_EVICTION_HARD:
            o->kubelet.eviction_hard = optarg;
            break;
        case O_INSECURE_REG:
            if (o->kubelet.n_insecure == sizeof(o->insecure) / sizeof(o->insecure[0])) {
                fprintf(stderr, "c8s server: too many --insecure-registry\n");
                return -1;
            }
            o->insecure[o->kubelet.n_insecure++] = optarg;
            o->kubelet.insecure_registries = o->insecure;
            break;
        case O_KUBELET_ROOT:
            o->kubelet.root_dir = optarg;
            break;
        case O_RUNC_ROOT:
            o->kubelet.runc_root = optarg;
            break;
        case O_KUBEPODS:
            o->kubelet.kubepods_root = optarg;
            break;
        case O_CLUSTER_DNS:
            o->dns.address = optarg;
            break;
        case O_CLUSTER_DOMAIN:
            o->dns.domain = optarg;
            break;
        case O_RESOLV_CONF:
            o->dns.resolv_conf = optarg;
            break;
        case O_ENC_CONFIG:
            o->api.encryption_provider_config = optarg;
            break;
        case O_NODE_NAME:
            snprintf(o->node_name, sizeof(o->node_name), "%s", optarg);
            break;
        case O_CLUSTER_CIDR:
            o->proxy.cluster_cidr = optarg;
            o->ctrl.cluster_cidr = optarg;
            break;
        case O_NODE_CIDR_MASK:
            /* Whether it fits --cluster-cidr is checked when the controllers start. */
            if (parse_int(optarg, &o->ctrl.node_cidr_mask_size) != 0 ||
                o->ctrl.node_cidr_mask_size < 1 || o->ctrl.node_cidr_mask_size > 30) {
                fprintf(stderr, "c8s server: invalid --node-cidr-mask-size %s\n", optarg);
                return -1;
            }
            break;
        case O_PROXY_IPT:
            if (strcmp(optarg, "iptables") != 0 && strcmp(optarg, "iptables-legacy") != 0 &&
                strcmp(optarg, "iptables-nft") != 0) {
                fprintf(stderr, "c8s server: invalid --proxy-iptables %s\n", optarg);
                return -1;
            }
            o->proxy.iptables = optarg;
            break;
        case O_PROXY_MODE:
            if (proxy_mode_parse(optarg) < 0) {
                fprintf(stderr, "c8s server: invalid --proxy-mode %s\n", optarg);
                return -1;
            }
            o->proxy.mode = (proxy_mode_t)proxy_mode_parse(optarg);
            break;
        /* Tokens (issue 8). */
        case O_SA_SIGNING_KEY:
            o->api.service_account_key_file = optarg;
            break;
        case O_SA_KEY:
            if (o->n_sa_pub == (int)C8S_ARRAY_SIZE(o->sa_pub) - 1) {
                fprintf(stderr, "c8s server: too many --service-account-key-file\n");
                return -1;
            }
            o->sa_pub[o->n_sa_pub++] = optarg;
            o->api.service_account_pub_files = o->sa_pub;
            break;
        case O_SA_ISSUER:
            o->api.service_account_issuer = optarg;
            break;
        case O_API_AUDIENCES: {
            size_t n = 0;
            char *save = NULL;
            for (char *a = strtok_r(optarg, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
                if (n == C8S_ARRAY_SIZE(o->audiences) - 1) {
                    fprintf(stderr, "c8s server: too many --api-audiences\n");
                    return -1;
                }
                o->audiences[n++] = a;
            }
            o->audiences[n] = NULL;
            o->api.api_audiences = n ? o->audiences : NULL;
            break;
        }
        case O_TOKEN_FILE:
            o->api.token_auth_file = optarg;
            break;
        case O_BOOTSTRAP_TOKENS:
            o->api.enable_bootstrap_token_auth = true;
            break;
        case O_TOKEN_CACHE_TTL: {
            long ms = strcmp(optarg, "0") == 0 ? 0 : duration_ms(optarg);
            if (ms < 0 || ms > 86400000L) {
                fprintf(stderr, "c8s server: invalid --token-success-cache-ttl %s\n", optarg);
                return -1;
            }
            o->api.token_cache_ttl_ms = ms ? (int)ms : -1;
            break;
        }
        case O_ROOT_CA:
            o->ctrl.root_ca_file = optarg;
            break;
        case O_LOCAL_STORAGE_DIR:
            o->ctrl.local_storage_dir = optarg;
            break;
        case O_NO_LOCAL_STORAGE:
            o->no_local_storage = true;
            break;
        case O_DISABLE_ADMISSION:
            o->api.disable_admission_plugins = optarg;
            break;
        case O_REQUEST_TIMEOUT: {
            /* Go durations as upstream writes them: 60s, 1m, 1m0s, 2h. */
            char *end;
            long total = 0;
            const char *p = optarg;
            while (*p) {
                long n = strtol(p, &end, 10);
                if (end == p || n < 0 || !strchr("hms", *end) || !*end) {
                    fprintf(stderr, "c8s server: invalid --request-timeout %s\n", optarg);
                    return -1;
                }
                total += n * (*end == 'h' ? 3600 : *end == 'm' ? 60 : 1);
                p = end + 1;
            }
            if (total <= 0 || total > 86400) {
                fprintf(stderr, "c8s server: invalid --request-timeout %s\n", optarg);
                return -1;
            }
            o->api.request_timeout_s = (int)total;
            break;
        }
        case O_METRIC_RES:
        case O_HPA_SYNC: {
            long ms = duration_ms(optarg);
            if (ms <= 0 || ms > 3600000) {
                fprintf(stderr, "c8s server: invalid --%s %s\n",
                        c == O_METRIC_RES ? "metric-resolution"
                                          : "horizontal-pod-autoscaler-sync-period",
                        optarg);
                return -1;
            }
            if (c == O_METRIC_RES)
                o->api.metrics_resolution_ms = (int)ms;
            else
                o->ctrl.hpa_sync_ms = (uint64_t)ms;
            break;
        }
        case O_AUDIT_POLICY:
            o->api.audit_policy_file = optarg;
            break;
        case O_AUDIT_PATH:
            o->api.audit_log_path = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case '?':
            usage(stderr);
            return -1;
        default:
            if (parse_int(optarg, &v) != 0) {
                fprintf(stderr, "c8s server: invalid number \"%s\"\n", optarg);
                return -1;
            }
            switch (c) {
            case O_PORT:
                o->api.port = v;
                break;
            case O_ECPORT:
                o->etcd_client_port = v;
                break;
            case O_EPPORT:
                o->etcd_peer_port = v;
                break;
            case O_COMPACT:
                o->api.compaction_interval_s = v;
                break;
            case O_PODGC_THRESHOLD:
                o->ctrl.terminated_pod_gc_threshold = v > 0 ? v : -1;
                break;
            case O_NODE_STATUS_MS:
                o->kubelet.status_interval_ms = v > 0 ? (unsigned)v : 0;
                break;
            case O_INFLIGHT:
                /* 0 means unlimited; the config uses -1 for that since 0 means default. */
                o->api.max_requests_inflight = v ? v : -1;
                break;
            case O_MUTATING:
                o->api.max_mutating_requests_inflight = v ? v : -1;
                break;
            case O_WCACHE:
                o->api.watch_cache_window = v;
                break;
            case O_AUDIT_MAXSIZE:
                o->api.audit_log_maxsize_mb = v;
                break;
            case O_AUDIT_MAXBACKUP:
                o->api.audit_log_maxbackup = v;
                break;
            case O_AUDIT_MAXAGE:
                o->api.audit_log_maxage = v;
                break;
            case O_EVENT_TTL:
                o->api.event_ttl_s = v;
                break;
            case O_WQUEUE:
                o->api.watch_queue_max_bytes = (size_t)v;
                break;
            case O_DNS_PORT:
                o->dns.port = v;
                break;
            case O_KUBELET_PORT:
                o->kubelet.port = v;
                break;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "c8s server: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    return 0;
}

/* The base64 of a whole file (owned), as kubeconfig's *-data fields hold it. */
static char *file_base64(const char *path, c8s_err_t *err)
{
    cleanup_free char *raw = NULL;
    size_t n = 0;
    if (pki_read_file(path, &raw, &n, err) != 0)
        return NULL;
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, (int)n);
    return out;
}

/* <data-dir>/admin.kubeconfig: the cluster CA, the admin's certificate and key embedded, so the
 * file works copied anywhere (kubectl needs no other flag). */
static int write_kubeconfig(const char *data_dir, const apiserver_config_t *api,
                            const pki_files_t *pki, c8s_err_t *err)
{
    const char *host = api->bind_address && strcmp(api->bind_address, "0.0.0.0") != 0 &&
                               strcmp(api->bind_address, "::") != 0
                           ? api->bind_address
                           : "127.0.0.1";
    cleanup_free char *ca = file_base64(pki->ca_crt, err);
    cleanup_free char *crt = ca ? file_base64(pki->admin_crt, err) : NULL;
    cleanup_free char *key = crt ? file_base64(pki->admin_key, err) : NULL;
    if (!key)
        return err->code;
    cleanup_free char *host_part = strchr(host, ':') ? xasprintf("[%s]", host) : xstrdup(host);
    cleanup_free char *text = xasprintf("apiVersion: v1\n"
                                        "kind: Config\n"
                                        "clusters:\n"
                                        "- name: c8s\n"
                                        "  cluster:\n"
                                        "    server: https://%s:%d\n"
                                        "    certificate-authority-data: %s\n"
                                        "users:\n"
                                        "- name: admin\n"
                                        "  user:\n"
                                        "    client-certificate-data: %s\n"
                                        "    client-key-data: %s\n"
                                        "contexts:\n"
                                        "- name: c8s\n"
                                        "  context:\n"
                                        "    cluster: c8s\n"
                                        "    user: admin\n"
                                        "    namespace: default\n"
                                        "current-context: c8s\n",
                                        host_part, api->port, ca, crt, key);
    cleanup_free char *path = xasprintf("%s/admin.kubeconfig", data_dir);
    return pki_write_file(path, text, strlen(text), 0600, err);
}

/* The kubelet's serving certificate, from the cluster CA unless the operator gave one: named
 * for the node (the API server checks that name) and its addresses. Clients of the kubelet's
 * port present certificates of the cluster CA. */
static int setup_kubelet_cert(server_opts_t *o, const char *dir, const char *host, c8s_err_t *err)
{
    o->kubelet.client_ca_file = o->pki.ca_crt;
    if (o->kubelet.tls_cert_file || o->kubelet.tls_key_file) {
        if (!o->kubelet.tls_cert_file || !o->kubelet.tls_key_file)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "--kubelet-tls-cert-file and --kubelet-tls-private-key-file go "
                               "together");
        return 0;
    }
    const char *dns[3] = {o->node_name, "localhost"};
    size_t n_dns = 2;
    if (host[0] && strcmp(host, o->node_name) != 0)
        dns[n_dns++] = host;
    const char *ips[] = {"127.0.0.1", o->kubelet.node_ip};
    pki_cert_req_t req = {.cn = o->node_name,
                          .dns = dns,
                          .n_dns = n_dns,
                          .ips = ips,
                          .n_ips = o->kubelet.node_ip ? 2 : 1,
                          .server = true};
    if (pki_ensure_leaf(dir, "kubelet", &req, err) != 0)
        return err->code;
    o->kubelet.tls_cert_file = o->kubelet_crt = xasprintf("%s/kubelet.crt", dir);
    o->kubelet.tls_key_file = o->kubelet_key = xasprintf("%s/kubelet.key", dir);
    return 0;
}

/* The PKI under <data-dir>/pki (created or reused) and the API server's TLS settings from it. */
static int setup_pki(server_opts_t *o, c8s_err_t *err)
{
    apiserver_config_t shown = o->api;
    apiserver_config_defaults(&shown);
    char svc_ip[64] = "";
    if (pki_service_ip(shown.service_cidr, svc_ip, sizeof(svc_ip), err) != 0)
        return err->code;
    char host[256] = "";
    if (gethostname(host, sizeof(host) - 1) != 0)
        host[0] = '\0';
    char **dns = NULL, **ips = NULL;
    size_t n_dns = 0, n_ips = 0;
    pki_default_sans(host, o->node_name, o->dns.domain ? o->dns.domain : "cluster.local",
                     o->api.advertise_address, shown.bind_address, svc_ip, &dns, &n_dns, &ips,
                     &n_ips);
    cleanup_free char *dir = xasprintf("%s/pki", o->data_dir);
    pki_config_t pc = {.dir = dir,
                       .dns = (const char *const *)dns,
                       .n_dns = n_dns,
                       .ips = (const char *const *)ips,
                       .n_ips = n_ips,
                       .tls_cert_file = o->tls_cert_file,
                       .tls_key_file = o->tls_key_file,
                       .client_ca_file = o->client_ca_file};
    int rc = pki_bootstrap(&pc, &o->pki, err);
    pki_names_free(dns, n_dns);
    pki_names_free(ips, n_ips);
    if (rc != 0)
        return rc;
    o->api.tls_cert_file = o->pki.serving_crt;
    o->api.tls_private_key_file = o->pki.serving_key;
    o->api.client_ca_file = o->pki.client_ca;
    o->api.kubelet_client_cert_file = o->pki.kubelet_client_crt;
    o->api.kubelet_client_key_file = o->pki.kubelet_client_key;
    o->api.kubelet_ca_file = o->pki.ca_crt;
    if (!o->no_kubelet && setup_kubelet_cert(o, dir, host, err) != 0)
        return err->code;
    /* The cluster's own signing key and CA unless the operator named others. */
    if (!o->api.service_account_key_file)
        o->api.service_account_key_file = o->pki.sa_key;
    if (!o->ctrl.root_ca_file)
        o->ctrl.root_ca_file = o->pki.ca_crt;
    /* The csrsigning controller signs with the cluster CA; joining nodes learn the server's
     * URL from cluster-info (the advertised address, else the bound one). */
    o->ctrl.cluster_signing_cert_file = o->pki.ca_crt;
    o->ctrl.cluster_signing_key_file = o->pki.ca_key;
    const char *api_host = o->api.advertise_address ? o->api.advertise_address
                           : o->api.bind_address && strcmp(o->api.bind_address, "0.0.0.0") != 0 &&
                                   strcmp(o->api.bind_address, "::") != 0
                               ? o->api.bind_address
                               : "127.0.0.1";
    snprintf(o->cluster_url, sizeof(o->cluster_url),
             strchr(api_host, ':') ? "https://[%s]:%d" : "https://%s:%d", api_host,
             o->api.port ? o->api.port : 6443);
    o->ctrl.cluster_info_server = o->cluster_url;
    /* The local-path provisioner's volumes live with the rest of the node's state. */
    o->ctrl.local_path_class = !o->no_local_storage;
    if (!o->ctrl.local_storage_dir)
        o->ctrl.local_storage_dir = o->storage_dir = xasprintf("%s/storage", o->data_dir);
    /* admin.kubeconfig always carries the cluster CA and a certificate it issued. */
    if (o->client_ca_file)
        log_warn("server",
                 "--client-ca-file given: admin.kubeconfig's certificate (from the cluster CA "
                 "in %s) authenticates only if that file trusts the cluster CA",
                 dir);
    if (o->tls_cert_file)
        log_warn("server",
                 "--tls-cert-file given: admin.kubeconfig trusts the cluster CA in %s; point its "
                 "certificate-authority at the CA that signed %s",
                 dir, o->tls_cert_file);
    return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    log_info("server", "received %s; stopping", strsignal(signum));
    c8s_err_t err = C8S_ERR_INIT;
    if (notify_systemd("STOPPING=1", &err) < 0)
        log_warn("server", "%s", err.msg);
    c8s_err_clear(&err);
    uv_stop(sig->loop);
}

static int mkdir_p(const char *dir, mode_t mode)
{
    cleanup_free char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, mode) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    }
    return mkdir(p, mode) != 0 && errno != EEXIST ? -1 : 0;
}

static char **split_endpoints(const char *list)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    char **out = xcalloc(n + 1, sizeof(char *));
    cleanup_free char *copy = xstrdup(list);
    size_t i = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        out[i++] = xstrdup(tok);
    return out;
}

/* The address pods reach the API at, when none is given: the bind address when it is a
 * specific, non-loopback one; the first non-loopback IPv4 address when binding to all; none
 * when the API listens on loopback only (pods could not reach it). */
static void default_advertise(server_opts_t *o)
{
    const char *bind = o->api.bind_address ? o->api.bind_address : "0.0.0.0";
    if (o->api.advertise_address || strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0)
        return;
    if (strcmp(bind, "0.0.0.0") != 0 && strcmp(bind, "::") != 0) {
        snprintf(o->advertise, sizeof(o->advertise), "%s", bind);
        o->api.advertise_address = o->advertise;
        return;
    }
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0)
        return;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, o->advertise,
                  sizeof(o->advertise));
        o->api.advertise_address = o->advertise;
        break;
    }
    freeifaddrs(ifs);
}

int cmd_server(int argc, char **argv)
{
    server_opts_t o = {0};
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    default_advertise(&o);
    /* A client going away mid-write must not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    if (mkdir_p(o.data_dir, 0700) != 0) {
        fprintf(stderr, "c8s server: creating %s: %s\n", o.data_dir, strerror(errno));
        return 1;
    }
    c8s_err_t err = C8S_ERR_INIT;
    if (setup_pki(&o, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        c8s_err_clear(&err);
        free(o.storage_dir);
        pki_files_clear(&o.pki);
        return 1;
    }
    store_managed_t *etcd = NULL;
    char url[64];
    if (!o.etcd_servers) {
        cleanup_free char *dir = xasprintf("%s/etcd", o.data_dir);
        log_info("server", "starting managed etcd (data %s, client port %d)", dir,
                 o.etcd_client_port);
        if (store_managed_start(dir, o.etcd_client_port, o.etcd_peer_port, 30000, &etcd, url,
                                sizeof(url), &err) != 0) {
            fprintf(stderr, "c8s server: %s\n", err.msg);
            c8s_err_clear(&err);
            pki_files_clear(&o.pki);
            free(o.storage_dir);
            free(o.kubelet_crt);
            free(o.kubelet_key);
            return 1;
        }
        o.endpoints = split_endpoints(url);
    } else {
        o.endpoints = split_endpoints(o.etcd_servers);
    }
    o.api.etcd_endpoints = (const char *const *)o.endpoints;

    int rc = 0;
    /* The node IPAM controller gives nodes their pod CIDRs; a server without the controllers
     * gives its own node the first range of the cluster CIDR. Checked before any role starts. */
    char first_range[INET_ADDRSTRLEN + 4];
    if (!o.kubelet.pod_cidr && o.no_controllers && !o.no_kubelet) {
        if (controllers_first_node_cidr(&o.ctrl, first_range, sizeof first_range, &err) != 0) {
            fprintf(stderr, "c8s server: %s\n", err.msg);
            rc = 1;
            goto out;
        }
        o.kubelet.pod_cidr = first_range;
    }
    apiserver_t *api = NULL;
    if (apiserver_start(&o.api, &api, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        rc = 1;
        goto out;
    }
    controllers_t *ctrl = NULL;
    if (!o.no_controllers && controllers_start_config(api, &o.ctrl, &ctrl, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        apiserver_stop(api);
        rc = 1;
        goto out;
    }
    scheduler_t *sched = NULL;
    if (!o.no_scheduler && scheduler_start(api, &sched, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        controllers_stop(ctrl);
        apiserver_stop(api);
        rc = 1;
        goto out;
    }
    proxy_t *proxy = NULL;
    o.proxy.node_name = o.node_name;
    if (!o.no_proxy && proxy_start(api, &o.proxy, &proxy, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        scheduler_stop(sched);
        controllers_stop(ctrl);
        apiserver_stop(api);
        rc = 1;
        goto out;
    }
    dns_t *dns = NULL;
    o.dns.assign_address = true;
    if (!o.no_dns && dns_start(api, &o.dns, &dns, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        proxy_stop(proxy);
        scheduler_stop(sched);
        controllers_stop(ctrl);
        apiserver_stop(api);
        rc = 1;
        goto out;
    }
    kubelet_t *kubelet = NULL;
    o.kubelet.node_name = o.node_name;
    o.kubelet.run_pods = true;
    /* Pods' resolv.conf names the address the DNS role serves on. */
    o.kubelet.cluster_dns = o.dns.address;
    if (!o.kubelet.root_dir)
        o.kubelet.root_dir = o.data_dir;
    if (!o.no_kubelet && kubelet_start(api, &o.kubelet, &kubelet, &err) != 0) {
        fprintf(stderr, "c8s server: %s\n", err.msg);
        dns_stop(dns);
        proxy_stop(proxy);
        scheduler_stop(sched);
        controllers_stop(ctrl);
        apiserver_stop(api);
        rc = 1;
        goto out;
    }
    apiserver_config_t shown = o.api;
    apiserver_config_defaults(&shown);
    if (write_kubeconfig(o.data_dir, &shown, &o.pki, &err) != 0) {
        log_warn("server", "%s", err.msg);
        c8s_err_clear(&err);
    } else {
        log_info("server", "kubeconfig: %s/admin.kubeconfig", o.data_dir);
    }
    if (notify_systemd("READY=1\nSTATUS=serving", &err) < 0) {
        log_warn("server", "%s", err.msg);
        c8s_err_clear(&err);
    }

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

    kubelet_stop(kubelet);
    dns_stop(dns);
    proxy_stop(proxy);
    scheduler_stop(sched);
    controllers_stop(ctrl);
    apiserver_stop(api);
out:
    if (etcd)
        store_managed_stop(etcd);
    for (size_t i = 0; o.endpoints && o.endpoints[i]; i++)
        free(o.endpoints[i]);
    free(o.endpoints);
    free(o.storage_dir);
    free(o.kubelet_crt);
    free(o.kubelet_key);
    pki_files_clear(&o.pki);
    c8s_err_clear(&err);
    log_info("server", "stopped");
    return rc;
}
