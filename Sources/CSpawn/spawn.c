#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

pid_t flinkctl_spawn(const char *path,
                     char *const argv[],
                     char *const envp[],
                     const char *cwd,
                     const char *stdout_path,
                     const char *stderr_path,
                     int new_session,
                     int *error_out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    pid_t pid = -1;
    int rc;

    if ((rc = posix_spawn_file_actions_init(&actions)) != 0) { *error_out = rc; return -1; }
    if ((rc = posix_spawnattr_init(&attr)) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        *error_out = rc;
        return -1;
    }

    rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0 && stdout_path)
        rc = posix_spawn_file_actions_addopen(&actions, 1, stdout_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (rc == 0 && stderr_path)
        rc = posix_spawn_file_actions_addopen(&actions, 2, stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK, 0644);
    // O_NOFOLLOW and O_NONBLOCK: an output file that became a link or a FIFO
    // fails the start instead of redirecting it or blocking the parent.
    // Nothing else of the parent's reaches the child: not the REST server's
    // listening socket, not the pipes of other processes being started.
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0 && cwd)
        rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);

    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, (new_session ? POSIX_SPAWN_SETSID : 0) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (rc == 0) rc = posix_spawn(&pid, path, &actions, &attr, argv, envp);

    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) { *error_out = rc; return -1; }
    return pid;
}
