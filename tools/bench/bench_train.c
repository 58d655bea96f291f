/* libforget training benchmark: Fashion-MNIST, the recipe of
 * tools/bench/torch_mlp.py, and the sgemm peak of this machine measured in
 * the same run. The images are kept as bytes (storage=bytes, a quarter of
 * the memory) unless --storage floats. Prints one JSON line.
 *   build/bench/bench_train [--data DIR] [--epochs N] [--layers L]
 *                           [--storage bytes|floats] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <forget/forget.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_train: %s: %s (%s)\n", what, forget_strerror(rc),
            forget_last_error());
    exit(1);
}

/* Best GFLOP/s of C(m x n) = A(m x k) B(k x n)^T over a few repetitions. */
static double sgemm_gflops(int m, int n, int k)
{
    float *a = calloc((size_t)m * k, 4), *b = calloc((size_t)n * k, 4);
    float *c = calloc((size_t)m * n, 4);
    for (size_t i = 0; i < (size_t)m * k; i++)
        a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)n * k; i++)
        b[i] = (float)(i % 5) * 0.1f;
    double best = 0.0, flops = 2.0 * m * n * k;
    int reps = (int)(2e10 / flops) + 3;
    for (int r = 0; r < reps; r++) {
        double t = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a,
                    k, b, k, 0.0f, c, n);
        t = now() - t;
        if (flops / t / 1e9 > best)
            best = flops / t / 1e9;
    }
    free(a);
    free(b);
    free(c);
    return best;
}

int main(int argc, char **argv)
{
    const char *dir = "/usr/share/datasets/fashion-mnist";
    const char *layers = "784-256-128-10";
    const char *storage = "bytes";
    int epochs = 5, lanes = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--data"))
            dir = argv[i + 1];
        else if (!strcmp(argv[i], "--epochs"))
            epochs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--layers"))
            layers = argv[i + 1];
        else if (!strcmp(argv[i], "--storage"))
            storage = argv[i + 1];
        else if (!strcmp(argv[i], "--lanes"))
            lanes = atoi(argv[i + 1]);
    }
    char load_params[64];
    snprintf(load_params, sizeof load_params, "storage=%s", storage);
    char a[512], b[512];
    int rc = forget_init();
    if (rc)
        die("init", rc);
    forget_dataset *train = NULL, *test = NULL;
    double t0 = now();
    snprintf(a, sizeof a, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/train-labels-idx1-ubyte.gz", dir);
    if ((rc = forget_dataset_load_idx(&train, a, b, load_params)))
        die("load train", rc);
    snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte.gz", dir);
    if ((rc = forget_dataset_load_idx(&test, a, b, load_params)))
        die("load test", rc);
    double load = now() - t0;

    forget_model *m = NULL;
    char params[256], recipe[256];
    snprintf(params, sizeof params, "layers=%s act=relu seed=7", layers);
    snprintf(recipe, sizeof recipe, "optimizer=sgd lr=0.05 momentum=0.9 "
             "batch=128 epochs=%d seed=7 lanes=%d", epochs, lanes);
    if ((rc = forget_model_create(&m, "mlp", params)))
        die("create", rc);
    t0 = now();
    if ((rc = forget_model_train(m, train, recipe)))
        die("train", rc);
    double secs = now() - t0;
    double test_acc, train_acc, final_loss = 0;
    if ((rc = forget_eval_accuracy(m, test, &test_acc)) ||
        (rc = forget_eval_accuracy(m, train, &train_acc)))
        die("eval", rc);
    forget_report_get(forget_model_train_report(m), "final_loss", &final_loss);

    /* FLOPs per row: forward and weight gradients of every layer (2 each
     * of 2 * in * out), input gradients of all but the first layer. */
    size_t blocks = forget_model_block_count(m);
    double per_row = 0.0, first = 0.0;
    for (size_t i = 0; i < blocks; i += 2) {
        size_t size;
        forget_model_block(m, i, NULL, NULL, &size);
        per_row += 6.0 * (double)size;
        if (i == 0)
            first = 2.0 * (double)size;
    }
    per_row -= first;
    double rows = (double)forget_dataset_rows(train) * epochs;
    double achieved = per_row * rows / secs / 1e9;
    /* the peak of loading, training and evaluating (before the sgemm
     * calibration below allocates its own 48 MB) */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double peak_step = sgemm_gflops(128, 256, 784);
    double peak_big = sgemm_gflops(2048, 2048, 2048);
    const char *bt = getenv("OPENBLAS_NUM_THREADS");
    printf("{\"framework\":\"libforget\",\"version\":\"%s\","
           "\"storage\":\"%s\","
           "\"openblas_threads\":%s%s%s,\"epochs\":%d,\"batch\":128,"
           "\"train_rows\":%zu,\"load_seconds\":%.3f,\"train_seconds\":%.3f,"
           "\"samples_per_second\":%.0f,\"test_accuracy\":%.4f,"
           "\"train_accuracy\":%.4f,\"final_loss\":%.4f,"
           "\"gflops_achieved\":%.1f,\"sgemm_gflops_128x256x784\":%.1f,"
           "\"sgemm_gflops_2048\":%.1f,\"peak_rss_mib\":%.1f}\n",
           forget_version_string(), storage, bt ? "\"" : "",
           bt ? bt : "null",
           bt ? "\"" : "", epochs, forget_dataset_rows(train), load, secs,
           rows / secs, test_acc, train_acc, final_loss, achieved, peak_step,
           peak_big, ru.ru_maxrss / 1024.0);
    forget_model_free(m);
    forget_dataset_free(test);
    forget_dataset_free(train);
    forget_shutdown();
    return 0;
}
