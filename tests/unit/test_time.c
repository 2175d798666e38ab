/* test_time.c — durations printed as Go prints them (upstream's event messages carry them), and
 * RFC 3339 times both ways. */
#include "c8s/base.h"
#include "test.h"

int main(void)
{
    static const struct {
        uint64_t ms;
        const char *want;
    } cases[] = {
        {0, "0s"},       {7, "7ms"},          {999, "999ms"},      {1000, "1s"},
        {1500, "1.5s"},  {1234, "1.234s"},    {1050, "1.05s"},     {59999, "59.999s"},
        {60000, "1m0s"}, {123040, "2m3.04s"}, {3600000, "1h0m0s"}, {3723400, "1h2m3.4s"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        char buf[32];
        c8s_go_duration_ms(cases[i].ms, buf, sizeof(buf));
        CHECK_STR(buf, cases[i].want);
    }
    char t[32];
    c8s_rfc3339_format(1795410000, t, sizeof(t));
    CHECK_STR(t, "2026-11-23T05:00:00Z");
    CHECK_INT(c8s_rfc3339_parse(t), 1795410000);
    CHECK_INT(c8s_rfc3339_parse("2026-11-23T05:00:00.123Z"), 1795410000);
    CHECK_INT(c8s_rfc3339_parse("yesterday"), -1);
    CHECK_INT(c8s_rfc3339_parse(NULL), -1);
    TEST_END();
}
