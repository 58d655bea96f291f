/* forget::Error: the code and the library's message of every failure, and
 * objects left exactly as they were. */
#include "support.hpp"

TEST(errors_carry_code_and_message)
{
    try {
        forget::check(FORGET_E_NOMEM);
        fct::fail(__FILE__, __LINE__, "no error");
    } catch (const forget::Error &e) {
        CHECK(e.code() == FORGET_E_NOMEM);
        CHECK(std::string(e.what()).find(forget_strerror(FORGET_E_NOMEM)) == 0);
    }
    forget::check(FORGET_OK);
    forget::Dataset d = fct::blobs(50, 3, 2, 1);
    CHECK_ERROR(d.subset_ids({3, 12345}), FORGET_E_NOT_FOUND, "12345");
    try {
        d.subset_ids({12345});
    } catch (const forget::Error &e) {
        CHECK(std::string(e.what()) ==
              std::string(forget_strerror(FORGET_E_NOT_FOUND)) + ": " +
                  e.message());
    }
    /* It is a std::runtime_error, copyable without losing the text. */
    try {
        forget::Unlearner::create("no-such-method");
        fct::fail(__FILE__, __LINE__, "no error");
    } catch (const std::runtime_error &e) {
        const forget::Error *fe = dynamic_cast<const forget::Error *>(&e);
        CHECK(fe != nullptr && fe->code() == FORGET_E_NOT_FOUND);
        forget::Error copy = *fe;
        CHECK(copy.message() == fe->message());
    }
}

TEST(errors_leave_models_unchanged)
{
    forget::Dataset train = fct::blobs(200, 4, 3, 2);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3 seed=5");
    m.train(train, "epochs=2 seed=3");
    forget::Digest before = m.digest();
    std::vector<float> p = m.get_params();

    std::vector<float> wrong(p.size() + 1, 0.5f);
    CHECK_THROWS(m.set_params(wrong), FORGET_E_INVALID);
    std::vector<float> bad = p;
    bad[3] = NAN;
    CHECK_THROWS(m.set_params(bad), FORGET_E_INVALID);
    CHECK_THROWS(m.train(train, "epochs=0"), FORGET_E_PARAM);
    CHECK_THROWS(m.train(train, "lr=oops"), FORGET_E_PARAM);
    forget::Dataset other = fct::blobs(20, 5, 3, 3);
    CHECK_THROWS(m.train(other), FORGET_E_INVALID);
    CHECK_THROWS(m.predict(std::vector<float>(7, 0.0f)), FORGET_E_INVALID);
    CHECK_THROWS(m.predict(other), FORGET_E_INVALID);
    CHECK(m.digest() == before);
    CHECK(m.get_params() == p);
}

TEST(errors_leave_unlearners_unchanged)
{
    forget::Dataset train = fct::blobs(120, 3, 2, 4);
    forget::Model m = forget::Model::create("analytic", "inputs=3 outputs=2");
    forget::Unlearner u = forget::Unlearner::create("analytic", m);
    CHECK_THROWS(u.forget_ids({1}), FORGET_E_STATE); /* before prepare */
    u.prepare(train);
    std::vector<unsigned char> state = u.save_buffer();
    forget::Digest before = m.digest();
    /* keep_rows is off: ids alone cannot be forgotten. */
    CHECK_THROWS(u.forget_ids({1, 2}), FORGET_E_UNSUPPORTED);
    /* Rows never learned are refused. */
    forget::Dataset stranger = fct::blobs(5, 3, 2, 99, 1000);
    try {
        u.forget(stranger);
        fct::fail(__FILE__, __LINE__, "no error");
    } catch (const forget::Error &e) {
        CHECK(e.code() != FORGET_OK);
        CHECK(!e.message().empty());
    }
    CHECK(m.digest() == before);
    CHECK(u.save_buffer() == state);
    CHECK_THROWS(forget::Unlearner::create("ssd", m, "alpah=3"), FORGET_E_PARAM);
}

TEST(errors_for_bad_sizes_before_c)
{
    std::vector<float> x(10, 1.0f);
    CHECK_THROWS(forget::Dataset::classification(x, 3, {0, 1, 0}), FORGET_E_INVALID);
    CHECK_THROWS(forget::Dataset::classification(x, 5, {0, 1}, {1}), FORGET_E_INVALID);
    CHECK_THROWS(forget::Dataset::regression(x, 5, {1, 2, 3}, 2), FORGET_E_INVALID);
    CHECK_THROWS(forget::Dataset::regression(x, 5, {1, 2}, 0), FORGET_E_INVALID);
    forget::Dataset ok = forget::Dataset::classification(x, 5, {0, 1});
    CHECK(ok.rows() == 2 && ok.features() == 5);
    CHECK_THROWS(forget::Dataset::classification(x, 5, {0, 1}, {4, 4}), FORGET_E_INVALID);
    forget::Report empty;
    CHECK_THROWS(empty.get("seconds"), FORGET_E_NOT_FOUND);
    CHECK(empty.get("seconds", -1.0) == -1.0);
}
