/*
 * libforget for C++ — datasets (part of forget.hpp).
 *
 * forget::Dataset owns one forget_dataset: move-only, freed by its
 * destructor. The library copies what it keeps from a dataset (prepare,
 * train), so a dataset may be destroyed as soon as the call that used it
 * has returned. The pointer views (x(), labels(), ...) live as long as the
 * dataset.
 */
#ifndef FORGET_CPP_DATASET_HPP
#define FORGET_CPP_DATASET_HPP

#include <memory>
#include <string>
#include <vector>

#include "error.hpp"
#include "params.hpp"

namespace forget {

class Dataset {
public:
    Dataset() noexcept {}
    /* Takes ownership of ds (NULL gives an empty Dataset). */
    explicit Dataset(forget_dataset *ds) noexcept : h_(ds) {}

    /* Classification: x holds n = labels.size() rows of `features` floats;
     * ids empty for 0..n-1, else n distinct values. */
    static Dataset classification(const std::vector<float> &x,
                                  size_t features,
                                  const std::vector<int32_t> &labels,
                                  const std::vector<uint64_t> &ids =
                                      std::vector<uint64_t>())
    {
        size_t n = labels.size();
        check_sizes(x.size(), n, features, ids.size(), "labels");
        return classification(n, features, x.data(), labels.data(),
                              ids.empty() ? nullptr : ids.data());
    }
    static Dataset classification(size_t n, size_t features, const float *x,
                                  const int32_t *labels,
                                  const uint64_t *ids = nullptr)
    {
        forget_dataset *ds = nullptr;
        check(forget_dataset_create(&ds, n, features, x, labels, ids));
        return Dataset(ds);
    }
    /* Regression: targets holds n rows of target_dim floats. */
    static Dataset regression(const std::vector<float> &x, size_t features,
                              const std::vector<float> &targets,
                              size_t target_dim,
                              const std::vector<uint64_t> &ids =
                                  std::vector<uint64_t>())
    {
        if (target_dim == 0 || targets.size() % target_dim != 0)
            detail::fail(FORGET_E_INVALID,
                         "targets hold " + std::to_string(targets.size()) +
                             " floats, not rows of target_dim " +
                             std::to_string(target_dim));
        size_t n = targets.size() / target_dim;
        check_sizes(x.size(), n, features, ids.size(), "targets");
        forget_dataset *ds = nullptr;
        check(forget_dataset_create_regression(
            &ds, n, features, x.data(), targets.data(), target_dim,
            ids.empty() ? nullptr : ids.data()));
        return Dataset(ds);
    }
    /* CSV and IDX files (params as forget_dataset_load_csv/_idx). */
    static Dataset load_csv(const std::string &path,
                            const Params &params = Params())
    {
        forget_dataset *ds = nullptr;
        check(forget_dataset_load_csv(&ds, path.c_str(), params.c_str()));
        return Dataset(ds);
    }
    static Dataset load_idx(const std::string &images,
                            const std::string &labels,
                            const Params &params = Params())
    {
        forget_dataset *ds = nullptr;
        check(forget_dataset_load_idx(&ds, images.c_str(), labels.c_str(),
                                      params.c_str()));
        return Dataset(ds);
    }

    forget_dataset *get() const noexcept { return h_.get(); }
    /* The handle, or Error FORGET_E_STATE when empty. */
    forget_dataset *handle() const { return detail::need(h_.get(), "Dataset"); }
    /* Gives up ownership: the caller frees the handle. */
    forget_dataset *release() noexcept { return h_.release(); }
    explicit operator bool() const noexcept { return h_ != nullptr; }

    size_t rows() const { return forget_dataset_rows(handle()); }
    size_t features() const { return forget_dataset_features(handle()); }
    int32_t task() const { return forget_dataset_task(handle()); }
    size_t classes() const { return forget_dataset_classes(handle()); }
    size_t target_dim() const { return forget_dataset_target_dim(handle()); }
    /* Views (NULL when absent or empty; x() also for byte storage). */
    const float *x() const { return forget_dataset_x(handle()); }
    const int32_t *labels() const { return forget_dataset_labels(handle()); }
    const float *targets() const { return forget_dataset_targets(handle()); }
    const uint64_t *ids() const { return forget_dataset_ids(handle()); }
    /* Copies. */
    std::vector<uint64_t> id_list() const
    {
        const uint64_t *p = ids();
        return p ? std::vector<uint64_t>(p, p + rows())
                 : std::vector<uint64_t>();
    }
    /* Rows [begin, begin + count) as floats, whatever the storage. */
    std::vector<float> copy_rows(size_t begin, size_t count) const
    {
        size_t d = features();
        if (d != 0 && count > SIZE_MAX / d)
            detail::fail(FORGET_E_INVALID, "too many rows to copy");
        std::vector<float> out(count * d);
        check(forget_dataset_copy_rows(handle(), begin, count, out.data(),
                                       out.size()));
        return out;
    }
    /* The row of sample id; Error FORGET_E_NOT_FOUND if none. */
    size_t find(uint64_t id) const
    {
        size_t row = 0;
        check(forget_dataset_find(handle(), id, &row));
        return row;
    }
    bool contains(uint64_t id) const
    {
        size_t row = 0;
        return forget_dataset_find(handle(), id, &row) == FORGET_OK;
    }

    /* New datasets, rows in this one's order. */
    Dataset subset_ids(const std::vector<uint64_t> &ids) const
    {
        return derive([&](forget_dataset **out) {
            return forget_dataset_subset_ids(out, handle(), ids.data(),
                                             ids.size());
        });
    }
    Dataset exclude_ids(const std::vector<uint64_t> &ids) const
    {
        return derive([&](forget_dataset **out) {
            return forget_dataset_exclude_ids(out, handle(), ids.data(),
                                              ids.size());
        });
    }
    Dataset complement(const Dataset &remove) const
    {
        return derive([&](forget_dataset **out) {
            return forget_dataset_complement(out, handle(), remove.handle());
        });
    }
    Dataset subset_class(int32_t label) const
    {
        return derive([&](forget_dataset **out) {
            return forget_dataset_subset_class(out, handle(), label);
        });
    }
    Dataset slice(size_t begin, size_t end) const
    {
        return derive([&](forget_dataset **out) {
            return forget_dataset_slice(out, handle(), begin, end);
        });
    }

private:
    struct Free {
        void operator()(forget_dataset *ds) const { forget_dataset_free(ds); }
    };
    template <class Make> static Dataset derive(Make make)
    {
        forget_dataset *ds = nullptr;
        check(make(&ds));
        return Dataset(ds);
    }
    static void check_sizes(size_t x_size, size_t n, size_t features,
                            size_t n_ids, const char *per_row)
    {
        if (features != 0 ? (n > SIZE_MAX / features || x_size != n * features)
                          : x_size != 0)
            detail::fail(FORGET_E_INVALID,
                         "x holds " + std::to_string(x_size) +
                             " floats, not " + std::to_string(n) +
                             " rows (one per entry of " + per_row +
                             ") of " + std::to_string(features) +
                             " features");
        if (n_ids != 0 && n_ids != n)
            detail::fail(FORGET_E_INVALID,
                         "ids hold " + std::to_string(n_ids) +
                             " values for " + std::to_string(n) + " rows");
    }
    std::unique_ptr<forget_dataset, Free> h_;
};

} // namespace forget

#endif
