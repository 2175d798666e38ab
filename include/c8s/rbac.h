/*
 * rbac.h — role-based access control as upstream's rbac.authorization.k8s.io/v1 evaluates it:
 * PolicyRule matching, subjects, (Cluster)RoleBindings to Roles and ClusterRoles, the rules a
 * user holds in a namespace, and whether one rule set covers another (escalation prevention).
 *
 * Pure: no I/O. A policy is an index built from the Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding objects (JSON, as stored) and then only read; the API server rebuilds it
 * when its caches move on, so a decision never parses a binding.
 */
#ifndef C8S_RBAC_H
#define C8S_RBAC_H

#include "c8s/auth.h"

#include <jansson.h>
#include <stdbool.h>

typedef struct rbac_policy_s rbac_policy_t;

/* An empty policy (owned). */
rbac_policy_t *rbac_policy_new(void);
void rbac_policy_free(rbac_policy_t *p);
/* Adds one object (borrowed; what is needed is copied). kind: "Role", "ClusterRole",
 * "RoleBinding" or "ClusterRoleBinding"; other kinds and malformed objects are ignored. */
void rbac_policy_add(rbac_policy_t *p, const char *kind, const json_t *obj);
/* After the last add, and before any query (it orders the bindings for lookups by namespace):
 * a ClusterRole with an aggregationRule gets the union of the rules of the
 * ClusterRoles its selectors match (as the aggregation controller would have written them), in
 * case the controller has not yet caught up. */
void rbac_policy_finish(rbac_policy_t *p);
size_t rbac_policy_bindings(const rbac_policy_t *p);

/* The rules an aggregated ClusterRole gets: the union, in order, without duplicates, of the rules
 * of the ClusterRoles in roles (an array of objects, borrowed) whose labels match one of
 * aggregation_rule's clusterRoleSelectors (an empty selector matches nothing). Owned array. */
json_t *rbac_aggregated_rules(const json_t *aggregation_rule, const json_t *roles);

/* Does one PolicyRule (borrowed JSON) allow a? */
bool rbac_rule_allows(const json_t *rule, const auth_attrs_t *a);

/* ALLOW with upstream's reason (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to
 * Group "z"`, owned in *reason), or NO_OPINION (RBAC never denies). */
authz_decision_t rbac_authorize(const rbac_policy_t *p, const auth_user_t *u, const auth_attrs_t *a,
                                char **reason);

/* The rules u holds in namespace ns (cluster-wide ones included; ns NULL or "": cluster-wide
 * only): a new array of PolicyRule objects (owned). */
json_t *rbac_rules_for(const rbac_policy_t *p, const auth_user_t *u, const char *ns);

/* The rules of the role a roleRef names, seen from namespace ns (a RoleBinding's Role lives in
 * ns): a new array (owned), NULL when the role does not exist. */
json_t *rbac_role_rules(const rbac_policy_t *p, const char *ref_kind, const char *ref_name,
                        const char *ns);

/* Does the set owner cover every permission of requested (arrays of PolicyRule, borrowed)?
 * *missing (owned, may be NULL) receives the atomic rules (one verb, group, resource, name or
 * URL each) that are not covered, an empty array when everything is. */
bool rbac_covers(const json_t *owner, const json_t *requested, json_t **missing);

/* upstream's compact form of rules for messages, one per line:
 * `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}` (owned). */
char *rbac_rules_string(const json_t *rules);

#endif
