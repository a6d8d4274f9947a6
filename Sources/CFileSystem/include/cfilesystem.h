#ifndef FLINKCTL_CFILESYSTEM_H
#define FLINKCTL_CFILESYSTEM_H

#include <sys/types.h>

// Linux file-system calls that Glibc's Swift module does not carry: extended
// attributes on an open file, and a rename that never replaces its target.

/// fgetxattr(2): the value's length, or -1 with errno set.
ssize_t flinkctl_fgetxattr(int fd, const char *name, void *value, size_t size);
/// fsetxattr(2): 0, or -1 with errno set.
int flinkctl_fsetxattr(int fd, const char *name, const void *value, size_t size);
/// renameat2(2) with RENAME_NOREPLACE: EEXIST when the target exists.
int flinkctl_renameat_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

#endif
