/* fg_read_blobs: the loop every method's load shares. */
#include "methods/blobs.h"

#include <string.h>

#include "core/error.h"

int fg_read_blobs(forget_reader *r, fg_blob *table, const char *method)
{
    char tag[5];
    uint32_t flags;
    const void *data;
    size_t size;
    int rc;
    while ((rc = forget_reader_section(r, tag, &flags, &data, &size)) == 1) {
        fg_blob *b = table;
        while (b->tag && strcmp(b->tag, tag))
            b++;
        if (b->tag) {
            b->data = data;
            b->size = size;
        } else if (flags & FORGET_SECTION_REQUIRED) {
            return fg_error(FORGET_E_VERSION, "method '%s': unknown required "
                            "section '%s'", method, tag);
        }
    }
    return rc;
}
