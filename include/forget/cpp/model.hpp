/*
 * libforget for C++ — models (part of forget.hpp).
 *
 * forget::Model is move-only and owns its forget_model through a
 * std::shared_ptr to a small state (the handle, the progress function,
 * and for a host model its C++ callbacks). The sharing is not for copies
 * of Model (there are none): it is what lets an Unlearner keep its model
 * alive. An unlearner holds the same shared state, so destroying the
 * Model first does not free the C model under the unlearner, nor the C++
 * callbacks a host model's C object calls. unlearner.model() gives a
 * Model sharing that state again.
 */
#ifndef FORGET_CPP_MODEL_HPP
#define FORGET_CPP_MODEL_HPP

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "call.hpp"
#include "dataset.hpp"
#include "params.hpp"
#include "report.hpp"

namespace forget {

typedef std::array<unsigned char, FORGET_DIGEST_SIZE> Digest;

/* One named block of a model's flat parameter vector. */
struct Block {
    std::string name;         /* "dense0.weight" */
    size_t offset;            /* into get_params() */
    size_t size;              /* floats */
    std::vector<size_t> shape; /* {outputs, inputs} or {size} */
};

/* A model computed by C++ code (see host.hpp for how to make one). */
class HostModel {
public:
    virtual ~HostModel() {}
    /* out (n x outputs) = the outputs of rows x (n x inputs): logits for
     * classification, values for regression. */
    virtual void forward(const float *params, const float *x, size_t n,
                         float *out) = 0;
    /* grads (n x n_params): row i = the gradient with respect to params of
     * sum_j dout[i][j] * out[i][j]. */
    virtual void backward(const float *params, const float *x,
                          const float *dout, size_t n, float *grads) = 0;
};

namespace detail {

/* What a host model's C object (and every clone of it) calls back into. */
struct HostContext {
    std::recursive_mutex lock; /* one callback at a time */
    std::shared_ptr<HostModel> impl;
    Slot slot;                 /* exceptions of callbacks on other threads */
};

struct ModelState {
    forget_model *handle = nullptr;
    bool owns = true;            /* false: a model its unlearner owns */
    std::shared_ptr<void> owner; /* keeps that unlearner alive */
    std::shared_ptr<HostContext> host;
    Progress progress;

    ModelState(forget_model *h, std::shared_ptr<HostContext> hc)
        : handle(h), host(hc)
    {
    }
    ~ModelState()
    {
        if (owns)
            forget_model_free(handle);
    }
    ModelState(const ModelState &) = delete;
    ModelState &operator=(const ModelState &) = delete;
    Slot *slot() const { return host ? &host->slot : nullptr; }
};

inline std::vector<unsigned char> read_buffer(
    const std::function<int(void *, size_t, size_t *)> &save)
{
    size_t size = 0;
    check(save(nullptr, 0, &size));
    std::vector<unsigned char> buf(size);
    check(save(buf.data(), buf.size(), &size));
    buf.resize(size);
    return buf;
}

} // namespace detail

class Model {
public:
    Model() noexcept {}
    /* Takes ownership of m (NULL gives an empty Model). */
    explicit Model(forget_model *m)
        : s_(m ? adopt(m, std::shared_ptr<detail::HostContext>()) : nullptr)
    {
    }
    /* For the wrappers: a Model over a shared state. */
    explicit Model(std::shared_ptr<detail::ModelState> state) noexcept
        : s_(std::move(state))
    {
    }
    Model(Model &&) noexcept = default;
    Model &operator=(Model &&) noexcept = default;
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    /* kind "linear", "mlp" or "analytic" (forget_model_create). */
    static Model create(const std::string &kind,
                        const Params &params = Params())
    {
        return made([&](forget_model **out) {
            return forget_model_create(out, kind.c_str(), params.c_str());
        });
    }
    /* An analytic model on a trained mlp's hidden layers. */
    static Model trunk(const Model &mlp, const Params &params = Params())
    {
        return made([&](forget_model **out) {
            return forget_model_create_trunk(out, mlp.handle(), params.c_str());
        });
    }
    static Model load(const std::string &path)
    {
        return made([&](forget_model **out) {
            return forget_model_load(out, path.c_str());
        });
    }
    static Model load_buffer(const void *buf, size_t size)
    {
        return made([&](forget_model **out) {
            return forget_model_load_buffer(out, buf, size);
        });
    }
    static Model load_buffer(const std::vector<unsigned char> &buf)
    {
        return load_buffer(buf.data(), buf.size());
    }
    /* safetensors (forget_model_import; params "kind= act= task="). */
    static Model import_safetensors(const std::string &path,
                                    const Params &params = Params())
    {
        return made([&](forget_model **out) {
            return forget_model_import(out, path.c_str(), params.c_str());
        });
    }
    static Model import_safetensors_buffer(const void *buf, size_t size,
                                           const Params &params = Params())
    {
        return made([&](forget_model **out) {
            return forget_model_import_buffer(out, buf, size,
                                              params.c_str());
        });
    }
    static Model import_safetensors_buffer(
        const std::vector<unsigned char> &buf,
        const Params &params = Params())
    {
        return import_safetensors_buffer(buf.data(), buf.size(), params);
    }

    /* A deep copy; a host model's copy calls the same C++ callbacks
     * (and keeps them alive). */
    Model clone() const
    {
        forget_model *c = nullptr;
        check(forget_model_clone(&c, handle()));
        return Model(adopt(c, s_->host));
    }

    forget_model *get() const noexcept { return s_ ? s_->handle : nullptr; }
    /* The handle, or Error FORGET_E_STATE when empty. */
    forget_model *handle() const { return detail::need(get(), "Model"); }
    /* Gives up ownership of the handle (the caller frees it). Refused
     * with FORGET_E_STATE while an unlearner or another Model shares it,
     * for a model an unlearner owns, and for a host model (its C object
     * would outlive the C++ callbacks). */
    forget_model *release()
    {
        handle();
        if (s_.use_count() != 1 || !s_->owns || s_->host)
            detail::fail(FORGET_E_STATE,
                         "this forget::Model cannot give up its handle: " +
                             std::string(!s_->owns ? "its unlearner owns it"
                                         : s_->host
                                             ? "it is a C++ host model"
                                             : "an unlearner shares it"));
        forget_model *m = s_->handle;
        s_->handle = nullptr;
        s_.reset();
        return m;
    }
    explicit operator bool() const noexcept { return get() != nullptr; }
    /* Whether an unlearner (or another Model from unlearner.model())
     * shares this model. */
    bool shared() const noexcept { return s_ && s_.use_count() > 1; }

    std::string kind() const { return forget_model_kind(handle()); }
    /* The canonical creation parameters. */
    std::string params() const { return forget_model_params(handle()); }
    int32_t task() const { return forget_model_task(handle()); }
    size_t inputs() const { return forget_model_inputs(handle()); }
    size_t outputs() const { return forget_model_outputs(handle()); }

    size_t param_count() const { return forget_model_param_count(handle()); }
    std::vector<float> get_params() const
    {
        std::vector<float> v(param_count());
        check(forget_model_get_params(handle(), v.data(), v.size()));
        return v;
    }
    /* Refused (nothing changed) for another size or a non-finite value. */
    void set_params(const std::vector<float> &v)
    {
        check(forget_model_set_params(handle(), v.data(), v.size()));
    }
    std::vector<Block> blocks() const
    {
        std::vector<Block> out;
        size_t n = forget_model_block_count(handle());
        for (size_t i = 0; i < n; i++) {
            Block b;
            const char *name = nullptr;
            size_t dims[FORGET_MAX_DIMS] = {0, 0, 0, 0}, ndim = 0;
            check(forget_model_block(handle(), i, &name, &b.offset, &b.size));
            check(forget_model_block_shape(handle(), i, dims, &ndim));
            b.name = name ? name : "";
            b.shape.assign(dims, dims + ndim);
            out.push_back(b);
        }
        return out;
    }
    /* An ensemble's constituents (sisa's): their count, and a copy of
     * part i (the library's own pointer changes with the next request). */
    size_t part_count() const { return forget_model_part_count(handle()); }
    Model part(size_t i) const
    {
        const forget_model *p = forget_model_part(handle(), i);
        if (p == nullptr)
            detail::fail(FORGET_E_NOT_FOUND,
                         "the model has no part " + std::to_string(i) +
                             " (it has " + std::to_string(part_count()) +
                             ")");
        forget_model *c = nullptr;
        check(forget_model_clone(&c, p));
        return Model(adopt(c, s_->host));
    }

    /* Training (params as forget_model_train); on failure, cancel or an
     * exception from a callback the model is as before. */
    void train(const Dataset &data, const Params &params = Params())
    {
        forget_model *m = handle();
        detail::run(m, forget_model_set_progress, s_->progress, s_->slot(),
                    [&] {
                        return forget_model_train(m, data.handle(),
                                                  params.c_str());
                    });
    }
    /* Figures of the last successful training (empty before). */
    Report train_report() const
    {
        return Report(forget_model_train_report(handle()));
    }
    /* Progress of train() (an empty function removes it); shared with
     * every Model over the same state. */
    void set_progress(Progress fn)
    {
        handle();
        s_->progress = std::move(fn);
    }

    /* rows x outputs floats: probabilities, or regression outputs. */
    std::vector<float> predict(const Dataset &data) const
    {
        forget_model *m = handle();
        std::vector<float> out(data.rows() * outputs());
        detail::run(s_->slot(), [&] {
            return forget_model_predict(m, data.handle(), out.data(),
                                        out.size());
        });
        return out;
    }
    /* The same for x: rows of inputs() floats. */
    std::vector<float> predict(const std::vector<float> &x) const
    {
        size_t d = inputs();
        if (d == 0 || x.size() % d != 0)
            detail::fail(FORGET_E_INVALID,
                         "x holds " + std::to_string(x.size()) +
                             " floats, not rows of " + std::to_string(d) +
                             " inputs");
        return predict(x.data(), x.size() / d);
    }
    std::vector<float> predict(const float *x, size_t n) const
    {
        forget_model *m = handle();
        std::vector<float> out(n * outputs());
        detail::run(s_->slot(), [&] {
            return forget_model_predict_raw(m, x, n, out.data(), out.size());
        });
        return out;
    }

    Digest digest() const
    {
        Digest d;
        check(forget_model_digest(handle(), d.data()));
        return d;
    }

    void save(const std::string &path) const
    {
        check(forget_model_save(handle(), path.c_str()));
    }
    std::vector<unsigned char> save_buffer() const
    {
        forget_model *m = handle();
        return detail::read_buffer([&](void *b, size_t c, size_t *s) {
            return forget_model_save_buffer(m, b, c, s);
        });
    }
    /* safetensors (params "names=libforget|torch"). */
    void export_safetensors(const std::string &path,
                            const Params &params = Params()) const
    {
        check(forget_model_export(handle(), path.c_str(), params.c_str()));
    }
    std::vector<unsigned char> export_safetensors_buffer(
        const Params &params = Params()) const
    {
        forget_model *m = handle();
        return detail::read_buffer([&](void *b, size_t c, size_t *s) {
            return forget_model_export_buffer(m, b, c, s, params.c_str());
        });
    }

    /* For the wrappers: the shared state and the host model's slot. */
    const std::shared_ptr<detail::ModelState> &state() const { return s_; }
    detail::Slot *slot() const { return s_ ? s_->slot() : nullptr; }

private:
public:
    /* For the wrappers: a new state owning m (freed if this throws). */
    static std::shared_ptr<detail::ModelState> adopt(
        forget_model *m, std::shared_ptr<detail::HostContext> host)
    {
        try {
            return std::make_shared<detail::ModelState>(m, host);
        } catch (...) {
            forget_model_free(m);
            throw;
        }
    }

private:
    template <class Make> static Model made(Make make)
    {
        forget_model *m = nullptr;
        check(make(&m));
        return Model(m);
    }
    std::shared_ptr<detail::ModelState> s_;
};

} // namespace forget

#endif
