/* Streaming file input with transparent gunzip (zlib), using POSIX I/O so
 * that no stdio buffer is allocated behind the allocator's back. */
#include "data/source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/alloc.h"
#include "util/error.h"
#include "util/limits.h"
#include "util/readbound.h"

#define FG_CHUNK 65536

struct fg_source {
    int fd;
    int gzip;
    int eof;          /* gzip: the last member ended and no input is left */
    z_stream zs;
    unsigned char *in; /* raw input buffer */
    size_t in_len, in_pos;
    uint64_t file_size, raw_read, offset;
    char path[256];
};

static voidpf fg_zalloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return fg_malloc_array(items, size);
}

static void fg_zfree(voidpf opaque, voidpf ptr)
{
    (void)opaque;
    fg_free(ptr);
}

static int fg_io_error(const char *path, const char *verb, int err)
{
    char buf[128];
    const char *text = strerror_r(err, buf, sizeof buf);
    return fg_error(FORGET_E_IO, "cannot %s '%s': %s", verb, path, text);
}

/* Refill the raw buffer; sets in_len = 0 at end of file. */
static int fg_fill(fg_source *s)
{
    ssize_t r;
    do
        r = read(s->fd, s->in, FG_CHUNK);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return fg_io_error(s->path, "read", errno);
    s->in_len = (size_t)r;
    s->in_pos = 0;
    s->raw_read += (uint64_t)r;
    return FORGET_OK;
}

int fg_source_open(fg_source **out, const char *path)
{
    fg_source *s = fg_calloc(1, sizeof *s);
    if (s == NULL)
        return fg_nomem("a file reader");
    size_t plen = strlen(path);
    if (plen >= sizeof s->path)
        plen = sizeof s->path - 1;
    memcpy(s->path, path, plen);
    s->in = fg_malloc(FG_CHUNK);
    if (s->in == NULL) {
        fg_free(s);
        return fg_nomem("a file buffer");
    }
    s->fd = -1;
    int rc = fg_open_regular(path, &s->fd, &s->file_size);
    if (rc == FORGET_OK)
        rc = fg_fill(s);
    if (rc == FORGET_OK && s->in_len >= 2 && s->in[0] == 0x1f &&
        s->in[1] == 0x8b) {
        s->gzip = 1;
        s->zs.zalloc = fg_zalloc;
        s->zs.zfree = fg_zfree;
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            s->gzip = 0;
            rc = fg_nomem("a gzip decoder");
        }
    }
    if (rc != FORGET_OK) {
        fg_source_close(s);
        return rc;
    }
    *out = s;
    return FORGET_OK;
}

void fg_source_close(fg_source *s)
{
    if (s == NULL)
        return;
    if (s->gzip)
        inflateEnd(&s->zs);
    if (s->fd >= 0)
        close(s->fd);
    fg_free(s->in);
    fg_free(s);
}

static int fg_read_plain(fg_source *s, unsigned char *dst, size_t n,
                         size_t *got)
{
    size_t done = 0;
    while (done < n) {
        if (s->in_pos == s->in_len) {
            int rc = fg_fill(s);
            if (rc != FORGET_OK)
                return rc;
            if (s->in_len == 0)
                break;
        }
        size_t take = s->in_len - s->in_pos;
        if (take > n - done)
            take = n - done;
        memcpy(dst + done, s->in + s->in_pos, take);
        s->in_pos += take;
        done += take;
    }
    *got = done;
    return FORGET_OK;
}

static int fg_read_gzip(fg_source *s, unsigned char *dst, size_t n,
                        size_t *got)
{
    size_t done = 0;
    while (done < n && !s->eof) {
        if (s->in_pos == s->in_len) {
            int rc = fg_fill(s);
            if (rc != FORGET_OK)
                return rc;
            if (s->in_len == 0)
                return fg_error(FORGET_E_FORMAT, "'%s': the gzip stream "
                                "ends early at byte %llu of the data "
                                "(truncated file?)", s->path,
                                (unsigned long long)(s->offset + done));
        }
        size_t want = n - done;
        s->zs.next_in = s->in + s->in_pos;
        s->zs.avail_in = (uInt)(s->in_len - s->in_pos);
        s->zs.next_out = dst + done;
        s->zs.avail_out = want > (1u << 30) ? (1u << 30) : (uInt)want;
        uInt before = s->zs.avail_out;
        int zr = inflate(&s->zs, Z_NO_FLUSH);
        done += before - s->zs.avail_out;
        s->in_pos = s->in_len - s->zs.avail_in;
        if (zr == Z_STREAM_END) {
            /* Another gzip member may follow (concatenated files). */
            if (s->in_pos == s->in_len) {
                int rc = fg_fill(s);
                if (rc != FORGET_OK)
                    return rc;
            }
            if (s->in_len == 0)
                s->eof = 1;
            else if (inflateReset(&s->zs) != Z_OK)
                return fg_error(FORGET_E_FORMAT, "'%s': cannot restart the "
                                "gzip decoder", s->path);
        } else if (zr == Z_MEM_ERROR) {
            return fg_nomem("gzip decoding");
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return fg_error(FORGET_E_FORMAT, "'%s': corrupt gzip data near "
                            "byte %llu of the data: %s", s->path,
                            (unsigned long long)(s->offset + done),
                            s->zs.msg ? s->zs.msg : "inflate failed");
        }
    }
    *got = done;
    return FORGET_OK;
}

int fg_source_read(fg_source *s, void *buf, size_t n, size_t *got)
{
    int rc = s->gzip ? fg_read_gzip(s, buf, n, got)
                     : fg_read_plain(s, buf, n, got);
    if (rc == FORGET_OK)
        s->offset += *got;
    if (rc == FORGET_OK && s->offset > fg_limit(FORGET_LIMIT_MAX_BYTES)) {
        char what[300];
        snprintf(what, sizeof what, "'%s': the %s data", s->path,
                 s->gzip ? "decompressed" : "file's");
        rc = fg_limit_check(FORGET_LIMIT_MAX_BYTES, s->offset, what);
    }
    return rc;
}

uint64_t fg_source_offset(const fg_source *s) { return s->offset; }

uint64_t fg_source_max_remaining(const fg_source *s)
{
    uint64_t raw_left = s->file_size > s->raw_read
                            ? s->file_size - s->raw_read
                            : 0;
    raw_left += (uint64_t)(s->in_len - s->in_pos);
    if (!s->gzip)
        return raw_left;
    if (s->eof)
        return 0;
    /* Plus what zlib may hold in its window from input already taken. */
    return raw_left > UINT64_MAX / 1032 ? UINT64_MAX
                                        : raw_left * 1032 + 65536;
}

const char *fg_source_path(const fg_source *s) { return s->path; }
