/*
 * ctl_int.h — what the files of `c8s ctl` share: the run's context (loop, client, kubeconfig,
 * discovery cache), the parsed command line, synchronous requests over the asynchronous client
 * API, and kubectl-style messages.
 */
#ifndef C8S_CTL_INT_H
#define C8S_CTL_INT_H

#include "c8s/client.h"
#include "c8s/ctl.h"
#include "c8s/kubeconfig.h"
#include "c8s/strbuf.h"

#include <stdbool.h>
#include <stdio.h>

#define CTL_TABLE_ACCEPT "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
#define CTL_LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"

/* The command line: global flags, the verb's flags, and the positional arguments (borrowed
 * from argv). */
typedef struct ctl_opts_s {
    const char *verb;
    const char *output, *selector, *field_selector, *cascade, *patch_type, *patch;
    const char *field_manager, *container, *sort_by;
    const char *wait_for;                            /* wait --for */
    const char *ttl, *description, *groups, *usages; /* token create */
    const char **files;
    size_t n_files;
    const char **args;
    size_t n_args;
    bool all_ns, watch, watch_only, all, overwrite, server_side, force_conflicts, recursive;
    bool ignore_not_found, ignore_daemonsets, delete_emptydir, force, show_labels, no_headers;
    bool follow, previous, wait_set, show_managed_fields, stdin_, tty, containers;
    bool print_join; /* token create --print-join-command */
    bool dash;       /* "--" was given, before args[dash_at] (exec's command) */
    size_t dash_at;
    long grace, replicas, timeout_s, to_revision, tail;
    bool grace_set, replicas_set, timeout_set, tail_set;
} ctl_opts_t;

/* One resource from discovery: borrowed pointers into the run's discovery cache. */
typedef struct ctl_res_s {
    const char *group, *version, *resource, *kind, *singular;
    bool namespaced;
    const json_t *entry; /* the APIResource object */
} ctl_res_t;

typedef struct ctl_s {
    uv_loop_t loop;
    client_t *client;
    kubeconfig_t kc;
    const char *ns; /* effective namespace (borrowed from kc) */
    ctl_opts_t o;
    json_t *resources; /* discovery cache: APIResource objects with "group", "version" added */
} ctl_t;

/* An answer: owned by the struct (ctl__resp_clear). json is the parsed body when it is JSON. */
typedef struct ctl_resp_s {
    int status;
    char *body;
    size_t len;
    json_t *json;
} ctl_resp_t;

/* Sends a request and runs the loop until its answer. accept NULL: application/json. */
void ctl__do(ctl_t *c, const char *method, const char *path, const char *content_type,
             const char *body, const char *accept, ctl_resp_t *out);
/* GET path; 0 and *out (owned) on 2xx, else prints the error (kubectl's words) and returns 1. */
int ctl__get_json(ctl_t *c, const char *path, json_t **out);
void ctl__resp_clear(ctl_resp_t *r);
bool ctl__ok(const ctl_resp_t *r);

/* Prints r's error as kubectl: `Error from server (NotFound): <ctx: >pods "x" not found`.
 * Returns 1 (the exit code). */
int ctl__fail(const ctl_resp_t *r, const char *ctx);
/* Prints `error: <fmt>` and returns 1. */
int ctl__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Discovery (cached for the run). ctl__resolve finds name (plural, singular, Kind, short name,
 * "resource.group"); prints kubectl's error and returns 1 when none matches. */
int ctl__discover(ctl_t *c);
int ctl__resolve(ctl_t *c, const char *name, ctl_res_t *out);
/* By apiVersion and kind of an object. */
int ctl__resolve_kind(ctl_t *c, const char *api_version, const char *kind, ctl_res_t *out);

/* "/apis/apps/v1/namespaces/ns/deployments[/name]" (ns ignored for cluster-scoped kinds; NULL
 * for all namespaces). Owned. */
char *ctl__path(const ctl_res_t *r, const char *ns, const char *name);
/* "deployment.apps" / "pod": what kubectl prints before /name. Owned. */
char *ctl__display(const ctl_res_t *r);
/* The kind from the local registry for patch schemas (may be NULL). */
const api_kind_t *ctl__api_kind(const ctl_res_t *r);

/* Reads -f sources (files, folders, "-") into a JSON array of {"object", "source"}; List kinds
 * are expanded. Returns 0 or prints the error and returns 1. */
int ctl__read_manifests(ctl_t *c, json_t **out);
/* The namespace an object goes to: its own, else the run's; 1 with kubectl's message when it
 * conflicts with an explicit --namespace. */
int ctl__object_ns(ctl_t *c, const json_t *obj, const char **ns);

/* Prints obj (borrowed) as -o json / yaml (keys sorted, as kubectl's Go maps print). */
int ctl__print_obj(const json_t *obj, const char *format);
json_t *ctl__sorted(const json_t *v);

/* Verbs: each returns the exit code. */
int ctl__cmd_get(ctl_t *c);
int ctl__cmd_describe(ctl_t *c);
int ctl__cmd_create(ctl_t *c);
int ctl__cmd_apply(ctl_t *c);
int ctl__cmd_delete(ctl_t *c);
int ctl__cmd_edit(ctl_t *c);
int ctl__cmd_replace(ctl_t *c);
int ctl__cmd_scale(ctl_t *c);
int ctl__cmd_label(ctl_t *c);
int ctl__cmd_annotate(ctl_t *c);
int ctl__cmd_patch(ctl_t *c);
int ctl__cmd_cordon(ctl_t *c);
int ctl__cmd_uncordon(ctl_t *c);
int ctl__cmd_drain(ctl_t *c);
int ctl__cmd_taint(ctl_t *c);
int ctl__cmd_rollout(ctl_t *c);
int ctl__cmd_wait(ctl_t *c);
int ctl__cmd_logs(ctl_t *c);
int ctl__cmd_exec(ctl_t *c);
int ctl__cmd_attach(ctl_t *c);
int ctl__cmd_port_forward(ctl_t *c);

/* A websocket to the API server (exec.c): TLS with the kubeconfig's credentials, the upgrade
 * of GET path offering protocols. Owned; ctl__ws_close. rx holds what came after the head. */
typedef struct {
    struct ssl_ctx_st *ctx;
    struct ssl_st *ssl;
    int fd;
    strbuf_t rx;
} ctl_ws_t;
/* 0 once upgraded; else the exit code, the error printed as kubectl prints it (w closed). */
int ctl__ws_open(ctl_t *c, const char *path, const char *protocols, const char *what, ctl_ws_t *w);
void ctl__ws_close(ctl_ws_t *w);
/* One masked frame of opcode with data; false when the connection failed. */
bool ctl__ws_send(ctl_ws_t *w, uint8_t opcode, const void *data, size_t len);
/* The container kubectl picks for pod when -c is not given (borrowed from pod): the
 * default-container annotation, else the first, with kubectl's "Defaulted container" note. */
const char *ctl__default_container(const json_t *pod);
/* logs.c: the pod "NAME", "pod/NAME" or "pods/NAME" in the current namespace: its API path
 * (owned, *path set even on failure) and the object (owned); -1 when the GET failed (already
 * printed as kubectl prints it). */
int ctl__pod_target(ctl_t *c, const char *arg, char **path, json_t **pod);
/* Starts *out (empty) with "<pod path>/<sub>?container=<name>" for the pod arg names and the
 * container -c names or the default one; more query parameters may follow with '&'. -1 (the
 * error printed) when the pod cannot be read. */
int ctl__container_request(ctl_t *c, const char *arg, const char *sub, strbuf_t *out);
int ctl__cmd_api_resources(ctl_t *c);
int ctl__cmd_top(ctl_t *c);
int ctl__cmd_version(ctl_t *c);
int ctl__cmd_token(ctl_t *c);

/* Positional "type name1 name2" or "type/name ..." into (resource, name) pairs: a JSON array of
 * [resource-index-into-c->resources, name]. 1 on error (printed). */
int ctl__targets(ctl_t *c, const char *const *args, size_t n, json_t **out);
int ctl__target_res(ctl_t *c, const json_t *t, ctl_res_t *r);
/* The same, with "type" alone expanded by -l / --all into every matching object's name (a LIST);
 * without either, kubectl's "no name was specified" error. 1 on error (printed). */
int ctl__expand_targets(ctl_t *c, const char *const *args, size_t n, json_t **out);
/* Runs the run's loop for ms milliseconds (polling verbs: rollout status, wait). */
void ctl__sleep_ms(ctl_t *c, uint64_t ms);

#endif
