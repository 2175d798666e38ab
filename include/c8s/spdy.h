/*
 * spdy.h — SPDY/3.1 frames, as Kubernetes' streaming protocols use them (port-forward: kubectl
 * up to 1.30 upgrades to SPDY/3.1, later ones tunnel the same bytes in websocket messages).
 * Pure code, no I/O: frame headers, the frames a server sends, and the name/value header blocks
 * with their zlib compression (one stream per direction for the whole session, preset with
 * SPDY/3's dictionary). No flow control is kept: Kubernetes' peers (moby/spdystream) neither
 * send WINDOW_UPDATE nor honour it.
 */
#ifndef C8S_SPDY_H
#define C8S_SPDY_H

#include "c8s/base.h"
#include "c8s/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SPDY_SYN_STREAM = 1,
    SPDY_SYN_REPLY = 2,
    SPDY_RST_STREAM = 3,
    SPDY_SETTINGS = 4,
    SPDY_PING = 6,
    SPDY_GOAWAY = 7,
    SPDY_HEADERS = 8,
    SPDY_WINDOW_UPDATE = 9,
    SPDY_FLAG_FIN = 0x01,
    SPDY_HEADER_LEN = 8,
    SPDY_RST_PROTOCOL_ERROR = 1,
    SPDY_RST_REFUSED_STREAM = 3,
    SPDY_RST_CANCEL = 5,
    SPDY_MAX_FRAME = (1 << 24) - 1,
};

typedef struct {
    bool control;
    uint16_t type;      /* control frames */
    uint32_t stream_id; /* data frames (control frames carry theirs in the payload) */
    uint8_t flags;
    uint32_t length; /* of the payload after the 8-byte header */
} spdy_frame_t;

/* Parses the frame header at buf. Returns SPDY_HEADER_LEN with f filled, 0 when fewer than 8
 * bytes are there, C8S_EBADREQUEST for a control frame of another version than 3. */
int spdy_frame_parse(const uint8_t *buf, size_t len, spdy_frame_t *f, c8s_err_t *err);

/* The stream id at the start of a control frame's payload (SYN_STREAM, SYN_REPLY, RST_STREAM,
 * HEADERS, WINDOW_UPDATE), 0 when the payload is too short. */
uint32_t spdy_payload_stream(const uint8_t *payload, size_t len);

/* One direction's header compression state. */
typedef struct spdy_zlib_s spdy_zlib_t;
/* deflate: for the blocks this side sends; else for the ones it reads. Owned: spdy_zlib_free. */
spdy_zlib_t *spdy_zlib_new(bool deflate);
void spdy_zlib_free(spdy_zlib_t *z);

/* Decompresses a name/value block (the rest of a SYN_STREAM after its 10 bytes, of a SYN_REPLY
 * or HEADERS after 4) into *out, an object of string values (owned; several values of one name
 * stay joined by NUL, as on the wire). C8S_EBADREQUEST for a corrupt block. */
int spdy_headers_decode(spdy_zlib_t *z, const uint8_t *buf, size_t len, json_t **out,
                        c8s_err_t *err);

/* Frames, appended to b. headers: an object of strings (borrowed), NULL for none. */
void spdy_put_syn_stream(strbuf_t *b, spdy_zlib_t *z, uint32_t stream, uint8_t flags,
                         const json_t *headers);
void spdy_put_syn_reply(strbuf_t *b, spdy_zlib_t *z, uint32_t stream, uint8_t flags,
                        const json_t *headers);
void spdy_put_data(strbuf_t *b, uint32_t stream, uint8_t flags, const void *data, size_t len);
void spdy_put_rst(strbuf_t *b, uint32_t stream, uint32_t status);
void spdy_put_ping(strbuf_t *b, uint32_t id);
void spdy_put_goaway(strbuf_t *b, uint32_t last_good, uint32_t status);

/* SPDY/3's zlib dictionary (draft 3, 2.6.10.1): *out borrowed, static; returns its length. */
size_t spdy_dictionary(const uint8_t **out);

#endif
