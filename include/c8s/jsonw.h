/*
 * jsonw.h — compact JSON text from a jansson tree, byte for byte what json_dumps(v, JSON_COMPACT)
 * writes (insertion order, the same escapes, reals formatted by jansson itself), at a fraction
 * of its cost: jansson walks every string character by character through its UTF-8 decoder and
 * a callback per run, which made serializing an object a large part of an API write.
 */
#ifndef C8S_JSONW_H
#define C8S_JSONW_H

#include <jansson.h>
#include <stddef.h>

/* The compact text of v (any value, as with JSON_ENCODE_ANY), NUL-terminated, owned
 * by the caller; its length in *len when len is not NULL. NULL only where json_dumps fails too
 * (a string that is not UTF-8, nesting past jansson's own limit). */
char *jsonw_dump(const json_t *v, size_t *len);

#endif
