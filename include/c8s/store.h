/*
 * store.h — an asynchronous etcd v3 client over etcd's HTTP/JSON gateway (libcurl multi socket
 * interface driven by a libuv loop: no call here ever blocks the loop).
 *
 * One store_t belongs to one loop and is used only from that loop's thread. Every operation
 * takes a callback that is called exactly once, on the loop, with a result that is borrowed for
 * the duration of the callback (copy what you keep). Keys and values are byte strings (not
 * necessarily NUL-terminated in etcd, but c8s keys are text; values are JSON text).
 *
 * Failures: an unreachable etcd (connection refused, timeout) gives C8S_EUNAVAILABLE, after
 * trying every endpoint once (fail-over: the endpoint that worked last is tried first next
 * time). A compacted revision gives C8S_EGONE. An unknown lease gives C8S_ENOTFOUND; etcd's
 * Unavailable (no leader) C8S_EUNAVAILABLE; etcd errors otherwise C8S_EINTERNAL.
 */
#ifndef C8S_STORE_H
#define C8S_STORE_H

#include "c8s/base.h"
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct store_s store_t;

typedef struct store_config_s {
    const char *const
        *endpoints;         /* NULL-terminated list of base URLs, e.g. http://127.0.0.1:2379 */
    int request_timeout_ms; /* per unary request; 0 = default 5000 */
    int connect_timeout_ms; /* 0 = default 1000 */
} store_config_t;

typedef struct store_kv_s {
    char *key; /* NUL-terminated; key_len excludes the NUL */
    size_t key_len;
    char *value; /* NUL-terminated; value_len excludes the NUL; NULL for a DELETE event's kv */
    size_t value_len;
    int64_t create_revision;
    int64_t mod_revision;
    int64_t version;
    int64_t lease;
} store_kv_t;

typedef struct store_result_s {
    int code;         /* 0 or C8S_E* */
    c8s_err_t *err;   /* filled when code != 0 */
    int64_t revision; /* header.revision (the store's revision after/at the operation) */
    bool succeeded;   /* txn: the compare held (create: key was absent; update/delete: mod rev
                         matched) */
    store_kv_t *kvs;  /* range results, or for a failed txn the current kv (0 or 1 entries) */
    size_t n_kvs;
    bool more;           /* range: cut off by limit */
    int64_t count;       /* range: total matches */
    store_kv_t *prev_kv; /* update/delete: the previous kv when succeeded (may be NULL) */
    int64_t lease_id;    /* lease grant */
    int64_t lease_ttl;   /* lease grant/keepalive: remaining TTL; 0 = lease gone */
} store_result_t;

typedef void (*store_cb)(const store_result_t *res, void *data);

/* Creates a client on loop. The config is copied. Returns 0, or an error for a bad config. */
int store_new(uv_loop_t *loop, const store_config_t *cfg, store_t **out, c8s_err_t *err);

/* Cancels everything in flight (their callbacks run with C8S_EUNAVAILABLE "store closed"),
 * closes watches (their callbacks get a final STORE_WATCH_CLOSED), releases the handles, and
 * calls done (may be NULL) once the memory is free and the loop may be closed. */
void store_close(store_t *s, void (*done)(void *data), void *data);

/* Single-key read. rev 0 = latest. A missing key: code 0 with n_kvs 0. */
void store_get(store_t *s, const char *key, int64_t rev, store_cb cb, void *data);

/* Every key in [key, range_end) (range_end NULL: the prefix range of key, i.e. key with its last
 * byte incremented). rev 0 = latest; limit 0 = no limit. kvs sorted by key ascending. */
void store_range(store_t *s, const char *key, const char *range_end, int64_t rev, int64_t limit,
                 store_cb cb, void *data);

/* Count of keys with this prefix (count_only). */
void store_count(store_t *s, const char *prefix, store_cb cb, void *data);

/* Create-if-absent: txn compare MOD(key) == 0, success put (with lease if non-zero), failure
 * range. succeeded=false with the existing kv in kvs when the key exists. */
void store_create(store_t *s, const char *key, const char *value, size_t value_len, int64_t lease,
                  store_cb cb, void *data);

/* Update-if-unchanged: txn compare MOD(key) == expect_mod_rev, success put with prev_kv, failure
 * range. On a lost race succeeded=false and kvs holds the current kv (empty if it was deleted). */
void store_update(store_t *s, const char *key, const char *value, size_t value_len,
                  int64_t expect_mod_rev, int64_t lease, store_cb cb, void *data);

/* Delete-if-unchanged (expect_mod_rev 0 = unconditional): txn success delete_range with
 * prev_kv (prev_kv set), failure range (kvs = current). */
void store_delete(store_t *s, const char *key, int64_t expect_mod_rev, store_cb cb, void *data);

/* Compacts history up to rev (physical). */
void store_compact(store_t *s, int64_t rev, store_cb cb, void *data);

/* Leases: grant (res->lease_id, res->lease_ttl), one keepalive (res->lease_ttl, 0 = gone),
 * revoke. */
void store_lease_grant(store_t *s, int64_t ttl_seconds, store_cb cb, void *data);
void store_lease_keepalive(store_t *s, int64_t lease_id, store_cb cb, void *data);
void store_lease_revoke(store_t *s, int64_t lease_id, store_cb cb, void *data);

/* Whether the last request to etcd succeeded (for /readyz). Updated by every request, and by a
 * light periodic probe while nothing else talks to etcd. */
bool store_healthy(const store_t *s);

/* Called once per finished unary request with its operation ("range", "txn", "compaction",
 * "lease_grant", "lease_keepalive", "lease_revoke"), its latency and its result code; for
 * metrics. cb may be NULL to stop observing. */
typedef void (*store_observer_cb)(const char *op, double seconds, int code, void *data);
void store_set_observer(store_t *s, store_observer_cb cb, void *data);

/* ---- Encryption at rest (upstream's EncryptionConfiguration) ----
 *
 * A store given a store_crypt_t transforms values under the key prefixes bound to it: writes
 * (create, update) go through the first provider of the matching rule, reads (get, range, txn
 * answers, watch events and their prev_kv) through every provider in order. Values are stored
 * as upstream stores them, so an etcd written by one can be read by the other:
 *   aesgcm:   "k8s:enc:aesgcm:v1:<key name>:" nonce(12) ciphertext tag(16), the etcd key as
 *             additional authenticated data (a value copied under another key does not open);
 *   aescbc:   "k8s:enc:aescbc:v1:<key name>:" iv(16) ciphertext (PKCS#7 padded);
 *   identity: the value itself (it refuses to read anything starting with "k8s:enc:").
 * A value no provider can read is an error (C8S_EINTERNAL), never returned as it is stored.
 * The config is immutable once bound and may be shared by stores of any thread. */
typedef struct store_crypt_s store_crypt_t;

/* Parses an EncryptionConfiguration (YAML or JSON) from buf[0..len). Bad configs are refused
 * with C8S_EBADREQUEST and a message naming the field, e.g.
 * "resources[0].providers[0].aesgcm.keys[0].secret: must be 16, 24 or 32 bytes, got 5".
 * *out is owned (store_crypt_free). */
int store_crypt_parse(const char *buf, size_t len, store_crypt_t **out, c8s_err_t *err);
/* Reads and parses the file at path (upstream's --encryption-provider-config). */
int store_crypt_load(const char *path, store_crypt_t **out, c8s_err_t *err);
void store_crypt_free(store_crypt_t *c);

/* If a rule of c covers the API resource (group "" for core, plural resource), binds the etcd
 * key prefix key_prefix (e.g. "/registry/secrets/") to the first such rule and returns true. */
bool store_crypt_bind(store_crypt_t *c, const char *group, const char *resource,
                      const char *key_prefix);
/* Whether key falls under a bound prefix. */
bool store_crypt_covers(const store_crypt_t *c, const char *key);

/* The pure transforms. For a key no bound prefix covers, or a provider that stores the value
 * as it is, *out is NULL (use the input). Otherwise *out is a new NUL-terminated buffer
 * (owned) of *out_len bytes. Errors: C8S_EINTERNAL with the reason. */
int store_crypt_to_storage(const store_crypt_t *c, const char *key, const char *val, size_t len,
                           char **out, size_t *out_len, c8s_err_t *err);
int store_crypt_from_storage(const store_crypt_t *c, const char *key, const char *val, size_t len,
                             char **out, size_t *out_len, c8s_err_t *err);

/* Makes s transform values with c (borrowed: it must outlive s; NULL stops). Without one, the
 * store never looks at values. A value that cannot be read fails its range or txn with
 * C8S_EINTERNAL "unable to transform key ..." and ends a watch with STORE_WATCH_ERROR; an
 * unreadable previous value (prev_kv of an applied txn or of an event) is logged and left out
 * (NULL) instead, since the write it belongs to has happened. */
void store_set_crypt(store_t *s, const store_crypt_t *c);

/* ---- Watch ---- */

typedef enum {
    STORE_EVENT_PUT = 0,
    STORE_EVENT_DELETE = 1,
} store_event_type_t;

typedef struct store_event_s {
    store_event_type_t type;
    store_kv_t kv;       /* for DELETE: key and mod_revision only */
    store_kv_t *prev_kv; /* may be NULL */
} store_event_t;

typedef enum {
    STORE_WATCH_EVENTS = 0,    /* events[0..n) in revision order; revision = header revision */
    STORE_WATCH_PROGRESS = 1,  /* no events; revision = the store's current revision */
    STORE_WATCH_COMPACTED = 2, /* start revision compacted: revision = compact_revision; the
                                  watch is finished (re-list, then watch again) */
    STORE_WATCH_ERROR = 3,  /* stream broke (etcd down …); the watch is finished; err says why */
    STORE_WATCH_CLOSED = 4, /* store_watch_cancel or store_close; the watch is finished */
} store_watch_status_t;

typedef struct store_watch_s store_watch_t;

typedef void (*store_watch_cb)(store_watch_t *w, store_watch_status_t status, int64_t revision,
                               const store_event_t *events, size_t n, const c8s_err_t *err,
                               void *data);

/* Watches every key under prefix from start_rev (inclusive; 0 = from now), with prev_kv and
 * progress notifications. Events are delivered in order; the callback may be called many times
 * and ends with exactly one of COMPACTED, ERROR or CLOSED, after which w is freed by the store
 * (do not touch it after that callback returns). The owner restarts from last revision + 1. */
store_watch_t *store_watch(store_t *s, const char *prefix, int64_t start_rev, store_watch_cb cb,
                           void *data);
/* (On a closing store the callback gets CLOSED at once and store_watch returns NULL.) */

/* Asks for a progress notification now; the answer arrives as STORE_WATCH_PROGRESS. Lets a cache
 * learn it has caught up to a given revision. etcd 3.4's HTTP/1.1 gateway holds a watch's answer
 * back while its request body is open, so progress_request cannot be sent on the stream; this is
 * emulated by one range (the current revision R and the newest mod_revision M changed under the
 * prefix since the last delivered revision): PROGRESS(R) comes once M was delivered. A delete
 * with no later put in the prefix is invisible to the range and may be overtaken in flight.
 * One request at a time per watch; a second while one is pending is ignored. */
void store_watch_request_progress(store_watch_t *w);

/* Stops the watch; the callback gets STORE_WATCH_CLOSED (possibly synchronously). */
void store_watch_cancel(store_watch_t *w);

/* ---- Managed etcd (the single-node embedded default) ---- */

typedef struct store_managed_s store_managed_t;

/* Starts etcd as a child process: data in data_dir (created 0700), client on
 * 127.0.0.1:client_port, peer on 127.0.0.1:peer_port, its output to data_dir/../etcd.log.
 * Blocks (this runs before any loop starts) until /health answers or timeout_ms passes.
 * *out is owned; writes the client URL into url_out (at least 64 bytes). */
int store_managed_start(const char *data_dir, int client_port, int peer_port, int timeout_ms,
                        store_managed_t **out, char *url_out, size_t url_len, c8s_err_t *err);

/* Stops it (SIGTERM, SIGKILL after 10 s), reaps it and frees m. */
void store_managed_stop(store_managed_t *m);

#endif
