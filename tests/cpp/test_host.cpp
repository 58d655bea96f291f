/* Host models from C++ (callables or the HostModel interface) against the
 * native model they compute: the same predictions, training and ssd
 * result; and callback exceptions that come back unchanged. */
#include "support.hpp"

#include <atomic>
#include <memory>

namespace {

/* The lambdas version of fct::LogisticHost. */
forget::Model lambda_logistic(size_t d, size_t k, const std::vector<float> &init,
                              std::shared_ptr<fct::LogisticHost> impl)
{
    return forget::host_model(
        {FORGET_TASK_CLASSIFICATION, d, k}, init,
        [impl](const float *p, const float *x, size_t n, float *out) {
            impl->forward(p, x, n, out);
        },
        [impl](const float *p, const float *x, const float *dout, size_t n,
               float *g) { impl->backward(p, x, dout, n, g); });
}

struct Oops {};

} // namespace

TEST(host_callables_and_interface_match_the_native_model)
{
    const size_t shapes[][2] = {{2, 2}, {4, 3}, {7, 5}};
    double dampened = 0;
    for (const auto &s : shapes) {
        size_t d = s[0], k = s[1];
        forget::Dataset train = fct::blobs(400, d, (int32_t)k, 10 + d, 0);
        forget::Dataset test = fct::blobs(200, d, (int32_t)k, 20 + d, 5000);
        forget::Params shape{{"inputs", d}, {"outputs", k}, {"seed", 5}};
        forget::Model native = forget::Model::create("linear", shape);
        std::vector<float> init = native.get_params();
        auto impl = std::make_shared<fct::LogisticHost>(d, k);
        forget::Model byfn = lambda_logistic(d, k, init, impl);
        forget::Model byif = forget::host_model({FORGET_TASK_CLASSIFICATION, d, k},
                                                init, std::make_shared<fct::LogisticHost>(d, k));
        CHECK(byfn.kind() == "host" && byfn.param_count() == init.size());
        CHECK(fct::same(byfn.predict(test), native.predict(test), 1e-6));
        const char *recipe = "epochs=3 batch=32 lr=0.1 seed=9";
        native.train(train, recipe);
        byfn.train(train, recipe);
        byif.train(train, recipe);
        CHECK(impl->backward_calls >= 3 * (400 / 32));
        CHECK(fct::same(byfn.get_params(), native.get_params(), 1e-4));
        CHECK(byfn.get_params() == byif.get_params());
        CHECK(forget::eval::accuracy(byfn, test) == forget::eval::accuracy(native, test));
        CHECK(forget::eval::accuracy(native, test) > 0.9);
        CHECK(fct::same(byfn.predict(test), native.predict(test), 1e-4));
        /* ssd on both dampens the same parameters to the same values. */
        forget::Unlearner un = forget::Unlearner::create("ssd", native);
        forget::Unlearner uh = forget::Unlearner::create("ssd", byfn);
        un.prepare(train);
        uh.prepare(train);
        forget::Dataset rows = train.subset_class(1);
        un.forget(rows);
        uh.forget(rows);
        CHECK(fct::same(byfn.get_params(), native.get_params(), 1e-4));
        CHECK(un.report().get("dampened") == uh.report().get("dampened"));
        dampened += un.report().get("dampened");
        CHECK_THROWS(byfn.save_buffer(), FORGET_E_UNSUPPORTED);
        CHECK_THROWS(byfn.release(), FORGET_E_STATE);
    }
    CHECK(dampened > 0); /* the comparison compared something */
}

TEST(host_exceptions_come_back_and_change_nothing)
{
    forget::Dataset train = fct::blobs(100, 3, 2, 1);
    bool fail_forward = false, fail_backward = false;
    auto impl = std::make_shared<fct::LogisticHost>(3, 2);
    forget::Model m = forget::host_model(
        {FORGET_TASK_CLASSIFICATION, 3, 2}, std::vector<float>(8, 0.0f),
        [&](const float *p, const float *x, size_t n, float *out) {
            if (fail_forward)
                throw Oops();
            impl->forward(p, x, n, out);
        },
        [&](const float *p, const float *x, const float *dout, size_t n, float *g) {
            if (fail_backward)
                throw forget::Error(FORGET_E_NUMERIC, "backward says no");
            impl->backward(p, x, dout, n, g);
        });
    forget::Digest before = m.digest();
    fail_forward = true;
    bool caught = false;
    try {
        m.predict(train);
    } catch (const Oops &) {
        caught = true;
    }
    CHECK(caught);
    caught = false;
    try {
        forget::eval::loss(m, train);
    } catch (const Oops &) {
        caught = true;
    }
    CHECK(caught);
    fail_forward = false;
    fail_backward = true;
    try {
        m.train(train, "epochs=1");
        fct::fail(__FILE__, __LINE__, "no exception");
    } catch (const forget::Error &e) {
        CHECK(e.code() == FORGET_E_NUMERIC);
        CHECK(e.message() == "backward says no");
    }
    CHECK(m.digest() == before);
    fail_backward = false;
    m.train(train, "epochs=1");
    CHECK(m.digest() != before);
    CHECK_THROWS(forget::host_model({FORGET_TASK_CLASSIFICATION, 3, 2},
                                    std::vector<float>(), impl),
                 FORGET_E_INVALID);
    CHECK_THROWS(forget::host_model({FORGET_TASK_CLASSIFICATION, 3, 2},
                                    std::vector<float>(8, 0.0f), forget::HostForward(),
                                    forget::HostBackward()),
                 FORGET_E_INVALID);
}

/* sisa trains shards on threads of its own: callbacks run there one at a
 * time, and an exception thrown on such a thread still comes back. */
TEST(host_callbacks_on_worker_threads)
{
    forget::Dataset train = fct::blobs(400, 3, 2, 2);
    auto impl = std::make_shared<fct::LogisticHost>(3, 2);
    std::atomic<int> inside(0), most(0), calls(0);
    std::atomic<int> throw_at(-1);
    forget::Model m = forget::host_model(
        {FORGET_TASK_CLASSIFICATION, 3, 2}, std::vector<float>(8, 0.01f),
        [&](const float *p, const float *x, size_t n, float *out) {
            impl->forward(p, x, n, out);
        },
        [&](const float *p, const float *x, const float *dout, size_t n, float *g) {
            int now = ++inside;
            if (now > most)
                most = now;
            int c = calls++;
            if (c == throw_at) {
                --inside;
                throw Oops();
            }
            impl->backward(p, x, dout, n, g);
            --inside;
        });
    forget::Params sisa{{"shards", 4}, {"slices", 2}, {"threads", 2},
                        {"train", "batch=16"}};
    forget::Unlearner u = forget::Unlearner::create("sisa", m, sisa);
    throw_at = 30;
    bool caught = false;
    try {
        u.prepare(train);
    } catch (const Oops &) {
        caught = true;
    }
    CHECK(caught);
    CHECK(!u.is_prepared());
    throw_at = -1;
    u.prepare(train);
    CHECK(u.is_prepared());
    CHECK(most == 1);
    CHECK(calls > 30);
}
