// libforget from C++11: RAII owners for the C handles, an exception for
// every error code, and one deletion request end to end.
//   g++ -std=c++11 quickstart.cpp $(pkg-config --cflags --libs forget)
#include <forget/forget.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void check(int rc, const char *what)
{
    if (rc != FORGET_OK)
        throw std::runtime_error(std::string(what) + ": " +
                                 forget_strerror(rc) + ": " +
                                 forget_last_error());
}

struct DatasetFree {
    void operator()(forget_dataset *d) const { forget_dataset_free(d); }
};
struct ModelFree {
    void operator()(forget_model *m) const { forget_model_free(m); }
};
struct UnlearnerFree {
    void operator()(forget_unlearner *u) const { forget_unlearner_free(u); }
};
typedef std::unique_ptr<forget_dataset, DatasetFree> Dataset;
typedef std::unique_ptr<forget_model, ModelFree> Model;
typedef std::unique_ptr<forget_unlearner, UnlearnerFree> Unlearner;

struct Library {
    Library() { check(forget_init(), "forget_init"); }
    ~Library() { forget_shutdown(); }
};

} // namespace

int main()
{
    try {
        Library lib;
        // Two classes on a line: x < 0 is class 0, x > 0 class 1.
        std::vector<float> x;
        std::vector<int32_t> y;
        for (int i = 0; i < 200; i++) {
            float v = static_cast<float>(i - 100) / 25.0f;
            x.push_back(v);
            x.push_back(1.0f);
            y.push_back(v > 0 ? 1 : 0);
        }
        forget_dataset *raw = nullptr;
        check(forget_dataset_create(&raw, y.size(), 2, x.data(), y.data(),
                                    nullptr), "dataset");
        Dataset train(raw);

        forget_model *m = nullptr;
        check(forget_model_create(&m, "analytic", "inputs=2 outputs=2"),
              "model");
        Model model(m);
        forget_unlearner *u = nullptr;
        check(forget_unlearner_create(&u, "analytic", model.get(), ""),
              "unlearner");
        Unlearner unlearner(u);
        check(forget_unlearner_prepare(unlearner.get(), train.get()),
              "prepare");

        const uint64_t request[3] = {10, 150, 199};
        forget_dataset *rows = nullptr;
        check(forget_dataset_subset_ids(&rows, train.get(), request, 3),
              "subset");
        Dataset erase(rows);
        check(forget_unlearner_forget(unlearner.get(), erase.get()),
              "forget");
        double acc = 0, seconds = 0;
        check(forget_eval_accuracy(model.get(), train.get(), &acc), "eval");
        check(forget_report_get(forget_unlearner_report(unlearner.get()),
                                "seconds", &seconds), "report");
        std::printf("forgot 3 rows exactly in %.6f s; accuracy %.3f\n",
                    seconds, acc);

        // Errors surface as exceptions with the library's message.
        const uint64_t unknown = 12345;
        forget_dataset *none = nullptr;
        try {
            check(forget_dataset_subset_ids(&none, train.get(), &unknown, 1),
                  "subset");
        } catch (const std::runtime_error &e) {
            std::printf("as expected: %s\n", e.what());
        }
        return acc > 0.9 ? 0 : 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
