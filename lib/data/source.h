/* A file read as a stream of bytes, gunzipped on the fly when it starts
 * with the gzip magic. zlib allocates through libforget's allocator. */
#ifndef FG_DATA_SOURCE_H
#define FG_DATA_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fg_source fg_source;

/* FORGET_E_IO (naming the path and the system's reason) or FORGET_OK. */
int fg_source_open(fg_source **out, const char *path);
void fg_source_close(fg_source *s);

/* Read up to n bytes; *got < n only at the end of the data. Corrupt gzip
 * data is FORGET_E_FORMAT, a read error FORGET_E_IO (messages name the
 * path and the offset). */
int fg_source_read(fg_source *s, void *buf, size_t n, size_t *got);

/* Bytes delivered so far (decompressed offset). */
uint64_t fg_source_offset(const fg_source *s);

/* An upper bound on the bytes still to come: exact for plain files; for
 * gzip, 1032 times the compressed bytes left (deflate's largest ratio),
 * so that a header declaring more than the file can hold is refused
 * before anything is allocated for it. */
uint64_t fg_source_max_remaining(const fg_source *s);

const char *fg_source_path(const fg_source *s);

#endif
