/* The method registry: built-ins plus the hosts' tables. */
#ifndef FG_UNLEARNER_REGISTRY_H
#define FG_UNLEARNER_REGISTRY_H

#include "forget/backend.h"

/* Called by forget_init/forget_shutdown under the init lock. */
int fg_registry_open(void);
void fg_registry_close(void);

/* The registered table of that name (normalised to the current layout),
 * or NULL with FORGET_E_NOT_FOUND set, naming the known methods. */
const forget_method *fg_registry_find(const char *name);

#endif
