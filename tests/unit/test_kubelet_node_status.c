/* test_kubelet_node_status.c — when the kubelet's Node status says something new, as upstream's
 * nodeStatusHasChanged decides it: heartbeat times never count; a condition's status, reason,
 * message or transition time, an address, capacity or allocatable amount, nodeInfo or the
 * kubelet's port do; conditions are paired by type, not position; quantities compare by amount;
 * fields the kubelet does not set (images, volumesInUse) stay as the server has them. And the
 * status the kubelet builds from the server's own copy is unchanged a beat later. JSON written
 * with ' for ". */
#include "c8s/kubelet.h"
#include "json_lit.h"
#include "test.h"

#include <string.h>

#define CONDS(rs, rr, hb)                                                                          \
    "'conditions':[{'type':'MemoryPressure','status':'False','reason':'"                           \
    "KubeletHasSufficientMemory',"                                                                 \
    "'message':'m','lastHeartbeatTime':'" hb "','lastTransitionTime':'2026-01-01T00:00:00Z'},"     \
    "{'type':'Ready','status':'" rs "','reason':'" rr "','message':'r','lastHeartbeatTime':'" hb   \
    "','lastTransitionTime':'2026-01-01T00:00:00Z'}]"

#define BASE                                                                                       \
    "'capacity':{'cpu':'2','memory':'1048576Ki','pods':'110'},"                                    \
    "'allocatable':{'cpu':'2','memory':'1048576Ki','pods':'110'},"                                 \
    "'addresses':[{'type':'InternalIP','address':'10.0.0.1'},{'type':'Hostname','address':'n'}],"  \
    "'daemonEndpoints':{'kubeletEndpoint':{'Port':10250}},'nodeInfo':{'kernelVersion':'6.1'}"

static const char *current_s =
    "{" BASE ", " CONDS("True", "KubeletReady",
                        "2026-01-01T00:00:10Z") ",'images':[{'names':['pause'],'sizeBytes':1}]}";

static void changed(const char *what, const char *status, bool want)
{
    cleanup_json json_t *cur = J(current_s);
    cleanup_json json_t *st = J(status);
    CHECK_MSG(kubelet_node_status_changed(cur, st) == want, "%s: want %s", what,
              want ? "changed" : "unchanged");
}

static void test_table(void)
{
    changed("the same status, later heartbeats",
            "{" BASE ", " CONDS("True", "KubeletReady", "2026-01-01T00:05:00Z") "}", false);
    changed("nothing at all", "{}", false);
    changed("Ready went Unknown",
            "{" BASE ", " CONDS("Unknown", "KubeletReady", "2026-01-01T00:00:10Z") "}", true);
    changed("another reason",
            "{" BASE ", " CONDS("True", "KubeletNotReady", "2026-01-01T00:00:10Z") "}", true);
    changed("a condition fewer",
            "{'conditions':[{'type':'Ready','status':'True','reason':'KubeletReady','message':'r',"
            "'lastHeartbeatTime':'x','lastTransitionTime':'2026-01-01T00:00:00Z'}]}",
            true);
    changed("conditions in another order",
            "{'conditions':[{'type':'Ready','status':'True','reason':'KubeletReady','message':'r',"
            "'lastHeartbeatTime':'x','lastTransitionTime':'2026-01-01T00:00:00Z'},"
            "{'type':'MemoryPressure','status':'False','reason':'KubeletHasSufficientMemory',"
            "'message':'m','lastHeartbeatTime':'y','lastTransitionTime':'2026-01-01T00:00:00Z'}]}",
            false);
    changed("a new transition time",
            "{'conditions':[{'type':'Ready','status':'True','reason':'KubeletReady','message':'r',"
            "'lastHeartbeatTime':'x','lastTransitionTime':'2026-01-01T00:09:00Z'},"
            "{'type':'MemoryPressure','status':'False','reason':'KubeletHasSufficientMemory',"
            "'message':'m','lastHeartbeatTime':'y','lastTransitionTime':'2026-01-01T00:00:00Z'}]}",
            true);
    changed("a condition's type renamed",
            "{'conditions':[{'type':'Ready','status':'True','reason':'KubeletReady','message':'r',"
            "'lastTransitionTime':'2026-01-01T00:00:00Z'},"
            "{'type':'DiskPressure','status':'False','reason':'KubeletHasSufficientMemory',"
            "'message':'m','lastTransitionTime':'2026-01-01T00:00:00Z'}]}",
            true);
    changed("the same memory written otherwise", "{'capacity':{'memory':'1Gi'}}", false);
    changed("more memory", "{'capacity':{'memory':'2Gi'}}", true);
    changed("less allocatable cpu", "{'allocatable':{'cpu':'1500m'}}", true);
    changed("a new resource", "{'capacity':{'hugepages-2Mi':'0'}}", true);
    changed("a new address",
            "{'addresses':[{'type':'InternalIP','address':'10.0.0.2'},"
            "{'type':'Hostname','address':'n'}]}",
            true);
    changed("the kubelet's port", "{'daemonEndpoints':{'kubeletEndpoint':{'Port':10251}}}", true);
    changed("a new kernel", "{'nodeInfo':{'kernelVersion':'6.2'}}", true);
    changed("images the kubelet does not report stay", "{'nodeInfo':{'kernelVersion':'6.1'}}",
            false);

    cleanup_json json_t *st = J("{'capacity':{'cpu':'2'}}");
    CHECK(kubelet_node_status_changed(NULL, st));
    cleanup_json json_t *empty = J("{}");
    CHECK(kubelet_node_status_changed(empty, st));
}

/* What the kubelet builds on the server's copy of its own last status is no change; a node the
 * lifecycle controller marked Unknown is one. */
static void test_built(void)
{
    kubelet_node_facts_t f = {.cpus = 4,
                              .memory_bytes = 8LL << 30,
                              .storage_bytes = 100LL << 30,
                              .internal_ip = "10.1.2.3",
                              .hostname = "n1",
                              .kernel = "6.1.0",
                              .os_image = "Debian",
                              .arch = "amd64",
                              .runtime_version = "runc://1.1.5",
                              .kubelet_port = 10250};
    cleanup_json json_t *first = kubelet_node_status(&f, NULL, "2026-01-01T00:00:00Z");
    CHECK(kubelet_node_status_changed(NULL, first));
    cleanup_json json_t *next = kubelet_node_status(&f, first, "2026-01-01T00:00:10Z");
    CHECK(!kubelet_node_status_changed(first, next));

    cleanup_json json_t *unknown = json_deep_copy(first);
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(unknown, "conditions"), i, c)
    {
        json_object_set_new(c, "status", json_string("Unknown"));
        json_object_set_new(c, "reason", json_string("NodeStatusUnknown"));
    }
    cleanup_json json_t *back = kubelet_node_status(&f, unknown, "2026-01-01T00:01:00Z");
    CHECK(kubelet_node_status_changed(unknown, back));

    f.kubelet_port = 10251;
    cleanup_json json_t *moved = kubelet_node_status(&f, first, "2026-01-01T00:00:20Z");
    CHECK(kubelet_node_status_changed(first, moved));

    /* Upstream's node condition events: every one for a new node, none for a repeat, NodeReady
     * (and the rest) again once the node lifecycle controller has said Unknown. */
    cleanup_json json_t *fresh = kubelet_node_condition_events(NULL, first);
    cleanup_free char *fresh_s = json_dumps(fresh, JSON_COMPACT);
    CHECK_STR(fresh_s, "[\"NodeHasSufficientMemory\",\"NodeHasNoDiskPressure\","
                       "\"NodeHasSufficientPID\",\"NodeReady\"]");
    cleanup_json json_t *none = kubelet_node_condition_events(first, next);
    CHECK_INT(json_array_size(none), 0);
    cleanup_json json_t *again = kubelet_node_condition_events(unknown, back);
    CHECK_INT(json_array_size(again), 4);
    cleanup_json json_t *pressed = json_deep_copy(next);
    json_array_foreach(json_object_get(pressed, "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")), "MemoryPressure") == 0)
            json_object_set_new(c, "status", json_string("True"));
    }
    cleanup_json json_t *mem = kubelet_node_condition_events(next, pressed);
    CHECK_INT(json_array_size(mem), 1);
    CHECK_STR(json_string_value(json_array_get(mem, 0)), "NodeHasInsufficientMemory");
}

int main(void)
{
    test_table();
    test_built();
    TEST_END();
}
