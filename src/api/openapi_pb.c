/*
 * openapi_pb.c — the Swagger 2.0 document in protobuf, as gnostic's openapi.v2.Document message
 * (OpenAPIv2.proto) that client-go's OpenAPISchema() asks /openapi/v2 for: kubectl up to 1.28
 * reads it to learn that the server validates fields (the fieldValidation parameter on a kind's
 * PATCH operation) and for apply's patch metadata. Only what openapi_v2() writes is encoded;
 * vendor extensions carry their value as YAML text (JSON is YAML), as gnostic does.
 */
#include "c8s/openapi.h"

#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static void put_varint(strbuf_t *b, uint64_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (char)(v & 0x7f);
        v >>= 7;
        if (v)
            tmp[n] |= (char)0x80;
        n++;
    } while (v);
    strbuf_addn(b, tmp, n);
}

static void put_bytes(strbuf_t *b, unsigned field, const char *s, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    if (n)
        strbuf_addn(b, s, n);
}

static void put_str(strbuf_t *b, unsigned field, const char *s)
{
    if (s && *s)
        put_bytes(b, field, s, strlen(s));
}

static void put_bool(strbuf_t *b, unsigned field, bool v)
{
    if (!v)
        return;
    put_varint(b, (uint64_t)field << 3);
    put_varint(b, 1);
}

/* A sub-message: its bytes were built in m (consumed). */
static void put_msg(strbuf_t *b, unsigned field, strbuf_t *m)
{
    put_bytes(b, field, m->s ? m->s : "", m->len);
    strbuf_free(m);
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* NamedAny{name, Any{yaml}} for every x- key of o. */
static void put_extensions(strbuf_t *b, unsigned field, const json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (strncmp(k, "x-", 2) != 0)
            continue;
        char *yaml = json_is_string(v) ? xstrdup(json_string_value(v))
                                       : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        strbuf_t any = STRBUF_INIT, named = STRBUF_INIT;
        put_str(&any, 2, yaml ? yaml : "");
        free(yaml);
        put_str(&named, 1, k);
        put_msg(&named, 2, &any);
        put_msg(b, field, &named);
    }
}

static void put_schema(strbuf_t *b, const json_t *s);

static void put_schema_field(strbuf_t *b, unsigned field, const json_t *s)
{
    strbuf_t m = STRBUF_INIT;
    put_schema(&m, s);
    put_msg(b, field, &m);
}

static void put_schema(strbuf_t *b, const json_t *s)
{
    put_str(b, 1, jstr(s, "$ref"));
    put_str(b, 2, jstr(s, "format"));
    put_str(b, 4, jstr(s, "description"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(s, "required"), i, v) put_str(b, 19, json_string_value(v));
    json_array_foreach(json_object_get(s, "enum"), i, v)
    {
        strbuf_t any = STRBUF_INIT;
        put_str(&any, 2, json_string_value(v));
        put_msg(b, 20, &any);
    }
    json_t *ap = json_object_get(s, "additionalProperties");
    if (json_is_object(ap)) {
        strbuf_t item = STRBUF_INIT;
        put_schema_field(&item, 1, ap);
        put_msg(b, 21, &item);
    }
    if (jstr(s, "type")) {
        strbuf_t t = STRBUF_INIT;
        put_str(&t, 1, jstr(s, "type"));
        put_msg(b, 22, &t);
    }
    json_t *items = json_object_get(s, "items");
    if (json_is_object(items)) {
        strbuf_t it = STRBUF_INIT;
        put_schema_field(&it, 1, items);
        put_msg(b, 23, &it);
    }
    json_array_foreach(json_object_get(s, "allOf"), i, v) put_schema_field(b, 24, v);
    json_t *props = json_object_get(s, "properties");
    if (json_is_object(props)) {
        strbuf_t p = STRBUF_INIT;
        const char *k;
        json_object_foreach(props, k, v)
        {
            strbuf_t named = STRBUF_INIT;
            put_str(&named, 1, k);
            put_schema_field(&named, 2, v);
            put_msg(&p, 1, &named);
        }
        put_msg(b, 25, &p);
    }
    put_extensions(b, 31, s);
}

static void put_param(strbuf_t *b, unsigned field, const json_t *p)
{
    strbuf_t param = STRBUF_INIT, item = STRBUF_INIT;
    const char *in = jstr(p, "in");
    if (in && strcmp(in, "body") == 0) {
        strbuf_t body = STRBUF_INIT;
        put_str(&body, 1, jstr(p, "description"));
        put_str(&body, 2, jstr(p, "name"));
        put_str(&body, 3, in);
        put_bool(&body, 4, json_is_true(json_object_get(p, "required")));
        if (json_object_get(p, "schema"))
            put_schema_field(&body, 5, json_object_get(p, "schema"));
        put_msg(&param, 1, &body);
    } else {
        /* Query and path sub-schemas share their first fields; only `type` moves. */
        bool query = in && strcmp(in, "query") == 0;
        strbuf_t sub = STRBUF_INIT, nb = STRBUF_INIT;
        put_bool(&sub, 1, json_is_true(json_object_get(p, "required")));
        put_str(&sub, 2, in);
        put_str(&sub, 3, jstr(p, "description"));
        put_str(&sub, 4, jstr(p, "name"));
        put_str(&sub, query ? 6 : 5, jstr(p, "type"));
        put_msg(&nb, query ? 3 : 4, &sub);
        put_msg(&param, 2, &nb);
    }
    put_msg(&item, 1, &param);
    put_msg(b, field, &item);
}

static void put_strings(strbuf_t *b, unsigned field, const json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) put_str(b, field, json_string_value(v));
}

static void put_operation(strbuf_t *b, unsigned field, const json_t *op)
{
    if (!json_is_object(op))
        return;
    strbuf_t m = STRBUF_INIT;
    put_strings(&m, 1, json_object_get(op, "tags"));
    put_str(&m, 3, jstr(op, "description"));
    put_str(&m, 5, jstr(op, "operationId"));
    put_strings(&m, 6, json_object_get(op, "produces"));
    put_strings(&m, 7, json_object_get(op, "consumes"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(op, "parameters"), i, v) put_param(&m, 8, v);
    strbuf_t responses = STRBUF_INIT;
    const char *code;
    json_object_foreach(json_object_get(op, "responses"), code, v)
    {
        strbuf_t resp = STRBUF_INIT, value = STRBUF_INIT, named = STRBUF_INIT;
        put_str(&resp, 1, jstr(v, "description"));
        if (json_object_get(v, "schema")) {
            strbuf_t item = STRBUF_INIT;
            put_schema_field(&item, 1, json_object_get(v, "schema"));
            put_msg(&resp, 2, &item);
        }
        put_msg(&value, 1, &resp);
        put_str(&named, 1, code);
        put_msg(&named, 2, &value);
        put_msg(&responses, 1, &named);
    }
    put_msg(&m, 9, &responses);
    put_extensions(&m, 13, op);
    put_msg(b, field, &m);
}

char *openapi_v2_protobuf(const json_t *doc, size_t *len)
{
    strbuf_t b = STRBUF_INIT;
    put_str(&b, 1, jstr(doc, "swagger"));
    json_t *info = json_object_get(doc, "info");
    strbuf_t im = STRBUF_INIT;
    put_str(&im, 1, jstr(info, "title"));
    put_str(&im, 2, jstr(info, "version"));
    put_msg(&b, 2, &im);

    static const struct {
        const char *verb;
        unsigned field;
    } verbs[] = {{"get", 2}, {"put", 3}, {"post", 4}, {"delete", 5}, {"patch", 8}};
    strbuf_t paths = STRBUF_INIT;
    const char *p;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), p, item)
    {
        strbuf_t pi = STRBUF_INIT, named = STRBUF_INIT;
        for (size_t i = 0; i < C8S_ARRAY_SIZE(verbs); i++)
            put_operation(&pi, verbs[i].field, json_object_get(item, verbs[i].verb));
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(item, "parameters"), i, v) put_param(&pi, 9, v);
        put_str(&named, 1, p);
        put_msg(&named, 2, &pi);
        put_msg(&paths, 2, &named);
    }
    put_msg(&b, 8, &paths);

    strbuf_t defs = STRBUF_INIT;
    json_object_foreach(json_object_get(doc, "definitions"), p, item)
    {
        strbuf_t named = STRBUF_INIT;
        put_str(&named, 1, p);
        put_schema_field(&named, 2, item);
        put_msg(&defs, 1, &named);
    }
    put_msg(&b, 9, &defs);
    *len = b.len;
    return strbuf_take(&b);
}
