/*
 * test.h — a minimal table-friendly test kit. Each test file is one program registered with
 * ctest; CHECKs count, failures print file:line, and TEST_END prints "N passed, N failed" and
 * returns non-zero on any failure. Exit code 77 means skipped (crun's convention).
 */
#ifndef C8S_TEST_H
#define C8S_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (c) {                                                                                   \
            t_passed++;                                                                            \
        } else {                                                                                   \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);                  \
        }                                                                                          \
    } while (0)

#define CHECK_MSG(c, ...)                                                                          \
    do {                                                                                           \
        if (c) {                                                                                   \
            t_passed++;                                                                            \
        } else {                                                                                   \
            t_failed++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #c);                  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        CHECK_MSG(_a == _b, "%s = %lld, want %lld", #a, _a, _b);                                   \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        CHECK_MSG(_a &&_b &&strcmp(_a, _b) == 0, "%s = \"%s\", want \"%s\"", #a,                   \
                  _a ? _a : "(null)", _b ? _b : "(null)");                                         \
    } while (0)

/* Stops the test at once (setup failed: nothing after it can be meaningful). */
#define REQUIRE(c)                                                                                 \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #c);                \
            t_failed++;                                                                            \
            printf("%d passed, %d failed\n", t_passed, t_failed);                                  \
            return 1;                                                                              \
        }                                                                                          \
        t_passed++;                                                                                \
    } while (0)

/* REQUIRE for void helpers: counts the failure and returns from the helper. */
#define REQUIRE_VOID(c)                                                                            \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #c);                \
            t_failed++;                                                                            \
            return;                                                                                \
        }                                                                                          \
        t_passed++;                                                                                \
    } while (0)

#define TEST_END()                                                                                 \
    do {                                                                                           \
        printf("%d passed, %d failed\n", t_passed, t_failed);                                      \
        return t_failed ? 1 : 0;                                                                   \
    } while (0)

#define TEST_SKIP(...)                                                                             \
    do {                                                                                           \
        fprintf(stderr, "skipped: " __VA_ARGS__);                                                  \
        fputc('\n', stderr);                                                                       \
        return 77;                                                                                 \
    } while (0)

#endif
