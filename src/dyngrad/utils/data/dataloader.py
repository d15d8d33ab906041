"""The DataLoader: batches from a dataset, in the main process or in worker processes.

Random state, as in PyTorch (found by experiment): each new iterator draws one int64 "base seed"
from ``generator`` (the default generator when None), then the sampler draws its own numbers at
the first batch. Worker ``i`` seeds Python's ``random`` and dyngrad with ``base_seed + i`` and
NumPy with a hash of both, so worker-side randomness is reproducible from ``manual_seed``.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import pickle
import queue
import signal
import time
from collections.abc import Iterable

from . import _worker
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, _int64_seed

__all__ = ["DataLoader"]

# how long the main process waits for a batch before checking that the workers are alive (seconds)
_LIVENESS_POLL_INTERVAL = 0.1
# how long shutting down waits for a worker to exit before terminating it (seconds)
_JOIN_TIMEOUT = 5.0


class _InfiniteConstantSampler(Sampler):
    """The "sampler" of an iterable dataset: ``None`` forever (the dataset decides what comes)."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``DataLoader``; ``pin_memory`` is accepted
    and ignored: there is only the CPU).

    A map-style dataset marked ``_dyngrad_batch_fetch`` (e.g. ``TensorDataset``) is asked for each
    batch with one ``__getitems__(indices)`` call when ``collate_fn`` is the default."""

    _FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
    __initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                "to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order  # delivery is always in order, which in_order=False allows too

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = "iterable"
            if shuffle not in (False, None):
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
                )
            if sampler is not None:
                raise ValueError(
                    f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        else:
            self._dataset_kind = "map"
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if self._dataset_kind == "iterable":
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self._iterator = None
        self.__initialized = True

    # --- configuration -------------------------------------------------------------------------
    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context) -> None:
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading (num_workers > 0), "
                    f"but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method in "
                        f"{methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string "
                    f"specifying the start method, but got multiprocessing_context={context}"
                )
        self.__multiprocessing_context = context

    def __setattr__(self, name, value) -> None:
        if self.__initialized and name in self._FROZEN:
            raise ValueError(f"{name} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        """What the iterator draws from: lists of indices with auto-collation, else single indices."""
        return self.batch_sampler if self._auto_collation else self.sampler

    @property
    def _batch_fetch(self) -> bool:
        """Whether each batch is one ``__getitems__`` call returning it already collated."""
        return (
            self._dataset_kind == "map"
            and self._auto_collation
            and self.collate_fn is default_collate
            and bool(getattr(self.dataset, "_dyngrad_batch_fetch", False))
            and callable(getattr(self.dataset, "__getitems__", None))
        )

    # --- iteration -----------------------------------------------------------------------------
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


class _BaseIter:
    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._is_iterable = loader._dataset_kind == "iterable"
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._batch_fetch = loader._batch_fetch
        self._index_sampler = loader._index_sampler
        self._base_seed = _int64_seed(loader.generator)
        self._sampler_iter = iter(self._index_sampler)

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def _make_fetcher(self):
        return _worker.make_fetcher(self._dataset, self._is_iterable, self._auto_collation, self._collate_fn,
                                    self._drop_last, self._batch_fetch)


class _SingleProcessIter(_BaseIter):
    """Batches fetched in the main process, one per ``next()``."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._fetch = self._make_fetcher()

    def __next__(self):
        # StopIteration from the sampler (map-style) or the fetcher (iterable) ends the epoch
        return self._fetch(next(self._sampler_iter))


def _describe_exit(process) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"pid {process.pid}, killed by signal {-code}: {signal.Signals(-code).name}"
        except ValueError:
            return f"pid {process.pid}, killed by signal {-code}"
    return f"pid {process.pid}, exit code {code}"


class _MultiProcessIter(_BaseIter):
    """Batches fetched by worker processes.

    Task ``k`` (the k-th index list) goes to the next worker still active, round-robin; results
    come back on one queue in any order and are handed out in task order. ``prefetch_factor``
    tasks per worker are kept in flight."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        self._shutdown = True  # until the workers exist
        self._owner_pid = os.getpid()  # a forked worker inherits this object: only the owner may shut down
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        context = loader.multiprocessing_context
        if context is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        self._index_queues = []
        self._workers = []
        self._shutdown = False
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()  # never block the main process's exit on it
            process = context.Process(
                target=_worker.worker_loop,
                args=(self._dataset, self._is_iterable, self._auto_collation, self._collate_fn, self._drop_last,
                      self._batch_fetch, index_queue, self._result_queue, self._done_event, self._base_seed,
                      loader.worker_init_fn, worker_id, self._num_workers),
                daemon=True,
            )
            process.start()
            self._index_queues.append(index_queue)
            self._workers.append(process)
        self._reset(loader, first_iter=True)

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._send_idx = 0  # the next task to send
        self._rcvd_idx = 0  # the next task to hand out
        self._task_info: dict[int, tuple] = {}  # task -> (worker_id,) or (worker_id, data)
        self._tasks_outstanding = 0
        self._workers_active = [True] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # a new epoch: each worker acknowledges after finishing what it still had
            for index_queue in self._index_queues:
                index_queue.put(_worker._ResumeIteration())
            waiting = self._num_workers
            while waiting:
                task_idx, _ = self._get_result()
                if isinstance(task_idx, _worker._ResumeIteration):
                    waiting -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self) -> None:
        if self._tasks_outstanding >= self._prefetch_factor * self._num_workers:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if self._workers_active[worker_id]:
                break
        else:
            return  # every worker is exhausted (iterable dataset)
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _get_result(self):
        """The next ``(task_idx, data)`` from any worker; raises if a worker died or on timeout."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _LIVENESS_POLL_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                task_idx, payload = self._result_queue.get(timeout=wait)
            except queue.Empty:
                dead = [w for w in self._workers if not w.is_alive()]
                if dead:
                    self._shutdown_workers()
                    details = "; ".join(_describe_exit(w) for w in dead)
                    pids = ", ".join(str(w.pid) for w in dead)
                    raise RuntimeError(
                        f"DataLoader worker (pid(s) {pids}) exited unexpectedly ({details})"
                    ) from None
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
                continue
            return task_idx, (None if payload is None else pickle.loads(payload))

    def __next__(self):
        while True:
            # skip tasks of exhausted workers that will never answer
            while self._rcvd_idx < self._send_idx:
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._workers_active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:  # arrived earlier, out of order
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._hand_out(info[1])
            if self._shutdown:
                raise StopIteration
            task_idx, data = self._get_result()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                self._workers_active[data.worker_id] = False
                self._try_put_index()
                continue
            if task_idx != self._rcvd_idx:
                self._task_info[task_idx] += (data,)
                continue
            del self._task_info[task_idx]
            self._rcvd_idx += 1
            return self._hand_out(data)

    def _hand_out(self, data):
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self) -> None:
        if self._shutdown or self._owner_pid != os.getpid():
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for index_queue in self._index_queues:
                try:
                    index_queue.put(None)
                except (OSError, ValueError):
                    pass
            for process in self._workers:
                process.join(timeout=_JOIN_TIMEOUT)
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=_JOIN_TIMEOUT)
            for q in (*self._index_queues, self._result_queue):
                q.cancel_join_thread()
                q.close()

    def __del__(self) -> None:
        if not getattr(self, "_shutdown", True) and self._owner_pid == os.getpid():
            self._shutdown_workers()
