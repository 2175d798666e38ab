/*
 * table_int.h — shared between table.c (the Table document, rows, ages) and table_cells.c (the
 * per-kind printers: column definitions and the cell logic of upstream's printers.go).
 */
#ifndef C8S_API_TABLE_INT_H
#define C8S_API_TABLE_INT_H

#include "c8s/table.h"

/* One column definition; strings are static. */
typedef struct table__col_s {
    const char *name;
    const char *type;   /* "string", "integer", "boolean", "date" */
    const char *format; /* "name" for the Name column, else "" */
    const char *desc;
    int priority; /* 1: shown by kubectl with -o wide only */
} table__col_t;

/* Appends every cell (wide) of obj to cells; may add "conditions" to row. */
typedef void (*table__cells_fn)(const json_t *obj, int64_t now, json_t *cells, json_t *row);

typedef struct table__printer_s {
    const char *group;
    const char *resource; /* plural; every version of the resource shares the printer */
    const table__col_t *cols;
    size_t ncols;
    table__cells_fn cells;
} table__printer_t;

/* The printer for k: its own, or the default (Name, Age). Never NULL. */
const table__printer_t *table__printer_for(const api_kind_t *k);

/* Cell builders: append one cell to cells. A NULL string appends "". */
void table__str(json_t *cells, const char *s);
void table__own(json_t *cells, char *s); /* takes ownership of s (malloc'd) */
void table__int(json_t *cells, long long v);
void table__bool(json_t *cells, bool v);
/* The age of the timestamp string ts at now, as upstream's translateTimestampSince: "<unknown>"
 * when ts is absent or unparsable. Owned. */
char *table__since(const char *ts, int64_t now);
/* The object's metadata.creationTimestamp age. Owned. */
char *table__age_of(const json_t *obj, int64_t now);

#endif
