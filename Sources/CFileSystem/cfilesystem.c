#define _GNU_SOURCE
#include "cfilesystem.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/xattr.h>

ssize_t flinkctl_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return fgetxattr(fd, name, value, size);
}

int flinkctl_fsetxattr(int fd, const char *name, const void *value, size_t size) {
    return fsetxattr(fd, name, value, size, 0);
}

int flinkctl_renameat_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
    return renameat2(olddirfd, oldpath, newdirfd, newpath, RENAME_NOREPLACE);
}
