/* admit.c — the kubelet's admission of a pod against its node (see include/c8s/nodeadmit.h).
 * Requests and host ports are read by the scheduler's pod model, so both sides agree on what a
 * pod asks for. */
#include "c8s/nodeadmit.h"
#include "c8s/base.h"
#include "c8s/sched.h"

#include <string.h>

static bool port_conflict(const sched_hostport_t *a, const sched_hostport_t *b)
{
    if (a->port != b->port || a->proto != b->proto)
        return false;
    /* 0.0.0.0 holds the port on every address. */
    return strcmp(a->ip, "0.0.0.0") == 0 || strcmp(b->ip, "0.0.0.0") == 0 ||
           strcmp(a->ip, b->ip) == 0;
}

static char *insufficient(const char *res, int64_t req, int64_t used, int64_t cap)
{
    return xasprintf("Pod was rejected: Node didn't have enough resource: %s, requested: %lld, "
                     "used: %lld, capacity: %lld",
                     res, (long long)req, (long long)used, (long long)cap);
}

bool nodeadmit_fits(const json_t *pod, const json_t *const *admitted, size_t n,
                    const nodeadmit_alloc_t *alloc, const char **reason, char **message)
{
    *reason = NULL;
    *message = NULL;
    sched_pod_t *me = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    if (sched_pod_from_json(pod, &me, &err) != 0) {
        *reason = "UnexpectedAdmissionError";
        *message = xasprintf("Pod was rejected: %s", err.msg);
        c8s_err_clear(&err);
        return false;
    }
    int64_t cpu = 0, mem = 0;
    bool ports_clash = false;
    for (size_t i = 0; i < n; i++) {
        sched_pod_t *o = NULL;
        if (sched_pod_from_json(admitted[i], &o, &err) != 0) {
            c8s_err_clear(&err); /* admitted before: its malformed requests count as none */
            continue;
        }
        cpu += o->req.cpu;
        mem += o->req.mem;
        for (size_t a = 0; a < me->nports && !ports_clash; a++)
            for (size_t b = 0; b < o->nports && !ports_clash; b++)
                ports_clash = port_conflict(&me->ports[a], &o->ports[b]);
        sched_pod_unref(o);
    }
    /* Upstream's order: the pod count, then cpu, then memory; the first shortfall is the reason. */
    bool ok = true;
    if ((int64_t)n + 1 > alloc->pods) {
        *reason = "OutOfpods";
        *message = insufficient("pods", 1, (int64_t)n, alloc->pods);
        ok = false;
    } else if (me->req.cpu > 0 && me->req.cpu > alloc->cpu_milli - cpu) {
        *reason = "OutOfcpu";
        *message = insufficient("cpu", me->req.cpu, cpu, alloc->cpu_milli);
        ok = false;
    } else if (me->req.mem > 0 && me->req.mem > alloc->mem_bytes - mem) {
        *reason = "OutOfmemory";
        *message = insufficient("memory", me->req.mem, mem, alloc->mem_bytes);
        ok = false;
    } else if (ports_clash) {
        *reason = "NodePorts";
        *message = xstrdup("Pod was rejected: Predicate NodePorts failed: node(s) didn't have free "
                           "ports for the requested pod ports");
        ok = false;
    }
    sched_pod_unref(me);
    return ok;
}
