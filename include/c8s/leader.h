/*
 * leader.h — leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection:
 * a candidate takes the Lease when it is free or its holder has not renewed it for a lease
 * duration (measured on the candidate's own clock from when it last saw the record change),
 * renews it every retry period, and gives leadership up when it has not renewed for the renew
 * deadline. Every write is a compare-and-swap on resourceVersion, so two candidates never both
 * hold it. Runs on the client's loop.
 */
#ifndef C8S_LEADER_H
#define C8S_LEADER_H

#include "c8s/client.h"

#include <stdbool.h>

typedef struct leader_s leader_t;

typedef struct leader_config_s {
    const char *ns;                 /* Lease namespace, e.g. kube-system */
    const char *name;               /* Lease name, e.g. c8s-controllers */
    const char *identity;           /* this candidate, unique */
    int lease_ms;                   /* default 15000 */
    int renew_deadline_ms;          /* default 10000 */
    int retry_ms;                   /* default 2000 */
    void (*on_started)(void *data); /* became leader */
    void (*on_stopped)(void *data); /* lost leadership (or released it on stop) */
    void *data;
} leader_config_t;

/* Starts campaigning at once. The config's strings are copied. Owned: leader_stop. */
leader_t *leader_start(client_t *c, const leader_config_t *cfg);
bool leader_is_leader(const leader_t *l);
/* Releases the Lease if held (so another can take it at once), then frees l and calls done. */
void leader_stop(leader_t *l, void (*done)(void *data), void *data);

#endif
