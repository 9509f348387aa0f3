"""Samplers: the order in which a DataLoader visits a dataset's indices, as ``torch.utils.data``.

Each sampler iterates over indices; ours also hand the DataLoader a whole epoch's order as one
numpy array (``_order()``), so batches are slices of that array instead of Python lists.
Random samplers draw from the numpy Generator they were given, or else from the library's
generator at the start of each epoch, so ``autograd_core.manual_seed(s)`` fixes the order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .dataset import as_generator, current_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler"]


class Sampler:
    """Base class: iterate over dataset indices. Subclasses define ``__iter__`` (and usually
    ``__len__``)."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} should implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _order(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices each epoch (or ``num_samples`` draws with
    replacement when ``replacement=True``)."""

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if num_samples is not None and (
            not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0
        ):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = as_generator(generator, None, "RandomSampler()")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self) -> np.ndarray:
        gen = current_generator(self.generator)
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return gen.integers(0, n, size=k)
        # Without replacement, more samples than n means several whole permutations.
        reps = -(-k // n) if n else 0
        if reps <= 1:
            return gen.permutation(n)[:k]
        return np.concatenate([gen.permutation(n) for _ in range(reps)])[:k]

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a new random order each epoch (a train/validation split over
    one dataset: ``DataLoader(ds, sampler=SubsetRandomSampler(train_idx))``)."""

    def __init__(
        self, indices: Sequence[int], generator: np.random.Generator | int | None = None
    ) -> None:
        self.indices = indices
        self.generator = as_generator(generator, None, "SubsetRandomSampler()")

    def _order(self) -> np.ndarray:
        idx = np.asarray(self.indices, dtype=np.intp).reshape(-1)
        return idx[current_generator(self.generator).permutation(len(idx))]

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        return len(self.indices)


def check_batch_size(batch_size: Any) -> None:
    """PyTorch's check and message for a batch size."""
    if (
        not isinstance(batch_size, int | np.integer)
        or isinstance(batch_size, bool)
        or (batch_size <= 0)
    ):
        raise ValueError(
            f"batch_size should be a positive integer value, but got batch_size={batch_size}"
        )


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        check_batch_size(batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def _batches(self) -> Iterator[np.ndarray] | None:
        """The epoch's batches as slices of one index array, when the sampler can give it."""
        # Only our own samplers (not subclasses that may change __iter__) give an array.
        if type(self.sampler) not in (SequentialSampler, RandomSampler, SubsetRandomSampler):
            return None
        order = self.sampler._order()
        bs = self.batch_size
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        return (order[i : i + bs] for i in range(0, stop, bs))

    def __iter__(self) -> Iterator[list[int]]:
        batches = self._batches()
        if batches is not None:
            for b in batches:
                yield b.tolist()
            return
        batch: list[int] = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)
