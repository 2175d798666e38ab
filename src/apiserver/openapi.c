/*
 * openapi.c — serving the OpenAPI documents, and fieldValidation against the same schema.
 *
 * The documents are pure functions of static tables (openapi.h), so they are built once per
 * process, on first use, and served as bytes. As upstream does, each v3 document is addressed by
 * a hash of its bytes (/openapi/v3/apis/apps/v1?hash=...) that the v3 index hands out: a request
 * carrying the current hash may be cached for good, one with a stale hash is redirected. Every
 * document carries an ETag, so If-None-Match revalidation answers 304.
 */
#include "internal.h"

#include "c8s/openapi.h"
#include "c8s/schema.h"
#include "c8s/strbuf.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char *path; /* "v2", "v3" (the index) or "v3/api/v1" */
    char *body;
    size_t len;
    char hash[17];
    char *pb; /* v2 only: the same document in protobuf */
    size_t pb_len;
    char pb_hash[17];
} doc_t;

/* The answer names the type with a dot: "@" is not allowed in a media type (Go rejects it). */
#define PB_V2_TYPE "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

static uv_once_t docs_once = UV_ONCE_INIT;
static doc_t *docs;
static size_t n_docs;

/* FNV-1a: the hash only has to change when the bytes do. */
static void hash_of(const char *s, size_t len, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, 17, "%016llX", (unsigned long long)h);
}

static void doc_set(doc_t *d, const char *path, json_t *v)
{
    d->path = xstrdup(path);
    d->body = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (!d->body)
        d->body = xstrdup("{}");
    d->len = strlen(d->body);
    hash_of(d->body, d->len, d->hash);
    json_decref(v);
}

/* Built once per process and kept until exit: the documents never change while it runs. */
static void build_docs(void)
{
    json_t *gvs = openapi_v3_group_versions();
    n_docs = 2 + json_array_size(gvs);
    docs = xcalloc(n_docs, sizeof(*docs));
    json_t *v2 = openapi_v2();
    docs[0].pb = openapi_v2_protobuf(v2, &docs[0].pb_len);
    hash_of(docs[0].pb, docs[0].pb_len, docs[0].pb_hash);
    doc_set(&docs[0], "v2", v2);
    json_t *index = json_object();
    size_t i;
    json_t *gv;
    json_array_foreach(gvs, i, gv)
    {
        const char *name = json_string_value(gv);
        char group[128] = "", version[64] = "";
        if (strncmp(name, "api/", 4) == 0)
            snprintf(version, sizeof(version), "%s", name + 4);
        else if (sscanf(name, "apis/%127[^/]/%63s", group, version) != 2)
            continue;
        char path[256];
        snprintf(path, sizeof(path), "v3/%s", name);
        json_t *doc = openapi_v3_group_version(group, version);
        if (!doc)
            doc = json_object();
        doc_set(&docs[2 + i], path, doc);
        json_object_set_new(index, name,
                            json_pack("{s:s+++}", "serverRelativeURL", "/openapi/v3/", name,
                                      "?hash=", docs[2 + i].hash));
    }
    json_decref(gvs);
    doc_set(&docs[1], "v3", json_pack("{s:o}", "paths", index));
}

void apiserver__add_header(api_req_t *r, const char *name, const char *value)
{
    if (!r->resp_headers)
        r->resp_headers = json_array();
    json_array_append_new(r->resp_headers, json_pack("[s, s]", name, value));
}

static bool accepts_json(const api_req_t *r)
{
    const char *a = r->accept;
    return !a || !*a || strstr(a, "json") || strstr(a, "*/*");
}

/* client-go asks for /openapi/v2 in protobuf only (kubectl ≤ 1.28 needs it to validate). */
static bool wants_pb(const api_req_t *r, const doc_t *d)
{
    return d->pb && r->accept && strstr(r->accept, "protobuf") && !strstr(r->accept, "json");
}

static void serve(api_req_t *r, const doc_t *d)
{
    bool pb = wants_pb(r, d);
    char etag[24];
    snprintf(etag, sizeof(etag), "\"%s\"", pb ? d->pb_hash : d->hash);
    const char *hash = apiserver__query(r, "hash");
    if (hash && strcmp(hash, d->hash) != 0) {
        char loc[320];
        snprintf(loc, sizeof(loc), "/openapi/%s?hash=%s", d->path, d->hash);
        apiserver__add_header(r, "Location", loc);
        apiserver__respond(r, 301, "text/plain; charset=utf-8", "", 0);
        return;
    }
    apiserver__add_header(r, "ETag", etag);
    apiserver__add_header(r, "Vary", "Accept");
    if (hash)
        apiserver__add_header(r, "Cache-Control", "public, immutable");
    else
        apiserver__add_header(r, "Cache-Control", "no-cache, private");
    if (r->if_none_match && strstr(r->if_none_match, etag)) {
        apiserver__respond(r, 304, NULL, "", 0);
        return;
    }
    if (pb)
        apiserver__respond(r, 200, PB_V2_TYPE, d->pb, d->pb_len);
    else
        apiserver__respond(r, 200, "application/json", d->body, d->len);
}

bool apiserver__openapi(api_req_t *r)
{
    if (strncmp(r->path, "/openapi/", 9) != 0)
        return false;
    r->verb = r->method;
    r->metric_resource = "openapi";
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        apiserver__respond_code(r, C8S_EMETHOD,
                                "the server does not allow this method on the requested resource");
        return true;
    }
    uv_once(&docs_once, build_docs);
    const char *want = r->path + 9;
    size_t n = strlen(want);
    while (n > 0 && want[n - 1] == '/')
        n--;
    for (size_t i = 0; i < n_docs; i++) {
        if (strlen(docs[i].path) != n || strncmp(docs[i].path, want, n) != 0)
            continue;
        if (!accepts_json(r) && !wants_pb(r, &docs[i])) {
            apiserver__respond_code(r, C8S_ENOTACCEPT,
                                    "only application/json is served for OpenAPI documents");
            return true;
        }
        serve(r, &docs[i]);
        return true;
    }
    apiserver__respond_code(r, C8S_ENOTFOUND, "the server could not find the requested resource");
    return true;
}

int apiserver__field_validation_param(api_req_t *r, c8s_err_t *err)
{
    const char *v = apiserver__query(r, "fieldValidation");
    r->field_validation = API_FV_WARN; /* upstream's default since 1.25 */
    if (!v || !*v || strcmp(v, "Warn") == 0)
        return 0;
    if (strcmp(v, "Strict") == 0)
        r->field_validation = API_FV_STRICT;
    else if (strcmp(v, "Ignore") == 0)
        r->field_validation = API_FV_IGNORE;
    else
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "fieldValidation parameter unsupported: %s (supported: Ignore, Warn, "
                           "Strict)",
                           v);
    return 0;
}

int apiserver__field_check(api_req_t *r, json_t *obj, const json_t *old, const char *body,
                           size_t len, c8s_err_t *err)
{
    if (r->call || !r->kind)
        return 0;
    cleanup_json json_t *problems =
        schema_unknown_fields(r->kind, obj, old, r->field_validation != API_FV_STRICT);
    if (body && r->content_type && strstr(r->content_type, "json") &&
        !(body == r->body && r->body_unique))
        schema_duplicate_fields(body, len, problems);
    if (!json_array_size(problems) || r->field_validation == API_FV_IGNORE)
        return 0;
    size_t i;
    json_t *p;
    if (r->field_validation == API_FV_STRICT) {
        strbuf_t b = STRBUF_INIT;
        json_array_foreach(problems, i, p) strbuf_sep(&b, ", ", json_string_value(p));
        cleanup_free char *all = strbuf_take(&b);
        /* Upstream's decoder says which type it was decoding a whole body into; a patch's
         * errors come from re-decoding the patched object and carry no such prefix. */
        if (r->verb && strcmp(r->verb, "PATCH") != 0)
            return c8s_err_set(err, C8S_EBADREQUEST,
                               "%s in version \"%s\" cannot be handled as a %s: strict decoding "
                               "error: %s",
                               r->kind->kind, r->kind->version, r->kind->kind, all);
        return c8s_err_set(err, C8S_EBADREQUEST, "strict decoding error: %s", all);
    }
    json_array_foreach(problems, i, p)
    {
        /* RFC 7234 warn-text is a quoted string: escape quotes and backslashes. */
        strbuf_t b = STRBUF_INIT;
        strbuf_add(&b, "299 - \"");
        for (const char *c = json_string_value(p); *c; c++) {
            if (*c == '"' || *c == '\\')
                strbuf_addn(&b, "\\", 1);
            strbuf_addn(&b, c, 1);
        }
        strbuf_add(&b, "\"");
        cleanup_free char *w = strbuf_take(&b);
        apiserver__add_header(r, "Warning", w);
    }
    return 0;
}
