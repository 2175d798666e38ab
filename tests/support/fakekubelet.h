/*
 * fakekubelet.h — a stand-in for the kubelet in controller tests: on the test's own loop, with
 * an in-process client, it watches every pod, binds the unscheduled ones to its node, and marks
 * them Running and Ready (phase, Ready/ContainersReady conditions, containerStatuses, podIP,
 * startTime) — after a delay if asked, or keeps them not ready, or fails them, as a callback
 * decides per pod. A pod being deleted is removed at once (DELETE with gracePeriodSeconds=0),
 * as a real kubelet does once its containers have stopped.
 */
#ifndef C8S_FAKEKUBELET_H
#define C8S_FAKEKUBELET_H

#include "c8s/apiserver.h"

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

typedef struct fakekubelet_s fakekubelet_t;

typedef enum {
    FK_READY = 0, /* Running and Ready */
    FK_NOT_READY, /* Running, Ready=False (a failing readiness probe) */
    FK_FAIL,      /* phase Failed: its container exited 1 */
    FK_IGNORE,    /* left alone (not even bound) */
    FK_DEAD,      /* its kubelet is gone: nothing happens to it, not even a deletion's end */
} fk_action_t;

typedef struct fakekubelet_config_s {
    const char *node;        /* spec.nodeName given to unscheduled pods; "fake-node" when NULL */
    uint64_t ready_delay_ms; /* from first sight of a pod to its status */
    /* Decides per pod (borrowed); NULL: every pod FK_READY. Asked again on every change of the
     * pod and on fakekubelet_poke. */
    fk_action_t (*decide)(const json_t *pod, void *data);
    void *data;
} fakekubelet_config_t;

/* Starts on loop (the caller runs it). cfg is copied (node string too). Owned: fakekubelet_stop. */
fakekubelet_t *fakekubelet_start(apiserver_t *srv, uv_loop_t *loop,
                                 const fakekubelet_config_t *cfg);
/* Looks at a pod again (after the decide callback's answer changed). */
void fakekubelet_poke(fakekubelet_t *fk, const char *ns, const char *name);
/* Stops and frees, running the loop until everything has let go. Call from outside loop
 * callbacks. */
void fakekubelet_stop(fakekubelet_t *fk);

#endif
