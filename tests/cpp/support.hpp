/* What several C++ test files use: data, a host logistic regression,
 * temporary paths. */
#ifndef FORGET_TESTS_CPP_SUPPORT_HPP
#define FORGET_TESTS_CPP_SUPPORT_HPP

#include "runner.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace fct {

/* A small deterministic generator (splitmix64). */
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next()
    {
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return (double)(next() >> 11) / 9007199254740992.0; }
    double gauss()
    {
        double u = uniform(), v = uniform();
        return std::sqrt(-2.0 * std::log(u + 1e-300)) *
               std::cos(6.283185307179586 * v);
    }
};

/* n rows of d features in `classes` separated blobs; ids id0.. */
inline forget::Dataset blobs(size_t n, size_t d, int32_t classes,
                             uint64_t seed, uint64_t id0 = 0)
{
    Rng r(seed);
    std::vector<float> x(n * d);
    std::vector<int32_t> y(n);
    std::vector<uint64_t> ids(n);
    for (size_t i = 0; i < n; i++) {
        int32_t c = (int32_t)(r.next() % (uint64_t)classes);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)(0.5 * r.gauss());
        x[i * d + (size_t)c % d] += 4.0f;
        y[i] = c;
        ids[i] = id0 + i;
    }
    return forget::Dataset::classification(x, d, y, ids);
}

/* count distinct ids drawn from ds's, in random order. */
inline std::vector<uint64_t> pick_ids(const forget::Dataset &ds,
                                      size_t count, uint64_t seed)
{
    std::vector<uint64_t> all = ds.id_list();
    Rng r(seed);
    for (size_t i = 0; i < count; i++)
        std::swap(all[i], all[i + r.next() % (all.size() - i)]);
    all.resize(count);
    return all;
}

/* A softmax regression computed in C++: the layout of the built-in
 * linear model (weights outputs x inputs, then biases). */
struct LogisticHost : forget::HostModel {
    size_t d, k;
    size_t forward_calls = 0, backward_calls = 0;
    LogisticHost(size_t inputs, size_t outputs) : d(inputs), k(outputs) {}
    void forward(const float *p, const float *x, size_t n,
                 float *out) override
    {
        forward_calls++;
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < k; c++) {
                float z = p[k * d + c];
                for (size_t j = 0; j < d; j++)
                    z += p[c * d + j] * x[i * d + j];
                out[i * k + c] = z;
            }
    }
    void backward(const float *, const float *x, const float *dout,
                  size_t n, float *g) override
    {
        backward_calls++;
        size_t np = k * (d + 1);
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < k; c++) {
                for (size_t j = 0; j < d; j++)
                    g[i * np + c * d + j] = dout[i * k + c] * x[i * d + j];
                g[i * np + k * d + c] = dout[i * k + c];
            }
    }
};

/* A path in a folder of this process's own (removed by the caller's
 * remove_tmp). */
inline std::string tmp_path(const std::string &name)
{
    std::string dir = "/tmp/forget-cpp-test-" + std::to_string(getpid());
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fct::fail(__FILE__, __LINE__, "cannot make " + dir);
    return dir + "/" + name;
}

inline void remove_tmp()
{
    std::string cmd =
        "rm -rf /tmp/forget-cpp-test-" + std::to_string(getpid());
    if (std::system(cmd.c_str()) != 0)
        fct::fail(__FILE__, __LINE__, "cannot clean " + cmd);
}

inline bool same(const std::vector<float> &a, const std::vector<float> &b,
                 double tol)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (!(std::fabs((double)a[i] - (double)b[i]) <= tol))
            return false;
    return true;
}

} // namespace fct

#endif
