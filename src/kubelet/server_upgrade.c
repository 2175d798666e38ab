/*
 * server_upgrade.c — what the handlers that take their connection over share (exec and attach
 * in server_exec.c, port-forward in server_portforward.c): the token lists of their upgrade
 * headers, the websocket's 101 answer, the handover of the socket by h2o, the one write in
 * flight with its queue behind it, and reading the client's websocket frames out of what has
 * arrived.
 */
#include "server_int.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

bool kserver_token_in(const char *list, size_t len, const char *tok, bool nocase)
{
    size_t tl = strlen(tok);
    for (size_t p = 0; list && p < len;) {
        while (p < len && (list[p] == ' ' || list[p] == ','))
            p++;
        size_t e = p;
        while (e < len && list[e] != ',' && list[e] != ' ')
            e++;
        if (e - p == tl &&
            (nocase ? strncasecmp(list + p, tok, tl) : strncmp(list + p, tok, tl)) == 0)
            return true;
        p = e;
    }
    return false;
}

void kserver_ws_accept(h2o_req_t *req, const char *key, size_t kl, const char *proto)
{
    unsigned char md[SHA_DIGEST_LENGTH];
    cleanup_free char *s = xasprintf("%.*s" WS_GUID, (int)kl, key);
    SHA1((const unsigned char *)s, strlen(s), md);
    char acc[64];
    EVP_EncodeBlock((unsigned char *)acc, md, SHA_DIGEST_LENGTH);
    req->res.status = 101;
    req->res.reason = "Switching Protocols";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL, H2O_STRLIT("websocket"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-accept"), 0,
                          NULL, h2o_strdup(&req->pool, acc, SIZE_MAX).base, strlen(acc));
    if (*proto) /* none offered: none answered */
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-protocol"),
                              0, NULL, proto, strlen(proto));
}

void kserver_upgrade(kubelet_server_req_t *r, bool *upgrading, h2o_http1_upgrade_cb cb, void *data)
{
    h2o_req_t *req = r->h2o;
    /* The request is h2o's to end now; ours lets go of it first. */
    kserver_req_free(r);
    *upgrading = true;
    h2o_http1_upgrade(req, NULL, 0, cb, data);
}

int kserver_ws_next(strbuf_t *rx, const char *who, uint64_t max, wsframe_t *f, uint8_t **payload,
                    size_t *used)
{
    c8s_err_t err = C8S_ERR_INIT;
    int hl = wsframe_parse((const uint8_t *)rx->s, rx->len, f, &err);
    if (hl < 0 || (hl > 0 && (!f->masked || f->payload_len > max))) {
        log_info("kubelet", "%s: websocket protocol error: %s", who,
                 hl < 0 ? err.msg : "unmasked or oversized frame");
        c8s_err_clear(&err);
        return -1;
    }
    if (hl == 0 || rx->len < (size_t)hl + f->payload_len)
        return 0;
    *payload = (uint8_t *)rx->s + hl;
    wsframe_unmask(*payload, (size_t)f->payload_len, f->mask, 0);
    *used = (size_t)hl + (size_t)f->payload_len;
    return 1;
}

void kserver_consume(strbuf_t *b, size_t used)
{
    if (used == 0)
        return;
    memmove(b->s, b->s + used, b->len - used);
    b->len -= used;
}

bool kserver_conn_take(kserver_conn_t *c, h2o_socket_t *sock, size_t reqsize, void *data)
{
    c->upgrading = false;
    if (!sock) {
        c->done = true;
        return false;
    }
    c->sock = sock;
    sock->data = data;
    h2o_buffer_consume(&sock->input, reqsize);
    return true;
}

void kserver_conn_write(kserver_conn_t *c, char *buf, const h2o_iovec_t *v, size_t nv,
                        h2o_socket_cb cb)
{
    h2o_iovec_t iov[2];
    for (size_t i = 0; i < nv && i < 2; i++)
        iov[i] = v[i];
    c->wbuf = buf;
    c->writing = true;
    h2o_socket_write(c->sock, iov, nv < 2 ? nv : 2, cb);
}

bool kserver_conn_written(kserver_conn_t *c, const char *errstr)
{
    c->writing = false;
    free(c->wbuf);
    c->wbuf = NULL;
    if (!errstr)
        return true;
    c->done = true;
    strbuf_free(&c->wq);
    return false;
}

bool kserver_conn_busy(const kserver_conn_t *c)
{
    return c->writing || c->upgrading || (c->wq.len > 0 && c->sock && !c->done);
}

void kserver_conn_release(kserver_conn_t *c)
{
    if (c->sock) {
        c->sock->data = NULL;
        h2o_socket_close(c->sock);
        c->sock = NULL;
    }
    strbuf_free(&c->wq);
    free(c->wbuf);
    c->wbuf = NULL;
}

size_t kserver_json_line(const strbuf_t *b, const char **line, size_t *len)
{
    const char *nl = b->len ? memchr(b->s, '\n', b->len) : NULL;
    if (!nl)
        return 0;
    *line = b->s;
    *len = (size_t)(nl - b->s);
    return *len + 1;
}

int kserver_query_ports(const char *query, size_t len, int *ports, size_t max, c8s_err_t *err)
{
    size_t n = 0;
    for (size_t i = 0; query && i < len;) {
        size_t e = i;
        while (e < len && query[e] != '&')
            e++;
        size_t vat = 0;
        if (e - i >= 5 && strncmp(query + i, "port=", 5) == 0)
            vat = i + 5;
        else if (e - i >= 6 && strncmp(query + i, "ports=", 6) == 0)
            vat = i + 6;
        if (vat && vat == e)
            return c8s_err_set(err, C8S_EBADREQUEST, "query parameter \"port\" cannot be empty");
        for (size_t p = vat; vat && p <= e;) {
            /* %2C is a comma too: clients escape it. */
            size_t q = p;
            long v = 0;
            bool digits = false;
            while (q < e && query[q] >= '0' && query[q] <= '9' && v <= 65535) {
                v = v * 10 + (query[q++] - '0');
                digits = true;
            }
            size_t sep = 0;
            if (q < e && query[q] == ',')
                sep = 1;
            else if (e - q >= 3 && strncasecmp(query + q, "%2C", 3) == 0)
                sep = 3;
            if (!digits || v < 1 || v > 65535 || (q < e && !sep) || (sep && q + sep >= e))
                return c8s_err_set(err, C8S_EBADREQUEST, "unable to parse \"%.*s\" as a port",
                                   (int)(e - vat), query + vat);
            if (n >= max)
                return c8s_err_set(err, C8S_EBADREQUEST, "more than %zu ports", max);
            ports[n++] = (int)v;
            if (!sep)
                break;
            p = q + sep;
        }
        i = e + 1;
    }
    if (n == 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "query parameter \"port\" is required");
    return (int)n;
}
