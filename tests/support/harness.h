/*
 * harness.h — what integration tests and benches share: a real etcd started on free loopback
 * ports in a private data dir, a c8s server process against it, and a blocking HTTP client.
 * Everything a harness starts it stops by PID, and its temporary directories are removed.
 */
#ifndef C8S_HARNESS_H
#define C8S_HARNESS_H

#include "c8s/apiserver.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>
#include <sys/types.h>

typedef struct th_etcd_s {
    pid_t pid;
    int client_port;
    int peer_port;
    char dir[256]; /* data dir (removed by th_etcd_stop) */
    char url[64];  /* http://127.0.0.1:<client_port> */
} th_etcd_t;

/* Picks a free TCP port on 127.0.0.1 (bound and released; ports are drawn at random from
 * 20000–59999 so parallel tests rarely collide). */
int th_free_port(void);

/* Starts etcd and waits until /health answers (up to 20 s). Returns 0 or -1. */
int th_etcd_start(th_etcd_t *e);
/* Sends sig to etcd and reaps it (SIGKILL to simulate a crash). Keeps the data dir. */
void th_etcd_signal(th_etcd_t *e, int sig);
/* Starts etcd again on the same ports and data dir. */
int th_etcd_restart(th_etcd_t *e);
/* Stops etcd (if running) and removes its data dir. */
void th_etcd_stop(th_etcd_t *e);

typedef struct th_server_s {
    pid_t pid;
    int port;
    char dir[256]; /* data dir */
    char url[64];  /* https://127.0.0.1:<port> */
    char log[300]; /* server's stderr file */
    /* What the server made in <dir>/pki and <dir> (see docs/security.md). */
    char ca[300];         /* the cluster CA certificate */
    char cert[300];       /* the admin's client certificate (kubernetes-admin, system:masters) */
    char key[300];        /* and its key */
    char kubeconfig[300]; /* admin.kubeconfig */
} th_server_t;

/* The API port is TLS only. th_http and th_watch_open find the credentials for a URL's port in a
 * registry the harness keeps: th_server_start registers the server's CA and admin certificate,
 * th_tls_config (for servers a test starts in-process) a PKI shared by the test process. URLs on
 * other ports (etcd) stay plain. */
void th_tls_register(int port, const char *ca, const char *cert, const char *key);
/* For apiserver_start in a test: sets cfg's serving certificate, key and client CA from a PKI
 * made once per test process (removed at exit), binds to 127.0.0.1 unless cfg says otherwise,
 * and registers cfg->port (set it first) with the admin's credentials. The process then ignores
 * SIGPIPE, as the binary's main does (the server writes to clients that went away on its own
 * threads); what the harness spawns gets the default back. Returns 0 or -1. */
int th_tls_config(apiserver_config_t *cfg);
/* Sets the registered credentials of url's port (if any) on a libcurl easy handle (CURL *). */
void th_curl_tls(void *curl, const char *url);
/* The shared PKI's directory (ca.crt, ca.key, admin.crt, admin.key), made on first use; NULL if
 * it could not be made. */
const char *th_tls_dir(void);

/* Starts `c8s server --etcd-servers <etcd_url> --port <free> --data-dir <tmp>
 * --bind-address 127.0.0.1` with extra args (NULL-terminated, may be NULL; a later flag wins)
 * and waits until /readyz is 200 (up to 20 s). */
int th_server_start(th_server_t *s, const char *etcd_url, const char *const *extra_args);
void th_server_signal(th_server_t *s, int sig);
/* Stops the server with SIGTERM (SIGKILL after 10 s), reaps it, removes its data dir (and its log
 * after a clean stop). Returns the exit status (0 on a clean shutdown). */
int th_server_stop(th_server_t *s);

typedef struct th_resp_s {
    long status;
    char *body; /* owned, NUL-terminated */
    size_t len;
    char *content_type; /* owned, may be NULL */
    char *headers;      /* owned: raw response header block */
} th_resp_t;

/* Blocking HTTP request with libcurl (tests only). content_type may be NULL; body may be NULL.
 * Returns 0 when a response arrived (any status), -1 on transport failure. */
int th_http(const char *method, const char *url, const char *content_type, const char *body,
            th_resp_t *out);
/* Whether the server at base (https://127.0.0.1:port) holds, in namespace ns, an Event about
 * the kind object name with this reason whose message starts with prefix (the whole message
 * when it ends without one). th_wait_event asks every 100 ms for up to timeout_ms. */
bool th_event_seen(const char *base, const char *ns, const char *kind, const char *name,
                   const char *reason, const char *prefix);
bool th_wait_event(const char *base, const char *ns, const char *kind, const char *name,
                   const char *reason, const char *prefix, int timeout_ms);
/* Same, with extra request headers (NULL-terminated "Name: value" strings). */
int th_http_h(const char *method, const char *url, const char *const *headers, const char *body,
              th_resp_t *out);
void th_resp_free(th_resp_t *r);

/* A JSON API call on base (the server's URL) + path: content type application/json when a body
 * is given and ct is NULL; returns the status (-1 on transport failure) and, when out is not
 * NULL, the parsed body (owned; NULL when it is not JSON). A status >= 300 other than 404 is
 * printed to stderr, so a failing test shows what the server said. */
struct json_t;
long th_api(const char *base, const char *method, const char *path, const char *ct,
            const char *body, struct json_t **out);

/* Removes a directory tree (rm -rf). */
void th_rmtree(const char *dir);

/* A raw HTTP/1.1 watch stream: GET path on 127.0.0.1:port, then one JSON line at a time out of
 * the chunked body. */
typedef struct th_watch_s {
    int fd;
    long status;
    char *buf; /* decoded body bytes not yet returned */
    size_t len, cap;
    char *raw; /* raw bytes not yet de-chunked */
    size_t rlen, rcap;
    int eof;
    void *ssl, *ssl_ctx; /* the TLS connection (OpenSSL SSL and SSL_CTX) */
} th_watch_t;

/* Opens the stream over TLS with the port's registered credentials; returns 0 when the response
 * headers arrived (status in w->status). */
int th_watch_open(th_watch_t *w, int port, const char *path);
/* Next event line (owned, without the newline) within timeout_ms; NULL on timeout or end
 * (w->eof set at end of stream). */
char *th_watch_next(th_watch_t *w, int timeout_ms);
/* For benches and tests that speak raw HTTP/1.1: connects (TLS as th_watch_open) and sends the GET
 * without waiting; th_conn_read then hands out raw response bytes (headers, chunk sizes and all)
 * within timeout_ms: >0 bytes, 0 on timeout, -1 at the end. With reads of 16 KiB or more nothing
 * stays buffered inside TLS, so polling w->fd is enough to know when to read. Close with
 * th_watch_close. */
int th_conn_open(th_watch_t *w, int port, const char *path);
/* Sends raw bytes on a connection from th_conn_open (path NULL: nothing sent yet); returns how
 * many went out (fewer when the server closed early: never SIGPIPE, the harness's TLS calls run
 * with it blocked in the calling thread). */
ssize_t th_conn_write(th_watch_t *w, const char *data, size_t len);
ssize_t th_conn_read(th_watch_t *w, char *buf, size_t n, int timeout_ms);
void th_watch_close(th_watch_t *w);

/* Drives a uv loop (waking every 10 ms) until *flag is true or timeout_ms passes; returns *flag.
 * flag may be NULL to just run for timeout_ms. */
bool th_run_until(uv_loop_t *loop, bool *flag, int timeout_ms);

#endif
