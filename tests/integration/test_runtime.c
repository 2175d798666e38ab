/*
 * test_runtime.c — containers on the real runc through the real shim (`c8s shim`): a busybox
 * root filesystem made here, a network namespace made here, specs from ocispec_build, logs in
 * CRI format with rotation, exit codes, adoption by a fresh runtime after the old one is gone
 * (c8s restarted), stop with a grace period, OOMKilled, and nothing left behind. runc keeps its
 * state under the test's own --root, cgroups under the test's own root.
 */
#include "c8s/ocispec.h"
#include "c8s/runtime.h"
#include "c8s/strbuf.h"
#include "harness.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[256], netns[64], netns_path[128], cgroot[64];
static runtime_config_t cfg;

typedef struct {
    bool done;
    int code;
    char msg[C8S_ERR_MSG_MAX];
    json_t *list;
} wait_t;

static void on_done(int code, const c8s_err_t *err, void *data)
{
    wait_t *w = data;
    w->done = true;
    w->code = code;
    snprintf(w->msg, sizeof w->msg, "%s", err ? err->msg : "");
}

static void on_list(int code, const c8s_err_t *err, json_t *list, void *data)
{
    wait_t *w = data;
    on_done(code, err, data);
    w->list = list ? json_incref(list) : NULL;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    /* Read to the end: cgroupfs and procfs files report no size. */
    size_t len = 0, cap = 4096;
    char *s = xmalloc(cap + 1);
    size_t n;
    while ((n = fread(s + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            s = xrealloc(s, cap + 1);
        }
    }
    s[len] = 0;
    fclose(f);
    return s;
}

static int make_rootfs(const char *dir)
{
    if (sh("mkdir -p %s/bin %s/proc %s/dev %s/sys %s/etc %s/tmp && cp /bin/busybox %s/bin/busybox",
           dir, dir, dir, dir, dir, dir, dir) != 0)
        return -1;
    /* Relative links: the rootfs must not point at the host's busybox. */
    return sh("cd %s/bin && for a in $(./busybox --list); do [ -e \"$a\" ] || ln -s busybox "
              "\"$a\"; done",
              dir);
}

/* Writes the bundle of container (JSON) of a pod (JSON) with id; returns the bundle dir
 * (owned) or NULL. */
static char *bundle(const char *id, const char *pod_s, ocispec_node_t *extra)
{
    json_error_t je;
    cleanup_json json_t *pod = json_loads(pod_s, 0, &je);
    if (!pod) {
        fprintf(stderr, "pod JSON: %s\n", je.text);
        return NULL;
    }
    const json_t *c =
        json_array_get(json_object_get(json_object_get(pod, "spec"), "containers"), 0);
    cleanup_json json_t *img = json_pack("{s:[s]}", "Env", "PATH=/bin");
    cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
    cleanup_free char *kp = xasprintf("%s/kubepods", cgroot);
    cleanup_free char *podcg = ocispec_pod_cgroup(kp, pod);
    ocispec_node_t node = {
        .container_id = id,
        .rootfs = rootfs,
        .netns_path = netns_path,
        .pod_cgroup = podcg,
        .cgroup_version = runtime_cgroup_version(),
        .hostname = "testpod",
        .node_name = "node1",
        .node_cpu_milli = 2000,
        .node_memory_bytes = 1LL << 30,
        .pids_limit = 256,
        .seccomp_default = true,
    };
    if (extra) {
        node.mounts = extra->mounts;
        node.ipcns_path = extra->ipcns_path;
        node.utsns_path = extra->utsns_path;
    }
    json_t *spec = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (ocispec_build(pod, c, img, &node, &spec, &err) < 0) {
        fprintf(stderr, "ocispec_build %s: %s\n", id, err.msg);
        c8s_err_clear(&err);
        return NULL;
    }
    char *dir = xasprintf("%s/bundles/%s", tmp, id);
    cleanup_free char *cfgpath = xasprintf("%s/config.json", dir);
    int rc = sh("mkdir -p %s", dir) == 0 ? json_dump_file(spec, cfgpath, JSON_INDENT(1)) : -1;
    json_decref(spec);
    if (rc != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

static char *log_path(const char *id)
{
    return xasprintf("%s/logs/%s.log", tmp, id);
}

/* The whole log, rotated files first (owned). */
static char *log_all(const char *id)
{
    cleanup_free char *lp = log_path(id);
    char *all = xstrdup("");
    for (int i = 2; i >= 0; i--) {
        cleanup_free char *p = i ? xasprintf("%s.%d", lp, i) : xstrdup(lp);
        cleanup_free char *s = slurp(p);
        char *n = xasprintf("%s%s", all, s ? s : "");
        free(all);
        all = n;
    }
    return all;
}

#define POD_JSON(uid, container)                                                                   \
    "{\"metadata\":{\"name\":\"p-" uid "\",\"namespace\":\"default\",\"uid\":\"" uid "\"},"        \
    "\"spec\":{\"containers\":[" container "]}}"

static int start_ex(uv_loop_t *loop, runtime_t *rt, const char *id, const char *pod_s,
                    ocispec_node_t *extra, char *msg, size_t msglen)
{
    cleanup_free char *b = bundle(id, pod_s, extra);
    cleanup_free char *lp = log_path(id);
    if (!b)
        return -1;
    wait_t w = {0};
    c8s_err_t err = C8S_ERR_INIT;
    if (runtime_start(rt, id, b, lp, on_done, &w, &err) < 0) {
        snprintf(msg, msglen, "%s", err.msg);
        c8s_err_clear(&err);
        return -1;
    }
    if (!th_run_until(loop, &w.done, 30000))
        return -1;
    snprintf(msg, msglen, "%s", w.msg);
    return w.code;
}

static int start(uv_loop_t *loop, runtime_t *rt, const char *id, const char *pod_s, char *msg,
                 size_t msglen)
{
    return start_ex(loop, rt, id, pod_s, NULL, msg, msglen);
}

/* Polls the container's status until it has exited (up to timeout_ms); the status (owned) or
 * NULL. */
static json_t *wait_exited(uv_loop_t *loop, runtime_t *rt, const char *id, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        json_t *s = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        if (runtime_status(rt, id, &s, &err) == 0) {
            const char *st = json_string_value(json_object_get(s, "state"));
            if (st && strcmp(st, "exited") == 0)
                return s;
            json_decref(s);
        }
        c8s_err_clear(&err);
        th_run_until(loop, NULL, 100);
    }
    return NULL;
}

static json_t *find(json_t *list, const char *id)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
            return e;
    }
    return NULL;
}

static int shim_pid(const char *id)
{
    cleanup_free char *p = xasprintf("%s/state/%s/shim.pid", tmp, id);
    cleanup_free char *s = slurp(p);
    return s ? atoi(s) : 0;
}

/* Waits for the shim of an exited container to be gone, then returns its diagnostics (owned):
 * the shim runs under the same sanitizers as the tests, and its report lands there. */
static char *shim_diag(const char *id)
{
    int pid = shim_pid(id);
    for (int t = 0; t < 200 && pid > 0; t++) {
        cleanup_free char *cl = xasprintf("/proc/%d/cmdline", pid);
        cleanup_free char *c = slurp(cl);
        if (!c || !*c)
            break; /* gone, or a zombie */
        usleep(25000);
    }
    cleanup_free char *p = xasprintf("%s/state/%s/shim.log", tmp, id);
    char *s = slurp(p);
    return s ? s : xstrdup("");
}

/* A Guaranteed pod's own cgroup gets the sums of its containers' limits. */
static void test_pod_cgroup(void)
{
    cleanup_json json_t *pod = json_loads(
        POD_JSON("u8", "{\"name\":\"a\",\"resources\":{\"limits\":{\"cpu\":\"250m\","
                       "\"memory\":\"32Mi\"}}},{\"name\":\"b\",\"resources\":{\"limits\":{"
                       "\"cpu\":\"250m\",\"memory\":\"32Mi\"}}}"),
        0, NULL);
    REQUIRE_VOID(pod != NULL);
    cleanup_free char *kp = xasprintf("%s/kubepods", cgroot);
    cleanup_free char *path = ocispec_pod_cgroup(kp, pod);
    ocispec_pod_resources_t r;
    ocispec_pod_resources(pod, &r);
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_MSG(runtime_pod_cgroup_apply(path, &r, 512, &err) == 0, "%s", err.msg);
    c8s_err_clear(&err);
    bool v2 = runtime_cgroup_version() == 2;
    static const char *const v1_files[][2] = {{"memory", "memory.limit_in_bytes"},
                                              {"cpu", "cpu.cfs_quota_us"},
                                              {"cpu", "cpu.shares"},
                                              {"pids", "pids.max"}};
    static const char *const v2_files[] = {"memory.max", "cpu.max", "cpu.weight", "pids.max"};
    static const char *const v1_want[] = {"67108864\n", "50000\n", "512\n", "512\n"};
    static const char *const v2_want[] = {"67108864\n", "50000 100000\n", "20\n", "512\n"};
    for (size_t i = 0; i < 4; i++) {
        cleanup_free char *f =
            v2 ? xasprintf("/sys/fs/cgroup%s/%s", path, v2_files[i])
               : xasprintf("/sys/fs/cgroup/%s%s/%s", v1_files[i][0], path, v1_files[i][1]);
        cleanup_free char *got = slurp(f);
        const char *want = v2 ? v2_want[i] : v1_want[i];
        CHECK_MSG(got && strcmp(got, want) == 0, "%s = %s, want %s", f, got ? got : "(none)", want);
    }
}

static const char *const ids[] = {"echo", "spam", "long",   "short",  "term", "oom",
                                  "nsa",  "nsb",  "orphan", "killed", "tty"};

/* The lines of a container's log without the CRI prefix, joined (owned). */
static char *log_text(const char *id)
{
    cleanup_free char *all = log_all(id);
    char *out = xstrdup("");
    for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
        char *text = strstr(line, " F ");
        char *n = xasprintf("%s%s\n", out, text ? text + 3 : line);
        free(out);
        out = n;
    }
    return out;
}

/* A frame to the shim's attach socket (runtime.h). */
static bool attach_send(int fd, int type, const void *data, size_t len)
{
    uint8_t h[5] = {(uint8_t)type, (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};
    return write(fd, h, 5) == 5 && (len == 0 || write(fd, data, len) == (ssize_t)len);
}

/* tty: true: the container's process runs on a pty the shim holds; a RESIZE sent to the attach
 * socket sets its size before the container asks, stdin is typed into it, the log is one stream
 * (stdout) without the terminal's CRs, and the console socket is gone once the container runs. */
static void test_tty(uv_loop_t *loop, runtime_t *rt)
{
    cleanup_free char *b = bundle(
        "tty",
        POD_JSON("u10",
                 "{\"name\":\"tty\",\"tty\":true,\"stdin\":true,\"command\":[\"sh\","
                 "\"-c\",\"tty; read l; stty size; echo got-$l; echo term=$TERM; echo err >&2\"]}"),
        NULL);
    cleanup_free char *lp = log_path("tty");
    REQUIRE_VOID(b != NULL);
    wait_t w = {0};
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(runtime_start_stdin(rt, "tty", b, lp, RUNTIME_STDIN_OPEN, on_done, &w, &err) == 0);
    CHECK_MSG(th_run_until(loop, &w.done, 30000) && w.code == 0, "tty: %s", w.msg);
    c8s_err_clear(&err);
    cleanup_free char *console = xasprintf("%s/state/tty/console.sock", tmp);
    CHECK(access(console, F_OK) < 0);

    struct sockaddr_un a = {.sun_family = AF_UNIX};
    cleanup_free char *sock = xasprintf("%s/state/tty/%s", tmp, RUNTIME_ATTACH_SOCKET);
    REQUIRE_VOID(strlen(sock) < sizeof a.sun_path);
    memcpy(a.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
    struct timeval tv = {.tv_sec = 120}; /* a shim that never closes fails, not hangs, the test */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    uint8_t size[RUNTIME_ATTACH_RESIZE_LEN];
    runtime_attach_resize_encode(size, 30, 100);
    CHECK(attach_send(fd, RUNTIME_ATTACH_HELLO_STDIN, "", 0));
    CHECK(attach_send(fd, RUNTIME_ATTACH_RESIZE, size, sizeof size));
    CHECK(attach_send(fd, RUNTIME_ATTACH_STDIN, "hi\r", 3));
    /* Everything the client is sent comes as STDOUT frames, then the socket closes. */
    strbuf_t got = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        strbuf_addn(&got, buf, (size_t)n);
    bool only_stdout = true;
    for (size_t off = 0; off + 5 <= got.len;) {
        const uint8_t *h = (const uint8_t *)got.s + off;
        only_stdout = only_stdout && h[0] == RUNTIME_ATTACH_STDOUT;
        off += 5 + (((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4]);
    }
    CHECK(got.len > 0 && only_stdout);
    strbuf_free(&got);
    if (fd >= 0)
        close(fd);

    json_t *st = wait_exited(loop, rt, "tty", 20000);
    CHECK(st && json_integer_value(json_object_get(st, "exitCode")) == 0);
    json_decref(st);
    cleanup_free char *log = log_all("tty");
    CHECK_MSG(log && strstr(log, "stdout F /dev/pts/"), "%s", log ? log : "(none)");
    CHECK_MSG(log && strstr(log, "stdout F 30 100\n"), "%s", log ? log : "(none)");
    CHECK(log && strstr(log, "stdout F got-hi\n"));
    CHECK(log && strstr(log, "stdout F term=xterm\n"));
    CHECK(log && strstr(log, "stdout F err\n"));
    CHECK(log && !strstr(log, " stderr "));
    CHECK(log && !strchr(log, '\r'));
}

/* Two containers of one pod share its IPC and UTS namespaces (and hostname) made by the runtime,
 * and see a volume mount passed in. */
static void test_pod_namespaces(uv_loop_t *loop, runtime_t *rt)
{
    cleanup_free char *dir = xasprintf("%s/pod-u7", tmp);
    cleanup_free char *vol = xasprintf("%s/vol", tmp);
    REQUIRE_VOID(sh("mkdir -p %s %s", dir, vol) == 0);
    wait_t w = {0};
    c8s_err_t err = C8S_ERR_INIT;
    CHECK(runtime_pod_ns_create(rt, dir, "sharedpod", on_done, &w, &err) == 0);
    REQUIRE_VOID(th_run_until(loop, &w.done, 20000));
    CHECK_MSG(w.code == 0, "%s", w.msg);
    cleanup_free char *ipc = xasprintf("%s/ipc", dir);
    cleanup_free char *uts = xasprintf("%s/uts", dir);
    cleanup_json json_t *mounts =
        json_pack("[{s:s,s:s,s:s,s:[s,s]}]", "destination", "/data", "type", "bind", "source", vol,
                  "options", "rbind", "rw");
    ocispec_node_t extra = {.ipcns_path = ipc, .utsns_path = uts, .mounts = mounts};
    char msg[C8S_ERR_MSG_MAX];
#define NS_CMD                                                                                     \
    "{\"name\":\"%s\",\"command\":[\"sh\",\"-c\",\"readlink "                                      \
    "/proc/self/ns/ipc; readlink /proc/self/ns/uts; hostname; echo %s > "                          \
    "/data/%s\"]}"
    for (int i = 0; i < 2; i++) {
        const char *id = i ? "nsb" : "nsa";
        char c[512], pod[1024];
        snprintf(c, sizeof c, NS_CMD, id, id, id);
        snprintf(pod, sizeof pod, POD_JSON("u7", "%s"), c);
        CHECK_MSG(start_ex(loop, rt, id, pod, &extra, msg, sizeof msg) == 0, "%s: %s", id, msg);
        json_t *s = wait_exited(loop, rt, id, 20000);
        CHECK(s && json_integer_value(json_object_get(s, "exitCode")) == 0);
        json_decref(s);
    }
    cleanup_free char *a = log_text("nsa");
    cleanup_free char *b = log_text("nsb");
    CHECK_MSG(strcmp(a, b) == 0 && strstr(a, "ipc:[") && strstr(a, "\nsharedpod\n"),
              "nsa: %s nsb: %s", a, b);
    char own[64] = "";
    ssize_t n = readlink("/proc/self/ns/ipc", own, sizeof own - 1);
    CHECK(n > 0 && !strstr(a, own));
    cleanup_free char *fa = xasprintf("%s/nsa", vol);
    cleanup_free char *data = slurp(fa);
    CHECK(data && strcmp(data, "nsa\n") == 0);
    c8s_err_clear(&err);
}

static char runc_root[300], state_root[300];

static void setup_cfg(void)
{
    snprintf(runc_root, sizeof runc_root, "%s/runc", tmp);
    snprintf(state_root, sizeof state_root, "%s/state", tmp);
    cfg = (runtime_config_t){.runc = "/usr/sbin/runc",
                             .runc_root = runc_root,
                             .state_root = state_root,
                             .shim_bin = C8S_BIN,
                             .log_max_bytes = 8192,
                             .log_max_files = 3};
}

/* The stand-in for a c8s that gets killed: this program run again with --starter starts one
 * container through its own runtime, says so on stdout, and idles until SIGKILL. */
static int starter(char **argv)
{
    snprintf(tmp, sizeof tmp, "%s", argv[2]);
    snprintf(netns_path, sizeof netns_path, "%s", argv[3]);
    snprintf(cgroot, sizeof cgroot, "%s", argv[4]);
    setup_cfg();
    uv_loop_t loop;
    uv_loop_init(&loop);
    runtime_t *rt = runtime_new(&loop, &cfg);
    char msg[C8S_ERR_MSG_MAX];
    int rc = start(&loop, rt, "killed",
                   POD_JSON("u10", "{\"name\":\"killed\",\"command\":[\"sh\",\"-c\",\"echo "
                                   "before; sleep 2; echo after; sleep 1000\"]}"),
                   msg, sizeof msg);
    printf("%s\n", rc == 0 ? "started" : msg);
    fflush(stdout);
    th_run_until(&loop, NULL, 600000);
    return 1;
}

/* Runs the starter and kills it with -9 once its container runs. */
static void kill_a_starter(void)
{
    int p[2];
    REQUIRE_VOID(pipe(p) == 0);
    pid_t pid = fork();
    REQUIRE_VOID(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl("/proc/self/exe", "test_runtime", "--starter", tmp, netns_path, cgroot, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char line[C8S_ERR_MSG_MAX] = "";
    FILE *f = fdopen(p[0], "r");
    CHECK(f && fgets(line, sizeof line, f) != NULL);
    CHECK_MSG(strcmp(line, "started\n") == 0, "starter: %s", line);
    if (f)
        fclose(f);
    CHECK(kill(pid, SIGKILL) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--starter") == 0)
        return starter(argv);
    if (geteuid() != 0)
        TEST_SKIP("test_runtime needs root (runc, cgroups, network namespaces)");
    if (access("/usr/sbin/runc", X_OK) != 0 || access("/bin/busybox", X_OK) != 0)
        TEST_SKIP("runc or busybox-static missing (deploy/install-deps.sh installs them)");
    snprintf(tmp, sizeof tmp, "/tmp/c8s-rt-XXXXXX");
    REQUIRE(mkdtemp(tmp) != NULL);
    snprintf(netns, sizeof netns, "c8s-rt-%d", (int)getpid());
    snprintf(netns_path, sizeof netns_path, "/run/netns/%s", netns);
    snprintf(cgroot, sizeof cgroot, "/c8s-rt-%d", (int)getpid());
    cleanup_free char *rootfs = xasprintf("%s/rootfs", tmp);
    REQUIRE(make_rootfs(rootfs) == 0);
    REQUIRE(sh("mkdir -p %s/logs && ip netns add %s", tmp, netns) == 0);

    setup_cfg();
    uv_loop_t loop;
    uv_loop_init(&loop);
    runtime_t *rt = runtime_new(&loop, &cfg);
    char msg[C8S_ERR_MSG_MAX];

    /* A command that does not exist: the start fails with runc's reason. */
    int rc =
        start(&loop, rt, "bad", POD_JSON("u0", "{\"name\":\"bad\",\"command\":[\"/no/such\"]}"),
              msg, sizeof msg);
    CHECK(rc < 0);
    CHECK_MSG(strstr(msg, "no such file") || strstr(msg, "not found"), "%s", msg);
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_remove(rt, "bad", on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 20000) && w.code == 0);
        c8s_err_clear(&err);
    }
    /* A log that cannot be written: nothing starts, nothing is left. */
    {
        cleanup_free char *b =
            bundle("nolog", POD_JSON("u0", "{\"name\":\"x\",\"command\":[\"true\"]}"), NULL);
        cleanup_free char *lp = xasprintf("%s/no/such/dir/x.log", tmp);
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(b && runtime_start(rt, "nolog", b, lp, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 20000) && w.code < 0 && strstr(w.msg, "x.log"));
        json_t *st = NULL;
        CHECK(runtime_status(rt, "nolog", &st, &err) == C8S_ENOTFOUND);
        c8s_err_clear(&err);
    }

    rc = start(&loop, rt, "echo",
               POD_JSON("u1", "{\"name\":\"echo\",\"command\":[\"sh\",\"-c\",\"echo hello "
                              "$(WHO); echo oops >&2; grep -E 'Seccomp:|CapBnd:|NoNewPrivs:' "
                              "/proc/self/status; yes a | head -c 40000 | tr -d '\\\\n'; echo; "
                              "printf partial; exit 3\"],\"env\":[{"
                              "\"name\":\"WHO\",\"value\":\"world\"}]}"),
               msg, sizeof msg);
    CHECK_MSG(rc == 0, "echo: %s", msg);
    rc = start(&loop, rt, "spam",
               POD_JSON("u2", "{\"name\":\"spam\",\"command\":[\"sh\",\"-c\",\"i=0; while [ $i "
                              "-lt 600 ]; do echo line-$i; i=$((i+1)); done\"]}"),
               msg, sizeof msg);
    CHECK_MSG(rc == 0, "spam: %s", msg);
    /* PID 1 without a handler ignores SIGTERM: only the SIGKILL after the grace ends it. */
    rc = start(&loop, rt, "long",
               POD_JSON("u3", "{\"name\":\"long\",\"command\":[\"sleep\",\"1000\"]}"), msg,
               sizeof msg);
    CHECK_MSG(rc == 0, "long: %s", msg);
    rc = start(&loop, rt, "short",
               POD_JSON("u4", "{\"name\":\"short\",\"command\":[\"sh\",\"-c\",\"sleep 2; exit "
                              "7\"]}"),
               msg, sizeof msg);
    CHECK_MSG(rc == 0, "short: %s", msg);
    rc = start(&loop, rt, "term",
               POD_JSON("u5", "{\"name\":\"term\",\"command\":[\"sh\",\"-c\",\"trap 'echo bye; "
                              "exit 0' TERM; echo ready; while :; do sleep 0.1; done\"]}"),
               msg, sizeof msg);
    CHECK_MSG(rc == 0, "term: %s", msg);

    /* The shims belong to no process of ours: another session, and not our children. */
    for (size_t i = 1; i < 5; i++) {
        /* The shim detaches (setsid) right after it starts; a loaded machine may not have run
         * it yet when start() returns, so look again for up to 30 s before calling it ours. */
        int pid = 0;
        bool detached = false;
        for (int tries = 0; tries < 600 && !detached; tries++) {
            pid = shim_pid(ids[i]);
            /* Not our child (a child of ours, even one that has exited, stays waitable), and
             * in a session of its own while it runs; a shim whose short container has ended
             * may be gone already (getsid: ESRCH), which a child of ours could not be. */
            bool not_child = pid > 0 && waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD;
            pid_t sid = not_child ? getsid(pid) : -1;
            detached = not_child && (sid < 0 ? errno == ESRCH : sid != getsid(0));
            if (!detached)
                usleep(50000);
        }
        CHECK_MSG(detached, "%s: shim %d is still ours", ids[i], pid);
    }

    json_t *s = wait_exited(&loop, rt, "echo", 20000);
    CHECK(s != NULL);
    CHECK_INT(json_integer_value(json_object_get(s, "exitCode")), 3);
    CHECK_STR(json_string_value(json_object_get(s, "reason")), "Error");
    CHECK(json_string_value(json_object_get(s, "finishedAt")) != NULL);
    json_decref(s);
    cleanup_free char *log = log_all("echo");
    CHECK_MSG(log && strstr(log, "Z stdout F hello world\n"), "log: %s", log ? log : "(none)");
    CHECK(log && strstr(log, "Z stderr F oops\n"));
    CHECK(log && strstr(log, "Z stdout F partial\n"));
    /* RuntimeDefault seccomp is in force; the bounding set is containerd's default 14. */
    CHECK(log && strstr(log, "stdout F Seccomp:\t2\n"));
    CHECK(log && strstr(log, "stdout F CapBnd:\t00000000a80425fb\n"));
    CHECK(log && strstr(log, "stdout F NoNewPrivs:\t0\n"));
    /* A 20000-byte line: one P record of 16 KiB, then the rest as F. */
    CHECK(log && strstr(log, "Z stdout P aaaa") && strstr(log, "aaaa\n"));
    CHECK(log && log[4] == '-' && log[10] == 'T' && log[29] == 'Z');

    s = wait_exited(&loop, rt, "spam", 20000);
    CHECK(s && json_integer_value(json_object_get(s, "exitCode")) == 0);
    CHECK(s && strcmp(json_string_value(json_object_get(s, "reason")), "Completed") == 0);
    json_decref(s);
    {
        cleanup_free char *l0 = log_path("spam");
        cleanup_free char *l1 = xasprintf("%s.1", l0);
        cleanup_free char *l2 = xasprintf("%s.2", l0);
        cleanup_free char *l3 = xasprintf("%s.3", l0);
        struct stat st;
        CHECK(stat(l1, &st) == 0 && st.st_size >= 8192);
        CHECK(stat(l2, &st) == 0);
        CHECK(stat(l3, &st) < 0); /* three files in all */
        cleanup_free char *cur = slurp(l0);
        cleanup_free char *prev = slurp(l1);
        bool last = (cur && strstr(cur, "stdout F line-599\n")) ||
                    (prev && strstr(prev, "stdout F line-599\n"));
        CHECK(last);
    }

    /* c8s goes away: a process that started a container is killed with -9, this runtime is torn
     * down; "short" ends meanwhile, "killed" writes on. */
    kill_a_starter();
    CHECK_INT(runtime_pending(rt), 0);
    runtime_free(rt);
    th_run_until(&loop, NULL, 3000);
    rt = runtime_new(&loop, &cfg);
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_list(rt, on_list, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 20000) && w.code == 0);
        json_t *l = find(w.list, "long");
        CHECK(l && strcmp(json_string_value(json_object_get(l, "state")), "running") == 0);
        CHECK(l && json_is_true(json_object_get(l, "shimAlive")));
        CHECK(l && json_string_value(json_object_get(l, "runc")) &&
              strcmp(json_string_value(json_object_get(l, "runc")), "running") == 0);
        c8s_err_t rerr = C8S_ERR_INIT;
        wait_t rw = {0};
        CHECK(runtime_remove(rt, "long", on_done, &rw, &rerr) == C8S_ECONFLICT);
        c8s_err_clear(&rerr);
        json_t *sh7 = find(w.list, "short");
        CHECK(sh7 && strcmp(json_string_value(json_object_get(sh7, "state")), "exited") == 0);
        CHECK(sh7 && json_integer_value(json_object_get(sh7, "exitCode")) == 7);
        json_t *e3 = find(w.list, "echo");
        CHECK(e3 && json_integer_value(json_object_get(e3, "exitCode")) == 3);
        json_t *k = find(w.list, "killed");
        CHECK(k && strcmp(json_string_value(json_object_get(k, "state")), "running") == 0);
        CHECK(k && json_is_true(json_object_get(k, "shimAlive")));
        CHECK_INT(json_array_size(w.list), 6);
        json_decref(w.list);
        c8s_err_clear(&err);
    }

    /* The shim of the killed starter's container kept logging, and the container stops. */
    {
        char *klog = log_all("killed");
        for (int t = 0; t < 200 && !strstr(klog, "stdout F after\n"); t++) {
            free(klog);
            th_run_until(&loop, NULL, 100);
            klog = log_all("killed");
        }
        CHECK_MSG(strstr(klog, "stdout F before\n") && strstr(klog, "stdout F after\n"), "%s",
                  klog);
        free(klog);
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_stop(rt, "killed", 0, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 30000) && w.code == 0);
        json_t *t = NULL;
        CHECK(runtime_status(rt, "killed", &t, &err) == 0);
        CHECK(t && json_integer_value(json_object_get(t, "exitCode")) == 137);
        json_decref(t);
        c8s_err_clear(&err);
    }

    /* Graceful: the trap runs and the exit code is the container's own. */
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_stop(rt, "term", 20000, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 30000) && w.code == 0);
        json_t *t = NULL;
        CHECK(runtime_status(rt, "term", &t, &err) == 0);
        CHECK(t && json_integer_value(json_object_get(t, "exitCode")) == 0);
        json_decref(t);
        cleanup_free char *tl = log_path("term");
        cleanup_free char *tlog = slurp(tl);
        CHECK_MSG(tlog && strstr(tlog, "stdout F bye\n"), "%s", tlog ? tlog : "(none)");
        c8s_err_clear(&err);
    }
    /* Ignored SIGTERM: SIGKILL after the grace period, 128+9. */
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_stop(rt, "long", 500, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 30000) && w.code == 0);
        json_t *t = NULL;
        CHECK(runtime_status(rt, "long", &t, &err) == 0);
        CHECK(t && json_integer_value(json_object_get(t, "exitCode")) == 137);
        CHECK(t && strcmp(json_string_value(json_object_get(t, "reason")), "Error") == 0);
        json_decref(t);
        c8s_err_clear(&err);
    }
    /* A shim killed with -9: the container runs on, its end cannot be observed any more, stop
     * says so, and remove kills and deletes it. */
    rc = start(&loop, rt, "orphan",
               POD_JSON("u9", "{\"name\":\"orphan\",\"command\":[\"sleep\",\"1000\"]}"), msg,
               sizeof msg);
    CHECK_MSG(rc == 0, "orphan: %s", msg);
    {
        int pid = shim_pid("orphan");
        CHECK(pid > 0 && kill(pid, SIGKILL) == 0);
        for (int t = 0; t < 100; t++) {
            cleanup_free char *cl = xasprintf("/proc/%d/cmdline", pid);
            cleanup_free char *c = slurp(cl);
            if (!c || !*c)
                break;
            usleep(20000);
        }
        json_t *o = NULL;
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_status(rt, "orphan", &o, &err) == 0);
        CHECK_MSG(o && strcmp(json_string_value(json_object_get(o, "state")), "unknown") == 0,
                  "state %s", o ? json_string_value(json_object_get(o, "state")) : "-");
        json_decref(o);
        wait_t w = {0};
        CHECK(runtime_stop(rt, "orphan", 500, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 10000) && w.code == C8S_EUNAVAILABLE);
        c8s_err_clear(&err);
    }

    /* A second start of an id whose state dir is still there fails and harms nothing. */
    rc = start(&loop, rt, "echo", POD_JSON("u1", "{\"name\":\"echo\",\"command\":[\"true\"]}"), msg,
               sizeof msg);
    CHECK_MSG(rc < 0 && strstr(msg, "File exists"), "%s", msg);

    /* Stopping what has exited already is done at once. */
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_stop(rt, "echo", 500, on_done, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 5000) && w.code == 0);
    }

    /* A shell doubling a variable under a 16 MiB limit is OOM-killed. */
    rc = start(&loop, rt, "oom",
               POD_JSON("u6", "{\"name\":\"oom\",\"command\":[\"sh\",\"-c\",\"x=aaaaaaaa; while "
                              "true; do x=\\\"$x$x\\\"; done\"],\"resources\":{\"limits\":{"
                              "\"memory\":\"16Mi\"}}}"),
               msg, sizeof msg);
    CHECK_MSG(rc == 0, "oom: %s", msg);
    s = wait_exited(&loop, rt, "oom", 60000);
    CHECK(s != NULL);
    CHECK_MSG(s && strcmp(json_string_value(json_object_get(s, "reason")), "OOMKilled") == 0,
              "reason %s", s ? json_string_value(json_object_get(s, "reason")) : "-");
    CHECK(s && json_integer_value(json_object_get(s, "exitCode")) == 137);
    json_decref(s);

    test_tty(&loop, rt);
    test_pod_namespaces(&loop, rt);
    test_pod_cgroup();

    int shims[C8S_ARRAY_SIZE(ids)];
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ids); i++) {
        shims[i] = shim_pid(ids[i]);
        cleanup_free char *diag = shim_diag(ids[i]);
        CHECK_MSG(!strstr(diag, "Sanitizer") && !strstr(diag, "runtime error"), "shim %s: %s",
                  ids[i], diag);
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK_MSG(runtime_remove(rt, ids[i], on_done, &w, &err) == 0, "%s: %s", ids[i], err.msg);
        CHECK_MSG(th_run_until(&loop, &w.done, 20000) && w.code == 0, "remove %s: %s", ids[i],
                  w.msg);
        c8s_err_clear(&err);
    }
    {
        wait_t w = {0};
        c8s_err_t err = C8S_ERR_INIT;
        CHECK(runtime_list(rt, on_list, &w, &err) == 0);
        CHECK(th_run_until(&loop, &w.done, 20000) && w.code == 0);
        cleanup_free char *left = json_dumps(w.list, JSON_COMPACT);
        CHECK_MSG(json_array_size(w.list) == 0, "left: %s", left);
        json_decref(w.list);
    }
    CHECK_INT(runtime_pending(rt), 0);
    runtime_free(rt);
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_MSG(runtime_cgroup_remove(cgroot, &err) == 0, "%s", err.msg);
    cleanup_free char *poddir = xasprintf("%s/pod-u7", tmp);
    CHECK_MSG(runtime_pod_ns_remove(poddir, &err) == 0, "%s", err.msg);
    c8s_err_clear(&err);
    CHECK(uv_loop_close(&loop) == 0);

    /* Nothing left: no runc container, shim, cgroup, mount or network namespace. */
    CHECK(sh("test -z \"$(/usr/sbin/runc --root %s list -q)\"", runc_root) == 0);
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ids); i++) {
        /* An exited shim may stay a zombie until init (its parent now) reaps it. */
        bool gone = false;
        for (int t = 0; t < 100 && !gone; t++) {
            gone = shims[i] > 0 && kill(shims[i], 0) < 0 && errno == ESRCH;
            if (!gone)
                usleep(50000);
        }
        CHECK_MSG(gone, "shim of %s (%d) left", ids[i], shims[i]);
    }
    CHECK(sh("ls -d /sys/fs/cgroup/*%s 2>/dev/null | grep -q .", cgroot) != 0);
    CHECK(sh("grep -q %s /proc/self/mountinfo", tmp) != 0);
    CHECK(sh("ip netns delete %s", netns) == 0);
    CHECK(access(netns_path, F_OK) < 0);
    if (!getenv("KEEP"))
        th_rmtree(tmp);
    TEST_END();
}
