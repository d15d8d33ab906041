"""dyngrad.utils.data: samplers, collation and the DataLoader, against torch.utils.data."""

from __future__ import annotations

import collections
import multiprocessing
import os
import random
import signal
import time
import warnings

import numpy as np
import pytest

import dyngrad
from dyngrad.utils import data as D

torch = pytest.importorskip("torch")
T = torch.utils.data


def _plain(x):
    """Batches as plain Python/NumPy values with their types and dtypes, for comparisons."""
    if isinstance(x, (dyngrad.Tensor, torch.Tensor)):
        arr = x.detach().numpy() if isinstance(x, torch.Tensor) else x._data
        return ("tensor", str(arr.dtype), arr.shape, arr.tolist())
    if isinstance(x, dict):
        return (type(x).__name__, {k: _plain(v) for k, v in x.items()})
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return (type(x).__name__, x)


def _assert_batches_equal(got, want):
    assert _plain(got) == _plain(want)


# --- samplers: the same numbers as PyTorch's for the same seed -----------------------------------


@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_random_sampler_order_equals_torch(seed):
    for kwargs in [{}, {"num_samples": 25}, {"replacement": True}, {"replacement": True, "num_samples": 70}]:
        dyngrad.manual_seed(seed)
        torch.manual_seed(seed)
        got = list(D.RandomSampler(range(10), **kwargs))
        want = list(T.RandomSampler(range(10), **kwargs))
        assert got == want, kwargs
        # the default generator is left in the same place
        assert dyngrad.rand(3, dtype=dyngrad.float64).tolist() == torch.rand(3, dtype=torch.float64).tolist()
    got = list(D.RandomSampler(range(10), generator=dyngrad.Generator().manual_seed(seed)))
    assert got == list(T.RandomSampler(range(10), generator=torch.Generator().manual_seed(seed)))


def test_large_permutation_equals_torch():
    dyngrad.manual_seed(3)
    torch.manual_seed(3)
    assert list(D.RandomSampler(range(60000))) == list(T.RandomSampler(range(60000)))


@pytest.mark.parametrize("seed", [0, 5])
def test_dataloader_shuffle_order_equals_torch(seed):
    def orders(L, loader_kwargs):
        data = L.utils.data
        loader = data.DataLoader(data.TensorDataset(L.arange(23)), batch_size=5, shuffle=True, **loader_kwargs)
        return [[b[0].tolist() for b in loader] for _epoch in range(2)]

    dyngrad.manual_seed(seed)
    torch.manual_seed(seed)
    assert orders(dyngrad, {}) == orders(torch, {})
    got = orders(dyngrad, {"generator": dyngrad.Generator().manual_seed(seed)})
    assert got == orders(torch, {"generator": torch.Generator().manual_seed(seed)})


@pytest.mark.parametrize("size, drop_last", [(20, False), (23, False), (23, True)])
def test_shared_generator_draws_at_the_same_moments_as_torch(size, drop_last):
    """With a generator shared by the loader and other code, draws interleave as in PyTorch
    (the permutation drawn after the last index is used, even an early break)."""
    def program(L):
        data = L.utils.data
        g = L.Generator().manual_seed(1)
        loader = data.DataLoader(data.TensorDataset(L.arange(size)), batch_size=5, shuffle=True, generator=g,
                                 drop_last=drop_last)
        out = []
        for i, (batch,) in enumerate(loader):
            out += [batch.tolist(), L.randint(0, 1000, (2,), generator=g).tolist()]
            if i == 1:
                break
        for (batch,) in loader:
            out += [batch.tolist(), L.randint(0, 1000, (2,), generator=g).tolist()]
        return out

    assert program(dyngrad) == program(torch)


def test_random_split_equals_torch():
    for lengths in ([3, 7], [0.3, 0.3, 0.4], [0.25, 0.75], [0.5, 0.5, 0.0]):
        dyngrad.manual_seed(1)
        torch.manual_seed(1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = [s.indices for s in D.random_split(range(10), lengths)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = [s.indices for s in T.random_split(range(10), lengths)]
        assert got == want, lengths
        assert bool(caught) == (0.0 in lengths)
    got = D.random_split(range(10), [4, 6], generator=dyngrad.Generator().manual_seed(9))
    want = T.random_split(range(10), [4, 6], generator=torch.Generator().manual_seed(9))
    assert [s.indices for s in got] == [s.indices for s in want]
    assert [got[0][i] for i in range(4)] == [want[0][i] for i in range(4)]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        D.random_split(range(6), [0.5, 0.6])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        D.random_split(range(6), [-0.5, 1.5])


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler_equals_torch(replacement):
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.2]
    for seed in (0, 1):
        dyngrad.manual_seed(seed)
        torch.manual_seed(seed)
        got = list(D.WeightedRandomSampler(weights, 5, replacement=replacement))
        assert got == list(T.WeightedRandomSampler(weights, 5, replacement=replacement))
    got = list(D.WeightedRandomSampler(weights, 20, generator=dyngrad.Generator().manual_seed(4)))
    assert got == list(T.WeightedRandomSampler(weights, 20, generator=torch.Generator().manual_seed(4)))
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        D.WeightedRandomSampler([[1.0, 2.0]], 2)


def test_subset_random_sampler_equals_torch():
    dyngrad.manual_seed(2)
    torch.manual_seed(2)
    assert list(D.SubsetRandomSampler([5, 9, 11, 2, 40])) == list(T.SubsetRandomSampler([5, 9, 11, 2, 40]))


def test_sampler_lengths_and_errors():
    assert len(D.SequentialSampler(range(7))) == 7
    assert list(D.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert len(D.RandomSampler(range(7))) == 7
    assert len(D.RandomSampler(range(7), replacement=True, num_samples=30)) == 30
    assert len(D.SubsetRandomSampler([3, 4])) == 2
    assert len(D.WeightedRandomSampler([1.0, 2.0], 9)) == 9
    assert len(D.BatchSampler(range(10), 3, False)) == 4
    assert len(D.BatchSampler(range(10), 3, True)) == 3
    assert list(D.BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(D.BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert list(D.BatchSampler(D.SequentialSampler(range(7)), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        D.RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        D.RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        D.BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        D.BatchSampler(range(3), 2, 1)


# --- collation -----------------------------------------------------------------------------------

Point = collections.namedtuple("Point", "x y")


def _samples(L):
    return [
        {"image": L.full((2, 3), float(i)), "label": i, "weight": 0.5 * i, "name": f"s{i}", "flag": i % 2 == 0,
         "pair": (np.array([i, i + 1], dtype=np.int32), np.float32(i)), "pt": Point(i, [float(i), 1.0]),
         "arr": np.arange(3, dtype=np.float64) * i, "nested": [{"a": np.int64(i)}, b"raw"]}
        for i in range(3)
    ]


@pytest.mark.parametrize("samples", [
    lambda L: _samples(L),
    lambda L: [1, 2, 3],
    lambda L: [1.5, 2.0],
    lambda L: [1, 2.5],  # a float after a leading int: tensor(batch) gives the default float dtype
    lambda L: [True, False],
    lambda L: [np.float32(1), np.float32(2)],
    lambda L: [np.array(1.5), np.array(2.0)],
    lambda L: ["a", "b"],
    lambda L: [(1, "x"), (2, "y")],
    lambda L: [[1, 2], [3, 4]],
    lambda L: [collections.OrderedDict(b=1, a=2.0)],
    lambda L: [L.zeros(2, dtype=L.int32), L.ones(2)],
])
def test_default_collate_equals_torch(samples):
    _assert_batches_equal(D.default_collate(samples(dyngrad)), T.default_collate(samples(torch)))


def test_default_collate_keeps_container_types():
    batch = D.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(batch) is Point and batch.x.dtype == dyngrad.int64 and batch.y.dtype == dyngrad.float64
    dd = collections.defaultdict(list, a=1)
    assert type(D.default_collate([dd, dd])) is collections.defaultdict


def test_default_collate_errors_like_torch():
    cases = [[[1, 2], [3]], [np.array(["a"]), np.array(["b"])], [None, None], [object()], [{1, 2}]]
    for case in cases:
        with pytest.raises(Exception) as want:
            T.default_collate(case)
        with pytest.raises(type(want.value), match=r"should be of equal size|batch must contain"):
            D.default_collate(case)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        D.default_collate([dyngrad.zeros(2), dyngrad.zeros(3)])


@pytest.mark.parametrize("value", [
    lambda: np.array([1, 2]), lambda: np.float32(1), lambda: 1, lambda: "s", lambda: [np.array([1]), 2],
    lambda: (np.array([1]),), lambda: {"a": np.array(1)}, lambda: np.array(["a"]), lambda: Point(np.array(1), 2),
])
def test_default_convert_equals_torch(value):
    got, want = D.default_convert(value()), T.default_convert(value())
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray) and got.tolist() == want.tolist()
    else:
        _assert_batches_equal(got, want)


# --- DataLoader in the main process --------------------------------------------------------------


class CountingTensorDataset(D.TensorDataset):
    """A TensorDataset counting how it is asked for data."""

    def __init__(self, *tensors):
        super().__init__(*tensors)
        self.calls = collections.Counter()

    def __getitem__(self, index):
        self.calls["getitem"] += 1
        return super().__getitem__(index)

    def __getitems__(self, indices):
        self.calls["getitems"] += 1
        return super().__getitems__(indices)


def _mnist_like():
    images = dyngrad.rand(103, 1, 4, 4)
    labels = dyngrad.randint(0, 10, (103,))
    return CountingTensorDataset(images, labels)


@pytest.mark.parametrize("drop_last", [False, True])
def test_fast_path_equals_per_sample_path(drop_last):
    dataset = _mnist_like()
    runs = []
    for collate_fn in (None, lambda samples: D.default_collate(samples)):
        dyngrad.manual_seed(11)
        loader = D.DataLoader(dataset, batch_size=8, shuffle=True, drop_last=drop_last, collate_fn=collate_fn)
        runs.append(list(loader))
    fast, slow = runs
    assert dataset.calls["getitems"] == len(fast) == (12 if drop_last else 13)
    assert dataset.calls["getitem"] == 8 * len(slow) - (0 if drop_last else 1)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        _assert_batches_equal(a, b)


def test_subset_keeps_the_fast_path():
    dataset = _mnist_like()
    train, _ = D.random_split(dataset, [0.8, 0.2], generator=dyngrad.Generator().manual_seed(0))
    batches = list(D.DataLoader(train, batch_size=16))
    assert dataset.calls == {"getitems": 6}
    assert batches[0][1].tolist() == [dataset[i][1].item() for i in train.indices[:16]]


def test_torch_style_getitems_is_collated():
    class ListGetitems(D.Dataset):
        def __len__(self):
            return 5

        def __getitems__(self, indices):
            return [(i, float(i)) for i in indices]

    batches = list(D.DataLoader(ListGetitems(), batch_size=2))
    _assert_batches_equal(batches[0], [dyngrad.tensor([0, 1]), dyngrad.tensor([0.0, 1.0], dtype=dyngrad.float64)])


def test_dataloader_batching_options():
    data = list(range(10))
    assert [b.tolist() for b in D.DataLoader(data, batch_size=4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b.tolist() for b in D.DataLoader(data, batch_size=4, drop_last=True)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert list(D.DataLoader(data, batch_size=None)) == data  # no batching: samples converted only
    arrays = list(D.DataLoader([np.ones(2)], batch_size=None))
    assert isinstance(arrays[0], dyngrad.Tensor) and arrays[0].dtype == dyngrad.float64
    sampler = D.BatchSampler(D.SequentialSampler(data), 3, False)
    assert [b.tolist() for b in D.DataLoader(data, batch_sampler=sampler)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(D.DataLoader(data, batch_size=4)) == 3
    assert len(D.DataLoader(data, batch_size=4, drop_last=True)) == 2
    assert len(D.DataLoader(data, batch_size=None)) == 10


class _Sharded:
    """0 .. n-1, sharded between workers by worker id."""

    data = D

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = self.data.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class Range(_Sharded, D.IterableDataset):
    data = D


class TorchRange(_Sharded, T.IterableDataset):
    data = T


def test_iterable_dataset_single_process():
    assert [b.tolist() for b in D.DataLoader(Range(7), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in D.DataLoader(Range(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    assert list(D.DataLoader(Range(3), batch_size=None)) == [0, 1, 2]
    assert len(D.DataLoader(Range(7), batch_size=3)) == 3
    assert len(D.DataLoader(Range(7), batch_size=3, drop_last=True)) == 2


def test_dataloader_argument_errors_like_torch():
    bad = [
        ({"shuffle": True, "sampler": D.SequentialSampler(range(3))}, "sampler option is mutually exclusive"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"timeout": -1}, "timeout option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"multiprocessing_context": "fork"}, "multiprocessing_context can only be used"),
        ({"num_workers": 1, "multiprocessing_context": "bogus"}, "should specify a valid start method"),
    ]
    for kwargs, message in bad:
        with pytest.raises(ValueError, match=message):
            D.DataLoader(range(3), **kwargs)
        with pytest.raises(ValueError, match=message):
            T.DataLoader(range(3), **kwargs)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        D.DataLoader(Range(3), shuffle=True)
    loader = D.DataLoader(range(3))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
        loader.batch_size = 2
    loader.num_workers = 2  # not frozen
    assert loader.sampler.__class__ is D.SequentialSampler and loader.batch_sampler.batch_size == 1


def test_datasets():
    concat = D.ConcatDataset([range(3), range(10, 12)])
    assert len(concat) == 5 and [concat[i] for i in range(-5, 5)] == [0, 1, 2, 10, 11] * 2
    assert concat.cumulative_sizes == [3, 5]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        concat[-6]
    stacked = D.StackDataset(range(3), [4, 5, 6])
    assert stacked[1] == (1, 5) and len(stacked) == 3
    assert D.StackDataset(a=range(3), b=[4, 5, 6]).__getitems__([0, 1]) == [{"a": 0, "b": 4}, {"a": 1, "b": 5}]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        D.StackDataset(range(3), range(4))
    assert list(D.ChainDataset([Range(2), Range(3)])) == [0, 1, 0, 1, 2]
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        D.TensorDataset(dyngrad.zeros(3), dyngrad.zeros(4))
    subset = D.Subset(list(range(10, 20)), [4, 1])
    assert [subset[0], subset[1]] == [14, 11] and len(subset) == 2
    with pytest.raises(NotImplementedError):
        D.Dataset()[0]
    assert D.get_worker_info() is None

    class Annotated(D.Dataset[int]):  # generic aliases work in class bases, as in PyTorch
        def __getitem__(self, i):
            return i

    assert Annotated()[3] == 3 and D.Sampler[int] is not None
    info = D.WorkerInfo(id=0, num_workers=2, seed=5, dataset=None)
    assert repr(info) == "WorkerInfo(id=0, num_workers=2, seed=5, dataset=None)"
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        info.id = 1


# --- worker processes ----------------------------------------------------------------------------


class Probe(D.Dataset):
    """Samples made of the index and the worker's random draws (dyngrad or torch, NumPy, random)."""

    def __init__(self, lib, n=6):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = (D if self.lib is dyngrad else T).get_worker_info()
        return [i, info.id, info.seed, float(self.lib.rand(1, dtype=self.lib.float64)), float(np.random.rand()),
                random.random()]


def test_workers_give_the_same_batches_as_the_main_process():
    dataset = _mnist_like()
    runs = []
    for workers in (0, 2):
        dyngrad.manual_seed(5)
        runs.append(list(D.DataLoader(dataset, batch_size=10, shuffle=True, num_workers=workers)))
    assert len(runs[0]) == len(runs[1]) == 11
    for a, b in zip(*runs):
        _assert_batches_equal(a, b)


def test_worker_seeding_and_order_equal_torch():
    """Each worker's seed and its dyngrad / NumPy / random streams equal PyTorch's worker's."""
    results = []
    for L, data in ((dyngrad, D), (torch, T)):
        L.manual_seed(0)
        loader = data.DataLoader(Probe(L), batch_size=2, shuffle=True, num_workers=2, persistent_workers=True)
        results.append([[_plain(b) for b in loader] for _epoch in range(2)])
    assert results[0] == results[1]


def test_iterable_dataset_sharded_between_workers_like_torch():
    for kwargs in ({"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}):
        got = [_plain(b) for b in D.DataLoader(Range(10), num_workers=2, **kwargs)]
        want = [_plain(b) for b in T.DataLoader(TorchRange(10), num_workers=2, **kwargs)]
        assert got == want, kwargs
    single = sorted(x for b in D.DataLoader(Range(10), batch_size=3) for x in b.tolist())
    assert sorted(x for b in D.DataLoader(Range(10), batch_size=3, num_workers=2) for x in b.tolist()) == single


def test_worker_init_fn_runs_in_each_worker():
    seen = multiprocessing.get_context("fork").Queue()
    list(D.DataLoader(range(4), num_workers=2, worker_init_fn=lambda wid: seen.put((wid, D.get_worker_info().id))))
    assert sorted(seen.get(timeout=5) for _ in range(2)) == [(0, 0), (1, 1)]


class Failing(D.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"cannot load sample {i}")
        return i


def test_worker_error_reports_the_worker_traceback():
    with pytest.raises(ValueError) as info:
        list(D.DataLoader(Failing(), batch_size=2, num_workers=2))
    message = str(info.value)
    assert "Caught ValueError in DataLoader worker process 0." in message
    assert "Original Traceback (most recent call last):" in message
    assert "cannot load sample 5" in message and "in __getitem__" in message


class Slow(D.Dataset):
    def __len__(self):
        return 200

    def __getitem__(self, i):
        time.sleep(0.02)
        return i


def test_killed_worker_makes_iteration_raise():
    iterator = iter(D.DataLoader(Slow(), batch_size=2, num_workers=2))
    next(iterator)
    os.kill(iterator._workers[1].pid, signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        for _ in iterator:
            pass
    assert time.monotonic() - start < 5
    assert not any(w.is_alive() for w in iterator._workers)


def test_early_break_and_timeout_shut_workers_down():
    iterator = iter(D.DataLoader(Slow(), batch_size=2, num_workers=2))
    next(iterator)
    workers = list(iterator._workers)
    del iterator
    assert not any(w.is_alive() for w in workers)
    iterator = iter(D.DataLoader(Slow(), batch_size=4, num_workers=1, timeout=0.01))
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.01 seconds"):
        next(iterator)
    iterator._shutdown_workers()
    assert not any(w.is_alive() for w in iterator._workers)
