/* libforget quickstart: make a dataset, split off the rows a user asked to
 * delete, list the registered unlearning methods, and handle an error.
 * Build: cc quickstart.c $(pkg-config --cflags --libs forget) */
#include <stdio.h>
#include <stdlib.h>

#include <forget/forget.h>

#define CHECK(call)                                                        \
    do {                                                                   \
        int rc_ = (call);                                                  \
        if (rc_ != FORGET_OK) {                                            \
            fprintf(stderr, "%s failed: %s (%s)\n", #call,                 \
                    forget_strerror(rc_), forget_last_error());            \
            return EXIT_FAILURE;                                           \
        }                                                                  \
    } while (0)

int main(void)
{
    if (forget_version_number() / 10000 != FORGET_VERSION_MAJOR) {
        fprintf(stderr, "header %s but library %s\n", FORGET_VERSION_STRING,
                forget_version_string());
        return EXIT_FAILURE;
    }
    CHECK(forget_init());

    /* Six users' rows: two features, a class label, and the user's id. */
    const float x[12] = {0.1f, 1.0f, 0.2f, 0.9f, 0.8f, 0.1f,
                         0.9f, 0.2f, 0.5f, 0.5f, 0.4f, 0.6f};
    const int32_t labels[6] = {0, 0, 1, 1, 0, 1};
    const uint64_t ids[6] = {1001, 1002, 1003, 1004, 1005, 1006};
    forget_dataset *train = NULL, *erase = NULL, *keep = NULL;
    CHECK(forget_dataset_create(&train, 6, 2, x, labels, ids));

    /* Users 1002 and 1005 exercise their right to erasure. */
    const uint64_t request[2] = {1005, 1002};
    CHECK(forget_dataset_subset_ids(&erase, train, request, 2));
    CHECK(forget_dataset_complement(&keep, train, erase));
    printf("training rows %zu, to forget %zu, retained %zu\n",
           forget_dataset_rows(train), forget_dataset_rows(erase),
           forget_dataset_rows(keep));

    printf("registered methods: %zu\n", forget_method_count());
    for (size_t i = 0; i < forget_method_count(); i++)
        printf("  %s\n", forget_method_name(i));

    /* Errors come back as codes with a message for this thread. */
    const uint64_t unknown = 4242;
    forget_dataset *none = NULL;
    int rc = forget_dataset_subset_ids(&none, train, &unknown, 1);
    printf("asking for id 4242: %s: %s\n", forget_strerror(rc),
           forget_last_error());

    forget_dataset_free(keep);
    forget_dataset_free(erase);
    forget_dataset_free(train);
    CHECK(forget_shutdown());
    return rc == FORGET_E_NOT_FOUND ? EXIT_SUCCESS : EXIT_FAILURE;
}
