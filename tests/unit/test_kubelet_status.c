/* test_kubelet_status.c — a pod's phase and status from its containers as the kubelet reports
 * them: init containers gating, restart policies, back-off counted as stopped, conditions with
 * upstream's reasons and messages, transition times kept, IPs, QoS. JSON written with ' for ". */
#include "c8s/kubelet.h"
#include "c8s/strbuf.h"
#include "json_lit.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const json_t *cond(const json_t *st, const char *type)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(st, "conditions"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
            return c;
    }
    return NULL;
}

static const char *cs(const json_t *st, const char *type, const char *key)
{
    return json_string_value(json_object_get(cond(st, type), key));
}

/* Termination messages as upstream's kubelet makes them. */
static void test_termination_message(void)
{
    const char log[] = "2026-01-01T00:00:00.000000001Z stdout F starting\n"
                       "2026-01-01T00:00:01.000000001Z stderr P no such \n"
                       "2026-01-01T00:00:01.000000002Z stderr F file: /x\n";
    /* The file wins; no file and the default policy (File): nothing. */
    cleanup_free char *m1 = kubelet_termination_message("bye\n", 4, log, sizeof(log) - 1, true, 1);
    CHECK_STR(m1 ?: "", "bye\n");
    CHECK(kubelet_termination_message("", 0, log, sizeof(log) - 1, false, 1) == NULL);
    /* FallbackToLogsOnError: the log's text, partial records joined, only on a failure. */
    cleanup_free char *m2 = kubelet_termination_message(NULL, 0, log, sizeof(log) - 1, true, 2);
    CHECK_STR(m2 ?: "", "starting\nno such file: /x\n");
    CHECK(kubelet_termination_message(NULL, 0, log, sizeof(log) - 1, true, 0) == NULL);
    /* A long file: its last 4 KiB. */
    char big[5000];
    memset(big, 'a', sizeof(big));
    big[sizeof(big) - 1] = 'z';
    cleanup_free char *m3 = kubelet_termination_message(big, sizeof(big), NULL, 0, false, 1);
    CHECK_INT(strlen(m3), 4096);
    CHECK(m3[4095] == 'z');
    /* The log's last 80 lines, at most 2 KiB of them. */
    strbuf_t many = STRBUF_INIT;
    for (int i = 0; i < 200; i++)
        strbuf_addf(&many, "2026-01-01T00:00:00.000000001Z stdout F line %03d\n", i);
    cleanup_free char *m4 = kubelet_termination_message(NULL, 0, many.s, many.len, true, 1);
    CHECK(strncmp(m4, "line 120\n", 9) == 0);
    CHECK_INT(strlen(m4), 80 * 9);
    strbuf_free(&many);
}

int main(void)
{
    cleanup_json json_t *always =
        J("{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a'}]}}");
    cleanup_json json_t *never =
        J("{'metadata':{'name':'p'},'spec':{'restartPolicy':'Never','containers':[{'name':'a'}]}}");
    cleanup_json json_t *onfail = J("{'metadata':{'name':'p'},'spec':{'restartPolicy':'OnFailure','"
                                    "containers':[{'name':'a'}]}}");
    cleanup_json json_t *last1 = J("{'terminated':{'exitCode':1,'reason':'Error'}}");

    kubelet_ctr_t creating = {.name = "a", .state = "waiting"};
    kubelet_ctr_t running = {
        .name = "a", .state = "running", .started_at = "t0", .ready = true, .started = true};
    kubelet_ctr_t ok = {.name = "a", .state = "terminated", .exit_code = 0};
    kubelet_ctr_t failed = {.name = "a", .state = "terminated", .exit_code = 1};
    kubelet_ctr_t backoff = {.name = "a",
                             .state = "waiting",
                             .reason = "CrashLoopBackOff",
                             .last_state = last1,
                             .restart_count = 3};

    CHECK_STR(kubelet_pod_phase(always, NULL, 0, &creating, 1), "Pending");
    CHECK_STR(kubelet_pod_phase(always, NULL, 0, &running, 1), "Running");
    CHECK_STR(kubelet_pod_phase(always, NULL, 0, &backoff, 1), "Running");
    CHECK_STR(kubelet_pod_phase(always, NULL, 0, &ok, 1), "Running");
    CHECK_STR(kubelet_pod_phase(never, NULL, 0, &ok, 1), "Succeeded");
    CHECK_STR(kubelet_pod_phase(never, NULL, 0, &failed, 1), "Failed");
    CHECK_STR(kubelet_pod_phase(onfail, NULL, 0, &failed, 1), "Running");
    CHECK_STR(kubelet_pod_phase(onfail, NULL, 0, &ok, 1), "Succeeded");
    /* Init containers gate the app ones; a failed one fails the pod only under Never. */
    kubelet_ctr_t init_run = {.name = "i", .state = "running"};
    kubelet_ctr_t init_fail = {.name = "i", .state = "terminated", .exit_code = 2};
    kubelet_ctr_t init_ok = {.name = "i", .state = "terminated", .exit_code = 0};
    CHECK_STR(kubelet_pod_phase(always, &init_run, 1, &creating, 1), "Pending");
    CHECK_STR(kubelet_pod_phase(always, &init_fail, 1, &creating, 1), "Pending");
    CHECK_STR(kubelet_pod_phase(never, &init_fail, 1, &creating, 1), "Failed");
    /* A sidecar (restartable init container): the pod starts once it has started, runs beside
     * it, and finishes by its app containers alone; a sidecar's failure never fails it. */
    kubelet_ctr_t side_up = {.name = "s", .state = "running", .started = true, .restartable = true};
    kubelet_ctr_t side_starting = {.name = "s", .state = "running", .restartable = true};
    kubelet_ctr_t side_failed = {
        .name = "s", .state = "terminated", .exit_code = 1, .restartable = true};
    CHECK_STR(kubelet_pod_phase(never, &side_starting, 1, &creating, 1), "Pending");
    CHECK_STR(kubelet_pod_phase(never, &side_failed, 1, &creating, 1), "Pending");
    CHECK_STR(kubelet_pod_phase(never, &side_up, 1, &running, 1), "Running");
    CHECK_STR(kubelet_pod_phase(never, &side_up, 1, &ok, 1), "Succeeded");
    CHECK_STR(kubelet_pod_phase(always, &init_ok, 1, &running, 1), "Running");

    /* A pod waiting on its init container. */
    cleanup_json json_t *st1 = kubelet_pod_status(always, NULL, true, &init_run, 1, &creating, 1,
                                                  "192.0.2.1", "10.244.0.5", "T1");
    CHECK_STR(json_string_value(json_object_get(st1, "phase")), "Pending");
    CHECK_STR(cs(st1, "Initialized", "status"), "False");
    CHECK_STR(cs(st1, "Initialized", "reason"), "ContainersNotInitialized");
    CHECK_STR(cs(st1, "Initialized", "message"), "containers with incomplete status: [i]");
    CHECK_STR(cs(st1, "Ready", "message"), "containers with unready status: [a]");
    CHECK_STR(cs(st1, "PodReadyToStartContainers", "status"), "True");
    CHECK_STR(cs(st1, "PodScheduled", "status"), "True");
    CHECK_STR(json_string_value(json_object_get(st1, "podIP")), "10.244.0.5");
    CHECK_STR(
        json_string_value(json_object_get(json_array_get(json_object_get(st1, "podIPs"), 0), "ip")),
        "10.244.0.5");
    CHECK_STR(json_string_value(json_object_get(st1, "hostIP")), "192.0.2.1");
    CHECK_STR(json_string_value(json_object_get(st1, "qosClass")), "BestEffort");
    CHECK_STR(json_string_value(json_object_get(st1, "startTime")), "T1");
    json_t *ics = json_array_get(json_object_get(st1, "initContainerStatuses"), 0);
    CHECK(json_object_get(json_object_get(ics, "state"), "running") != NULL);
    json_t *c0 = json_array_get(json_object_get(st1, "containerStatuses"), 0);
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(c0, "state"), "waiting"), "reason")),
              "ContainerCreating");

    /* Later: running and ready. Transition times move only for conditions that flipped. */
    cleanup_json json_t *st2 = kubelet_pod_status(always, st1, true, &init_ok, 1, &running, 1,
                                                  "192.0.2.1", "10.244.0.5", "T2");
    CHECK_STR(json_string_value(json_object_get(st2, "phase")), "Running");
    CHECK_STR(cs(st2, "Ready", "status"), "True");
    CHECK(json_object_get(cond(st2, "Ready"), "reason") == NULL);
    CHECK_STR(cs(st2, "Ready", "lastTransitionTime"), "T2");
    CHECK_STR(cs(st2, "PodScheduled", "lastTransitionTime"), "T1");
    CHECK_STR(json_string_value(json_object_get(st2, "startTime")), "T1");

    /* Back-off: the waiting reason and the last run's end are both shown. */
    cleanup_json json_t *st3 =
        kubelet_pod_status(always, st2, true, NULL, 0, &backoff, 1, NULL, "10.244.0.5", "T3");
    c0 = json_array_get(json_object_get(st3, "containerStatuses"), 0);
    CHECK_STR(json_string_value(json_object_get(
                  json_object_get(json_object_get(c0, "state"), "waiting"), "reason")),
              "CrashLoopBackOff");
    CHECK_INT(json_integer_value(json_object_get(c0, "restartCount")), 3);
    CHECK_INT(json_integer_value(json_object_get(
                  json_object_get(json_object_get(c0, "lastState"), "terminated"), "exitCode")),
              1);
    CHECK_STR(cs(st3, "Ready", "status"), "False");

    /* Completed under Never: PodCompleted, no message. */
    cleanup_json json_t *st4 =
        kubelet_pod_status(never, NULL, true, NULL, 0, &ok, 1, NULL, NULL, "T4");
    CHECK_STR(json_string_value(json_object_get(st4, "phase")), "Succeeded");
    CHECK_STR(cs(st4, "Ready", "reason"), "PodCompleted");
    CHECK(json_object_get(st4, "podIP") == NULL);
    test_termination_message();
    TEST_END();
}
