/*
 * scheduler.h — the scheduler role: a thread with its own loop that places every pending pod
 * (no spec.nodeName, schedulerName default-scheduler or unset) on a node through the
 * pods/binding subresource, using the pure core of sched.h over informer-fed snapshots. Of
 * several servers on one etcd only the one holding the Lease kube-system/c8s-scheduler schedules.
 */
#ifndef C8S_SCHEDULER_H
#define C8S_SCHEDULER_H

#include "c8s/apiserver.h"
#include "c8s/base.h"

typedef struct scheduler_s scheduler_t;

/* Starts the scheduler thread against srv (which must outlive it). *out is owned. */
int scheduler_start(apiserver_t *srv, scheduler_t **out, c8s_err_t *err);
/* Stops it, joins the thread and frees s. Call before apiserver_stop. */
void scheduler_stop(scheduler_t *s);

#endif
