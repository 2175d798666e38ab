/* fuzz_streamquery.c — the kubelet's small parsers of streaming requests (server_int.h): a
 * port-forward query's ports, each in 1..65535 and no more than asked for, and the lines of a
 * SPDY resize stream, taken one by one as the exec session does until none is whole. */
#include "fuzz.h"
#include "../../src/kubelet/server_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ports[4];
    c8s_err_t err = C8S_ERR_INIT;
    int n = kserver_query_ports((const char *)data, size, ports, 4, &err);
    if (n > 4 || (n <= 0 && err.code != C8S_EBADREQUEST))
        abort();
    for (int i = 0; i < n; i++)
        if (ports[i] < 1 || ports[i] > 65535)
            abort();
    c8s_err_clear(&err);

    strbuf_t b = STRBUF_INIT;
    strbuf_addn(&b, (const char *)data, size);
    const char *line;
    size_t len, used, total = 0;
    while ((used = kserver_json_line(&b, &line, &len)) > 0) {
        if (used != len + 1 || line[len] != '\n' || memchr(line, '\n', len))
            abort();
        total += used;
        kserver_consume(&b, used);
    }
    if (total + b.len != size || (b.len && memchr(b.s, '\n', b.len)))
        abort();
    strbuf_free(&b);
    return 0;
}
