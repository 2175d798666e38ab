/* patch.c — JSON merge patch (RFC 7386) and JSON patch (RFC 6902). */
#include "c8s/patch.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

json_t *patch_merge(const json_t *target, const json_t *patch)
{
    if (!json_is_object(patch))
        return json_deep_copy(patch);
    json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v)
    {
        if (json_is_null(v)) {
            json_object_del(out, k);
            continue;
        }
        json_t *merged = patch_merge(json_object_get(out, k), v);
        json_object_set_new(out, k, merged);
    }
    return out;
}

/* Resolves a JSON pointer's parent container and last token. The token is unescaped into tok. */
static json_t *pointer_parent(json_t *doc, const char *ptr, char *tok, size_t toklen)
{
    if (ptr[0] != '/')
        return NULL;
    json_t *cur = doc;
    const char *p = ptr + 1;
    for (;;) {
        size_t n = 0;
        const char *q = p;
        while (*q && *q != '/') {
            if (*q == '~' && (q[1] == '0' || q[1] == '1')) {
                if (n + 1 < toklen)
                    tok[n++] = q[1] == '0' ? '~' : '/';
                q += 2;
                continue;
            }
            if (n + 1 < toklen)
                tok[n++] = *q;
            q++;
        }
        tok[n] = '\0';
        if (!*q)
            return cur;
        if (json_is_object(cur))
            cur = json_object_get(cur, tok);
        else if (json_is_array(cur)) {
            char *end;
            long idx = strtol(tok, &end, 10);
            if (*end || idx < 0 || (size_t)idx >= json_array_size(cur))
                return NULL;
            cur = json_array_get(cur, (size_t)idx);
        } else {
            return NULL;
        }
        if (!cur)
            return NULL;
        p = q + 1;
    }
}

static json_t *pointer_get(json_t *doc, const char *ptr)
{
    if (ptr[0] == '\0')
        return doc;
    char tok[512];
    json_t *parent = pointer_parent(doc, ptr, tok, sizeof(tok));
    if (json_is_object(parent))
        return json_object_get(parent, tok);
    if (json_is_array(parent)) {
        char *end;
        long idx = strtol(tok, &end, 10);
        if (*end || idx < 0)
            return NULL;
        return json_array_get(parent, (size_t)idx);
    }
    return NULL;
}

static int op_remove(json_t *doc, const char *path, json_t **removed, c8s_err_t *err)
{
    char tok[512];
    json_t *parent = pointer_parent(doc, path, tok, sizeof(tok));
    if (json_is_object(parent)) {
        json_t *v = json_object_get(parent, tok);
        if (!v)
            return c8s_err_set(err, C8S_EINVALID,
                               "the server rejected our request due to an error in our request: "
                               "remove operation does not apply: doc is missing path: \"%s\"",
                               path);
        if (removed)
            *removed = json_incref(v);
        json_object_del(parent, tok);
        return 0;
    }
    if (json_is_array(parent)) {
        char *end;
        long idx = strtol(tok, &end, 10);
        if (!*tok || *end || idx < 0 || (size_t)idx >= json_array_size(parent))
            return c8s_err_set(err, C8S_EINVALID,
                               "remove operation does not apply: doc is missing path: \"%s\"",
                               path);
        if (removed)
            *removed = json_incref(json_array_get(parent, (size_t)idx));
        json_array_remove(parent, (size_t)idx);
        return 0;
    }
    return c8s_err_set(err, C8S_EINVALID,
                       "remove operation does not apply: doc is missing path: \"%s\"", path);
}

/* value is stolen. */
static int op_add(json_t *doc, const char *path, json_t *value, bool replace, c8s_err_t *err)
{
    char tok[512];
    json_t *parent = pointer_parent(doc, path, tok, sizeof(tok));
    if (json_is_object(parent)) {
        if (replace && !json_object_get(parent, tok)) {
            json_decref(value);
            return c8s_err_set(err, C8S_EINVALID,
                               "replace operation does not apply: doc is missing key: %s", path);
        }
        json_object_set_new(parent, tok, value);
        return 0;
    }
    if (json_is_array(parent)) {
        size_t n = json_array_size(parent);
        if (!replace && strcmp(tok, "-") == 0) {
            json_array_append_new(parent, value);
            return 0;
        }
        char *end;
        long idx = strtol(tok, &end, 10);
        if (!*tok || *end || idx < 0 || (size_t)idx > n || (replace && (size_t)idx == n)) {
            json_decref(value);
            return c8s_err_set(err, C8S_EINVALID,
                               "%s operation does not apply: doc is missing path: \"%s\"",
                               replace ? "replace" : "add", path);
        }
        if (replace)
            json_array_set_new(parent, (size_t)idx, value);
        else
            json_array_insert_new(parent, (size_t)idx, value);
        return 0;
    }
    json_decref(value);
    return c8s_err_set(err, C8S_EINVALID,
                       "%s operation does not apply: doc is missing path: \"%s\"",
                       replace ? "replace" : "add", path);
}

static int apply_op(json_t *doc, const json_t *op, c8s_err_t *err)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    if (!name || !path)
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "invalid JSON patch operation: op and path are "
                           "required");
    json_t *value = json_object_get(op, "value");
    if (strcmp(name, "add") == 0 || strcmp(name, "replace") == 0) {
        if (!value)
            return c8s_err_set(err, C8S_EBADREQUEST, "%s operation requires a value", name);
        if (path[0] == '\0')
            return c8s_err_set(err, C8S_EBADREQUEST, "cannot replace the whole document");
        return op_add(doc, path, json_deep_copy(value), strcmp(name, "replace") == 0, err);
    }
    if (strcmp(name, "remove") == 0)
        return op_remove(doc, path, NULL, err);
    if (strcmp(name, "test") == 0) {
        json_t *cur = pointer_get(doc, path);
        if (!cur || !value || !json_equal(cur, value))
            return c8s_err_set(err, C8S_EINVALID, "testing value %s failed", path);
        return 0;
    }
    const char *from = json_string_value(json_object_get(op, "from"));
    if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
        if (!from)
            return c8s_err_set(err, C8S_EBADREQUEST, "%s operation requires from", name);
        if (strcmp(name, "move") == 0) {
            json_t *v = NULL;
            if (op_remove(doc, from, &v, err) != 0)
                return err->code;
            return op_add(doc, path, v, false, err);
        }
        json_t *v = pointer_get(doc, from);
        if (!v)
            return c8s_err_set(err, C8S_EINVALID, "copy operation does not apply: missing %s",
                               from);
        return op_add(doc, path, json_deep_copy(v), false, err);
    }
    return c8s_err_set(err, C8S_EBADREQUEST, "Unexpected kind: %s", name);
}

int patch_json(const json_t *doc, const json_t *ops, json_t **out, c8s_err_t *err)
{
    if (!json_is_array(ops))
        return c8s_err_set(err, C8S_EBADREQUEST,
                           "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    json_t *work = json_deep_copy(doc);
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        if (!json_is_object(op) || apply_op(work, op, err) != 0) {
            if (!err->code)
                c8s_err_set(err, C8S_EBADREQUEST, "invalid JSON patch operation at %zu", i);
            json_decref(work);
            return err->code;
        }
    }
    *out = work;
    return 0;
}
