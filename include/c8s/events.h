/*
 * events.h — the event correlator every component's recorder runs before writing an Event, as
 * client-go's: a spam filter per source and object, aggregation of similar events, and
 * deduplication of repeats into one Event whose count grows.
 *
 * Pure: no I/O, time passed in. One cache per client (see client_event_post in client.h).
 */
#ifndef C8S_EVENTS_H
#define C8S_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* client-go's defaults. */
#define EVENTS_CACHE_SIZE      4096
#define EVENTS_AGGREGATE_MAX   10  /* distinct messages before similar events are combined */
#define EVENTS_AGGREGATE_SECS  600 /* window of the aggregation */
#define EVENTS_SPAM_BURST      25  /* events per source and object ... */
#define EVENTS_SPAM_REFILL_SEC 300 /* ... then one per five minutes */
/* A repeat older than this makes a new Event rather than a patch of one that may have expired
 * (the API server deletes Events after --event-ttl, an hour by default). */
#define EVENTS_PATCH_MAX_AGE 600

typedef struct events_cache_s events_cache_t;

typedef enum {
    EVENTS_CREATE, /* POST the (possibly rewritten) event */
    EVENTS_PATCH,  /* PATCH the existing Event named metadata.name: count, message, timestamps */
    EVENTS_DROP,   /* spam: do not send */
} events_action_t;

events_cache_t *events_cache_new(size_t max_entries);
void events_cache_free(events_cache_t *c);

/* Decides what to do with ev, a complete core/v1 Event (borrowed, rewritten in place: its
 * metadata.name when it repeats one already sent, count, firstTimestamp, and the message
 * "(combined from similar events): ..." once similar events are aggregated). now: Unix seconds;
 * now_ts: the same instant as RFC 3339 (for lastTimestamp). */
events_action_t events_observe(events_cache_t *c, json_t *ev, int64_t now, const char *now_ts);

#endif
