/*
 * nodeadmit.h — the kubelet's own admission of a pod bound to its node, before it starts
 * anything (upstream's predicate admit handler): the pod count, the cpu and memory requests of
 * the pods already admitted plus this one against the node's allocatable, and host ports in use.
 * The scheduler checked the same against its cache; the kubelet checks again against what really
 * runs here (the seeds' optimistic-concurrency story), so two pods bound at once onto the last
 * room do not both run. Pure: no I/O.
 */
#ifndef C8S_NODEADMIT_H
#define C8S_NODEADMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The node's allocatable: cpu in millicores, memory in bytes, the pod count (110 by default). */
typedef struct nodeadmit_alloc_s {
    int64_t cpu_milli, mem_bytes, pods;
} nodeadmit_alloc_t;

/* Whether pod (borrowed) fits next to the n pods of admitted (borrowed; active pods already
 * admitted here). When it does not: *reason gets upstream's reason (static: "OutOfpods",
 * "OutOfcpu", "OutOfmemory" — the first lacking resource in that order — or "NodePorts") and
 * *message upstream's status message (owned), e.g. "Pod was rejected: Node didn't have enough
 * resource: cpu, requested: 2000, used: 500, capacity: 2000". Requests are upstream's effective
 * ones (max of the app containers' sum and each init container, plus overhead); a pod with
 * malformed quantities is rejected as UnexpectedAdmissionError. */
bool nodeadmit_fits(const json_t *pod, const json_t *const *admitted, size_t n,
                    const nodeadmit_alloc_t *alloc, const char **reason, char **message);

#endif
