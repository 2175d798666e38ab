/*
 * audit.c — audit events for the API server: each request gets an Audit-Id; the policy decides
 * its level; RequestReceived is written when it arrives and ResponseComplete when it is over
 * (for a watch, when the stream ends), as audit.k8s.io/v1 Event JSON lines.
 */
#include "internal.h"
#include "c8s/audit.h"
#include "c8s/yaml.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef struct audit_s {
    audit_policy_t *policy;
    audit_log_t *log;
} audit_t;

typedef struct audit_req_s {
    audit_level_t level;
    unsigned omit;
    char id[37];
    char received[40];
    json_t *event; /* the fields every stage shares */
    json_t *request_obj;
    json_t *response_obj;
    int code;
    bool create; /* objectRef.name comes from the answer */
} audit_req_t;

int apiserver__audit_init(apiserver_t *s, c8s_err_t *err)
{
    const apiserver_config_t *c = &s->cfg;
    /* As upstream: without a policy nothing is logged, so the log is not even opened. */
    if (!c->audit_policy_file || !*c->audit_policy_file || !c->audit_log_path ||
        !*c->audit_log_path)
        return 0;
    audit_t *a = xcalloc(1, sizeof(*a));
    if (audit_policy_load(c->audit_policy_file, &a->policy, err) != 0) {
        free(a);
        return err->code;
    }
    size_t max = c->audit_log_maxsize_mb > 0 ? (size_t)c->audit_log_maxsize_mb << 20 : 0;
    if (audit_log_open(c->audit_log_path, max, c->audit_log_maxbackup, c->audit_log_maxage, &a->log,
                       err) != 0) {
        audit_policy_free(a->policy);
        free(a);
        return err->code;
    }
    s->audit = a;
    return 0;
}

void apiserver__audit_free(apiserver_t *s)
{
    audit_t *a = s->audit;
    if (!a)
        return;
    audit_log_close(a->log);
    audit_policy_free(a->policy);
    free(a);
    s->audit = NULL;
}

/* RFC 3339 UTC with microseconds, as upstream's MicroTime. */
static void micro_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    /* tv_nsec is below 10^9, so the microseconds are six digits at most. */
    snprintf(buf + n, len - n, ".%06dZ", (int)(ts.tv_nsec / 1000) % 1000000);
}

static char *request_uri(const api_req_t *r)
{
    h2o_req_t *req = r->h2o;
    if (req)
        return xstrndup(req->path.base, req->path.len);
    if (r->call && r->call->path)
        return xstrdup(r->call->path);
    return xstrdup(r->path);
}

static json_t *source_ips(const api_req_t *r)
{
    json_t *ips = json_array();
    h2o_req_t *req = r->h2o;
    if (!req || !req->conn || !req->conn->callbacks || !req->conn->callbacks->get_peername)
        return ips;
    struct sockaddr_storage ss;
    socklen_t n = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    char host[INET6_ADDRSTRLEN] = "";
    if (n > 0 && ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
    else if (n > 0 && ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
    if (*host)
        json_array_append_new(ips, json_string(host));
    return ips;
}

static json_t *decode(const char *content_type, const char *body, size_t len)
{
    if (!body || len == 0)
        return NULL;
    json_t *v = NULL;
    if (content_type && strstr(content_type, "yaml")) {
        c8s_err_t err = C8S_ERR_INIT;
        if (yaml_to_json(body, len, &v, &err) != 0)
            v = NULL;
        c8s_err_clear(&err);
    } else {
        v = json_loadb(body, len, 0, NULL);
    }
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static void emit(apiserver_t *s, audit_req_t *ar, const char *stage)
{
    json_t *e = json_copy(ar->event);
    json_object_set_new(e, "stage", json_string(stage));
    char now[40];
    micro_now(now, sizeof(now));
    if (strcmp(stage, "RequestReceived") != 0) {
        json_object_set_new(e, "responseStatus",
                            json_pack("{s:{}, s:i}", "metadata", "code", ar->code));
        if (ar->response_obj)
            json_object_set(e, "responseObject", ar->response_obj);
    }
    if (ar->request_obj)
        json_object_set(e, "requestObject", ar->request_obj);
    json_object_set_new(e, "requestReceivedTimestamp", json_string(ar->received));
    json_object_set_new(e, "stageTimestamp", json_string(now));
    char *line = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(e);
    if (line) {
        audit_log_write(s->audit->log, line, strlen(line));
        free(line);
    }
}

void apiserver__audit_begin(api_req_t *r)
{
    apiserver_t *s = r->srv;
    char id[37];
    apiserver__uuid(id);
    if (!r->call)
        apiserver__add_header(r, "Audit-Id", id);
    if (!s->audit || r->audit)
        return;
    apiserver_reqinfo_t ri;
    apiserver__reqinfo(r, &ri);
    const auth_user_t *u = apiserver__req_user(r);
    /* The server's own calls act as system:apiserver (system:masters). */
    static const char *const self_groups[] = {AUTH_GROUP_MASTERS, AUTH_GROUP_AUTHENTICATED};
    auth_user_t *self = NULL;
    if (!u && r->call)
        u = self = auth_user_new(AUTH_USER_APISERVER, NULL, self_groups, 2);
    unsigned omit = 0;
    audit_level_t level = audit_policy_match(s->audit->policy, u, &ri.attrs, &omit);
    if (level == AUDIT_LEVEL_NONE) {
        apiserver__reqinfo_free(&ri);
        auth_user_free(self);
        return;
    }
    audit_req_t *ar = xcalloc(1, sizeof(*ar));
    ar->level = level;
    ar->omit = omit;
    memcpy(ar->id, id, sizeof(id));
    micro_now(ar->received, sizeof(ar->received));
    const auth_attrs_t *a = &ri.attrs;
    json_t *e = json_object();
    json_object_set_new(e, "kind", json_string("Event"));
    json_object_set_new(e, "apiVersion", json_string("audit.k8s.io/v1"));
    json_object_set_new(e, "level", json_string(audit_level_name(level)));
    json_object_set_new(e, "auditID", json_string(id));
    json_object_set_new(e, "stage", json_string(""));
    cleanup_free char *uri = request_uri(r);
    json_object_set_new(e, "requestURI", json_string(uri));
    json_object_set_new(e, "verb", json_string(a->verb));
    if (u) {
        json_object_set_new(e, "user", auth_user_to_json(u));
    } else {
        static const char *const anon[] = {AUTH_GROUP_UNAUTHENTICATED};
        auth_user_t *an = auth_user_new(AUTH_USER_ANONYMOUS, NULL, anon, 1);
        json_object_set_new(e, "user", auth_user_to_json(an));
        auth_user_free(an);
    }
    json_t *ips = source_ips(r);
    if (json_array_size(ips))
        json_object_set_new(e, "sourceIPs", ips);
    else
        json_decref(ips);
    if (r->h2o) {
        ssize_t i = h2o_find_header(&r->h2o->headers, H2O_TOKEN_USER_AGENT, -1);
        if (i >= 0)
            json_object_set_new(e, "userAgent",
                                json_stringn(r->h2o->headers.entries[i].value.base,
                                             r->h2o->headers.entries[i].value.len));
    }
    if (a->resource_request) {
        json_t *ref = json_object();
        json_object_set_new(ref, "resource", json_string(a->resource));
        if (a->ns)
            json_object_set_new(ref, "namespace", json_string(a->ns));
        if (a->name)
            json_object_set_new(ref, "name", json_string(a->name));
        if (a->api_group && *a->api_group)
            json_object_set_new(ref, "apiGroup", json_string(a->api_group));
        json_object_set_new(ref, "apiVersion", json_string(a->api_version));
        if (a->subresource)
            json_object_set_new(ref, "subresource", json_string(a->subresource));
        json_object_set_new(e, "objectRef", ref);
        ar->create = strcmp(a->verb, "create") == 0 && !a->name;
    }
    ar->event = e;
    if (level >= AUDIT_LEVEL_REQUEST)
        ar->request_obj = decode(r->content_type, r->body, r->body_len);
    r->audit = ar;
    apiserver__reqinfo_free(&ri);
    auth_user_free(self);
    if (!(ar->omit & AUDIT_STAGE_REQUEST_RECEIVED))
        emit(s, ar, "RequestReceived");
}

void apiserver__audit_answer(api_req_t *r, int code, const char *content_type, const char *body,
                             size_t len)
{
    audit_req_t *ar = r->audit;
    if (!ar)
        return;
    ar->code = code;
    json_t *obj = NULL;
    if ((ar->level >= AUDIT_LEVEL_REQUEST_RESPONSE || (ar->create && code < 300)) && content_type &&
        strstr(content_type, "json"))
        obj = decode(content_type, body, len);
    if (ar->create && code < 300 && obj) {
        /* upstream fills objectRef from the created object (its generated name too) */
        json_t *ref = json_object_get(ar->event, "objectRef");
        json_t *md = json_object_get(obj, "metadata");
        if (ref && json_is_string(json_object_get(md, "name")))
            json_object_set(ref, "name", json_object_get(md, "name"));
        if (ref && json_is_string(json_object_get(md, "uid")))
            json_object_set(ref, "uid", json_object_get(md, "uid"));
    }
    if (ar->level >= AUDIT_LEVEL_REQUEST_RESPONSE) {
        json_decref(ar->response_obj);
        ar->response_obj = obj;
    } else {
        json_decref(obj);
    }
}

void apiserver__audit_end(api_req_t *r)
{
    audit_req_t *ar = r->audit;
    if (!ar)
        return;
    r->audit = NULL;
    if (ar->code == 0)
        ar->code = 500; /* ended without an answer: the client went away or the server stopped */
    if (!(ar->omit & AUDIT_STAGE_RESPONSE_COMPLETE))
        emit(r->srv, ar, "ResponseComplete");
    json_decref(ar->event);
    json_decref(ar->request_obj);
    json_decref(ar->response_obj);
    free(ar);
}

void apiserver__audit_annotate(api_req_t *r, const char *key, const char *value)
{
    audit_req_t *a = r->audit;
    if (!a || !a->event || !key || !value)
        return;
    json_t *ann = json_object_get(a->event, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(a->event, "annotations", ann);
    }
    json_object_set_new(ann, key, json_string(value));
}
