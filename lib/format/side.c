/* A method's side files: one section in a container of the unlearner
 * state's file type (format/sections.h). */
#include "format/sections.h"

#include <string.h>

#include "format/container.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

int fg_side_file_write(const char *path, const char *tag, const void *data,
                       size_t size)
{
    fg_writer w;
    fg_writer_begin(&w, FG_FILE_UNLEARNER);
    fg_writer_section(&w, tag, FG_SECTION_REQUIRED, data, size);
    int rc = fg_writer_end(&w, FORGET_OK);
    return rc == FORGET_OK ? fg_writer_to_file(&w, path) : rc;
}

int fg_side_file_read(const char *path, const char *tag, void *dst,
                      size_t size, const char *owner)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc = fg_read_file(path, &buf, &len);
    fg_reader rd;
    fg_section sec;
    if (rc == FORGET_OK)
        rc = fg_reader_open(&rd, buf, len, FG_FILE_UNLEARNER, path);
    if (rc == FORGET_OK && (rc = fg_reader_next(&rd, &sec)) == 1 &&
        !strcmp(sec.tag, tag) && sec.len == size) {
        if (size > 0)
            memcpy(dst, sec.data, size);
        rc = FORGET_OK;
    } else if (rc >= 0) {
        rc = fg_error(FORGET_E_FORMAT, "%s: '%s' does not hold a section "
                      "'%s' of %zu bytes", owner, path, tag, size);
    }
    fg_free(buf);
    return rc;
}
