/*
 * test_image_teardown.c — a container's rootfs with mounts stacked on it (a kubelet killed
 * between mounting and recording mounts again on its next start) is torn down whole: every
 * mount gone, the directory removed. Needs root (mounts tmpfs in a private mount namespace).
 */
#include "c8s/image.h"
#include "test.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int mounts_on(const char *target)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[4096];
    int n = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        char *p = line;
        for (int i = 0; i < 4 && p; i++)
            p = strchr(p + 1, ' ');
        if (p && strncmp(p + 1, target, strlen(target)) == 0 && p[1 + strlen(target)] == ' ')
            n++;
    }
    fclose(f);
    return n;
}

int main(void)
{
    if (geteuid() != 0)
        TEST_SKIP("needs root");
    REQUIRE(unshare(CLONE_NEWNS) == 0);
    REQUIRE(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    char tmpl[] = "/tmp/c8s-teardown-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != NULL);
    image_store_t *st = NULL;
    c8s_err_t err = C8S_ERR_INIT;
    REQUIRE(image_store_open(tmpl, &st, &err) == 0);
    const char *id = "0123abcd-main";
    char dir[256], rootfs[300];
    snprintf(dir, sizeof(dir), "%s/c", tmpl);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
    REQUIRE(mkdir(dir, 0700) == 0 && mkdir(rootfs, 0700) == 0);
    for (int i = 0; i < 3; i++)
        REQUIRE(mount("tmpfs", rootfs, "tmpfs", 0, "size=1m") == 0);
    CHECK_INT(mounts_on(rootfs), 3);
    CHECK_INT(image_rootfs_teardown(st, id, dir, &err), 0);
    CHECK_INT(mounts_on(rootfs), 0);
    struct stat sb;
    CHECK(stat(dir, &sb) != 0);
    /* Torn down twice: nothing to do, no error. */
    CHECK_INT(image_rootfs_teardown(st, id, dir, &err), 0);
    image_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
    CHECK_INT(system(cmd), 0);
    TEST_END();
}
