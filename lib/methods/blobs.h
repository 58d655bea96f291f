/* Reading a method's sections from a state file into a tag table. */
#ifndef FG_METHODS_BLOBS_H
#define FG_METHODS_BLOBS_H

#include <stddef.h>

#include "forget/backend.h"

typedef struct fg_blob {
    const char *tag; /* NULL ends the table */
    const unsigned char *data;
    size_t size;
} fg_blob;

/* Fill the table from every remaining section (a repeated tag keeps the
 * last); an unknown required section is FORGET_E_VERSION naming it. */
int fg_read_blobs(forget_reader *r, fg_blob *table, const char *method);

#endif
