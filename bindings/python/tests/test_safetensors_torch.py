"""safetensors between PyTorch and libforget, checked against torch itself.

Files are written from a torch state_dict with plain Python (struct + json;
Debian has no python3-safetensors), laid out as the safetensors writer lays
them out (keys sorted as text, so "10.weight" comes before "2.weight", the
header padded with spaces), and read by the C library through ctypes, so
this test does not depend on the Python package. Predictions must agree
with torch's to 1e-6, in both directions. Skipped without torch.

Run: LIBFORGET=build/libforget.so.0 /usr/bin/python3 -m pytest \
     bindings/python/tests/test_safetensors_torch.py
"""
import ctypes
import json
import os
import struct

import pytest

torch = pytest.importorskip("torch")

FORGET_OK = 0


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(os.environ.get("LIBFORGET", "libforget.so.0"))
    vp, sz = ctypes.c_void_p, ctypes.c_size_t
    fp = ctypes.POINTER(ctypes.c_float)
    lib.forget_last_error.restype = ctypes.c_char_p
    lib.forget_model_import_buffer.argtypes = [ctypes.POINTER(vp), vp, sz,
                                               ctypes.c_char_p]
    lib.forget_model_export_buffer.argtypes = [vp, vp, sz,
                                               ctypes.POINTER(sz),
                                               ctypes.c_char_p]
    lib.forget_model_predict_raw.argtypes = [vp, fp, sz, fp, sz]
    lib.forget_model_params.restype = ctypes.c_char_p
    lib.forget_model_params.argtypes = [vp]
    lib.forget_model_outputs.restype = sz
    lib.forget_model_outputs.argtypes = [vp]
    lib.forget_model_free.argtypes = [vp]
    assert lib.forget_init() == FORGET_OK
    yield lib
    assert lib.forget_shutdown() == FORGET_OK


DTYPES = {torch.float32: "F32", torch.float64: "F64",
          torch.float16: "F16", torch.bfloat16: "BF16"}


def tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)  # numpy has no bfloat16
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def safetensors_bytes(state_dict, metadata=None):
    """The safetensors file of a state_dict, as its reference writer lays
    it out: keys sorted, data in that order, header padded to 8 bytes."""
    header, data, at = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in sorted(state_dict):
        t = state_dict[name]
        b = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [at, at + len(b)]}
        data += b
        at += len(b)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def read_safetensors(buf):
    """{name: float32 tensor} and the metadata of a safetensors file."""
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32"
        begin, end = info["data_offsets"]
        raw = bytearray(buf[8 + n + begin:8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(
            info["shape"]).clone()
    return out, meta


def network(widths, act, seed):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(act())
    return torch.nn.Sequential(*layers)


def import_buffer(lib, buf, params):
    m = ctypes.c_void_p()
    rc = lib.forget_model_import_buffer(ctypes.byref(m), buf, len(buf),
                                        params.encode())
    assert rc == FORGET_OK, lib.forget_last_error().decode()
    return m


def predict(lib, m, x):
    x = x.detach().to(torch.float32).contiguous()
    n, k = x.shape[0], lib.forget_model_outputs(m)
    out = (ctypes.c_float * (n * k))()
    xs = (ctypes.c_float * x.numel()).from_buffer_copy(x.numpy().tobytes())
    assert lib.forget_model_predict_raw(m, xs, n, out, n * k) == FORGET_OK
    return torch.tensor(list(out)).reshape(n, k)


def torch_outputs(net, x, task):
    with torch.no_grad():
        z = net(x)
    return torch.softmax(z, dim=1) if task == "classification" else z


# 11 Linear layers: nn.Sequential indices 0, 2, ..., 20, so "10" sorts
# before "2" in the file and the natural order must put it back.
CASES = [
    ([5, 7, 6, 8, 5, 9, 4, 6, 7, 5, 6, 3], torch.nn.Tanh, "tanh",
     "classification"),
    ([4, 16, 16, 3], torch.nn.ReLU, "relu", "classification"),
    ([6, 10, 2], torch.nn.Tanh, "tanh", "regression"),
    ([3, 2], torch.nn.ReLU, "relu", "regression"),
]


@pytest.mark.parametrize("widths,act,act_name,task", CASES)
@pytest.mark.parametrize("dtype", list(DTYPES))
def test_torch_file_predicts_as_torch(lib, widths, act, act_name, task,
                                      dtype):
    net = network(widths, act, seed=len(widths))
    net = net.to(dtype).to(torch.float32)  # the values the file holds
    sd = {k: v.to(dtype) for k, v in net.state_dict().items()}
    buf = safetensors_bytes(sd, {"format": "pt"})
    m = import_buffer(lib, buf, f"act={act_name} task={task}")
    try:
        assert f"act={act_name}" in lib.forget_model_params(m).decode() \
            or len(widths) == 2
        torch.manual_seed(99)
        x = torch.randn(64, widths[0])
        got = predict(lib, m, x)
        want = torch_outputs(net, x, task)
        assert torch.max(torch.abs(got - want)).item() < 1e-6
    finally:
        lib.forget_model_free(m)


@pytest.mark.parametrize("widths,act,act_name,task", CASES)
def test_export_loads_into_torch(lib, widths, act, act_name, task):
    net = network(widths, act, seed=3)
    m = import_buffer(lib, safetensors_bytes(net.state_dict()),
                      f"kind=mlp act={act_name} task={task}")
    try:
        size = ctypes.c_size_t()
        assert lib.forget_model_export_buffer(
            m, None, 0, ctypes.byref(size), b"names=torch") == FORGET_OK
        out = ctypes.create_string_buffer(size.value)
        assert lib.forget_model_export_buffer(
            m, out, size.value, ctypes.byref(size), b"names=torch") == 0
        tensors, meta = read_safetensors(out.raw)
        assert meta["format"] == "pt"
        assert meta["libforget.kind"] == "mlp"
        other = network(widths, act, seed=12345)
        other.load_state_dict(tensors, strict=True)
        for k, v in net.state_dict().items():
            assert torch.equal(other.state_dict()[k], v)
        torch.manual_seed(7)
        x = torch.randn(32, widths[0])
        want = torch_outputs(other, x, task)
        got = predict(lib, m, x)
        assert torch.max(torch.abs(got - want)).item() < 1e-6
    finally:
        lib.forget_model_free(m)
