/* Deletion journals (a file) opened against a prepared analytic unlearner
 * (keep_rows=true, tests/fuzz/setup.h): recovery may finish requests by
 * id or leave them pending; inputs of odd length are opened with
 * FORGET_JOURNAL_REPAIR, and those whose length is 6 or 7 modulo 8 with a
 * journal key (the HMAC chain; under fuzzing builds tags always match,
 * like checksums). Set FUZZ_VERBOSE to print each open's status. */
#include "fuzz.h"
#include "setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static void *model, *state;
    static size_t model_len, state_len;
    fuzz_init();
    if (model == NULL) {
        forget_dataset *train = fuzz_train_rows();
        forget_model *m = NULL;
        forget_unlearner *u = NULL;
        if (!train || fuzz_journal_unlearner(&m, &u, train) != FORGET_OK ||
            forget_model_save_buffer(m, NULL, 0, &model_len) != FORGET_OK ||
            forget_unlearner_save_buffer(u, NULL, 0, &state_len) != FORGET_OK)
            abort();
        model = malloc(model_len);
        state = malloc(state_len);
        if (!model || !state ||
            forget_model_save_buffer(m, model, model_len, &model_len) ||
            forget_unlearner_save_buffer(u, state, state_len, &state_len))
            abort();
        forget_unlearner_free(u);
        forget_model_free(m);
        forget_dataset_free(train);
    }
    const char *path = fuzz_file("journal", data, size);
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    if (forget_model_load_buffer(&m, model, model_len) != FORGET_OK ||
        forget_unlearner_load_buffer(&u, m, state, state_len) != FORGET_OK)
        abort();
    static const unsigned char key[16] = "fuzz journal key";
    if ((size & 6) == 6 &&
        forget_unlearner_set_journal_key(u, key, sizeof key) != FORGET_OK)
        abort();
    int rc = forget_unlearner_open_journal(u, path, (size & 1) ? 1u : 0u);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "open_journal: %d %s\n", rc, forget_last_error());
    if (rc == FORGET_OK) {
        int f, kind;
        const uint64_t *ids;
        size_t n;
        for (uint64_t id = 0; id < 26; id++)
            if (forget_unlearner_is_forgotten(u, id, &f) != FORGET_OK)
                abort();
        if (forget_unlearner_journal_pending(u, &kind, &ids, &n) != FORGET_OK)
            abort();
        uint64_t one = 5;
        forget_unlearner_forget_ids(u, &one, 1); /* may be refused */
    }
    forget_unlearner_free(u);
    forget_model_free(m);
    return 0;
}
