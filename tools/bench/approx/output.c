/* The tables and the JSON (output.h). */
#include "output.h"

#include <math.h>
#include <string.h>

void ba_json_string(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(o, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(o, "\\u%04x", ch);
        else
            fputc(ch, o);
    }
    fputc('"', o);
}

static void run_label(const ba_run *run, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", run->method, run->params[0] ? " " : "",
             run->params);
}

/* forget, retain, test, class, MIA, loss-AUC and gap cells. */
static void score_cells(FILE *o, const ba_score *s, int has_class, int gap)
{
    fprintf(o, " %.4f | %.4f | %.4f |", s->forget_acc, s->retain_acc,
            s->test_acc);
    if (has_class)
        fprintf(o, " %.4f |", s->class_acc);
    fprintf(o, " %.3f | %.3f |", s->mia, s->loss_auc);
    if (gap)
        fprintf(o, " %.2f |", s->gap);
    else
        fprintf(o, " |");
}

void ba_print_table(FILE *o, const ba_result *r)
{
    const ba_case *c = r->c;
    int has_class = c->test_class != NULL;
    fprintf(o, "\n### %s\n\n", c->spec);
    fprintf(o, "Forget %zu rows, retain %zu; retraining took %.2f s; the "
            "calibrated runs aim at target=%s.",
            forget_dataset_rows(c->forget), forget_dataset_rows(c->retain),
            r->retrain_seconds, r->target);
    if (c->kind == BA_CASE_FLIP)
        fprintf(o, " The original is trained on the poisoned set (its "
                "accuracy on those labels: %.4f); *class %d* is the test "
                "accuracy on the poisoned class.", r->original_train_acc,
                (int)c->cls);
    fprintf(o, "\n\n| model | forget | retain | test |%s MIA | loss-AUC | "
            "gap (points) | time / retrain (all; forget) | calibration | "
            "report |\n",
            has_class ? " class |" : "");
    fprintf(o, "|---|---|---|---|%s---|---|---|---|---|---|\n",
            has_class ? "---|" : "");
    fprintf(o, "| retrained |");
    score_cells(o, &r->retrained, has_class, 1);
    fprintf(o, " 1 | | %.2f s |\n| original |", r->retrain_seconds);
    score_cells(o, &r->original, has_class, 1);
    fprintf(o, " | | |\n");
    for (size_t i = 0; i < r->n_runs; i++) {
        const ba_run *run = &r->runs[i];
        char label[384];
        run_label(run, label, sizeof label);
        if (run->status == BA_SKIPPED)
            continue;
        if (run->status == BA_REFUSED) {
            fprintf(o, "| %s | refused: %s |\n", label, run->note);
            continue;
        }
        fprintf(o, "| %s |", label);
        score_cells(o, &run->score, has_class, 1);
        fprintf(o, " %.3f; %.3f | %s | %s |\n",
                (run->prepare_seconds + run->forget_seconds) /
                    r->retrain_seconds,
                run->forget_seconds / r->retrain_seconds, run->calibration,
                run->report);
    }
    for (size_t i = 0; i < r->n_runs; i++) {
        char label[384];
        run_label(&r->runs[i], label, sizeof label);
        if (r->runs[i].status == BA_SKIPPED)
            fprintf(o, "\n- not run: %s: %s", label, r->runs[i].note);
    }
    fprintf(o, "\n");
}

static void json_score(FILE *o, const ba_score *s)
{
    fprintf(o, "\"forget_acc\":%.6f,\"retain_acc\":%.6f,\"test_acc\":%.6f,"
            "\"mia\":%.6f,\"loss_auc\":%.6f,\"gap\":%.4f", s->forget_acc,
            s->retain_acc, s->test_acc, s->mia, s->loss_auc, s->gap);
    if (!isnan(s->class_acc))
        fprintf(o, ",\"class_acc\":%.6f", s->class_acc);
}

static const char *status_name(int status)
{
    return status == BA_RAN ? "ran" : status == BA_SKIPPED ? "skipped"
                                                          : "refused";
}

void ba_print_json(FILE *o, const ba_result *r, int first)
{
    const ba_case *c = r->c;
    static const char *kinds[] = {"class", "rule", "random", "flip"};
    fprintf(o, "%s{\"spec\":", first ? "" : ",");
    ba_json_string(o, c->spec);
    fprintf(o, ",\"kind\":\"%s\",\"class\":%d,\"forget_rows\":%zu,"
            "\"retain_rows\":%zu,\"target\":",
            kinds[c->kind], (int)c->cls, forget_dataset_rows(c->forget),
            forget_dataset_rows(c->retain));
    ba_json_string(o, r->target);
    fprintf(o, ",\"original_train_acc\":%.6f,\"retrained\":{\"seconds\":%.4f,",
            r->original_train_acc, r->retrain_seconds);
    json_score(o, &r->retrained);
    fprintf(o, "},\"original\":{");
    json_score(o, &r->original);
    fprintf(o, "},\"runs\":[");
    for (size_t i = 0; i < r->n_runs; i++) {
        const ba_run *run = &r->runs[i];
        fprintf(o, "%s{\"method\":", i ? "," : "");
        ba_json_string(o, run->method);
        fprintf(o, ",\"params\":");
        ba_json_string(o, run->params);
        fprintf(o, ",\"status\":\"%s\"", status_name(run->status));
        if (run->status != BA_RAN) {
            fprintf(o, ",\"note\":");
            ba_json_string(o, run->note);
            fprintf(o, "}");
            continue;
        }
        fprintf(o, ",\"prepare_seconds\":%.4f,\"forget_seconds\":%.4f,"
                "\"time_vs_retrain\":%.5f,\"forget_time_vs_retrain\":%.5f,",
                run->prepare_seconds, run->forget_seconds,
                (run->prepare_seconds + run->forget_seconds) /
                    r->retrain_seconds,
                run->forget_seconds / r->retrain_seconds);
        json_score(o, &run->score);
        fprintf(o, ",\"calibration\":");
        ba_json_string(o, run->calibration);
        fprintf(o, ",\"report\":");
        ba_json_string(o, run->report);
        fprintf(o, "}");
    }
    fprintf(o, "]}");
}
