// libforget from C++11 through forget.hpp: owning wrappers, exceptions
// for errors, and one deletion request end to end.
//   g++ -std=c++11 quickstart.cpp $(pkg-config --cflags --libs forget)
#include <forget/forget.hpp>

#include <cstdio>
#include <vector>

int main()
{
    try {
        forget::Library lib; // forget_init now, forget_shutdown at the end
        // Two classes on a line: x < 0 is class 0, x > 0 class 1.
        std::vector<float> x;
        std::vector<int32_t> y;
        for (int i = 0; i < 200; i++) {
            float v = static_cast<float>(i - 100) / 25.0f;
            x.push_back(v);
            x.push_back(1.0f);
            y.push_back(v > 0 ? 1 : 0);
        }
        forget::Dataset train = forget::Dataset::classification(x, 2, y);

        forget::Model model =
            forget::Model::create("analytic", {{"inputs", 2}, {"outputs", 2}});
        // The unlearner shares the model: it stays alive as long as either.
        forget::Unlearner unlearner =
            forget::Unlearner::create("analytic", model);
        unlearner.prepare(train);

        forget::Dataset erase = train.subset_ids({10, 150, 199});
        unlearner.forget(erase);
        double acc = forget::eval::accuracy(model, train);
        std::printf("forgot 3 rows exactly in %.6f s; accuracy %.3f\n",
                    unlearner.report().get("seconds"), acc);

        // Errors surface as forget::Error with the code and the message.
        try {
            train.subset_ids({12345});
        } catch (const forget::Error &e) {
            std::printf("as expected (code %d): %s\n", e.code(), e.what());
        }
        return acc > 0.9 ? 0 : 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
