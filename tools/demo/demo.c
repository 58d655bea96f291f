/* make demo: libforget's main job in one table. Trains an MLP on
 * Fashion-MNIST (or, without Debian's dataset-fashion-mnist, on generated
 * data), then forgets one whole class and a random 1% of the rows with
 * each method and compares with retraining from scratch: accuracy on the
 * retained rows, the forgotten rows and the test set, the membership
 * inference score, the time, and whether the method is exact.
 *   build/forget-demo [DATA_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <forget/forget.h>

#define CHECK(call)                                                        \
    do {                                                                   \
        int rc_ = (call);                                                  \
        if (rc_ != FORGET_OK) {                                            \
            fprintf(stderr, "demo: %s: %s (%s)\n", #call,                  \
                    forget_strerror(rc_), forget_last_error());            \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *RECIPE = "epochs=3 lr=0.05 momentum=0.9 batch=128 seed=3";
static const char *MLP = "layers=784-128-10 seed=3";

/* Generated stand-in for Fashion-MNIST: 10 classes of 784 features around
 * seeded prototypes with noise, 12000 training and 2000 test rows. */
static forget_dataset *generated(size_t n, uint64_t seed, uint64_t id0)
{
    float *x = malloc(n * 784 * sizeof *x);
    int32_t *y = malloc(n * sizeof *y);
    uint64_t *ids = malloc(n * sizeof *ids), s = seed;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        y[i] = (int32_t)((s >> 33) % 10);
        ids[i] = id0 + i;
        for (size_t j = 0; j < 784; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            float noise = (float)((s >> 40) % 1000) / 1000.0f;
            float proto = ((j * 7 + (size_t)y[i] * 131) % 97) < 30 ? 0.6f : 0;
            x[i * 784 + j] = proto + 0.5f * noise;
        }
    }
    forget_dataset *ds = NULL;
    CHECK(forget_dataset_create(&ds, n, 784, x, y, ids));
    free(x);
    free(y);
    free(ids);
    return ds;
}

static void load(const char *dir, forget_dataset **train,
                 forget_dataset **test, int *real)
{
    char a[512], b[512];
    struct stat st;
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte.gz", dir);
    *real = stat(a, &st) == 0;
    if (!*real) {
        *train = generated(12000, 1, 0);
        *test = generated(2000, 2, 100000);
        return;
    }
    snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte.gz", dir);
    CHECK(forget_dataset_load_idx(train, a, b, NULL));
    snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte.gz", dir);
    CHECK(forget_dataset_load_idx(test, a, b, NULL));
}

typedef struct scene {
    const char *name;
    forget_dataset *D, *F, *R, *test;
} scene;

static void row(const char *method, const char *kind, const forget_model *m,
                const scene *s, double secs)
{
    double r, f, t, mia;
    CHECK(forget_eval_accuracy(m, s->R, &r));
    CHECK(forget_eval_accuracy(m, s->F, &f));
    CHECK(forget_eval_accuracy(m, s->test, &t));
    CHECK(forget_eval_mia(m, s->R, s->test, s->F, &mia));
    printf("  %-26s %-7s %7.3f %7.3f %7.3f %6.3f %8.2f s\n", method, kind, r,
           f, t, mia, secs);
}

static void run(const scene *s, const forget_model *trained)
{
    printf("\n%s: forget %zu of %zu training rows\n", s->name,
           forget_dataset_rows(s->F), forget_dataset_rows(s->D));
    printf("  %-26s %-7s %7s %7s %7s %6s %10s\n", "model", "kind", "retain",
           "forget", "test", "MIA", "time");
    row("original", "", trained, s, 0);
    /* The reference: retraining from scratch without F. */
    forget_model *re = NULL;
    CHECK(forget_model_create(&re, "mlp", MLP));
    double t0 = now();
    CHECK(forget_model_train(re, s->R, RECIPE));
    row("retrain from scratch", "exact", re, s, now() - t0);
    forget_model_free(re);
    /* ssd on a copy of the trained model (prepare once, then forget). */
    forget_model *m = NULL;
    forget_unlearner *u = NULL;
    CHECK(forget_model_clone(&m, trained));
    CHECK(forget_unlearner_create(&u, "ssd", m, "alpha=2"));
    CHECK(forget_unlearner_prepare(u, s->D));
    t0 = now();
    CHECK(forget_unlearner_forget(u, s->F));
    row("ssd (alpha=2)", "approx", m, s, now() - t0);
    forget_unlearner_free(u);
    forget_model_free(m);
    /* analytic: a ridge head on a random ReLU layer of 1024 features. */
    CHECK(forget_model_create(&m, "analytic", "inputs=784 outputs=10 "
                              "features=random width=1024 gamma=1"));
    CHECK(forget_unlearner_create(&u, "analytic", m, ""));
    CHECK(forget_unlearner_prepare(u, s->D));
    t0 = now();
    CHECK(forget_unlearner_forget(u, s->F));
    row("analytic (random 1024)", "exact", m, s, now() - t0);
    forget_unlearner_free(u);
    forget_model_free(m);
    /* sisa: 5 shards x 4 slices of the same MLP. */
    forget_model *tmpl = NULL;
    CHECK(forget_model_create(&tmpl, "mlp", MLP));
    CHECK(forget_unlearner_create(&u, "sisa", tmpl, "shards=5 slices=4 "
                                  "epochs=1 train=\"lr=0.05 batch=128\""));
    CHECK(forget_unlearner_prepare(u, s->D));
    t0 = now();
    CHECK(forget_unlearner_forget(u, s->F));
    row("sisa (5 shards x 4 slices)", "exact", forget_unlearner_model(u), s,
        now() - t0);
    forget_unlearner_free(u);
    forget_model_free(tmpl);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    CHECK(forget_init());
    forget_dataset *train = NULL, *test = NULL;
    int real;
    load(dir, &train, &test, &real);
    printf("libforget %s demo on %s (%zu training rows)\n",
           forget_version_string(),
           real ? "Fashion-MNIST" : "generated data (install "
                                    "dataset-fashion-mnist for the real one)",
           forget_dataset_rows(train));
    const char *blas = forget_blas_info();
    printf("BLAS: %s\n", blas);
    if (!strncmp(blas, "reference", 9))
        printf("note: the reference BLAS is 10-20x slower than OpenBLAS: this "
               "demo will take\nminutes, not seconds. Switch with: "
               "apt-get install libopenblas0 (or update-alternatives\n"
               "--config libblas.so.3-$(dpkg-architecture "
               "-qDEB_HOST_MULTIARCH)).\n");
    forget_model *m = NULL;
    CHECK(forget_model_create(&m, "mlp", MLP));
    double t0 = now();
    CHECK(forget_model_train(m, train, RECIPE));
    printf("trained %s in %.1f s\n", MLP, now() - t0);
    printf("columns: accuracy on the retained rows, the forgotten rows and "
           "the test set;\nMIA = share of forgotten rows a membership attack "
           "still calls members\n(the retrained model's value is the "
           "target); time of the forget step.\n");

    scene cls = {"one whole class (class 0)", train, NULL, NULL, test};
    CHECK(forget_dataset_subset_class(&cls.F, train, 0));
    CHECK(forget_dataset_complement(&cls.R, train, cls.F));
    run(&cls, m);
    /* A random 1%: every 100th id, offset by a seeded choice. */
    size_t n = forget_dataset_rows(train), k = 0;
    uint64_t *ids = malloc(n / 100 * sizeof *ids);
    for (size_t i = 37; i < n && k < n / 100; i += 100)
        ids[k++] = forget_dataset_ids(train)[i];
    scene rnd = {"a random 1% of the rows", train, NULL, NULL, test};
    CHECK(forget_dataset_subset_ids(&rnd.F, train, ids, k));
    CHECK(forget_dataset_complement(&rnd.R, train, rnd.F));
    free(ids);
    run(&rnd, m);

    forget_dataset_free(cls.F);
    forget_dataset_free(cls.R);
    forget_dataset_free(rnd.F);
    forget_dataset_free(rnd.R);
    forget_model_free(m);
    forget_dataset_free(test);
    forget_dataset_free(train);
    CHECK(forget_shutdown());
    return 0;
}
