/*
 * jwt.h — JSON Web Tokens as ServiceAccount tokens use them: RS256 (RSA PKCS#1 v1.5 with
 * SHA-256) compact serialization, and upstream's bound-token claims (iss, sub, aud, exp, iat,
 * nbf, jti and the private "kubernetes.io" claim). Pure: no I/O except jwt_key_load, no clock
 * except what the caller passes in.
 */
#ifndef C8S_JWT_H
#define C8S_JWT_H

#include "c8s/base.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* upstream's defaults */
#define JWT_DEFAULT_ISSUER  "https://kubernetes.default.svc.cluster.local"
#define JWT_SA_CLAIM        "kubernetes.io"
#define JWT_LEEWAY_S        60 /* clock skew tolerated on exp/nbf/iat, as go-jose's */
#define JWT_TOKEN_MAX_BYTES 16384

/* An RSA key: private (can sign and verify) or public (verifies only). */
typedef struct jwt_key_s jwt_key_t;

/* Reads every key from PEM text: private keys (PKCS#1 or PKCS#8) and public keys (PKIX or
 * PKCS#1), in order. *out is an owned array of *n owned keys. Fails (C8S_EBADREQUEST) when the
 * text holds no RSA key. */
int jwt_keys_from_pem(const char *pem, size_t len, jwt_key_t ***out, size_t *n, c8s_err_t *err);
/* The same from a file (C8S_ESYS when it cannot be read). */
int jwt_keys_load(const char *path, jwt_key_t ***out, size_t *n, c8s_err_t *err);
void jwt_keys_free(jwt_key_t **keys, size_t n);
void jwt_key_free(jwt_key_t *k);
bool jwt_key_is_private(const jwt_key_t *k);
/* A new key holding only k's public half (owned). */
jwt_key_t *jwt_key_public(const jwt_key_t *k);
/* The key id as upstream derives it: base64url (no padding) of the SHA-256 of the public key's
 * PKIX DER encoding. Borrowed from k. */
const char *jwt_key_id(const jwt_key_t *k);

/* The public half of k as a JSON Web Key {use: sig, kty: RSA, kid, alg: RS256, n, e} (owned), as
 * the OIDC discovery document's jwks_uri serves it; NULL if the key's numbers cannot be read. */
json_t *jwt_key_jwk(const jwt_key_t *k);

/* base64url without padding. Owned results. decode: NULL for invalid input; *n set. */
char *jwt_b64url_encode(const void *data, size_t n);
unsigned char *jwt_b64url_decode(const char *s, size_t len, size_t *n);

/* A signed compact token for claims (borrowed) with header {alg:RS256, kid}. Owned; NULL with
 * err set when k is not private. */
char *jwt_sign(const jwt_key_t *k, const json_t *claims, c8s_err_t *err);
/* True when token has the shape header.payload.signature with a JSON header and payload; the
 * unverified payload in *claims (owned) when claims is not NULL. */
bool jwt_peek(const char *token, json_t **claims);
/* Checks token's signature against keys (the header's kid picks one when it matches; otherwise
 * every key is tried). Only RS256 is accepted ("none" and the rest are refused). *claims: the
 * payload (owned). C8S_EUNAUTH on any failure. */
int jwt_verify(jwt_key_t *const *keys, size_t n, const char *token, json_t **claims,
               c8s_err_t *err);

/* The claims of a ServiceAccount token. Strings are borrowed. bound_kind is "Pod", "Secret" or
 * NULL; node_name/node_uid may be NULL. */
typedef struct jwt_sa_s {
    const char *issuer;
    const char *const *audiences;
    size_t n_audiences;
    int64_t iat, exp; /* seconds since the epoch; nbf = iat */
    const char *jti;
    const char *ns, *sa_name, *sa_uid;
    const char *bound_kind, *bound_name, *bound_uid;
    const char *node_name, *node_uid;
} jwt_sa_t;

/* The claims object (owned). */
json_t *jwt_sa_claims(const jwt_sa_t *c);

/* What a verified ServiceAccount token says; strings borrowed from the claims object. */
typedef struct jwt_sa_info_s {
    const char *ns, *sa_name, *sa_uid;
    const char *pod_name, *pod_uid;       /* NULL when not bound to a pod */
    const char *secret_name, *secret_uid; /* NULL when not bound to a secret */
    const char *node_name, *node_uid;     /* NULL when not bound to a node */
    const char *jti;
    int64_t exp;
} jwt_sa_info_t;

/* Validates claims (borrowed) at time now: issuer, exp/nbf/iat (with JWT_LEEWAY_S), the
 * audience (at least one of audiences must be in aud; *matched gets the intersection as an owned
 * array when matched is not NULL), the subject and the "kubernetes.io" claim. C8S_EUNAUTH with
 * the reason otherwise. */
int jwt_sa_validate(const json_t *claims, const char *issuer, const char *const *audiences,
                    size_t n_audiences, int64_t now, jwt_sa_info_t *out, json_t **matched,
                    c8s_err_t *err);

#endif
