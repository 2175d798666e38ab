/*
 * controllers.h — the controller role: a thread with its own loop running level-triggered
 * reconcilers over shared informers, talking to the API through the in-process client (so every
 * write goes through the same handler chain as kubectl's).
 */
#ifndef C8S_CONTROLLERS_H
#define C8S_CONTROLLERS_H

#include "c8s/apiserver.h"
#include "c8s/base.h"

typedef struct controllers_s controllers_t;

/* Starts the controller thread against srv (which must outlive it). *out is owned. */
int controllers_start(apiserver_t *srv, controllers_t **out, c8s_err_t *err);
/* Stops every controller, joins the thread and frees cm. Call before apiserver_stop. */
void controllers_stop(controllers_t *cm);

#endif
