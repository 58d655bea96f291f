/* Parameter tables and parsed values (the public side is in backend.h). */
#ifndef FG_UTIL_PARAMS_H
#define FG_UTIL_PARAMS_H

#include "forget/backend.h"

/* Check a table: names unique and well formed, types known, every default
 * parses and lies in its range. owner names the table in messages. */
int fg_params_validate_table(const forget_param_def *defs, size_t n_defs,
                             size_t def_size, const char *owner);

/* The i-th entry of a table whose elements are def_size bytes apart. */
const forget_param_def *fg_param_at(const forget_param_def *defs,
                                    size_t def_size, size_t i);

/* Parse against a table of the current layout (sizeof(forget_param_def)),
 * as the library's own tables are. */
int fg_params_parse(forget_params **out, const forget_param_def *defs,
                    size_t n_defs, const char *owner, const char *text);

/* The text of base with the keys given in over replacing theirs: both
 * parsed against the table (each on its own: a bad value is refused), and
 * every key over gives must be named in allowed (space separated; NULL =
 * none), else FORGET_E_PARAM naming it. *out (fg_malloc) lists the keys
 * given in either, in table order, each value quoted. */
int fg_params_override(const forget_param_def *defs, size_t n_defs,
                       size_t def_size, const char *owner, const char *base,
                       const char *over, const char *allowed, char **out);

#endif
