/* forget journal FILE: a deletion journal's records, one line each, for
 * audits (forget_journal_read). */
#include <stdio.h>
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
    if (type == FORGET_JOURNAL_RECORD_OPEN)
        printf(" method %s", method);
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

int cmd_journal(int argc, char **argv)
{
    cli_opt opts[] = {{"--ids", 0, NULL}, {"--help", 0, NULL},
                      {NULL, 0, NULL}};
    const char *file = NULL;
    int rc = cli_parse("journal", argc, argv, opts, &file, 1);
    if (rc != CLI_OK)
        return rc;
    if (cli_get(opts, "--help")) {
        printf("usage: forget journal FILE [--ids]\n"
               "  the records of a deletion journal, in order: number, "
               "type, time (UTC),\n  what was asked, the first 8 bytes of "
               "the model digest; --ids lists the ids\n");
        return CLI_OK;
    }
    if (file == NULL)
        return cli_usage("journal", "%s", "a journal file is required");
    show s = {cli_get(opts, "--ids") != NULL, 0, 0, 0};
    int r = forget_journal_read(file, print_record, &s);
    if (r != FORGET_OK)
        return cli_fail("journal", file, r);
    printf("%zu requests: %zu ended done (repeats included), %zu aborted\n",
           s.requests, s.done, s.aborted);
    return CLI_OK;
}
