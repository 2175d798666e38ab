/* test_strbuf.c — the percent-encoder every URL builder uses: unreserved characters kept, the
 * chosen extra ones kept, every other byte (UTF-8 included) as %XX in upper case. */
#include "c8s/strbuf.h"
#include "test.h"

#include <stdlib.h>

static void check(const char *in, const char *keep, const char *want)
{
    strbuf_t b = STRBUF_INIT;
    strbuf_add(&b, "x=");
    strbuf_add_escaped(&b, in, keep);
    char *got = strbuf_take(&b);
    CHECK_STR(got, want);
    free(got);
}

int main(void)
{
    check("app=web,tier in (a,b)", NULL, "x=app%3Dweb%2Ctier%20in%20%28a%2Cb%29");
    check("A-z_0.9~", NULL, "x=A-z_0.9~");
    check("a/b c", "/", "x=a/b%20c");
    check("a/b", NULL, "x=a%2Fb");
    check("\xc3\xa9", NULL, "x=%C3%A9");
    check("", NULL, "x=");
    TEST_END();
}
