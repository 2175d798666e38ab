/*
 * msg.c — the DNS wire format (RFC 1035, EDNS0 of RFC 6891): parse one standard query, write
 * an answer. Pure. Names in answers that repeat the question point back to it (compression at
 * offset 12); others are written out in full.
 */
#include "c8s/dns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR       12
#define QNAME_PTR 0xC00C
#define FLAG_QR   0x8000
#define FLAG_AA   0x0400
#define FLAG_TC   0x0200
#define FLAG_RD   0x0100
#define FLAG_RA   0x0080
#define OPCODE(f) (((f) >> 11) & 0xF)
#define EDNS_SIZE 1232 /* what we offer: the DNS flag day's safe size */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Reads a name at *off (following compression pointers, at most a few hops) into out, lower
 * case and dotted; *off moves past the name as it appears at that place. */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char *out)
{
    size_t o = *off, n = 0;
    int hops = 0;
    bool jumped = false;
    for (;;) {
        if (o >= len)
            return -1;
        uint8_t l = msg[o];
        if ((l & 0xC0) == 0xC0) {
            if (o + 1 >= len || ++hops > 8)
                return -1;
            if (!jumped)
                *off = o + 2;
            jumped = true;
            o = (size_t)((l & 0x3F) << 8 | msg[o + 1]);
            continue;
        }
        if (l & 0xC0)
            return -1;
        o++;
        if (l == 0)
            break;
        if (o + l > len || n + l + 1 > DNS_NAME_MAX)
            return -1;
        if (n)
            out[n++] = '.';
        for (uint8_t i = 0; i < l; i++)
            out[n++] = (char)tolower(msg[o + i]);
        o += l;
    }
    out[n] = '\0';
    if (!jumped)
        *off = o;
    return 0;
}

int dns_parse_query(const uint8_t *msg, size_t len, dns_query_t *q, c8s_err_t *err)
{
    memset(q, 0, sizeof(*q));
    if (len < HDR)
        return c8s_err_set(err, C8S_EBADREQUEST, "short message");
    q->id = get16(msg);
    q->flags = get16(msg + 2);
    q->udp_size = 512;
    if (q->flags & FLAG_QR)
        return c8s_err_set(err, C8S_EBADREQUEST, "not a query");
    if (OPCODE(q->flags) != 0)
        return c8s_err_set(err, C8S_EBADREQUEST, "opcode %d not supported", OPCODE(q->flags));
    if (get16(msg + 4) != 1)
        return c8s_err_set(err, C8S_EBADREQUEST, "%d questions", get16(msg + 4));
    size_t off = HDR;
    if (read_name(msg, len, &off, q->name) != 0 || off + 4 > len)
        return c8s_err_set(err, C8S_EBADREQUEST, "malformed question");
    q->qtype = get16(msg + off);
    q->qclass = get16(msg + off + 2);
    off += 4;
    /* Skip answers and authority (a query has none, but be lenient); find an OPT record. */
    unsigned rest = (unsigned)get16(msg + 6) + get16(msg + 8) + get16(msg + 10);
    unsigned additional_from = (unsigned)get16(msg + 6) + get16(msg + 8);
    for (unsigned i = 0; i < rest; i++) {
        char name[DNS_NAME_MAX + 1];
        if (read_name(msg, len, &off, name) != 0 || off + 10 > len)
            return c8s_err_set(err, C8S_EBADREQUEST, "malformed record");
        uint16_t type = get16(msg + off), cls = get16(msg + off + 2);
        uint16_t rdlen = get16(msg + off + 8);
        if (i >= additional_from && type == DNS_OPT) {
            q->edns = 1;
            q->udp_size = cls < 512 ? 512 : cls;
        }
        off += 10u + rdlen;
        if (off > len)
            return c8s_err_set(err, C8S_EBADREQUEST, "malformed record");
    }
    return 0;
}

void dns_answer_free(dns_answer_t *a)
{
    free(a->an);
    free(a->ns);
    free(a->ar);
    memset(a, 0, sizeof(*a));
}

/* Writes a name in full (or as a pointer to the question's name); returns bytes or 0. */
static size_t write_name(const char *name, const char *qname, uint8_t *p, size_t room)
{
    if (qname && strcmp(name, qname) == 0) {
        if (room < 2)
            return 0;
        put16(p, QNAME_PTR);
        return 2;
    }
    size_t n = 0;
    const char *s = name;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);
        if (l == 0 || l > 63 || n + 1 + l >= room)
            return 0;
        p[n++] = (uint8_t)l;
        memcpy(p + n, s, l);
        n += l;
        s += l + (dot ? 1 : 0);
    }
    if (n + 1 > room)
        return 0;
    p[n++] = 0;
    return n;
}

/* Writes one record; returns bytes or 0 when it does not fit. */
static size_t write_rr(const dns_rr_t *rr, const char *qname, uint8_t *p, size_t room)
{
    size_t n = write_name(rr->name, qname, p, room);
    if (!n || n + 10 > room)
        return 0;
    uint8_t *fixed = p + n;
    put16(fixed, rr->type);
    put16(fixed + 2, 1); /* IN */
    put32(fixed + 4, rr->ttl);
    n += 10;
    size_t rd = 0;
    switch (rr->type) {
    case DNS_A:
        if (n + 4 > room)
            return 0;
        memcpy(p + n, rr->addr, 4);
        rd = 4;
        break;
    case DNS_AAAA:
        if (n + 16 > room)
            return 0;
        memcpy(p + n, rr->addr, 16);
        rd = 16;
        break;
    case DNS_CNAME:
    case DNS_PTR:
        rd = write_name(rr->target, qname, p + n, room - n);
        break;
    case DNS_SRV:
        if (n + 6 > room)
            return 0;
        put16(p + n, rr->priority);
        put16(p + n + 2, rr->weight);
        put16(p + n + 4, rr->port);
        rd = write_name(rr->target, NULL, p + n + 6, room - n - 6);
        rd = rd ? rd + 6 : 0;
        break;
    case DNS_SOA: {
        /* mname = target, rname hostmaster.<zone>, then five counters; the SOA's name is the
         * zone. */
        char rname[DNS_NAME_MAX + 16];
        snprintf(rname, sizeof(rname), "hostmaster.%s", rr->name);
        size_t m = write_name(rr->target, NULL, p + n, room - n);
        size_t r = m ? write_name(rname, NULL, p + n + m, room - n - m) : 0;
        if (!r || n + m + r + 20 > room)
            return 0;
        uint8_t *c = p + n + m + r;
        put32(c, 1); /* serial */
        put32(c + 4, 7200);
        put32(c + 8, 1800);
        put32(c + 12, 86400);
        put32(c + 16, rr->ttl); /* negative-caching TTL */
        rd = m + r + 20;
        break;
    }
    default:
        return 0;
    }
    if (!rd)
        return 0;
    put16(fixed + 8, (uint16_t)rd);
    return n + rd;
}

/* The header and question; returns the offset after them, or 0. */
static size_t write_head(const dns_query_t *q, uint16_t flags, uint8_t *buf, size_t cap)
{
    if (cap < HDR)
        return 0;
    memset(buf, 0, HDR);
    put16(buf, q->id);
    put16(buf + 2, flags);
    put16(buf + 4, 1);
    size_t n = write_name(q->name, NULL, buf + HDR, cap - HDR);
    if (!n || HDR + n + 4 > cap)
        return 0;
    put16(buf + HDR + n, q->qtype);
    put16(buf + HDR + n + 2, q->qclass);
    return HDR + n + 4;
}

static size_t write_opt(uint8_t *p, size_t room)
{
    if (room < 11)
        return 0;
    p[0] = 0; /* root */
    put16(p + 1, DNS_OPT);
    put16(p + 3, EDNS_SIZE);
    put32(p + 5, 0);
    put16(p + 9, 0);
    return 11;
}

size_t dns_write_response(const dns_query_t *q, const dns_answer_t *a, uint8_t *buf, size_t cap)
{
    size_t limit = cap;
    if (q->udp_size && q->udp_size < limit)
        limit = q->udp_size;
    uint16_t flags = FLAG_QR | (q->flags & FLAG_RD) | FLAG_RA | (uint16_t)(a->rcode & 0xF);
    if (a->authoritative)
        flags |= FLAG_AA;
    size_t off = write_head(q, flags, buf, limit);
    if (!off)
        return 0;
    /* Room for the OPT record is kept back when the client sent one. */
    size_t reserve = q->edns ? 11 : 0;
    const struct {
        const dns_rr_t *rr;
        size_t n;
        int count_at;
    } sections[] = {{a->an, a->nan, 6}, {a->ns, a->nns, 8}, {a->ar, a->nar, 10}};
    for (size_t s = 0; s < 3; s++) {
        uint16_t count = 0;
        for (size_t i = 0; i < sections[s].n; i++) {
            size_t w = limit > off + reserve
                           ? write_rr(&sections[s].rr[i], q->name, buf + off, limit - off - reserve)
                           : 0;
            if (!w) {
                /* Truncated: answers missing means the client must retry over TCP; a missing
                 * additional record is only a lost hint. */
                if (s == 0)
                    put16(buf + 2, get16(buf + 2) | FLAG_TC);
                break;
            }
            off += w;
            count++;
        }
        put16(buf + sections[s].count_at, count);
    }
    if (q->edns) {
        off += write_opt(buf + off, limit - off);
        put16(buf + 10, get16(buf + 10) + 1);
    }
    return off;
}

size_t dns_write_error(const uint8_t *query, size_t qlen, int rcode, uint8_t *buf, size_t cap)
{
    if (qlen < HDR || cap < HDR)
        return 0;
    /* Echo the header and, when it parses, the question. */
    dns_query_t q = {0};
    q.id = get16(query);
    q.flags = get16(query + 2);
    uint16_t flags = FLAG_QR | (q.flags & (FLAG_RD | 0x7800)) | FLAG_RA | (uint16_t)(rcode & 0xF);
    size_t off = 0;
    if (get16(query + 4) == 1) {
        size_t o = HDR;
        if (read_name(query, qlen, &o, q.name) == 0 && o + 4 <= qlen) {
            q.qtype = get16(query + o);
            q.qclass = get16(query + o + 2);
            off = write_head(&q, flags, buf, cap);
        }
    }
    if (!off) {
        memset(buf, 0, HDR);
        put16(buf, q.id);
        put16(buf + 2, flags);
        off = HDR;
    }
    return off;
}
