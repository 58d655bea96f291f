/* Unlearners through forget.hpp, checked against retraining from scratch:
 * analytic (to rounding) and sisa (bit-identical), over random requests;
 * saving and loading; the deletion journal. */
#include "support.hpp"

#include <fstream>

namespace {

std::string analytic_params(size_t d, size_t k)
{
    return forget::Params{{"inputs", d}, {"outputs", k}, {"gamma", 0.5}}.str();
}

} // namespace

TEST(unlearner_analytic_equals_a_refit)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        size_t d = 2 + seed, k = 2 + seed % 3, n = 150 + 40 * seed;
        forget::Dataset train = fct::blobs(n, d, (int32_t)k, seed, 100);
        forget::Model m = forget::Model::create("analytic", analytic_params(d, k));
        forget::Unlearner u = forget::Unlearner::create("analytic", m, "keep_rows=true");
        u.prepare(train);
        std::vector<uint64_t> first = fct::pick_ids(train, 3 + seed, seed * 7);
        forget::Dataset rows = train.subset_ids(first);
        u.forget(rows);
        /* then by ids alone, the rest of a larger request */
        std::vector<uint64_t> more = fct::pick_ids(train.exclude_ids(first), 5, seed);
        u.forget_ids(more);
        std::vector<uint64_t> gone = first;
        gone.insert(gone.end(), more.begin(), more.end());
        forget::Dataset retain = train.exclude_ids(gone);
        CHECK(retain.rows() == n - gone.size());
        forget::Model refit = forget::Model::create("analytic", analytic_params(d, k));
        refit.train(retain);
        CHECK(fct::same(m.predict(train), refit.predict(train), 1e-4));
        CHECK(forget::eval::param_distance(m, refit).max_abs < 1e-3);
        /* learn puts rows back exactly */
        u.learn(rows);
        forget::Model refit2 = forget::Model::create("analytic", analytic_params(d, k));
        refit2.train(train.exclude_ids(more));
        CHECK(fct::same(m.predict(train), refit2.predict(train), 1e-4));
    }
}

TEST(unlearner_sisa_is_bit_identical_to_retraining)
{
    forget::Params sisa{{"shards", 3}, {"slices", 2}, {"train", "batch=16 lr=0.05"}};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        forget::Dataset train = fct::blobs(180, 3, 3, seed + 40, 1000);
        forget::Model m = forget::Model::create("linear", "inputs=3 outputs=3 seed=4");
        forget::Unlearner u = forget::Unlearner::create("sisa", m, sisa);
        u.prepare(train);
        std::vector<uint64_t> ids = fct::pick_ids(train, 4 * seed, seed);
        u.forget_ids(ids);
        CHECK(u.report().get("shards_retrained") >= 1);

        forget::Model fresh = forget::Model::create("linear", "inputs=3 outputs=3 seed=4");
        forget::Unlearner scratch = forget::Unlearner::create("sisa", fresh, sisa);
        scratch.prepare(train.exclude_ids(ids));
        CHECK(u.model().digest() == scratch.model().digest());
        /* A repeat changes nothing and is counted; an unknown id is refused. */
        forget::Digest after = u.model().digest();
        u.forget_ids({ids[0]});
        CHECK(u.report().get("already_forgotten") == 1);
        CHECK(u.model().digest() == after);
        CHECK_THROWS(u.forget_ids({ids[1], 99999}), FORGET_E_NOT_FOUND);
        CHECK(u.model().digest() == after);
    }
}

TEST(unlearner_save_and_load_continue_alike)
{
    forget::Dataset train = fct::blobs(200, 4, 2, 3);
    forget::Model m = forget::Model::create("analytic", analytic_params(4, 2));
    forget::Unlearner u = forget::Unlearner::create("analytic", m, "keep_rows=true");
    u.prepare(train);
    std::vector<unsigned char> model_buf = m.save_buffer();
    std::vector<unsigned char> state_buf = u.save_buffer();
    std::string mpath = fct::tmp_path("m.fgm"), spath = fct::tmp_path("s.fgs");
    m.save(mpath);
    u.save(spath);

    forget::Unlearner from_buf = forget::Unlearner::load_buffer(
        forget::Model::load_buffer(model_buf), state_buf);
    forget::Unlearner from_file =
        forget::Unlearner::load(forget::Model::load(mpath), spath);
    CHECK(from_buf.method() == "analytic" && from_buf.is_prepared());
    std::vector<uint64_t> ids = fct::pick_ids(train, 6, 2);
    u.forget_ids(ids);
    from_buf.forget_ids(ids);
    from_file.forget_ids(ids);
    CHECK(from_buf.model().digest() == m.digest());
    CHECK(from_file.model().digest() == m.digest());
    /* A state does not pair with another model. */
    forget::Model other = forget::Model::create("analytic", analytic_params(4, 2));
    forget::Dataset other_data = fct::blobs(50, 4, 2, 77);
    other.train(other_data);
    CHECK_THROWS(forget::Unlearner::load_buffer(other, state_buf), FORGET_E_STATE);
    CHECK_THROWS(forget::Unlearner::load(other, fct::tmp_path("none")), FORGET_E_IO);
    fct::remove_tmp();
}

TEST(unlearner_journal_records_and_verifies)
{
    forget::Dataset train = fct::blobs(120, 3, 2, 9);
    forget::Model m = forget::Model::create("analytic", analytic_params(3, 2));
    forget::Unlearner u = forget::Unlearner::create("analytic", m, "keep_rows=true");
    u.prepare(train);
    std::string jpath = fct::tmp_path("j.journal");
    CHECK_THROWS(u.is_forgotten(1), FORGET_E_STATE);
    CHECK_THROWS(u.set_journal_key(std::vector<unsigned char>(3, 1)), FORGET_E_INVALID);
    u.open_journal(jpath, FORGET_JOURNAL_NEW);
    u.forget_ids({5, 7});
    u.forget_ids({11});
    CHECK(u.is_forgotten(5) && u.is_forgotten(11) && !u.is_forgotten(6));
    CHECK(u.journal_pending().empty());

    std::vector<forget::JournalRecord> records = forget::read_journal(jpath);
    CHECK(records.size() == 5); /* OPEN, then REQUEST and DONE twice */
    CHECK(records[0].type == FORGET_JOURNAL_RECORD_OPEN);
    CHECK(records[1].type == FORGET_JOURNAL_RECORD_REQUEST);
    CHECK(records[1].ids == std::vector<uint64_t>({5, 7}));
    CHECK(records[1].method == "analytic");
    CHECK(records[4].type == FORGET_JOURNAL_RECORD_DONE && records[4].has_digest);
    CHECK(records[4].digest == m.digest());
    CHECK(forget::verify_journal(jpath) == 5);
    /* Each DONE record holds its call's report: the figures by request. */
    std::vector<forget::JournalFigure> figures =
        forget::read_journal_figures(jpath);
    double rows[3] = {0, 0, 0};
    for (const forget::JournalFigure &f : figures) {
        CHECK(f.seq == 1 || f.seq == 2);
        if (f.key == "rows")
            rows[f.seq] = f.value;
    }
    CHECK(rows[1] == 2 && rows[2] == 1);
    size_t stopped = 0;
    try {
        forget::read_journal_figures(jpath, [&](const forget::JournalFigure &) {
            if (++stopped == 1)
                throw std::out_of_range("one is enough");
        });
        fct::fail(__FILE__, __LINE__, "no exception");
    } catch (const std::out_of_range &) {
    }
    CHECK(stopped == 1 && figures.size() > 2);
    /* An exception in the reader stops it and comes back. */
    int seen = 0;
    try {
        forget::read_journal(jpath, [&](const forget::JournalRecord &) {
            if (++seen == 2)
                throw std::out_of_range("enough");
        });
        fct::fail(__FILE__, __LINE__, "no exception");
    } catch (const std::out_of_range &) {
    }
    CHECK(seen == 2);
    u = forget::Unlearner(); /* detach */

    /* Change one id inside the second record: the chain breaks there. */
    std::fstream f(jpath, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    size_t at = bytes.rfind(std::string("\x0b\0\0\0\0\0\0\0", 8));
    CHECK(at != std::string::npos);
    f.seekp((std::streamoff)at);
    f.put('\x0c');
    f.close();
    try {
        forget::verify_journal(jpath);
        fct::fail(__FILE__, __LINE__, "no error");
    } catch (const forget::JournalError &e) {
        CHECK(e.code() == FORGET_E_FORMAT);
        CHECK(e.records() >= 1 && e.records() < 5);
        CHECK(e.offset() > 0 && e.offset() <= at);
    }
    CHECK_THROWS(forget::read_journal(jpath), FORGET_E_FORMAT);
    CHECK_THROWS(forget::read_journal_figures(jpath), FORGET_E_FORMAT);
    fct::remove_tmp();
}

TEST(unlearner_calibrated_to_heldout_rows)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 5, 0);
    forget::Dataset held = fct::blobs(90, 4, 3, 6, 1000);
    forget::Model m = forget::Model::create("mlp", "layers=4-8-3 seed=2");
    m.train(train, forget::Params{{"epochs", 5}, {"batch", 16}});
    forget::Unlearner u =
        forget::Unlearner::create("ssd", m, "target=heldout tolerance=1");
    u.prepare(train);
    forget::Dataset f = train.subset_class(1);
    std::vector<float> before = m.get_params();
    CHECK_ERROR(u.forget(f), FORGET_E_STATE, "held-out");
    CHECK(m.get_params() == before);
    {
        forget::Dataset copy = held.subset_class(0); /* freed before use */
        u.set_heldout(copy);
    }
    u.forget(f);
    CHECK(u.report().has("calibrated_alpha"));
    CHECK_NEAR(u.report().get("calibration_achieved"),
               forget::eval::accuracy(m, f), 1e-12);
    u.clear_heldout();
}
