"""Datasets, samplers, collation and the DataLoader (``torch.utils.data``'s API).

Fast path: a map-style dataset that can fetch a whole batch at once defines
``__getitems__(self, indices: list[int])`` returning the already-collated batch (what
``default_collate`` would make of the samples) and sets the class attribute
``_dyngrad_batch_fetch = True``. With the default ``collate_fn`` the DataLoader then fetches each
batch with that one call. A ``__getitems__`` without the mark follows PyTorch's protocol: it
returns a list of samples, which are then collated.
"""

from ._worker import WorkerInfo, get_worker_info
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
