/* test_ctrl_job_core.c — the Job controller's back-off (doubling, cap), completedIndexes,
 * podFailurePolicy and successPolicy matching and per-index failure verdicts. */
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

static json_t *jload(const char *text)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    if (!o) {
        fprintf(stderr, "bad test JSON: %s\n", jerr.text);
        abort();
    }
    return o;
}

/* Matches pod against the policy; checks the action and, when want_msg is set, the message. */
static bool pfp_is(const char *pfp_text, const char *pod_text, job_pfp_action_t want,
                   const char *want_msg)
{
    json_t *pfp = jload(pfp_text), *pod = jload(pod_text);
    char *msg = NULL;
    job_pfp_action_t got = controllers__job_pfp_match(pfp, pod, &msg);
    bool ok = got == want && (!want_msg || (msg && !strcmp(msg, want_msg))) &&
              (want != JOB_PFP_NONE || !msg);
    if (!ok)
        fprintf(stderr, "pfp: got %d (%s), want %d (%s)\n", got, msg ? msg : "-", want,
                want_msg ? want_msg : "-");
    free(msg);
    json_decref(pfp);
    json_decref(pod);
    return ok;
}

/* Matches successPolicy sp against the succeeded indexes `done` of n; want_msg NULL: not met. */
static bool success_is(const char *sp_text, const char *done_list, long n, const char *want_msg)
{
    json_t *sp = jload(sp_text);
    bool *done = calloc((size_t)n + 1, 1);
    if (!done)
        abort();
    controllers__job_index_parse(done_list, done, n);
    char *msg = NULL;
    bool met = controllers__job_success_match(sp, done, n, &msg);
    bool ok = want_msg ? met && msg && !strcmp(msg, want_msg) : !met && !msg;
    if (!ok)
        fprintf(stderr, "success policy %s on %s: got %d (%s)\n", sp_text, done_list, met,
                msg ? msg : "-");
    free(msg);
    free(done);
    json_decref(sp);
    return ok;
}

#define POD(statuses)                                                                              \
    "{\"metadata\":{\"namespace\":\"ns\",\"name\":\"p\"},\"status\":{\"phase\":"                   \
    "\"Failed\"," statuses "}}"
#define TERM(name, code)                                                                           \
    "{\"name\":\"" name "\",\"state\":{\"terminated\":{\"exitCode\":" #code "}}}"

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
    CHECK(ranges_are(mixed, 8, "0-2,4,6,7")); /* upstream writes a pair as "6,7" */
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
    static const char pol[] =
        "{\"rules\":[{\"action\":\"Ignore\",\"onPodConditions\":[{\"type\":\"DisruptionTarget\","
        "\"status\":\"True\"}]},{\"action\":\"FailJob\",\"onExitCodes\":{\"containerName\":"
        "\"main\",\"operator\":\"In\",\"values\":[42]}},{\"action\":\"Count\",\"onExitCodes\":{"
        "\"operator\":\"NotIn\",\"values\":[1,2]}}]}";
    CHECK(pfp_is(pol, POD("\"containerStatuses\":[" TERM("side", 3) "," TERM("main", 42) "]"),
                 JOB_PFP_FAIL_JOB,
                 "Container main for pod ns/p failed with exit code 42 matching FailJob rule at "
                 "index 1"));
    /* 42 in another container: only the NotIn rule applies. */
    CHECK(pfp_is(pol, POD("\"containerStatuses\":[" TERM("side", 42) "]"), JOB_PFP_COUNT,
                 "Container side for pod ns/p failed with exit code 42 matching Count rule at "
                 "index 2"));
    /* Listed by NotIn, or zero: nothing matches. */
    CHECK(pfp_is(pol, POD("\"containerStatuses\":[" TERM("side", 1) "," TERM("main", 0) "]"),
                 JOB_PFP_NONE, NULL));
    CHECK(pfp_is(pol, POD("\"containerStatuses\":[]"), JOB_PFP_NONE, NULL));
    /* Rules apply in order: the disruption wins over the exit code. */
    CHECK(pfp_is(pol,
                 POD("\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},{\"type\":"
                     "\"DisruptionTarget\",\"status\":\"True\"}],\"containerStatuses\":[" TERM(
                         "main", 42) "]"),
                 JOB_PFP_IGNORE,
                 "Pod ns/p has condition DisruptionTarget matching Ignore rule at index 0"));
    CHECK(pfp_is(pol, POD("\"conditions\":[{\"type\":\"DisruptionTarget\",\"status\":\"False\"}]"),
                 JOB_PFP_NONE, NULL));
    /* Init containers count too. */
    CHECK(pfp_is("{\"rules\":[{\"action\":\"FailIndex\",\"onExitCodes\":{\"operator\":\"In\","
                 "\"values\":[7]}}]}",
                 POD("\"initContainerStatuses\":[" TERM("init", 7) "]"), JOB_PFP_FAIL_INDEX, NULL));

    /* backoffLimitPerIndex 1: the first failure (count 0) retries, the second fails the index. */
    CHECK(!controllers__job_index_failed(JOB_PFP_NONE, 0, 1));
    CHECK(controllers__job_index_failed(JOB_PFP_NONE, 1, 1));
    CHECK(controllers__job_index_failed(JOB_PFP_COUNT, 2, 1));
    CHECK(controllers__job_index_failed(JOB_PFP_FAIL_INDEX, 0, 5));
    CHECK(!controllers__job_index_failed(JOB_PFP_IGNORE, 9, 1));
    CHECK(controllers__job_index_failed(JOB_PFP_NONE, 0, 0));

    CHECK(success_is("{\"rules\":[{\"succeededIndexes\":\"0-2\"}]}", "0-2,4-7", 10,
                     "Matched rules at index 0"));
    CHECK(success_is("{\"rules\":[{\"succeededIndexes\":\"3\"}]}", "0-2", 10, NULL));
    CHECK(
        success_is("{\"rules\":[{\"succeededCount\":2}]}", "0-2", 10, "Matched rules at index 0"));
    CHECK(success_is("{\"rules\":[{\"succeededCount\":4}]}", "0-2", 10, NULL));
    /* Both: succeededCount of the listed indexes; the second rule matches. */
    CHECK(success_is("{\"rules\":[{\"succeededIndexes\":\"5-9\",\"succeededCount\":1},"
                     "{\"succeededIndexes\":\"0,2,4\",\"succeededCount\":2}]}",
                     "0,1,4", 10, "Matched rules at index 1"));
    CHECK(success_is("{\"rules\":[{\"succeededIndexes\":\"1,3\",\"succeededCount\":2}]}", "1,2", 10,
                     NULL));
    /* Nothing succeeded: even succeededCount 0 is not met (upstream's); no rules, no policy. */
    CHECK(success_is("{\"rules\":[{\"succeededCount\":0}]}", "", 4, NULL));
    CHECK(success_is("{\"rules\":[]}", "0-3", 4, NULL));
    CHECK(success_is("{\"rules\":[{\"succeededIndexes\":\"x\"}]}", "0-3", 4, NULL));
    TEST_END();
}
