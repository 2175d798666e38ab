/*
 * wsframe.h — RFC 6455 frame headers, for the kubelet's exec/attach websocket (channel.k8s.io
 * subprotocols) and its clients. Pure functions, no I/O; no extensions are negotiated, so any
 * RSV bit is an error.
 */
#ifndef C8S_WSFRAME_H
#define C8S_WSFRAME_H

#include "c8s/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    WSFRAME_CONT = 0x0,
    WSFRAME_TEXT = 0x1,
    WSFRAME_BINARY = 0x2,
    WSFRAME_CLOSE = 0x8,
    WSFRAME_PING = 0x9,
    WSFRAME_PONG = 0xA,
    WSFRAME_HEADER_MAX = 14,
};

typedef struct {
    bool fin;
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    uint64_t payload_len;
} wsframe_t;

/* Parses the frame header at buf. Returns the header's length (> 0) with out filled, 0 when
 * more bytes are needed, or C8S_EBADREQUEST (protocol error: RSV bits, unknown opcode, a
 * fragmented or oversized control frame, a 64-bit length with the top bit set). */
int wsframe_parse(const uint8_t *buf, size_t len, wsframe_t *out, c8s_err_t *err);

/* Writes a header into out (WSFRAME_HEADER_MAX bytes); mask NULL for unmasked (server) frames.
 * Returns its length. */
size_t wsframe_header(uint8_t out[WSFRAME_HEADER_MAX], bool fin, uint8_t opcode,
                      const uint8_t *mask, uint64_t payload_len);

/* XORs data with the mask in place; offset is where data starts within the payload, so a
 * payload can be unmasked piece by piece as it arrives. */
/* ---- channel.k8s.io (exec/attach) ---- */

/* The error channel's message (channel 3) once a command has ended, as upstream's kubelet
 * sends it: {"status":"Success"}, or Failure with reason NonZeroExitCode, an ExitCode cause and
 * upstream's message naming cmdline. Owned. */
char *wsframe_exec_status(int exit_code, const char *cmdline);
/* The exit code an error-channel message says: 0 for Success; the ExitCode cause of a
 * NonZeroExitCode Failure; C8S_EBADREQUEST for anything else (err: its message, as kubectl
 * prints it). */
int wsframe_exec_exit_code(const char *msg, size_t len, int *code, c8s_err_t *err);

void wsframe_unmask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset);

#endif
