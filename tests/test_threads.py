"""dyngrad.set_num_threads / get_num_threads: the BLAS thread count, as torch's."""

import builtins
import warnings

import pytest

import dyngrad
from dyngrad import threads


def test_set_num_threads_changes_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="threadpoolctl (the [threads] extra) not installed")
    if not any(p.get("user_api") == "blas" for p in threadpoolctl.threadpool_info()):
        pytest.skip("no BLAS library that threadpoolctl can see")
    before = dyngrad.get_num_threads()
    try:
        dyngrad.set_num_threads(1)
        assert dyngrad.get_num_threads() == 1
        assert all(p["num_threads"] == 1 for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas")
    finally:
        dyngrad.set_num_threads(before)
    assert dyngrad.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_set_num_threads_rejects_non_positive_integers(bad):
    with pytest.raises(RuntimeError, match="positive integer"):
        dyngrad.set_num_threads(bad)


def test_without_threadpoolctl_set_num_threads_warns_once(monkeypatch):
    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    monkeypatch.setattr(threads, "_warned", [])
    with pytest.warns(RuntimeWarning, match="threadpoolctl is not installed"):
        dyngrad.set_num_threads(3)
    assert dyngrad.get_num_threads() == 3  # the setting is still reported
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dyngrad.set_num_threads(3)  # said once only


def test_interop_threads_are_accepted():
    dyngrad.set_num_interop_threads(4)
    assert dyngrad.get_num_interop_threads() == 1
