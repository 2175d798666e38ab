/* test_patch.c — JSON merge patch, JSON patch and strategic merge patch, table-driven. JSON in the
 * tables is written with single quotes, turned into double quotes before parsing. */
#include "c8s/patch.h"
#include "c8s/kinds.h"
#include "test.h"

#include <stdlib.h>

/* Parses JSON written with ' for " (owned). Aborts the test run on a malformed literal. */
static json_t *J(const char *s)
{
    cleanup_free char *q = xstrdup(s);
    for (char *p = q; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(q, JSON_DECODE_ANY, &e);
    if (!v) {
        fprintf(stderr, "bad JSON literal in test: %s: %s\n", s, e.text);
        abort();
    }
    return v;
}

static char *D(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    return s ? s : xstrdup("(null)");
}

/* Exact comparison, list order included (object key order ignored). */
#define CHECK_JSON(got, want_lit, desc)                                                            \
    do {                                                                                           \
        cleanup_json json_t *_w = J(want_lit);                                                     \
        cleanup_free char *_g = D(got);                                                            \
        cleanup_free char *_ws = D(_w);                                                            \
        CHECK_MSG((got) && json_equal((got), _w), "%s:\n  got  %s\n  want %s", desc, _g, _ws);     \
    } while (0)

/* JSON merge patch (RFC 7386). */
static const struct {
    const char *desc, *target, *patch, *want;
} merge_cases[] = {
    {"add key", "{'a':1}", "{'b':2}", "{'a':1,'b':2}"},
    {"replace value", "{'a':1}", "{'a':'x'}", "{'a':'x'}"},
    {"null deletes", "{'a':1,'b':2}", "{'a':null}", "{'b':2}"},
    {"null for absent key is dropped", "{'a':1}", "{'z':null}", "{'a':1}"},
    {"nested merge", "{'m':{'x':1,'y':2}}", "{'m':{'y':null,'z':3}}", "{'m':{'x':1,'z':3}}"},
    {"nested null dropped in new map", "{}", "{'m':{'a':null,'b':1}}", "{'m':{'b':1}}"},
    {"lists replaced", "{'l':[1,2,3]}", "{'l':[4]}", "{'l':[4]}"},
    {"map replaces scalar", "{'a':1}", "{'a':{'b':1}}", "{'a':{'b':1}}"},
    {"non-object patch replaces", "{'a':1}", "[1,2]", "[1,2]"},
    {"object patch on scalar target", "5", "{'a':1}", "{'a':1}"},
    {"empty patch is identity", "{'a':{'b':[1]}}", "{}", "{'a':{'b':[1]}}"},
};

/* JSON patch (RFC 6902). want NULL: an error with code rc. */
static const struct {
    const char *desc, *doc, *ops, *want;
    int rc;
} json_cases[] = {
    {"add member", "{'a':1}", "[{'op':'add','path':'/b','value':2}]", "{'a':1,'b':2}", 0},
    {"add replaces member", "{'a':1}", "[{'op':'add','path':'/a','value':3}]", "{'a':3}", 0},
    {"add into array", "{'l':[1,3]}", "[{'op':'add','path':'/l/1','value':2}]", "{'l':[1,2,3]}", 0},
    {"add appends with -", "{'l':[1]}", "[{'op':'add','path':'/l/-','value':2}]", "{'l':[1,2]}", 0},
    {"add nested", "{'a':{}}", "[{'op':'add','path':'/a/b','value':{'c':1}}]",
     "{'a':{'b':{'c':1}}}", 0},
    {"add escaped key", "{}", "[{'op':'add','path':'/a~1b~0c','value':1}]", "{'a/b~c':1}", 0},
    {"remove member", "{'a':1,'b':2}", "[{'op':'remove','path':'/a'}]", "{'b':2}", 0},
    {"remove array item", "{'l':[1,2,3]}", "[{'op':'remove','path':'/l/1'}]", "{'l':[1,3]}", 0},
    {"replace", "{'a':1}", "[{'op':'replace','path':'/a','value':[1]}]", "{'a':[1]}", 0},
    {"replace array item", "{'l':[1,2]}", "[{'op':'replace','path':'/l/0','value':9}]",
     "{'l':[9,2]}", 0},
    {"move", "{'a':{'b':1},'c':{}}", "[{'op':'move','from':'/a/b','path':'/c/d'}]",
     "{'a':{},'c':{'d':1}}", 0},
    {"copy", "{'a':[1]}", "[{'op':'copy','from':'/a','path':'/b'}]", "{'a':[1],'b':[1]}", 0},
    {"test passes", "{'a':'x'}", "[{'op':'test','path':'/a','value':'x'}]", "{'a':'x'}", 0},
    {"ops apply in sequence", "{}",
     "[{'op':'add','path':'/a','value':1},{'op':'copy','from':'/a','path':'/b'},"
     "{'op':'remove','path':'/a'}]",
     "{'b':1}", 0},
    {"test fails", "{'a':'x'}", "[{'op':'test','path':'/a','value':'y'}]", NULL, C8S_EINVALID},
    {"failed test leaves no partial result", "{'a':1}",
     "[{'op':'add','path':'/b','value':2},{'op':'test','path':'/a','value':2}]", NULL,
     C8S_EINVALID},
    {"remove missing", "{}", "[{'op':'remove','path':'/a'}]", NULL, C8S_EINVALID},
    {"remove out of range", "{'l':[1]}", "[{'op':'remove','path':'/l/5'}]", NULL, C8S_EINVALID},
    {"replace missing", "{}", "[{'op':'replace','path':'/a','value':1}]", NULL, C8S_EINVALID},
    {"add under missing parent", "{}", "[{'op':'add','path':'/a/b','value':1}]", NULL,
     C8S_EINVALID},
    {"add past array end", "{'l':[]}", "[{'op':'add','path':'/l/2','value':1}]", NULL,
     C8S_EINVALID},
    {"move from missing", "{}", "[{'op':'move','from':'/x','path':'/y'}]", NULL, C8S_EINVALID},
    {"copy from missing", "{}", "[{'op':'copy','from':'/x','path':'/y'}]", NULL, C8S_EINVALID},
    {"unknown op", "{}", "[{'op':'frob','path':'/a'}]", NULL, C8S_EBADREQUEST},
    {"op without path", "{}", "[{'op':'add','value':1}]", NULL, C8S_EBADREQUEST},
    {"add without value", "{}", "[{'op':'add','path':'/a'}]", NULL, C8S_EBADREQUEST},
    {"move without from", "{}", "[{'op':'move','path':'/a'}]", NULL, C8S_EBADREQUEST},
    {"operation not an object", "{}", "[1]", NULL, C8S_EBADREQUEST},
    {"ops not an array", "{}", "{'op':'add'}", NULL, C8S_EBADREQUEST},
};

/* Strategic merge patch. kind: "group/version/Kind" ("" group for core), or NULL for a kind c8s
 * has no table for (a custom resource). want NULL: an error with code rc and msg in its text. */
static const struct {
    const char *desc, *kind, *orig, *patch, *want;
    int rc;
    const char *msg;
} smp_cases[] = {
    /* Maps. */
    {"maps merge, null deletes", "/v1/Pod", "{'metadata':{'name':'p','labels':{'a':'1','b':'2'}}}",
     "{'metadata':{'labels':{'a':null,'c':'3'}}}",
     "{'metadata':{'name':'p','labels':{'b':'2','c':'3'}}}", 0, NULL},
    {"null for an absent key is not stored", "/v1/Pod", "{'spec':{}}",
     "{'spec':{'nodeName':null,'x':{'y':null,'z':1}}}", "{'spec':{'x':{'z':1}}}", 0, NULL},
    {"$patch: replace on a map", "apps/v1/Deployment",
     "{'spec':{'template':{'metadata':{'labels':{'a':'1','b':'2'}}}}}",
     "{'spec':{'template':{'metadata':{'labels':{'$patch':'replace','c':'3'}}}}}",
     "{'spec':{'template':{'metadata':{'labels':{'c':'3'}}}}}", 0, NULL},
    {"$patch: replace on the whole object", "/v1/ConfigMap",
     "{'data':{'a':'1'},'kind':'ConfigMap'}", "{'$patch':'replace','data':{'b':'2'}}",
     "{'data':{'b':'2'}}", 0, NULL},
    {"$patch: delete on a map leaves it empty", "/v1/Pod",
     "{'spec':{'securityContext':{'runAsUser':1,'fsGroup':2}}}",
     "{'spec':{'securityContext':{'$patch':'delete'}}}", "{'spec':{'securityContext':{}}}", 0,
     NULL},

    /* Merging lists of maps. */
    {"containers merge by name: change one image, add another", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}}",
     "{'spec':{'containers':[{'name':'b','image':'z'},{'name':'c','image':'w'}]}}",
     "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'z'},"
     "{'name':'c','image':'w'}]}}",
     0, NULL},
    /* kubectl's docs (update-api-object-kubectl-patch): the new container comes first. */
    {"a new item lands before original-only items", "apps/v1/Deployment",
     "{'spec':{'template':{'spec':{'containers':[{'name':'patch-demo-ctr','image':'nginx'}]}}}}",
     "{'spec':{'template':{'spec':{'containers':[{'name':'patch-demo-ctr-2','image':'redis'}]}}}}",
     "{'spec':{'template':{'spec':{'containers':[{'name':'patch-demo-ctr-2','image':'redis'},"
     "{'name':'patch-demo-ctr','image':'nginx'}]}}}}",
     0, NULL},
    {"the patch's order wins over the original's", "/v1/Pod",
     "{'spec':{'containers':[{'name':'1'},{'name':'2','image':'b'},{'name':'3'}]}}",
     "{'spec':{'containers':[{'name':'3','image':'c'},{'name':'1','image':'a'}]}}",
     "{'spec':{'containers':[{'name':'2','image':'b'},{'name':'3','image':'c'},"
     "{'name':'1','image':'a'}]}}",
     0, NULL},
    {"ports merge by containerPort", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http'}]}]}}",
     "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'protocol':'TCP'},"
     "{'containerPort':443}]}]}}",
     "{'spec':{'containers':[{'name':'a','ports':[{'containerPort':80,'name':'http',"
     "'protocol':'TCP'},{'containerPort':443}]}]}}",
     0, NULL},
    {"env merges by name, null deletes inside an item", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a','env':[{'name':'A','value':'1'},"
     "{'name':'B','value':'2'}]}]}}",
     "{'spec':{'containers':[{'name':'a','env':[{'name':'B','value':null,"
     "'valueFrom':{'fieldRef':{'fieldPath':'x'}}}]}]}}",
     "{'spec':{'containers':[{'name':'a','env':[{'name':'A','value':'1'},"
     "{'name':'B','valueFrom':{'fieldRef':{'fieldPath':'x'}}}]}]}}",
     0, NULL},
    {"volumeMounts merge by mountPath", "/v1/Pod",
     "{'spec':{'initContainers':[{'name':'i','volumeMounts':[{'mountPath':'/a','name':'v'}]}]}}",
     "{'spec':{'initContainers':[{'name':'i','volumeMounts':[{'mountPath':'/"
     "a','readOnly':true}]}]}}",
     "{'spec':{'initContainers':[{'name':'i','volumeMounts':[{'mountPath':'/a','name':'v',"
     "'readOnly':true}]}]}}",
     0, NULL},
    {"$patch: delete removes the item with that key", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
     "{'spec':{'containers':[{'name':'b','$patch':'delete'}]}}",
     "{'spec':{'containers':[{'name':'a'},{'name':'c'}]}}", 0, NULL},
    {"$patch: delete removes every duplicate", "/v1/Pod",
     "{'spec':{'volumes':[{'name':'1'},{'name':'1'},{'name':'2','emptyDir':{}}]}}",
     "{'spec':{'volumes':[{'name':'1','$patch':'delete'}]}}",
     "{'spec':{'volumes':[{'name':'2','emptyDir':{}}]}}", 0, NULL},
    {"$patch: replace on a list", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'b'}]}}",
     "{'spec':{'containers':[{'$patch':'replace'},{'name':'z','image':'q'}]}}",
     "{'spec':{'containers':[{'name':'z','image':'q'}]}}", 0, NULL},
    {"$patch: replace alone empties the list", "/v1/Pod", "{'spec':{'containers':[{'name':'a'}]}}",
     "{'spec':{'containers':[{'$patch':'replace'}]}}", "{'spec':{'containers':[]}}", 0, NULL},
    {"a new list is merged against nothing", "/v1/Pod", "{'spec':{}}",
     "{'spec':{'containers':[{'name':'a','env':[{'name':'X','value':null}]},"
     "{'name':'b','$patch':'delete'}]}}",
     "{'spec':{'containers':[{'name':'a','env':[{'name':'X'}]}]}}", 0, NULL},
    {"ownerReferences merge by uid", "/v1/ConfigMap",
     "{'metadata':{'ownerReferences':[{'uid':'u1','name':'a'}]}}",
     "{'metadata':{'ownerReferences':[{'uid':'u1','controller':true}]}}",
     "{'metadata':{'ownerReferences':[{'uid':'u1','name':'a','controller':true}]}}", 0, NULL},
    {"Service ports merge by port", "/v1/Service",
     "{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}",
     "{'spec':{'ports':[{'port':80,'targetPort':9090}]}}",
     "{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}", 0, NULL},
    {"Node status conditions and addresses merge by type", "/v1/Node",
     "{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'DiskPressure',"
     "'status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.1'}]}}",
     "{'status':{'conditions':[{'type':'Ready','status':'True'}],"
     "'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
     "{'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'DiskPressure',"
     "'status':'False'}],'addresses':[{'type':'InternalIP','address':'10.0.0.2'}]}}",
     0, NULL},
    {"Deployment status conditions merge by type", "apps/v1/Deployment",
     "{'status':{'conditions':[{'type':'Available','status':'False'},"
     "{'type':'Progressing','status':'True'}]}}",
     "{'status':{'conditions':[{'type':'Available','status':'True'}]}}",
     "{'status':{'conditions':[{'type':'Available','status':'True'},"
     "{'type':'Progressing','status':'True'}]}}",
     0, NULL},
    {"nested pod template in a CronJob", "batch/v1/CronJob",
     "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
     "'image':'x','env':[{'name':'E','value':'1'}]}]}}}}}}",
     "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
     "'env':[{'name':'F','value':'2'}]}]}}}}}}",
     "{'spec':{'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'a',"
     "'image':'x','env':[{'name':'F','value':'2'},{'name':'E','value':'1'}]}]}}}}}}",
     0, NULL},
    {"nested pod template in a Deployment: env by name", "apps/v1/Deployment",
     "{'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'a','image':'x',"
     "'env':[{'name':'E','value':'1'}]},{'name':'b','image':'y'}]}}}}",
     "{'spec':{'replicas':3,'template':{'spec':{'containers':[{'name':'a',"
     "'env':[{'name':'E','value':'2'}]}]}}}}",
     "{'spec':{'replicas':3,'template':{'spec':{'containers':[{'name':'a','image':'x',"
     "'env':[{'name':'E','value':'2'}]},{'name':'b','image':'y'}]}}}}",
     0, NULL},

    /* Lists replaced: no strategy upstream, or no table. */
    {"tolerations are replaced", "/v1/Pod",
     "{'spec':{'tolerations':[{'key':'a','operator':'Exists'}]}}",
     "{'spec':{'tolerations':[{'key':'b','operator':'Exists'}]}}",
     "{'spec':{'tolerations':[{'key':'b','operator':'Exists'}]}}", 0, NULL},
    {"Node taints are replaced (atomic upstream)", "/v1/Node",
     "{'spec':{'taints':[{'key':'a','effect':'NoSchedule'}]}}",
     "{'spec':{'taints':[{'key':'b','effect':'NoSchedule'}]}}",
     "{'spec':{'taints':[{'key':'b','effect':'NoSchedule'}]}}", 0, NULL},
    {"envFrom is replaced", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a','envFrom':[{'prefix':'A'}]}]}}",
     "{'spec':{'containers':[{'name':'a','envFrom':[{'prefix':'B'}]}]}}",
     "{'spec':{'containers':[{'name':'a','envFrom':[{'prefix':'B'}]}]}}", 0, NULL},
    {"a list at an unknown path is replaced", "/v1/Pod",
     "{'spec':{'zz':[{'name':'a'}],'args':[1]}}", "{'spec':{'zz':[{'name':'b'}],'args':[2]}}",
     "{'spec':{'zz':[{'name':'b'}],'args':[2]}}", 0, NULL},
    {"custom resources: every list replaced", NULL,
     "{'metadata':{'finalizers':['a']},'spec':{'containers':[{'name':'a'}]}}",
     "{'metadata':{'finalizers':['b']},'spec':{'containers':[{'name':'b'}]}}",
     "{'metadata':{'finalizers':['b']},'spec':{'containers':[{'name':'b'}]}}", 0, NULL},
    {"$patch elements in a replaced list are kept as sent", "/v1/Pod",
     "{'spec':{'tolerations':[{'key':'a'}]}}", "{'spec':{'tolerations':[{'$patch':'replace'}]}}",
     "{'spec':{'tolerations':[{'$patch':'replace'}]}}", 0, NULL},

    /* Primitive merging lists. */
    {"finalizers are unioned", "apps/v1/Deployment", "{'metadata':{'finalizers':['a','b']}}",
     "{'metadata':{'finalizers':['b','c']}}", "{'metadata':{'finalizers':['a','b','c']}}", 0, NULL},
    {"finalizers: a new value lands first, as upstream", "/v1/Secret",
     "{'metadata':{'finalizers':['a']}}", "{'metadata':{'finalizers':['c']}}",
     "{'metadata':{'finalizers':['c','a']}}", 0, NULL},
    {"primitive list: the patch's order wins", "/v1/Node", "{'spec':{'podCIDRs':['1','2','3']}}",
     "{'spec':{'podCIDRs':['3','1']}}", "{'spec':{'podCIDRs':['2','3','1']}}", 0, NULL},
    {"$deleteFromPrimitiveList", "/v1/Pod", "{'metadata':{'finalizers':['a','b','c']}}",
     "{'metadata':{'$deleteFromPrimitiveList/finalizers':['b','x']}}",
     "{'metadata':{'finalizers':['a','c']}}", 0, NULL},
    {"$deleteFromPrimitiveList with additions", "/v1/Pod", "{'metadata':{'finalizers':['a','b']}}",
     "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a'],'finalizers':['b','d']}}",
     "{'metadata':{'finalizers':['b','d']}}", 0, NULL},
    {"$deleteFromPrimitiveList on an absent list", "/v1/Pod", "{'metadata':{}}",
     "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a']}}", "{'metadata':{}}", 0, NULL},

    /* $retainKeys. */
    {"$retainKeys: RollingUpdate to Recreate drops rollingUpdate", "apps/v1/Deployment",
     "{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
     "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}",
     "{'spec':{'strategy':{'type':'Recreate'}}}", 0, NULL},
    {"retainKeys map without the directive merges", "apps/v1/Deployment",
     "{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}}}}",
     "{'spec':{'strategy':{'rollingUpdate':{'maxUnavailable':0}}}}",
     "{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1,"
     "'maxUnavailable':0}}}}",
     0, NULL},
    {"$retainKeys in a volume switches its source", "/v1/Pod",
     "{'spec':{'volumes':[{'name':'v','emptyDir':{}},{'name':'w','emptyDir':{}}]}}",
     "{'spec':{'volumes':[{'name':'v','$retainKeys':['name','configMap'],"
     "'configMap':{'name':'cm'}}]}}",
     "{'spec':{'volumes':[{'name':'v','configMap':{'name':'cm'}},{'name':'w','emptyDir':{}}]}}", 0,
     NULL},
    {"$retainKeys must list every key the patch sets", "apps/v1/Deployment",
     "{'spec':{'strategy':{'type':'RollingUpdate'}}}",
     "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':{'maxSurge':1}}}}", NULL,
     C8S_EBADREQUEST, "invalid patch format of retainKeys"},
    {"$retainKeys must be a list", "apps/v1/Deployment", "{'spec':{'strategy':{}}}",
     "{'spec':{'strategy':{'$retainKeys':'type'}}}", NULL, C8S_EBADREQUEST,
     "invalid patch format of retainKeys"},

    /* $setElementOrder. */
    {"$setElementOrder orders a merged list", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
     "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'},{'name':'b'}],"
     "'containers':[{'name':'a','image':'new'}]}}",
     "{'spec':{'containers':[{'name':'c'},{'name':'a','image':'new'},{'name':'b'}]}}", 0, NULL},
    {"$setElementOrder naming an item absent from the list", "/v1/Pod",
     "{'spec':{'containers':[{'name':'1'},{'name':'3'}]}}",
     "{'spec':{'$setElementOrder/containers':[{'name':'3'},{'name':'2'},{'name':'1'}],"
     "'containers':[{'name':'3','image':'3'},{'name':'1','image':'1'}]}}",
     "{'spec':{'containers':[{'name':'3','image':'3'},{'name':'1','image':'1'}]}}", 0, NULL},
    {"$setElementOrder alone reorders a primitive list", "/v1/Pod",
     "{'metadata':{'finalizers':['1','3']}}",
     "{'metadata':{'$setElementOrder/finalizers':['3','2','1']}}",
     "{'metadata':{'finalizers':['3','1']}}", 0, NULL},
    {"$setElementOrder keeps unnamed original items in place", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
     "{'spec':{'$setElementOrder/containers':[{'name':'c'},{'name':'a'}],"
     "'containers':[{'name':'c','image':'x'}]}}",
     "{'spec':{'containers':[{'name':'b'},{'name':'c','image':'x'},{'name':'a'}]}}", 0, NULL},
    {"$setElementOrder with a deletion", "/v1/Pod",
     "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
     "{'spec':{'$setElementOrder/containers':[{'name':'b'}],"
     "'containers':[{'name':'a','$patch':'delete'}]}}",
     "{'spec':{'containers':[{'name':'b'}]}}", 0, NULL},
    {"$setElementOrder must agree with the patch's order", "/v1/Pod",
     "{'spec':{'containers':[{'name':'1'},{'name':'3'},{'name':'2'}]}}",
     "{'spec':{'$setElementOrder/containers':[{'name':'1'},{'name':'2'},{'name':'3'}],"
     "'containers':[{'name':'3','image':'3'},{'name':'1','image':'1'}]}}",
     NULL, C8S_EBADREQUEST, "doesn't match"},
    {"$setElementOrder must be a list", "/v1/Pod", "{'spec':{}}",
     "{'spec':{'$setElementOrder/containers':{'name':'a'}}}", NULL, C8S_EBADREQUEST,
     "invalid patch format of setElementOrder list"},

    /* Errors. */
    {"unknown directive", "/v1/Pod", "{'spec':{}}", "{'spec':{'$frobnicate':1}}", NULL,
     C8S_EBADREQUEST, "$frobnicate"},
    {"directive prefix without a field", "/v1/Pod", "{'metadata':{}}",
     "{'metadata':{'$deleteFromPrimitiveList':['a']}}", NULL, C8S_EBADREQUEST,
     "invalid patch format of primitive list"},
    {"unknown $patch on a map", "/v1/Pod", "{'spec':{}}", "{'spec':{'$patch':'merge'}}", NULL,
     C8S_EBADREQUEST, "unknown patch type"},
    {"unknown $patch in a list", "/v1/Pod", "{'spec':{'containers':[]}}",
     "{'spec':{'containers':[{'name':'a','$patch':'frob'}]}}", NULL, C8S_EBADREQUEST,
     "unknown patch type"},
    {"$patch: merge in a list", "/v1/Pod", "{'spec':{'containers':[{'name':'a'}]}}",
     "{'spec':{'containers':[{'$patch':'merge'}]}}", NULL, C8S_EBADREQUEST,
     "merging lists cannot yet be specified"},
    {"list item without its merge key", "/v1/Pod", "{'spec':{'containers':[{'name':'a'}]}}",
     "{'spec':{'containers':[{'image':'x'}]}}", NULL, C8S_EBADREQUEST,
     "does not contain declared merge key: name"},
    {"deletion without the merge key", "/v1/Pod", "{'spec':{'containers':[{'name':'a'}]}}",
     "{'spec':{'containers':[{'$patch':'delete'}]}}", NULL, C8S_EBADREQUEST,
     "does not contain declared merge key: name"},
    {"list of maps where maps are merged", "/v1/Pod", "{'spec':{'containers':[{'name':'a'}]}}",
     "{'spec':{'containers':['a']}}", NULL, C8S_EBADREQUEST, "expected a map"},
    {"lists of lists", "/v1/Pod", "{'metadata':{'finalizers':['a']}}",
     "{'metadata':{'finalizers':[['b']]}}", NULL, C8S_EBADREQUEST, "lists of lists"},
    {"patch is an array", "/v1/Pod", "{}", "[{'op':'add'}]", NULL, C8S_EBADREQUEST,
     "cannot unmarshal array"},
    {"patch is a string", "/v1/Pod", "{}", "'x'", NULL, C8S_EBADREQUEST, "cannot unmarshal"},
};

static const api_kind_t *kind_of(const char *spec)
{
    if (!spec)
        return NULL;
    char group[64], version[16], kind[64];
    const char *a = strchr(spec, '/'), *b = a ? strchr(a + 1, '/') : NULL;
    if (!a || !b)
        return NULL;
    snprintf(group, sizeof(group), "%.*s", (int)(a - spec), spec);
    snprintf(version, sizeof(version), "%.*s", (int)(b - a - 1), a + 1);
    snprintf(kind, sizeof(kind), "%s", b + 1);
    return api_kind_by_kind(group, version, kind);
}

static void test_schema(void)
{
    const api_kind_t *pod = api_kind_by_kind("", "v1", "Pod");
    const api_kind_t *deploy = api_kind_by_kind("apps", "v1", "Deployment");
    const api_kind_t *cj = api_kind_by_kind("batch", "v1", "CronJob");
    const api_kind_t *node = api_kind_by_kind("", "v1", "Node");
    const api_kind_t *svc = api_kind_by_kind("", "v1", "Service");
    const api_kind_t *cm = api_kind_by_kind("", "v1", "ConfigMap");
    const api_kind_t *hpa1 = api_kind_by_kind("autoscaling", "v1", "HorizontalPodAutoscaler");
    const api_kind_t *hpa2 = api_kind_by_kind("autoscaling", "v2", "HorizontalPodAutoscaler");
    if (!(pod && deploy && cj && node && svc && cm && hpa1 && hpa2)) {
        CHECK_MSG(0, "kinds missing from the registry");
        return;
    }

    static const struct {
        const char *kind, *path, *key;
        unsigned strategy;
    } cases[] = {
        {"/v1/Pod", "spec.containers", "name", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.initContainers", "name", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.ephemeralContainers.env", "name", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.containers.ports", "containerPort", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.containers.volumeMounts", "mountPath", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.containers.volumeDevices", "devicePath", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.containers.envFrom", NULL, 0},
        {"/v1/Pod", "spec.volumes", "name", PATCH_STRATEGY_MERGE | PATCH_STRATEGY_RETAIN_KEYS},
        {"/v1/Pod", "spec.imagePullSecrets", "name", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.hostAliases", "ip", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "spec.tolerations", NULL, 0},
        {"/v1/Pod", "status.conditions", "type", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "status.podIPs", "ip", PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "metadata.finalizers", NULL, PATCH_STRATEGY_MERGE},
        {"/v1/Pod", "metadata.ownerReferences", "uid", PATCH_STRATEGY_MERGE},
        {"apps/v1/Deployment", "spec.template.spec.containers", "name", PATCH_STRATEGY_MERGE},
        {"apps/v1/Deployment", "spec.template.metadata.finalizers", NULL, PATCH_STRATEGY_MERGE},
        {"apps/v1/Deployment", "spec.strategy", NULL, PATCH_STRATEGY_RETAIN_KEYS},
        {"apps/v1/Deployment", "status.conditions", "type", PATCH_STRATEGY_MERGE},
        {"apps/v1/StatefulSet", "spec.volumeClaimTemplates", NULL, 0},
        {"batch/v1/CronJob", "spec.jobTemplate.spec.template.spec.containers", "name",
         PATCH_STRATEGY_MERGE},
        {"batch/v1/Job", "status.conditions", "type", PATCH_STRATEGY_MERGE},
        {"/v1/Node", "spec.taints", NULL, 0},
        {"/v1/Node", "spec.podCIDRs", NULL, PATCH_STRATEGY_MERGE},
        {"/v1/Node", "status.addresses", "type", PATCH_STRATEGY_MERGE},
        {"/v1/Service", "spec.ports", "port", PATCH_STRATEGY_MERGE},
        {"/v1/ServiceAccount", "secrets", "name", PATCH_STRATEGY_MERGE},
        {"/v1/ServiceAccount", "imagePullSecrets", NULL, 0},
        {"/v1/Endpoints", "subsets", NULL, 0},
        {"/v1/ConfigMap", "metadata.finalizers", NULL, PATCH_STRATEGY_MERGE},
        {"autoscaling/v2/HorizontalPodAutoscaler", "status.conditions", "type",
         PATCH_STRATEGY_MERGE},
        {"autoscaling/v1/HorizontalPodAutoscaler", "status.conditions", NULL, 0},
        {"/v1/Pod", "spec.nope.containers", NULL, 0},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        const api_kind_t *k = kind_of(cases[i].kind);
        CHECK_MSG(k != NULL, "kind %s", cases[i].kind);
        const char *key = patch_merge_key(k, cases[i].path);
        CHECK_MSG((key == NULL) == (cases[i].key == NULL) &&
                      (!key || strcmp(key, cases[i].key) == 0),
                  "%s %s: merge key %s, want %s", cases[i].kind, cases[i].path,
                  key ? key : "(none)", cases[i].key ? cases[i].key : "(none)");
        CHECK_MSG(patch_strategy(k, cases[i].path) == cases[i].strategy, "%s %s: strategy %u",
                  cases[i].kind, cases[i].path, patch_strategy(k, cases[i].path));
    }
    /* Nodes: the root, children, and NULL everywhere for unknown kinds. */
    CHECK(patch_schema_root(pod) != NULL);
    CHECK(patch_schema_lookup(pod, "") == patch_schema_root(pod));
    CHECK(patch_schema_child(patch_schema_root(pod), "spec") == patch_schema_lookup(pod, "spec"));
    CHECK(patch_schema_root(NULL) == NULL);
    CHECK(patch_merge_key(NULL, "spec.containers") == NULL);
    api_kind_t crd = {.group = "example.com", .version = "v1", .kind = "Widget"};
    CHECK(patch_schema_root(&crd) == NULL);
}

int main(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(merge_cases); i++) {
        cleanup_json json_t *t = J(merge_cases[i].target);
        cleanup_json json_t *p = J(merge_cases[i].patch);
        cleanup_json json_t *before = json_deep_copy(t);
        cleanup_json json_t *got = patch_merge(t, p);
        CHECK_JSON(got, merge_cases[i].want, merge_cases[i].desc);
        CHECK_MSG(json_equal(t, before), "%s: target modified", merge_cases[i].desc);
    }

    for (size_t i = 0; i < C8S_ARRAY_SIZE(json_cases); i++) {
        cleanup_json json_t *doc = J(json_cases[i].doc);
        cleanup_json json_t *ops = J(json_cases[i].ops);
        cleanup_json json_t *before = json_deep_copy(doc);
        cleanup_json json_t *got = NULL;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        int rc = patch_json(doc, ops, &got, &err);
        CHECK_MSG(rc == json_cases[i].rc, "%s: rc %d (%s), want %d", json_cases[i].desc, rc,
                  err.msg, json_cases[i].rc);
        if (json_cases[i].want)
            CHECK_JSON(got, json_cases[i].want, json_cases[i].desc);
        else
            CHECK_MSG(got == NULL && err.msg[0], "%s: want an error message", json_cases[i].desc);
        CHECK_MSG(json_equal(doc, before), "%s: doc modified", json_cases[i].desc);
    }

    test_schema();

    for (size_t i = 0; i < C8S_ARRAY_SIZE(smp_cases); i++) {
        const api_kind_t *k = kind_of(smp_cases[i].kind);
        if (smp_cases[i].kind && !k) {
            CHECK_MSG(0, "%s: no kind %s", smp_cases[i].desc, smp_cases[i].kind);
            continue;
        }
        cleanup_json json_t *orig = J(smp_cases[i].orig);
        cleanup_json json_t *p = J(smp_cases[i].patch);
        cleanup_json json_t *orig_before = json_deep_copy(orig);
        cleanup_json json_t *p_before = json_deep_copy(p);
        cleanup_json json_t *got = NULL;
        cleanup_err c8s_err_t err = C8S_ERR_INIT;
        int rc = patch_strategic(k, orig, p, &got, &err);
        if (smp_cases[i].want) {
            CHECK_MSG(rc == 0, "%s: rc %d: %s", smp_cases[i].desc, rc, err.msg);
            CHECK_JSON(got, smp_cases[i].want, smp_cases[i].desc);
        } else {
            CHECK_MSG(rc == smp_cases[i].rc && got == NULL, "%s: rc %d, want %d", smp_cases[i].desc,
                      rc, smp_cases[i].rc);
            CHECK_MSG(strstr(err.msg, smp_cases[i].msg) != NULL, "%s: message \"%s\"",
                      smp_cases[i].desc, err.msg);
        }
        CHECK_MSG(json_equal(orig, orig_before), "%s: original modified", smp_cases[i].desc);
        CHECK_MSG(json_equal(p, p_before), "%s: patch modified", smp_cases[i].desc);
    }

    /* Applying the same patch twice gives the same result (merging lists are idempotent). */
    {
        const api_kind_t *deploy = api_kind_by_kind("apps", "v1", "Deployment");
        cleanup_json json_t *orig = J("{'spec':{'template':{'spec':{'containers':[{'name':'a'}]}}},"
                                      "'metadata':{'finalizers':['f']}}");
        cleanup_json json_t *p = J("{'spec':{'template':{'spec':{'containers':[{'name':'b',"
                                   "'image':'i'}]}}},'metadata':{'finalizers':['g']}}");
        cleanup_json json_t *once = NULL;
        cleanup_json json_t *twice = NULL;
        CHECK_INT(patch_strategic(deploy, orig, p, &once, NULL), 0);
        CHECK_INT(patch_strategic(deploy, once, p, &twice, NULL), 0);
        CHECK(once && twice && json_equal(once, twice));
    }
    TEST_END();
}
