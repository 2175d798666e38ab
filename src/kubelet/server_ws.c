/* server_ws.c — RFC 6455 frame headers (see wsframe.h). */
#include "c8s/wsframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wsframe_parse(const uint8_t *buf, size_t len, wsframe_t *out, c8s_err_t *err)
{
    if (len < 2)
        return 0;
    if (buf[0] & 0x70)
        return c8s_err_set(err, C8S_EBADREQUEST, "websocket frame with RSV bits set");
    uint8_t op = buf[0] & 0x0f;
    bool control = op & 0x8;
    if (op != WSFRAME_CONT && op != WSFRAME_TEXT && op != WSFRAME_BINARY && op != WSFRAME_CLOSE &&
        op != WSFRAME_PING && op != WSFRAME_PONG)
        return c8s_err_set(err, C8S_EBADREQUEST, "websocket frame with unknown opcode %u", op);
    bool fin = buf[0] & 0x80;
    bool masked = buf[1] & 0x80;
    uint64_t plen = buf[1] & 0x7f;
    size_t hlen = 2;
    if (plen == 126) {
        if (len < 4)
            return 0;
        plen = ((uint64_t)buf[2] << 8) | buf[3];
        hlen = 4;
    } else if (plen == 127) {
        if (len < 10)
            return 0;
        if (buf[2] & 0x80)
            return c8s_err_set(err, C8S_EBADREQUEST, "websocket frame length too large");
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = (plen << 8) | buf[2 + i];
        hlen = 10;
    }
    /* Control frames interleave with fragmented messages, so they must fit in one frame. */
    if (control && (!fin || plen > 125))
        return c8s_err_set(err, C8S_EBADREQUEST, "websocket control frame fragmented or too long");
    if (masked) {
        if (len < hlen + 4)
            return 0;
        for (int i = 0; i < 4; i++)
            out->mask[i] = buf[hlen + i];
        hlen += 4;
    }
    out->fin = fin;
    out->opcode = op;
    out->masked = masked;
    out->payload_len = plen;
    return (int)hlen;
}

size_t wsframe_header(uint8_t out[WSFRAME_HEADER_MAX], bool fin, uint8_t opcode,
                      const uint8_t *mask, uint64_t payload_len)
{
    size_t n = 0;
    out[n++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
    uint8_t mbit = mask ? 0x80 : 0;
    if (payload_len < 126) {
        out[n++] = (uint8_t)(mbit | payload_len);
    } else if (payload_len <= 0xffff) {
        out[n++] = (uint8_t)(mbit | 126);
        out[n++] = (uint8_t)(payload_len >> 8);
        out[n++] = (uint8_t)payload_len;
    } else {
        out[n++] = (uint8_t)(mbit | 127);
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)(payload_len >> (8 * i));
    }
    if (mask)
        for (int i = 0; i < 4; i++)
            out[n++] = mask[i];
    return n;
}

void wsframe_unmask(uint8_t *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
    for (size_t i = 0; i < len; i++)
        data[i] ^= mask[(offset + i) & 3];
}

char *wsframe_exec_status(int code, const char *cmdline)
{
    json_t *st;
    if (code == 0) {
        st = json_pack("{s:{}, s:s}", "metadata", "status", "Success");
    } else {
        char num[16];
        snprintf(num, sizeof(num), "%d", code);
        char *text = xasprintf("command terminated with non-zero exit code: error executing "
                               "command [%s], exit code %d",
                               cmdline ? cmdline : "", code);
        st = json_pack("{s:{}, s:s, s:s, s:s, s:{s:[{s:s, s:s}]}}", "metadata", "status", "Failure",
                       "message", text, "reason", "NonZeroExitCode", "details", "causes", "reason",
                       "ExitCode", "message", num);
        free(text);
    }
    char *out = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    return out;
}

int wsframe_exec_exit_code(const char *msg, size_t len, int *code, c8s_err_t *err)
{
    *code = 0;
    json_t *st = json_loadb(msg, len, 0, NULL);
    const char *status = json_string_value(json_object_get(st, "status"));
    if (status && strcmp(status, "Success") == 0) {
        json_decref(st);
        return 0;
    }
    const char *reason = json_string_value(json_object_get(st, "reason"));
    if (reason && strcmp(reason, "NonZeroExitCode") == 0) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(json_object_get(st, "details"), "causes"), i, c)
        {
            const char *r = json_string_value(json_object_get(c, "reason"));
            const char *m = json_string_value(json_object_get(c, "message"));
            char *end = NULL;
            long v = m ? strtol(m, &end, 10) : 0;
            if (r && strcmp(r, "ExitCode") == 0 && m && *m && !*end && v > 0 && v < 256) {
                *code = (int)v;
                json_decref(st);
                return 0;
            }
        }
    }
    const char *m = json_string_value(json_object_get(st, "message"));
    c8s_err_set(err, C8S_EBADREQUEST, "%s", m ? m : "the command failed");
    json_decref(st);
    return err->code;
}
