/* version.h — the c8s version and the Kubernetes API version it speaks. */
#ifndef C8S_VERSION_H
#define C8S_VERSION_H
#define C8S_VERSION      "0.1.0"
#define C8S_KUBE_VERSION "v1.32.0"
#define C8S_KUBE_MAJOR   "1"
#define C8S_KUBE_MINOR   "32"
#endif
