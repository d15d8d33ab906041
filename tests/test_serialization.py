"""dyngrad.save / dyngrad.load: round trips, atomic writes, and refusal of damaged or foreign files."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import dyngrad
from dyngrad import nn
from dyngrad.serialization import SerializationError, load, save

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def _round_trip(obj, **load_kwargs):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **load_kwargs)


def _assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dyngrad.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.numpy() if not a.requires_grad else a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_round_trip_nested_structures():
    obj = {
        "tensors": [dyngrad.arange(6).reshape(2, 3), dyngrad.ones(2, dtype=dyngrad.float64),
                    dyngrad.tensor([True, False]), dyngrad.zeros(0, 3), dyngrad.tensor(3.5),
                    dyngrad.tensor([1, 2], dtype=dyngrad.uint8), dyngrad.tensor([1.0], dtype=dyngrad.float16)],
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "scalars": (1, -2**70, 2.5, float("inf"), float("-inf"), float("nan"), True, False, None, "text ✓"),
        "bytes": b"\x00\xff raw",
        "numpy": [np.arange(4, dtype=np.int16), np.float32(1.5), np.int64(7), np.array([[1 + 2j]])],
        0: "int key", 2.5: "float key", (1, "x"): "tuple key", None: "none key", True: "bool key",
        "empty": [[], (), {}],
        "meta": [dyngrad.float32, dyngrad.device("cpu"), dyngrad.Size([2, 3])],
    }
    _assert_same(obj, _round_trip(obj))


def test_requires_grad_and_parameters():
    p = nn.Parameter(dyngrad.randn(3))
    t = dyngrad.randn(2, requires_grad=True)
    out = _round_trip({"p": p, "t": t, "y": t * 2})
    # a Parameter loads as a plain tensor (state_dicts hold tensors), keeping requires_grad
    assert type(out["p"]) is dyngrad.Tensor and out["p"].requires_grad
    assert out["t"].requires_grad and out["t"].is_leaf
    np.testing.assert_array_equal(out["p"].detach().numpy(), p.detach().numpy())
    np.testing.assert_array_equal(out["y"].detach().numpy(), (t * 2).detach().numpy())


def test_loaded_arrays_are_writable_and_independent():
    x = dyngrad.arange(4.0)
    out = _round_trip([x])
    out[0].add_(1)
    np.testing.assert_array_equal(x.numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(out[0].numpy(), [1, 2, 3, 4])


def test_shared_tensors_are_stored_once():
    x = dyngrad.arange(1000.0)
    buf = io.BytesIO()
    save({"a": x, "b": x, "c": [x]}, buf)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert sum(n.endswith(".npy") for n in names) == 1
    buf.seek(0)
    out = load(buf)
    assert out["a"] is out["b"] is out["c"][0]
    # a view of part of the memory is stored separately and loads as an independent tensor
    out = _round_trip({"x": x, "row": x[10:20]})
    np.testing.assert_array_equal(out["row"].numpy(), np.arange(10.0, 20.0))


def test_non_contiguous_and_big_endian_arrays():
    x = dyngrad.arange(12.0).reshape(3, 4).t()
    big = np.arange(5, dtype=">i4")
    out = _round_trip({"x": x, "big": big})
    np.testing.assert_array_equal(out["x"].numpy(), x.numpy())
    np.testing.assert_array_equal(out["big"], big)
    assert out["big"].dtype == np.int32


def test_model_and_optimizer_state_dict_round_trip(tmp_path):
    dyngrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    path = tmp_path / "ckpt.pt"
    state = {"model": model.state_dict(), "epoch": 5, "rng": dyngrad.get_rng_state()}
    try:
        from dyngrad import optim
    except ImportError:  # the optimizers are not there yet
        optim = None
    opt = None
    if optim is not None and hasattr(optim, "SGD"):
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(dyngrad.randn(5, 4)).sum().backward()
        opt.step()
        state["model"] = model.state_dict()
        state["optimizer"] = opt.state_dict()
    save(state, path)
    loaded = load(path, map_location="cpu")
    _assert_same(state["model"], loaded["model"])
    assert loaded["epoch"] == 5
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(loaded["model"])
    x = dyngrad.randn(2, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())
    dyngrad.set_rng_state(loaded["rng"])
    if opt is not None:
        _assert_same(state["optimizer"], loaded["optimizer"])
        opt2 = optim.SGD(fresh.parameters(), lr=0.1, momentum=0.9)
        opt2.load_state_dict(loaded["optimizer"])


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_torch_state_dict_layout_matches():
    """The loaded state_dict has the keys, shapes and dtypes torch.save/torch.load give."""
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1, bias=False))
    dm = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1, bias=False))
    buf = io.BytesIO()
    torch.save(tm.state_dict(), buf)
    buf.seek(0)
    expected = torch.load(buf)
    got = _round_trip(dm.state_dict())
    assert list(got) == list(expected)
    for k in got:
        assert tuple(got[k].shape) == tuple(expected[k].shape)
        assert str(got[k].dtype).split(".")[-1] == str(expected[k].dtype).split(".")[-1]


def test_unsupported_object_names_type_and_path(tmp_path):
    class Foo:
        pass

    path = tmp_path / "x.pt"
    with pytest.raises(TypeError, match=r"save: can't store object of type Foo at \['model'\]\['x'\]"):
        save({"model": {"x": Foo()}}, path)
    assert not path.exists()
    assert os.listdir(tmp_path) == []  # no temporary file left behind
    with pytest.raises(TypeError, match=r"object dtype|dtype object"):
        save([np.array([None])], io.BytesIO())
    with pytest.raises(TypeError, match=r"dict key of type frozenset"):
        save({frozenset(): 1}, io.BytesIO())
    with pytest.raises(TypeError, match=r"type Linear at <root> \(save its state_dict\(\) instead\)"):
        save(nn.Linear(2, 2), io.BytesIO())
    with pytest.raises(TypeError, match=r"type set at \[1\]"):
        save([1, {2}], io.BytesIO())


def test_interrupted_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save({"v": dyngrad.ones(3)}, path)
    original = np.lib.format.write_array
    calls = []

    def failing_write(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            fp.write(b"partial")
            raise OSError("disk full")
        return original(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="disk full"):
        save({"v": dyngrad.zeros(3), "w": dyngrad.zeros(2)}, path)
    monkeypatch.undo()
    assert len(calls) == 2
    np.testing.assert_array_equal(load(path)["v"].numpy(), [1, 1, 1])
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]


def test_save_overwrites_atomically_via_replace(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save([1], path)
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (replaced.append((a, b)), real_replace(a, b)))
    save([2], str(path))
    assert len(replaced) == 1 and os.path.dirname(replaced[0][0]) == str(tmp_path)
    assert load(path) == [2]


def _saved_bytes(obj) -> bytes:
    buf = io.BytesIO()
    save(obj, buf)
    return buf.getvalue()


def _expect_refused(data: bytes, tmp_path, match: str):
    path = tmp_path / "bad.pt"
    path.write_bytes(data)
    with pytest.raises(SerializationError, match=match) as info:
        load(path)
    assert "bad.pt" in str(info.value)


def test_truncated_file_refused(tmp_path):
    data = _saved_bytes({"w": dyngrad.randn(100)})
    for cut in (len(data) // 2, len(data) - 10, 10):
        _expect_refused(data[:cut], tmp_path, "truncated")
    _expect_refused(b"", tmp_path, "empty")


def test_corrupt_entry_refused_by_crc(tmp_path):
    w = dyngrad.arange(200.0)
    data = bytearray(_saved_bytes({"w": w}))
    raw = w.numpy().tobytes()
    at = bytes(data).index(raw[400:432]) + 8
    data[at] ^= 0xFF
    _expect_refused(bytes(data), tmp_path, "CRC")


def _rewrite(data: bytes, change) -> bytes:
    """Rebuild the archive with ``change(name, bytes) -> bytes | None`` applied to each entry."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        dst.comment = src.comment
        for name in src.namelist():
            new = change(name, src.read(name))
            if new is not None:
                dst.writestr(name, new)
    return out.getvalue()


def test_bad_manifest_refused(tmp_path):
    data = _saved_bytes({"w": dyngrad.ones(2)})
    manifest = "dyngrad/manifest.json"
    bad_json = _rewrite(data, lambda n, b: b"{not json" if n == manifest else b)
    _expect_refused(bad_json, tmp_path, "manifest is not valid JSON")

    def edit(field, value):
        def change(n, b):
            if n != manifest:
                return b
            m = json.loads(b)
            m[field] = value
            return json.dumps(m).encode()
        return change

    _expect_refused(_rewrite(data, edit("magic", "other")), tmp_path, "magic marker")
    _expect_refused(_rewrite(data, edit("format_version", 99)), tmp_path, "format version 99")
    _expect_refused(_rewrite(data, edit("arrays", [{"name": "dyngrad/data/0.npy", "dtype": "int8", "shape": [2]}])),
                    tmp_path, "manifest says int8")
    missing = _rewrite(data, lambda n, b: None if n.endswith(".npy") else b)
    _expect_refused(missing, tmp_path, "missing entries")


def test_foreign_files_refused(tmp_path):
    _expect_refused(pickle.dumps({"a": 1}, protocol=2), tmp_path, "pickle")
    _expect_refused(os.urandom(300), tmp_path, "not a zip archive")
    buf = io.BytesIO()
    np.save(buf, np.arange(3))
    _expect_refused(buf.getvalue(), tmp_path, "NumPy .npy")
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("hello.txt", "hi")
    _expect_refused(other_zip.getvalue(), tmp_path, "without a dyngrad manifest")


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_torch_pt_file_refused(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(SerializationError, match="PyTorch torch.save archive"):
        load(path)


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_zip_with_pickle_payload_refused(tmp_path):
    data = _saved_bytes({"w": dyngrad.ones(2)})
    # a pickle smuggled in as an extra entry
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("dyngrad/data.pkl", pickle.dumps(_Boom()))
    _expect_refused(buf.getvalue(), tmp_path, "unexpected entries")
    # an object-dtype .npy (which holds a pickle) in place of an array
    evil = io.BytesIO()
    np.save(evil, np.array([_Boom()], dtype=object), allow_pickle=True)
    swapped = _rewrite(data, lambda n, b: evil.getvalue() if n.endswith("0.npy") else b)
    _expect_refused(swapped, tmp_path, "manifest says")


def test_map_location_forms_and_validation():
    data = _saved_bytes([dyngrad.ones(1)])
    for ml in (None, "cpu", dyngrad.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert load(io.BytesIO(data), map_location=ml)[0].shape == (1,)
    assert load(io.BytesIO(data), weights_only=False)[0].shape == (1,)
    with pytest.raises(RuntimeError, match="cuda"):
        load(io.BytesIO(data), map_location="cuda")
    with pytest.raises(TypeError, match="map_location"):
        load(io.BytesIO(data), map_location=3)


def test_file_objects_and_paths(tmp_path):
    path = tmp_path / "a.pt"
    with open(path, "wb") as fh:
        save({"k": 1}, fh)
    with open(path, "rb") as fh:
        assert load(fh) == {"k": 1}
    save({"k": 2}, str(path))
    assert load(str(path)) == {"k": 2}


def test_top_level_names_when_wired():
    if not hasattr(dyngrad, "save"):
        pytest.skip("dyngrad.save is not wired into dyngrad/__init__.py yet")
    assert dyngrad.save is save and dyngrad.load is load
