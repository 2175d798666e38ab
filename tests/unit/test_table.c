/* test_table.c — server-side printing: column definitions, the cells of every kind's printer
 * (expected values as upstream's printers produce them), ages, includeObject, whole tables. */
#include "c8s/table.h"
#include "test.h"

/* Objects are written with single quotes for readability; J() turns them into JSON. */
static json_t *J(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t e;
    json_t *v = json_loads(t, 0, &e);
    if (!v)
        fprintf(stderr, "bad test JSON (%s): %s\n", e.text, t);
    free(t);
    return v;
}

/* 2024-05-01T00:00:00Z: every object below was created then. */
#define C  "2024-05-01T00:00:00Z"
#define T0 1714521600LL

static const api_kind_t *kind(const char *group, const char *version, const char *resource)
{
    const api_kind_t *k = api_kind_lookup(group, version, resource);
    if (!k)
        fprintf(stderr, "no kind %s/%s %s\n", group, version, resource);
    return k;
}

static void check_json(const char *what, const json_t *got, const json_t *want, int line)
{
    if (json_equal((json_t *)got, (json_t *)want)) {
        t_passed++;
        return;
    }
    t_failed++;
    char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("NULL");
    char *w = want ? json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("NULL");
    fprintf(stderr, "%s:%d: %s:\n  got  %s\n  want %s\n", __FILE__, line, what, g, w);
    free(g);
    free(w);
}

static const struct {
    const char *group, *version, *resource;
    const char *obj;
    int64_t age; /* now = T0 + age */
    const char *cells;
    int line;
} cell_cases[] = {
#define CASE(g, v, r, obj, age, cells)                                                             \
    {                                                                                              \
        g, v, r, obj, age, cells, __LINE__                                                         \
    }
    /* --- pods --- */
    CASE("", "v1", "pods",
         "{'metadata':{'name':'p','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'}]},"
         "'status':{'phase':'Pending'}}",
         30, "['p','0/1','Pending','0','30s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'p','creationTimestamp':'" C "'},"
         "'spec':{'nodeName':'n1','containers':[{'name':'a'},{'name':'b'}]},"
         "'status':{'phase':'Running','podIP':'10.0.0.5','podIPs':[{'ip':'10.0.0.5'}],"
         "'containerStatuses':[{'name':'a','ready':true,'restartCount':0,'state':{'running':{}}},"
         "{'name':'b','ready':false,'restartCount':0,'state':{'running':{}}}]}}",
         300, "['p','1/2','Running','0','5m','10.0.0.5','n1','<none>','<none>']"),
    /* podIP without podIPs (as upstream's conversion fills podIPs). */
    CASE("", "v1", "pods",
         "{'metadata':{'name':'p','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'}]},"
         "'status':{'phase':'Running','podIP':'10.0.0.6'}}",
         300, "['p','0/1','Running','0','5m','10.0.0.6','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'crash','creationTimestamp':'" C "'},"
         "'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running','containerStatuses':["
         "{'name':'a','ready':false,'restartCount':5,'state':{'waiting':{'reason':'"
         "CrashLoopBackOff'}},"
         "'lastState':{'terminated':{'exitCode':1,'reason':'Error','finishedAt':'2024-05-01T00:08:"
         "55Z'}}}]}}",
         600,
         "['crash','0/1','CrashLoopBackOff','5 (65s "
         "ago)','10m','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'done','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'}]},"
         "'status':{'phase':'Succeeded','containerStatuses':[{'name':'a','ready':false,"
         "'state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}",
         7200, "['done','0/1','Completed','0','120m','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'bye','creationTimestamp':'" C
         "','deletionTimestamp':'2024-05-01T01:00:00Z'},"
         "'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running','containerStatuses':["
         "{'name':'a','ready':true,'state':{'running':{}}}]}}",
         3 * 3600 + 120,
         "['bye','1/1','Terminating','0','3h2m','<none>','<none>','<none>','<none>']"),
    CASE(
        "", "v1", "pods",
        "{'metadata':{'name':'init','creationTimestamp':'" C "'},"
        "'spec':{'initContainers':[{'name':'i'}],'containers':[{'name':'a'}]},"
        "'status':{'phase':'Pending','initContainerStatuses':[{'name':'i','state':{'running':{}}}],"
        "'containerStatuses':[{'name':'a','state':{'waiting':{'reason':'PodInitializing'}}}]}}",
        10, "['init','0/1','Init:0/1','0','10s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'init','creationTimestamp':'" C "'},"
         "'spec':{'initContainers':[{'name':'i'},{'name':'j'}],'containers':[{'name':'a'}]},"
         "'status':{'phase':'Pending','initContainerStatuses':["
         "{'name':'i','state':{'terminated':{'exitCode':0,'reason':'Completed'}}},"
         "{'name':'j','restartCount':3,'state':{'waiting':{'reason':'CrashLoopBackOff'}}}]}}",
         10,
         "['init','0/1','Init:CrashLoopBackOff','3','10s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'init','creationTimestamp':'" C "'},"
         "'spec':{'initContainers':[{'name':'i'}],'containers':[{'name':'a'}]},"
         "'status':{'phase':'Pending','initContainerStatuses':["
         "{'name':'i','state':{'terminated':{'exitCode':2,'reason':'Error'}}}]}}",
         10, "['init','0/1','Init:Error','0','10s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'sig','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'},{'name':'b'}]},"
         "'status':{'phase':'Failed','containerStatuses':["
         "{'name':'a','state':{'terminated':{'exitCode':137}}},"
         "{'name':'b','state':{'terminated':{'exitCode':0,'signal':9}}}]}}",
         10, "['sig','0/2','ExitCode:137','0','10s','<none>','<none>','<none>','<none>']"),
    /* A sidecar (restartable init container) counts towards READY once started. */
    CASE("", "v1", "pods",
         "{'metadata':{'name':'side','creationTimestamp':'" C "'},"
         "'spec':{'initContainers':[{'name':'s','restartPolicy':'Always'}],'containers':[{'name':'"
         "a'}]},"
         "'status':{'phase':'Running','conditions':[{'type':'Initialized','status':'True'}],"
         "'initContainerStatuses':[{'name':'s','started':true,'ready':true,'restartCount':1,"
         "'state':{'running':{}},'lastState':{'terminated':{'exitCode':1,'finishedAt':'2024-05-"
         "01T00:00:30Z'}}}],"
         "'containerStatuses':[{'name':'a','ready':true,'state':{'running':{}}}]}}",
         60, "['side','2/2','Running','1 (30s ago)','60s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'gates','creationTimestamp':'" C "'},"
         "'spec':{'containers':[{'name':'a'}],'readinessGates':[{'conditionType':'x'},{'"
         "conditionType':'y'}]},"
         "'status':{'phase':'Pending','nominatedNodeName':'n2',"
         "'conditions':[{'type':'x','status':'True'},{'type':'y','status':'False'}]}}",
         10, "['gates','0/1','Pending','0','10s','<none>','<none>','n2','1/2']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'gated','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'}]},"
         "'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'False',"
         "'reason':'SchedulingGated'}]}}",
         10, "['gated','0/1','SchedulingGated','0','10s','<none>','<none>','<none>','<none>']"),
    CASE("", "v1", "pods",
         "{'metadata':{'name':'lost','creationTimestamp':'" C "','deletionTimestamp':'" C "'},"
         "'spec':{'containers':[{'name':'a'}]},'status':{'phase':'Running','reason':'NodeLost'}}",
         10, "['lost','0/1','Unknown','0','10s','<none>','<none>','<none>','<none>']"),
    /* The last container completed while another still runs, pod not Ready. */
    CASE("", "v1", "pods",
         "{'metadata':{'name':'half','creationTimestamp':'" C
         "'},'spec':{'containers':[{'name':'a'},{'name':'b'}]},"
         "'status':{'phase':'Running','containerStatuses':["
         "{'name':'a','ready':true,'state':{'running':{}}},"
         "{'name':'b','state':{'terminated':{'exitCode':0,'reason':'Completed'}}}]}}",
         10, "['half','1/2','NotReady','0','10s','<none>','<none>','<none>','<none>']"),
    /* --- workloads --- */
    CASE("apps", "v1", "deployments",
         "{'metadata':{'name':'web','creationTimestamp':'" C "'},'spec':{'replicas':3,"
         "'selector':{'matchLabels':{'app':'web'}},'template':{'spec':{'containers':["
         "{'name':'web','image':'nginx:1.25'},{'name':'side','image':'busybox'}]}}},"
         "'status':{'readyReplicas':2,'updatedReplicas':3,'availableReplicas':2}}",
         300, "['web','2/3',3,2,'5m','web,side','nginx:1.25,busybox','app=web']"),
    CASE("apps", "v1", "replicasets",
         "{'metadata':{'name':'web-abc','creationTimestamp':'" C "'},'spec':{'replicas':3,"
         "'selector':{'matchLabels':{'pod-template-hash':'abc','app':'web'}},'template':{'spec':{"
         "'containers':[{'name':'web','image':'nginx'}]}}},'status':{'replicas':3,'readyReplicas':"
         "1}}",
         300, "['web-abc',3,3,1,'5m','web','nginx','app=web,pod-template-hash=abc']"),
    CASE("", "v1", "replicationcontrollers",
         "{'metadata':{'name':'rc','creationTimestamp':'" C "'},'spec':{'replicas':2,"
         "'selector':{'app':'x'},'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}},"
         "'status':{'replicas':2,'readyReplicas':2}}",
         300, "['rc',2,2,2,'5m','c','i','app=x']"),
    CASE("apps", "v1", "statefulsets",
         "{'metadata':{'name':'db','creationTimestamp':'" C "'},'spec':{'replicas':3,"
         "'template':{'spec':{'containers':[{'name':'pg','image':'postgres:16'}]}}},"
         "'status':{'readyReplicas':1}}",
         86400 * 2 + 3 * 3600, "['db','1/3','2d3h','pg','postgres:16']"),
    CASE("apps", "v1", "daemonsets",
         "{'metadata':{'name':'ds','creationTimestamp':'" C "'},'spec':{'selector':{'matchLabels':"
         "{'app':'ds'}},'template':{'spec':{'nodeSelector':{'kubernetes.io/os':'linux'},"
         "'containers':[{'name':'c','image':'img'}]}}},'status':{'desiredNumberScheduled':2,"
         "'currentNumberScheduled':2,'numberReady':1,'updatedNumberScheduled':2,'numberAvailable':"
         "1}}",
         400 * 86400, "['ds',2,2,1,2,1,'kubernetes.io/os=linux','400d','c','img','app=ds']"),
    CASE(
        "batch", "v1", "jobs",
        "{'metadata':{'name':'pi','creationTimestamp':'" C "'},'spec':{'completions':1,"
        "'selector':{'matchLabels':{'batch.kubernetes.io/controller-uid':'xyz'}},"
        "'template':{'spec':{'containers':[{'name':'pi','image':'perl'}]}}},'status':{'succeeded':"
        "1,"
        "'startTime':'" C "','completionTime':'2024-05-01T00:01:05Z',"
        "'conditions':[{'type':'Complete','status':'True'}]}}",
        600,
        "['pi','Complete','1/1','65s','10m','pi','perl','batch.kubernetes.io/controller-uid=xyz']"),
    CASE("batch", "v1", "jobs",
         "{'metadata':{'name':'w','creationTimestamp':'" C "'},'spec':{'parallelism':2,"
         "'template':{'spec':{'containers':[{'name':'w','image':'busybox'}]}}},"
         "'status':{'startTime':'2024-05-01T00:00:10Z'}}",
         190, "['w','Running','0/1 of 2','3m','3m10s','w','busybox','<none>']"),
    CASE("batch", "v1", "cronjobs",
         "{'metadata':{'name':'hello','creationTimestamp':'" C
         "'},'spec':{'schedule':'*/1 * * * *',"
         "'suspend':false,'jobTemplate':{'spec':{'template':{'spec':{'containers':[{'name':'hello',"
         "'image':'busybox'}]}}}}},'status':{'active':[{'name':'hello-1'}],"
         "'lastScheduleTime':'2024-05-01T00:09:30Z'}}",
         600, "['hello','*/1 * * * *','<none>','False',1,'30s','10m','hello','busybox','<none>']"),
    CASE("apps", "v1", "controllerrevisions",
         "{'metadata':{'name':'web-5d','creationTimestamp':'" C
         "','ownerReferences':[{'apiVersion':"
         "'apps/v1','kind':'StatefulSet','name':'web','controller':true}]},'revision':2}",
         60, "['web-5d','statefulset.apps/web',2,'60s']"),
    /* --- services --- */
    CASE("", "v1", "services",
         "{'metadata':{'name':'kube-dns','creationTimestamp':'" C "'},'spec':{'type':'ClusterIP',"
         "'clusterIP':'10.96.0.10','clusterIPs':['10.96.0.10'],'ports':[{'port':53,'protocol':'UDP'"
         "},"
         "{'port':53,'protocol':'TCP'}],'selector':{'k8s-app':'kube-dns'}}}",
         3600,
         "['kube-dns','ClusterIP','10.96.0.10','<none>','53/UDP,53/TCP','60m','k8s-app=kube-dns']"),
    CASE("", "v1", "services",
         "{'metadata':{'name':'np','creationTimestamp':'" C "'},'spec':{'type':'NodePort',"
         "'clusterIP':'10.96.1.1','clusterIPs':['10.96.1.1'],'ports':[{'port':80,'nodePort':30080,"
         "'protocol':'TCP'}],'selector':{'app':'web','tier':'fe'}}}",
         59, "['np','NodePort','10.96.1.1','<none>','80:30080/TCP','59s','app=web,tier=fe']"),
    CASE("", "v1", "services",
         "{'metadata':{'name':'lb','creationTimestamp':'" C "'},'spec':{'type':'LoadBalancer',"
         "'clusterIPs':['10.96.1.2'],'ports':[{'port':443,'nodePort':31443,'protocol':'TCP'}]}}",
         59, "['lb','LoadBalancer','10.96.1.2','<pending>','443:31443/TCP','59s','<none>']"),
    CASE("", "v1", "services",
         "{'metadata':{'name':'lb','creationTimestamp':'" C "'},'spec':{'type':'LoadBalancer',"
         "'clusterIPs':['10.96.1.2'],'externalIPs':['5.6.7.8'],'ports':[{'port':443,'protocol':'"
         "TCP'}]},"
         "'status':{'loadBalancer':{'ingress':[{'ip':'1.2.3.4'},{'hostname':'lb.example'}]}}}",
         59,
         "['lb','LoadBalancer','10.96.1.2','1.2.3.4,lb.example,5.6.7.8','443/TCP','59s','<none>']"),
    CASE("", "v1", "services",
         "{'metadata':{'name':'ext','creationTimestamp':'" C "'},'spec':{'type':'ExternalName',"
         "'externalName':'example.com'}}",
         59, "['ext','ExternalName','<none>','example.com','<none>','59s','<none>']"),
    CASE("", "v1", "services",
         "{'metadata':{'name':'headless','creationTimestamp':'" C "'},'spec':{'type':'ClusterIP',"
         "'clusterIP':'None','clusterIPs':['None'],'externalIPs':['9.9.9.9'],'ports':[{'port':80,'"
         "protocol':'TCP'}]}}",
         59, "['headless','ClusterIP','None','9.9.9.9','80/TCP','59s','<none>']"),
    CASE("", "v1", "endpoints",
         "{'metadata':{'name':'web','creationTimestamp':'" C "'},'subsets':[{'addresses':["
         "{'ip':'10.0.0.1'},{'ip':'10.0.0.2'}],'ports':[{'port':80},{'port':443}]}]}",
         59, "['web','10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...','59s']"),
    CASE("", "v1", "endpoints",
         "{'metadata':{'name':'v6','creationTimestamp':'" C "'},'subsets':[{'addresses':["
         "{'ip':'fd00::1'}],'ports':[{'port':80}]},{'addresses':[{'ip':'10.0.0.9'}]}]}",
         59, "['v6','[fd00::1]:80,10.0.0.9','59s']"),
    CASE("", "v1", "endpoints", "{'metadata':{'name':'none','creationTimestamp':'" C "'}}", 59,
         "['none','<none>','59s']"),
    CASE("discovery.k8s.io", "v1", "endpointslices",
         "{'metadata':{'name':'es','creationTimestamp':'" C "'},'addressType':'IPv4','ports':["
         "{'name':'http','port':80}],'endpoints':[{'addresses':['10.0.0.1']},{'addresses':['10.0.0."
         "2']}]}",
         59, "['es','IPv4','80','10.0.0.1,10.0.0.2','59s']"),
    CASE("discovery.k8s.io", "v1", "endpointslices",
         "{'metadata':{'name':'es','creationTimestamp':'" C
         "'},'addressType':'IPv4','endpoints':[]}",
         59, "['es','IPv4','<unset>','<unset>','59s']"),
    CASE("networking.k8s.io", "v1", "ingresses",
         "{'metadata':{'name':'ing','creationTimestamp':'" C
         "'},'spec':{'ingressClassName':'nginx',"
         "'rules':[{'host':'a.com'},{'host':'b.com'}],'tls':[{'hosts':['a.com']}]},"
         "'status':{'loadBalancer':{'ingress':[{'hostname':'lb.example'}]}}}",
         59, "['ing','nginx','a.com,b.com','lb.example','80, 443','59s']"),
    CASE("networking.k8s.io", "v1", "ingresses",
         "{'metadata':{'name':'ing','creationTimestamp':'" C "'},'spec':{'rules':[{'http':{}}]}}",
         59, "['ing','<none>','*','','80','59s']"),
    CASE("networking.k8s.io", "v1", "networkpolicies",
         "{'metadata':{'name':'deny','creationTimestamp':'" C "'},'spec':{'podSelector':{}}}", 59,
         "['deny','<none>','59s']"),
    CASE("networking.k8s.io", "v1", "networkpolicies",
         "{'metadata':{'name':'db','creationTimestamp':'" C
         "'},'spec':{'podSelector':{'matchLabels':"
         "{'role':'db'}}}}",
         59, "['db','role=db','59s']"),
    /* --- nodes --- */
    CASE("", "v1", "nodes",
         "{'metadata':{'name':'n1','creationTimestamp':'" C "','labels':{"
         "'node-role.kubernetes.io/control-plane':'','kubernetes.io/hostname':'n1'}},"
         "'status':{'conditions':[{'type':'MemoryPressure','status':'False'},{'type':'Ready',"
         "'status':'True'}],'addresses':[{'type':'InternalIP','address':'192.168.1.10'},"
         "{'type':'Hostname','address':'n1'}],'nodeInfo':{'kubeletVersion':'v1.30.0',"
         "'osImage':'Debian GNU/Linux 12 (bookworm)','kernelVersion':'6.1.0',"
         "'containerRuntimeVersion':'runc://1.1.12'}}}",
         2 * 86400,
         "['n1','Ready','control-plane','2d','v1.30.0','192.168.1.10','<none>',"
         "'Debian GNU/Linux 12 (bookworm)','6.1.0','runc://1.1.12']"),
    CASE("", "v1", "nodes",
         "{'metadata':{'name':'n2','creationTimestamp':'" C "'},'status':{'conditions':["
         "{'type':'Ready','status':'Unknown'}],'addresses':[{'type':'ExternalIP','address':'1.1.1."
         "1'}],"
         "'nodeInfo':{'kubeletVersion':'v1.30.0'}}}",
         47 * 3600,
         "['n2','NotReady','<none>','47h','v1.30.0','<none>','1.1.1.1','<unknown>',"
         "'<unknown>','<unknown>']"),
    CASE(
        "", "v1", "nodes",
        "{'metadata':{'name':'n3','creationTimestamp':'" C "','labels':{"
        "'node-role.kubernetes.io/worker':'','kubernetes.io/role':'infra'}},"
        "'spec':{'unschedulable':true},'status':{'conditions':[{'type':'Ready','status':'True'}]}}",
        8 * 3600,
        "['n3','Ready,SchedulingDisabled','infra,worker','8h','','<none>','<none>',"
        "'<unknown>','<unknown>','<unknown>']"),
    CASE(
        "", "v1", "nodes", "{'metadata':{'name':'n4','creationTimestamp':'" C "'}}", 10,
        "['n4','Unknown','<none>','10s','','<none>','<none>','<unknown>','<unknown>','<unknown>']"),
    /* --- config, namespaces, rbac, storage --- */
    CASE("", "v1", "namespaces",
         "{'metadata':{'name':'default','creationTimestamp':'" C "'},'status':{'phase':'Active'}}",
         730 * 86400, "['default','Active','2y']"),
    CASE("", "v1", "configmaps",
         "{'metadata':{'name':'cm','creationTimestamp':'" C "'},'data':{'a':'1','b':'2'},"
         "'binaryData':{'c':'AA=='}}",
         59, "['cm',3,'59s']"),
    CASE("", "v1", "secrets",
         "{'metadata':{'name':'tls','creationTimestamp':'" C "'},'type':'kubernetes.io/tls',"
         "'data':{'tls.crt':'','tls.key':''}}",
         59, "['tls','kubernetes.io/tls',2,'59s']"),
    CASE("", "v1", "serviceaccounts", "{'metadata':{'name':'default','creationTimestamp':'" C "'}}",
         59, "['default',0,'59s']"),
    CASE("", "v1", "events",
         "{'metadata':{'name':'ev1','creationTimestamp':'" C
         "'},'type':'Normal','reason':'Scheduled',"
         "'involvedObject':{'kind':'Pod','name':'web-1'},'message':' Successfully assigned "
         "default/web-1 to n1\\n',"
         "'source':{'component':'default-scheduler'},'firstTimestamp':'" C "','lastTimestamp':'" C
         "','count':1}",
         90,
         "['90s','Normal','Scheduled','pod/web-1','','default-scheduler',"
         "'Successfully assigned default/web-1 to n1','90s',1,'ev1']"),
    CASE(
        "", "v1", "events",
        "{'metadata':{'name':'ev2','creationTimestamp':'" C
        "'},'type':'Warning','reason':'BackOff',"
        "'involvedObject':{'kind':'Pod','name':'p','fieldPath':'spec.containers{a}'},'message':'x',"
        "'eventTime':'2024-05-01T00:00:10.123456Z','reportingComponent':'kubelet',"
        "'reportingInstance':'n1','series':{'count':4,'lastObservedTime':'2024-05-01T00:01:00."
        "000000Z'}}",
        90,
        "['30s','Warning','BackOff','pod/p','spec.containers{a}','kubelet, n1','x','79s',4,'ev2']"),
    CASE("coordination.k8s.io", "v1", "leases",
         "{'metadata':{'name':'n1','creationTimestamp':'" C "'},'spec':{'holderIdentity':'n1'}}",
         59, "['n1','n1','59s']"),
    CASE("rbac.authorization.k8s.io", "v1", "roles",
         "{'metadata':{'name':'r','creationTimestamp':'" C "'}}", 59,
         "['r','2024-05-01T00:00:00Z']"),
    CASE("rbac.authorization.k8s.io", "v1", "clusterroles",
         "{'metadata':{'name':'admin','creationTimestamp':'2024-05-01T02:00:00+02:00'}}", 59,
         "['admin','2024-05-01T00:00:00Z']"),
    CASE("", "v1", "limitranges", "{'metadata':{'name':'lr','creationTimestamp':'" C "'}}", 59,
         "['lr','2024-05-01T00:00:00Z']"),
    CASE("rbac.authorization.k8s.io", "v1", "rolebindings",
         "{'metadata':{'name':'rb','creationTimestamp':'" C "'},'roleRef':{'kind':'ClusterRole',"
         "'name':'view'},'subjects':[{'kind':'User','name':'alice'},{'kind':'Group','name':'devs'},"
         "{'kind':'User','name':'bob'},{'kind':'ServiceAccount','namespace':'ns','name':'sa'}]}",
         59, "['rb','ClusterRole/view','59s','alice, bob','devs','ns/sa']"),
    CASE("rbac.authorization.k8s.io", "v1", "clusterrolebindings",
         "{'metadata':{'name':'crb','creationTimestamp':'" C "'},'roleRef':{'kind':'ClusterRole',"
         "'name':'cluster-admin'},'subjects':[{'kind':'Group','name':'system:masters'}]}",
         59, "['crb','ClusterRole/cluster-admin','59s','','system:masters','']"),
    CASE("scheduling.k8s.io", "v1", "priorityclasses",
         "{'metadata':{'name':'high','creationTimestamp':'" C "'},'value':1000000,"
         "'preemptionPolicy':'PreemptLowerPriority'}",
         59, "['high',1000000,false,'59s','PreemptLowerPriority']"),
    CASE("", "v1", "persistentvolumes",
         "{'metadata':{'name':'pv1','creationTimestamp':'" C
         "'},'spec':{'capacity':{'storage':'10Gi'},"
         "'accessModes':['ReadWriteMany','ReadWriteOnce'],'persistentVolumeReclaimPolicy':'Retain',"
         "'claimRef':{'namespace':'default','name':'data'},'storageClassName':'standard',"
         "'volumeMode':'Filesystem'},'status':{'phase':'Bound'}}",
         59,
         "['pv1','10Gi','RWO,RWX','Retain','Bound','default/data','standard','<unset>','','59s',"
         "'Filesystem']"),
    CASE("", "v1", "persistentvolumeclaims",
         "{'metadata':{'name':'data','creationTimestamp':'" C "'},'spec':{'volumeName':'pv1',"
         "'storageClassName':'standard','volumeMode':'Filesystem','resources':{'requests':{"
         "'storage':'5Gi'}}},'status':{'phase':'Bound','capacity':{'storage':'10Gi'},"
         "'accessModes':['ReadWriteOnce']}}",
         59, "['data','Bound','pv1','10Gi','RWO','standard','<unset>','59s','Filesystem']"),
    CASE("", "v1", "persistentvolumeclaims",
         "{'metadata':{'name':'data','creationTimestamp':'" C "','deletionTimestamp':'" C "'},"
         "'spec':{'resources':{'requests':{'storage':'5Gi'}}},'status':{'phase':'Pending'}}",
         59, "['data','Terminating','','','','','<unset>','59s','<unset>']"),
    CASE("storage.k8s.io", "v1", "storageclasses",
         "{'metadata':{'name':'standard','creationTimestamp':'" C "','annotations':{"
         "'storageclass.kubernetes.io/is-default-class':'true'}},'provisioner':'rancher.io/"
         "local-path',"
         "'volumeBindingMode':'WaitForFirstConsumer'}",
         59,
         "['standard "
         "(default)','rancher.io/local-path','Delete','WaitForFirstConsumer',false,'59s']"),
    CASE("", "v1", "resourcequotas",
         "{'metadata':{'name':'q','creationTimestamp':'" C "'},'status':{'hard':{'pods':'10',"
         "'requests.cpu':'1','limits.memory':'1Gi'},'used':{'pods':'2','requests.cpu':'500m',"
         "'limits.memory':'0'}}}",
         59, "['q','59s','pods: 2/10, requests.cpu: 500m/1','limits.memory: 0/1Gi']"),
    CASE("autoscaling", "v2", "horizontalpodautoscalers",
         "{'metadata':{'name':'web','creationTimestamp':'" C "'},'spec':{'scaleTargetRef':{"
         "'kind':'Deployment','name':'web'},'minReplicas':1,'maxReplicas':5,'metrics':[{"
         "'type':'Resource','resource':{'name':'cpu','target':{'type':'Utilization',"
         "'averageUtilization':50}}}]},'status':{'currentReplicas':2,'currentMetrics':[{"
         "'type':'Resource','resource':{'name':'cpu','current':{'averageUtilization':20}}}]}}",
         59, "['web','Deployment/web','cpu: 20%/50%','1',5,2,'59s']"),
    CASE("autoscaling", "v1", "horizontalpodautoscalers",
         "{'metadata':{'name':'web','creationTimestamp':'" C "'},'spec':{'scaleTargetRef':{"
         "'kind':'Deployment','name':'web'},'maxReplicas':3,'targetCPUUtilizationPercentage':80}}",
         59, "['web','Deployment/web','cpu: <unknown>/80%','<unset>',3,0,'59s']"),
    CASE("policy", "v1", "poddisruptionbudgets",
         "{'metadata':{'name':'web','creationTimestamp':'" C "'},'spec':{'minAvailable':1},"
         "'status':{'disruptionsAllowed':1}}",
         59, "['web','1','N/A',1,'59s']"),
    CASE("policy", "v1", "poddisruptionbudgets",
         "{'metadata':{'name':'db','creationTimestamp':'" C "'},'spec':{'maxUnavailable':'25%'}}",
         59, "['db','N/A','25%',0,'59s']"),
#undef CASE
};

static void test_cells(void)
{
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cell_cases); i++) {
        const api_kind_t *k =
            kind(cell_cases[i].group, cell_cases[i].version, cell_cases[i].resource);
        json_t *obj = J(cell_cases[i].obj), *want = J(cell_cases[i].cells);
        if (!k || !obj || !want) {
            t_failed++;
            fprintf(stderr, "%s:%d: bad case\n", __FILE__, cell_cases[i].line);
        } else {
            json_t *row = table_row(k, obj, T0 + cell_cases[i].age, TABLE_INCLUDE_NONE);
            check_json(cell_cases[i].resource, json_object_get(row, "cells"), want,
                       cell_cases[i].line);
            /* Every row is exactly as wide as the (wide) column definitions. */
            json_t *cols = table_column_definitions(k, true);
            CHECK_INT(json_array_size(json_object_get(row, "cells")), json_array_size(cols));
            json_decref(cols);
            json_decref(row);
        }
        json_decref(obj);
        json_decref(want);
    }
}

static void test_pod_conditions(void)
{
    const api_kind_t *k = kind("", "v1", "pods");
    json_t *obj = J("{'metadata':{'name':'p'},'status':{'phase':'Failed'}}");
    json_t *row = table_row(k, obj, T0, TABLE_INCLUDE_NONE);
    json_t *want = J("[{'type':'Completed','status':'True','reason':'Failed','message':'The pod "
                     "failed.'}]");
    check_json("failed pod conditions", json_object_get(row, "conditions"), want, __LINE__);
    json_decref(row);
    json_decref(want);
    json_decref(obj);

    obj = J("{'metadata':{'name':'p'},'status':{'phase':'Running'}}");
    row = table_row(k, obj, T0, TABLE_INCLUDE_NONE);
    CHECK(json_object_get(row, "conditions") == NULL);
    /* No creationTimestamp: upstream prints <unknown>. */
    CHECK_STR(json_string_value(json_array_get(json_object_get(row, "cells"), 4)), "<unknown>");
    json_decref(row);
    json_decref(obj);
}

static void test_columns(void)
{
    const api_kind_t *pods = kind("", "v1", "pods");
    json_t *cols = table_column_definitions(pods, false);
    const char *narrow[] = {"Name", "Ready", "Status", "Restarts", "Age"};
    CHECK_INT(json_array_size(cols), 5);
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(cols, i), "name")), narrow[i]);
    json_t *name = json_array_get(cols, 0);
    CHECK_STR(json_string_value(json_object_get(name, "type")), "string");
    CHECK_STR(json_string_value(json_object_get(name, "format")), "name");
    CHECK(strncmp(json_string_value(json_object_get(name, "description")),
                  "Name must be unique within a namespace.", 39) == 0);
    CHECK_INT(json_integer_value(json_object_get(name, "priority")), 0);
    CHECK_INT(json_object_size(name), 5);
    /* Restarts became a string ("5 (3m ago)") in 1.24. */
    CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 3), "type")), "string");
    CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 4), "format")), "");
    json_decref(cols);

    cols = table_column_definitions(pods, true);
    const char *wide[] = {"IP", "Node", "Nominated Node", "Readiness Gates"};
    CHECK_INT(json_array_size(cols), 9);
    for (size_t i = 0; i < 4; i++) {
        json_t *c = json_array_get(cols, 5 + i);
        CHECK_STR(json_string_value(json_object_get(c, "name")), wide[i]);
        CHECK_INT(json_integer_value(json_object_get(c, "priority")), 1);
    }
    json_decref(cols);

    /* Events interleave wide columns; narrow is what `kubectl get events` shows. */
    cols = table_column_definitions(kind("", "v1", "events"), false);
    const char *ev[] = {"Last Seen", "Type", "Reason", "Object", "Message"};
    CHECK_INT(json_array_size(cols), 5);
    for (size_t i = 0; i < 5; i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(cols, i), "name")), ev[i]);
    json_decref(cols);

    static const struct {
        const char *g, *v, *r;
        const char *names;
    } sets[] = {
        {"apps", "v1", "deployments", "Name,Ready,Up-to-date,Available,Age"},
        {"apps", "v1", "replicasets", "Name,Desired,Current,Ready,Age"},
        {"apps", "v1", "statefulsets", "Name,Ready,Age"},
        {"apps", "v1", "daemonsets",
         "Name,Desired,Current,Ready,Up-to-date,Available,Node Selector,Age"},
        {"", "v1", "services", "Name,Type,Cluster-IP,External-IP,Port(s),Age"},
        {"", "v1", "nodes", "Name,Status,Roles,Age,Version"},
        {"", "v1", "namespaces", "Name,Status,Age"},
        {"", "v1", "configmaps", "Name,Data,Age"},
        {"", "v1", "secrets", "Name,Type,Data,Age"},
        {"", "v1", "serviceaccounts", "Name,Secrets,Age"},
        {"", "v1", "endpoints", "Name,Endpoints,Age"},
        {"batch", "v1", "jobs", "Name,Status,Completions,Duration,Age"},
        {"batch", "v1", "cronjobs", "Name,Schedule,Timezone,Suspend,Active,Last Schedule,Age"},
        {"coordination.k8s.io", "v1", "leases", "Name,Holder,Age"},
        {"rbac.authorization.k8s.io", "v1", "roles", "Name,Created At"},
        {"rbac.authorization.k8s.io", "v1", "rolebindings", "Name,Role,Age"},
        {"scheduling.k8s.io", "v1", "priorityclasses",
         "Name,Value,Global-Default,Age,PreemptionPolicy"},
        {"policy", "v1", "poddisruptionbudgets",
         "Name,Min Available,Max Unavailable,Allowed Disruptions,Age"},
        {"", "v1", "persistentvolumeclaims",
         "Name,Status,Volume,Capacity,Access Modes,StorageClass,VolumeAttributesClass,Age"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(sets); i++) {
        cols = table_column_definitions(kind(sets[i].g, sets[i].v, sets[i].r), false);
        char got[512] = "";
        size_t j;
        json_t *c;
        json_array_foreach(cols, j, c)
        {
            if (j)
                strcat(got, ",");
            strcat(got, json_string_value(json_object_get(c, "name")));
        }
        CHECK_STR(got, sets[i].names);
        json_decref(cols);
    }

    /* A kind without its own printer: the generic registry's default table convertor
     * (rest.NewDefaultTableConvertor), Name and Created At. (CRDs, which c8s does not serve,
     * default to Name and Age instead.) */
    static const api_kind_t widget = {
        .group = "example.com", .version = "v1", .resource = "widgets", .kind = "Widget"};
    cols = table_column_definitions(&widget, true);
    CHECK_INT(json_array_size(cols), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 1), "name")), "Created At");
    CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 1), "type")), "date");
    json_decref(cols);
    json_t *obj = J("{'metadata':{'name':'w','creationTimestamp':'" C "'}}");
    json_t *row = table_row(&widget, obj, T0 + 5, TABLE_INCLUDE_NONE);
    json_t *want = J("['w','" C "']");
    check_json("default printer", json_object_get(row, "cells"), want, __LINE__);
    json_decref(want);
    json_decref(row);
    json_decref(obj);
}

static void test_age(void)
{
    static const struct {
        int64_t s;
        const char *want;
    } cases[] = {
        {-5, "<invalid>"},
        {-2, "<invalid>"},
        {-1, "0s"},
        {0, "0s"},
        {59, "59s"},
        {119, "119s"},
        {120, "2m"},
        {182, "3m2s"},
        {300, "5m"},
        {599, "9m59s"},
        {600, "10m"},
        {10799, "179m"},
        {10800, "3h"},
        {3 * 3600 + 120, "3h2m"},
        {8 * 3600 - 1, "7h59m"},
        {8 * 3600, "8h"},
        {47 * 3600 + 3599, "47h"},
        {48 * 3600, "2d"},
        {2 * 86400 + 3 * 3600, "2d3h"},
        {8 * 86400 - 1, "7d23h"},
        {8 * 86400, "8d"},
        {400 * 86400, "400d"},
        {730 * 86400, "2y"},
        {(730 + 35) * 86400, "2y35d"},
        {8 * 365 * 86400, "8y"},
        {10LL * 365 * 86400 + 5 * 86400, "10y"},
    };
    for (size_t i = 0; i < C8S_ARRAY_SIZE(cases); i++) {
        char *got = table_age(cases[i].s);
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "table_age(%lld) = %s, want %s",
                  (long long)cases[i].s, got, cases[i].want);
        free(got);
    }
}

static void test_parse_time(void)
{
    int64_t t = 0;
    CHECK(table_parse_time("2024-05-01T00:00:00Z", &t));
    CHECK_INT(t, T0);
    CHECK(table_parse_time("2024-05-01T00:00:01.999999Z", &t));
    CHECK_INT(t, T0 + 1);
    CHECK(table_parse_time("2024-05-01T02:00:00+02:00", &t));
    CHECK_INT(t, T0);
    CHECK(table_parse_time("2024-04-30T23:00:00-01:00", &t));
    CHECK_INT(t, T0);
    const char *bad[] = {"",
                         "2024-05-01",
                         "2024-05-01T00:00:00",
                         "2024-05-01 00:00:00Z",
                         "2024-13-01T00:00:00Z",
                         "2024-05-01T00:00:00.Z",
                         "2024-05-01T00:00:00Zx",
                         "x024-05-01T00:00:00Z"};
    for (size_t i = 0; i < C8S_ARRAY_SIZE(bad); i++)
        CHECK_MSG(!table_parse_time(bad[i], &t), "accepted %s", bad[i]);
    CHECK(!table_parse_time(NULL, &t));
}

static void test_include(void)
{
    table_include_t inc = TABLE_INCLUDE_NONE;
    c8s_err_t err = C8S_ERR_INIT;
    CHECK_INT(table_parse_include(NULL, &inc, &err), 0);
    CHECK_INT(inc, TABLE_INCLUDE_METADATA);
    CHECK_INT(table_parse_include("", &inc, &err), 0);
    CHECK_INT(inc, TABLE_INCLUDE_METADATA);
    CHECK_INT(table_parse_include("Metadata", &inc, &err), 0);
    CHECK_INT(inc, TABLE_INCLUDE_METADATA);
    CHECK_INT(table_parse_include("None", &inc, &err), 0);
    CHECK_INT(inc, TABLE_INCLUDE_NONE);
    CHECK_INT(table_parse_include("Object", &inc, &err), 0);
    CHECK_INT(inc, TABLE_INCLUDE_OBJECT);
    CHECK_INT(table_parse_include("object", &inc, &err), C8S_EBADREQUEST);
    CHECK_STR(err.msg, "unrecognized includeObject value: \"object\"");
    c8s_err_clear(&err);

    const api_kind_t *k = kind("", "v1", "configmaps");
    json_t *obj =
        J("{'kind':'ConfigMap','apiVersion':'v1','metadata':{'name':'cm','namespace':"
          "'default','resourceVersion':'7','creationTimestamp':'" C "'},'data':{'a':'1'}}");
    json_t *row = table_row(k, obj, T0, TABLE_INCLUDE_METADATA);
    json_t *want =
        J("{'kind':'PartialObjectMetadata','apiVersion':'meta.k8s.io/v1','metadata':{"
          "'name':'cm','namespace':'default','resourceVersion':'7','creationTimestamp':'" C "'}}");
    check_json("Metadata", json_object_get(row, "object"), want, __LINE__);
    json_decref(want);
    json_decref(row);

    row = table_row(k, obj, T0, TABLE_INCLUDE_NONE);
    CHECK(json_is_null(json_object_get(row, "object")));
    json_decref(row);

    row = table_row(k, obj, T0, TABLE_INCLUDE_OBJECT);
    check_json("Object", json_object_get(row, "object"), obj, __LINE__);
    json_decref(row);
    json_decref(obj);

    /* Not an object: a row of empty cells, never NULL. */
    json_t *junk = json_string("junk");
    row = table_row(k, junk, T0, TABLE_INCLUDE_METADATA);
    want = J("{'cells':['',0,'<unknown>'],'object':{'kind':'PartialObjectMetadata',"
             "'apiVersion':'meta.k8s.io/v1','metadata':{}}}");
    check_json("junk row", row, want, __LINE__);
    json_decref(want);
    json_decref(row);
    json_decref(junk);
}

static void test_documents(void)
{
    const api_kind_t *k = kind("", "v1", "configmaps");
    json_t *items = J("[{'metadata':{'name':'a','resourceVersion':'5','creationTimestamp':'" C "'},"
                      "'data':{'x':'1'}},{'metadata':{'name':'b','resourceVersion':'6',"
                      "'creationTimestamp':'" C "'}}]");
    json_t *t = table_from_list(k, items, "123", "tok", T0 + 59, TABLE_INCLUDE_NONE);
    json_t *want =
        J("{'kind':'Table','apiVersion':'meta.k8s.io/v1','metadata':{'resourceVersion':'123',"
          "'continue':'tok'},'columnDefinitions':["
          "{'name':'Name','type':'string','format':'name','priority':0},"
          "{'name':'Data','type':'string','format':'','priority':0},"
          "{'name':'Age','type':'string','format':'','priority':0}],"
          "'rows':[{'cells':['a',1,'59s'],'object':null},{'cells':['b',0,'59s'],'object':null}]}");
    /* Descriptions are checked elsewhere; compare the rest exactly. */
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(t, "columnDefinitions"), i, c)
    {
        CHECK(json_is_string(json_object_get(c, "description")));
        json_object_del(c, "description");
    }
    check_json("table_from_list", t, want, __LINE__);
    json_decref(want);
    json_decref(t);

    /* No resourceVersion, no continue, no items. */
    t = table_from_list(k, NULL, NULL, "", T0, TABLE_INCLUDE_METADATA);
    want = J("{}");
    check_json("empty list metadata", json_object_get(t, "metadata"), want, __LINE__);
    CHECK(json_array_size(json_object_get(t, "rows")) == 0 &&
          json_is_array(json_object_get(t, "rows")));
    CHECK_INT(json_array_size(json_object_get(t, "columnDefinitions")), 3);
    json_decref(want);
    json_decref(t);

    /* GET of one object: its resourceVersion. */
    json_t *obj = json_array_get(items, 1);
    t = table_from_object(k, obj, T0 + 59, TABLE_INCLUDE_METADATA);
    CHECK_STR(json_string_value(json_object_get(json_object_get(t, "metadata"), "resourceVersion")),
              "6");
    CHECK_INT(json_array_size(json_object_get(t, "rows")), 1);
    CHECK_INT(json_array_size(json_object_get(t, "columnDefinitions")), 3);
    json_decref(t);

    /* Watch: headers on the first event only; later events carry null column definitions. */
    t = table_for_event(k, obj, T0 + 59, TABLE_INCLUDE_METADATA, true);
    CHECK_INT(json_array_size(json_object_get(t, "columnDefinitions")), 3);
    CHECK_STR(json_string_value(json_object_get(t, "kind")), "Table");
    json_decref(t);
    t = table_for_event(k, obj, T0 + 59, TABLE_INCLUDE_METADATA, false);
    CHECK(json_is_null(json_object_get(t, "columnDefinitions")));
    want = J("['b',0,'59s']");
    check_json("event row", json_object_get(json_array_get(json_object_get(t, "rows"), 0), "cells"),
               want, __LINE__);
    CHECK_STR(json_string_value(json_object_get(json_object_get(t, "metadata"), "resourceVersion")),
              "6");
    json_decref(want);
    json_decref(t);
    json_decref(items);
}

/* A scale subresource's Scale (kubectl get deploy x --subresource=scale). */
static void test_scale(void)
{
    const api_kind_t *k = table_scale_kind();
    json_t *cols = table_column_definitions(k, true);
    CHECK_INT(json_array_size(cols), 4);
    const char *names[] = {"Name", "Desired", "Available", "Age"};
    for (size_t i = 0; i < 4 && i < json_array_size(cols); i++)
        CHECK_STR(json_string_value(json_object_get(json_array_get(cols, i), "name")), names[i]);
    CHECK_STR(json_string_value(json_object_get(json_array_get(cols, 0), "format")), "");
    json_decref(cols);
    json_t *scale =
        J("{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{"
          "\"name\":\"web\",\"creationTimestamp\":\"2024-05-01T00:00:00Z\"},"
          "\"spec\":{\"replicas\":3},\"status\":{\"replicas\":1,\"selector\":\"app=web\"}}");
    json_t *row = table_row(k, scale, T0 + 90, TABLE_INCLUDE_NONE);
    json_t *want = J("[\"web\", 3, 1, \"90s\"]");
    check_json("scale", json_object_get(row, "cells"), want, __LINE__);
    json_decref(want);
    json_decref(row);
    json_decref(scale);
}

int main(void)
{
    test_cells();
    test_pod_conditions();
    test_columns();
    test_age();
    test_parse_time();
    test_include();
    test_documents();
    test_scale();
    TEST_END();
}
