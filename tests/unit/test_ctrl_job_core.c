/* test_ctrl_job_core.c — the Job controller's back-off (doubling, cap) and completedIndexes. */
#include "../../src/controllers/internal.h"
#include "test.h"

#include <stdlib.h>

static bool ranges_are(const bool *done, long n, const char *want)
{
    char *got = controllers__job_index_ranges(done, n);
    bool ok = strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "ranges: got %s, want %s\n", got, want);
    free(got);
    return ok;
}

int main(void)
{
    CHECK(controllers__job_backoff_ms(10000, 0) == 0);
    CHECK(controllers__job_backoff_ms(10000, 1) == 10000);
    CHECK(controllers__job_backoff_ms(10000, 2) == 20000);
    CHECK(controllers__job_backoff_ms(10000, 3) == 40000);
    CHECK(controllers__job_backoff_ms(10000, 6) == 320000);
    CHECK(controllers__job_backoff_ms(10000, 7) == 360000);
    CHECK(controllers__job_backoff_ms(10000, 1000000) == 360000);
    CHECK(controllers__job_backoff_ms(300, 2) == 600);

    bool none[4] = {false, false, false, false};
    CHECK(ranges_are(none, 4, ""));
    CHECK(ranges_are(none, 0, ""));
    bool all[3] = {true, true, true};
    CHECK(ranges_are(all, 3, "0-2"));
    bool mixed[8] = {true, true, true, false, true, false, true, true};
    CHECK(ranges_are(mixed, 8, "0-2,4,6-7"));
    bool single[3] = {false, true, false};
    CHECK(ranges_are(single, 3, "1"));
    bool marks[8] = {false};
    controllers__job_index_parse("0-2,5,7", marks, 8);
    char *back = controllers__job_index_ranges(marks, 8);
    CHECK_STR(back, "0-2,5,7");
    free(back);
    bool few[4] = {false};
    controllers__job_index_parse("1,3-9,x", few, 4);
    CHECK(!few[0] && few[1] && !few[2] && few[3]);
    bool empty[2] = {false};
    controllers__job_index_parse(NULL, empty, 2);
    controllers__job_index_parse("5-1", empty, 2);
    CHECK(!empty[0] && !empty[1]);
    TEST_END();
}
