"""Datasets: anything with ``len(ds)`` and ``ds[i]``, as ``torch.utils.data``.

A :class:`Dataset` answers two questions: how many samples are there, and what is sample ``i``.
:class:`TensorDataset` wraps arrays that share their first dimension (sample ``i`` is row ``i``
of each); :class:`Subset` picks some indices of another dataset; :func:`random_split` cuts a
dataset into shuffled, non-overlapping Subsets; ``ds1 + ds2`` chains two datasets.
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_core.tensor import Tensor, as_tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


class Dataset:
    """The base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    Example::

        class Squares(Dataset):
            def __len__(self):
                return 10

            def __getitem__(self, i):
                return float(i), float(i * i)
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of Dataset should implement __getitem__."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__}: subclasses of Dataset should implement __len__."
        )

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of tensors: ``ds[i] == (tensors[0][i], tensors[1][i], ...)``.

    ``TensorDataset(images, labels)``; each argument is a Tensor or a numpy array (arrays become
    Tensors, keeping their dtype) and all must have the same size along dimension 0.
    A :class:`~nn.data.DataLoader` over a TensorDataset gathers a whole batch with one
    indexing operation per tensor, instead of one Python call per sample.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset() needs at least one tensor")
        ts = tuple(as_tensor(t) for t in tensors)
        for i, t in enumerate(ts):
            if t.ndim == 0:
                raise ValueError(
                    f"TensorDataset(): tensor {i} is a 0-d scalar; every tensor needs a first "
                    "dimension that indexes the samples"
                )
        sizes = [t.shape[0] for t in ts]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(t.shape) for t in ts)
            # AssertionError, as torch raises, with the sizes that differ.
            raise AssertionError(
                f"Size mismatch between tensors: TensorDataset() needs the same first dimension "
                f"(number of samples) in every tensor, got sizes {sizes} (shapes {shapes})"
            )
        self.tensors = ts

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batchable(self) -> bool:
        """True when a batch can be taken by indexing the tensors (the DataLoader fast path):
        a subclass that changes ``__getitem__`` opts out."""
        return type(self).__getitem__ is TensorDataset.__getitem__

    def _take(self, idx: np.ndarray) -> list:
        """Rows ``idx`` of every tensor, as new Tensors: one numpy gather per tensor."""
        out = []
        for t in self.tensors:
            if t.requires_grad:
                out.append(t[idx])
            else:
                out.append(Tensor._make(t.data[idx], False, None))
        return out


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, idx)[k] ==
    ds[idx[k]]``."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: ``ConcatDataset([a, b])[len(a)] == b[0]``."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset(): datasets should not be an empty iterable")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(
                    f"ConcatDataset: index {idx} is out of range for a dataset of length {n}"
                )
            idx += n
        if idx >= n:
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length {n}")
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def as_generator(generator: Any = None, seed: int | None = None, where: str = "") -> Any:
    """The numpy Generator to draw from: ``generator`` if given, else a new one seeded with
    ``seed``, else None (meaning: the library's generator, read at the time of drawing)."""
    if generator is not None and seed is not None:
        raise ValueError(f"{where}: give either generator= or seed=, not both")
    if generator is not None:
        if isinstance(generator, np.random.Generator):
            return generator
        if isinstance(generator, int | np.integer) and not isinstance(generator, bool):
            return np.random.default_rng(int(generator))
        raise TypeError(
            f"{where}: generator must be a numpy Generator (np.random.default_rng(seed)) or an "
            f"int seed, got {type(generator).__name__}"
        )
    if seed is not None:
        return np.random.default_rng(int(seed))
    return None


def current_generator(generator: np.random.Generator | None) -> np.random.Generator:
    """``generator``, or the library's generator (``autograd_core.manual_seed`` seeds it)."""
    if generator is not None:
        return generator
    from autograd_core import random as _random

    return _random.generator()


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Lengths as torch computes them: fractions summing to 1 become floor(frac * n), and the
    remainder is handed out one by one from the first split on."""
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split(): fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(n * frac))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=3,
                )
        return sizes
    for i, length in enumerate(lengths):
        if int(length) != length or length < 0:
            raise ValueError(
                f"random_split(): lengths must be non-negative ints or fractions summing to 1, "
                f"got {list(lengths)} (entry {i} is {length})"
            )
    sizes = [int(length) for length in lengths]
    if sum(sizes) != n:
        raise ValueError(
            "Sum of input lengths does not equal the length of the input dataset! "
            f"(lengths {sizes} sum to {sum(sizes)}, the dataset has {n} samples)"
        )
    return sizes


def random_split(
    dataset: Dataset,
    lengths: Sequence[float],
    generator: np.random.Generator | int | None = None,
    *,
    seed: int | None = None,
) -> list[Subset]:
    """Shuffle ``dataset``'s indices and cut them into non-overlapping Subsets, as
    ``torch.utils.data.random_split``.

    ``lengths`` are ints summing to ``len(dataset)``, or fractions summing to 1 (each split gets
    ``floor(frac * n)`` samples and the remainder goes one by one to the first splits).
    The permutation comes from ``generator`` (a numpy Generator), or a fresh generator seeded
    with ``seed``, or else the library's generator (``autograd_core.manual_seed``), so the same
    seed always gives the same split.

    Example::

        train, val = random_split(ds, [0.9, 0.1], seed=0)
    """
    gen = current_generator(as_generator(generator, seed, "random_split()"))
    sizes = _split_lengths(len(dataset), list(lengths))
    order = gen.permutation(len(dataset)).tolist()
    out, start = [], 0
    for size in sizes:
        out.append(Subset(dataset, order[start : start + size]))
        start += size
    return out
