/*
 * image.c — `c8s image`: the node's image store by hand (pull, import, ls, rm, gc). A thin front
 * end over include/c8s/image.h; the same store the kubelet uses, safe to run beside it.
 */
#include "c8s/cmd.h"
#include "c8s/image.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: c8s image [--data-dir DIR] <command> [args]\n\n"
            "commands:\n"
            "  pull REF [--insecure-registry HOST:PORT]... [--username U --password P]\n"
            "           [--docker-config FILE]  (a .dockerconfigjson, as imagePullSecrets hold)\n"
            "                     pull from a registry (OCI distribution API)\n"
            "  import FILE        import an OCI-layout or docker-archive tarball\n"
            "  ls                 list images\n"
            "  rm REF...          remove images (a name, a digest or an image ID)\n"
            "  inspect REF        print the image's record and config as JSON\n"
            "  mount ID REF DIR   mount REF's root filesystem (overlayfs) at DIR/rootfs for a\n"
            "                     container ID, as the kubelet does (the image is then in use)\n"
            "  umount ID DIR      unmount it, delete DIR and release the image\n"
            "  gc [--high PCT] [--low PCT]\n"
            "                     remove unused images, least recently used first, when the\n"
            "                     disk is fuller than PCT (default 85, down to 80)\n\n"
            "flags:\n"
            "  --data-dir DIR     node-local state (default /var/lib/c8s)\n");
}

static void human_size(uint64_t n, char *buf, size_t len)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000 && u + 1 < C8S_ARRAY_SIZE(units)) {
        v /= 1000;
        u++;
    }
    snprintf(buf, len, u ? "%.3g%s" : "%.0f%s", v, units[u]);
}

static int do_ls(image_store_t *st, c8s_err_t *err)
{
    image_info_t *infos = NULL;
    size_t n = 0;
    if (image_list(st, &infos, &n, err) < 0)
        return err->code;
    printf("%-60s %-14s %-10s %s\n", "IMAGE", "IMAGE ID", "SIZE", "DIGEST");
    for (size_t i = 0; i < n; i++) {
        char size[32];
        human_size(infos[i].size, size, sizeof(size));
        const char *id = strlen(infos[i].config) > 7 + 12 ? infos[i].config + 7 : "";
        if (infos[i].n_names == 0)
            printf("%-60s %-14.12s %-10s %s\n", "<none>", id, size, infos[i].digest);
        for (size_t k = 0; k < infos[i].n_names; k++)
            printf("%-60s %-14.12s %-10s %s\n", infos[i].names[k], id, size, infos[i].digest);
    }
    image_info_free_array(infos, n);
    return 0;
}

static int do_inspect(image_store_t *st, const char *ref, c8s_err_t *err)
{
    image_info_t info;
    if (image_lookup(st, ref, &info, err) < 0)
        return err->code;
    json_t *cfg = NULL;
    if (image_config(st, info.digest, &cfg, err) < 0) {
        image_info_free(&info);
        return err->code;
    }
    json_t *names = json_array(), *layers = json_array();
    for (size_t i = 0; i < info.n_names; i++)
        json_array_append_new(names, json_string(info.names[i]));
    for (size_t i = 0; i < info.n_layers; i++)
        json_array_append_new(layers, json_string(info.layers[i]));
    cleanup_json json_t *out =
        json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:b, s:o}", "digest", info.digest, "id",
                  info.config, "names", names, "layers", layers, "size", (json_int_t)info.size,
                  "created", (json_int_t)info.created, "lastUsed", (json_int_t)info.last_used,
                  "inUse", info.in_use, "config", cfg);
    image_info_free(&info);
    cleanup_free char *s = json_dumps(out, JSON_INDENT(2));
    if (s)
        puts(s);
    return 0;
}

typedef struct pull_wait_s {
    bool done;
    int code;
    char *msg, *digest;
} pull_wait_t;

static void on_pulled(void *data, int code, const char *message, const char *digest)
{
    pull_wait_t *w = data;
    w->done = true;
    w->code = code;
    w->msg = xstrdup(message);
    w->digest = digest ? xstrdup(digest) : NULL;
}

/* The pull goes through image_pull_start on a loop of its own, the path the kubelet takes. */
static int pull_on_loop(image_store_t *st, const char *ref, const image_pull_opts_t *o,
                        c8s_err_t *err)
{
    uv_loop_t loop;
    int r = uv_loop_init(&loop);
    if (r < 0)
        return c8s_err_set(err, C8S_EINTERNAL, "uv_loop_init: %s", uv_strerror(r));
    pull_wait_t w = {0};
    int rc = image_pull_start(&loop, st, ref, o, on_pulled, &w, err);
    if (rc == 0) {
        while (!w.done)
            uv_run(&loop, UV_RUN_ONCE);
        if (w.code < 0)
            rc = c8s_err_set(err, w.code, "%s", w.msg);
        else
            printf("%s\n", w.digest);
    }
    free(w.msg);
    free(w.digest);
    if (uv_loop_close(&loop) != 0)
        log_warn(IMAGE_ROOM, "pull: the loop still has handles");
    return rc;
}

int cmd_image(int argc, char **argv)
{
    const char *data_dir = "/var/lib/c8s";
    const char *username = NULL, *password = NULL;
    const char **docker_configs = xcalloc((size_t)argc + 1, sizeof(char *));
    size_t n_docker_configs = 0;
    const char **insecure = xcalloc((size_t)argc + 1, sizeof(char *));
    size_t n_insecure = 0;
    int high = 85, low = 80;
    long min_age = 120;
    enum { O_DATA = 256, O_INSECURE, O_USER, O_PASS, O_DOCKERCFG, O_HIGH, O_LOW, O_MINAGE };
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, O_DATA},
        {"insecure-registry", required_argument, NULL, O_INSECURE},
        {"username", required_argument, NULL, O_USER},
        {"password", required_argument, NULL, O_PASS},
        {"docker-config", required_argument, NULL, O_DOCKERCFG},
        {"high", required_argument, NULL, O_HIGH},
        {"low", required_argument, NULL, O_LOW},
        {"min-age", required_argument, NULL, O_MINAGE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DATA:
            data_dir = optarg;
            break;
        case O_INSECURE:
            insecure[n_insecure++] = optarg;
            break;
        case O_USER:
            username = optarg;
            break;
        case O_PASS:
            password = optarg;
            break;
        case O_DOCKERCFG:
            docker_configs[n_docker_configs++] = optarg;
            break;
        case O_HIGH:
            high = atoi(optarg);
            break;
        case O_LOW:
            low = atoi(optarg);
            break;
        case O_MINAGE:
            min_age = atol(optarg);
            break;
        case 'h':
            usage(stdout);
            free(insecure);
            free(docker_configs);
            return 0;
        default:
            usage(stderr);
            free(insecure);
            free(docker_configs);
            return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        free(insecure);
        free(docker_configs);
        return 2;
    }
    const char *verb = argv[optind];
    char **args = argv + optind + 1;
    int nargs = argc - optind - 1;
    cleanup_err c8s_err_t err = C8S_ERR_INIT;
    image_store_t *st = NULL;
    int rc = 0;
    if (image_store_open(data_dir, &st, &err) < 0)
        goto out;
    if (strcmp(verb, "ls") == 0 || strcmp(verb, "list") == 0) {
        rc = do_ls(st, &err);
    } else if (strcmp(verb, "pull") == 0 && nargs == 1) {
        image_pull_opts_t o = {.insecure = insecure,
                               .n_insecure = n_insecure,
                               .username = username,
                               .password = password};
        cleanup_json json_t *cfgs = json_array();
        for (size_t i = 0; i < n_docker_configs; i++) {
            json_error_t je;
            json_t *cfg = json_load_file(docker_configs[i], 0, &je);
            if (!cfg) {
                c8s_err_set(&err, C8S_EINVALID, "%s: %s", docker_configs[i], je.text);
                goto out;
            }
            json_array_append_new(cfgs, cfg);
        }
        if (n_docker_configs)
            o.dockerconfig = cfgs;
        rc = pull_on_loop(st, args[0], &o, &err);
    } else if (strcmp(verb, "import") == 0 && nargs == 1) {
        char **names = NULL;
        size_t n = 0;
        rc = image_import(st, args[0], &names, &n, &err);
        for (size_t i = 0; i < n; i++) {
            printf("imported %s\n", names[i]);
            free(names[i]);
        }
        free(names);
    } else if (strcmp(verb, "rm") == 0 && nargs >= 1) {
        for (int i = 0; i < nargs; i++) {
            c8s_err_t e = C8S_ERR_INIT;
            if (image_remove(st, args[i], &e) < 0) {
                fprintf(stderr, "c8s image rm: %s\n", e.msg);
                rc = e.code;
            } else {
                printf("removed %s\n", args[i]);
            }
            c8s_err_clear(&e);
        }
        image_store_close(st);
        free(insecure);
        free(docker_configs);
        return rc < 0 ? 1 : 0;
    } else if (strcmp(verb, "inspect") == 0 && nargs == 1) {
        rc = do_inspect(st, args[0], &err);
    } else if (strcmp(verb, "mount") == 0 && nargs == 3) {
        image_mount_t m;
        rc = image_rootfs_prepare(st, args[1], args[0], args[2], &m, &err);
        if (rc == 0) {
            rc = image_rootfs_mount(&m, &err);
            if (rc == 0) {
                printf("%s\n", m.target);
            } else {
                c8s_err_t e = C8S_ERR_INIT;
                if (image_rootfs_teardown(st, args[0], args[2], &e) < 0)
                    fprintf(stderr, "c8s image mount: %s\n", e.msg);
                c8s_err_clear(&e);
            }
            image_mount_free(&m);
        }
    } else if (strcmp(verb, "umount") == 0 && nargs == 2) {
        rc = image_rootfs_teardown(st, args[0], args[1], &err);
    } else if (strcmp(verb, "gc") == 0 && nargs == 0) {
        uint64_t freed = 0;
        size_t removed = 0;
        rc = image_gc(st, high, low, min_age < 0 ? 0 : (uint64_t)min_age, &freed, &removed, &err);
        if (rc == 0)
            printf("removed %zu images, %llu bytes\n", removed, (unsigned long long)freed);
    } else {
        usage(stderr);
        image_store_close(st);
        free(insecure);
        free(docker_configs);
        return 2;
    }
out:
    image_store_close(st);
    free(insecure);
    free(docker_configs);
    if (err.code) {
        fprintf(stderr, "c8s image %s: %s\n", verb, err.msg);
        return 1;
    }
    return rc < 0 ? 1 : 0;
}
