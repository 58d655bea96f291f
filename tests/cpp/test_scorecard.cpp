/* forget::eval::scorecard: the C scorecard, its figures equal to the
 * other eval functions', NaN for the models not given, a host model's
 * exception rethrown whichever role it plays. */
#include <cmath>

#include "support.hpp"

namespace {

struct Oops {};

struct ClassCase {
    forget::Dataset train, forget_set, retain, test;
    explicit ClassCase(int32_t c)
        : train(fct::blobs(300, 4, 3, 30 + (uint64_t)c)),
          forget_set(train.subset_class(c)),
          retain(train.complement(forget_set)),
          test(fct::blobs(150, 4, 3, 60 + (uint64_t)c, 10000))
    {
    }
};

forget::Model mlp_on(const forget::Dataset &data)
{
    forget::Model m = forget::Model::create("mlp", "layers=4-8-3 seed=4");
    m.train(data, "epochs=15 batch=16");
    return m;
}

} // namespace

TEST(scorecard_figures_gaps_and_missing_models)
{
    for (int32_t c = 0; c < 3; c++) {
        ClassCase k(c);
        forget::Model orig = mlp_on(k.train), ref = mlp_on(k.retain);
        forget::eval::Scorecard sc = forget::eval::scorecard(
            orig, k.forget_set, k.retain, k.test, &orig, &ref);
        CHECK(sc.struct_size == sizeof sc);
        CHECK(sc.forget_acc == forget::eval::accuracy(orig, k.forget_set));
        CHECK(sc.retain_acc == forget::eval::accuracy(orig, k.retain));
        CHECK(sc.ref_test_acc == forget::eval::accuracy(ref, k.test));
        CHECK(sc.mia == forget::eval::mia(orig, k.retain, k.test, k.forget_set));
        CHECK(sc.ref_loss_auc == forget::eval::loss_auc(ref, k.forget_set, k.test));
        CHECK(sc.orig_forget_acc == sc.forget_acc);
        CHECK_NEAR(sc.gap_forget_acc, 100 * std::fabs(sc.forget_acc - sc.ref_forget_acc), 1e-12);
        CHECK_NEAR(sc.avg_gap, (sc.gap_forget_acc + sc.gap_retain_acc + sc.gap_test_acc +
                                sc.gap_mia) / 4, 1e-12);
        CHECK(sc.gap_forget_acc > 80); /* forgot nothing: far from retraining */
        forget::eval::Scorecard alone =
            forget::eval::scorecard(orig, k.forget_set, k.retain, k.test);
        CHECK(alone.forget_acc == sc.forget_acc && alone.loss_auc == sc.loss_auc);
        CHECK(std::isnan(alone.ref_mia) && std::isnan(alone.orig_test_acc));
        CHECK(std::isnan(alone.gap_loss_auc) && std::isnan(alone.avg_gap));
        forget::eval::Scorecard self =
            forget::eval::scorecard(ref, k.forget_set, k.retain, k.test, nullptr, &ref);
        CHECK(self.avg_gap == 0 && self.gap_loss_auc == 0);
    }
}

TEST(scorecard_refusals_throw)
{
    ClassCase k(0);
    forget::Model m = mlp_on(k.train);
    forget::Model wide = forget::Model::create("mlp", "layers=5-8-3");
    CHECK_ERROR(forget::eval::scorecard(m, k.forget_set, k.retain, k.test, &wide),
                FORGET_E_INVALID, "original takes 5 inputs");
    forget::Dataset empty = k.test.slice(0, 0);
    CHECK_ERROR(forget::eval::scorecard(m, k.forget_set, k.retain, empty),
                FORGET_E_INVALID, "the test set is empty");
    forget::Model moved = std::move(m);
    CHECK_THROWS(forget::eval::scorecard(m, k.forget_set, k.retain, k.test),
                 FORGET_E_STATE);
}

TEST(scorecard_rethrows_a_host_models_exception)
{
    ClassCase k(1);
    forget::Model m = mlp_on(k.train);
    bool fail = false;
    auto impl = std::make_shared<fct::LogisticHost>(4, 3);
    forget::Model host = forget::host_model(
        {FORGET_TASK_CLASSIFICATION, 4, 3}, std::vector<float>(15, 0.0f),
        [&](const float *p, const float *x, size_t n, float *out) {
            if (fail)
                throw Oops();
            impl->forward(p, x, n, out);
        },
        [&](const float *p, const float *x, const float *dout, size_t n, float *g) {
            impl->backward(p, x, dout, n, g);
        });
    host.train(k.retain, "epochs=5");
    forget::eval::Scorecard sc =
        forget::eval::scorecard(m, k.forget_set, k.retain, k.test, nullptr, &host);
    CHECK(sc.ref_forget_acc == forget::eval::accuracy(host, k.forget_set));
    fail = true;
    bool caught = false;
    try {
        forget::eval::scorecard(m, k.forget_set, k.retain, k.test, nullptr, &host);
    } catch (const Oops &) {
        caught = true;
    }
    CHECK(caught);
}
