/* The one section-table reader: every reader of a container (model files,
 * unlearner files, each method's load) names the sections it knows in a
 * table of slots and lets this fill them. The rules live here once:
 * lengths and CRCs are checked by the container reader; a section given
 * twice is FORGET_E_FORMAT; a payload that is not a whole number of the
 * slot's unit is FORGET_E_FORMAT; a section nobody knows is skipped unless
 * its required bit is set, which is FORGET_E_VERSION (a newer writer). */
#ifndef FG_FORMAT_SECTIONS_H
#define FG_FORMAT_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "forget/backend.h"

typedef struct fg_slot {
    const char *tag;           /* 4 characters; NULL ends a table */
    size_t unit;               /* payload bytes per value (0 or 1: any) */
    const unsigned char *data; /* out: the payload, NULL if absent */
    size_t size;               /* out: its bytes */
    size_t count;              /* out: size / unit (values) */
} fg_slot;

/* The rule for a section that no reader took: FORGET_OK (skipped) unless
 * it is required, then FORGET_E_VERSION naming owner and tag. */
int fg_section_unknown(const char *tag, uint32_t flags, const char *owner);

/* Sections not in the table go to other (may be NULL): it returns 1 when
 * it took the section, 0 when it does not know it, or a FORGET_E_* code. */
typedef int (*fg_slot_other)(const char *tag, uint32_t flags,
                             const unsigned char *data, size_t size,
                             void *ctx);

/* Fill table from every remaining section of r (a method's state: the
 * sections its save wrote). owner names the reader in messages
 * ("method 'ssd'"). FORGET_OK, or an error with the table half filled. */
int fg_slots_read(forget_reader *r, fg_slot *table, fg_slot_other other,
                  void *ctx, const char *owner);

/* The slot of tag in table (tag must be in it). */
const fg_slot *fg_slot_get(const fg_slot *table, const char *tag);

/* ---- a method's side files (lib/format/side.c) ---- */

/* A file a method keeps beside its state (sisa's checkpoints in a store
 * directory): a container of the unlearner-state file type holding one
 * required section, tag, of size bytes as they are in memory; the file is
 * replaced crash-safely. */
int fg_side_file_write(const char *path, const char *tag, const void *data,
                       size_t size);
/* Its section back into dst (size bytes): FORGET_E_IO when it cannot be
 * read, the container's error when it is not one, FORGET_E_FORMAT naming
 * owner and path when its first section is not tag of exactly size
 * bytes. */
int fg_side_file_read(const char *path, const char *tag, void *dst,
                      size_t size, const char *owner);

#endif
