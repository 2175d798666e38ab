/*
 * podsecurity.c — Pod Security Admission's checks (the Pod Security Standards' baseline and
 * restricted levels, "latest" rules), each reporting upstream's reason and detail so that
 * refusals and warnings read as upstream's: `privileged (container "c" must not set
 * securityContext.privileged=true)`. Results are listed in upstream's order (by check id).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int admission_psa_level(const char *value)
{
    if (!value)
        return -1;
    if (!strcmp(value, "privileged"))
        return PSA_PRIVILEGED;
    if (!strcmp(value, "baseline"))
        return PSA_BASELINE;
    if (!strcmp(value, "restricted"))
        return PSA_RESTRICTED;
    return -1;
}

psa_level_t admission_psa_mode(const json_t *labels, const char *mode, char *version, size_t len)
{
    char key[96];
    snprintf(key, sizeof key, "pod-security.kubernetes.io/%s", mode);
    int lvl = admission_psa_level(admission__str(labels, key));
    snprintf(key, sizeof key, "pod-security.kubernetes.io/%s-version", mode);
    const char *v = admission__str(labels, key);
    snprintf(version, len, "%s", v && *v ? v : "latest");
    return lvl < 0 ? PSA_PRIVILEGED : (psa_level_t)lvl;
}

/* The pod's containers in upstream's visiting order: init, regular, ephemeral. */
typedef bool (*visit_fn)(const json_t *c, const json_t *pod_sc, void *data);
static void each_container(const json_t *spec, visit_fn fn, void *data)
{
    static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
    const json_t *psc = json_object_get(spec, "securityContext");
    for (size_t l = 0; l < C8S_ARRAY_SIZE(lists); l++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[l]), i, c) fn(c, psc, data);
    }
}

static const char *cname(const json_t *c)
{
    const char *n = admission__str(c, "name");
    return n ? n : "";
}

static const json_t *csc(const json_t *c, const char *field)
{
    return json_object_get(json_object_get(c, "securityContext"), field);
}

/* Appends a quoted, comma-separated list item. */
static void add_quoted(json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (!strcmp(json_string_value(v), s)) return;
    json_array_append_new(list, json_string(s));
}

static char *quoted(const json_t *list)
{
    strbuf_t b = STRBUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach((json_t *)list, i, v)
    {
        if (i)
            strbuf_add(&b, ", ");
        strbuf_addf(&b, "\"%s\"", json_string_value(v));
    }
    return strbuf_take(&b);
}

/* `container "a"` or `containers "a", "b"` (owned). */
static char *who(const char *one, const char *many, const json_t *names)
{
    cleanup_free char *q = quoted(names);
    return xasprintf("%s %s", json_array_size(names) == 1 ? one : many, q);
}

typedef struct {
    strbuf_t out;
} result_t;

static void fail(result_t *r, const char *reason, const char *detail)
{
    if (r->out.len)
        strbuf_add(&r->out, ", ");
    strbuf_addf(&r->out, "%s (%s)", reason, detail);
}

/* ---- the checks, by id ---- */

static bool ape_visit(const json_t *c, const json_t *psc, void *data)
{
    if (!json_is_false(csc(c, "allowPrivilegeEscalation")))
        add_quoted(data, cname(c));
    return true;
}

static void check_allow_privilege_escalation(result_t *r, const json_t *spec)
{
    json_t *bad = json_array();
    each_container(spec, ape_visit, bad);
    if (json_array_size(bad)) {
        cleanup_free char *w = who("container", "containers", bad);
        cleanup_free char *d =
            xasprintf("%s must set securityContext.allowPrivilegeEscalation=false", w);
        fail(r, "allowPrivilegeEscalation != false", d);
    }
    json_decref(bad);
}

static bool apparmor_ok(const char *v)
{
    return !v || !strcmp(v, "runtime/default") || !strncmp(v, "localhost/", 10);
}

static bool aa_visit(const json_t *c, const json_t *psc, void *data)
{
    const char *t = admission__str(csc(c, "appArmorProfile"), "type");
    if (t && !strcmp(t, "Unconfined"))
        add_quoted(data, cname(c));
    return true;
}

static void check_apparmor(result_t *r, const json_t *meta, const json_t *spec)
{
    strbuf_t d = STRBUF_INIT;
    int n = 0;
    const char *t =
        admission__str(admission__get(spec, "securityContext", "appArmorProfile"), "type");
    if (t && !strcmp(t, "Unconfined")) {
        strbuf_sep(&d, ", ",
                   "pod must not set securityContext.appArmorProfile.type to "
                   "\"Unconfined\"");
        n++;
    }
    json_t *bad = json_array();
    each_container(spec, aa_visit, bad);
    if (json_array_size(bad)) {
        cleanup_free char *w = who("container", "containers", bad);
        cleanup_free char *s =
            xasprintf("%s must not set securityContext.appArmorProfile.type to \"Unconfined\"", w);
        strbuf_sep(&d, ", ", s);
        n++;
    }
    json_decref(bad);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(meta, "annotations"), k, v)
    {
        if (strncmp(k, "container.apparmor.security.beta.kubernetes.io/", 47) != 0 ||
            apparmor_ok(json_string_value(v)))
            continue;
        cleanup_free char *s = xasprintf("%s=\"%s\"", k, json_string_value(v));
        strbuf_sep(&d, ", ", s);
        n++;
    }
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, n == 1 ? "forbidden AppArmor profile" : "forbidden AppArmor profiles", s);
        free(s);
    }
    strbuf_free(&d);
}

static const char *const baseline_caps[] = {
    "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};

typedef struct {
    json_t *names, *caps;
    bool restricted;
    json_t *nodrop; /* restricted: containers not dropping ALL */
} caps_t;

static bool caps_visit(const json_t *c, const json_t *psc, void *data)
{
    caps_t *ct = data;
    const json_t *caps = csc(c, "capabilities");
    size_t i;
    json_t *v;
    bool bad = false;
    json_array_foreach(json_object_get(caps, "add"), i, v)
    {
        const char *cap = json_string_value(v);
        if (!cap)
            continue;
        bool ok = false;
        if (ct->restricted)
            ok = !strcmp(cap, "NET_BIND_SERVICE");
        else
            for (size_t j = 0; j < C8S_ARRAY_SIZE(baseline_caps); j++)
                ok = ok || !strcmp(cap, baseline_caps[j]);
        if (!ok) {
            add_quoted(ct->caps, cap);
            bad = true;
        }
    }
    if (bad)
        add_quoted(ct->names, cname(c));
    if (ct->restricted) {
        bool drops_all = false;
        json_array_foreach(json_object_get(caps, "drop"), i, v) drops_all =
            drops_all || (json_string_value(v) && !strcmp(json_string_value(v), "ALL"));
        if (!drops_all)
            add_quoted(ct->nodrop, cname(c));
    }
    return true;
}

static void check_capabilities(result_t *r, const json_t *spec, bool restricted)
{
    caps_t ct = {json_array(), json_array(), restricted, json_array()};
    each_container(spec, caps_visit, &ct);
    strbuf_t d = STRBUF_INIT;
    if (json_array_size(ct.nodrop)) {
        cleanup_free char *w = who("container", "containers", ct.nodrop);
        strbuf_addf(&d, "%s must set securityContext.capabilities.drop=[\"ALL\"]", w);
    }
    if (json_array_size(ct.names)) {
        cleanup_free char *w = who("container", "containers", ct.names);
        cleanup_free char *c = quoted(ct.caps);
        if (d.len)
            strbuf_add(&d, "; ");
        strbuf_addf(&d, "%s must not include %s in securityContext.capabilities.add", w, c);
    }
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, restricted ? "unrestricted capabilities" : "non-default capabilities", s);
        free(s);
    }
    strbuf_free(&d);
    json_decref(ct.names);
    json_decref(ct.caps);
    json_decref(ct.nodrop);
}

static void check_host_namespaces(result_t *r, const json_t *spec)
{
    strbuf_t d = STRBUF_INIT;
    if (json_is_true(json_object_get(spec, "hostNetwork")))
        strbuf_sep(&d, ", ", "hostNetwork=true");
    if (json_is_true(json_object_get(spec, "hostPID")))
        strbuf_sep(&d, ", ", "hostPID=true");
    if (json_is_true(json_object_get(spec, "hostIPC")))
        strbuf_sep(&d, ", ", "hostIPC=true");
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, "host namespaces", s);
        free(s);
    }
    strbuf_free(&d);
}

static void check_host_path(result_t *r, const json_t *spec)
{
    json_t *bad = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v) if (json_object_get(v, "hostPath"))
        add_quoted(bad, admission__str(v, "name") ? admission__str(v, "name") : "");
    if (json_array_size(bad)) {
        cleanup_free char *w = who("volume", "volumes", bad);
        fail(r, "hostPath volumes", w);
    }
    json_decref(bad);
}

typedef struct {
    json_t *names, *ports;
} ports_t;

static bool ports_visit(const json_t *c, const json_t *psc, void *data)
{
    ports_t *pt = data;
    size_t i;
    json_t *p;
    bool bad = false;
    json_array_foreach(json_object_get(c, "ports"), i, p)
    {
        json_int_t hp = json_integer_value(json_object_get(p, "hostPort"));
        if (hp != 0) {
            char buf[24];
            snprintf(buf, sizeof buf, "%lld", (long long)hp);
            add_quoted(pt->ports, buf);
            bad = true;
        }
    }
    if (bad)
        add_quoted(pt->names, cname(c));
    return true;
}

static void check_host_ports(result_t *r, const json_t *spec)
{
    ports_t pt = {json_array(), json_array()};
    each_container(spec, ports_visit, &pt);
    if (json_array_size(pt.names)) {
        cleanup_free char *w = who("container", "containers", pt.names);
        strbuf_t b = STRBUF_INIT;
        size_t i;
        json_t *v;
        json_array_foreach(pt.ports, i, v) strbuf_sep(&b, ", ", json_string_value(v));
        cleanup_free char *ports = strbuf_take(&b);
        bool one = json_array_size(pt.names) == 1;
        cleanup_free char *d =
            xasprintf("%s %s %s %s", w, one ? "uses" : "use",
                      json_array_size(pt.ports) == 1 ? "hostPort" : "hostPorts", ports);
        fail(r, "hostPort", d);
    }
    json_decref(pt.names);
    json_decref(pt.ports);
}

static bool priv_visit(const json_t *c, const json_t *psc, void *data)
{
    if (json_is_true(csc(c, "privileged")))
        add_quoted(data, cname(c));
    return true;
}

static void check_privileged(result_t *r, const json_t *spec)
{
    json_t *bad = json_array();
    each_container(spec, priv_visit, bad);
    if (json_array_size(bad)) {
        cleanup_free char *w = who("container", "containers", bad);
        cleanup_free char *d = xasprintf("%s must not set securityContext.privileged=true", w);
        fail(r, "privileged", d);
    }
    json_decref(bad);
}

static bool proc_visit(const json_t *c, const json_t *psc, void *data)
{
    const char *pm = json_string_value(csc(c, "procMount"));
    if (pm && strcmp(pm, "Default") != 0)
        add_quoted(data, cname(c));
    return true;
}

static void check_proc_mount(result_t *r, const json_t *spec)
{
    json_t *bad = json_array();
    each_container(spec, proc_visit, bad);
    if (json_array_size(bad)) {
        cleanup_free char *w = who("container", "containers", bad);
        cleanup_free char *d =
            xasprintf("%s must not set securityContext.procMount to \"Unmasked\"", w);
        fail(r, "procMount", d);
    }
    json_decref(bad);
}

static void check_restricted_volumes(result_t *r, const json_t *spec)
{
    static const char *const allowed[] = {"configMap", "csi",       "downwardAPI",
                                          "emptyDir",  "ephemeral", "persistentVolumeClaim",
                                          "projected", "secret"};
    json_t *names = json_array(), *types = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(spec, "volumes"), i, v)
    {
        const char *k;
        json_t *src;
        json_object_foreach(v, k, src)
        {
            if (!strcmp(k, "name") || json_is_null(src))
                continue;
            bool ok = false;
            for (size_t a = 0; a < C8S_ARRAY_SIZE(allowed); a++)
                ok = ok || !strcmp(k, allowed[a]);
            if (!ok) {
                add_quoted(names, admission__str(v, "name") ? admission__str(v, "name") : "");
                add_quoted(types, k);
            }
        }
    }
    if (json_array_size(names)) {
        cleanup_free char *w = who("volume", "volumes", names);
        cleanup_free char *t = quoted(types);
        bool one = json_array_size(names) == 1;
        cleanup_free char *d = xasprintf("%s %s restricted volume %s %s", w, one ? "uses" : "use",
                                         json_array_size(types) == 1 ? "type" : "types", t);
        fail(r, "restricted volume types", d);
    }
    json_decref(names);
    json_decref(types);
}

typedef struct {
    bool pod_true;
    json_t *explicit_false, *unset;
} nonroot_t;

static bool nonroot_visit(const json_t *c, const json_t *psc, void *data)
{
    nonroot_t *nt = data;
    const json_t *v = csc(c, "runAsNonRoot");
    if (json_is_false(v))
        add_quoted(nt->explicit_false, cname(c));
    else if (!json_is_true(v) && !nt->pod_true)
        add_quoted(nt->unset, cname(c));
    return true;
}

static void check_run_as_non_root(result_t *r, const json_t *spec)
{
    const json_t *pv = admission__get(spec, "securityContext", "runAsNonRoot");
    nonroot_t nt = {json_is_true(pv), json_array(), json_array()};
    each_container(spec, nonroot_visit, &nt);
    strbuf_t d = STRBUF_INIT;
    if (json_is_false(pv))
        strbuf_sep(&d, ", ", "pod must not set securityContext.runAsNonRoot=false");
    if (json_array_size(nt.explicit_false)) {
        cleanup_free char *w = who("container", "containers", nt.explicit_false);
        cleanup_free char *s = xasprintf("%s must not set securityContext.runAsNonRoot=false", w);
        strbuf_sep(&d, ", ", s);
    }
    if (json_array_size(nt.unset) && !json_is_false(pv)) {
        cleanup_free char *w = who("pod or container", "pod or containers", nt.unset);
        cleanup_free char *s = xasprintf("%s must set securityContext.runAsNonRoot=true", w);
        strbuf_sep(&d, ", ", s);
    }
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, "runAsNonRoot != true", s);
        free(s);
    }
    strbuf_free(&d);
    json_decref(nt.explicit_false);
    json_decref(nt.unset);
}

static bool user_visit(const json_t *c, const json_t *psc, void *data)
{
    const json_t *u = csc(c, "runAsUser");
    if (json_is_integer(u) && json_integer_value(u) == 0)
        add_quoted(data, cname(c));
    return true;
}

static void check_run_as_user(result_t *r, const json_t *spec)
{
    strbuf_t d = STRBUF_INIT;
    const json_t *pu = admission__get(spec, "securityContext", "runAsUser");
    if (json_is_integer(pu) && json_integer_value(pu) == 0)
        strbuf_sep(&d, ", ", "pod must not set runAsUser=0");
    json_t *bad = json_array();
    each_container(spec, user_visit, bad);
    if (json_array_size(bad)) {
        cleanup_free char *w = who("container", "containers", bad);
        cleanup_free char *s = xasprintf("%s must not set runAsUser=0", w);
        strbuf_sep(&d, ", ", s);
    }
    json_decref(bad);
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, "runAsUser=0", s);
        free(s);
    }
    strbuf_free(&d);
}

static bool selinux_bad(const json_t *o, strbuf_t *what)
{
    static const char *const types[] = {"", "container_t", "container_init_t", "container_kvm_t",
                                        "container_engine_t"};
    bool bad = false;
    const char *t = admission__str(o, "type");
    if (t) {
        bool ok = false;
        for (size_t i = 0; i < C8S_ARRAY_SIZE(types); i++)
            ok = ok || !strcmp(t, types[i]);
        if (!ok) {
            strbuf_addf(what, "%stype \"%s\"", what->len ? "; " : "", t);
            bad = true;
        }
    }
    static const char *const fields[] = {"user", "role"};
    for (size_t i = 0; i < 2; i++) {
        const char *v = admission__str(o, fields[i]);
        if (v && *v) {
            strbuf_addf(what, "%s%s \"%s\"", what->len ? "; " : "", fields[i], v);
            bad = true;
        }
    }
    return bad;
}

typedef struct {
    json_t *names;
    strbuf_t what;
} selinux_t;

static bool selinux_visit(const json_t *c, const json_t *psc, void *data)
{
    selinux_t *st = data;
    const json_t *o = csc(c, "seLinuxOptions");
    if (o && selinux_bad(o, &st->what))
        add_quoted(st->names, cname(c));
    return true;
}

static void check_selinux(result_t *r, const json_t *spec)
{
    selinux_t st = {json_array(), STRBUF_INIT};
    const json_t *po = admission__get(spec, "securityContext", "seLinuxOptions");
    bool pod_bad = po && selinux_bad(po, &st.what);
    each_container(spec, selinux_visit, &st);
    if (pod_bad || json_array_size(st.names)) {
        strbuf_t d = STRBUF_INIT;
        if (pod_bad)
            strbuf_add(&d, json_array_size(st.names) ? "pod and " : "pod");
        if (json_array_size(st.names)) {
            cleanup_free char *w = who("container", "containers", st.names);
            strbuf_add(&d, w);
        }
        cleanup_free char *what = strbuf_take(&st.what);
        strbuf_addf(&d, " set%s forbidden securityContext.seLinuxOptions: %s",
                    (!pod_bad && json_array_size(st.names) == 1) ? "s" : "", what);
        char *s = strbuf_take(&d);
        fail(r, "seLinuxOptions", s);
        free(s);
    }
    strbuf_free(&st.what);
    json_decref(st.names);
}

typedef struct {
    bool pod_valid, restricted;
    json_t *unset, *bad;
} seccomp_t;

static bool seccomp_visit(const json_t *c, const json_t *psc, void *data)
{
    seccomp_t *st = data;
    const char *t = admission__str(csc(c, "seccompProfile"), "type");
    if (t && !strcmp(t, "Unconfined"))
        add_quoted(st->bad, cname(c));
    else if (st->restricted && !t && !st->pod_valid)
        add_quoted(st->unset, cname(c));
    else if (st->restricted && t && strcmp(t, "RuntimeDefault") && strcmp(t, "Localhost"))
        add_quoted(st->bad, cname(c));
    return true;
}

static void check_seccomp(result_t *r, const json_t *spec, bool restricted)
{
    const char *pt =
        admission__str(admission__get(spec, "securityContext", "seccompProfile"), "type");
    bool pod_valid = pt && (!strcmp(pt, "RuntimeDefault") || !strcmp(pt, "Localhost"));
    seccomp_t st = {pod_valid, restricted, json_array(), json_array()};
    each_container(spec, seccomp_visit, &st);
    strbuf_t d = STRBUF_INIT;
    if (pt && !strcmp(pt, "Unconfined"))
        strbuf_sep(&d, ", ",
                   "pod must not set securityContext.seccompProfile.type to "
                   "\"Unconfined\"");
    if (json_array_size(st.bad)) {
        cleanup_free char *w = who("container", "containers", st.bad);
        cleanup_free char *s =
            xasprintf("%s must not set securityContext.seccompProfile.type to \"Unconfined\"", w);
        strbuf_sep(&d, ", ", s);
    }
    if (json_array_size(st.unset)) {
        cleanup_free char *w = who("pod or container", "pod or containers", st.unset);
        cleanup_free char *s = xasprintf("%s must set securityContext.seccompProfile.type to "
                                         "\"RuntimeDefault\" or \"Localhost\"",
                                         w);
        strbuf_sep(&d, ", ", s);
    }
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, "seccompProfile", s);
        free(s);
    }
    strbuf_free(&d);
    json_decref(st.unset);
    json_decref(st.bad);
}

static void check_sysctls(result_t *r, const json_t *spec)
{
    static const char *const allowed[] = {"kernel.shm_rmid_forced",
                                          "net.ipv4.ip_local_port_range",
                                          "net.ipv4.ip_unprivileged_port_start",
                                          "net.ipv4.tcp_syncookies",
                                          "net.ipv4.ping_group_range",
                                          "net.ipv4.ip_local_reserved_ports",
                                          "net.ipv4.tcp_keepalive_time",
                                          "net.ipv4.tcp_fin_timeout",
                                          "net.ipv4.tcp_keepalive_intvl",
                                          "net.ipv4.tcp_keepalive_probes"};
    strbuf_t d = STRBUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(admission__get(spec, "securityContext", "sysctls"), i, v)
    {
        const char *n = admission__str(v, "name");
        if (!n)
            continue;
        bool ok = false;
        for (size_t a = 0; a < C8S_ARRAY_SIZE(allowed); a++)
            ok = ok || !strcmp(n, allowed[a]);
        if (!ok)
            strbuf_sep(&d, ", ", n);
    }
    if (d.len) {
        char *s = strbuf_take(&d);
        fail(r, "forbidden sysctls", s);
        free(s);
    }
    strbuf_free(&d);
}

char *admission_psa_check(psa_level_t level, const json_t *meta, const json_t *spec)
{
    if (level == PSA_PRIVILEGED || !json_is_object(spec))
        return NULL;
    bool restricted = level == PSA_RESTRICTED;
    result_t r = {STRBUF_INIT};
    /* Upstream's order is by check id; a restricted check replaces its baseline namesake
     * (capabilities, seccompProfile, and restrictedVolumes for hostPathVolumes). */
    if (restricted)
        check_allow_privilege_escalation(&r, spec);
    check_apparmor(&r, meta, spec);
    check_capabilities(&r, spec, restricted);
    check_host_namespaces(&r, spec);
    if (!restricted)
        check_host_path(&r, spec);
    check_host_ports(&r, spec);
    check_privileged(&r, spec);
    check_proc_mount(&r, spec);
    if (restricted) {
        check_restricted_volumes(&r, spec);
        check_run_as_non_root(&r, spec);
        check_run_as_user(&r, spec);
    }
    check_selinux(&r, spec);
    check_seccomp(&r, spec, restricted);
    check_sysctls(&r, spec);
    if (!r.out.len)
        return NULL;
    return strbuf_take(&r.out);
}
