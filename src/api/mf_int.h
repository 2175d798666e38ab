/*
 * mf_int.h — what fieldset.c and managedfields.c share: a value's type as the schema gives it,
 * and the typed walks over objects and field-set nodes.
 */
#ifndef C8S_API_MF_INT_H
#define C8S_API_MF_INT_H

#include "c8s/managedfields.h"

/* A value's type: the schema field it belongs to, and whether it is one item (or map value) of
 * that field rather than the field's whole value. f NULL: no schema (objects are granular maps,
 * lists atomic). */
typedef struct mf_ty_s {
    const schema_field_t *f;
    bool elem;
} mf_ty_t;

/* How a value is walked: as one leaf (scalars, atomic lists and maps, empty values), a struct
 * of declared fields, a map of items, a list keyed by its items' keys, or a set of values. */
typedef enum { MF_LEAF = 0, MF_STRUCT, MF_MAP, MF_LMAP, MF_LSET } mf_cls_t;

mf_cls_t mf__classify(mf_ty_t t, const json_t *v);
mf_ty_t mf__child(mf_ty_t t, mf_cls_t c, const char *key, bool *item);
/* Path elements written to buf: "k:{...}" of a keyed list's item, "v:..." of a set's value;
 * false when the item has no keys or the element does not fit in MF_KEY_MAX bytes (such items are
 * left out of the walks). "f:<name>" is written to buf, or to a new string when it does not fit
 * (free it when it is not buf). */
#define MF_KEY_MAX 512
bool mf__item_key(const schema_field_t *f, const json_t *item, char *buf, size_t len);
bool mf__value_key(const json_t *v, char *buf, size_t len);
char *mf__field_key(char *buf, size_t len, const char *name);

bool mf__member(const json_t *n);
json_t *mf__node(json_t *children, bool member);
/* The set node of v (new, or NULL when v sets nothing); item: v's path is a member itself. */
json_t *mf__tofs(mf_ty_t t, const json_t *v, bool item);
void mf__compare(mf_ty_t t, const json_t *l, const json_t *r, bool item, json_t **add, json_t **mod,
                 json_t **rem);
/* cfg merged into live as apply merges (new value; NULL when both are). */
json_t *mf__merge(mf_ty_t t, const json_t *live, const json_t *cfg);
/* Removes from v (in place) the members of rm that keep has nothing at or below. */
void mf__remove(mf_ty_t t, json_t *v, const json_t *rm, const json_t *keep);

#endif
