/* The file container (docs/FORMAT.md): magic, version, type, then tagged
 * sections, each with its length and CRC-32C, 8-byte aligned, closed by
 * an END section. Little-endian throughout. */
#ifndef FG_FORMAT_CONTAINER_H
#define FG_FORMAT_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"
#include "util/le.h"

#define FG_FORMAT_VERSION 1
#define FG_FILE_MODEL 1u
#define FG_FILE_UNLEARNER 2u
#define FG_SECTION_REQUIRED 1u /* a reader that does not know it must fail */

/* A growable output buffer; the first failure sticks (checked at end). */
typedef struct fg_writer {
    unsigned char *buf;
    size_t len, cap;
    int failed;
} fg_writer;

void fg_writer_begin(fg_writer *w, uint32_t file_type);
void fg_writer_section(fg_writer *w, const char tag[4], uint32_t flags,
                       const void *data, size_t len);
/* A section from several pieces (e.g. a count, then an array). */
void fg_writer_section2(fg_writer *w, const char tag[4], uint32_t flags,
                        const void *a, size_t alen, const void *b,
                        size_t blen);
/* Close with the END section when rc (the status of writing the rest)
 * is FORGET_OK; FORGET_E_NOMEM if any append failed. On any failure the
 * buffer is freed. Returns the status. */
int fg_writer_end(fg_writer *w, int rc);
void fg_writer_free(fg_writer *w);
/* Hand a finished writer's bytes to a path (crash-safe replacement) or to
 * a caller's buffer (*size is always set; buf NULL only asks; a buffer too
 * small is FORGET_E_INVALID naming caller and what), then free it. */
int fg_writer_to_file(fg_writer *w, const char *path);
int fg_writer_to_buffer(fg_writer *w, void *buf, size_t capacity,
                        size_t *size, const char *caller, const char *what);

typedef struct fg_section {
    char tag[5]; /* NUL-terminated */
    uint32_t flags;
    const unsigned char *data;
    size_t len;
} fg_section;

typedef struct fg_reader {
    const unsigned char *buf;
    size_t len, pos;
    const char *what; /* names the source in messages */
    int done;
} fg_reader;

/* Check the header: FORGET_E_FORMAT (not ours, truncated),
 * FORGET_E_VERSION (a newer format), or the wrong file type. */
int fg_reader_open(fg_reader *r, const void *buf, size_t len,
                   uint32_t file_type, const char *what);
/* The next section: 1 with *s filled, 0 after END (which must end the
 * buffer), or a negative FORGET_E_* code. Lengths and CRCs are checked
 * before anything is handed out. */
int fg_reader_next(fg_reader *r, fg_section *s);

/* Read the file at path for fg_reader_open: a regular file whose header
 * (magic, version, file_type) is checked first, then every section
 * header's length against the file's size, and only then the whole file
 * (at most FORGET_LIMIT_MAX_BYTES) into *data (fg_malloc'ed). what names
 * the file in messages. */
int fg_container_read_file(const char *path, uint32_t file_type,
                           const char *what, unsigned char **data,
                           size_t *len);

/* The backend ABI's handles are these, under their public names. */
struct forget_writer {
    fg_writer w;
};
struct forget_reader {
    fg_reader r;
};

#endif
