/* forget::Dataset: arrays in, views and copies out, subsets that agree
 * with each other, CSV and IDX files. */
#include "support.hpp"

#include <fstream>

TEST(dataset_views_and_subsets_agree)
{
    forget::Dataset d = fct::blobs(90, 3, 3, 4, 500);
    CHECK(d.rows() == 90 && d.features() == 3 && d.classes() == 3);
    CHECK(d.task() == FORGET_TASK_CLASSIFICATION && d.target_dim() == 0);
    std::vector<uint64_t> ids = fct::pick_ids(d, 20, 3);
    forget::Dataset in = d.subset_ids(ids), out = d.exclude_ids(ids);
    CHECK(in.rows() == 20 && out.rows() == 70);
    forget::Dataset back = d.complement(in);
    CHECK(back.id_list() == out.id_list());
    for (uint64_t id : ids) {
        CHECK(in.contains(id) && !out.contains(id));
        size_t r = d.find(id), s = in.find(id);
        CHECK(d.labels()[r] == in.labels()[s]);
        CHECK(d.copy_rows(r, 1) == in.copy_rows(s, 1));
    }
    CHECK_THROWS(d.find(1), FORGET_E_NOT_FOUND);
    size_t per_class = 0;
    for (int32_t c = 0; c < 3; c++) {
        forget::Dataset k = d.subset_class(c);
        per_class += k.rows();
        for (size_t i = 0; i < k.rows(); i++)
            CHECK(k.labels()[i] == c);
    }
    CHECK(per_class == 90);
    forget::Dataset s = d.slice(10, 25);
    CHECK(s.rows() == 15 && s.ids()[0] == 510);
    CHECK(std::vector<float>(s.x(), s.x() + 45) == d.copy_rows(10, 15));
    CHECK_THROWS(d.slice(80, 91), FORGET_E_INVALID);
    CHECK_THROWS(d.subset_ids({500, 500}), FORGET_E_INVALID);

    forget::Dataset r = forget::Dataset::regression({1, 2, 3, 4, 5, 6}, 2,
                                                    {0.5f, 1, 1.5f, 2, 2.5f, 3}, 2, {7, 8, 9});
    CHECK(r.task() == FORGET_TASK_REGRESSION && r.target_dim() == 2 && r.rows() == 3);
    CHECK(r.targets()[5] == 3.0f && r.find(9) == 2);
    CHECK_THROWS(forget::Dataset::classification({1, NAN}, 2, {0}), FORGET_E_INVALID);
}

TEST(dataset_files_load)
{
    std::string csv = fct::tmp_path("d.csv");
    {
        std::ofstream f(csv);
        f << "a,b,label\n1.5,2,0\n-3,4e1,1\n0,0,2\n";
    }
    forget::Dataset c = forget::Dataset::load_csv(csv, {{"header", true}, {"label", -1}});
    CHECK(c.rows() == 3 && c.features() == 2 && c.classes() == 3);
    CHECK(c.copy_rows(1, 1) == std::vector<float>({-3.0f, 40.0f}));
    {
        std::ofstream f(csv);
        f << "1,2,0\n1,x,1\n";
    }
    CHECK_ERROR(forget::Dataset::load_csv(csv, "label=-1"), FORGET_E_FORMAT, "line 2");
    /* IDX: 4 images of 2x2 unsigned bytes, 4 labels. */
    std::string img = fct::tmp_path("i.idx"), lab = fct::tmp_path("l.idx");
    {
        std::ofstream f(img, std::ios::binary);
        const unsigned char head[] = {0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 2};
        f.write(reinterpret_cast<const char *>(head), sizeof head);
        for (int i = 0; i < 16; i++)
            f.put(static_cast<char>(i * 10));
        std::ofstream g(lab, std::ios::binary);
        const unsigned char lhead[] = {0, 0, 8, 1, 0, 0, 0, 4, 1, 0, 1, 0};
        g.write(reinterpret_cast<const char *>(lhead), sizeof lhead);
    }
    forget::Dataset idx = forget::Dataset::load_idx(img, lab, "normalize=false");
    CHECK(idx.rows() == 4 && idx.features() == 4);
    CHECK(idx.copy_rows(3, 1) == std::vector<float>({120, 130, 140, 150}));
    CHECK(idx.labels()[0] == 1 && idx.labels()[1] == 0);
    CHECK_THROWS(forget::Dataset::load_idx(img, fct::tmp_path("none"), ""), FORGET_E_IO);
    fct::remove_tmp();
}
