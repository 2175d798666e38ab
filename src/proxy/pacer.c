/* pacer.c — when the proxy's next sync may start (upstream's BoundedFrequencyRunner: the
 * minimum interval runs from the start of the previous sync). */
#include "c8s/proxy.h"

void proxy_pacer_started(proxy_pacer_t *pc, uint64_t now_ns)
{
    pc->last_start_ns = now_ns;
    pc->started = true;
}

void proxy_pacer_finished(proxy_pacer_t *pc, uint64_t now_ns)
{
    pc->last_end_ns = now_ns;
}

uint64_t proxy_pacer_wait_ms(const proxy_pacer_t *pc, uint64_t now_ns, unsigned min_ms)
{
    if (!pc->started)
        return 0;
    uint64_t next = pc->last_start_ns + (uint64_t)min_ms * 1000000;
    if (now_ns >= next)
        return 0;
    return (next - now_ns + 999999) / 1000000;
}

uint64_t proxy_pacer_last_ms(const proxy_pacer_t *pc)
{
    if (!pc->started || pc->last_end_ns < pc->last_start_ns)
        return 0;
    return (pc->last_end_ns - pc->last_start_ns) / 1000000;
}
