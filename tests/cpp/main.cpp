/* Runs every registered C++ test case (tests/cpp/runner.hpp). Each case
 * runs between forget_init and forget_shutdown, which is refused while a
 * libforget object lives: a case that leaks one fails. Args: case names
 * to run only those. */
#include "runner.hpp"

#include <cstdio>
#include <cstring>
#include <exception>

int main(int argc, char **argv)
{
    size_t run = 0, failed = 0;
    for (const fct::Case &c : fct::cases()) {
        bool wanted = argc < 2;
        for (int i = 1; i < argc; i++)
            wanted = wanted || std::strcmp(argv[i], c.name) == 0;
        if (!wanted)
            continue;
        run++;
        std::string problem;
        if (forget_init() != FORGET_OK) {
            std::fprintf(stderr, "forget_init failed: %s\n",
                         forget_last_error());
            return 1;
        }
        try {
            c.fn();
        } catch (const fct::Failure &f) {
            problem = f.text;
        } catch (const std::exception &e) {
            problem = std::string("unexpected exception: ") + e.what();
        } catch (...) {
            problem = "unexpected exception of another type";
        }
        if (forget_shutdown() != FORGET_OK && problem.empty())
            problem = std::string("objects left alive: ") +
                      forget_last_error();
        if (!problem.empty()) {
            failed++;
            std::fprintf(stderr, "FAIL %s: %s\n", c.name, problem.c_str());
        }
    }
    std::printf("%zu C++ cases, %zu failed\n", run, failed);
    return failed == 0 && run > 0 ? 0 : 1;
}
