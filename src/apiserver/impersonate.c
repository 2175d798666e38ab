/*
 * impersonate.c — Impersonate-User / -Group / -Uid / -Extra-<key> headers: the authenticated
 * user asks to act as someone else. Each thing asked for needs verb "impersonate" on users,
 * groups, serviceaccounts, uids or userextras/<key> (as upstream's impersonation filter); then
 * the request goes on as the impersonated user, authorized as them even on the trusted
 * plain-HTTP port (which is how `kubectl --as` is tested before TLS).
 */
#include "internal.h"

#include <string.h>
#include <strings.h>

#define HDR_USER  "impersonate-user"
#define HDR_GROUP "impersonate-group"
#define HDR_UID   "impersonate-uid"
#define HDR_EXTRA "impersonate-extra-"

typedef struct {
    char *user, *uid;
    json_t *groups; /* array */
    json_t *extra;  /* key → array */
    bool any;
} asked_t;

static char *hval(const h2o_header_t *h)
{
    return xstrndup(h->value.base, h->value.len);
}

static bool name_is(const h2o_header_t *h, const char *n)
{
    return h->name->len == strlen(n) && strncasecmp(h->name->base, n, h->name->len) == 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* In place: lower-case, then %XX decoded (upstream's header keys for extras with characters a
 * header name cannot hold, like "/"). */
static void pct_lower(char *s)
{
    char *out = s;
    for (const char *in = s; *in; in++) {
        int hi, lo;
        if (in[0] == '%' && (hi = hexval(in[1])) >= 0 && (lo = hexval(in[2])) >= 0) {
            *out++ = (char)(hi * 16 + lo);
            in += 2;
        } else {
            *out++ = (*in >= 'A' && *in <= 'Z') ? (char)(*in - 'A' + 'a') : *in;
        }
    }
    *out = '\0';
}

static void read_headers(api_req_t *r, asked_t *q)
{
    q->groups = json_array();
    q->extra = json_object();
    for (size_t i = 0; i < r->h2o->headers.size; i++) {
        const h2o_header_t *h = &r->h2o->headers.entries[i];
        if (name_is(h, HDR_USER)) {
            free(q->user);
            q->user = hval(h);
            q->any = true;
        } else if (name_is(h, HDR_UID)) {
            free(q->uid);
            q->uid = hval(h);
            q->any = true;
        } else if (name_is(h, HDR_GROUP)) {
            cleanup_free char *g = hval(h);
            json_array_append_new(q->groups, json_string(g));
            q->any = true;
        } else if (h->name->len > strlen(HDR_EXTRA) &&
                   strncasecmp(h->name->base, HDR_EXTRA, strlen(HDR_EXTRA)) == 0) {
            /* Keys are percent-encoded in the header name and lower-cased, as upstream. */
            cleanup_free char *raw =
                xstrndup(h->name->base + strlen(HDR_EXTRA), h->name->len - strlen(HDR_EXTRA));
            pct_lower(raw);
            cleanup_free char *v = hval(h);
            json_t *arr = json_object_get(q->extra, raw);
            if (!arr) {
                arr = json_array();
                json_object_set_new(q->extra, raw, arr);
            }
            json_array_append_new(arr, json_string(v));
            q->any = true;
        }
    }
}

/* May the real user impersonate this? Answers 403 (freeing r) when not. */
static bool check(api_req_t *r, const char *group, const char *resource, const char *sub,
                  const char *ns, const char *name)
{
    auth_attrs_t a = {.resource_request = true,
                      .verb = "impersonate",
                      .api_group = group,
                      .api_version = "v1",
                      .resource = resource,
                      .subresource = sub,
                      .ns = ns,
                      .name = name,
                      .path = r->path};
    char *reason = NULL;
    if (apiserver__authz_decide(r->srv, r->user, &a, &reason) == AUTHZ_ALLOW) {
        free(reason);
        return true;
    }
    cleanup_free char *msg = auth_forbidden_message(r->user, &a, reason);
    free(reason);
    r->verb = r->method;
    apiserver__respond_code(r, C8S_EFORBIDDEN, "%s", msg);
    return false;
}

static void asked_free(asked_t *q)
{
    free(q->user);
    free(q->uid);
    json_decref(q->groups);
    json_decref(q->extra);
}

static bool impersonate(api_req_t *r, asked_t *q)
{
    if (!q->user) {
        r->verb = r->method;
        apiserver__respond_code(r, C8S_EBADREQUEST,
                                "requested impersonation without impersonating a user");
        return false;
    }
    auth_user_t *nu = auth_user_new(q->user, q->uid, NULL, 0);
    bool ok = true;
    size_t sa_len = strlen(AUTH_SA_PREFIX);
    if (strncmp(q->user, AUTH_SA_PREFIX, sa_len) == 0 && strchr(q->user + sa_len, ':')) {
        const char *rest = q->user + sa_len;
        const char *colon = strchr(rest, ':');
        cleanup_free char *ns = xstrndup(rest, (size_t)(colon - rest));
        ok = check(r, "", "serviceaccounts", NULL, ns, colon + 1);
        if (ok) {
            auth_user_add_group(nu, AUTH_GROUP_SERVICEACCOUNTS);
            cleanup_free char *g = xasprintf("%s:%s", AUTH_GROUP_SERVICEACCOUNTS, ns);
            auth_user_add_group(nu, g);
        }
    } else {
        ok = check(r, "", "users", NULL, NULL, q->user);
    }
    size_t i;
    json_t *v;
    json_array_foreach(q->groups, i, v)
    {
        if (!ok)
            break;
        ok = check(r, "", "groups", NULL, NULL, json_string_value(v));
        if (ok)
            auth_user_add_group(nu, json_string_value(v));
    }
    if (ok && q->uid)
        ok = check(r, "authentication.k8s.io", "uids", NULL, NULL, q->uid);
    const char *key;
    json_t *vals;
    json_object_foreach(q->extra, key, vals)
    {
        json_array_foreach(vals, i, v)
        {
            if (!ok)
                break;
            ok = check(r, "authentication.k8s.io", "userextras", key, NULL, json_string_value(v));
        }
    }
    if (!ok) {
        auth_user_free(nu);
        return false;
    }
    if (json_object_size(q->extra) > 0)
        nu->extra = json_incref(q->extra);
    auth_user_add_group(nu, strcmp(q->user, AUTH_USER_ANONYMOUS) == 0 ? AUTH_GROUP_UNAUTHENTICATED
                                                                      : AUTH_GROUP_AUTHENTICATED);
    log_debug("apiserver", "%s impersonates %s", r->user ? r->user->name : "?", nu->name);
    auth_user_free(r->user);
    r->user = nu;
    return true;
}

bool apiserver__impersonate(api_req_t *r)
{
    if (!r->h2o)
        return true;
    asked_t q = {0};
    read_headers(r, &q);
    bool ok = !q.any || impersonate(r, &q);
    asked_free(&q);
    return ok;
}
