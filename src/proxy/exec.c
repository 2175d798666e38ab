/*
 * exec.c — runs iptables-save / iptables-restore from the proxy's loop without blocking it:
 * uv_spawn, the payload written to the child's stdin, its stdout gathered, one callback with the
 * exit status once the process has exited and both pipes are closed.
 */
#include "proxy_int.h"

#include <string.h>

struct proxy_exec_s {
    uv_process_t proc;
    uv_pipe_t in, out, err;
    uv_write_t wr;
    char *payload;
    strbuf_t stdout_buf, stderr_buf;
    int64_t status;
    int open; /* handles still to close */
    proxy_exec_cb cb;
    void *data;
};

static void finish(proxy_exec_t *x)
{
    if (--x->open > 0)
        return;
    x->cb((int)x->status, x->stdout_buf.s ? x->stdout_buf.s : "",
          x->stderr_buf.s ? x->stderr_buf.s : "", x->data);
    strbuf_free(&x->stdout_buf);
    strbuf_free(&x->stderr_buf);
    free(x->payload);
    free(x);
}

static void on_closed(uv_handle_t *h)
{
    finish(h->data);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    proxy_exec_t *x = p->data;
    x->status = sig ? 128 + sig : status;
    uv_close((uv_handle_t *)p, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    proxy_exec_t *x = s->data;
    strbuf_t *sb = s == (uv_stream_t *)&x->out ? &x->stdout_buf : &x->stderr_buf;
    if (n > 0)
        strbuf_addn(sb, buf->base, (size_t)n);
    free(buf->base);
    if (n < 0)
        uv_close((uv_handle_t *)s, on_closed);
}

static void on_written(uv_write_t *w, int status)
{
    proxy_exec_t *x = w->data;
    uv_close((uv_handle_t *)&x->in, on_closed);
}

void proxy_exec(uv_loop_t *loop, char *const argv[], const char *payload, size_t len,
                proxy_exec_cb cb, void *data)
{
    proxy_exec_t *x = xcalloc(1, sizeof(*x));
    x->cb = cb;
    x->data = data;
    uv_pipe_init(loop, &x->in, 0);
    uv_pipe_init(loop, &x->out, 0);
    uv_pipe_init(loop, &x->err, 0);
    x->in.data = x->out.data = x->err.data = x->proc.data = x;
    x->wr.data = x;
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&x->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&x->out},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&x->err},
    };
    uv_process_options_t opts = {.exit_cb = on_exit_cb,
                                 .file = argv[0],
                                 .args = (char **)argv,
                                 .stdio = stdio,
                                 .stdio_count = 3};
    x->open = 4; /* process, stdin, stdout, stderr */
    int rc = uv_spawn(loop, &x->proc, &opts);
    if (rc != 0) {
        /* Reported like a shell's "command not found", through the same callback. */
        x->status = 127;
        strbuf_addf(&x->stderr_buf, "running %s: %s", argv[0], uv_strerror(rc));
        uv_close((uv_handle_t *)&x->proc, on_closed);
        uv_close((uv_handle_t *)&x->in, on_closed);
        uv_close((uv_handle_t *)&x->out, on_closed);
        uv_close((uv_handle_t *)&x->err, on_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&x->out, on_alloc, on_read);
    uv_read_start((uv_stream_t *)&x->err, on_alloc, on_read);
    if (len > 0) {
        x->payload = xmalloc(len);
        memcpy(x->payload, payload, len);
        uv_buf_t b = uv_buf_init(x->payload, (unsigned)len);
        uv_write(&x->wr, (uv_stream_t *)&x->in, &b, 1, on_written);
    } else {
        uv_close((uv_handle_t *)&x->in, on_closed);
    }
}
