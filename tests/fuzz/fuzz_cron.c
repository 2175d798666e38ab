/* fuzz_cron.c — CronJob schedules and the time zones they run in, on hostile bytes: the input is
 * parsed as a schedule, as a POSIX TZ rule and as a TZif file (what a damaged or foreign tz
 * database would hand tz_load), and a schedule that parses is stepped in every zone that does.
 * An activation must lie strictly after the instant it was asked for. */
#include "fuzz.h"
#include "c8s/tz.h"
#include "../../src/controllers/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void step(const cron_sched_t *s)
{
    /* The epoch, a leap day, a DST change in Europe, and far past 2038 (TZif v1 ends there). */
    static const int64_t at[] = {0, 951782400, 1711846800, 4102444800};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        int64_t n = controllers__cron_next(s, at[i]);
        if (n != -1 && n <= at[i])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    c8s_err_t err = C8S_ERR_INIT;
    cron_sched_t s;
    memset(&s, 0, sizeof(s));
    bool sched_ok = controllers__cron_parse(text, &s, &err) == 0;
    c8s_err_clear(&err);
    if (sched_ok)
        step(&s);

    tz_t *posix = NULL, *tzif = NULL;
    if (tz_parse_posix(text, &posix, &err) == 0) {
        (void)tz_offset(posix, 0);
        (void)tz_offset(posix, 4102444800);
    }
    c8s_err_clear(&err);
    if (tz_parse(data, size, &tzif, &err) == 0) {
        (void)tz_offset(tzif, INT64_MIN / 2);
        (void)tz_offset(tzif, 0);
        (void)tz_offset(tzif, 4102444800);
    }
    c8s_err_clear(&err);

    if (!sched_ok) {
        /* A fixed schedule, so the zones are stepped even when the bytes are no schedule. */
        if (controllers__cron_parse("30 2 * * *", &s, &err) != 0)
            abort();
        c8s_err_clear(&err);
    }
    if (posix) {
        s.tz = posix;
        step(&s);
    }
    if (tzif) {
        s.tz = tzif;
        step(&s);
    }
    tz_free(posix);
    tz_free(tzif);
    free(text);
    return 0;
}
