/*
 * kubeconfig.h — kubectl's kubeconfig: which server, credentials and namespace a CLI uses.
 *
 * Loading follows kubectl (client-go clientcmd): --kubeconfig names one file; otherwise every
 * file of $KUBECONFIG (colon-separated) is read and merged — the first file to set a value wins:
 * the first current-context, the first cluster / user / context of a given name; otherwise
 * ~/.kube/config. --context picks another context; the namespace is --namespace, else the
 * context's, else "default". Relative file paths in a kubeconfig are relative to its folder.
 *
 * kubeconfig_resolve is the pure core (parsed documents in, settings out); kubeconfig_load does
 * the file reading around it.
 */
#ifndef C8S_KUBECONFIG_H
#define C8S_KUBECONFIG_H

#include "c8s/base.h"

#include <stdbool.h>

/* What the command line overrides. Every field may be NULL (not given). */
typedef struct kubeconfig_overrides_s {
    const char *kubeconfig; /* --kubeconfig: the only file read */
    const char *context;    /* --context */
    const char *cluster;    /* --cluster */
    const char *user;       /* --user */
    const char *namespace_; /* --namespace / -n */
    const char *server;     /* --server / -s */
    const char *token;      /* --token */
    bool insecure;          /* --insecure-skip-tls-verify */
} kubeconfig_overrides_t;

/* One parsed kubeconfig file: its JSON form (borrowed) and the folder relative paths start in. */
typedef struct kubeconfig_file_s {
    const json_t *doc;
    const char *dir;
} kubeconfig_file_t;

/* The resolved settings. Every string is owned by the struct (kubeconfig_clear frees them) and
 * NULL when absent; *_data hold decoded PEM bytes (from the *-data fields' base64). */
typedef struct kubeconfig_s {
    char *context;           /* the context used ("" → none: kubectl's localhost:8080 default) */
    char *server;            /* never NULL after a successful resolve */
    char *namespace_;        /* never NULL after a successful resolve */
    bool namespace_explicit; /* from --namespace (not the context's default) */
    char *ca_file, *ca_data;
    size_t ca_data_len;
    char *cert_file, *cert_data;
    size_t cert_data_len;
    char *key_file, *key_data;
    size_t key_data_len;
    char *token;
    char *token_file; /* the user's tokenFile; kubeconfig_load reads it into token */
    bool insecure;
} kubeconfig_t;

/* Merges files[0..n) (earlier wins) and applies ov; fills *out (zero it first). With no context
 * at all the server is http://localhost:8080, as kubectl. Errors (C8S_EBADREQUEST), in kubectl's
 * words: `context "x" does not exist` (only when --context names it; a dangling current-context
 * is kubectl's "no configuration" case), malformed base64 in a *-data field. */
int kubeconfig_resolve(const kubeconfig_file_t *files, size_t n, const kubeconfig_overrides_t *ov,
                       kubeconfig_t *out, c8s_err_t *err);

/* The kubeconfig `c8s server` writes under its default data dir; read when neither --kubeconfig,
 * $KUBECONFIG nor ~/.kube/config gives one. */
#define KUBECONFIG_SERVER_DEFAULT "/var/lib/c8s/admin.kubeconfig"

/* Reads the files ov->kubeconfig, $KUBECONFIG or ~/.kube/config (else
 * KUBECONFIG_SERVER_DEFAULT when readable; missing files in $KUBECONFIG
 * are skipped, as kubectl does; a missing --kubeconfig is an error) and resolves them. */
int kubeconfig_load(const kubeconfig_overrides_t *ov, kubeconfig_t *out, c8s_err_t *err);

/* Frees what *kc owns and zeroes it. */
void kubeconfig_clear(kubeconfig_t *kc);

/* Decodes standard base64 (whitespace ignored). *out is owned (NUL-terminated), *out_len its
 * length. Returns C8S_EBADREQUEST on malformed input. */
int kubeconfig_base64_decode(const char *in, char **out, size_t *out_len, c8s_err_t *err);

#endif
