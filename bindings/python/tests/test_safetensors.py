"""Model.import_safetensors / export_safetensors: PyTorch's tensor files
through the package (the C reader's refusals are tested in C and in
test_safetensors_torch.py; here: the binding's routes, types and errors)."""
import json
import pathlib
import struct

import numpy as np
import pytest

import libforget as lf


def trained_mlp(data, widths, act):
    m = lf.Model("mlp", layers=widths, act=act, seed=5)
    return m.train(data, epochs=3, batch=32)


@pytest.mark.parametrize("names", ["libforget", "torch"])
@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_round_trip_bytes_and_path(data, tmp_path, names, act):
    with trained_mlp(data, [4, 6, 5, 3], act) as m:
        blob = m.export_safetensors(names=names)
        assert isinstance(blob, bytes)
        header = json.loads(blob[8:8 + struct.unpack("<Q", blob[:8])[0]])
        keys = sorted(k for k in header if k != "__metadata__")
        want = (["dense%d.%s" % (i, w) for i in range(3) for w in ("bias", "weight")]
                if names == "libforget" else
                ["%d.%s" % (i, w) for i in (0, 2, 4) for w in ("bias", "weight")])
        assert keys == sorted(want)
        with lf.Model.import_safetensors(blob) as back:
            assert back.digest() == m.digest()
        path = tmp_path / "m.safetensors"
        assert m.export_safetensors(pathlib.Path(path), names=names) is None
        assert path.read_bytes() == blob
        with lf.Model.import_safetensors(path) as back:  # os.PathLike
            assert back.digest() == m.digest()
        with lf.Model.import_safetensors(str(path), act="tanh" if act == "relu" else "relu") as other:
            assert other.creation_params != m.creation_params  # the caller's act wins
            assert np.array_equal(other.params, m.params)


def test_refusals_raise_the_matching_classes(data):
    with trained_mlp(data, [4, 5, 3], "relu") as m:
        blob = bytearray(m.export_safetensors())
    with pytest.raises(lf.FormatError) as e:  # a header longer than the file
        lf.Model.import_safetensors(struct.pack("<Q", len(blob)) + bytes(blob[8:]))
    assert isinstance(e.value, ValueError)
    cut = bytes(blob[:-4])                      # the data cut short
    with pytest.raises(lf.FormatError):
        lf.Model.import_safetensors(cut)
    with pytest.raises(lf.ParamError):
        lf.Model.import_safetensors(bytes(blob), act="sigmoid")
    with pytest.raises(lf.ForgetIOError):
        lf.Model.import_safetensors("/nonexistent/m.safetensors")
    with pytest.raises(TypeError):
        lf.Model.import_safetensors(12)
    with lf.Model("analytic", inputs=4, outputs=3) as a:
        with pytest.raises(lf.UnsupportedError):
            a.export_safetensors()
    with trained_mlp(data, [4, 5, 3], "relu") as m:
        with pytest.raises(lf.ParamError):
            m.export_safetensors(names="keras")


def test_a_torch_model_predicts_alike_after_import(xy):
    torch = pytest.importorskip("torch")
    from libforget.torch import to_state_dict  # noqa: F401 (the bridge imports)
    x, _ = xy
    torch.manual_seed(3)
    net = torch.nn.Sequential(torch.nn.Linear(4, 9), torch.nn.Tanh(),
                              torch.nn.Linear(9, 3))
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    # The file as torch's safetensors writes it: sorted keys, F32, metadata.
    header, chunks, at = {"__metadata__": {"format": "pt"}}, [], 0
    for k in sorted(sd):
        b = sd[k].tobytes()
        header[k] = {"dtype": "F32", "shape": list(sd[k].shape), "data_offsets": [at, at + len(b)]}
        chunks.append(b)
        at += len(b)
    h = json.dumps(header).encode()
    blob = struct.pack("<Q", len(h)) + h + b"".join(chunks)
    with lf.Model.import_safetensors(blob, act="tanh") as m:
        with torch.no_grad():
            want = torch.softmax(net(torch.from_numpy(x.astype(np.float32))), 1).numpy()
        assert np.abs(m.predict_proba(x) - want).max() < 1e-6
