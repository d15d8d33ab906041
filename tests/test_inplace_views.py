"""In-place writes into views that autograd cannot record faithfully raise as in PyTorch: outputs of
split/chunk/unbind (and views of them), and views made in no_grad mode, written with grad mode on."""

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:
    torch = None

MULTI = "output of a function that returns multiple views"
NO_GRAD = "created in no_grad mode"


def _computed(L):
    return L.ones(4, 3, requires_grad=True) * 1


def _split_mul(L):
    a, _ = _computed(L).split(2)
    a.mul_(2)


def _chunk_zero(L):
    a, _ = _computed(L).chunk(2)
    a.zero_()


def _unbind_copy(L):
    a, b, *_ = _computed(L).unbind()
    a.copy_(b)


def _view_of_split(L):
    a, _ = _computed(L).split(2)
    a.view(-1).mul_(2)


def _setitem_on_split(L):
    a, _ = _computed(L).split(2)
    a[0] = 5.0


def _split_in_no_grad(L):
    x = _computed(L)
    with L.no_grad():
        a, _ = x.split(2)
    a.mul_(2)


def _view_in_no_grad(L):
    x = _computed(L)
    with L.no_grad():
        a = x[0]
    a.mul_(2)


def _view_of_view_in_no_grad(L):
    a = _computed(L)[0]
    with L.no_grad():
        b = a[1:]
    b.mul_(2)


def _no_grad_base_split_then_grad_arg(L):
    a, _ = L.zeros(4, 3).split(2)
    a.mul_(L.ones(2, 3, requires_grad=True))


def _no_grad_base_view_in_no_grad_then_grad_arg(L):
    x = L.zeros(4, 3)
    with L.no_grad():
        a = x[0]
    a.copy_(L.ones(3, requires_grad=True))


RAISE = [
    (_split_mul, MULTI), (_chunk_zero, MULTI), (_unbind_copy, MULTI), (_view_of_split, MULTI),
    (_setitem_on_split, MULTI), (_split_in_no_grad, NO_GRAD), (_view_in_no_grad, NO_GRAD),
    (_view_of_view_in_no_grad, NO_GRAD), (_no_grad_base_split_then_grad_arg, MULTI),
    (_no_grad_base_view_in_no_grad_then_grad_arg, NO_GRAD),
]


@pytest.mark.parametrize("case, message", RAISE, ids=[c.__name__.strip("_") for c, _ in RAISE])
def test_unrecordable_in_place_view_writes_raise(case, message):
    with pytest.raises(RuntimeError, match=message):
        case(dyngrad)
    if torch is not None:  # the reference raises the same error
        with pytest.raises(RuntimeError, match=message):
            case(torch)


def _write_in_no_grad(L):
    x = _computed(L)
    a, _ = x.split(2)
    with L.no_grad():
        a.mul_(2)
    return x


def _view_and_write_in_no_grad(L):
    x = _computed(L)
    with L.no_grad():
        x[0].mul_(2)
    return x


def _detached_split(L):
    x = _computed(L)
    x.split(2)[0].detach().mul_(2)
    return x


def _no_grad_base_unbind(L):
    x = L.zeros(4, 3)
    x.unbind()[0].add_(1)
    return x


def _no_grad_base_view_then_grad_arg(L):
    x = L.zeros(4, 3)
    x[0].copy_(L.full((3,), 2.0, requires_grad=True))
    return x


ALLOW = [_write_in_no_grad, _view_and_write_in_no_grad, _detached_split, _no_grad_base_unbind,
         _no_grad_base_view_then_grad_arg]


@pytest.mark.parametrize("case", ALLOW, ids=[c.__name__.strip("_") for c in ALLOW])
def test_recordable_or_untracked_in_place_view_writes_are_allowed(case):
    x = case(dyngrad)
    if torch is not None:
        np.testing.assert_array_equal(x.detach().numpy(), case(torch).detach().numpy())


# Bases in several memory layouts (NumPy keeps an operand's layout: a permuted leaf times 1.5 is
# neither C- nor F-ordered), random views of them written in place; the gradients must be PyTorch's.
_PERMS = [(0, 1, 2), (2, 1, 0), (1, 2, 0), (2, 0, 1)]


def _random_view(z, rng):
    key = []
    for n in z.shape:
        kind = rng.integers(3)
        if kind == 0:
            key.append(int(rng.integers(n)))
        elif kind == 1:
            start = int(rng.integers(n))
            key.append(slice(start, None, int(rng.integers(1, 3))))
        else:
            key.append(slice(None))
    v = z[tuple(key)]
    return v.t() if v.dim() == 2 and rng.integers(2) else v


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("seed", range(24))
def test_in_place_on_views_of_any_layout_matches_torch(seed):
    rng = np.random.default_rng(seed)
    perm = _PERMS[seed % len(_PERMS)]
    xa, oa = rng.standard_normal((3, 4, 5)), rng.standard_normal(5)
    results = []
    for L in (dyngrad, torch):
        leaf = L.tensor(xa, requires_grad=True)
        other = L.tensor(oa, requires_grad=True)
        z = leaf.permute(*perm) * 1.5
        v = _random_view(z, np.random.default_rng(seed))
        factor = other[: v.shape[-1]] if v.dim() else other[0]
        {0: v.mul_, 1: v.add_, 2: v.copy_}[seed % 3](factor * 1.0)
        loss = (z * z).sum() + (v * 3.0).sum()
        loss.backward()
        results.append((z.detach().numpy(), leaf.grad.numpy(), other.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_in_place_on_an_expanded_view_raises_where_it_repeats_elements():
    for requires_grad in (True, False):
        x = dyngrad.ones(3, requires_grad=requires_grad) * 1
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            x.expand(2, 3).mul_(2)
        assert x.tolist() == [1.0, 1.0, 1.0]  # raised before any write
    if torch is not None:
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            torch.ones(3).expand(2, 3).mul_(2)


def test_in_place_on_an_expanded_view_that_only_adds_size_one_dims_writes_through():
    leaf = dyngrad.ones(3, requires_grad=True)
    x = leaf * 1
    x.expand(1, 3).mul_(3)
    x.sum().backward()
    assert x.tolist() == [3.0, 3.0, 3.0] and leaf.grad.tolist() == [3.0, 3.0, 3.0]  # PyTorch's values


def _retain_then_write(L):
    leaf = L.ones(2, 3, requires_grad=True)
    x = leaf * 1
    x.retain_grad()
    x.mul_(2)
    (x * x).sum().backward()
    return x.grad


def _retain_view_then_write(L, written):
    x = L.ones(2, 3, requires_grad=True) * 1
    v = x[0]
    v.retain_grad()
    (v if written == "view" else x).mul_(3)
    (v * v).sum().backward()
    return v.grad


def _retain_view_then_write_view(L):
    return _retain_view_then_write(L, "view")


def _retain_view_then_write_base(L):
    return _retain_view_then_write(L, "base")


def _transposes_in_place(L):
    leaf = L.arange(6.0, requires_grad=True)
    x = (leaf * 1).view(2, 3)
    x.t_()
    x.mul_(L.arange(6.0).view(3, 2))
    y = (leaf * 1).view(1, 2, 3)
    y.transpose_(0, 2).swapaxes_(1, 2).swapdims_(0, 1)
    (x.sum() * 2 + (y * y).sum() + y[0, 2, 0]).backward()
    return L.cat([leaf.grad, L.tensor(x.shape + y.shape, dtype=leaf.dtype)])


GRADS = [_retain_then_write, _retain_view_then_write_view, _retain_view_then_write_base, _transposes_in_place]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("case", GRADS, ids=[c.__name__.strip("_") for c in GRADS])
def test_retained_grads_and_in_place_transposes_match_torch(case):
    np.testing.assert_array_equal(case(dyngrad).numpy(), case(torch).numpy())


def test_detach_in_place_refuses_a_view():
    x = dyngrad.ones(3)
    with pytest.raises(RuntimeError, match="Can't detach views in-place"):
        x[1:].detach_()
    x.detach_()  # not a view: fine
