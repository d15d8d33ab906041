"""Special values give PyTorch's values and gradients: NaN inputs of the piecewise activations
(PyTorch's masks let the gradient through NaN), and losses whose every target is ignored (the
mean is 0/0 = nan, its gradient 0, not nan)."""

import numpy as np
import pytest

import dyngrad

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

ACTIVATIONS = ["relu", "relu6", "hardtanh", "leaky_relu", "elu", "selu", "celu", "softplus", "gelu", "silu",
               "logsigmoid"]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations_at_nan_and_kinks_match_torch(name, dtype):
    values = [float("nan"), -1.0, -0.0, 0.0, 2.0, 6.0, 7.5]
    results = []
    for L in (dyngrad, torch):
        x = L.tensor(values, dtype=getattr(L, dtype), requires_grad=True)
        y = getattr(L.nn.functional, name)(x)
        y.backward(L.ones_like(y))
        results.append((y.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_gradient_blocks_inf_nan_and_negatives_to_plus_zero(dtype):
    # the incoming gradient's inf, nan and negative values are blocked where x <= 0 (+0 there,
    # as in PyTorch: not nan, not -0) and passed where x > 0, huge values unchanged
    big = float(np.finfo(dtype).max) / 2
    x = dyngrad.tensor([1.0, -1.0, 2.0, -2.0, 0.0, 3.0, -3.0, -4.0, 5.0],
                       dtype=getattr(dyngrad, dtype), requires_grad=True)
    g = [float("inf"), float("inf"), float("nan"), float("nan"), -float("inf"), big, big, -1.5, -big]
    dyngrad.relu(x).backward(dyngrad.tensor(g, dtype=getattr(dyngrad, dtype)))
    expected = np.array([float("inf"), 0, float("nan"), 0, 0, big, 0, 0, -big], dtype=dtype)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert not np.signbit(x.grad.numpy()[[1, 3, 4, 6, 7]]).any()


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("special", [True, False])
def test_relu_gradient_matches_torch_to_the_bit(dtype, special):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 9)).astype(dtype)
    g = rng.standard_normal((16, 9)).astype(dtype)  # negative values where x < 0 give +0, not -0
    if special:
        g.flat[::7] = np.inf
        g.flat[3::11] = np.nan
    results = []
    for L in (dyngrad, torch):
        t = L.tensor(x, requires_grad=True)
        L.relu(t).backward(L.tensor(g))
        results.append(t.grad.numpy())
    np.testing.assert_array_equal(*results)
    np.testing.assert_array_equal(*(np.signbit(r) for r in results))  # +0 where blocked, as PyTorch


@needs_torch
@pytest.mark.parametrize("loss, options", [
    ("nll_loss", {}), ("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.1}),
    ("cross_entropy", {"weight": [1.0, 2.0]}), ("nll_loss", {"weight": [1.0, 2.0]}),
])
def test_mean_over_only_ignored_targets_is_nan_with_zero_gradient(loss, options):
    results = []
    for L in (dyngrad, torch):
        x = L.tensor([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
        kw = {k: L.tensor(v) if k == "weight" else v for k, v in options.items()}
        y = getattr(L.nn.functional, loss)(x, L.tensor([-100, -100]), **kw)
        y.backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    (value, grad), (torch_value, torch_grad) = results
    assert np.isnan(value) and np.isnan(torch_value)
    np.testing.assert_array_equal(grad, torch_grad)
    assert not np.isnan(grad).any()


# float16 formulas of several steps run in float32 and round once, as PyTorch's kernels do
HALF_OPS = {"sigmoid": 0, "erf": 0, "silu": 0, "softplus": 0, "mish": 1, "rsqrt": 1, "gelu": 4, "logsigmoid": 1}


@needs_torch
@pytest.mark.parametrize("name", sorted(HALF_OPS))
def test_float16_composites_round_once_like_torch(name):
    x = np.linspace(-8, 8, 2001).astype(np.float16)
    if name == "rsqrt":
        x = np.abs(x) + np.float16(0.01)
    results = []
    for L, values in ((dyngrad, x), (torch, x), (dyngrad, x.astype(np.float64))):
        t = L.tensor(values)
        y = getattr(L.nn.functional, name)(t) if hasattr(L.nn.functional, name) else getattr(t, name)()
        assert str(y.dtype).endswith("float16" if values is x else "float64")
        results.append(y.numpy().astype(np.float16))
    ours, theirs, truth = results

    def ulps(a, b):
        return np.abs(a.view(np.int16).astype(int) - b.view(np.int16).astype(int))

    # Where torch's float32 kernel cancels (gelu below -4), its last digits differ by CPU; there
    # ours must stay within one ulp of the correctly rounded float64 value instead.
    off = (ulps(ours, theirs) > HALF_OPS[name]) & (ulps(ours, truth) > 1)
    assert not off.any(), (name, x[off][:5], ours[off][:5], theirs[off][:5], truth[off][:5])


@needs_torch
@pytest.mark.parametrize("name, ulps", [("softmax", 0), ("log_softmax", 3), ("cumsum", 0), ("cumprod", 0)])
def test_float16_scans_and_softmax_accumulate_in_float32_like_torch(name, ulps):
    x = (np.random.default_rng(0).standard_normal((16, 100)) * (0.01 if name == "cumprod" else 3) + (
        1 if name == "cumprod" else 0)).astype(np.float16)
    results = []
    for L in (dyngrad, torch):
        t = L.tensor(x)
        y = getattr(L.nn.functional, name)(t, 1) if "softmax" in name else getattr(t, name)(1)
        assert str(y.dtype).endswith("float16")
        results.append(y.numpy())
    ours, theirs = results
    assert np.abs(ours.view(np.int16).astype(int) - theirs.view(np.int16).astype(int)).max() <= ulps


@needs_torch
def test_atan2_at_the_origin_and_on_the_axes_like_torch():
    results = []
    for L in (dyngrad, torch):
        a = L.tensor([0.0, 0.0, -0.0, 1.0, 0.0], requires_grad=True)
        b = L.tensor([0.0, -0.0, -1.0, 0.0, 2.0], requires_grad=True)
        y = L.atan2(a, b)
        y.backward(L.ones_like(y))
        results.append([t.numpy() for t in (y.detach(), a.grad, b.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)
        assert (np.signbit(ours) == np.signbit(theirs)).all()


def _special_rows(n_cols: int, n_rows: int = 8) -> np.ndarray:
    """Rows with NaN, +-inf, all -inf (the first eight), and ordinary values, for the softmax
    family."""
    rows = np.random.default_rng(0).standard_normal((n_rows, n_cols))
    rows[0, 1] = np.nan
    rows[1, 0] = np.inf
    rows[2, :] = -np.inf
    rows[3, 2] = -np.inf
    rows[4, 0], rows[4, 1] = np.inf, np.nan
    rows[5, :] = np.nan
    rows[6, 3] = np.inf
    rows[6, 4] = np.inf
    return rows


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
# 80 x 5: short rows (softmax._row_max's transposed reduction); 8 x 40000: the row-block path
@pytest.mark.parametrize("n_rows, n_cols", [(8, 5), (80, 5), (8, 40000)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "cross_entropy"])
def test_softmax_family_on_nan_and_inf_rows_matches_torch(name, n_rows, n_cols, dtype):
    data = _special_rows(n_cols, n_rows)
    targets = [0, 1, 2, 3, 4, 0, 3, 2] + [1] * (n_rows - 8)
    results = []
    for L in (dyngrad, torch):
        x = L.tensor(data, dtype=getattr(L, dtype), requires_grad=True)
        if name == "cross_entropy":
            y = L.nn.functional.cross_entropy(x, L.tensor(targets), reduction="none")
        else:
            y = getattr(L.nn.functional, name)(x, 1)
        y.backward(L.ones_like(y))
        results.append((y.detach().numpy(), x.grad.numpy()))
    # float32 sums of 40000 terms differ in the last bits with the order of summation
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, equal_nan=True, **tol)


@needs_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_on_special_1d_inputs_matches_torch(name):
    for row in _special_rows(5):
        ours, theirs = (getattr(L.nn.functional, name)(L.tensor(row), 0).numpy() for L in (dyngrad, torch))
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=str(row))
