/* forget::Model: parameters and blocks, copies, files and buffers,
 * safetensors, trunks, and the eval functions. */
#include "support.hpp"

TEST(model_params_blocks_and_copies)
{
    forget::Model m = forget::Model::create("mlp", {{"layers", "3-5-2"}, {"seed", 3}});
    CHECK(m.kind() == "mlp" && m.inputs() == 3 && m.outputs() == 2);
    CHECK(m.params().find("layers=3-5-2") != std::string::npos);
    CHECK(m.param_count() == 3 * 5 + 5 + 5 * 2 + 2);
    std::vector<forget::Block> blocks = m.blocks();
    CHECK(blocks.size() == 4);
    CHECK(blocks[0].name == "dense0.weight");
    CHECK(blocks[0].shape == std::vector<size_t>({5, 3}));
    CHECK(blocks[1].shape == std::vector<size_t>({5}) && blocks[1].offset == 15);
    std::vector<float> p = m.get_params();
    for (size_t i = 0; i < p.size(); i++)
        p[i] = 0.01f * static_cast<float>(i);
    m.set_params(p);
    CHECK(m.get_params() == p);
    forget::Model c = m.clone();
    CHECK(c.digest() == m.digest() && c.get() != m.get());
    p[0] = 1;
    c.set_params(p);
    CHECK(c.digest() != m.digest());
    CHECK(m.part_count() == 0);
    CHECK_THROWS(m.part(0), FORGET_E_NOT_FOUND);
}

TEST(model_files_buffers_and_safetensors_round_trip)
{
    forget::Dataset train = fct::blobs(200, 4, 3, 6);
    forget::Model m = forget::Model::create("mlp", "layers=4-6-3 seed=2");
    m.train(train, "epochs=2");
    std::string path = fct::tmp_path("m.fgm"), st = fct::tmp_path("m.safetensors");
    m.save(path);
    CHECK(forget::Model::load(path).digest() == m.digest());
    std::vector<unsigned char> buf = m.save_buffer();
    CHECK(forget::Model::load_buffer(buf).digest() == m.digest());
    buf[buf.size() / 2] ^= 1;
    CHECK_THROWS(forget::Model::load_buffer(buf), FORGET_E_FORMAT);
    m.export_safetensors(st);
    CHECK(forget::Model::import_safetensors(st).digest() == m.digest());
    std::vector<unsigned char> torch = m.export_safetensors_buffer("names=torch");
    forget::Model back = forget::Model::import_safetensors_buffer(torch, "kind=mlp");
    CHECK(fct::same(back.predict(train), m.predict(train), 0));
    CHECK_THROWS(forget::Model::import_safetensors(path), FORGET_E_FORMAT);
    forget::Model lin = forget::Model::create("analytic", "inputs=4 outputs=3");
    CHECK_THROWS(lin.export_safetensors_buffer(), FORGET_E_UNSUPPORTED);
    /* A trunk: the mlp's hidden layer under a ridge head. */
    forget::Model t = forget::Model::trunk(m);
    t.train(train);
    CHECK(t.kind() == "analytic");
    CHECK(forget::eval::accuracy(t, train) > 0.8);
    fct::remove_tmp();
}

TEST(model_predict_and_eval)
{
    forget::Dataset train = fct::blobs(300, 4, 3, 8);
    forget::Dataset test = fct::blobs(150, 4, 3, 9, 1000);
    forget::Model m = forget::Model::create("linear", "inputs=4 outputs=3");
    m.train(train, "epochs=3");
    std::vector<float> probs = m.predict(test);
    CHECK(probs.size() == 450);
    std::vector<float> raw = test.copy_rows(0, test.rows());
    CHECK(m.predict(raw) == probs);
    CHECK(m.predict(raw.data(), 2) == std::vector<float>(probs.begin(), probs.begin() + 6));
    double acc = forget::eval::accuracy(m, test);
    size_t right = 0;
    for (size_t i = 0; i < test.rows(); i++) {
        size_t best = 0;
        for (size_t c = 1; c < 3; c++)
            if (probs[i * 3 + c] > probs[i * 3 + best])
                best = c;
        right += static_cast<int32_t>(best) == test.labels()[i];
    }
    CHECK_NEAR(acc, static_cast<double>(right) / 150.0, 1e-12);
    std::vector<uint64_t> conf = forget::eval::confusion(m, test);
    uint64_t diag = conf[0] + conf[4] + conf[8], total = 0;
    for (uint64_t v : conf)
        total += v;
    CHECK(total == 150 && diag == right);
    std::vector<double> per = forget::eval::class_accuracy(m, test);
    CHECK(per.size() == 3);
    CHECK(forget::eval::loss(m, test) > 0);
    double mia = forget::eval::mia(m, train, test, test);
    CHECK(mia >= 0 && mia <= 1);
    double auc = forget::eval::loss_auc(m, train, test);
    CHECK(auc >= 0 && auc <= 1);
    forget::Model c = m.clone();
    forget::eval::Distance zero = forget::eval::output_distance(m, c, test);
    CHECK(zero.max_abs == 0 && zero.mean_abs == 0);
    c.train(test, "epochs=1");
    CHECK(forget::eval::output_distance(m, c, test).max_abs > 0);
    forget::eval::Distance pd = forget::eval::param_distance(m, c);
    CHECK(pd.l2 > 0 && pd.max_abs > 0 && pd.l2 >= pd.max_abs);
    CHECK_THROWS(forget::eval::param_distance(m, forget::Model::create("linear", "inputs=5 outputs=3")),
                 FORGET_E_INVALID);
}
