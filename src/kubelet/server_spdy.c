/* server_spdy.c — SPDY/3.1 frames and header blocks (see spdy.h). */
#include "c8s/spdy.h"

#include <pthread.h>
#include <string.h>
#include <zlib.h>

/* Past this, a header block is refused: a few names and values are all Kubernetes sends. */
#define HEADERS_MAX (256u << 10)

/* ---- the dictionary: the draft's words, each behind its 32-bit length, then its tail ---- */

static const char *const dict_words[] = {
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
    "200 OK",
    "version",
    "HTTP/1.1",
    "url",
    "public",
    "set-cookie",
    "keep-alive",
    "origin",
};

static const char dict_tail[] =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 "
    "Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 "
    "Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, "
    "Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,"
    "application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch"
    "charset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

static uint8_t dict[1536];
static size_t dict_len;
static pthread_once_t dict_once = PTHREAD_ONCE_INIT;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void dict_build(void)
{
    size_t n = 0;
    for (size_t i = 0; i < C8S_ARRAY_SIZE(dict_words); i++) {
        size_t l = strlen(dict_words[i]);
        put32(dict + n, (uint32_t)l);
        memcpy(dict + n + 4, dict_words[i], l);
        n += 4 + l;
    }
    memcpy(dict + n, dict_tail, sizeof(dict_tail) - 1);
    dict_len = n + sizeof(dict_tail) - 1;
}

size_t spdy_dictionary(const uint8_t **out)
{
    pthread_once(&dict_once, dict_build);
    *out = dict;
    return dict_len;
}

/* ---- frames ---- */

int spdy_frame_parse(const uint8_t *buf, size_t len, spdy_frame_t *f, c8s_err_t *err)
{
    if (len < SPDY_HEADER_LEN)
        return 0;
    memset(f, 0, sizeof(*f));
    f->control = buf[0] & 0x80;
    if (f->control) {
        uint16_t version = (uint16_t)(((buf[0] & 0x7f) << 8) | buf[1]);
        if (version != 3)
            return c8s_err_set(err, C8S_EBADREQUEST, "SPDY version %u, not 3", version);
        f->type = (uint16_t)((buf[2] << 8) | buf[3]);
    } else {
        f->stream_id = get32(buf) & 0x7fffffff;
    }
    f->flags = buf[4];
    f->length = ((uint32_t)buf[5] << 16) | ((uint32_t)buf[6] << 8) | buf[7];
    return SPDY_HEADER_LEN;
}

uint32_t spdy_payload_stream(const uint8_t *payload, size_t len)
{
    return len < 4 ? 0 : get32(payload) & 0x7fffffff;
}

static void put_control(strbuf_t *b, uint16_t type, uint8_t flags, size_t len)
{
    uint8_t h[SPDY_HEADER_LEN] = {0x80,
                                  3,
                                  (uint8_t)(type >> 8),
                                  (uint8_t)type,
                                  flags,
                                  (uint8_t)(len >> 16),
                                  (uint8_t)(len >> 8),
                                  (uint8_t)len};
    strbuf_addn(b, (const char *)h, sizeof(h));
}

static void add32(strbuf_t *b, uint32_t v)
{
    uint8_t p[4];
    put32(p, v);
    strbuf_addn(b, (const char *)p, 4);
}

void spdy_put_data(strbuf_t *b, uint32_t stream, uint8_t flags, const void *data, size_t len)
{
    const char *p = data;
    /* A payload longer than a frame holds goes out as several (FIN on the last). */
    do {
        size_t n = len > SPDY_MAX_FRAME ? SPDY_MAX_FRAME : len;
        uint8_t f = n == len ? flags : 0;
        uint8_t h[SPDY_HEADER_LEN];
        put32(h, stream & 0x7fffffff);
        h[4] = f;
        h[5] = (uint8_t)(n >> 16);
        h[6] = (uint8_t)(n >> 8);
        h[7] = (uint8_t)n;
        strbuf_addn(b, (const char *)h, sizeof(h));
        strbuf_addn(b, p, n);
        p += n;
        len -= n;
    } while (len > 0);
}

void spdy_put_rst(strbuf_t *b, uint32_t stream, uint32_t status)
{
    put_control(b, SPDY_RST_STREAM, 0, 8);
    add32(b, stream & 0x7fffffff);
    add32(b, status);
}

void spdy_put_ping(strbuf_t *b, uint32_t id)
{
    put_control(b, SPDY_PING, 0, 4);
    add32(b, id);
}

void spdy_put_goaway(strbuf_t *b, uint32_t last_good, uint32_t status)
{
    put_control(b, SPDY_GOAWAY, 0, 8);
    add32(b, last_good & 0x7fffffff);
    add32(b, status);
}

/* ---- header blocks ---- */

struct spdy_zlib_s {
    z_stream z;
    bool deflate;
};

spdy_zlib_t *spdy_zlib_new(bool deflate)
{
    spdy_zlib_t *s = xcalloc(1, sizeof(*s));
    s->deflate = deflate;
    const uint8_t *d;
    size_t dl = spdy_dictionary(&d);
    if (deflate) {
        /* zlib fails here only without memory, which is no error path (xmalloc aborts too). */
        if (deflateInit(&s->z, Z_DEFAULT_COMPRESSION) != Z_OK ||
            deflateSetDictionary(&s->z, d, (uInt)dl) != Z_OK)
            abort();
    } else if (inflateInit(&s->z) != Z_OK) {
        abort();
    }
    return s;
}

void spdy_zlib_free(spdy_zlib_t *z)
{
    if (!z)
        return;
    if (z->deflate)
        deflateEnd(&z->z);
    else
        inflateEnd(&z->z);
    free(z);
}

/* Compresses the name/value block of headers, appending it to b. */
static void put_block(strbuf_t *b, spdy_zlib_t *z, const json_t *headers)
{
    strbuf_t raw = STRBUF_INIT;
    add32(&raw, (uint32_t)json_object_size(headers));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)headers, k, v)
    {
        size_t kl = strlen(k), vl = json_string_length(v);
        add32(&raw, (uint32_t)kl);
        for (size_t i = 0; i < kl; i++) {
            char c = k[i] >= 'A' && k[i] <= 'Z' ? (char)(k[i] + 32) : k[i];
            strbuf_addn(&raw, &c, 1);
        }
        add32(&raw, (uint32_t)vl);
        strbuf_addn(&raw, json_string_value(v) ? json_string_value(v) : "", vl);
    }
    z->z.next_in = (Bytef *)raw.s;
    z->z.avail_in = (uInt)raw.len;
    uint8_t out[4096];
    do {
        z->z.next_out = out;
        z->z.avail_out = sizeof(out);
        deflate(&z->z, Z_SYNC_FLUSH);
        strbuf_addn(b, (const char *)out, sizeof(out) - z->z.avail_out);
    } while (z->z.avail_out == 0);
    strbuf_free(&raw);
}

static void put_headers_frame(strbuf_t *b, spdy_zlib_t *z, uint16_t type, uint32_t stream,
                              uint8_t flags, const json_t *headers)
{
    json_t *none = headers ? NULL : json_object();
    strbuf_t body = STRBUF_INIT;
    add32(&body, stream & 0x7fffffff);
    if (type == SPDY_SYN_STREAM) {
        add32(&body, 0);             /* associated-to stream */
        strbuf_addn(&body, "\0", 2); /* priority 0, slot 0 */
    }
    put_block(&body, z, headers ? headers : none);
    put_control(b, type, flags, body.len);
    strbuf_addn(b, body.s, body.len);
    strbuf_free(&body);
    json_decref(none);
}

void spdy_put_syn_stream(strbuf_t *b, spdy_zlib_t *z, uint32_t stream, uint8_t flags,
                         const json_t *headers)
{
    put_headers_frame(b, z, SPDY_SYN_STREAM, stream, flags, headers);
}

void spdy_put_syn_reply(strbuf_t *b, spdy_zlib_t *z, uint32_t stream, uint8_t flags,
                        const json_t *headers)
{
    put_headers_frame(b, z, SPDY_SYN_REPLY, stream, flags, headers);
}

int spdy_headers_decode(spdy_zlib_t *z, const uint8_t *buf, size_t len, json_t **out,
                        c8s_err_t *err)
{
    *out = NULL;
    strbuf_t raw = STRBUF_INIT;
    z->z.next_in = (Bytef *)buf;
    z->z.avail_in = (uInt)len;
    const uint8_t *d;
    size_t dl = spdy_dictionary(&d);
    uint8_t chunk[4096];
    int rc = Z_OK;
    while (z->z.avail_in > 0 || rc == Z_NEED_DICT) {
        z->z.next_out = chunk;
        z->z.avail_out = sizeof(chunk);
        rc = inflate(&z->z, Z_SYNC_FLUSH);
        if (rc == Z_NEED_DICT) {
            if (inflateSetDictionary(&z->z, d, (uInt)dl) != Z_OK)
                break;
            rc = Z_OK;
            continue;
        }
        strbuf_addn(&raw, (const char *)chunk, sizeof(chunk) - z->z.avail_out);
        if (rc == Z_BUF_ERROR && z->z.avail_in == 0)
            rc = Z_OK; /* all input consumed */
        if (rc != Z_OK || raw.len > HEADERS_MAX)
            break;
        if (z->z.avail_out != 0 && z->z.avail_in == 0)
            break;
    }
    if (rc != Z_OK || raw.len > HEADERS_MAX) {
        strbuf_free(&raw);
        return c8s_err_set(err, C8S_EBADREQUEST, "SPDY header block: %s",
                           rc != Z_OK ? (z->z.msg ? z->z.msg : "corrupt") : "too large");
    }
    const uint8_t *p = (const uint8_t *)raw.s;
    size_t n = raw.len, off = 4;
    json_t *h = json_object();
    uint32_t count = n >= 4 ? get32(p) : 0;
    bool bad = n < 4;
    for (uint32_t i = 0; !bad && i < count; i++) {
        uint32_t kl = 0, vl = 0;
        if (off + 4 > n || (kl = get32(p + off)) > n - off - 4 || kl == 0) {
            bad = true;
            break;
        }
        const char *key = (const char *)p + off + 4;
        if (memchr(key, 0, kl)) { /* a name is a token: NUL separates only values */
            bad = true;
            break;
        }
        off += 4 + kl;
        if (off + 4 > n || (vl = get32(p + off)) > n - off - 4) {
            bad = true;
            break;
        }
        char *name = xstrndup(key, kl);
        for (char *c = name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c + 32);
        json_object_set_new(h, name, json_stringn((const char *)p + off + 4, vl));
        free(name);
        off += 4 + vl;
    }
    strbuf_free(&raw);
    if (bad) {
        json_decref(h);
        return c8s_err_set(err, C8S_EBADREQUEST, "SPDY header block: malformed name/value pairs");
    }
    *out = h;
    return 0;
}
