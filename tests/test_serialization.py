"""save/load: exact round trips, no pickle ever, clear errors on damaged files, atomic writes."""

from __future__ import annotations

import collections
import io
import json
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest

import autograd_core as ag


def listing(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- round trips ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "dtype",
    [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_],
)
def test_arrays_and_tensors_keep_dtype_shape_and_values(tmp_path, dtype) -> None:
    r = np.random.default_rng(0)
    a = (r.standard_normal((3, 4)) * 10).astype(dtype)
    t = ag.tensor(a)
    ag.save({"a": a, "t": t, "empty": np.zeros((0, 3), dtype=dtype)}, tmp_path / "f")
    back = ag.load(tmp_path / "f")
    assert type(back["a"]) is np.ndarray and back["a"].dtype == dtype
    np.testing.assert_array_equal(back["a"], a)
    assert isinstance(back["t"], ag.Tensor) and back["t"].dtype == dtype
    np.testing.assert_array_equal(back["t"].data, a)
    assert back["empty"].shape == (0, 3) and back["empty"].dtype == dtype


def test_requires_grad_kept_and_loaded_tensors_are_fresh_leaves(tmp_path) -> None:
    w = ag.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    y = w * 2  # a non-leaf: saved as its value
    ag.save([w, y, ag.tensor([1.0])], tmp_path / "f")
    w2, y2, c = ag.load(tmp_path / "f")
    assert w2.requires_grad and w2.is_leaf and w2.grad is None
    assert y2.requires_grad and y2.is_leaf  # as torch.save/torch.load: requires_grad kept
    assert not c.requires_grad
    (w2 * 3).sum().backward()
    np.testing.assert_array_equal(w2.grad.data, np.full((2, 2), 3.0))
    w2.data[0, 0] = 7.0  # writable, and its own memory
    assert w.data[0, 0] == 1.0


def test_nested_containers_numbers_and_key_order(tmp_path) -> None:
    obj = {
        "z": 1,
        "a": [1, 2.5, -0.0, float("inf"), -float("inf"), True, False, None, "text", "ünï"],
        3: (1, (2, [3, {"deep": np.arange(3)}])),
        (1, "k"): {"x": 10**30},
        None: "none key",
        2.5: "float key",
        "empty": {"list": [], "tuple": (), "dict": {}},
    }
    ag.save(obj, tmp_path / "f")
    back = ag.load(tmp_path / "f")
    assert list(back) == list(obj)  # key order kept, non-string keys too
    assert back["a"][:3] == [1, 2.5, -0.0] and np.copysign(1, back["a"][2]) == -1
    assert back["a"][3:] == obj["a"][3:]
    assert [type(v) for v in back["a"]] == [type(v) for v in obj["a"]]
    assert isinstance(back[3], tuple) and isinstance(back[3][1], tuple)
    np.testing.assert_array_equal(back[3][1][1][1]["deep"], np.arange(3))
    assert back[(1, "k")]["x"] == 10**30
    assert back[None] == "none key" and back[2.5] == "float key"
    assert back["empty"] == {"list": [], "tuple": (), "dict": {}}
    ag.save({"nan": float("nan")}, tmp_path / "g")
    assert np.isnan(ag.load(tmp_path / "g")["nan"])


def test_numpy_scalars_and_ordered_dicts(tmp_path) -> None:
    od = collections.OrderedDict([("b", np.float32(1.5)), ("a", np.int64(7)), ("c", np.bool_(1))])
    ag.save(od, tmp_path / "f")
    back = ag.load(tmp_path / "f")
    assert type(back) is collections.OrderedDict and list(back) == ["b", "a", "c"]
    assert type(back["b"]) is np.float32 and back["b"] == 1.5
    assert type(back["a"]) is np.int64 and back["a"] == 7
    assert type(back["c"]) is np.bool_


def test_shared_tensors_stay_shared(tmp_path) -> None:
    w = ag.tensor(np.arange(4.0), requires_grad=True)
    a = np.ones(3)
    ag.save({"enc": w, "dec": w, "x": a, "y": [a]}, tmp_path / "f")
    back = ag.load(tmp_path / "f")
    assert back["enc"] is back["dec"]
    assert back["x"] is back["y"][0]
    with zipfile.ZipFile(tmp_path / "f") as zf:
        assert sorted(zf.namelist()) == ["arrays/0.npy", "arrays/1.npy", "manifest.json"]


def test_writes_exactly_the_path_and_nothing_else(tmp_path) -> None:
    for name in ("model", "model.pt", "weights.npz"):
        ag.save({"w": np.ones(2)}, str(tmp_path / name))
    assert listing(tmp_path) == ["model", "model.pt", "weights.npz"]
    ag.save({"w": np.zeros(2)}, tmp_path / "model")  # overwrite
    np.testing.assert_array_equal(ag.load(tmp_path / "model")["w"], np.zeros(2))
    assert listing(tmp_path) == ["model", "model.pt", "weights.npz"]


def test_same_object_gives_same_bytes(tmp_path) -> None:
    obj = {"w": ag.tensor(np.arange(6.0).reshape(2, 3)), "step": 3}
    ag.save(obj, tmp_path / "a")
    ag.save(obj, tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_manifest_records_format_and_library_version(tmp_path) -> None:
    ag.save({"x": 1}, tmp_path / "f")
    with zipfile.ZipFile(tmp_path / "f") as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == "autograd_core"
    assert manifest["format_version"] == 1
    assert manifest["library_version"] == ag.__version__


def test_state_dict_round_trip_into_model(tmp_path) -> None:
    nn = pytest.importorskip("nn")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ag.save(model.state_dict(), tmp_path / "model.pt")
    ag.manual_seed(1)
    other = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = ag.load(tmp_path / "model.pt")
    assert list(sd) == list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    other.load_state_dict(sd)
    x = ag.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32))
    np.testing.assert_array_equal(other(x).data, model(x).data)


def test_optimizer_style_state_dict(tmp_path) -> None:
    sd = {
        "state": {0: {"step": ag.tensor(3.0), "exp_avg": np.ones(2)}, 1: {"step": 3}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1], "foreach": None}],
    }
    ag.save(sd, tmp_path / "opt")
    back = ag.load(tmp_path / "opt")
    assert list(back["state"]) == [0, 1]
    assert back["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["param_groups"][0]["foreach"] is None
    assert back["state"][1]["step"] == 3 and type(back["state"][1]["step"]) is int


def test_map_location(tmp_path) -> None:
    ag.save({"x": 1}, tmp_path / "f")
    assert ag.load(tmp_path / "f", map_location="cpu") == {"x": 1}
    with pytest.raises(RuntimeError, match="cuda"):
        ag.load(tmp_path / "f", map_location="cuda")


# -- what cannot be saved -------------------------------------------------------------------------
def test_unsupported_objects_are_refused_before_writing(tmp_path) -> None:
    with pytest.raises(TypeError, match=r"obj\['f'\] of type function"):
        ag.save({"f": lambda: 0}, tmp_path / "f")
    with pytest.raises(TypeError, match="dtype object"):
        ag.save({"o": np.array([{}, 1], dtype=object)}, tmp_path / "f")
    with pytest.raises(TypeError, match=r"obj\['bad'\] has a key of type Tensor"):
        ag.save({"k": {0: 1}, "bad": {ag.tensor([1.0]): 2}}, tmp_path / "f")
    with pytest.raises(TypeError, match="of type bytes"):
        ag.save({"b": b"raw"}, tmp_path / "f")
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        ag.save(loop, tmp_path / "f")
    with pytest.raises(TypeError, match="file path"):
        ag.save({}, io.BytesIO())
    assert listing(tmp_path) == []


def test_module_hint(tmp_path) -> None:
    nn = pytest.importorskip("nn")
    with pytest.raises(TypeError, match="state_dict"):
        ag.save(nn.Linear(2, 2), tmp_path / "m")


# -- load never executes anything and explains damaged files ------------------------------------
class _Touch:
    """Unpickling this object creates ``path`` (the classic pickle exploit, made harmless)."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path

    def __reduce__(self):
        return (pathlib.Path.touch, (self.path,))


def test_pickle_file_is_refused_without_running_it(tmp_path) -> None:
    # the payload really works: plain pickle.loads creates its marker ...
    probe = tmp_path / "probe-marker"
    pickle.loads(pickle.dumps(_Touch(probe)))
    assert probe.exists()
    # ... but autograd_core.load refuses it, naming the file, and the marker never appears
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"w": _Touch(marker)}))
    with pytest.raises(ValueError, match=r"evil\.pt.*pickle") as info:
        ag.load(evil)
    assert "never unpickles" in str(info.value)
    assert not marker.exists()


def test_object_array_inside_archive_is_refused_without_running_it(tmp_path) -> None:
    marker = tmp_path / "marker"
    arr = np.empty(1, dtype=object)
    arr[0] = _Touch(marker)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=True)
    manifest = {"format": "autograd_core", "format_version": 1, "library_version": "0.1.0"}
    manifest["root"] = {"$type": "ndarray", "array": "arrays/0.npy"}
    path = tmp_path / "f"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("arrays/0.npy", buf.getvalue())
    with pytest.raises(ValueError, match="arrays/0.npy.*Python objects"):
        ag.load(path)
    assert not marker.exists()


def test_torch_save_archive_is_refused(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    path = tmp_path / "t.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="torch.save"):
        ag.load(path)


def _saved(tmp_path: pathlib.Path) -> bytes:
    ag.save({"w": ag.tensor(np.arange(100.0)), "b": np.ones(10)}, tmp_path / "good")
    return (tmp_path / "good").read_bytes()


def test_truncated_files_are_refused(tmp_path) -> None:
    data = _saved(tmp_path)
    for cut in (0, 1, 3, 30, len(data) // 2, len(data) - 30, len(data) - 1):
        path = tmp_path / f"cut{cut}"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=f"cut{cut}") as info:
            ag.load(path)
        assert "autograd_core" in str(info.value)


def test_corrupted_bytes_are_detected(tmp_path) -> None:
    data = _saved(tmp_path)
    offset = data.index(np.arange(100.0).tobytes()) + 100  # inside the first array's data
    bad = bytearray(data)
    bad[offset] ^= 0xFF
    (tmp_path / "flipped").write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=r"flipped.*arrays/0\.npy.*CRC"):
        ag.load(tmp_path / "flipped")
    (tmp_path / "garbage").write_bytes(b"hello, this is not a checkpoint")
    with pytest.raises(ValueError, match="not a zip archive"):
        ag.load(tmp_path / "garbage")


def _archive(path: pathlib.Path, manifest: object, members: dict | None = None) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        zf.writestr("manifest.json", text)
        for name, data in (members or {}).items():
            zf.writestr(name, data)


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


GOOD = {"format": "autograd_core", "format_version": 1, "library_version": "0.1.0"}


@pytest.mark.parametrize(
    ("manifest", "members", "words"),
    [
        ("{not json", None, "manifest.json cannot be read"),
        ([1, 2], None, "does not name"),
        ({**GOOD, "format": "other"}, None, "does not name"),
        (
            {k: v for k, v in GOOD.items() if k != "format_version"} | {"root": 1},
            None,
            "format_version",
        ),
        ({**GOOD, "format_version": 99, "root": 1}, None, "format version 99"),
        (GOOD, None, "no root"),
        ({**GOOD, "root": {"$type": "pickle", "data": "..."}}, None, "unknown entry type 'pickle'"),
        ({**GOOD, "root": {"plain": "dict"}}, None, "unexpected entry"),
        ({**GOOD, "root": {"$type": "tensor", "array": "arrays/9.npy"}}, None, "missing array"),
        ({**GOOD, "root": {"$type": "dict", "items": [[1]]}}, None, "not a [key, value] pair"),
        ({**GOOD, "root": {"$type": "dict", "items": [[[1], 2]]}}, None, "not hashable"),
        ({**GOOD, "root": {"$type": "float", "value": "1e5"}}, None, "bad float"),
        (
            {**GOOD, "root": {"$type": "tensor", "array": "a.npy", "requires_grad": True}},
            {"a.npy": _npy(np.arange(3))},
            "requires_grad",
        ),
        (
            {**GOOD, "root": {"$type": "ndarray", "array": "a.npy"}},
            {"a.npy": _npy(np.arange(3.0))[:-8]},
            "truncated",
        ),
        (
            {**GOOD, "root": {"$type": "ndarray", "array": "a.npy"}},
            {"a.npy": _npy(np.arange(3.0)) + b"\x00" * 8},
            "extra bytes",
        ),
        (
            {**GOOD, "root": {"$type": "ndarray", "array": "a.npy"}},
            {"a.npy": _npy(np.arange(3.0)).replace(b"(3,)", b"(10**12,)"[:4])},
            "a.npy",
        ),
    ],
)
def test_bad_manifests_and_members_are_explained(tmp_path, manifest, members, words) -> None:
    path = tmp_path / "bad.ckpt"
    _archive(path, manifest, members)
    with pytest.raises(ValueError, match="bad.ckpt") as info:
        ag.load(path)
    assert words in str(info.value)


def test_forged_huge_shape_is_refused_before_allocating(tmp_path) -> None:
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1))
    header["shape"] = (10**6, 10**6)  # 8 TB
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    buf.write(np.zeros(1).tobytes())
    path = tmp_path / "huge"
    _archive(
        path, {**GOOD, "root": {"$type": "ndarray", "array": "a.npy"}}, {"a.npy": buf.getvalue()}
    )
    with pytest.raises(ValueError, match="header announces 8000000000000 bytes"):
        ag.load(path)


def test_missing_file_is_file_not_found(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        ag.load(tmp_path / "nope")


# -- atomic save ----------------------------------------------------------------------------------
def test_failure_half_way_leaves_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    path = tmp_path / "ckpt"
    ag.save({"w": np.zeros(1000)}, path)
    before = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def failing_write(fp, array, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the second array: write part of it, then the disk is "full"
            fp.write(array.tobytes()[: array.nbytes // 2])
            raise OSError(28, "No space left on device")
        return real_write(fp, array, *args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="No space left"):
        ag.save({"a": np.ones(1000), "b": np.ones(1000)}, path)
    assert len(calls) == 2
    assert path.read_bytes() == before  # untouched
    assert listing(tmp_path) == ["ckpt"]  # no temp file left behind
    monkeypatch.undo()
    np.testing.assert_array_equal(ag.load(path)["w"], np.zeros(1000))


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_failure_at_rename_or_interrupt_leaves_no_temp(tmp_path, monkeypatch, exc) -> None:
    path = tmp_path / "ckpt"
    ag.save({"w": 1}, path)

    def broken_replace(src, dst):
        raise exc("interrupted")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(exc):
        ag.save({"w": 2}, path)
    monkeypatch.undo()
    assert listing(tmp_path) == ["ckpt"]
    assert ag.load(path) == {"w": 1}


def test_new_file_gets_normal_permissions(tmp_path) -> None:
    path = tmp_path / "f"
    ag.save({"w": 1}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
