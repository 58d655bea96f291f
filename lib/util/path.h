/* File names: the folder part of a path, and the file a path names once
 * symbolic links in its last component are followed (where a save writes
 * and where its lock file lives). */
#ifndef FG_UTIL_PATH_H
#define FG_UTIL_PATH_H

#include <stddef.h>

/* The folder part of path into dir[cap] ("." when path has no slash, "/"
 * for a file in the root): 0, or ENAMETOOLONG when it does not fit. */
int fg_path_dir(const char *path, char *dir, size_t cap);

/* The last component of path (what follows its last slash). */
const char *fg_path_base(const char *path);

/* *out = the file path names after following the symbolic links of its
 * last component (a chain of up to 40; a relative target is relative to
 * the link's folder), allocated with fg_malloc; a copy of path when it is
 * not a link or does not exist (a dangling link gives its target, which
 * a save then creates). Folders in the path are not resolved: the result
 * names the same folder however it is spelt. FORGET_E_IO for a loop or an
 * unreadable link, FORGET_E_NOMEM. */
int fg_path_follow(const char *path, char **out);

#endif
