/*
 * quantity.h — Kubernetes resource quantities ("100m", "1.5", "128Mi", "1G", "1e3").
 *
 * Pure functions, no I/O. A quantity is kept as a value in milli-units (int64), which covers
 * everything real (cpu in millicores, memory and storage in bytes up to ~9.2 PB when expressed
 * in milli-units... see quantity_t) with exact arithmetic; values that would overflow are refused.
 */
#ifndef C8S_QUANTITY_H
#define C8S_QUANTITY_H

#include "c8s/base.h"
#include <stdbool.h>
#include <stdint.h>

typedef enum {
    QUANTITY_DECIMAL_SI = 0, /* suffixes n u m "" k M G T P E */
    QUANTITY_BINARY_SI = 1,  /* suffixes Ki Mi Gi Ti Pi Ei */
    QUANTITY_DECIMAL_EXP = 2 /* 1e3, 1E-3 */
} quantity_format_t;

typedef struct quantity_s {
    /* The value rounded up to a whole nano-unit is not kept: upstream rounds sub-milli values
     * up to 1m for cpu (it refuses precision finer than 1n). We keep value * 1000 exactly when
     * representable and round up otherwise, as upstream's MilliValue() does. */
    int64_t milli;
    quantity_format_t format; /* the suffix family the input used, for canonical output */
} quantity_t;

/* Parses s (the whole string; no spaces). On error returns C8S_EINVALID with a message in the
 * upstream form: "quantities must match the regular expression
 * '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", or "unable to parse quantity's suffix" for a
 * well-shaped but unknown suffix ("1K", "1e"), or "quantity too large: <s>" when the value in
 * milli-units does not fit an int64 (upstream has arbitrary precision; we refuse instead).
 * Values finer than 1m are rounded away from zero to a whole milli-unit ("1n" is 1m). */
int quantity_parse(const char *s, quantity_t *out, c8s_err_t *err);

/* Parses a JSON value (borrowed): a string as above, surrounding whitespace trimmed as upstream's
 * UnmarshalJSON does, or a JSON number (integer or real). */
int quantity_parse_json(const json_t *v, quantity_t *out, c8s_err_t *err);

/* Value in milli-units (cpu millicores), and in whole units rounded away from zero, as
 * upstream's Value() (memory bytes): 1500m gives 2, -1500m gives -2. */
int64_t quantity_milli(const quantity_t *q);
int64_t quantity_value(const quantity_t *q);

/* -1, 0, 1 as a <, ==, > b. */
int quantity_cmp(const quantity_t *a, const quantity_t *b);

/* Canonical string as upstream serializes: "100m", "1", "1500m", "128Mi", "1G", "1e3", "0".
 * Binary inputs print with a binary suffix when whole and at least 1Ki in magnitude ("1536Ki",
 * "512" for 0.5Ki), else in decimal; exponent inputs print as mantissa "e" exponent.
 * Writes into buf (at least 32 bytes); returns buf. */
char *quantity_format(const quantity_t *q, char *buf, size_t len);

#endif
