/* test_pki_files.c — the PKI directory: a first bootstrap creates every file with the right
 * modes, a second reuses them, a missing name re-issues only the serving certificate, operator
 * files are taken as given; and a client certificate from pki_issue_client authenticates
 * against a real server as its CN (not system:masters: refused with 403 by name). */
#include "c8s/pki.h"
#include "harness.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *slurp(const char *path)
{
    char *s = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (pki_read_file(path, &s, NULL, &err) != 0)
        c8s_err_clear(&err);
    return s;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static void bootstrap_and_reuse(void)
{
    char dir[] = "/tmp/c8s-test-pkidir-XXXXXX";
    REQUIRE_VOID(mkdtemp(dir) != NULL);
    char pki[300];
    snprintf(pki, sizeof(pki), "%s/pki", dir);
    const char *dns[] = {"localhost", "kubernetes.default.svc"};
    const char *ips[] = {"127.0.0.1"};
    pki_config_t pc = {.dir = pki, .dns = dns, .n_dns = 2, .ips = ips, .n_ips = 1};
    pki_files_t f;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE_VOID(pki_bootstrap(&pc, &f, &err) == 0);
    CHECK_INT(mode_of(pki), 0700);
    CHECK_INT(mode_of(f.ca_key), 0600);
    CHECK_INT(mode_of(f.serving_key), 0600);
    CHECK_INT(mode_of(f.admin_key), 0600);
    CHECK_INT(mode_of(f.sa_key), 0600);
    CHECK_INT(mode_of(f.ca_crt), 0644);
    CHECK_INT(mode_of(f.sa_pub), 0644);
    CHECK_STR(f.client_ca, f.ca_crt);
    cleanup_free char *ca1 = slurp(f.ca_crt);
    cleanup_free char *srv1 = slurp(f.serving_crt);
    cleanup_free char *adm1 = slurp(f.admin_crt);
    cleanup_free char *sa1 = slurp(f.sa_key);
    REQUIRE_VOID(ca1 && srv1 && adm1 && sa1);
    CHECK(pki_cert_signed_by(srv1, ca1, 30));
    CHECK(pki_cert_signed_by(adm1, ca1, 30));
    CHECK(pki_cert_covers(srv1, dns, 2, ips, 1));
    pki_files_clear(&f);

    /* Again: nothing changes. */
    REQUIRE_VOID(pki_bootstrap(&pc, &f, &err) == 0);
    cleanup_free char *srv2 = slurp(f.serving_crt);
    cleanup_free char *ca2 = slurp(f.ca_crt);
    cleanup_free char *adm2 = slurp(f.admin_crt);
    cleanup_free char *sa2 = slurp(f.sa_key);
    CHECK_STR(ca2, ca1);
    CHECK_STR(srv2, srv1);
    CHECK_STR(adm2, adm1);
    CHECK_STR(sa2, sa1);
    pki_files_clear(&f);

    /* A new address: the serving certificate is re-issued with it, from the same CA. */
    const char *ips2[] = {"127.0.0.1", "192.0.2.7"};
    pc.ips = ips2;
    pc.n_ips = 2;
    REQUIRE_VOID(pki_bootstrap(&pc, &f, &err) == 0);
    cleanup_free char *srv3 = slurp(f.serving_crt);
    cleanup_free char *ca3 = slurp(f.ca_crt);
    CHECK_STR(ca3, ca1);
    CHECK(srv3 && strcmp(srv3, srv1) != 0);
    CHECK(pki_cert_covers(srv3, dns, 2, ips2, 2));
    CHECK_INT(mode_of(f.serving_key), 0600);

    /* Operator files: used as given (not even read here; the server loads them). */
    pki_files_t g;
    pki_config_t op = pc;
    op.tls_cert_file = "/nonexistent/op.crt";
    op.tls_key_file = "/nonexistent/op.key";
    op.client_ca_file = "/nonexistent/ca.crt";
    REQUIRE_VOID(pki_bootstrap(&op, &g, &err) == 0);
    CHECK_STR(g.serving_crt, "/nonexistent/op.crt");
    CHECK_STR(g.client_ca, "/nonexistent/ca.crt");
    pki_files_clear(&g);
    op.tls_key_file = NULL;
    CHECK_INT(pki_bootstrap(&op, &g, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);

    /* Client certificates from the directory's CA. */
    const char *groups[] = {"dev"};
    char *crt = NULL, *key = NULL;
    REQUIRE_VOID(pki_issue_client(pki, "alice", groups, 1, &crt, &key, &err) == 0);
    CHECK(pki_cert_signed_by(crt, ca1, 30));
    free(crt);
    free(key);
    CHECK_INT(pki_issue_client("/nonexistent", "bob", NULL, 0, &crt, &key, &err), C8S_ENOTFOUND);
    c8s_err_clear(&err);
    pki_files_clear(&f);
    th_rmtree(dir);
}

/* alice's certificate against a real server: authenticated (403 by name, not 401). */
static void client_cert_authenticates(void)
{
    th_etcd_t etcd;
    REQUIRE_VOID(th_etcd_start(&etcd) == 0);
    th_server_t srv;
    const char *args[] = {"--disable-scheduler", "--disable-controller-manager", NULL};
    if (th_server_start(&srv, etcd.url, args) != 0) {
        th_etcd_stop(&etcd);
        REQUIRE_VOID(!"server started");
    }
    char pki[300];
    snprintf(pki, sizeof(pki), "%s/pki", srv.dir);
    const char *groups[] = {"dev", "qa"};
    char *crt = NULL, *key = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(pki_issue_client(pki, "alice", groups, 2, &crt, &key, &err) == 0);
    char dir[] = "/tmp/c8s-test-alice-XXXXXX";
    REQUIRE_VOID(mkdtemp(dir) != NULL);
    char cpath[300], kpath[300];
    snprintf(cpath, sizeof(cpath), "%s/alice.crt", dir);
    snprintf(kpath, sizeof(kpath), "%s/alice.key", dir);
    CHECK(crt && pki_write_file(cpath, crt, strlen(crt), 0644, &err) == 0);
    CHECK(key && pki_write_file(kpath, key, strlen(key), 0600, &err) == 0);
    free(crt);
    free(key);

    char url[300];
    snprintf(url, sizeof(url), "%s/api/v1/namespaces/default/configmaps", srv.url);
    th_resp_t r;
    CHECK(th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 200); /* the admin */
    th_resp_free(&r);
    th_tls_register(srv.port, srv.ca, cpath, kpath);
    CHECK(th_http("GET", url, NULL, NULL, &r) == 0 && r.status == 403);
    CHECK_MSG(r.body && strstr(r.body, "User \\\"alice\\\""), "403 body: %s", r.body);
    th_resp_free(&r);
    th_tls_register(srv.port, srv.ca, srv.cert, srv.key);
    th_rmtree(dir);
    CHECK_INT(th_server_stop(&srv), 0);
    th_etcd_stop(&etcd);
}

int main(void)
{
    bootstrap_and_reuse();
    client_cert_authenticates();
    TEST_END();
}
