/*
 * jsonr.h — json_loadb's result, faster: the same jansson tree (insertion order, last duplicate
 * wins, integers and reals told apart as jansson does) from a parser that scans strings in runs
 * instead of jansson's character-by-character lexer with its per-byte UTF-8 decode and buffer
 * append. Anything it is not sure of — any error, \u0000, a number out of range, deep nesting,
 * a flag it does not know — is handed to json_loadb itself, so errors and their messages are
 * always jansson's.
 */
#ifndef C8S_JSONR_H
#define C8S_JSONR_H

#include <jansson.h>
#include <stddef.h>

/* As json_loadb(text, len, flags, err); flags other than JSON_REJECT_DUPLICATES and
 * JSON_DECODE_ANY go straight to json_loadb. A new reference, or NULL with err filled. */
json_t *jsonr_loadb(const char *text, size_t len, size_t flags, json_error_t *err);

#endif
