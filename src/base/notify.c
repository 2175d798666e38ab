/*
 * notify.c — sd_notify's wire format is one unix datagram of newline-separated assignments;
 * writing it ourselves spares a dependency on libsystemd for a dozen lines.
 */
#include "c8s/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int notify_systemd(const char *state, c8s_err_t *err)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path)
        return 0;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(sa.sun_path) || (path[0] != '/' && path[0] != '@'))
        return c8s_err_set(err, C8S_ESYS, "NOTIFY_SOCKET %s: not a socket path", path);
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract namespace */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return c8s_err_set(err, C8S_ESYS, "notify socket: %s", strerror(errno));
    ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    int saved = errno;
    close(fd);
    if (n < 0)
        return c8s_err_set(err, C8S_ESYS, "notifying %s: %s", path, strerror(saved));
    return 1;
}
