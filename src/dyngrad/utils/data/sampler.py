"""Samplers: which dataset indices an epoch visits, and in what order.

The random samplers draw exactly PyTorch's numbers for the same generator state (found by
experiment): ``RandomSampler`` without a generator draws one int64 seed from the default
generator (``random_()`` on an int64 scalar) at its first ``next()`` and shuffles with a fresh
generator seeded with it; with a generator it draws straight from that one. Permutations are
``randperm(n)`` (one per pass over the data), draws with replacement ``randint(n, (32,))`` chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from types import GenericAlias

from ..._generator import Generator
from ..._numpy import np
from ...random import multinomial, randint, random_, randperm
from ...tensor import _wrap

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]


class Sampler:
    """Base class: an iterable over dataset indices (or index lists), optionally with ``__len__``."""

    __class_getitem__ = classmethod(GenericAlias)  # ``Sampler[int]`` in annotations, as in PyTorch

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def _index_chunks(self) -> Iterator[list[int]]:
        yield list(range(len(self.data_source)))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _int64_seed(generator: Generator | None = None) -> int:
    """One int64 seed drawn like ``torch.empty((), dtype=torch.int64).random_(generator=g)``."""
    return int(random_(_wrap(np.zeros((), np.int64)), generator=generator)._data)


def _seeded_generator() -> Generator:
    """A fresh generator seeded from one int64 draw of the default generator (PyTorch's way)."""
    return Generator().manual_seed(_int64_seed())


class RandomSampler(Sampler):
    """A random permutation of the indices, or ``num_samples`` draws with ``replacement``."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        # the dataset's size may change after construction: read it each time
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_chunks(self) -> Iterator[list[int]]:
        """The indices in the pieces PyTorch draws them: one permutation at a time (drawn when
        the previous one is used up), or all draws with replacement at once (PyTorch draws 32
        at a time, which gives the same stream)."""
        n = len(self.data_source)
        generator = self.generator if self.generator is not None else _seeded_generator()
        count = self.num_samples
        if self.replacement:
            yield randint(n, (count,), generator=generator).tolist()
            return
        for _ in range(count // n):
            yield randperm(n, generator=generator).tolist()
        # PyTorch draws this last permutation even when none of it is used
        yield randperm(n, generator=generator).tolist()[: count % n]

    def __iter__(self) -> Iterator[int]:
        # a generator: the draws happen at the first next(), as in PyTorch
        for chunk in self._index_chunks():
            yield from chunk

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (a ``randperm`` of their positions)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _index_chunks(self) -> Iterator[list[int]]:
        yield [self.indices[i] for i in randperm(len(self.indices), generator=self.generator).tolist()]

    def __iter__(self) -> Iterator[int]:
        yield from next(self._index_chunks())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (``multinomial`` on the float64 weights)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_array = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if weights_array.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights_array.shape)}")
        self.weights = _wrap(weights_array)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _index_chunks(self) -> Iterator[list[int]]:
        yield multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator).tolist()

    def __iter__(self) -> Iterator[int]:
        yield from next(self._index_chunks())

    def __len__(self) -> int:
        return self.num_samples


# samplers whose whole epoch can be drawn at once (when a subclass keeps their __iter__)
_BULK_ITERS = {
    SequentialSampler.__iter__,
    RandomSampler.__iter__,
    SubsetRandomSampler.__iter__,
    WeightedRandomSampler.__iter__,
}


class BatchSampler(Sampler):
    """Lists of ``batch_size`` indices from ``sampler``; the last one shorter unless ``drop_last``."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        size = self.batch_size
        if getattr(type(self.sampler), "__iter__", None) in _BULK_ITERS:
            # whole lists of indices from the sampler, cut by slicing (no per-index Python step);
            # a new list is asked for only when the batch needs it, as the per-index path would
            rest: list[int] = []
            for chunk in self.sampler._index_chunks():
                if rest:
                    chunk = rest + chunk
                stop = len(chunk) - len(chunk) % size
                for start in range(0, stop, size):
                    yield chunk[start : start + size]
                rest = chunk[stop:]
            if rest and not self.drop_last:
                yield rest
            return
        batch: list[int] = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
