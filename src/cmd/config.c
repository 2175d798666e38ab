/*
 * config.c — /etc/c8s/config.yaml: a YAML mapping whose keys are the subcommand's long flags, as
 * k3s reads its config file. Turning it into flags keeps one parser (getopt) and one meaning
 * for every setting.
 */
#include "c8s/cmd.h"
#include "c8s/strbuf.h"
#include "c8s/yaml.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 2) * sizeof(**v));
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static int scalar_text(const json_t *val, strbuf_t *b)
{
    if (json_is_string(val))
        strbuf_add(b, json_string_value(val));
    else if (json_is_integer(val))
        strbuf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
    else if (json_is_real(val))
        strbuf_addf(b, "%g", json_real_value(val));
    else if (json_is_true(val))
        strbuf_add(b, "true");
    else
        return -1;
    return 0;
}

static int one_flag(const char *key, const json_t *val, strbuf_t *b, c8s_err_t *err)
{
    strbuf_addf(b, "--%s", key);
    if (json_is_true(val))
        return 0;
    strbuf_add(b, "=");
    if (!json_is_array(val)) {
        if (scalar_text(val, b) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST, "config key %s: expected a scalar or a list",
                               key);
        return 0;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(val, i, item)
    {
        if (i > 0)
            strbuf_add(b, ",");
        if (json_is_true(item) || scalar_text(item, b) != 0)
            return c8s_err_set(err, C8S_EBADREQUEST, "config key %s: list items must be scalars",
                               key);
    }
    return 0;
}

int cmd_config_args(const json_t *doc, char ***out, size_t *n, c8s_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (json_is_null(doc))
        return 0; /* an empty file */
    if (!json_is_object(doc))
        return c8s_err_set(err, C8S_EBADREQUEST, "config: expected a mapping of flag names");
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)doc, key, val)
    {
        if (json_is_false(val) || json_is_null(val))
            continue;
        if (!*key || key[0] == '-' || strchr(key, '=')) {
            cmd_args_free(*out);
            *out = NULL;
            *n = 0;
            return c8s_err_set(err, C8S_EBADREQUEST, "config: \"%s\" is not a flag name", key);
        }
        strbuf_t b = STRBUF_INIT;
        if (one_flag(key, val, &b, err) != 0) {
            strbuf_free(&b);
            cmd_args_free(*out);
            *out = NULL;
            *n = 0;
            return err->code;
        }
        push(out, n, strbuf_take(&b));
    }
    return 0;
}

void cmd_args_free(char **args)
{
    if (!args)
        return;
    for (char **a = args; *a; a++)
        free(*a);
    free(args);
}

static int read_file(const char *path, char **buf, size_t *len, c8s_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return c8s_err_set(err, C8S_ESYS, "reading %s: %s", path, strerror(errno));
    strbuf_t b = STRBUF_INIT;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        strbuf_addn(&b, chunk, got);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        strbuf_free(&b);
        return c8s_err_set(err, C8S_ESYS, "reading %s: read error", path);
    }
    *len = b.len;
    *buf = strbuf_take(&b);
    return 0;
}

static int file_args(const char *path, char ***out, size_t *n, c8s_err_t *err)
{
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (read_file(path, &text, &len, err) != 0)
        return err->code;
    json_t *doc = NULL;
    if (yaml_to_json(text, len, &doc, err) != 0)
        return c8s_err_wrap(err, "%s", path);
    int rc = cmd_config_args(doc, out, n, err);
    json_decref(doc);
    return rc != 0 ? c8s_err_wrap(err, "%s", path) : 0;
}

int cmd_config_expand(int argc, char **argv, int *argc_out, char ***argv_out, c8s_err_t *err)
{
    const char *path = NULL;
    char **rest = NULL;
    size_t nrest = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            path = argv[i] + 9;
        else
            push(&rest, &nrest, xstrdup(argv[i]));
    }
    char **out = NULL;
    size_t n = 0;
    push(&out, &n, xstrdup(argc > 0 ? argv[0] : "c8s"));
    if (path) {
        char **fa = NULL;
        size_t nf = 0;
        if (file_args(path, &fa, &nf, err) != 0) {
            cmd_args_free(rest);
            cmd_args_free(out);
            return err->code;
        }
        for (size_t i = 0; i < nf; i++)
            push(&out, &n, fa[i]);
        free(fa); /* the strings moved to out */
    }
    for (size_t i = 0; i < nrest; i++)
        push(&out, &n, rest[i]);
    free(rest);
    *argc_out = (int)n;
    *argv_out = out;
    return 0;
}
