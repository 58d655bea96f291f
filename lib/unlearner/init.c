/* forget_init/forget_shutdown: a reference count around the method
 * registry (the built-in methods are registered by the first init). */
#include <pthread.h>

#include "forget/forget.h"
#include "unlearner/registry.h"
#include "util/error.h"
#include "util/runtime.h"

static pthread_mutex_t fg_init_lock = PTHREAD_MUTEX_INITIALIZER;
static int fg_init_count; /* guarded by fg_init_lock */

int forget_init(void)
{
    int rc = FORGET_OK;
    pthread_mutex_lock(&fg_init_lock);
    if (fg_init_count == 0) {
        rc = fg_registry_open();
        if (rc == FORGET_OK)
            fg_runtime_mark_initialized(1);
    }
    if (rc == FORGET_OK)
        fg_init_count++;
    pthread_mutex_unlock(&fg_init_lock);
    return rc;
}

int forget_shutdown(void)
{
    int rc = FORGET_OK;
    pthread_mutex_lock(&fg_init_lock);
    if (fg_init_count == 0) {
        rc = fg_error(FORGET_E_STATE,
                      "forget_shutdown: called without a matching forget_init");
    } else if (fg_init_count == 1 && fg_objects_alive() > 0) {
        rc = fg_error(FORGET_E_STATE,
                      "forget_shutdown: %zu objects are still alive; free "
                      "them before the last shutdown",
                      fg_objects_alive());
    } else if (--fg_init_count == 0) {
        fg_runtime_mark_initialized(0);
        fg_registry_close();
    }
    pthread_mutex_unlock(&fg_init_lock);
    return rc;
}
