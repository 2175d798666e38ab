/* test_workqueue.c — de-duplication, no concurrent runs of one key, re-run after processing,
 * delayed adds in order, exponential back-off, and a clean close (no handle left on the loop). */
#include "c8s/workqueue.h"
#include "test.h"

#include <string.h>

static uv_loop_t loop;
static char log_buf[1024];
static int runs_x;
static char *held;                         /* a key whose processing is left open by the handler */
static uint64_t early_ran_ms, late_ran_ms; /* uv_hrtime in ms when "early" / "late" ran */

static uint64_t hr_ms(void)
{
    return uv_hrtime() / 1000000;
}

static void process(workqueue_t *q, const char *key, void *data)
{
    strncat(log_buf, key, sizeof(log_buf) - strlen(log_buf) - 2);
    strcat(log_buf, " ");
    if (strcmp(key, "x") == 0)
        runs_x++;
    if (strcmp(key, "early") == 0)
        early_ran_ms = hr_ms();
    if (strcmp(key, "late") == 0)
        late_ran_ms = hr_ms();
    if (strcmp(key, "hold") == 0 && !held) {
        held = xstrdup(key); /* finish later */
        return;
    }
    workqueue_done(q, key);
}

static bool closed;
static void on_closed(void *data)
{
    closed = true;
}

static void on_wake(uv_timer_t *t)
{
    (void)t;
}

static void run_ms(int ms)
{
    uint64_t end = uv_now(&loop) + (uint64_t)ms;
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, on_wake, (uint64_t)ms, 0);
    while (uv_now(&loop) < end)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
}

int main(void)
{
    uv_loop_init(&loop);
    workqueue_t *q = workqueue_new(&loop, 1, process, NULL);

    /* Added three times before it runs: runs once. */
    workqueue_add(q, "x");
    workqueue_add(q, "x");
    workqueue_add(q, "y");
    workqueue_add(q, "x");
    CHECK_INT(workqueue_len(q), 2);
    run_ms(20);
    CHECK_STR(log_buf, "x y ");
    CHECK_INT(runs_x, 1);

    /* Added while being processed: not run concurrently, but once more after it is done. */
    log_buf[0] = '\0';
    workqueue_add(q, "hold");
    run_ms(20);
    CHECK(held != NULL);
    workqueue_add(q, "hold");
    workqueue_add(q, "z");
    run_ms(20);
    CHECK_STR(log_buf, "hold "); /* one worker, busy with hold */
    workqueue_done(q, "hold");
    run_ms(20);
    CHECK_STR(log_buf, "hold z hold ");
    free(held);
    held = NULL;

    /* Delayed adds run in due order, not in the order added. */
    log_buf[0] = '\0';
    /* Each runs no sooner than its delay after it was added (the clock's granularity aside),
     * however long the process is held up, and in due order; no upper bound is checked. */
    uint64_t late_added = hr_ms();
    workqueue_add_after(q, "late", 1000);
    uint64_t early_added = hr_ms();
    workqueue_add_after(q, "early", 500);
    for (int i = 0; i < 100 && strcmp(log_buf, "early late ") != 0; i++)
        run_ms(100);
    CHECK_STR(log_buf, "early late ");
    CHECK(early_ran_ms + 5 >= early_added + 500);
    CHECK(late_ran_ms + 5 >= late_added + 1000);

    /* Back-off doubles per retry and resets on forget. */
    log_buf[0] = '\0';
    workqueue_add_rate_limited(q, "r"); /* 5 ms */
    workqueue_add_rate_limited(q, "r"); /* 10 ms */
    workqueue_add_rate_limited(q, "r"); /* 20 ms */
    CHECK_INT(workqueue_retries(q, "r"), 3);
    run_ms(60);
    CHECK_STR(log_buf, "r ");
    workqueue_forget(q, "r");
    CHECK_INT(workqueue_retries(q, "r"), 0);

    /* Close with something waiting: it is dropped; the loop ends clean. */
    workqueue_add_after(q, "never", 10000);
    workqueue_close(q, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(closed);
    CHECK_INT(uv_loop_close(&loop), 0);
    TEST_END();
}
