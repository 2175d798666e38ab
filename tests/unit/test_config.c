/* test_config.c — a config file's keys become flags; the command line wins; bad files refused. */
#include "c8s/cmd.h"
#include "c8s/yaml.h"
#include "test.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *joined(char **args)
{
    size_t len = 1;
    for (char **a = args; a && *a; a++)
        len += strlen(*a) + 1;
    char *s = calloc(1, len);
    for (char **a = args; a && *a; a++) {
        if (a != args)
            strcat(s, " ");
        strcat(s, *a);
    }
    return s;
}

static void check_yaml(const char *yaml, const char *want)
{
    json_t *doc = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE_VOID(yaml_to_json(yaml, strlen(yaml), &doc, &err) == 0);
    char **args = NULL;
    size_t n = 0;
    int rc = cmd_config_args(doc, &args, &n, &err);
    json_decref(doc);
    if (!want) {
        CHECK_MSG(rc == C8S_EBADREQUEST, "expected a refusal for %s", yaml);
        CHECK(args == NULL);
        c8s_err_clear(&err);
        return;
    }
    CHECK_INT(rc, 0);
    char *got = joined(args);
    CHECK_STR(got, want);
    free(got);
    cmd_args_free(args);
}

int main(void)
{
    check_yaml("bind-address: 0.0.0.0\nport: 7443\n", "--bind-address=0.0.0.0 --port=7443");
    check_yaml("disable-proxy: true\ndisable-dns: false\nnode-name: ~\n", "--disable-proxy");
    check_yaml("etcd-servers:\n- http://127.0.0.1:1\n- http://127.0.0.1:2\n",
               "--etcd-servers=http://127.0.0.1:1,http://127.0.0.1:2");
    check_yaml("", "");
    check_yaml("- a\n- b\n", NULL);
    check_yaml("--port: 1\n", NULL);
    check_yaml("a=b: 1\n", NULL);
    check_yaml("tls:\n  cert: x\n", NULL);
    check_yaml("labels:\n- [a]\n", NULL);

    /* Expansion: file flags first, then the command line's, without --config. */
    char path[] = "/tmp/c8s-config-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const char *text = "port: 7443\nnode-name: from-file\n";
    REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    char arg_config[64];
    snprintf(arg_config, sizeof(arg_config), "--config=%s", path);
    char *argv1[] = {"server", "--node-name", "cli", arg_config, NULL};
    int n = 0;
    char **out = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(cmd_config_expand(4, argv1, &n, &out, &err), 0);
    CHECK_INT(n, 5);
    char *got = joined(out);
    CHECK_STR(got, "server --port=7443 --node-name=from-file --node-name cli");
    free(got);
    cmd_args_free(out);

    char *argv2[] = {"server", "--config", path, "--port", "1", NULL};
    CHECK_INT(cmd_config_expand(5, argv2, &n, &out, &err), 0);
    got = joined(out);
    CHECK_STR(got, "server --port=7443 --node-name=from-file --port 1");
    free(got);
    cmd_args_free(out);
    unlink(path);

    char *argv3[] = {"server", "--config", "/nonexistent/c8s.yaml", NULL};
    CHECK_INT(cmd_config_expand(3, argv3, &n, &out, &err), C8S_ESYS);
    CHECK(strstr(err.msg, "/nonexistent/c8s.yaml") != NULL);
    c8s_err_clear(&err);

    char *argv4[] = {"server", "--disable-dns", NULL};
    CHECK_INT(cmd_config_expand(2, argv4, &n, &out, &err), 0);
    got = joined(out);
    CHECK_STR(got, "server --disable-dns");
    free(got);
    cmd_args_free(out);
    TEST_END();
}
