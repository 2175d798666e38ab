/*
 * server_exec.c — GET /exec/{namespace}/{pod}/{container}?command=…&stdin=&stdout=&stderr=
 * upgraded to a websocket with subprotocol v5.channel.k8s.io or v4.channel.k8s.io, as
 * upstream's kubelet streaming server speaks them: every binary message begins with its
 * channel — 0 stdin, 1 stdout, 2 stderr, 3 the error channel (one metav1 Status once the
 * command has ended: Success, or Failure with reason NonZeroExitCode and an ExitCode cause),
 * 4 terminal resize ({"Width":…,"Height":…}); v5 adds 255, "close this channel" (stdin's EOF).
 *
 * The command runs through `runc exec` with pipes for its stdio, or with tty=true through
 * `runc exec --tty` whose own stdio is the slave of a pty made here: runc gives the command a
 * pty of the container's and copies between the two, and reads the size of ours when it gets
 * SIGWINCH — so a resize is TIOCSWINSZ on our master and a SIGWINCH to runc. A tty has one
 * output (stdout; no stderr channel), as upstream; the command starts once the first resize
 * has set the size (or after TTY_SIZE_WAIT_MS). The session ends when the command has exited
 * and its output is drained, or when the client goes away (runc then gets SIGTERM, which it
 * passes on to the command).
 *
 * /attach/{namespace}/{pod}/{container} is the same websocket with the container's own stdio:
 * the connection is to its shim's attach socket (runtime.h) instead of a runc, and its end (the
 * container has exited) is a Success. A tty container's resizes go to its shim, which holds the
 * terminal.
 *
 * Both also answer `Upgrade: SPDY/3.1` (kubectl 1.27–1.29; X-Stream-Protocol-Version
 * v4/v3/v2.channel.k8s.io, upstream's httpstream/spdy and remotecommand): the same session with
 * another transport. The client opens one stream per channel, named by its streamtype header;
 * the command (or attach's reading) starts once every stream the request's flags call for is
 * open. stdin's FIN is its end, the resize stream carries one JSON size per line, and the end is
 * FIN on our streams with the Status last on the error stream (v4; v2 and v3 take a failure's
 * message alone), then GOAWAY.
 */
#include "kubelet_int.h"
#include "server_int.h"
#include "c8s/spdy.h"
#include "c8s/strbuf.h"
#include "c8s/wsframe.h"

#include <h2o/http1.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define MAX_ARGS         256
#define MAX_FRAME        (16u << 20)
#define CH_STDIN         0
#define CH_STDOUT        1
#define CH_STDERR        2
#define CH_ERROR         3
#define CH_RESIZE        4
#define CH_CLOSE         255
#define TTY_SIZE_WAIT_MS 1000
#define STREAMS_WAIT_MS  30000 /* upstream's stream creation timeout */
#define CH_COUNT         5

typedef struct kexec_s {
    kubelet_t *k;
    kserver_conn_t c; /* the client's connection, once upgraded */
    bool v5, want_stdin, tty;
    bool attach, want_stdout, want_stderr; /* attach: ke->out is the shim's socket */
    strbuf_t arx;                          /* attach: the shim's bytes not yet parsed */
    int master;        /* the pty's master (tty; ke->out's fd once started), else -1 */
    int slave;         /* its slave, until runc has it */
    bool master_owned; /* ke->out holds the master */
    char **argv;       /* runc's, until the spawn (owned) */
    bool started, timer_open;
    char *id, *bundle;      /* tty: the container and its bundle, for runc's --process file */
    json_t *args;           /* the command (owned) */
    char *procfile;         /* that file, removed once runc is done (owned) */
    int rows, cols;         /* the first resize */
    uv_timer_t start_timer; /* tty: the start waits this long for the first resize */
    uv_process_t proc;
    uv_pipe_t in, out, err;
    uv_shutdown_t in_shut; /* stdin's end: the command reads EOF once what came is written */
    bool in_ended;
    bool in_open, out_open, err_open, proc_open;
    bool exited, status_sent, closing;
    int64_t exit_status;
    int term_signal;
    char *cmdline; /* for the Status message */
    strbuf_t rx;   /* websocket bytes not yet parsed */
    int handles;   /* libuv handles not yet closed */
    /* SPDY/3.1 (kubectl before 1.30): one client stream per channel instead of a websocket. */
    bool spdy;
    int spdy_version;        /* of vN.channel.k8s.io: 4 sends a Status, 2 and 3 a message */
    spdy_zlib_t *zin, *zout; /* owned */
    uint32_t sid[CH_COUNT];  /* the client's stream of each channel, 0 until opened */
    uint32_t last_sid;       /* the highest stream the client opened, for GOAWAY */
    int expected, opened;    /* streams the request's flags call for / opened so far */
    bool streams_ready;      /* the command may start: every stream is there (websocket: at once) */
    strbuf_t sizes;          /* the resize stream's JSON not yet read */
    struct kexec_s *next, **pprev;
} kexec_t;

static void ke_maybe_free(kexec_t *ke);

static void ke_unlink(kexec_t *ke)
{
    if (ke->pprev) {
        *ke->pprev = ke->next;
        if (ke->next)
            ke->next->pprev = ke->pprev;
        ke->pprev = NULL;
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    kexec_t *ke = h->data;
    ke->handles--;
    ke_maybe_free(ke);
}

static void close_handle(kexec_t *ke, uv_handle_t *h, bool *open)
{
    if (!*open)
        return;
    *open = false;
    h->data = ke;
    uv_close(h, on_handle_closed);
}

static void ke_maybe_free(kexec_t *ke)
{
    /* What is queued (the Status, the close) goes out before the socket closes. */
    if (!ke->closing || ke->handles > 0 || kserver_conn_busy(&ke->c))
        return;
    kserver_conn_release(&ke->c);
    ke_unlink(ke);
    if (ke->procfile)
        unlink(ke->procfile);
    free(ke->procfile);
    free(ke->id);
    free(ke->bundle);
    json_decref(ke->args);
    strbuf_free(&ke->rx);
    strbuf_free(&ke->arx);
    strbuf_free(&ke->sizes);
    spdy_zlib_free(ke->zin);
    spdy_zlib_free(ke->zout);
    free(ke->cmdline);
    free(ke);
}

/* "runc [--root DIR] exec" into argv (owned strings); how many. */
static size_t runc_exec_argv(const kubelet_t *k, char **argv)
{
    size_t a = 0;
    argv[a++] = xstrdup("runc");
    if (k->runc_root) {
        argv[a++] = xstrdup("--root");
        argv[a++] = xstrdup(k->runc_root);
    }
    argv[a++] = xstrdup("exec");
    return a;
}

static void free_argv(kexec_t *ke)
{
    for (size_t i = 0; ke->argv && ke->argv[i]; i++)
        free(ke->argv[i]);
    free(ke->argv);
    ke->argv = NULL;
}

/* Ends the session: the command is told to stop if it still runs, every handle closes. */
static void ke_close(kexec_t *ke)
{
    if (ke->closing)
        return;
    ke->closing = true;
    if (ke->proc_open && !ke->exited)
        uv_process_kill(&ke->proc, SIGTERM);
    close_handle(ke, (uv_handle_t *)&ke->in, &ke->in_open);
    close_handle(ke, (uv_handle_t *)&ke->out, &ke->out_open);
    close_handle(ke, (uv_handle_t *)&ke->err, &ke->err_open);
    close_handle(ke, (uv_handle_t *)&ke->proc, &ke->proc_open);
    close_handle(ke, (uv_handle_t *)&ke->start_timer, &ke->timer_open);
    free_argv(ke);
    if (ke->slave >= 0)
        close(ke->slave);
    ke->slave = -1;
    if (ke->master >= 0 && !ke->master_owned)
        close(ke->master);
    ke->master = -1;
    if (ke->c.sock)
        h2o_socket_read_stop(ke->c.sock);
    ke_maybe_free(ke);
}

/* ---- writing frames ---- */

static void flush(kexec_t *ke);

static void on_written(h2o_socket_t *sock, const char *errstr)
{
    kexec_t *ke = sock->data;
    if (!ke)
        return;
    if (!kserver_conn_written(&ke->c, errstr)) {
        ke_close(ke);
        return;
    }
    flush(ke);
    if (ke->closing)
        ke_maybe_free(ke);
}

static void flush(kexec_t *ke)
{
    if (!ke->c.sock || ke->c.writing || ke->c.wq.len == 0)
        return;
    size_t n = ke->c.wq.len;
    char *b = strbuf_take(&ke->c.wq);
    h2o_iovec_t v = h2o_iovec_init(b, n);
    kserver_conn_write(&ke->c, b, &v, 1, on_written);
}

static void send_frame(kexec_t *ke, uint8_t opcode, int channel, const char *data, size_t len)
{
    uint8_t h[WSFRAME_HEADER_MAX];
    size_t hl = wsframe_header(h, true, opcode, NULL, len + (channel >= 0 ? 1 : 0));
    strbuf_addn(&ke->c.wq, (const char *)h, hl);
    if (channel >= 0) {
        char c = (char)channel;
        strbuf_addn(&ke->c.wq, &c, 1);
    }
    strbuf_addn(&ke->c.wq, data, len);
    flush(ke);
}

/* Output of channel ch (stdout, stderr) for the client, in the transport's framing. */
static void send_output(kexec_t *ke, int ch, const char *data, size_t len)
{
    if (!ke->spdy)
        return send_frame(ke, WSFRAME_BINARY, ch, data, len);
    if (ch < 0 || ch >= CH_COUNT || !ke->sid[ch] || len == 0)
        return;
    spdy_put_data(&ke->c.wq, ke->sid[ch], 0, data, len);
    flush(ke);
}

/* The session's end: status (a metav1 Status's JSON) on the error channel, then the
 * transport's close — a websocket close frame; with SPDY, FIN on every stream of ours, the
 * Status (v4) or for a failure its message alone (v2, v3) as the error stream's last data, and
 * GOAWAY, as upstream's kubelet closes its SPDY connection. */
static void ke_end(kexec_t *ke, const char *status)
{
    ke->status_sent = true;
    if (!ke->spdy) {
        send_frame(ke, WSFRAME_BINARY, CH_ERROR, status, strlen(status));
        static const char normal[2] = {0x03, (char)0xe8}; /* 1000: normal closure */
        send_frame(ke, WSFRAME_CLOSE, -1, normal, 2);
        return ke_close(ke);
    }
    for (int ch = CH_STDOUT; ch <= CH_STDERR; ch++)
        if (ke->sid[ch])
            spdy_put_data(&ke->c.wq, ke->sid[ch], SPDY_FLAG_FIN, "", 0);
    if (ke->sid[CH_ERROR]) {
        cleanup_json json_t *st = ke->spdy_version >= 4 ? NULL : json_loads(status, 0, NULL);
        const char *ok = json_string_value(json_object_get(st, "status"));
        const char *msg = json_string_value(json_object_get(st, "message"));
        const char *body = ke->spdy_version >= 4              ? status
                           : ok && strcmp(ok, "Success") == 0 ? ""
                           : msg                              ? msg
                                                              : "error";
        spdy_put_data(&ke->c.wq, ke->sid[CH_ERROR], SPDY_FLAG_FIN, body, strlen(body));
    }
    spdy_put_goaway(&ke->c.wq, ke->last_sid, 0);
    flush(ke);
    ke_close(ke);
}

/* The error channel's Status and the transport's close, once the output is all out. */
static void maybe_finish(kexec_t *ke)
{
    if (ke->status_sent || !ke->exited || ke->out_open || ke->err_open)
        return;
    int code = ke->term_signal ? 128 + ke->term_signal : (int)ke->exit_status;
    cleanup_free char *body = wsframe_exec_status(code, ke->cmdline);
    ke_end(ke, body);
}

/* ---- the command ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_output(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    kexec_t *ke = s->data;
    bool is_out = s == (uv_stream_t *)&ke->out;
    if (n > 0 && !ke->closing)
        send_output(ke, is_out ? CH_STDOUT : CH_STDERR, buf->base, (size_t)n);
    free(buf->base);
    if (n < 0) {
        close_handle(ke, (uv_handle_t *)s, is_out ? &ke->out_open : &ke->err_open);
        maybe_finish(ke);
    }
}

static void on_proc_exit(uv_process_t *p, int64_t status, int sig)
{
    kexec_t *ke = p->data;
    ke->exited = true;
    ke->exit_status = status;
    ke->term_signal = sig;
    maybe_finish(ke);
}

typedef struct {
    uv_write_t w;
    char *buf;
} wreq_t;

static void on_stdin_written(uv_write_t *w, int status)
{
    wreq_t *wr = (wreq_t *)w;
    free(wr->buf);
    free(wr);
}

static void shim_frame(kexec_t *ke, int type, const char *data, size_t len);

static void stdin_data(kexec_t *ke, const char *data, size_t len)
{
    if (ke->attach) {
        if (ke->want_stdin && len > 0)
            shim_frame(ke, RUNTIME_ATTACH_STDIN, data, len);
        return;
    }
    uv_stream_t *to = ke->tty ? (uv_stream_t *)&ke->out : (uv_stream_t *)&ke->in;
    if (!(ke->tty ? ke->want_stdin && ke->out_open : ke->in_open && !ke->in_ended) || len == 0)
        return;
    wreq_t *wr = xcalloc(1, sizeof(*wr));
    wr->buf = xmalloc(len);
    memcpy(wr->buf, data, len);
    uv_buf_t b = uv_buf_init(wr->buf, (unsigned)len);
    if (uv_write(&wr->w, to, &b, 1, on_stdin_written) != 0) {
        free(wr->buf);
        free(wr);
    }
}

/* With the terminal's size known, the process runc execs is the container's own (its config's
 * process: user, env, cwd, capabilities, …) with the command, a terminal and consoleSize: runc
 * sizes the pty before the command runs (the SIGWINCH path would come after it has started).
 * Rewrites ke->argv to `runc exec --process FILE id`; on any failure keeps it as it is. */
static void use_process_file(kexec_t *ke)
{
    kubelet_t *k = ke->k;
    if (!ke->tty || !ke->bundle || ke->rows <= 0 || ke->cols <= 0)
        return;
    cleanup_free char *cfg = xasprintf("%s/config.json", ke->bundle);
    cleanup_json json_t *spec = json_load_file(cfg, 0, NULL);
    json_t *proc = json_object_get(spec, "process");
    if (!json_is_object(proc))
        return;
    json_object_set(proc, "args", ke->args);
    json_object_set_new(proc, "terminal", json_true());
    json_object_set_new(proc, "consoleSize",
                        json_pack("{s:i, s:i}", "height", ke->rows, "width", ke->cols));
    char *file = xasprintf("%s/exec-%p.json", ke->bundle, (void *)ke);
    if (json_dump_file(proc, file, JSON_COMPACT) != 0) {
        free(file);
        return;
    }
    ke->procfile = file;
    free_argv(ke);
    ke->argv = xcalloc(8, sizeof(char *));
    size_t a = runc_exec_argv(k, ke->argv);
    ke->argv[a++] = xstrdup("--process");
    ke->argv[a++] = xstrdup(file);
    ke->argv[a++] = xstrdup(ke->id);
}

/* Starts runc (once). Returns 0, or an error with every handle of the command closed. */
static int spawn(kexec_t *ke, c8s_err_t *err)
{
    kubelet_t *k = ke->k;
    if (ke->started)
        return 0;
    ke->started = true;
    use_process_file(ke);
    close_handle(ke, (uv_handle_t *)&ke->start_timer, &ke->timer_open);
    uv_stdio_container_t stdio[3] = {
        {.flags = ke->want_stdin ? UV_CREATE_PIPE | UV_READABLE_PIPE : UV_IGNORE,
         .data.stream = (uv_stream_t *)&ke->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&ke->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&ke->err},
    };
    if (ke->tty)
        for (int i = 0; i < 3; i++)
            stdio[i] = (uv_stdio_container_t){.flags = UV_INHERIT_FD, .data.fd = ke->slave};
    uv_process_options_t po = {.file = "runc",
                               .args = ke->argv,
                               .exit_cb = on_proc_exit,
                               .stdio_count = 3,
                               .stdio = stdio};
    ke->proc.data = ke;
    int rc = uv_spawn(&k->loop, &ke->proc, &po);
    free_argv(ke);
    if (ke->slave >= 0)
        close(ke->slave); /* runc's now: the master reads EIO once every copy is closed */
    ke->slave = -1;
    if (rc == 0 && ke->tty) {
        rc = uv_pipe_open(&ke->out, ke->master);
        if (rc == 0)
            ke->master_owned = true;
        else
            uv_process_kill(&ke->proc, SIGKILL);
    }
    /* uv_spawn leaves the handle to close even when it fails. */
    ke->proc_open = true;
    ke->handles++;
    if (rc != 0) {
        ke->exited = true;
        return c8s_err_set(err, C8S_EINTERNAL, "starting runc exec: %s", uv_strerror(rc));
    }
    if (!ke->want_stdin || ke->tty)
        close_handle(ke, (uv_handle_t *)&ke->in, &ke->in_open);
    if (ke->tty)
        close_handle(ke, (uv_handle_t *)&ke->err, &ke->err_open);
    uv_read_start((uv_stream_t *)&ke->out, on_alloc, on_output);
    if (!ke->tty)
        uv_read_start((uv_stream_t *)&ke->err, on_alloc, on_output);
    return 0;
}

/* Starts the command once the transport is ready: a failure goes out as the Status. */
static void start_cmd(kexec_t *ke)
{
    c8s_err_t err = C8S_ERR_INIT;
    if (ke->closing || spawn(ke, &err) == 0)
        return;
    json_t *st = json_pack("{s:{}, s:s, s:s, s:s, s:i}", "metadata", "status", "Failure", "message",
                           err.msg, "reason", "InternalError", "code", 500);
    cleanup_free char *body = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    c8s_err_clear(&err);
    ke_end(ke, body);
}

static void on_start_timeout(uv_timer_t *t)
{
    kexec_t *ke = t->data;
    if (ke->streams_ready)
        return start_cmd(ke); /* a tty's size did not come in time */
    log_info("kubelet", "exec: the client opened %d of its %d streams in %d s", ke->opened,
             ke->expected, STREAMS_WAIT_MS / 1000);
    ke_close(ke);
}

/* Channel 4: {"Width":…,"Height":…} sets the pty's size, and runc, told by SIGWINCH, copies it
 * to the command's. Malformed messages are ignored, as upstream's kubelet logs and skips them. */
static void resize(kexec_t *ke, const char *data, size_t len)
{
    if (!ke->tty || (ke->master < 0 && !ke->attach) || !ke->out_open || ke->closing)
        return;
    json_t *j = json_loadb(data, len, 0, NULL);
    json_int_t w = json_integer_value(json_object_get(j, "Width"));
    json_int_t h = json_integer_value(json_object_get(j, "Height"));
    json_decref(j);
    if (w <= 0 || h <= 0 || w > 0xffff || h > 0xffff)
        return;
    if (ke->attach) {
        /* A tty container's terminal is its shim's: the size goes there. */
        uint8_t sz[RUNTIME_ATTACH_RESIZE_LEN];
        runtime_attach_resize_encode(sz, (uint16_t)h, (uint16_t)w);
        shim_frame(ke, RUNTIME_ATTACH_RESIZE, (const char *)sz, sizeof sz);
        return;
    }
    struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
    if (!ke->started) {
        ke->rows = (int)h;
        ke->cols = (int)w;
    }
    if (ioctl(ke->master, TIOCSWINSZ, &ws) == 0 && ke->proc_open && !ke->exited)
        uv_process_kill(&ke->proc, SIGWINCH);
    if (!ke->started && ke->streams_ready)
        start_cmd(ke);
}

static void on_in_shut(uv_shutdown_t *req, int status)
{
    kexec_t *ke = req->data;
    if (status != UV_ECANCELED) /* else the pipe is closing already */
        close_handle(ke, (uv_handle_t *)&ke->in, &ke->in_open);
}

/* The client's stdin has ended (v5's close of channel 0, SPDY's FIN on the stdin stream): the
 * pipe closes once the writes queued on it are done (closing it at once would drop them). */
static void stdin_end(kexec_t *ke)
{
    if (ke->attach)
        return shim_frame(ke, RUNTIME_ATTACH_STDIN_END, "", 0);
    /* A tty's input has no end short of the command's (EOT is the user's). */
    if (ke->in_ended || !ke->in_open || ke->tty)
        return;
    ke->in_ended = true;
    ke->in_shut.data = ke;
    if (!ke->started || uv_shutdown(&ke->in_shut, (uv_stream_t *)&ke->in, on_in_shut) != 0)
        close_handle(ke, (uv_handle_t *)&ke->in, &ke->in_open);
}

/* ---- reading frames ---- */

static void on_ws_read(h2o_socket_t *sock, const char *errstr)
{
    kexec_t *ke = sock->data;
    if (!ke)
        return;
    if (sock->input->size > 0) {
        strbuf_addn(&ke->rx, sock->input->bytes, sock->input->size);
        h2o_buffer_consume(&sock->input, sock->input->size);
    }
    for (;;) {
        wsframe_t f;
        uint8_t *pl = NULL;
        size_t used = 0;
        int got = kserver_ws_next(&ke->rx, "exec", MAX_FRAME, &f, &pl, &used);
        if (got < 0) {
            ke_close(ke);
            return;
        }
        if (got == 0)
            break;
        size_t n = (size_t)f.payload_len;
        if (f.opcode == WSFRAME_CLOSE) {
            ke_close(ke);
            return;
        }
        if (f.opcode == WSFRAME_PING)
            send_frame(ke, WSFRAME_PONG, -1, (const char *)pl, n);
        else if ((f.opcode == WSFRAME_BINARY || f.opcode == WSFRAME_TEXT) && n > 0) {
            if (pl[0] == CH_STDIN)
                stdin_data(ke, (const char *)pl + 1, n - 1);
            else if (pl[0] == CH_RESIZE)
                resize(ke, (const char *)pl + 1, n - 1);
            else if (pl[0] == CH_CLOSE && ke->v5 && n >= 2 && pl[1] == CH_STDIN)
                stdin_end(ke);
        }
        kserver_consume(&ke->rx, used);
    }
    if (errstr) {
        ke->c.done = true;
        ke_close(ke);
    }
}

/* ---- SPDY/3.1: the client's streams ---- */

static void ke_begin(kexec_t *ke);

/* A stream the client opened: its streamtype names its channel; each type once. */
static void on_syn_stream(kexec_t *ke, uint32_t id, const json_t *h)
{
    static const char *const types[CH_COUNT] = {"stdin", "stdout", "stderr", "error", "resize"};
    const char *type = json_string_value(json_object_get(h, "streamtype"));
    int ch = -1;
    for (int i = 0; type && i < CH_COUNT; i++)
        if (strcmp(type, types[i]) == 0)
            ch = i;
    if (id > ke->last_sid)
        ke->last_sid = id;
    spdy_put_syn_reply(&ke->c.wq, ke->zout, id, 0, NULL);
    if (ch < 0 || ke->sid[ch]) {
        log_info("kubelet", "exec: unexpected SPDY stream of type %s", type ? type : "(none)");
        spdy_put_rst(&ke->c.wq, id, SPDY_RST_PROTOCOL_ERROR);
        return flush(ke);
    }
    ke->sid[ch] = id;
    flush(ke);
    if (++ke->opened == ke->expected && !ke->streams_ready)
        ke_begin(ke);
}

static void on_stream_data(kexec_t *ke, uint32_t id, uint8_t flags, const uint8_t *d, size_t n)
{
    if (id == 0)
        return;
    if (id == ke->sid[CH_STDIN]) {
        stdin_data(ke, (const char *)d, n);
        if (flags & SPDY_FLAG_FIN)
            stdin_end(ke);
    } else if (id == ke->sid[CH_RESIZE]) {
        strbuf_addn(&ke->sizes, (const char *)d, n);
        const char *msg;
        size_t len, used;
        while ((used = kserver_json_line(&ke->sizes, &msg, &len)) > 0) {
            resize(ke, msg, len);
            kserver_consume(&ke->sizes, used);
        }
        if (ke->sizes.len > 4096) /* no terminal size is this long */
            strbuf_free(&ke->sizes);
    }
}

/* Handles every whole frame in ke->rx; false on a protocol error or GOAWAY (ke closed). */
static bool spdy_input(kexec_t *ke)
{
    size_t off = 0;
    bool ok = true;
    while (ok && !ke->closing) {
        spdy_frame_t f;
        c8s_err_t err = C8S_ERR_INIT;
        const uint8_t *at = (const uint8_t *)ke->rx.s + off;
        int hl = spdy_frame_parse(at, ke->rx.len - off, &f, &err);
        if (hl < 0 || (hl > 0 && f.length > MAX_FRAME)) {
            log_info("kubelet", "exec: SPDY protocol error: %s",
                     hl < 0 ? err.msg : "frame too large");
            c8s_err_clear(&err);
            ok = false;
            break;
        }
        if (hl == 0 || ke->rx.len - off < (size_t)hl + f.length)
            break;
        const uint8_t *pl = at + hl;
        off += (size_t)hl + f.length;
        if (!f.control) {
            on_stream_data(ke, f.stream_id, f.flags, pl, f.length);
            continue;
        }
        uint32_t id = spdy_payload_stream(pl, f.length);
        if (f.type == SPDY_SYN_STREAM || f.type == SPDY_HEADERS) {
            /* Every block is read: the zlib stream runs through them all. */
            size_t skip = f.type == SPDY_SYN_STREAM ? 10 : 4;
            json_t *h = NULL;
            if (f.length < skip || id == 0 ||
                spdy_headers_decode(ke->zin, pl + skip, f.length - skip, &h, &err) != 0) {
                log_info("kubelet", "exec: bad SPDY headers: %s", err.code ? err.msg : "short");
                c8s_err_clear(&err);
                ok = false;
                break;
            }
            if (f.type == SPDY_SYN_STREAM)
                on_syn_stream(ke, id, h);
            json_decref(h);
        } else if (f.type == SPDY_PING && f.length >= 4) {
            strbuf_addn(&ke->c.wq, (const char *)at, (size_t)hl + 4); /* echoed as it came */
            flush(ke);
        } else if (f.type == SPDY_GOAWAY) {
            ok = false;
        }
        /* RST_STREAM, SETTINGS, WINDOW_UPDATE: nothing to do (no flow control, spdy.h). */
    }
    kserver_consume(&ke->rx, off);
    if (!ok)
        ke_close(ke);
    return ok;
}

static void on_spdy_read(h2o_socket_t *sock, const char *errstr)
{
    kexec_t *ke = sock->data;
    if (!ke)
        return;
    if (sock->input->size > 0) {
        strbuf_addn(&ke->rx, sock->input->bytes, sock->input->size);
        h2o_buffer_consume(&sock->input, sock->input->size);
        if (!spdy_input(ke))
            return;
    }
    if (errstr) {
        ke->c.done = true;
        ke_close(ke);
    }
}

static void on_upgraded(void *data, h2o_socket_t *sock, size_t reqsize)
{
    kexec_t *ke = data;
    if (!kserver_conn_take(&ke->c, sock, reqsize, ke)) {
        ke_close(ke);
        ke_maybe_free(ke);
        return;
    }
    if (ke->closing) {
        flush(ke); /* a Status queued before the socket was ours */
        ke_maybe_free(ke);
        return;
    }
    h2o_socket_cb rd = ke->spdy ? on_spdy_read : on_ws_read;
    h2o_socket_read_start(sock, rd);
    if (sock->input->size > 0)
        rd(sock, NULL);
    flush(ke);
}

/* ---- the request ---- */

/* A pty for `runc exec --tty`: the master (close-on-exec, ours) and the slave (runc's stdio), the
 * slave raw so that bytes pass as they are (the command's own pty, inside the container, is the
 * one that echoes and translates). */
static int open_pty(int *master, int *slave, c8s_err_t *err)
{
    *master = *slave = -1;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[64];
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof(name)) != 0) {
        int e = errno;
        if (m >= 0)
            close(m);
        return c8s_err_set(err, C8S_EINTERNAL, "allocating a pty: %s", strerror(e));
    }
    int sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (sl < 0) {
        int e = errno;
        close(m);
        return c8s_err_set(err, C8S_EINTERNAL, "opening %s: %s", name, strerror(e));
    }
    struct termios t;
    if (tcgetattr(sl, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(sl, TCSANOW, &t);
    }
    *master = m;
    *slave = sl;
    return 0;
}

/* The subprotocol to answer with among the offered ones (comma separated), or NULL. */
static const char *pick_protocol(const char *offer, size_t len)
{
    static const char *const ours[] = {"v5.channel.k8s.io", "v4.channel.k8s.io"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(ours); i++)
        if (kserver_token_in(offer, len, ours[i], false))
            return ours[i];
    return NULL;
}

/* The version N of the first vN.channel.k8s.io (v4, v3, v2) among the client's
 * X-Stream-Protocol-Version headers, in the client's order as upstream's handshake picks; 0 for
 * none. */
static int pick_spdy_protocol(const h2o_req_t *req)
{
    static const char name[] = "x-stream-protocol-version";
    ssize_t i = -1;
    while ((i = h2o_find_header_by_str(&req->headers, name, sizeof(name) - 1, i)) >= 0) {
        const char *v = req->headers.entries[i].value.base;
        size_t len = req->headers.entries[i].value.len;
        for (size_t p = 0; p < len;) {
            while (p < len && (v[p] == ' ' || v[p] == ','))
                p++;
            size_t e = p;
            while (e < len && v[e] != ',' && v[e] != ' ')
                e++;
            if (e - p == 17 && v[p] == 'v' && v[p + 1] >= '2' && v[p + 1] <= '4' &&
                strncmp(v + p + 2, ".channel.k8s.io", 15) == 0)
                return v[p + 1] - '0';
            p = e;
        }
    }
    return 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static char *unescape(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[j++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* Every command= of the raw query, in order (owned strings, NULL-terminated; *n of them). */
static char **commands(const h2o_req_t *req, size_t *n)
{
    char **argv = xcalloc(MAX_ARGS + 1, sizeof(char *));
    *n = 0;
    if (req->query_at == SIZE_MAX)
        return argv;
    const char *q = req->path.base + req->query_at + 1;
    size_t len = req->path.len - req->query_at - 1;
    for (size_t i = 0; i < len && *n < MAX_ARGS;) {
        size_t e = i;
        while (e < len && q[e] != '&')
            e++;
        if (e - i >= 8 && strncmp(q + i, "command=", 8) == 0)
            argv[(*n)++] = unescape(q + i + 8, e - i - 8);
        i = e + 1;
    }
    return argv;
}

static bool flag(kubelet_server_req_t *r, const char *name)
{
    const char *v = kubelet_server_req_query(r, name);
    return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* ---- attach: the container's stdio through its shim's socket (runtime.h) ---- */

static void upgrade(kexec_t *ke, kubelet_server_req_t *r, const char *proto, const char *key,
                    size_t kl);
static void spdy_setup(kexec_t *ke, kubelet_server_req_t *r, int version);

static void shim_frame(kexec_t *ke, int type, const char *data, size_t len)
{
    if (!ke->out_open)
        return;
    wreq_t *wr = xcalloc(1, sizeof(*wr));
    wr->buf = xmalloc(len + 5);
    wr->buf[0] = (char)type;
    wr->buf[1] = (char)(len >> 24);
    wr->buf[2] = (char)(len >> 16);
    wr->buf[3] = (char)(len >> 8);
    wr->buf[4] = (char)len;
    if (len)
        memcpy(wr->buf + 5, data, len);
    uv_buf_t b = uv_buf_init(wr->buf, (unsigned)len + 5);
    if (uv_write(&wr->w, (uv_stream_t *)&ke->out, &b, 1, on_stdin_written) != 0) {
        free(wr->buf);
        free(wr);
    }
}

static void on_shim_output(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    kexec_t *ke = s->data;
    if (n > 0)
        strbuf_addn(&ke->arx, buf->base, (size_t)n);
    free(buf->base);
    size_t off = 0;
    while (ke->arx.len - off >= 5) {
        const uint8_t *h = (const uint8_t *)ke->arx.s + off;
        size_t len = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
        if (ke->arx.len - off < 5 + len)
            break;
        bool out = h[0] == RUNTIME_ATTACH_STDOUT;
        if (!ke->closing && len > 0 && (out ? ke->want_stdout : ke->want_stderr))
            send_output(ke, out || ke->tty ? CH_STDOUT : CH_STDERR, (const char *)h + 5, len);
        off += 5 + len;
    }
    kserver_consume(&ke->arx, off);
    if (n < 0) {
        /* The container has ended (or its shim has): Success, as upstream's attach. */
        close_handle(ke, (uv_handle_t *)s, &ke->out_open);
        ke->exited = true;
        maybe_finish(ke);
    }
}

/* A connection to the shim's attach socket of container id (fd, owned), or err. Connected
 * through /proc/self/fd: the state dir's path may not fit in a socket address. */
static int shim_connect(kubelet_t *k, const char *id, int *out, c8s_err_t *err)
{
    cleanup_free char *dir = xasprintf("%s/%s", k->state_root, id);
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = dfd < 0 ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", dfd, RUNTIME_ATTACH_SOCKET);
    int rc = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, sizeof(a));
    int e = errno;
    if (dfd >= 0)
        close(dfd);
    if (rc != 0) {
        if (fd >= 0)
            close(fd);
        return c8s_err_set(err, e == ENOENT ? C8S_EBADREQUEST : C8S_EINTERNAL,
                           "attaching to container %s: %s", id,
                           e == ENOENT ? "its shim offers no attach socket" : strerror(e));
    }
    *out = fd;
    return 0;
}

/* Attach's reading of the container's stdio, once the transport is ready. */
static void attach_begin(kexec_t *ke)
{
    if (ke->want_stdin)
        shim_frame(ke, RUNTIME_ATTACH_HELLO_STDIN, "", 0);
    uv_read_start((uv_stream_t *)&ke->out, on_alloc, on_shim_output);
}

static void start_attach(kubelet_t *k, kubelet_server_req_t *r, const char *id, const char *proto,
                         int spdy_version, const char *key, size_t kl, c8s_err_t *err)
{
    int fd = -1;
    if (!id || shim_connect(k, id, &fd, err) != 0) {
        kubelet_server_respond_err(r, err);
        return c8s_err_clear(err);
    }
    kexec_t *ke = xcalloc(1, sizeof(*ke));
    ke->k = k;
    ke->master = ke->slave = -1;
    ke->v5 = proto && strcmp(proto, "v5.channel.k8s.io") == 0;
    ke->want_stdin = flag(r, "stdin");
    ke->want_stdout = flag(r, "stdout");
    ke->want_stderr = flag(r, "stderr");
    ke->tty = flag(r, "tty");
    ke->attach = true;
    uv_pipe_init(&k->loop, &ke->out, 0);
    ke->out.data = ke;
    ke->out_open = true;
    ke->handles = 1;
    if (uv_pipe_open(&ke->out, fd) != 0) {
        close(fd);
        c8s_err_set(err, C8S_EINTERNAL, "attaching to container %s", id);
        ke->exited = true;
        ke_close(ke);
        kubelet_server_respond_err(r, err);
        return c8s_err_clear(err);
    }
    ke->next = k->execs;
    if (k->execs)
        k->execs->pprev = &ke->next;
    k->execs = ke;
    ke->pprev = &k->execs;
    if (spdy_version) {
        spdy_setup(ke, r, spdy_version);
    } else {
        ke->streams_ready = true;
        attach_begin(ke);
    }
    upgrade(ke, r, proto, key, kl);
}

static void on_exec(kubelet_server_req_t *r, void *data)
{
    kubelet_t *k = data;
    c8s_err_t err = C8S_ERR_INIT;
    h2o_req_t *req = r->h2o;
    const char *path = kubelet_server_req_path(r);
    bool attach = strncmp(path, "/attach/", 8) == 0;
    char parts[3][KSERVER_PART_MAX];
    int n = kserver_path_parts(path + (attach ? 8 : 6), parts, 3);
    size_t kl = 0, pl = 0;
    const char *key = kserver_header(r, "sec-websocket-key", &kl);
    const char *offer = kserver_header(r, "sec-websocket-protocol", &pl);
    const char *proto = pick_protocol(offer, pl);
    bool spdy = req && req->upgrade.base && req->upgrade.len >= 8 &&
                strncasecmp(req->upgrade.base, "SPDY/3.1", 8) == 0;
    int sv = spdy ? pick_spdy_protocol(req) : 0;
    if (n != 3) {
        c8s_err_set(&err, C8S_ENOTFOUND, "expected /%s/{namespace}/{pod}/{container}",
                    attach ? "attach" : "exec");
    } else if (spdy) {
        if (!sv)
            c8s_err_set(&err, C8S_EFORBIDDEN,
                        "unable to upgrade: unable to negotiate protocol: the client supports "
                        "none of [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io]");
    } else if (!req || !req->upgrade.base ||
               strncasecmp(req->upgrade.base, "websocket", req->upgrade.len) != 0 || !key) {
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "Upgrade request required: exec is served over a websocket or SPDY/3.1");
    } else if (!proto) {
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "unsupported subprotocol: v5.channel.k8s.io or v4.channel.k8s.io required");
    }
    if (err.code) {
        kubelet_server_respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    cleanup_free char *id = kpod_running_id(k, parts[0], parts[1], parts[2], &err);
    if (attach)
        return start_attach(k, r, id, spdy ? NULL : proto, sv, key, kl, &err);
    size_t nargs = 0;
    char **cmd = commands(req, &nargs);
    if (id && nargs == 0)
        c8s_err_set(&err, C8S_EBADREQUEST,
                    "you must specify at least one command for the "
                    "container");
    if (!id || nargs == 0) {
        for (size_t i = 0; i < nargs; i++)
            free(cmd[i]);
        free(cmd);
        kubelet_server_respond_err(r, &err);
        return c8s_err_clear(&err);
    }
    kexec_t *ke = xcalloc(1, sizeof(*ke));
    ke->k = k;
    ke->v5 = !spdy && strcmp(proto, "v5.channel.k8s.io") == 0;
    ke->want_stdin = flag(r, "stdin");
    ke->want_stdout = flag(r, "stdout");
    ke->want_stderr = flag(r, "stderr");
    strbuf_t cl = STRBUF_INIT;
    for (size_t i = 0; i < nargs; i++)
        strbuf_sep(&cl, " ", cmd[i]);
    ke->cmdline = strbuf_take_or(&cl, "");

    ke->tty = flag(r, "tty");
    ke->master = -1;
    int slave = -1;
    if (ke->tty && open_pty(&ke->master, &slave, &err) != 0) {
        for (size_t i = 0; i < nargs; i++)
            free(cmd[i]);
        free(cmd);
        free(ke->cmdline);
        free(ke);
        kubelet_server_respond_err(r, &err);
        return c8s_err_clear(&err);
    }

    /* runc's argv, ke's until the spawn. */
    ke->argv = xcalloc(MAX_ARGS + 8, sizeof(char *));
    size_t a = runc_exec_argv(k, ke->argv);
    if (ke->tty)
        ke->argv[a++] = xstrdup("--tty");
    ke->argv[a++] = xstrdup(id);
    ke->args = json_array();
    for (size_t i = 0; i < nargs; i++) {
        json_array_append_new(ke->args, json_string(cmd[i]));
        ke->argv[a++] = cmd[i];
    }
    free(cmd);
    ke->slave = slave;
    ke->id = xstrdup(id);
    if (ke->tty)
        ke->bundle = kpod_bundle(k, id);
    uv_pipe_init(&k->loop, &ke->in, 0);
    uv_pipe_init(&k->loop, &ke->out, 0);
    uv_pipe_init(&k->loop, &ke->err, 0);
    ke->in_open = ke->out_open = ke->err_open = true;
    ke->handles = 3;
    ke->in.data = ke->out.data = ke->err.data = ke;
    ke->next = k->execs;
    if (k->execs)
        k->execs->pprev = &ke->next;
    k->execs = ke;
    ke->pprev = &k->execs;
    if (spdy) {
        /* The command starts once the client has opened its streams (ke_begin). */
        spdy_setup(ke, r, sv);
    } else if (!ke->tty) {
        ke->streams_ready = true;
        if (spawn(ke, &err) != 0) {
            ke_close(ke);
            kubelet_server_respond_err(r, &err);
            return c8s_err_clear(&err);
        }
    } else {
        /* kubectl sends the terminal's size first thing: the command starts once it is set
         * (or after a short wait), so it never sees a 0x0 terminal. */
        ke->streams_ready = true;
        uv_timer_init(&k->loop, &ke->start_timer);
        ke->start_timer.data = ke;
        ke->timer_open = true;
        ke->handles++;
        uv_timer_start(&ke->start_timer, on_start_timeout, TTY_SIZE_WAIT_MS, 0);
    }
    upgrade(ke, r, proto, key, kl);
}

/* Answers 101 with the websocket's or SPDY's headers and hands the connection to ke. */
static void upgrade(kexec_t *ke, kubelet_server_req_t *r, const char *proto, const char *key,
                    size_t kl)
{
    h2o_req_t *req = r->h2o;
    if (!ke->spdy) {
        kserver_ws_accept(req, key, kl, proto);
    } else {
        static const char *const versions[] = {"v2.channel.k8s.io", "v3.channel.k8s.io",
                                               "v4.channel.k8s.io"};
        const char *v = versions[ke->spdy_version - 2];
        req->res.status = 101;
        req->res.reason = "Switching Protocols";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL,
                       H2O_STRLIT("SPDY/3.1"));
        h2o_add_header_by_str(&req->pool, &req->res.headers,
                              H2O_STRLIT("x-stream-protocol-version"), 0, NULL, v, strlen(v));
    }
    kserver_upgrade(r, &ke->c.upgrading, on_upgraded, ke);
}

/* A SPDY session: which streams the request's flags call for (the error stream always, a
 * resize stream with a tty from v3), and how long the client has to open them. */
static void spdy_setup(kexec_t *ke, kubelet_server_req_t *r, int version)
{
    ke->spdy = true;
    ke->spdy_version = version;
    ke->zin = spdy_zlib_new(false);
    ke->zout = spdy_zlib_new(true);
    /* Upstream drops stderr with a tty: the terminal is the one output. */
    ke->expected = 1 + (ke->want_stdin ? 1 : 0) + (flag(r, "stdout") ? 1 : 0) +
                   (flag(r, "stderr") && !ke->tty ? 1 : 0) + (ke->tty && version >= 3 ? 1 : 0);
    uv_timer_init(&ke->k->loop, &ke->start_timer);
    ke->start_timer.data = ke;
    ke->timer_open = true;
    ke->handles++;
    uv_timer_start(&ke->start_timer, on_start_timeout, STREAMS_WAIT_MS, 0);
}

/* Every stream is there: the command starts (a tty's once its size is known), attach reads. */
static void ke_begin(kexec_t *ke)
{
    ke->streams_ready = true;
    if (ke->attach) {
        close_handle(ke, (uv_handle_t *)&ke->start_timer, &ke->timer_open);
        return attach_begin(ke);
    }
    if (ke->tty && ke->rows <= 0) {
        uv_timer_start(&ke->start_timer, on_start_timeout, TTY_SIZE_WAIT_MS, 0);
        return;
    }
    start_cmd(ke);
}

int kserver_exec_route(kubelet_t *k, c8s_err_t *err)
{
    if (kubelet_server_route(k->server, "/exec/", on_exec, k, err) != 0)
        return err->code;
    return kubelet_server_route(k->server, "/attach/", on_exec, k, err);
}

void kserver_exec_stop_all(kubelet_t *k)
{
    kserver_portforward_stop_all(k);
    while (k->execs) {
        kexec_t *ke = k->execs;
        ke_unlink(ke);
        ke_close(ke);
    }
}
