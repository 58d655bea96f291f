/* Writing and reading the tagged-section container. The reader trusts no
 * length: every one is checked against what is left before use. */
#include "format/container.h"

#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/readbound.h"
#include "forget/backend.h"

static const unsigned char fg_magic[8] = {0x89, 'F', 'G', 'T',
                                          '\r', '\n', 0x1a, '\n'};
#define FG_HEADER 16
#define FG_SECTION_HEADER 24

static unsigned char *fg_reserve(fg_writer *w, size_t more)
{
    if (w->failed)
        return NULL;
    if (more > SIZE_MAX - w->len) {
        w->failed = 1;
        return NULL;
    }
    if (w->len + more > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + more)
            cap = cap > SIZE_MAX / 2 ? w->len + more : cap * 2;
        unsigned char *b = fg_realloc_array(w->buf, cap, 1);
        if (b == NULL) {
            w->failed = 1;
            return NULL;
        }
        w->buf = b;
        w->cap = cap;
    }
    unsigned char *p = w->buf + w->len;
    w->len += more;
    return p;
}

void fg_writer_begin(fg_writer *w, uint32_t file_type)
{
    memset(w, 0, sizeof *w);
    unsigned char *p = fg_reserve(w, FG_HEADER);
    if (p == NULL)
        return;
    memcpy(p, fg_magic, 8);
    fg_put_u32(p + 8, FG_FORMAT_VERSION);
    fg_put_u32(p + 12, file_type);
}

void fg_writer_section2(fg_writer *w, const char tag[4], uint32_t flags,
                        const void *a, size_t alen, const void *b,
                        size_t blen)
{
    size_t len = alen + blen, pad = (8 - len % 8) % 8;
    unsigned char *h = fg_reserve(w, FG_SECTION_HEADER + len + pad);
    if (h == NULL)
        return;
    unsigned char *payload = h + FG_SECTION_HEADER;
    if (alen)
        memcpy(payload, a, alen);
    if (blen)
        memcpy(payload + alen, b, blen);
    memset(payload + len, 0, pad);
    memcpy(h, tag, 4);
    fg_put_u32(h + 4, flags);
    fg_put_u64(h + 8, (uint64_t)len);
    fg_put_u32(h + 16, fg_crc32c(0, payload, len));
    fg_put_u32(h + 20, fg_crc32c(0, h, 20));
}

void fg_writer_section(fg_writer *w, const char tag[4], uint32_t flags,
                       const void *data, size_t len)
{
    fg_writer_section2(w, tag, flags, data, len, NULL, 0);
}

int fg_writer_end(fg_writer *w, int rc)
{
    if (rc == FORGET_OK) {
        fg_writer_section(w, "END ", FG_SECTION_REQUIRED, NULL, 0);
        if (w->failed)
            rc = fg_nomem("a serialised file");
    }
    if (rc != FORGET_OK)
        fg_writer_free(w);
    return rc;
}

void fg_writer_free(fg_writer *w)
{
    fg_free(w->buf);
    memset(w, 0, sizeof *w);
}

int fg_writer_to_file(fg_writer *w, const char *path)
{
    int rc = fg_write_file_atomic(path, w->buf, w->len);
    fg_writer_free(w);
    return rc;
}

int fg_writer_to_buffer(fg_writer *w, void *buf, size_t capacity,
                        size_t *size, const char *caller, const char *what)
{
    int rc = FORGET_OK;
    *size = w->len;
    if (buf != NULL && capacity < w->len)
        rc = fg_error(FORGET_E_INVALID, "%s: the buffer holds %zu bytes; the "
                      "%s needs %zu", caller, capacity, what, w->len);
    else if (buf != NULL)
        memcpy(buf, w->buf, w->len);
    fg_writer_free(w);
    return rc;
}

/* The 16-byte header: magic, version, file type. */
static int fg_header_check(const unsigned char *buf, size_t len,
                           uint32_t file_type, const char *what)
{
    if (len < FG_HEADER || memcmp(buf, fg_magic, 8) != 0)
        return fg_error(FORGET_E_FORMAT, "%s: not a libforget file (%s)",
                        what, len < FG_HEADER ? "too short" : "bad magic");
    uint32_t version = fg_get_u32(buf + 8), type = fg_get_u32(buf + 12);
    if (version == 0 || version > FG_FORMAT_VERSION)
        return fg_error(FORGET_E_VERSION, "%s: format version %u; this "
                        "library reads up to %d", what, version,
                        FG_FORMAT_VERSION);
    if (type != file_type)
        return fg_error(FORGET_E_FORMAT, "%s: holds %s, not %s", what,
                        type == FG_FILE_MODEL ? "a model"
                        : type == FG_FILE_UNLEARNER ? "an unlearner state"
                                                    : "an unknown type",
                        file_type == FG_FILE_MODEL ? "a model"
                                                   : "an unlearner state");
    return FORGET_OK;
}

int fg_reader_open(fg_reader *r, const void *buf, size_t len,
                   uint32_t file_type, const char *what)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->len = len;
    r->what = what;
    int rc = fg_header_check(buf, len, file_type, what);
    if (rc == FORGET_OK)
        r->pos = FG_HEADER;
    return rc;
}

/* A section header h at byte pos with left bytes after it: its checksum,
 * and a length (padded to 8, in *padded) that fits in what is left. */
static int fg_section_header_check(const unsigned char *h, uint64_t pos,
                                   uint64_t left, const char *what,
                                   uint64_t *padded)
{
    if (!FG_CRC_OK(fg_get_u32(h + 20), fg_crc32c(0, h, 20)))
        return fg_error(FORGET_E_FORMAT, "%s: the section header at byte "
                        "%llu is corrupt (checksum mismatch)", what,
                        (unsigned long long)pos);
    uint64_t len = fg_get_u64(h + 8);
    *padded = len + (8 - len % 8) % 8;
    if (len > left || *padded > left)
        return fg_error(FORGET_E_FORMAT, "%s: section '%.4s' at byte %llu "
                        "declares %llu bytes but only %llu remain (truncated "
                        "or hostile)", what, (const char *)h,
                        (unsigned long long)pos, (unsigned long long)len,
                        (unsigned long long)left);
    return FORGET_OK;
}

int fg_reader_next(fg_reader *r, fg_section *s)
{
    if (r->done)
        return 0;
    size_t left = r->len - r->pos;
    const unsigned char *h = r->buf + r->pos;
    if (left < FG_SECTION_HEADER)
        return fg_error(FORGET_E_FORMAT, "%s: truncated at byte %zu (a "
                        "section header needs 24 bytes, %zu left)", r->what,
                        r->pos, left);
    uint64_t len = fg_get_u64(h + 8), padded = 0;
    int rc = fg_section_header_check(h, r->pos, left - FG_SECTION_HEADER,
                                     r->what, &padded);
    if (rc != FORGET_OK)
        return rc;
    const unsigned char *payload = h + FG_SECTION_HEADER;
    if (!FG_CRC_OK(fg_get_u32(h + 16), fg_crc32c(0, payload, (size_t)len)))
        return fg_error(FORGET_E_FORMAT, "%s: section '%.4s' at byte %zu is "
                        "corrupt (checksum mismatch)", r->what,
                        (const char *)h, r->pos);
    for (uint64_t i = len; i < padded; i++)
        if (payload[i] != 0)
            return fg_error(FORGET_E_FORMAT, "%s: nonzero padding after "
                            "section '%.4s' at byte %zu", r->what,
                            (const char *)h, r->pos);
    memcpy(s->tag, h, 4);
    s->tag[4] = '\0';
    s->flags = fg_get_u32(h + 4);
    s->data = payload;
    s->len = (size_t)len;
    r->pos += FG_SECTION_HEADER + (size_t)padded;
    if (memcmp(s->tag, "END ", 4) == 0) {
        r->done = 1;
        if (r->pos != r->len)
            return fg_error(FORGET_E_FORMAT, "%s: %zu unexpected bytes after "
                            "the end", r->what, r->len - r->pos);
        return 0;
    }
    return 1;
}

/* ---- reading a file: header first, then the section chain, then the
 * body ---- */

/* Most section headers walked before the body is read: files hold a
 * handful; past this the whole-buffer reader checks the rest. */
#define FG_WALK_MAX 4096

/* Follow the section headers through the file with small reads: every
 * declared length must fit in the file, so that a forged or truncated
 * file is refused before its body is read into memory. */
static int fg_walk_sections(int fd, uint64_t size, const char *what)
{
    uint64_t pos = FG_HEADER;
    for (int n = 0; n < FG_WALK_MAX; n++) {
        unsigned char h[FG_SECTION_HEADER];
        if (size - pos < FG_SECTION_HEADER)
            return fg_error(FORGET_E_FORMAT, "%s: truncated at byte %llu (a "
                            "section header needs 24 bytes, %llu left)",
                            what, (unsigned long long)pos,
                            (unsigned long long)(size - pos));
        int rc = fg_pread_all(fd, what, h, sizeof h, pos);
        uint64_t padded = 0;
        if (rc == FORGET_OK)
            rc = fg_section_header_check(h, pos, size - pos - sizeof h,
                                         what, &padded);
        if (rc != FORGET_OK)
            return rc;
        pos += sizeof h + padded;
        if (memcmp(h, "END ", 4) == 0)
            return pos == size ? FORGET_OK
                               : fg_error(FORGET_E_FORMAT, "%s: %llu "
                                          "unexpected bytes after the end",
                                          what, (unsigned long long)(size -
                                                                     pos));
    }
    return FORGET_OK;
}

int fg_container_read_file(const char *path, uint32_t file_type,
                           const char *what, unsigned char **data,
                           size_t *len)
{
    int fd = -1;
    uint64_t size = 0;
    int rc = fg_open_regular(path, &fd, &size);
    if (rc != FORGET_OK)
        return rc;
    unsigned char head[FG_HEADER];
    size_t n = size < FG_HEADER ? (size_t)size : FG_HEADER;
    rc = fg_pread_all(fd, path, head, n, 0);
    if (rc == FORGET_OK)
        rc = fg_header_check(head, n, file_type, what);
    if (rc == FORGET_OK)
        rc = fg_walk_sections(fd, size, what);
    if (rc == FORGET_OK)
        rc = fg_read_fd(fd, path, data, len);
    close(fd);
    return rc;
}

/* ---- the backend ABI's view ---- */

static int fg_tag_ok(const char *tag)
{
    for (int i = 0; i < 4; i++)
        if (tag[i] < 0x20 || tag[i] > 0x7e)
            return 0;
    return tag[0] != '_';
}

int forget_writer_section(forget_writer *w, const char *tag, uint32_t flags,
                          const void *data, size_t size)
{
    FG_CHECK_ARG(w);
    FG_CHECK_ARG(tag);
    if (size > 0)
        FG_CHECK_ARG(data);
    if (strlen(tag) != 4 || !fg_tag_ok(tag) || !strcmp(tag, "END "))
        return fg_error(FORGET_E_INVALID, "%s: tag '%.8s' must be 4 printable "
                        "ASCII characters, not starting with '_' nor 'END '",
                        __func__, tag);
    fg_writer_section(&w->w, tag, flags, data, size);
    return w->w.failed ? fg_nomem("a state file section") : FORGET_OK;
}

int forget_reader_section(forget_reader *r, char *tag, uint32_t *flags,
                          const void **data, size_t *size)
{
    FG_CHECK_ARG(r);
    FG_CHECK_ARG(tag);
    FG_CHECK_ARG(data);
    FG_CHECK_ARG(size);
    fg_section s;
    int rc = fg_reader_next(&r->r, &s);
    if (rc != 1)
        return rc;
    memcpy(tag, s.tag, 5);
    if (flags)
        *flags = s.flags;
    *data = s.data;
    *size = s.len;
    return 1;
}
