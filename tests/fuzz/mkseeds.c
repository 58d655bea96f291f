/* Writes the seed corpora of the fuzz harnesses into DIR/<harness>/ (run
 * by `make fuzz-seeds`; the output is committed under tests/fuzz/corpus). */
#include <forget/forget.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "setup.h"

static const char *dir;

static void put(const char *sub, const char *name, const void *b, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, sub);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(p, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "mkseeds: cannot write %s\n", p);
        exit(1);
    }
}

static void check(int rc)
{
    if (rc != FORGET_OK) {
        fprintf(stderr, "mkseeds: %s\n", forget_last_error());
        exit(1);
    }
}

static void put_model(const char *name, const forget_model *m)
{
    size_t n = 0;
    check(forget_model_save_buffer(m, NULL, 0, &n));
    void *b = malloc(n);
    check(forget_model_save_buffer(m, b, n, &n));
    put("model_load", name, b, n);
    free(b);
}

static void put_state_as(const char *name, const char *method,
                         forget_model *m, const forget_dataset *train,
                         const char *params)
{
    forget_unlearner *u;
    size_t n = 0;
    check(forget_unlearner_create(&u, method, m, params));
    check(forget_unlearner_prepare(u, train));
    uint64_t id = 3;
    forget_dataset *one;
    check(forget_dataset_subset_ids(&one, train, &id, 1));
    check(forget_unlearner_forget(u, one));
    forget_dataset_free(one);
    check(forget_unlearner_save_buffer(u, NULL, 0, &n));
    void *b = malloc(n);
    check(forget_unlearner_save_buffer(u, b, n, &n));
    put("state_load", name, b, n);
    free(b);
    forget_unlearner_free(u);
}

static void put_state(const char *method, forget_model *m,
                      const forget_dataset *train, const char *params)
{
    put_state_as(method, method, m, train, params);
}

static void put_be32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

/* The rows of fuzz_train_rows as 2x2 byte images (IDX files in dir,
 * removed after), loaded with storage=bytes: a sisa state of bytes. */
static forget_dataset *byte_rows(void)
{
    char img[512], lab[512];
    snprintf(img, sizeof img, "%s/tmp-images.idx", dir);
    snprintf(lab, sizeof lab, "%s/tmp-labels.idx", dir);
    FILE *fi = fopen(img, "wb"), *fl = fopen(lab, "wb");
    if (!fi || !fl) {
        fprintf(stderr, "mkseeds: cannot write %s\n", img);
        exit(1);
    }
    put_be32(fi, 0x803);
    put_be32(fi, 24);
    put_be32(fi, 2);
    put_be32(fi, 2);
    put_be32(fl, 0x801);
    put_be32(fl, 24);
    for (int i = 0; i < 24; i++) {
        unsigned char label = (unsigned char)(i % 3), px[4];
        for (int j = 0; j < 4; j++)
            px[j] = (unsigned char)(((i * 7 + j * 3) % 11) * 20 + label * 30);
        fwrite(px, 1, 4, fi);
        fwrite(&label, 1, 1, fl);
    }
    if (fclose(fi) != 0 || fclose(fl) != 0)
        exit(1);
    forget_dataset *ds = NULL;
    check(forget_dataset_load_idx(&ds, img, lab, "storage=bytes"));
    remove(img);
    remove(lab);
    return ds;
}

static void put_file(const char *sub, const char *name, const char *from,
                     size_t keep)
{
    FILE *f = fopen(from, "rb");
    static unsigned char b[1 << 16];
    size_t n = f ? fread(b, 1, sizeof b, f) : 0;
    if (f)
        fclose(f);
    put(sub, name, b, keep < n ? keep : n);
}

/* Journals for the journal harness's unlearner: requests by id, by rows,
 * a learn, a refused one; and the same cut inside a record. Format
 * version 2 (the committed requests, cut and header are version 1, from
 * before the chain: kept, since version 1 is still read). */
static void put_journals(const forget_dataset *train)
{
    char path[512];
    snprintf(path, sizeof path, "%s/journal-seed.tmp", dir);
    remove(path);
    forget_model *m;
    forget_unlearner *u;
    check(fuzz_journal_unlearner(&m, &u, train));
    check(forget_unlearner_open_journal(u, path, 0));
    uint64_t a[2] = {1, 2}, b = 3, bad = 999;
    check(forget_unlearner_forget_ids(u, a, 2));
    forget_dataset *rows;
    check(forget_dataset_subset_ids(&rows, train, &b, 1));
    check(forget_unlearner_forget(u, rows));
    check(forget_unlearner_learn(u, rows));
    forget_dataset_free(rows);
    if (forget_unlearner_forget_ids(u, &bad, 1) != FORGET_E_NOT_FOUND)
        check(FORGET_E_INTERNAL);
    forget_unlearner_free(u);
    forget_model_free(m);
    put_file("journal", "requests-v2", path, (size_t)-1);
    put_file("journal", "cut-v2", path, 251); /* odd: repaired */
    put_file("journal", "header-v2", path, 16);
    remove(path);
}

static void put_export(const char *name, const forget_model *m,
                       const char *params)
{
    size_t n = 0;
    check(forget_model_export_buffer(m, NULL, 0, &n, params));
    void *b = malloc(n);
    check(forget_model_export_buffer(m, b, n, &n, params));
    put("import", name, b, n);
    free(b);
}

/* safetensors seeds: exports in both name styles, and one written by
 * hand with every dtype read (F16, BF16, F64, F32), sorted keys and no
 * libforget metadata, as PyTorch's writer lays a 2-2-1 network out. */
static void put_imports(const forget_model *mlp)
{
    forget_model *lin;
    check(forget_model_create(&lin, "linear", "inputs=3 outputs=2 "
                              "task=regression"));
    put_export("mlp", mlp, "");
    put_export("linear-torch", lin, "names=torch");
    forget_model_free(lin);
    static const char head[] =
        "{\"__metadata__\":{\"format\":\"pt\"},"
        "\"0.bias\":{\"dtype\":\"F16\",\"shape\":[2],"
        "\"data_offsets\":[0,4]},"
        "\"0.weight\":{\"dtype\":\"BF16\",\"shape\":[2,2],"
        "\"data_offsets\":[4,12]},"
        "\"2.bias\":{\"dtype\":\"F64\",\"shape\":[1],"
        "\"data_offsets\":[12,20]},"
        "\"2.weight\":{\"dtype\":\"F32\",\"shape\":[1,2],"
        "\"data_offsets\":[20,28]}}";
    static const unsigned char data[28] = {
        0x00, 0x3c, 0x00, 0xbc,                         /* F16 1, -1 */
        0x80, 0x3f, 0x00, 0x40, 0x40, 0x40, 0x80, 0xbf, /* BF16 1 2 3 -1 */
        0, 0, 0, 0, 0, 0, 0xe0, 0x3f,                   /* F64 0.5 */
        0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0};               /* F32 1, -2 */
    size_t n = sizeof head - 1, pad = (8 - n % 8) % 8;
    unsigned char b[512];
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((n + pad) >> (8 * k));
    memcpy(b + 8, head, n);
    memset(b + 8 + n, ' ', pad);
    memcpy(b + 8 + n + pad, data, sizeof data);
    put("import", "dtypes", b, 8 + n + pad + sizeof data);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    dir = argv[1];
    mkdir(dir, 0755);
    check(forget_init());
    forget_dataset *train = fuzz_train_rows();
    if (train == NULL)
        check(FORGET_E_NOMEM);
    forget_model *mlp, *lin;
    check(forget_model_create(&mlp, "mlp", "layers=4-5-3"));
    check(forget_model_train(mlp, train, "epochs=2 seed=1"));
    put_model("mlp", mlp);
    check(forget_model_create(&lin, "analytic", "inputs=4 outputs=3"));
    put_state("analytic", lin, train, "");
    put_model("analytic", lin);
    put_state("ssd", mlp, train, "");
    put_state("sisa", mlp, train, "shards=2 epochs=1");
    forget_dataset *bytes = byte_rows();
    put_state_as("sisa-bytes", "sisa", mlp, bytes, "shards=2 epochs=1");
    forget_dataset_free(bytes);

    /* IDX: cut byte, then images (3 rows of 2x2 bytes), then labels. */
    static const uint8_t idx[] = {
        /* 28 bytes of images of 39: cut = 39 * 184 / 255 = 28 */
        184, 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2,
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
        0, 0, 8, 1, 0, 0, 0, 3, 0, 1, 2};
    put("idx", "tiny", idx, sizeof idx);
    static const char csv1[] = "1,0.5,2,0\n2,1.5,1,1\n3,2.5,0,2\n";
    static const char csv2[] = "id;a;b;y\n7;1e-3;-2;0.25\n9;3;4;1.5\n";
    put("csv", "plain", csv1, sizeof csv1 - 1);
    put("csv", "header", csv2, sizeof csv2 - 1);
    static const char p1[] = "need=1 count=7 alpha=2.5e-3 flag=yes mode=batch";
    static const char p2[] = "need=-4,name='a b c',flag=off";
    put("params", "all", p1, sizeof p1 - 1);
    put("params", "quoted", p2, sizeof p2 - 1);
    put_journals(train);
    put_imports(mlp);
    forget_model_free(mlp);
    forget_model_free(lin);
    forget_dataset_free(train);
    forget_shutdown();
    return 0;
}
