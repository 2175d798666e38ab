/* fuzz_spdy.c — a SPDY/3.1 byte stream as a port-forward client could send it: frames parsed
 * one after the other, every SYN_STREAM and HEADERS block inflated by one zlib stream (as the
 * kubelet's session does); a block that decodes is encoded again and must decode to the same
 * headers. */
#include "fuzz.h"
#include "c8s/spdy.h"

#include <stdlib.h>
#include <string.h>

static void roundtrip(const json_t *h)
{
    spdy_zlib_t *tx = spdy_zlib_new(true), *rx = spdy_zlib_new(false);
    strbuf_t b = STRBUF_INIT;
    spdy_put_syn_reply(&b, tx, 1, 0, h);
    spdy_frame_t f;
    c8s_err_t err = C8S_ERR_INIT;
    json_t *again = NULL;
    if (spdy_frame_parse((const uint8_t *)b.s, b.len, &f, &err) != SPDY_HEADER_LEN ||
        f.length + SPDY_HEADER_LEN != b.len ||
        spdy_headers_decode(rx, (const uint8_t *)b.s + 12, f.length - 4, &again, &err) != 0 ||
        !json_equal((json_t *)h, again))
        abort();
    json_decref(again);
    strbuf_free(&b);
    spdy_zlib_free(tx);
    spdy_zlib_free(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spdy_zlib_t *rx = spdy_zlib_new(false);
    size_t off = 0;
    for (;;) {
        spdy_frame_t f;
        c8s_err_t err = C8S_ERR_INIT;
        int hl = spdy_frame_parse(data + off, size - off, &f, &err);
        c8s_err_clear(&err);
        if (hl <= 0 || size - off - (size_t)hl < f.length)
            break;
        const uint8_t *pl = data + off + hl;
        off += (size_t)hl + f.length;
        if (!f.control || (f.type != SPDY_SYN_STREAM && f.type != SPDY_HEADERS))
            continue;
        size_t skip = f.type == SPDY_SYN_STREAM ? 10 : 4;
        if (f.length < skip)
            continue;
        (void)spdy_payload_stream(pl, f.length);
        json_t *h = NULL;
        if (spdy_headers_decode(rx, pl + skip, f.length - skip, &h, &err) != 0) {
            c8s_err_clear(&err);
            break; /* the session ends at a bad block: its zlib stream is lost */
        }
        /* Names are lowercased on both sides, so a decoded block survives a round trip whole
         * unless a value did not make a JSON string (invalid UTF-8: dropped on decode). */
        roundtrip(h);
        json_decref(h);
    }
    spdy_zlib_free(rx);
    return 0;
}
