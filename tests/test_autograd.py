"""The engine and the autograd API: graphs, accumulation, hooks, retain/create graph, versions."""

import gc
import weakref

import numpy as np
import pytest

import dyngrad
from dyngrad.autograd import Function
from optable import needs_torch, torch


def leaf(values, dtype=dyngrad.float64):
    return dyngrad.tensor(values, dtype=dtype, requires_grad=True)


def test_diamond_graph_sums_both_paths():
    x = leaf([1.0, 2.0])
    y = x * 2
    a = y + 1
    b = y * 3
    (a * b).sum().backward()
    # d/dx (2x+1)(6x) = 24x + 6
    np.testing.assert_allclose(x.grad.numpy(), [30.0, 54.0])


def test_shared_leaf_used_many_times():
    x = leaf([3.0])
    (x * x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [28.0])


def test_grads_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_non_leaf_grad_is_none_unless_retained():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * 3
    y.retain_grad()
    w = z * 1
    w.sum().backward()
    assert z.grad is None
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])
    assert y.retains_grad and not z.retains_grad


def test_leaf_grads_do_not_share_memory():
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.mul_(10)
    assert b.grad.item() == 1.0


def test_user_gradient_is_not_aliased_into_grad():
    x = leaf([1.0, 2.0])
    g = dyngrad.tensor([1.0, 1.0], dtype=dyngrad.float64)
    (x + 0).backward(g)
    x.grad.zero_()
    assert g.tolist() == [1.0, 1.0]


def test_implicit_gradient_only_for_scalars():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        dyngrad.tensor([1.0]).backward()


@needs_torch
@pytest.mark.parametrize("seed_dtype", ["float64", "float16", "int64"])
def test_a_root_gradient_of_another_dtype_takes_the_outputs(seed_dtype):
    """As in PyTorch, the gradient given to backward() or grad() is cast to its output's dtype:
    every formula below the root sees its output's dtype (binary ops of two same-shaped float32
    tensors then keep no dtype to cast back to)."""
    values = [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]]
    seed = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    grads, seen = [], []
    for lib in (dyngrad, torch):
        a = lib.tensor(values, requires_grad=True)
        b = lib.tensor(values[::-1], requires_grad=True)
        product = a * b
        product.register_hook(lambda g: seen.append(str(g.dtype).split(".")[-1]))
        out = (product + a) / (b - 3.0)
        out.backward(lib.tensor(seed, dtype=getattr(lib, seed_dtype)), inputs=[a, b])
        (gb,) = lib.autograd.grad(lib.div(a * b, b, rounding_mode="floor"), [b], lib.tensor(seed, dtype=getattr(lib, seed_dtype)),
                                  allow_unused=True)
        grads.append((a.grad, b.grad, gb))
    assert seen == ["float32", "float32"]  # an intermediate gradient, ours and PyTorch's
    for ours, theirs in zip(*grads):
        assert ours.dtype == dyngrad.float32 and str(theirs.dtype) == "torch.float32"
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_gradient_shape_mismatch_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(dyngrad.ones(3, dtype=dyngrad.float64))


def test_hook_on_non_leaf_replaces_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    y.sum().backward()
    np.testing.assert_allclose(seen[0].numpy(), [1.0, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])


def test_hook_on_leaf_runs_once_on_the_total_and_handle_removes_it():
    x = leaf([1.0])
    calls = []
    h = x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0]
    h.remove()
    (x * 2).sum().backward()
    assert calls == [5.0]


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    g1 = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1.numpy())


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_saved_arrays_are_freed_after_backward():
    x = leaf(np.ones(1000))
    y = x.exp()  # saves its output
    z = y * x  # saves both inputs
    ref = weakref.ref(y._data)
    loss = z.sum()
    del y, z
    gc.collect()
    assert ref() is not None  # kept alive by the graph until backward has used it
    loss.backward()
    gc.collect()
    assert ref() is None


def test_retain_graph_keeps_saved_arrays():
    x = leaf(np.ones(10))
    y = x.exp()
    ref = weakref.ref(y._data)
    loss = (y * 2).sum()
    del y
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None


def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_double_backward_higher_orders():
    x = leaf([0.5, 1.0, 2.0])
    y = (x ** 3 + x.sin()).sum()
    (g,) = dyngrad.autograd.grad(y, x, create_graph=True)
    (h,) = dyngrad.autograd.grad(g.sum(), x, create_graph=True)
    (t,) = dyngrad.autograd.grad(h.sum(), x)
    xv = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(g.detach().numpy(), 3 * xv**2 + np.cos(xv))
    np.testing.assert_allclose(h.detach().numpy(), 6 * xv - np.sin(xv))
    np.testing.assert_allclose(t.numpy(), 6 - np.cos(xv))


def test_create_graph_backward_makes_leaf_grad_differentiable():
    x = leaf([2.0])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (gg,) = dyngrad.autograd.grad(x.grad.sum(), x)
    assert gg.item() == 12.0


def test_grad_does_not_touch_dot_grad_and_prunes():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (gx,) = dyngrad.autograd.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    assert x.grad is None and w.grad is None


def test_grad_unused_input():
    x, u = leaf([1.0]), leaf([1.0])
    with pytest.raises(RuntimeError, match="not have been used"):
        dyngrad.autograd.grad((x * 2).sum(), [x, u])
    gx, gu = dyngrad.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)
    assert gu is None and gx.item() == 2.0
    _, gu = dyngrad.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
    assert gu.tolist() == [0.0]


def test_grad_of_non_leaf_input():
    x = leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    (gy,) = dyngrad.autograd.grad(z, y)
    np.testing.assert_allclose(gy.numpy(), [6.0, 12.0])


def test_backward_inputs_restricts_accumulation():
    x, w = leaf([1.0]), leaf([2.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.item() == 1.0


def test_version_counter_error_names_the_op():
    x = leaf([1.0, 2.0])
    y = x * 1
    z = y.exp()  # saves its output
    z.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*ExpBackward0"):
        z.sum().backward()


# Ways to write into an op's saved output after the op ran (exp, sigmoid, tanh save their output,
# whose version counter is made only when first needed): backward must refuse every one, as
# PyTorch does
def _sub_under_no_grad(lib, y):
    with lib.no_grad():
        y.sub_(1)


_OUTPUT_WRITES = {
    "in place": lambda lib, y: y.add_(1),
    "through a slice": lambda lib, y: y[0:1].mul_(2),
    "through a view of all": lambda lib, y: y.view(-1).add_(1),
    "through detach": lambda lib, y: y.detach().zero_(),
    "under no_grad": _sub_under_no_grad,
}


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh"])
@pytest.mark.parametrize("write", list(_OUTPUT_WRITES))
def test_a_write_into_a_saved_output_is_caught(op, write):
    for lib in (dyngrad, torch) if torch is not None else (dyngrad,):
        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        y = getattr(x * 1, op)()
        _OUTPUT_WRITES[write](lib, y)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_a_saved_output_only_viewed_or_detached_still_backpropagates():
    x = leaf([0.5, -1.0])
    y = (x * 1).exp()
    v, d = y.view(-1), y.detach()
    (y * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0]))
    assert v._version == d._version == 0


def test_views_share_the_version_counter():
    x = dyngrad.zeros(4, 4)
    v = x.view(16)
    s = x[1:3]
    x.add_(1)
    assert x._version == v._version == s._version == 1
    s.mul_(2)
    assert x._version == 2


def test_in_place_on_leaf_requiring_grad_raises_but_not_under_no_grad():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with dyngrad.no_grad():
        x.add_(1)
    assert x.item() == 2.0 and x._version == 1


def test_grad_modes():
    x = leaf([1.0])
    with dyngrad.no_grad():
        assert not dyngrad.is_grad_enabled()
        assert not (x * 2).requires_grad
        with dyngrad.enable_grad():
            assert (x * 2).requires_grad
    assert dyngrad.is_grad_enabled()
    with dyngrad.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    dyngrad.set_grad_enabled(False)
    assert not dyngrad.is_grad_enabled()
    dyngrad.set_grad_enabled(True)
    with dyngrad.inference_mode():
        assert not (x * 2).requires_grad

    @dyngrad.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and dyngrad.is_grad_enabled()


def test_requires_grad_only_on_floats():
    with pytest.raises(RuntimeError, match="floating point"):
        dyngrad.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        dyngrad.tensor([1, 2], requires_grad=True)


def test_detach_shares_memory_and_cuts_graph():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = x * 1
    yd = y.detach()
    yd.zero_()
    assert y.tolist() == [0.0, 0.0]


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return g * 3 * x ** 2 * ctx.scale, None


def test_custom_function_forward_backward():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert dyngrad.autograd.gradcheck(lambda t: Cube.apply(t, 2.0), [leaf([0.3, -0.7])])


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x, None


def test_gradcheck_catches_a_wrong_backward():
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        dyngrad.autograd.gradcheck(lambda t: WrongCube.apply(t, 1.0), [leaf([0.3, -0.7])])
    assert not dyngrad.autograd.gradcheck(
        lambda t: WrongCube.apply(t, 1.0), [leaf([0.3])], raise_exception=False
    )


class SortWithIndex(Function):
    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x.detach().numpy())
        idx = dyngrad.from_numpy(order)
        ctx.mark_non_differentiable(idx)
        ctx.order = order
        return dyngrad.from_numpy(x.detach().numpy()[order]), idx

    @staticmethod
    def backward(ctx, g, g_idx):
        out = np.zeros_like(g.numpy())
        out[ctx.order] = g.numpy()
        return dyngrad.from_numpy(out)


def test_custom_function_multiple_outputs_and_non_differentiable():
    x = leaf([3.0, 1.0, 2.0])
    values, idx = SortWithIndex.apply(x)
    assert values.requires_grad and not idx.requires_grad
    (values * dyngrad.tensor([1.0, 10.0, 100.0], dtype=dyngrad.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


def test_custom_function_without_grad_returns_plain_result():
    x = dyngrad.tensor([1.0])
    y = Cube.apply(x, 1.0)
    assert not y.requires_grad and y.grad_fn is None


def test_in_place_on_a_view_rewires_the_base_graph():
    a = np.arange(12.0).reshape(3, 4) / 7
    w = leaf(a)
    b = leaf(a[0])
    x = w * 1
    x[1:3].mul_(b)
    (x * x).sum().backward()
    expected_w = 2 * a.copy()
    expected_w[1:3] *= a[0] ** 2
    np.testing.assert_allclose(w.grad.numpy(), expected_w)
    np.testing.assert_allclose(b.grad.numpy(), (2 * a[1:3] * a[1:3] * a[0]).sum(0))


def test_a_view_made_before_an_in_place_write_to_its_base_sees_the_write():
    """PyTorch rebuilds such a view's grad_fn (AsStridedBackward0): the gradient goes through the
    in-place op, not around it."""
    w = leaf([1.0, 2.0, 3.0, 4.0])
    x = w * 1
    v = x[0:2]
    x.mul_(3)  # v now holds 3, 6
    (v * v).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [18.0, 36.0, 0.0, 0.0])  # d/dw (3w)^2 = 18w
    assert v.grad_fn.name() == "AsStridedBackward0"


def test_a_write_through_one_view_reaches_an_overlapping_view():
    w = leaf(np.arange(1.0, 7.0))
    x = w * 1
    a, b = x[0:4], x[2:6]  # overlapping on x[2:4]
    a.mul_(2)
    b.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0, 0, 2, 2, 1, 1])


def test_a_view_of_a_base_that_starts_to_require_grad_requires_it_too():
    base = dyngrad.zeros(4)
    v = base[1:3]
    src = leaf([1.0, 2.0, 3.0, 4.0])
    base.copy_(src * 2)
    assert v.requires_grad
    (v * 1).sum().backward()
    np.testing.assert_allclose(src.grad.numpy(), [0.0, 2.0, 2.0, 0.0])


def test_a_view_used_as_root_after_its_base_changed():
    w = leaf([1.0, 2.0, 3.0])
    x = w * 1
    v = x[1:]
    x.add_(w)  # x = 2w
    v.backward(dyngrad.ones(2))
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 2.0, 2.0])


@needs_torch
def test_stale_views_match_torch():
    def run(L):
        w = L.tensor(np.linspace(-1, 2, 12).reshape(3, 4), requires_grad=True)
        x = w * 2
        t = x.t()  # a transposed view, made before the writes
        row = x[1]
        x[0].mul_(w[2])
        row.add_(1.5)
        out = (t * t).sum() + (row ** 3).sum()
        out.backward()
        return out.detach().numpy(), w.grad.numpy()

    for a, b in zip(run(dyngrad), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_in_place_on_a_view_of_a_leaf_raises():
    w = leaf(np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        w[0].add_(1)


def test_node_post_hook_and_next_functions():
    x = leaf([1.0])
    y = x * 2
    seen = []
    y.grad_fn.register_hook(lambda gin, gout: seen.append((gin[0].item(), gout[0].item())))
    acc = y.grad_fn.next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    y.sum().backward()
    assert seen == [(2.0, 1.0)]


@needs_torch
def test_engine_matches_torch_on_a_mixed_graph():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    results = []
    for lib in (dyngrad, torch):
        x = lib.tensor(a, requires_grad=True)
        w = lib.tensor(b, requires_grad=True)
        h = (x * w).tanh()
        loss = (h * h + h.sigmoid() * x).sum() / (w * w).sum()
        (gx, gw) = lib.autograd.grad(loss, [x, w], create_graph=True)
        (gx.sum() + (gw * gw).sum()).backward()
        results.append((loss.item(), gx.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
    for ours, theirs in zip(results[0], results[1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


class ExpSavingOutput(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


def test_custom_function_saving_its_output_has_correct_second_derivatives():
    x = dyngrad.randn(3, 2, dtype=dyngrad.float64, requires_grad=True)  # a view of its memory
    assert dyngrad.autograd.gradcheck(ExpSavingOutput.apply, (x,))
    assert dyngrad.autograd.gradgradcheck(ExpSavingOutput.apply, (x,))


@pytest.mark.parametrize("returned", [1, 3])
def test_a_function_returning_the_wrong_number_of_gradients_raises(returned):
    class Two(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return (g,) * returned

    x, y = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match=f"incorrect number of gradients \\(expected 2, got {returned}\\)"):
        Two.apply(x, y).backward()


def test_gradient_sums_accumulate_in_place_without_touching_shared_buffers():
    """A buffer's sum is added into in place only while no node has passed it on: here m's
    summed gradient reaches a and the leaf y2 through Add's backward (one array for both), y2
    keeps it as its .grad, and only then does a get its other contribution (the long chain runs
    last)."""
    y1 = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    y2 = dyngrad.tensor([3.0, 4.0], requires_grad=True)
    a = y1 * 1.0
    m = a + y2
    chain = a * 7.0
    for _ in range(3):
        chain = chain * 1.0
    out = (chain + (m * 3.0 + m * 5.0)).sum()
    out.backward()
    np.testing.assert_array_equal(y1.grad.numpy(), [15.0, 15.0])
    np.testing.assert_array_equal(y2.grad.numpy(), [8.0, 8.0])
    w = dyngrad.tensor([2.0], requires_grad=True)
    total = sum((w * float(k) for k in range(1, 6)), dyngrad.zeros(1))  # five uses, summed in place
    total.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [15.0])


def test_a_gradient_sum_keeps_no_node_alive():
    """The engine marks a sum it made for a node's buffer (to add into it in place); here
    autograd.grad hands that sum out as y's gradient, and the graph must still go with its last
    user reference, without the garbage collector."""
    import weakref

    x = dyngrad.tensor([1.0, 2.0], requires_grad=True)
    y = x + 0.0
    out = (y * 2.0 + y * 3.0).sum()
    (gy,) = dyngrad.autograd.grad(out, y, retain_graph=True)
    np.testing.assert_array_equal(gy.numpy(), [5.0, 5.0])
    node = weakref.ref(y.grad_fn)
    del y, out
    assert node() is None


def test_post_accumulate_grad_hook_runs_after_each_accumulation():
    x = dyngrad.ones(3, requires_grad=True)
    seen = []
    handle = x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    handle.remove()
    (x * 4).sum().backward()
    assert [s.tolist() for s in seen] == [[2.0] * 3, [5.0] * 3] and x.grad.tolist() == [9.0] * 3
    x.register_post_accumulate_grad_hook(lambda t: t.grad)  # must return None
    with pytest.raises(RuntimeError, match="should return None"):
        (x * 2).sum().backward()
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 1).register_post_accumulate_grad_hook(lambda t: None)


def test_nodes_made_unrecorded_read_all_false_needs_input_grad():
    """``apply`` gives every node its needs_input_grad (the class default is only a plain tuple,
    see Node): a forward may index it unguarded when nothing is recorded."""
    from dyngrad.autograd.function import Node, Op

    class Peek(Op):
        def forward(self, x):
            self.seen = (self.needs_input_grad[0], bool(self.needs_input_grad))
            return x._data * 2

        def backward(self, g):
            return g * 2

    x = dyngrad.ones(2, requires_grad=True)
    with dyngrad.no_grad():
        y = Peek.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    assert Peek.apply(dyngrad.ones(2)).grad_fn is None  # grad on, but no input needs a gradient
    z = Peek.apply(x)
    assert z.grad_fn.needs_input_grad[0] and z.grad_fn.seen == (z.grad_fn.needs_input_grad[0], True)
    # CPython 3.11 never specialises an attribute read whose class default is an instance of a
    # Python-defined class (as NO_GRAD is): the default must stay a builtin's
    assert type(Node.needs_input_grad).__module__ == "builtins"


def test_generated_apply_takes_forwards_parameters():
    """An Op's ``apply`` is generated with its forward's parameters: the same names, defaults and
    keyword-only settings; one edge per positional parameter (the inputs), none for settings."""
    import inspect

    from dyngrad.autograd.function import Op

    class Scale(Op):
        def forward(self, x, w=None, *, k=2.0, shift=0.0):
            self.k = k
            return x._data * k + (w._data if w is not None else 0.0) + shift

        def backward(self, g):
            return g * self.k, g

    params = list(inspect.signature(Scale.forward).parameters.values())[1:]
    assert list(inspect.signature(Scale.apply).parameters.values()) == params
    x, w = leaf([1.0, 2.0]), leaf([10.0, 20.0])
    assert Scale.apply(x).tolist() == [2.0, 4.0]
    y = Scale.apply(x=x, w=w, k=3.0, shift=1.0)
    assert y.tolist() == [14.0, 27.0]
    assert len(y.grad_fn.next_functions) == 2 and len(Scale.apply(x).grad_fn.next_functions) == 2
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and w.grad.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="positional"):
        Scale.apply(x, w, 3.0)  # a setting is keyword-only, as on forward
    assert "def apply(x, w, *, k, shift):" in inspect.getsource(Scale.apply)  # for tracebacks too

    class WeightedSum(Op):  # named inputs before a *args parameter: an edge for each
        def forward(self, w, *xs):
            return sum(x._data for x in xs) * w._data

        def backward(self, g):
            return (None,) + (g,) * (len(self.needs_input_grad) - 1)

    xs = [leaf([1.0, 2.0]) for _ in range(3)]
    y = WeightedSum.apply(dyngrad.tensor([2.0, 2.0]), *xs)
    assert len(y.grad_fn.next_functions) == 4
    y.sum().backward()
    assert [x.grad.tolist() for x in xs] == [[1.0, 1.0]] * 3
    with pytest.raises(TypeError, match=r"\['_edges'\] are reserved"):
        type("Clash", (Op,), {"forward": lambda self, x, _edges: x._data})


def test_no_grad_ufunc_path_only_with_settings_at_their_defaults():
    """Under no_grad ``Add.apply`` runs np.add alone; ``alpha`` other than its default goes to
    forward (a settings-blind fast path would drop it)."""
    a, b = dyngrad.tensor([1.0, 2.0]), dyngrad.tensor([10.0, 20.0])
    from dyngrad.ops.elementwise import Add, Sub

    with dyngrad.no_grad():
        assert Add.apply(a, b, alpha=2).tolist() == [21.0, 42.0]
        assert Sub.apply(a, b, alpha=0.5).tolist() == [-4.0, -8.0]
        assert Add.apply(a, b, alpha=1).tolist() == [11.0, 22.0]
        out = np.zeros(2, np.float32)
        assert Add.apply(a, b, out=out).tolist() == [11.0, 22.0] and out.tolist() == [11.0, 22.0]


def test_a_leaf_view_keeps_its_base_once_in_a_graph():
    """A leaf's first use in a graph stores its attributes on it (Tensor._edge): a view that is a
    leaf must keep its base and version counter."""
    base = dyngrad.zeros(4)
    with dyngrad.no_grad():
        view = base[:2]
    view.requires_grad_()
    (view * 2.0).sum().backward()
    assert view._base is base and view.grad.tolist() == [2.0, 2.0]
    base.add_(1.0)
    assert view._version == base._version and view.tolist() == [1.0, 1.0]


def test_only_a_leaf_node_has_variable():
    x = dyngrad.ones(2, requires_grad=True)
    y = x * 2.0
    assert not hasattr(type(y.grad_fn), "variable")  # as in PyTorch: an op's node has none
    assert y.grad_fn.next_functions[0][0].variable is x
