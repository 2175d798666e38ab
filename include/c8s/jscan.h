/*
 * jscan.h — a reader that walks JSON text in place: members of an object, elements of an array,
 * strings without escapes, integers, and any value skipped whole. It builds nothing and copies
 * nothing, for hot paths that need a few fields of a large document (an etcd watch line, an
 * object's metadata) and would otherwise build a whole jansson tree. It checks the structure it
 * walks (nesting, string ends, separators) but is not a validator: a caller that needs a value
 * parses its span with jansson. Every reader returns false on anything it does not expect
 * (escapes in a string read by jscan_string, a wrong type, truncation) and then sets bad; callers
 * fall back to a full parse, never guess.
 */
#ifndef C8S_JSCAN_H
#define C8S_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jscan_s {
    const char *p, *end; /* borrowed text; p moves forward */
    bool bad;            /* something unexpected was met: the caller must not trust the walk */
    bool fresh;          /* just entered a container: its first item needs no ',' */
} jscan_t;

void jscan_init(jscan_t *j, const char *text, size_t len);
/* Enters the object ('{') or array ('[') that comes next. */
bool jscan_enter(jscan_t *j, char open);
/* The next member of the object entered: its key (borrowed, no escapes allowed), the reader
 * then at its value. false at the object's end (consumed) or when bad. */
bool jscan_member(jscan_t *j, const char **key, size_t *key_len);
/* Whether another element of the array entered follows (the reader at it); false at the
 * array's end (consumed) or when bad. */
bool jscan_element(jscan_t *j);
/* A string value without escapes: its bytes, borrowed. */
bool jscan_string(jscan_t *j, const char **s, size_t *len);
/* An integer written as a JSON number or as a decimal string (protobuf JSON's int64). */
bool jscan_int(jscan_t *j, int64_t *v);
/* Skips the next value whole; its text in *start / *len when these are not NULL. */
bool jscan_skip(jscan_t *j, const char **start, size_t *len);
/* Whether the reader is at the end of the text (trailing whitespace allowed). */
bool jscan_done(jscan_t *j);

#endif
