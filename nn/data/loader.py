"""DataLoader: mini-batches from a dataset, as ``torch.utils.data.DataLoader``.

One epoch is: a sampler orders the indices (shuffled or not), a batch sampler cuts them into
batches of ``batch_size``, and each batch of samples is fetched and collated (stacked) into
Tensors. For a :class:`TensorDataset` (or a :class:`Subset` of one, as ``random_split`` gives)
the fetch is one numpy gather per tensor, ``images[idx]``, with no Python loop over samples.
"""

from __future__ import annotations

import collections.abc as cabc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd_core.tensor import Tensor

from .dataset import Dataset, Subset, TensorDataset, as_generator
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, check_batch_size

__all__ = ["DataLoader", "default_collate", "default_convert"]

_COLLATE_TYPES = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists"
)


def _stack_arrays(arrays: list[np.ndarray]) -> np.ndarray:
    first = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != first:
            raise RuntimeError(
                f"default_collate: stack expects each sample to have the same shape, but got "
                f"{first} at entry 0 and {a.shape} at entry {i} (pass a collate_fn to batch "
                "samples of different shapes)"
            )
    return np.stack(arrays)


def _collate_tensors(batch: list[Tensor]) -> Tensor:
    if any(t.requires_grad for t in batch):
        import autograd_core

        return autograd_core.stack(batch)
    return Tensor._make(_stack_arrays([t.data for t in batch]), False, None)


def default_collate(batch: list) -> Any:
    """Stack a list of samples into a batch, as ``torch.utils.data.default_collate``.

    Tensors and numpy arrays are stacked along a new first dimension (dtype kept); Python
    floats give a float64 Tensor, Python ints an int64 Tensor, numpy scalars a Tensor of their
    dtype; strings stay a list. Tuples/lists of fields are collated field by field and come back
    as a list (``[images, labels]``); dicts key by key; namedtuples keep their type.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"{_COLLATE_TYPES}; found numpy arrays of dtype {elem.dtype}")
        return Tensor._make(_stack_arrays([np.asarray(b) for b in batch]), False, None)
    if isinstance(elem, np.bool_ | np.number):
        return Tensor._make(np.array(batch), False, None)
    if isinstance(elem, float):
        return Tensor._make(np.array(batch, dtype=np.float64), False, None)
    if isinstance(elem, int):  # bools too: they stay bool, as in torch
        arr = np.array(batch)
        return Tensor._make(arr.astype(np.int64) if arr.dtype.kind == "i" else arr, False, None)
    if isinstance(elem, str | bytes):
        return batch
    if isinstance(elem, cabc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, cabc.Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(f"{_COLLATE_TYPES}; found {type(elem).__name__}")


def default_convert(data: Any) -> Any:
    """Numpy arrays to Tensors, recursively, without batching (used when ``batch_size=None``)."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return Tensor._make(data, False, None)
    if isinstance(data, cabc.Mapping):
        return {key: default_convert(v) for key, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple | list):
        return [default_convert(d) for d in data]
    return data


def _gather_plan(dataset: Any) -> tuple[TensorDataset, list[np.ndarray]] | None:
    """(TensorDataset, index maps) when batches can be gathered with array indexing: the
    dataset is a TensorDataset, possibly inside Subsets (whose indices map batch positions)."""
    maps = []
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        maps.append(np.asarray(dataset.indices, dtype=np.intp).reshape(-1))
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and dataset._batchable():
        return dataset, maps  # outermost Subset's indices first
    return None


class DataLoader:
    """Iterate over a dataset in mini-batches, as ``torch.utils.data.DataLoader``.

    ``for images, labels in DataLoader(ds, batch_size=64, shuffle=True): ...``

    - ``batch_size``: samples per batch (a positive int), or None for single samples unbatched.
    - ``shuffle``: a new random order every epoch, drawn from ``generator`` (a numpy Generator),
      or from ``np.random.default_rng(seed)`` when ``seed`` is given, or else from the library's
      generator (``autograd_core.manual_seed`` makes it repeatable).
    - ``drop_last``: drop the last, smaller batch.
    - ``sampler`` / ``batch_sampler``: custom index orders, as in PyTorch.
    - ``collate_fn``: turns a list of samples into a batch (default: :func:`default_collate`).
    - ``num_workers``, ``pin_memory``, ``timeout``, ``worker_init_fn``, ``prefetch_factor``,
      ``persistent_workers`` are accepted so PyTorch code runs unchanged; loading always
      happens in the main process (numpy gathers are fast enough at lecture scale).

    ``len(loader)`` is the number of batches; the loader can be iterated again for every epoch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | cabc.Iterable | None = None,
        batch_sampler: Sampler | cabc.Iterable | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        generator: np.random.Generator | int | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        seed: int | None = None,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError(
                    "batch_size=None option disables auto-batching and is mutually exclusive "
                    "with drop_last"
                )
        else:
            check_batch_size(batch_size)
            batch_size = int(batch_size)
        self.generator = as_generator(generator, seed, "DataLoader()")
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=self.generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers

    def __len__(self) -> int:
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)

    def _index_batches(self) -> Iterator[Any]:
        """This epoch's batches of indices: int arrays from our BatchSampler, else whatever the
        user's batch sampler yields."""
        if type(self.batch_sampler) is BatchSampler:
            batches = self.batch_sampler._batches()
            if batches is not None:
                return batches
        return iter(self.batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.batch_sampler is None:  # batch_size=None: one sample at a time
            convert = default_convert if self.collate_fn is default_collate else self.collate_fn
            return (convert(self.dataset[i]) for i in self.sampler)
        plan = _gather_plan(self.dataset) if self.collate_fn is default_collate else None
        if plan is not None:
            return self._gather_batches(*plan)
        return self._fetch_batches()

    def _gather_batches(self, base: TensorDataset, maps: list[np.ndarray]) -> Iterator[list]:
        """Fast path: each batch is one fancy-indexing gather per tensor."""
        for idx in self._index_batches():
            idx = np.asarray(idx, dtype=np.intp)
            for m in maps:
                idx = m[idx]
            yield base._take(idx)

    def _fetch_batches(self) -> Iterator[Any]:
        """General path: fetch each sample with ``dataset[i]`` and collate the list."""
        getitems = getattr(self.dataset, "__getitems__", None)
        for idx in self._index_batches():
            idx = idx.tolist() if isinstance(idx, np.ndarray) else list(idx)
            samples = getitems(idx) if getitems is not None else [self.dataset[i] for i in idx]
            yield self.collate_fn(samples)

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__}, batch_size={self.batch_size}, "
            f"drop_last={self.drop_last})"
        )
