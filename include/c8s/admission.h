/*
 * admission.h — pure decisions of the built-in admission plugins (issue 8), over JSON.
 *
 * No I/O: callers look up what a decision needs (the namespace object, ...) and pass it in.
 * Not yet wired into the write path (src/apiserver/rest_write.c); see docs/api-compatibility.md.
 */
#ifndef C8S_ADMISSION_H
#define C8S_ADMISSION_H

#include "c8s/base.h"
#include <jansson.h>
#include <stdbool.h>

/* DefaultTolerationSeconds: adds the not-ready and unreachable NoExecute tolerations (300 s) to
 * a pod (modified in place) unless it already tolerates that taint. Returns 0 or C8S_EINVALID
 * when spec.tolerations is not an array. */
int admission_default_tolerations(json_t *pod, c8s_err_t *err);

/* NamespaceLifecycle for a create of a namespaced object in `ns`. `nsobj` is the Namespace as
 * read (borrowed; NULL when it does not exist). Returns 0, C8S_ENOTFOUND (missing namespace) or
 * C8S_EFORBIDDEN (terminating), with upstream's messages. */
int admission_namespace_create(const char *ns, const json_t *nsobj, c8s_err_t *err);

/* NamespaceLifecycle for a delete of Namespace `name`: the immortal ones are refused (403). */
int admission_namespace_delete(const char *name, c8s_err_t *err);

/* ServiceAccount (tokens, issue 8), as upstream's plugin for a pod create. */
#define ADMISSION_SA_MOUNT_PATH    "/var/run/secrets/kubernetes.io/serviceaccount"
#define ADMISSION_SA_VOLUME_PREFIX "kube-api-access-"
/* True for a mirror pod (annotation kubernetes.io/config.mirror): it is left alone. */
bool admission_sa_is_mirror(const json_t *pod);
/* spec.serviceAccountName, defaulted to "default" (and spec.serviceAccount to match); borrowed
 * from pod. */
const char *admission_sa_default_name(json_t *pod);
/* With the pod's ServiceAccount sa (borrowed): copies its imagePullSecrets when the pod has
 * none, and unless automountServiceAccountToken is false (the pod's wins over the account's)
 * adds the projected volume `volume_name` (token, kube-root-ca.crt's ca.crt, the namespace) and a
 * read-only mount of it at ADMISSION_SA_MOUNT_PATH in every container and init container that
 * has nothing mounted there. A pod that already has a kube-api-access-* volume keeps it. */
int admission_sa_mount(json_t *pod, const json_t *sa, const char *volume_name, c8s_err_t *err);

#endif
