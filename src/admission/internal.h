/* internal.h — helpers the admission plugins' pure cores share (the admission__ tier). */
#ifndef C8S_ADMISSION_INTERNAL_H
#define C8S_ADMISSION_INTERNAL_H

#include "c8s/admission.h"
#include "c8s/quantity.h"
#include "c8s/strbuf.h"

/* obj.a.b... as a JSON value (borrowed; NULL when any step is missing). */
json_t *admission__get(const json_t *obj, const char *a, const char *b);
const char *admission__str(const json_t *obj, const char *field);
/* A quantity out of a ResourceList; false when absent or malformed. */
bool admission__qty(const json_t *list, const char *name, quantity_t *out);
/* Canonical string of a quantity value (milli-units), into buf (at least 32 bytes). */
const char *admission__fmt_milli(int64_t milli, char *buf, size_t len);
/* Joins messages as upstream's utilerrors.NewAggregate prints them: one alone, several as
 * "[a, b]". Sets err (code) and returns code; 0 when msgs is empty. */
int admission__aggregate(const json_t *msgs, int code, c8s_err_t *err);

/* A pod's effective requests or limits (field): the sum over its containers, raised to any
 * single init container's value. Owned ResourceList. */
json_t *admission__pod_total(const json_t *spec, const char *field);

#endif
