/* An Unlearner keeps its model alive, and a model an unlearner owns keeps
 * the unlearner alive. Each case below frees, without that sharing, memory
 * it then uses (the C model, the C++ callbacks of a host model, sisa's
 * ensemble): under make sanitize ASan reports the use after free. */
#include "support.hpp"

#include <memory>

TEST(lifetime_unlearner_outlives_its_model)
{
    forget::Dataset train = fct::blobs(150, 3, 2, 5);
    forget::Dataset rows = train.subset_ids({4, 9, 33});
    forget::Unlearner u;
    forget::Digest trained;
    {
        forget::Model m = forget::Model::create("analytic", "inputs=3 outputs=2");
        u = forget::Unlearner::create("analytic", m);
        u.prepare(train);
        trained = m.digest();
    } /* the Model is gone; its C model is the unlearner's now */
    u.forget(rows);
    forget::Model back = u.model();
    CHECK(back.digest() != trained);
    CHECK(back.kind() == "analytic");
    std::vector<float> p = back.predict(train);
    CHECK(p.size() == 300);
}

TEST(lifetime_model_view_outlives_unlearner_and_model)
{
    forget::Dataset train = fct::blobs(150, 3, 2, 6);
    forget::Model view;
    std::vector<float> expected;
    {
        forget::Model m = forget::Model::create("analytic", "inputs=3 outputs=2");
        forget::Unlearner u = forget::Unlearner::create("analytic", m);
        u.prepare(train);
        view = u.model();
        CHECK(view.get() == m.get());
        expected = m.predict(train);
    } /* m and u are gone: the view holds the C model */
    CHECK(view.predict(train) == expected);
}

TEST(lifetime_host_callbacks_outlive_the_model)
{
    forget::Dataset train = fct::blobs(200, 3, 2, 7);
    forget::Dataset rows = train.subset_class(1).slice(0, 5);
    std::weak_ptr<fct::LogisticHost> watch;
    forget::Unlearner u;
    {
        std::shared_ptr<fct::LogisticHost> impl =
            std::make_shared<fct::LogisticHost>(3, 2);
        watch = impl;
        forget::Model m = forget::host_model({FORGET_TASK_CLASSIFICATION, 3, 2},
                                             std::vector<float>(8, 0.1f), impl);
        m.train(train, "epochs=2 seed=1");
        /* ssd's default costs this 2-epoch model 5 points on the other
         * rows: its guard is lifted, the test is about the callbacks */
        u = forget::Unlearner::create("ssd", m, "guard=1e6");
        u.prepare(train);
    } /* the Model and our pointer are gone; the callbacks are not */
    u.forget(rows); /* ssd calls backward on the forget rows */
    CHECK(!watch.expired());
    CHECK(watch.lock()->backward_calls > 0);
    CHECK(u.report().get("rows") == 5);
    forget::Model clone = u.model().clone();
    u = forget::Unlearner();
    CHECK(!watch.expired()); /* the clone calls them too */
    CHECK(clone.predict(rows).size() == 10);
    clone = forget::Model();
    CHECK(watch.expired()); /* and then they are freed */
}

TEST(lifetime_owned_ensemble_keeps_its_unlearner)
{
    forget::Dataset train = fct::blobs(160, 3, 2, 8);
    forget::Model ensemble;
    std::vector<float> before;
    {
        forget::Model m = forget::Model::create("linear", "inputs=3 outputs=2");
        forget::Unlearner u = forget::Unlearner::create(
            "sisa", m, {{"shards", 2}, {"slices", 2}, {"train", "batch=16"}});
        CHECK_THROWS(u.model(), FORGET_E_STATE); /* none before prepare */
        u.prepare(train);
        ensemble = u.model();
        CHECK(ensemble.get() != m.get());
        CHECK(ensemble.part_count() == 2);
        CHECK_THROWS(ensemble.release(), FORGET_E_STATE);
        before = ensemble.predict(train);
        /* The same view while it lives. */
        forget::Model again = u.model();
        CHECK(again.get() == ensemble.get());
        u.forget_ids({1, 2, 3});
    } /* the Unlearner wrapper is gone; the view keeps the C unlearner */
    std::vector<float> after = ensemble.predict(train);
    CHECK(after.size() == before.size());
    CHECK(after != before);
    forget::Model part = ensemble.part(1);
    CHECK(part.kind() == "linear");
    CHECK_THROWS(ensemble.part(2), FORGET_E_NOT_FOUND);
}
