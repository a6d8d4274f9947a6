#ifndef FLINKCTL_CSPAWN_H
#define FLINKCTL_CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp`, in a new session when `new_session`
/// is non-zero (so that it leads its own process group and can be signalled
/// as a whole; a child that must stay in its parent's container group passes
/// 0), with its working
/// directory set to `cwd`, standard input from /dev/null and standard output
/// and error appended to the given files. Signal dispositions and the signal
/// mask are reset to defaults, since the parent may ignore SIGPIPE.
///
/// Returns the child's pid, or -1 with the error number in `*error_out`.
/// posix_spawn is used instead of fork so that a large parent does not pay
/// for copying its page tables on every container launch.
pid_t flinkctl_spawn(const char *path,
                     char *const argv[],
                     char *const envp[],
                     const char *cwd,
                     const char *stdout_path,
                     const char *stderr_path,
                     int new_session,
                     int *error_out);

#endif
