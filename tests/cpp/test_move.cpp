/* Move semantics: one owner per handle; moved-from objects are empty and
 * refuse use with FORGET_E_STATE; get() lends, release() gives up. */
#include "support.hpp"

#include <type_traits>

static_assert(!std::is_copy_constructible<forget::Model>::value, "Model copies");
static_assert(!std::is_copy_assignable<forget::Dataset>::value, "Dataset copies");
static_assert(!std::is_copy_constructible<forget::Unlearner>::value, "Unlearner copies");
static_assert(!std::is_copy_constructible<forget::PathLock>::value, "PathLock copies");
static_assert(std::is_nothrow_move_constructible<forget::Model>::value, "Model move");
static_assert(std::is_nothrow_move_assignable<forget::Unlearner>::value, "Unlearner move");
static_assert(std::is_nothrow_move_constructible<forget::Dataset>::value, "Dataset move");

TEST(move_transfers_the_handle)
{
    forget::Dataset a = fct::blobs(30, 2, 2, 1);
    forget_dataset *raw = a.get();
    forget::Dataset b = std::move(a);
    CHECK(!a && a.get() == nullptr);
    CHECK(b.get() == raw && b.rows() == 30);
    CHECK_THROWS(a.rows(), FORGET_E_STATE);
    CHECK_THROWS(a.subset_class(0), FORGET_E_STATE);

    forget::Model m = forget::Model::create("linear", "inputs=2 outputs=2");
    forget::Model n = forget::Model::create("linear", "inputs=2 outputs=2 seed=9");
    forget_model *mraw = m.get();
    n = std::move(m); /* n's first model is freed here */
    CHECK(n.get() == mraw && !m);
    CHECK_THROWS(m.predict(b), FORGET_E_STATE);
    CHECK_THROWS(m.kind(), FORGET_E_STATE);
    try {
        m.digest();
    } catch (const forget::Error &e) {
        CHECK(e.message().find("forget::Model is empty") != std::string::npos);
    }
    CHECK_THROWS(forget::Unlearner::create("ssd", m), FORGET_E_STATE);

    forget::Unlearner u = forget::Unlearner::create("ssd", n);
    forget::Unlearner v;
    CHECK(!v);
    v = std::move(u);
    CHECK(!u && v.method() == "ssd");
    CHECK_THROWS(u.prepare(b), FORGET_E_STATE);
    v.prepare(b);
    CHECK(v.is_prepared());
    /* Self-move leaves a usable or empty object, never a double free. */
    forget::Dataset &alias = b;
    b = std::move(alias);
}

TEST(release_gives_up_ownership)
{
    forget::Dataset d = fct::blobs(10, 2, 2, 1);
    forget_dataset *raw = d.release();
    CHECK(!d && raw != nullptr);
    forget::Dataset again(raw);
    CHECK(again.rows() == 10);

    forget::Model m = forget::Model::create("linear", "inputs=2 outputs=2");
    {
        forget::Unlearner u = forget::Unlearner::create("ssd", m);
        CHECK(m.shared());
        CHECK_THROWS(m.release(), FORGET_E_STATE); /* the unlearner shares it */
        forget_unlearner *uraw = u.release();
        CHECK(!u);
        forget_unlearner_free(uraw);
    }
    CHECK(!m.shared());
    forget_model *mraw = m.release();
    CHECK(!m);
    forget_model_free(mraw);

    forget::PathLock lock = forget::PathLock::acquire(fct::tmp_path("l"));
    forget::PathLock other = std::move(lock);
    CHECK(!lock && other);
    CHECK_THROWS(forget::PathLock::acquire(fct::tmp_path("l"), FORGET_LOCK_NOWAIT),
                 FORGET_E_STATE);
    other.unlock();
    forget::PathLock third = forget::PathLock::acquire(fct::tmp_path("l"), FORGET_LOCK_NOWAIT);
    forget_lock_release(third.release());
    fct::remove_tmp();
}
