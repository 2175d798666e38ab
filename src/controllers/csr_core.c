/*
 * csr_core.c — the decisions of the certificate controllers, pure over a CSR object (and a Node
 * for serving certificates): what the request asks for, whether it is a kubelet's client or
 * serving request as upstream's approver and signers define them, and what the signer would
 * refuse. No I/O; unit-tested in tests/unit/test_csr_core.c.
 */
#include "internal.h"

#include "c8s/kubeconfig.h"

#include <string.h>

bool controllers__csr_has(const json_t *csr, const char *type)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(csr, "status"), "conditions"), i, c)
    {
        const char *t = json_string_value(json_object_get(c, "type"));
        const char *s = json_string_value(json_object_get(c, "status"));
        if (t && !strcmp(t, type) && (!s || !strcmp(s, "True")))
            return true;
    }
    return false;
}

int controllers__csr_info(const json_t *csr, pki_csr_info_t *info, unsigned *usages, bool *other)
{
    const json_t *spec = json_object_get(csr, "spec");
    const char *req = json_string_value(json_object_get(spec, "request"));
    memset(info, 0, sizeof(*info));
    *usages = 0;
    *other = false;
    c8s_err_t err = C8S_ERR_INIT;
    char *pem = NULL;
    size_t n = 0;
    if (!req || kubeconfig_base64_decode(req, &pem, &n, &err) != 0) {
        c8s_err_clear(&err);
        return -1;
    }
    int rc = pki_csr_parse(pem, n, info, &err);
    free(pem);
    c8s_err_clear(&err);
    if (rc != 0)
        return -1;
    static const struct {
        const char *name;
        unsigned bit;
    } known[] = {{"digital signature", PKI_USAGE_DIGITAL_SIGNATURE},
                 {"key encipherment", PKI_USAGE_KEY_ENCIPHERMENT},
                 {"client auth", PKI_USAGE_CLIENT_AUTH},
                 {"server auth", PKI_USAGE_SERVER_AUTH}};
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(spec, "usages"), i, u)
    {
        const char *s = json_string_value(u);
        bool found = false;
        for (size_t k = 0; s && k < C8S_ARRAY_SIZE(known); k++)
            if (!strcmp(s, known[k].name)) {
                *usages |= known[k].bit;
                found = true;
            }
        if (!found)
            *other = true;
    }
    return 0;
}

static bool node_subject(const pki_csr_info_t *info)
{
    return info->cn && !strncmp(info->cn, AUTH_NODE_PREFIX, strlen(AUTH_NODE_PREFIX)) &&
           info->cn[strlen(AUTH_NODE_PREFIX)] && info->n_orgs == 1 &&
           !strcmp(info->orgs[0], AUTH_GROUP_NODES);
}

const char *controllers__csr_node_client_problem(const pki_csr_info_t *info, unsigned usages,
                                                 bool other)
{
    if (!node_subject(info))
        return "subject must be O=system:nodes, CN=system:node:<name>";
    if (info->n_dns || info->n_ips || info->n_other)
        return "a kubelet client certificate may have no subjectAltNames";
    /* upstream's kubelet client usages: client auth and digital signature, key encipherment
     * optional (it was required for RSA keys before 1.27). */
    if (other || (usages & PKI_USAGE_SERVER_AUTH) || !(usages & PKI_USAGE_CLIENT_AUTH) ||
        !(usages & PKI_USAGE_DIGITAL_SIGNATURE))
        return "usages must be client auth and digital signature (and key encipherment)";
    return NULL;
}

const char *controllers__csr_serving_problem(const pki_csr_info_t *info, unsigned usages,
                                             bool other)
{
    if (!node_subject(info))
        return "subject must be O=system:nodes, CN=system:node:<name>";
    if (info->n_other)
        return "a kubelet serving certificate may name only DNS names and IP addresses";
    if (info->n_dns + info->n_ips == 0)
        return "a kubelet serving certificate must name at least one DNS name or IP address";
    if (other || (usages & PKI_USAGE_CLIENT_AUTH) || !(usages & PKI_USAGE_SERVER_AUTH) ||
        !(usages & PKI_USAGE_DIGITAL_SIGNATURE))
        return "usages must be server auth and digital signature (and key encipherment)";
    return NULL;
}

const char *controllers__csr_signer_problem(const char *signer, const pki_csr_info_t *info,
                                            unsigned usages, bool other)
{
    if (!signer)
        return "no signerName";
    if (!strcmp(signer, CSR_SIGNER_CLIENT)) {
        if (other || (usages & PKI_USAGE_SERVER_AUTH) || !(usages & PKI_USAGE_CLIENT_AUTH))
            return "usages must include client auth and only digital signature, key "
                   "encipherment and client auth";
        return NULL;
    }
    if (!strcmp(signer, CSR_SIGNER_KUBELET_CLIENT))
        return controllers__csr_node_client_problem(info, usages, other);
    if (!strcmp(signer, CSR_SIGNER_KUBELET_SERVING))
        return controllers__csr_serving_problem(info, usages, other);
    return "not a signer of this cluster";
}

/* The node's names: its name and its addresses of every type. */
static bool node_names(const json_t *node, const char *s)
{
    const char *name =
        json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));
    if (name && !strcmp(name, s))
        return true;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(json_object_get(node, "status"), "addresses"), i, a)
    {
        const char *v = json_string_value(json_object_get(a, "address"));
        if (v && !strcmp(v, s))
            return true;
    }
    return false;
}

bool controllers__csr_serving_approvable(const json_t *csr, const pki_csr_info_t *info,
                                         unsigned usages, bool other, const json_t *node)
{
    if (controllers__csr_serving_problem(info, usages, other))
        return false;
    const json_t *spec = json_object_get(csr, "spec");
    const char *user = json_string_value(json_object_get(spec, "username"));
    bool in_nodes = false;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(spec, "groups"), i, g)
    {
        const char *s = json_string_value(g);
        in_nodes = in_nodes || (s && !strcmp(s, AUTH_GROUP_NODES));
    }
    /* Only the node itself, with the identity its client certificate gives it, and only for
     * the names the Node object says it has (as k3s' agent effectively gets). */
    if (!user || strcmp(user, info->cn) != 0 || !in_nodes || !node)
        return false;
    const char *nname =
        json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));
    if (!nname || strcmp(info->cn + strlen(AUTH_NODE_PREFIX), nname) != 0)
        return false;
    for (size_t k = 0; k < info->n_dns; k++)
        if (!node_names(node, info->dns[k]))
            return false;
    for (size_t k = 0; k < info->n_ips; k++)
        if (!node_names(node, info->ips[k]))
            return false;
    return true;
}
