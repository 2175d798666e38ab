/*
 * protobuf.c — a small protobuf wire decoder for Kubernetes request bodies: the "k8s\0" magic,
 * the runtime.Unknown envelope, then the object walked against the table in protobuf_types.c.
 *
 * Upstream's generated marshallers (proto2, gogo) always write non-pointer scalars, even empty
 * strings, zeros and false; JSON omits those (omitempty), so they are dropped here unless the
 * table marks the field PB_KEEPZERO (pointers, non-omitempty fields). Embedded structs are always
 * written, as a message of length zero when empty, and JSON writes them as {} too.
 */
#include "c8s/protobuf.h"
#include "protobuf_int.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The table has no cycles, so nesting is bounded by it (CronJob → … → EnvVarSource is about a
 * dozen deep); the limit guards a future recursive type (JSONSchemaProps) from hostile input. */
#define PB_MAX_DEPTH 40

enum { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

typedef struct {
    const uint8_t *p, *end;
} pb_buf_t;

static int bad(c8s_err_t *err, const char *what)
{
    return c8s_err_set(err, C8S_EBADREQUEST, "protobuf body: %s", what);
}

static int read_varint(pb_buf_t *b, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        uint8_t c = *b->p++;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* A length-delimited payload: bounded by what is left of the enclosing message. */
static int read_len(pb_buf_t *b, pb_buf_t *sub)
{
    uint64_t n;
    if (read_varint(b, &n) != 0 || n > (uint64_t)(b->end - b->p))
        return -1;
    sub->p = b->p;
    sub->end = b->p + n;
    b->p += n;
    return 0;
}

static int skip(pb_buf_t *b, unsigned wt)
{
    uint64_t v;
    pb_buf_t sub;
    switch (wt) {
    case WT_VARINT:
        return read_varint(b, &v);
    case WT_FIXED64:
        if (b->end - b->p < 8)
            return -1;
        b->p += 8;
        return 0;
    case WT_FIXED32:
        if (b->end - b->p < 4)
            return -1;
        b->p += 4;
        return 0;
    case WT_LEN:
        return read_len(b, &sub);
    default: /* groups (3, 4) are not used by Kubernetes; 6, 7 do not exist */
        return -1;
    }
}

static int read_tag(pb_buf_t *b, unsigned *num, unsigned *wt)
{
    uint64_t key;
    if (read_varint(b, &key) != 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return -1;
    *num = (unsigned)(key >> 3);
    *wt = (unsigned)(key & 7);
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64_json(const uint8_t *p, size_t n)
{
    size_t olen = (n + 2) / 3 * 4;
    char *out = xmalloc(olen + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j;
}

static json_t *string_json(const pb_buf_t *s, c8s_err_t *err)
{
    json_t *j = json_stringn((const char *)s->p, (size_t)(s->end - s->p));
    if (!j)
        bad(err, "a string field is not valid UTF-8");
    return j;
}

/* Quantity {1: string}. */
static json_t *quantity_json(pb_buf_t b, c8s_err_t *err)
{
    json_t *out = NULL;
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            goto malformed;
        if (num == 1 && wt == WT_LEN) {
            pb_buf_t s;
            if (read_len(&b, &s) != 0)
                goto malformed;
            json_decref(out);
            if (!(out = string_json(&s, err)))
                return NULL;
        } else if (skip(&b, wt) != 0) {
            goto malformed;
        }
    }
    return out ? out : json_string("0");
malformed:
    json_decref(out);
    bad(err, "malformed Quantity");
    return NULL;
}

/* IntOrString {1: type (0 int, 1 string), 2: intVal, 3: strVal}. */
static json_t *intorstr_json(pb_buf_t b, c8s_err_t *err)
{
    uint64_t type = 0, iv = 0;
    pb_buf_t sv = {NULL, NULL};
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            goto malformed;
        if (num == 1 && wt == WT_VARINT) {
            if (read_varint(&b, &type) != 0)
                goto malformed;
        } else if (num == 2 && wt == WT_VARINT) {
            if (read_varint(&b, &iv) != 0)
                goto malformed;
        } else if (num == 3 && wt == WT_LEN) {
            if (read_len(&b, &sv) != 0)
                goto malformed;
        } else if (skip(&b, wt) != 0) {
            goto malformed;
        }
    }
    if (type == 1) {
        if (!sv.p)
            return json_string("");
        return string_json(&sv, err);
    }
    return json_integer((int32_t)(uint32_t)iv);
malformed:
    bad(err, "malformed IntOrString");
    return NULL;
}

/* Time {1: seconds, 2: nanos}; NULL with no error for the zero time (JSON writes null, omitted
 * here). Nanos are dropped: metav1.Time is serialized to the second in JSON. */
static int time_json(pb_buf_t b, json_t **out, c8s_err_t *err)
{
    uint64_t secs = 0, nanos = 0;
    *out = NULL;
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            return bad(err, "malformed Time");
        if (num == 1 && wt == WT_VARINT) {
            if (read_varint(&b, &secs) != 0)
                return bad(err, "malformed Time");
        } else if (num == 2 && wt == WT_VARINT) {
            if (read_varint(&b, &nanos) != 0)
                return bad(err, "malformed Time");
        } else if (skip(&b, wt) != 0) {
            return bad(err, "malformed Time");
        }
    }
    int64_t s = (int64_t)secs;
    if (s == 0 && nanos == 0)
        return 0;
    /* year 0001..9999, the range RFC 3339 can spell */
    if (s < -62135596800LL || s > 253402300799LL)
        return bad(err, "Time out of range");
    time_t t = (time_t)s;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&t, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return bad(err, "Time out of range");
    *out = json_string(buf);
    return 0;
}

static int decode_msg(pb_buf_t b, const pb_type_t *t, json_t *obj, int depth, c8s_err_t *err);

/* A map entry {1: key, 2: value} into obj[key]. */
static int decode_entry(pb_buf_t b, pb_kind_t kind, json_t *obj, c8s_err_t *err)
{
    pb_buf_t key = {NULL, NULL}, val = {NULL, NULL};
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            return bad(err, "malformed map entry");
        if ((num == 1 || num == 2) && wt == WT_LEN) {
            if (read_len(&b, num == 1 ? &key : &val) != 0)
                return bad(err, "malformed map entry");
        } else if (skip(&b, wt) != 0) {
            return bad(err, "malformed map entry");
        }
    }
    if (!key.p)
        key.p = key.end = (const uint8_t *)"";
    if (!val.p)
        val.p = val.end = (const uint8_t *)"";
    json_t *k = string_json(&key, err);
    if (!k)
        return err->code;
    json_t *v = kind == PB_MAP_STR     ? string_json(&val, err)
                : kind == PB_MAP_BYTES ? base64_json(val.p, (size_t)(val.end - val.p))
                                       : quantity_json(val, err);
    if (!v) {
        json_decref(k);
        return err->code ? err->code : bad(err, "malformed map value");
    }
    json_object_set_new(obj, json_string_value(k), v);
    json_decref(k);
    return 0;
}

static void put(json_t *obj, const pb_field_t *f, json_t *v)
{
    if (f->flags & PB_REPEATED) {
        json_t *arr = json_object_get(obj, f->json);
        if (!json_is_array(arr)) {
            arr = json_array();
            json_object_set_new(obj, f->json, arr);
        }
        json_array_append_new(arr, v);
    } else {
        json_object_set_new(obj, f->json, v);
    }
}

static json_t *scalar_json(const pb_field_t *f, uint64_t v)
{
    bool keep = (f->flags & (PB_KEEPZERO | PB_REPEATED)) != 0;
    if (!keep && v == 0)
        return NULL;
    switch (f->kind) {
    case PB_INT32:
        return json_integer((int32_t)(uint32_t)v);
    case PB_INT64:
        return json_integer((json_int_t)v);
    default:
        return json_boolean(v != 0);
    }
}

static int decode_varint_field(pb_buf_t *b, unsigned wt, const pb_field_t *f, json_t *obj,
                               c8s_err_t *err)
{
    uint64_t v;
    if (wt == WT_VARINT) {
        if (read_varint(b, &v) != 0)
            return bad(err, "truncated varint");
        json_t *j = scalar_json(f, v);
        if (j)
            put(obj, f, j);
        return 0;
    }
    /* packed repeated scalars: accepted though upstream writes them unpacked */
    pb_buf_t sub;
    if (wt != WT_LEN || !(f->flags & PB_REPEATED) || read_len(b, &sub) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "protobuf body: field %s has wire type %u",
                           f->json, wt);
    while (sub.p < sub.end) {
        if (read_varint(&sub, &v) != 0)
            return bad(err, "truncated packed field");
        put(obj, f, scalar_json(f, v));
    }
    return 0;
}

static int decode_field(pb_buf_t *b, unsigned wt, const pb_field_t *f, json_t *obj, int depth,
                        c8s_err_t *err)
{
    if (f->kind == PB_INT32 || f->kind == PB_INT64 || f->kind == PB_BOOL)
        return decode_varint_field(b, wt, f, obj, err);
    pb_buf_t s;
    if (wt != WT_LEN)
        return c8s_err_set(err, C8S_EBADREQUEST, "protobuf body: field %s has wire type %u",
                           f->json, wt);
    if (read_len(b, &s) != 0)
        return bad(err, "truncated length-delimited field");
    json_t *v = NULL;
    switch (f->kind) {
    case PB_STRING:
        if (s.p == s.end && !(f->flags & (PB_KEEPZERO | PB_REPEATED)))
            return 0;
        if (!(v = string_json(&s, err)))
            return err->code;
        break;
    case PB_BYTES:
        if (s.p == s.end && !(f->flags & (PB_KEEPZERO | PB_REPEATED)))
            return 0;
        v = base64_json(s.p, (size_t)(s.end - s.p));
        break;
    case PB_QUANTITY:
        if (!(v = quantity_json(s, err)))
            return err->code;
        break;
    case PB_INTORSTR:
        if (!(v = intorstr_json(s, err)))
            return err->code;
        break;
    case PB_TIME:
        if (time_json(s, &v, err) != 0)
            return err->code;
        if (!v)
            return 0;
        break;
    case PB_MAP_STR:
    case PB_MAP_BYTES:
    case PB_MAP_QTY: {
        json_t *m = json_object_get(obj, f->json);
        if (!json_is_object(m)) {
            m = json_object();
            json_object_set_new(obj, f->json, m);
        }
        return decode_entry(s, f->kind, m, err);
    }
    case PB_MSG:
        if (depth >= PB_MAX_DEPTH)
            return bad(err, "nested too deep");
        if (f->flags & PB_INLINE)
            return decode_msg(s, f->msg, obj, depth + 1, err);
        /* a singular message met twice merges, as protobuf specifies */
        v = (f->flags & PB_REPEATED) ? NULL : json_object_get(obj, f->json);
        if (json_is_object(v))
            return decode_msg(s, f->msg, v, depth + 1, err);
        v = json_object();
        if (decode_msg(s, f->msg, v, depth + 1, err) != 0) {
            json_decref(v);
            return err->code;
        }
        break;
    default:
        return bad(err, "internal: unknown field kind");
    }
    put(obj, f, v);
    return 0;
}

static const pb_field_t *find_field(const pb_type_t *t, unsigned num)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].num == num)
            return &t->fields[i];
    return NULL;
}

static int decode_msg(pb_buf_t b, const pb_type_t *t, json_t *obj, int depth, c8s_err_t *err)
{
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            return bad(err, "malformed field key");
        const pb_field_t *f = find_field(t, num);
        if (!f) {
            if (skip(&b, wt) != 0)
                return bad(err, "malformed unknown field");
            continue;
        }
        if (decode_field(&b, wt, f, obj, depth, err) != 0)
            return err->code;
    }
    return 0;
}

static const pb_type_t *kind_type(const char *kind)
{
    for (size_t i = 0; i < pb__nkinds; i++)
        if (strcmp(pb__kinds[i].kind, kind) == 0)
            return pb__kinds[i].type;
    return NULL;
}

int protobuf_kind_known(const char *kind)
{
    return kind && kind_type(kind) != NULL;
}

/* runtime.TypeMeta {1: apiVersion, 2: kind}. */
static int decode_typemeta(pb_buf_t b, json_t *obj, c8s_err_t *err)
{
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0)
            return bad(err, "malformed typeMeta");
        if ((num == 1 || num == 2) && wt == WT_LEN) {
            pb_buf_t s;
            if (read_len(&b, &s) != 0)
                return bad(err, "malformed typeMeta");
            json_t *v = string_json(&s, err);
            if (!v)
                return err->code;
            json_object_set_new(obj, num == 1 ? "apiVersion" : "kind", v);
        } else if (skip(&b, wt) != 0) {
            return bad(err, "malformed typeMeta");
        }
    }
    return 0;
}

int protobuf_decode(const void *body, size_t len, json_t **out, c8s_err_t *err)
{
    *out = NULL;
    if (len < 4 || memcmp(body, "k8s\0", 4) != 0)
        return bad(err, "missing the k8s magic prefix");
    pb_buf_t b = {(const uint8_t *)body + 4, (const uint8_t *)body + len};
    pb_buf_t raw = {NULL, NULL}, enc = {NULL, NULL};
    json_t *obj = json_object();
    while (b.p < b.end) {
        unsigned num, wt;
        if (read_tag(&b, &num, &wt) != 0) {
            bad(err, "malformed envelope");
            goto fail;
        }
        pb_buf_t s;
        if (num >= 1 && num <= 3 && wt == WT_LEN) {
            if (read_len(&b, &s) != 0) {
                bad(err, "malformed envelope");
                goto fail;
            }
            if (num == 1 && decode_typemeta(s, obj, err) != 0)
                goto fail;
            if (num == 2)
                raw = s;
            if (num == 3)
                enc = s;
        } else if (skip(&b, wt) != 0) {
            bad(err, "malformed envelope");
            goto fail;
        }
    }
    if (enc.p && enc.p != enc.end) {
        c8s_err_set(err, C8S_EMEDIATYPE, "protobuf body: content encoding \"%.*s\" unsupported",
                    (int)(enc.end - enc.p), (const char *)enc.p);
        goto fail;
    }
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (!kind || !*kind) {
        bad(err, "the envelope names no kind");
        goto fail;
    }
    const pb_type_t *t = kind_type(kind);
    if (!t) {
        c8s_err_set(err, C8S_EMEDIATYPE,
                    "the body of the request was in an unknown format - protobuf is decoded for "
                    "the kinds kubectl create sends, not %s; accepted media types include: "
                    "application/json, application/yaml",
                    kind);
        goto fail;
    }
    if (raw.p && decode_msg(raw, t, obj, 0, err) != 0)
        goto fail;
    *out = obj;
    return 0;
fail:
    json_decref(obj);
    return err->code;
}
