/*
 * mount.c — unmounting whatever is stacked on a path, for the kubelet's rootfs, volume and
 * namespace mounts.
 */
#include "c8s/base.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>

int c8s_unmount_all(const char *path, c8s_err_t *err)
{
    /* Bounded: a path that stays a mount point after this many is not ours to fight over. */
    for (int i = 0; i < 64; i++)
        if (umount2(path, MNT_DETACH) < 0) {
            if (errno == EINVAL || errno == ENOENT)
                return 0;
            return c8s_err_set(err, C8S_ESYS, "umount %s: %s", path, strerror(errno));
        }
    return c8s_err_set(err, C8S_ESYS, "umount %s: still mounted after 64 unmounts", path);
}
