/* log.c — one line per message to stderr, with time, level and room; thread-safe. */
#include "c8s/base.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int log_level = C8S_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void c8s_log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int c8s_log_get_level(void)
{
    return atomic_load(&log_level);
}

void c8s_log(int level, const char *room, const char *fmt, ...)
{
    if (level > atomic_load(&log_level))
        return;
    static const char letters[] = "EWID";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof(when), "%H:%M:%S", &tm);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%c%s.%03ld %s: %s\n", letters[level & 3], when, ts.tv_nsec / 1000000, room,
            line);
    pthread_mutex_unlock(&log_lock);
}
