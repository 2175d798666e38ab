/* fuzz_dns.c — DNS messages as the cluster DNS receives them: parsed, answered from a small zone,
 * and the answer written; an error answer for what does not parse. */
#include "fuzz.h"
#include "c8s/dns.h"

#include <stdint.h>

static json_t *zone;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!zone) {
        json_t *svcs = json_loads(
            "[{\"metadata\":{\"namespace\":\"default\",\"name\":\"web\"},\"spec\":{\"clusterIP\":"
            "\"10.96.0.50\",\"ports\":[{\"name\":\"http\",\"port\":80}]}},{\"metadata\":{"
            "\"namespace\":\"db\",\"name\":\"pg\"},\"spec\":{\"clusterIP\":\"None\"}}]",
            0, NULL);
        json_t *slices = json_loads(
            "[{\"metadata\":{\"namespace\":\"db\",\"name\":\"pg-1\",\"labels\":{\"kubernetes.io/"
            "service-name\":\"pg\"}},\"ports\":[{\"name\":\"sql\",\"port\":5432}],\"endpoints\":"
            "[{\"addresses\":[\"10.244.1.5\"],\"hostname\":\"pg-0\"}]}]",
            0, NULL);
        zone = dns_zone_build(svcs, slices, "cluster.local");
        json_decref(svcs);
        json_decref(slices);
    }
    uint8_t out[4096];
    dns_query_t q;
    c8s_err_t err = C8S_ERR_INIT;
    if (dns_parse_query(data, size, &q, &err) != 0) {
        (void)dns_write_error(data, size, DNS_FORMERR, out, sizeof(out));
        c8s_err_clear(&err);
        return 0;
    }
    dns_answer_t a;
    if (dns_zone_answer(zone, "cluster.local", &q, &a)) {
        (void)dns_write_response(&q, &a, out, sizeof(out));
        q.udp_size = 0;
        (void)dns_write_response(&q, &a, out, sizeof(out));
        dns_answer_free(&a);
    }
    return 0;
}
