/*
 * libforget for C++ — host models: a model computed by C++ code that the
 * library trains, evaluates and unlearns (part of forget.hpp).
 *
 * Either implement forget::HostModel (model.hpp) and pass a shared_ptr
 * to it, or pass two callables. The library keeps the parameters (initial
 * values copied from `params`) and hands them to the callbacks; read them
 * back with Model::get_params. The C++ object lives as long as the C model
 * or any clone of it can call it (clones, sisa's shards, an unlearner's
 * model after the Model was destroyed).
 *
 * Callbacks run one at a time per host model and its clones (a mutex in
 * the binding), even when the library asks from several threads (sisa
 * trains shards in parallel): they need not be thread-safe. A callback
 * may throw: the library call that asked fails (nothing changes), and the
 * wrapper rethrows the exception unchanged; a forget::Error gives C its
 * code, std::bad_alloc FORGET_E_NOMEM, anything else FORGET_E_INTERNAL.
 */
#ifndef FORGET_CPP_HOST_HPP
#define FORGET_CPP_HOST_HPP

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "model.hpp"

namespace forget {

typedef std::function<void(const float *params, const float *x, size_t n,
                           float *out)>
    HostForward;
typedef std::function<void(const float *params, const float *x,
                           const float *dout, size_t n, float *grads)>
    HostBackward;

/* The shape of a host model. */
struct HostShape {
    int32_t task;   /* FORGET_TASK_CLASSIFICATION or _REGRESSION */
    size_t inputs;  /* features per row */
    size_t outputs; /* classes, or regression targets */
};

namespace detail {

class FnHost : public HostModel {
public:
    FnHost(HostForward f, HostBackward b)
        : forward_(std::move(f)), backward_(std::move(b))
    {
    }
    void forward(const float *params, const float *x, size_t n,
                 float *out) override
    {
        forward_(params, x, n, out);
    }
    void backward(const float *params, const float *x, const float *dout,
                  size_t n, float *grads) override
    {
        backward_(params, x, dout, n, grads);
    }

private:
    HostForward forward_;
    HostBackward backward_;
};

inline int host_forward(const float *params, const float *x, size_t n,
                        float *out, void *user_data)
{
    HostContext *ctx = static_cast<HostContext *>(user_data);
    try {
        std::lock_guard<std::recursive_mutex> hold(ctx->lock);
        ctx->impl->forward(params, x, n, out);
        return FORGET_OK;
    } catch (...) {
        return absorb(&ctx->slot);
    }
}

inline int host_backward(const float *params, const float *x,
                         const float *dout, size_t n, float *grads,
                         void *user_data)
{
    HostContext *ctx = static_cast<HostContext *>(user_data);
    try {
        std::lock_guard<std::recursive_mutex> hold(ctx->lock);
        ctx->impl->backward(params, x, dout, n, grads);
        return FORGET_OK;
    } catch (...) {
        return absorb(&ctx->slot);
    }
}

} // namespace detail

/* A host model over impl (not NULL); params are its initial values. */
inline Model host_model(const HostShape &shape,
                        const std::vector<float> &params,
                        std::shared_ptr<HostModel> impl)
{
    if (!impl)
        detail::fail(FORGET_E_INVALID, "host_model: no HostModel given");
    std::shared_ptr<detail::HostContext> ctx =
        std::make_shared<detail::HostContext>();
    ctx->impl = std::move(impl);
    forget_host_model host;
    host.struct_size = sizeof host;
    host.task = shape.task;
    host.inputs = shape.inputs;
    host.outputs = shape.outputs;
    host.n_params = params.size();
    host.params = params.data();
    host.forward = &detail::host_forward;
    host.backward = &detail::host_backward;
    host.user_data = ctx.get();
    forget_model *m = nullptr;
    check(forget_model_create_host(&m, &host));
    return Model(Model::adopt(m, ctx));
}

/* The same with two callables (each may be a lambda). */
inline Model host_model(const HostShape &shape,
                        const std::vector<float> &params, HostForward forward,
                        HostBackward backward)
{
    if (!forward || !backward)
        detail::fail(FORGET_E_INVALID,
                     "host_model: give both forward and backward");
    return host_model(shape, params,
                      std::make_shared<detail::FnHost>(std::move(forward),
                                                       std::move(backward)));
}

} // namespace forget

#endif
