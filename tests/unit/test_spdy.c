/* test_spdy.c — SPDY/3.1 frames: the dictionary's shape (its exact bytes are checked by the
 * real kubectl in tests/e2e/stream.sh, whose zlib stream names the dictionary's checksum),
 * header blocks round-trip through one zlib stream per direction (names lowercased, NUL-joined
 * values kept), corrupt and malformed blocks are refused, frame headers parse and encode. */
#include "c8s/spdy.h"
#include "test.h"

#include <string.h>

static void dictionary(void)
{
    const uint8_t *d;
    size_t n = spdy_dictionary(&d);
    CHECK_INT(n, 1423);
    CHECK(memcmp(d, "\0\0\0\7options\0\0\0\4head", 19) == 0);
    CHECK(memcmp(d + n - 6, "enq=0.", 6) == 0);
}

/* Parses one control frame of b at *off, returning its payload and advancing *off. */
static const uint8_t *next_frame(const strbuf_t *b, size_t *off, spdy_frame_t *f)
{
    c8s_err_t err = C8S_ERR_INIT;
    int hl = spdy_frame_parse((const uint8_t *)b->s + *off, b->len - *off, f, &err);
    if (hl != SPDY_HEADER_LEN || *off + hl + f->length > b->len)
        return NULL;
    const uint8_t *p = (const uint8_t *)b->s + *off + hl;
    *off += hl + f->length;
    return p;
}

static void headers_roundtrip(void)
{
    spdy_zlib_t *tx = spdy_zlib_new(true), *rx = spdy_zlib_new(false);
    strbuf_t b = STRBUF_INIT;
    json_t *h1 =
        json_pack("{s:s, s:s, s:s}", "StreamType", "error", "port", "80", "requestid", "0");
    json_t *h2 = json_object();
    json_object_set_new(h2, "streamtype", json_string("data"));
    json_object_set_new(h2, "multi", json_stringn("a\0b", 3));
    spdy_put_syn_stream(&b, tx, 1, 0, h1);
    spdy_put_syn_stream(&b, tx, 3, SPDY_FLAG_FIN, h2);
    spdy_put_syn_reply(&b, tx, 5, 0, NULL);

    size_t off = 0;
    spdy_frame_t f;
    const uint8_t *p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK(f.control);
    CHECK_INT(f.type, SPDY_SYN_STREAM);
    CHECK_INT(f.flags, 0);
    CHECK_INT(spdy_payload_stream(p, f.length), 1);
    json_t *got = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(spdy_headers_decode(rx, p + 10, f.length - 10, &got, &err), 0);
    CHECK_STR(json_string_value(json_object_get(got, "streamtype")), "error");
    CHECK_STR(json_string_value(json_object_get(got, "port")), "80");
    CHECK_STR(json_string_value(json_object_get(got, "requestid")), "0");
    CHECK_INT(json_object_size(got), 3);
    json_decref(got);

    /* The second block continues the same zlib stream. */
    p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK_INT(f.flags, SPDY_FLAG_FIN);
    CHECK_INT(spdy_payload_stream(p, f.length), 3);
    CHECK_INT(spdy_headers_decode(rx, p + 10, f.length - 10, &got, &err), 0);
    CHECK_STR(json_string_value(json_object_get(got, "streamtype")), "data");
    json_t *m = json_object_get(got, "multi");
    CHECK(json_string_length(m) == 3 && memcmp(json_string_value(m), "a\0b", 3) == 0);
    json_decref(got);

    p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK_INT(f.type, SPDY_SYN_REPLY);
    CHECK_INT(spdy_payload_stream(p, f.length), 5);
    CHECK_INT(spdy_headers_decode(rx, p + 4, f.length - 4, &got, &err), 0);
    CHECK_INT(json_object_size(got), 0);
    json_decref(got);
    CHECK_INT(off, b.len);

    json_decref(h1);
    json_decref(h2);
    strbuf_free(&b);
    spdy_zlib_free(tx);
    spdy_zlib_free(rx);
}

static void bad_blocks(void)
{
    spdy_zlib_t *rx = spdy_zlib_new(false);
    json_t *got = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    const uint8_t junk[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    CHECK(spdy_headers_decode(rx, junk, sizeof(junk), &got, &err) == C8S_EBADREQUEST && !got);
    c8s_err_clear(&err);
    spdy_zlib_free(rx);

    /* A well-compressed block whose pairs claim more than is there. */
    spdy_zlib_t *tx = spdy_zlib_new(true);
    rx = spdy_zlib_new(false);
    json_t *h = json_pack("{s:s}", "port", "80");
    strbuf_t b = STRBUF_INIT;
    spdy_put_syn_reply(&b, tx, 1, 0, h);
    size_t off = 0;
    spdy_frame_t f;
    const uint8_t *p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    /* Decoding the block is fine; a block for a header count of 2 is not. */
    strbuf_t b2 = STRBUF_INIT;
    json_t *h2 = json_pack("{s:s, s:s}", "a", "1", "b", "2");
    spdy_zlib_t *tx2 = spdy_zlib_new(true), *rx2 = spdy_zlib_new(false);
    spdy_put_syn_reply(&b2, tx2, 1, 0, h2);
    size_t off2 = 0;
    spdy_frame_t f2;
    const uint8_t *p2 = next_frame(&b2, &off2, &f2);
    REQUIRE_VOID(p2);
    /* Cut the compressed block short: the pairs it names are not all there. */
    CHECK(spdy_headers_decode(rx2, p2 + 4, (f2.length - 4) / 2, &got, &err) != 0 && !got);
    c8s_err_clear(&err);
    CHECK_INT(spdy_headers_decode(rx, p + 4, f.length - 4, &got, &err), 0);
    CHECK_STR(json_string_value(json_object_get(got, "port")), "80");
    json_decref(got);
    json_decref(h);
    json_decref(h2);
    strbuf_free(&b);
    strbuf_free(&b2);
    spdy_zlib_free(tx);
    spdy_zlib_free(rx);
    spdy_zlib_free(tx2);
    spdy_zlib_free(rx2);
}

static void frames(void)
{
    strbuf_t b = STRBUF_INIT;
    spdy_put_data(&b, 7, SPDY_FLAG_FIN, "hello", 5);
    spdy_put_rst(&b, 9, SPDY_RST_CANCEL);
    spdy_put_ping(&b, 11);
    spdy_put_goaway(&b, 13, 0);
    spdy_frame_t f;
    c8s_err_t err = C8S_ERR_INIT;
    for (size_t k = 0; k < SPDY_HEADER_LEN; k++)
        CHECK_INT(spdy_frame_parse((const uint8_t *)b.s, k, &f, &err), 0);
    size_t off = 0;
    CHECK_INT(spdy_frame_parse((const uint8_t *)b.s, b.len, &f, &err), SPDY_HEADER_LEN);
    CHECK(!f.control && f.stream_id == 7 && f.flags == SPDY_FLAG_FIN && f.length == 5);
    CHECK(memcmp(b.s + SPDY_HEADER_LEN, "hello", 5) == 0);
    off = SPDY_HEADER_LEN + 5;
    const uint8_t *p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK(f.control && f.type == SPDY_RST_STREAM && f.length == 8);
    CHECK_INT(spdy_payload_stream(p, f.length), 9);
    CHECK(p[7] == SPDY_RST_CANCEL);
    p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK(f.type == SPDY_PING && f.length == 4 && p[3] == 11);
    p = next_frame(&b, &off, &f);
    REQUIRE_VOID(p);
    CHECK(f.type == SPDY_GOAWAY && f.length == 8 && spdy_payload_stream(p, 8) == 13);
    CHECK_INT(spdy_payload_stream(p, 3), 0);

    /* Another version is refused. */
    const uint8_t v2[] = {0x80, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
    CHECK_INT(spdy_frame_parse(v2, sizeof(v2), &f, &err), C8S_EBADREQUEST);
    c8s_err_clear(&err);
    strbuf_free(&b);
}

int main(void)
{
    dictionary();
    headers_roundtrip();
    bad_blocks();
    frames();
    TEST_END();
}
