/*
 * job_core.c — pure: the Job controller's arithmetic (the back-off before recreating failed pods,
 * the completedIndexes notation).
 */
#include "internal.h"
#include "c8s/strbuf.h"

#include <stdlib.h>

#define JOB_BACKOFF_MAX_MS 360000

int64_t controllers__job_backoff_ms(int64_t base_ms, int64_t failures)
{
    if (failures <= 0 || base_ms <= 0)
        return 0;
    int64_t d = base_ms;
    for (int64_t k = 1; k < failures && d < JOB_BACKOFF_MAX_MS; k++)
        d *= 2;
    return d > JOB_BACKOFF_MAX_MS ? JOB_BACKOFF_MAX_MS : d;
}

char *controllers__job_index_ranges(const bool *done, long n)
{
    strbuf_t sb = STRBUF_INIT;
    for (long i = 0; i < n;) {
        if (!done[i]) {
            i++;
            continue;
        }
        long j = i;
        while (j + 1 < n && done[j + 1])
            j++;
        if (sb.len)
            strbuf_add(&sb, ",");
        if (j > i)
            strbuf_addf(&sb, "%ld-%ld", i, j);
        else
            strbuf_addf(&sb, "%ld", i);
        i = j + 1;
    }
    return strbuf_take_or(&sb, "");
}

void controllers__job_index_parse(const char *s, bool *done, long n)
{
    while (s && *s) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s || a < 0)
            return;
        if (*end == '-') {
            const char *p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a)
                return;
        }
        for (long i = a; i <= b && i < n; i++)
            done[i] = true;
        if (*end != ',')
            return;
        s = end + 1;
    }
}
