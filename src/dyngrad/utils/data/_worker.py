"""What runs inside a DataLoader worker process, and the fetchers that turn indices into batches
(used by the single-process loader too).

A worker reads ``(task_idx, index)`` from its own index queue, fetches, and puts
``(task_idx, batch)`` on the shared result queue. ``None`` on the index queue stops it;
a ``_ResumeIteration`` starts a new epoch (persistent workers). A fetch that raises sends an
``ExceptionWrapper`` carrying the formatted traceback, re-raised in the main process.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

from ..._numpy import np
from ...random import manual_seed

__all__ = ["WorkerInfo", "get_worker_info"]

# how often an idle worker checks that the main process still exists and has not asked it to stop
# (seconds): the stop request in the index queue can be lost when the main process's iterator is
# collected as garbage, as the queue's own finalizer may run first
_IDLE_POLL_INTERVAL = 0.1


class WorkerInfo:
    """Information about the current DataLoader worker: ``id``, ``num_workers``, ``seed``, ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: object

    def __init__(self, **kwargs) -> None:
        for name, value in kwargs.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, name, value):
        raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{self.__class__.__name__}({fields})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The current worker's ``WorkerInfo`` inside a DataLoader worker process, else ``None``.

    In a worker, ``dataset`` is that worker's own copy: use ``id`` and ``num_workers`` to shard an
    ``IterableDataset``."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, sent to the main process with its formatted traceback."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise an exception of the original type whose message holds the worker's traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            # the exception type needs other constructor arguments: keep the message at least
            raise RuntimeError(msg) from None
        raise exception


class _KeyErrorMessage(str):
    """KeyError quotes its message with repr(); this keeps the traceback's newlines readable."""

    def __repr__(self) -> str:
        return self


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new epoch (persistent workers): re-create the iterable dataset's iterator."""


# --- fetchers: index (or list of indices) -> batch ------------------------------------------------


def make_fetcher(dataset, is_iterable: bool, auto_collation: bool, collate_fn, drop_last: bool, batch_fetch: bool):
    """A callable ``fetch(index)`` giving one batch (or one sample without auto-collation)."""
    if is_iterable:
        return _IterableFetcher(dataset, auto_collation, collate_fn, drop_last)
    if auto_collation:
        if batch_fetch:
            return dataset.__getitems__  # the fast path: one call per batch, already collated
        getitems = getattr(dataset, "__getitems__", None)
        if callable(getitems) and not getattr(dataset, "_dyngrad_batch_fetch", False):
            # PyTorch's protocol: a list of samples (a marked dataset's batches are already
            # collated, so a custom collate_fn gets the samples one by one instead)
            return lambda indices: collate_fn(getitems(indices))
        return lambda indices: collate_fn([dataset[i] for i in indices])
    return lambda index: collate_fn(dataset[index])


class _IterableFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def __call__(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        batch = []
        for _ in range(len(index)):
            try:
                batch.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not batch or (self.drop_last and len(batch) < len(index)):
            raise StopIteration
        return self.collate_fn(batch)


# --- the worker process ---------------------------------------------------------------------------


def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed Python's, NumPy's and dyngrad's generators for a worker, as PyTorch does."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    # NumPy's global state: PyTorch hashes (worker_id, base_seed) like a SeedSequence (verified)
    words = [worker_id, base_seed & 0xFFFFFFFF, (base_seed >> 32) & 0xFFFFFFFF]
    np.random.seed(np.random.SeedSequence(words).generate_state(4))
    return seed


def _pickled(data, where: str) -> bytes:
    """``data`` pickled here, so that a batch that can't be pickled becomes an error report (the
    queue would pickle it in a background thread and lose it)."""
    try:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        wrapper = ExceptionWrapper(where=where)
    try:
        return pickle.dumps(wrapper, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # the exception's class itself can't be pickled (e.g. defined in a function)
        wrapper.exc_type = RuntimeError
        return pickle.dumps(wrapper, protocol=pickle.HIGHEST_PROTOCOL)


def worker_loop(dataset, is_iterable, auto_collation, collate_fn, drop_last, batch_fetch, index_queue,
                result_queue, done_event, base_seed, init_fn, worker_id, num_workers) -> None:
    """The body of a worker process (module level, so the spawn start method can find it)."""
    global _worker_info
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        parent = os.getppid()
        where = f"in DataLoader worker process {worker_id}"
        pending_error = None
        fetch = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetch = make_fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last, batch_fetch)
        except Exception:
            pending_error = ExceptionWrapper(where=where)
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=_IDLE_POLL_INTERVAL)
            except queue.Empty:
                # stop when asked to, or when the main process is gone (nobody would read our results)
                if done_event.is_set() or os.getppid() != parent:
                    break
                continue
            if task is None:
                break
            if isinstance(task, _ResumeIteration):
                ended = False
                if is_iterable and pending_error is None:
                    try:
                        fetch = make_fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last, batch_fetch)
                    except Exception:
                        pending_error = ExceptionWrapper(where=where)
                result_queue.put((task, None))
                continue
            if done_event.is_set():
                continue  # shutting down: drain until told to stop
            task_idx, index = task
            if ended:
                data = _IterableDatasetStopIteration(worker_id)  # every task gets one answer
            elif pending_error is not None:
                data, pending_error = pending_error, None
            else:
                try:
                    data = fetch(index)
                except StopIteration:
                    if not is_iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        ended = True
                except Exception:
                    data = ExceptionWrapper(where=where)
            result_queue.put((task_idx, _pickled(data, where)))
            del data  # don't hold the batch while waiting for the next task
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        # the main process may not read what is still queued: don't wait for it at exit
        result_queue.cancel_join_thread()
        result_queue.close()
