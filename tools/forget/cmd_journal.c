/* forget journal FILE: a deletion journal's records, one line each, for
 * audits (forget_journal_read); --verify checks its hash chain
 * (forget_journal_verify). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

typedef struct show {
    int ids; /* print every id (--ids) */
    size_t requests, done, aborted;
} show;

static int print_record(void *user, int type, uint64_t seq, int64_t time_ns,
                        const char *method, int kind, const uint64_t *ids,
                        size_t n_ids, const unsigned char *digest,
                        int status)
{
    show *s = user;
    static const char *names[] = {"?", "open", "request", "done", "abort"};
    time_t secs = (time_t)(time_ns / 1000000000);
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%4llu %-7s %s", (unsigned long long)seq,
           names[type >= 1 && type <= 4 ? type : 0], when);
    if (type == FORGET_JOURNAL_RECORD_OPEN) {
        printf(" method ");
        cli_puts_safe(stdout, method); /* from the file */
    }
    if (type == FORGET_JOURNAL_RECORD_REQUEST) {
        s->requests++;
        printf(" %s %zu id%s", kind == FORGET_JOURNAL_LEARN ? "learn"
                                                            : "forget",
               n_ids, n_ids == 1 ? "" : "s");
    }
    s->done += type == FORGET_JOURNAL_RECORD_DONE;
    if (type == FORGET_JOURNAL_RECORD_ABORT) {
        s->aborted++;
        printf(" %s", forget_strerror(status));
    }
    if (digest) {
        printf(" %s ", type == FORGET_JOURNAL_RECORD_REQUEST ? "before"
                       : type == FORGET_JOURNAL_RECORD_DONE  ? "after"
                                                             : "model");
        for (int i = 0; i < 8; i++)
            printf("%02x", digest[i]);
    }
    if (s->ids && n_ids) {
        printf(" ids");
        for (size_t i = 0; i < n_ids; i++)
            printf(" %llu", (unsigned long long)ids[i]);
    }
    printf("\n");
    return 0;
}

/* The bytes of a key file (a regular file of FORGET_JOURNAL_KEY_MIN to
 * _MAX bytes, all of them the key). */
static int read_key(const char *path, unsigned char *key, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    const char *why = NULL;
    if (f == NULL)
        why = strerror(errno);
    else if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((*len = fread(key, 1, FORGET_JOURNAL_KEY_MAX + 1, f)) <
                 FORGET_JOURNAL_KEY_MIN ||
             *len > FORGET_JOURNAL_KEY_MAX)
        why = "a key file holds 16 to 1024 bytes (all of them the key)";
    if (f)
        fclose(f);
    if (why) {
        fprintf(stderr, "forget journal: %s: %s\n", path, why);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int verify(const char *file, const char *key_file)
{
    unsigned char key[FORGET_JOURNAL_KEY_MAX + 1];
    size_t key_len = 0;
    if (key_file && read_key(key_file, key, &key_len) != CLI_OK)
        return CLI_FAIL;
    uint64_t records = 0, offset = 0;
    int r = forget_journal_verify(file, key_file ? key : NULL, key_len,
                                  &records, &offset);
    memset(key, 0, sizeof key);
    if (r == FORGET_OK) {
        printf("chain verified: %llu records%s\n",
               (unsigned long long)records, key_file ? " (keyed)" : "");
        return CLI_OK;
    }
    if (r == FORGET_E_FORMAT)
        printf("chain broken: record %llu (byte %llu) is the first bad "
               "record\n", (unsigned long long)records,
               (unsigned long long)offset);
    else if (r == FORGET_E_UNSUPPORTED)
        printf("not verified: a version-1 journal has no chain (%llu "
               "records)\n", (unsigned long long)records);
    return cli_fail("journal", file, r);
}

int cmd_journal(int argc, char **argv)
{
    cli_opt opts[] = {{"--ids", 0, NULL}, {"--verify", 0, NULL},
                      {"--key-file", 1, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    const char *file = NULL;
    int rc = cli_parse("journal", argc, argv, opts, &file, 1);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget journal FILE [--ids]\n"
               "       forget journal --verify [--key-file K] FILE\n"
               "  the records of a deletion journal, in order: number, "
               "type, time (UTC),\n  what was asked, the first 8 bytes of "
               "the model digest; --ids lists the ids\n"
               "  --verify checks the hash chain: exit 0 and \"chain "
               "verified: N records\",\n  else 1 naming the first bad "
               "record; --key-file: the key of a keyed\n  journal (the "
               "file's bytes, 16 to 1024)\n");
        return CLI_OK;
    }
    if (file == NULL)
        return cli_usage("journal", "%s", "a journal file is required");
    if (cli_get(opts, "--key-file") && !cli_get(opts, "--verify"))
        return cli_usage("journal", "%s", "--key-file goes with --verify");
    if (cli_get(opts, "--verify"))
        return verify(file, cli_get(opts, "--key-file"));
    show s = {cli_get(opts, "--ids") != NULL, 0, 0, 0};
    int r = forget_journal_read(file, print_record, &s);
    if (r != FORGET_OK)
        return cli_fail("journal", file, r);
    printf("%zu requests: %zu ended done (repeats included), %zu aborted\n",
           s.requests, s.done, s.aborted);
    return CLI_OK;
}
