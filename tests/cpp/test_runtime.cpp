/* The library-wide calls: threads, limits, guards; and adopting handles
 * made through the C API. */
#include "support.hpp"

#include <fstream>

TEST(runtime_threads_and_limits)
{
    forget::Library nested; /* guards nest: the count goes up and down */
    int32_t before = forget::threads();
    forget::set_threads(2);
    CHECK(forget::threads() == 2);
    CHECK_THROWS(forget::set_threads(-1), FORGET_E_INVALID);
    CHECK(forget::threads() == 2);
    forget::set_threads(0);
    CHECK(forget::threads() == before);

    std::string csv = fct::tmp_path("rows.csv");
    {
        std::ofstream f(csv);
        f << "1,0\n2,1\n3,0\n";
    }
    forget::set_limit(FORGET_LIMIT_MAX_ROWS, 2);
    CHECK(forget::limit(FORGET_LIMIT_MAX_ROWS) == 2);
    CHECK_ERROR(forget::Dataset::load_csv(csv, "label=-1"), FORGET_E_NOMEM, "limit");
    forget::set_limit(FORGET_LIMIT_MAX_ROWS, 0);
    CHECK(forget::limit(FORGET_LIMIT_MAX_ROWS) > 2);
    CHECK(forget::Dataset::load_csv(csv, "label=-1").rows() == 3);
    CHECK_THROWS(forget::limit(99), FORGET_E_INVALID);
    fct::remove_tmp();
}

TEST(runtime_adopts_c_handles)
{
    forget::Dataset train = fct::blobs(100, 3, 2, 3);
    forget_model *raw_model = nullptr;
    forget::check(forget_model_create(&raw_model, "analytic", "inputs=3 outputs=2"));
    forget_unlearner *raw = nullptr;
    forget::check(forget_unlearner_create(&raw, "analytic", raw_model, ""));
    forget_model_free(raw_model); /* the C unlearner holds it */
    forget::Model view;
    {
        forget::Unlearner u(raw);
        u.prepare(train);
        view = u.model(); /* a model it does not own as C++ sees it */
        CHECK(view.get() == raw_model);
        CHECK_THROWS(u.release(), FORGET_E_STATE); /* the view shares it */
    } /* the view keeps the unlearner, which keeps the model */
    CHECK(view.predict(train).size() == 200);
    forget::Model m(static_cast<forget_model *>(nullptr));
    CHECK(!m);
}
