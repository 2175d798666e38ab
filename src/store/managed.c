/*
 * managed.c — the single-node etcd that c8s runs itself by default: a child process on loopback
 * ports with its data in the c8s data dir. Starting blocks (it runs before any loop) until etcd's
 * /health says true; the child gets PR_SET_PDEATHSIG so a SIGKILLed c8s leaves no orphan etcd.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define ETCD_BIN        "etcd"
#define STOP_GRACE_MS   10000
#define HEALTH_POLL_MS  50
#define HEALTH_QUERY_MS 1000

struct store_managed_s {
    pid_t pid;
    char url[64];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static size_t on_health_body(char *p, size_t size, size_t n, void *userp)
{
    store__buf_append(userp, p, size * n);
    return size * n;
}

/* One blocking GET /health; true when etcd says {"health":"true"}. */
static bool health_ok(const char *url)
{
    CURL *e = curl_easy_init();
    if (!e)
        return false;
    cleanup_free char *u = xasprintf("%s/health", url);
    store_buf_t body = {0};
    curl_easy_setopt(e, CURLOPT_URL, u);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)HEALTH_QUERY_MS);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_health_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    long http = 0;
    bool ok = false;
    if (curl_easy_perform(e) == CURLE_OK) {
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &http);
        cleanup_json json_t *j = body.p ? json_loads(body.p, 0, NULL) : NULL;
        const char *h = json_string_value(json_object_get(j, "health"));
        ok = http == 200 && h && strcmp(h, "true") == 0;
    }
    store__buf_free(&body);
    curl_easy_cleanup(e);
    return ok;
}

static pid_t spawn_etcd(char *const argv[], const char *log_path)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The child: only async-signal-safe calls from here on. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
        _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0)
        dup2(null, STDIN_FILENO);
    execvp(argv[0], argv);
    _exit(127);
}

/* The last line of etcd's log (its reason for exiting, usually: a port in use, a bad data
 * dir), so the error says why without a trip to the file. */
static void log_tail(const char *path, char *out, size_t len)
{
    snprintf(out, len, "(no log)");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char buf[4096];
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    long from = size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0;
    size_t n = fseek(f, from, SEEK_SET) == 0 ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    const char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    size_t l = strlen(line) < len - 1 ? strlen(line) : len - 1;
    memcpy(out, line, l);
    out[l] = '\0';
}

int store_managed_start(const char *data_dir, int client_port, int peer_port, int timeout_ms,
                        store_managed_t **out, char *url_out, size_t url_len, c8s_err_t *err)
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST)
        return c8s_err_set(err, C8S_ESYS, "creating etcd data dir %s: %s", data_dir,
                           strerror(errno));
    /* etcd refuses a data dir readable by others. */
    if (chmod(data_dir, 0700) < 0)
        return c8s_err_set(err, C8S_ESYS, "chmod %s: %s", data_dir, strerror(errno));
    cleanup_free char *parent = xstrdup(data_dir);
    size_t plen = strlen(parent);
    while (plen > 1 && parent[plen - 1] == '/')
        parent[--plen] = '\0';
    char *slash = strrchr(parent, '/');
    if (!slash)
        strcpy(parent, ".");
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    cleanup_free char *log_path = xasprintf("%s/etcd.log", parent);

    char client[64], peer[64], cluster[96];
    snprintf(client, sizeof(client), "http://127.0.0.1:%d", client_port);
    snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", peer_port);
    snprintf(cluster, sizeof(cluster), "default=%s", peer);
    char *argv[] = {ETCD_BIN, "--name", "default", "--data-dir", (char *)data_dir,
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", cluster, "--logger", "zap", "--log-level", "warn",
                    /* Progress notifications keep the watch caches of quiet resources at a
                     * recent revision, so a broken watch resumes instead of hitting compacted
                     * history and re-listing. */
                    "--experimental-watch-progress-notify-interval", "5s", NULL};
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pid_t pid = spawn_etcd(argv, log_path);
    if (pid < 0)
        return c8s_err_set(err, C8S_ESYS, "fork: %s", strerror(errno));
    log_info(STORE_ROOM, "started etcd (pid %d) on %s, data in %s, log %s", (int)pid, client,
             data_dir, log_path);

    store_managed_t *m = xcalloc(1, sizeof(*m));
    m->pid = pid;
    snprintf(m->url, sizeof(m->url), "%s", client);
    uint64_t deadline = c8s_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            free(m);
            char last[256];
            log_tail(log_path, last, sizeof(last));
            return c8s_err_set(err, C8S_EUNAVAILABLE,
                               "etcd exited at start (status %d): %s; see %s", status, last,
                               log_path);
        }
        if (health_ok(client))
            break;
        if (c8s_now_ms() >= deadline) {
            store_managed_stop(m);
            return c8s_err_set(err, C8S_EUNAVAILABLE,
                               "etcd did not become healthy within %d ms; see %s", timeout_ms,
                               log_path);
        }
        sleep_ms(HEALTH_POLL_MS);
    }
    if (url_out && url_len)
        snprintf(url_out, url_len, "%s", client);
    *out = m;
    return 0;
}

void store_managed_stop(store_managed_t *m)
{
    if (!m)
        return;
    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        int waited = 0;
        while (waitpid(m->pid, NULL, WNOHANG) == 0) {
            if (waited >= STOP_GRACE_MS) {
                log_warn(STORE_ROOM, "etcd (pid %d) ignored SIGTERM for %d ms; killing it",
                         (int)m->pid, STOP_GRACE_MS);
                kill(m->pid, SIGKILL);
                waitpid(m->pid, NULL, 0);
                break;
            }
            sleep_ms(HEALTH_POLL_MS);
            waited += HEALTH_POLL_MS;
        }
    }
    free(m);
}
