/*
 * protobuf_int.h — the field table the protobuf decoder walks: for each message type its field
 * numbers (from upstream's generated.proto files), JSON names and kinds.
 */
#ifndef C8S_API_PROTOBUF_INT_H
#define C8S_API_PROTOBUF_INT_H

#include <stddef.h>

typedef enum {
    PB_STRING,
    PB_BYTES, /* base64 in JSON, as encoding/json writes []byte */
    PB_INT32,
    PB_INT64,
    PB_BOOL,
    PB_MSG,      /* a nested message of type .msg */
    PB_TIME,     /* meta/v1 Time {1 seconds, 2 nanos} -> RFC 3339; zero time omitted */
    PB_INTORSTR, /* util/intstr IntOrString {1 type, 2 intVal, 3 strVal} -> number or string */
    PB_QUANTITY, /* resource.Quantity {1 string} -> string */
    PB_MAP_STR,  /* repeated entry {1 key, 2 value string} -> object */
    PB_MAP_BYTES,
    PB_MAP_QTY
} pb_kind_t;

enum {
    PB_REPEATED = 1, /* JSON array; each occurrence appends */
    PB_KEEPZERO = 2, /* a pointer or non-omitempty field: its zero value is meaningful */
    PB_INLINE = 4    /* an embedded Go struct: its fields go into the parent object */
};

typedef struct pb_type_s pb_type_t;

typedef struct {
    unsigned num;
    const char *json;
    pb_kind_t kind;
    unsigned flags;
    const pb_type_t *msg;
} pb_field_t;

struct pb_type_s {
    const char *name;
    const pb_field_t *fields;
    size_t nfields;
};

/* The top-level kinds: kind name, apiVersion group prefix check is left to the server's own
 * type check, which compares the envelope's apiVersion/kind with the URL. */
typedef struct {
    const char *kind;
    const pb_type_t *type;
} pb_kind_entry_t;

extern const pb_kind_entry_t pb__kinds[];
extern const size_t pb__nkinds;

#endif
