/* Progress callbacks: fractions, cancel, and exceptions that never cross
 * into C: the call is canceled, nothing changes, and the exception comes
 * back unchanged once C has returned. */
#include "support.hpp"

namespace {

struct Boom { /* not a std::exception: any type comes back */
    int value;
};

} // namespace

TEST(progress_reports_fractions_in_order)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 1);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3");
    std::vector<double> seen;
    std::string stage;
    m.set_progress([&](double f, const char *s) {
        seen.push_back(f);
        stage = s;
        return false;
    });
    m.train(train, "epochs=3 batch=32");
    CHECK(seen.size() > 3);
    CHECK(stage == "train");
    for (size_t i = 0; i < seen.size(); i++) {
        CHECK(seen[i] >= 0.0 && seen[i] <= 1.0);
        CHECK(i == 0 || seen[i] >= seen[i - 1]);
    }
    CHECK(seen.back() == 1.0);
    CHECK(m.train_report().get("steps") > 0);
}

TEST(progress_cancel_changes_nothing)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 2);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3");
    forget::Digest before = m.digest();
    m.set_progress([](double f, const char *) { return f > 0.3; });
    CHECK_THROWS(m.train(train, "epochs=3 batch=32"), FORGET_E_CANCELED);
    CHECK(m.digest() == before);
    CHECK(m.train_report().empty());
}

TEST(progress_exception_is_rethrown_and_changes_nothing)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 3);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3");
    forget::Digest before = m.digest();
    int calls = 0;
    m.set_progress([&](double f, const char *) -> bool {
        calls++;
        if (f > 0.5)
            throw Boom{42};
        return false;
    });
    bool caught = false;
    try {
        m.train(train, "epochs=3 batch=32");
    } catch (const Boom &b) {
        caught = b.value == 42;
    }
    CHECK(caught);
    CHECK(m.digest() == before);
    /* The callback is not left installed in C: training again without it
     * runs no stale pointer (ASan would see it) and calls nothing. */
    int at_throw = calls;
    m.set_progress(forget::Progress());
    m.train(train, "epochs=1");
    CHECK(calls == at_throw);
    CHECK(m.digest() != before);
}

TEST(progress_exception_in_unlearner_changes_nothing)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 4);
    forget::Model m = forget::Model::create("mlp", "layers=4-8-3 seed=2");
    m.train(train, "epochs=3 batch=32");
    forget::Unlearner u = forget::Unlearner::create("ssd", m);
    u.prepare(train);
    forget::Digest before = m.digest();
    std::vector<unsigned char> state = u.save_buffer();
    forget::Dataset rows = train.subset_class(2);
    u.set_progress([](double, const char *stage) -> bool {
        throw std::logic_error(std::string("stop in ") + stage);
    });
    try {
        u.forget(rows);
        fct::fail(__FILE__, __LINE__, "no exception");
    } catch (const std::logic_error &e) {
        CHECK(std::string(e.what()) == "stop in forget");
    }
    CHECK(m.digest() == before);
    CHECK(u.save_buffer() == state);
    /* Cancel by return value: FORGET_E_CANCELED, nothing changed. */
    u.set_progress([](double, const char *) { return true; });
    CHECK_THROWS(u.forget(rows), FORGET_E_CANCELED);
    CHECK(m.digest() == before);
    /* A callback may call into libforget (frames nest). */
    size_t nested = 0;
    u.set_progress([&](double, const char *) {
        nested += forget::Dataset::classification({1, 2, 3, 4}, 4, {0}).rows();
        return false;
    });
    u.forget(rows);
    CHECK(nested > 0);
    CHECK(m.digest() != before);
    CHECK(u.report().has("seconds"));
}

TEST(progress_exception_at_the_end_still_comes_back)
{
    forget::Dataset train = fct::blobs(100, 4, 3, 5);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3");
    m.set_progress([](double f, const char *) -> bool {
        if (f == 1.0)
            throw Boom{1};
        return false;
    });
    bool caught = false;
    try {
        m.train(train, "epochs=1");
    } catch (const Boom &) {
        caught = true;
    }
    CHECK(caught); /* never swallowed, even when the work was done */
}
