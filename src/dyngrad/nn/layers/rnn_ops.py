"""The recurrent layers' primitives: the hidden-state product of one step, the fused LSTM and GRU
gates of one step, and a whole LSTM layer direction over time as one primitive.

The gates are one NumPy pass forward and one backward; each backward falls back to a formula
written with dyngrad ops when the graph of the gradient is being recorded (``create_graph``), so
higher-order derivatives stay correct."""

from __future__ import annotations

from ..._numpy import np
from ...autograd import grad_mode
from ...autograd.engine import grad
from ...autograd.function import Op
from ...ops import join as _join
from ...ops import unary as _unary
from ...tensor import _wrap


class HiddenLinear(Op):
    """``h @ weight.T + step`` for one time step: computed as ``(weight @ h.T).T``, which OpenBLAS
    runs markedly faster than ``h @ weight.T`` for the few-row ``h`` of a recurrent step."""

    def forward(self, h, w, step=None):
        self.save_for_backward(h, w)
        if step is not None:
            self.bias_shape = step._data.shape
        return _hidden_linear(h._data, w._data, None if step is None else step._data)

    def backward(self, g):
        h, w = self.saved_tensors
        need = self.needs_input_grad
        gh = g.matmul(w) if need[0] else None
        gw = g.transpose(0, 1).matmul(h) if need[1] else None
        gb = None
        if need[2]:
            gb = g if g.shape == self.bias_shape else g.sum_to_size(*self.bias_shape)
        return gh, gw, gb


def _hidden_linear(hd: np.ndarray, wd: np.ndarray, step: np.ndarray | None) -> np.ndarray:
    """``hd @ wd.T (+ step)`` on arrays, in C order (the gates' slices stay fast)."""
    out = np.matmul(wd, hd.T).T
    return np.ascontiguousarray(out) if step is None else np.add(out, step, order="C")


# --- fused gates ---------------------------------------------------------------------------------


def _lstm_cell(gd: np.ndarray, cd: np.ndarray, h_out=None, c_out=None) -> tuple:
    """One LSTM step on arrays, ``gates`` laid out ``i, f, g, o``: ``(activated gates, c', tanh(c'),
    h')``; ``h_out``/``c_out``: where to write h' and c'."""
    hs = cd.shape[-1]
    act = _unary._sigmoid_array(gd)
    act[..., 2 * hs:3 * hs] = np.tanh(gd[..., 2 * hs:3 * hs])
    c_new = np.multiply(act[..., hs:2 * hs], cd, out=c_out)
    c_new += act[..., :hs] * act[..., 2 * hs:3 * hs]
    tanh_c = np.tanh(c_new)
    return act, c_new, tanh_c, np.multiply(act[..., 3 * hs:], tanh_c, out=h_out)


def _lstm_cell_backward(ghd, gcd, act: np.ndarray, tanh_c: np.ndarray, c_prev: np.ndarray,
                        dgates=None) -> tuple:
    """The gradients ``(d gates, d c_prev)`` of one LSTM step from those of h' and c' (either may
    be None: no gradient); ``dgates``: where to write the first."""
    hs = c_prev.shape[-1]
    i, f, g, o = act[..., :hs], act[..., hs:2 * hs], act[..., 2 * hs:3 * hs], act[..., 3 * hs:]
    if dgates is None:
        dgates = np.empty(act.shape, act.dtype)
    if ghd is not None:
        dc = ghd * o
        dc *= 1 - tanh_c * tanh_c
        if gcd is not None:
            dc += gcd
        dgates[..., 3 * hs:] = ghd * tanh_c * o * (1 - o)
    else:
        dc = gcd
        dgates[..., 3 * hs:] = 0
    dgates[..., :hs] = dc * g * i * (1 - i)
    dgates[..., hs:2 * hs] = dc * c_prev * f * (1 - f)
    dgates[..., 2 * hs:3 * hs] = dc * i * (1 - g * g)
    return dgates, dc * f


class LSTMGates(Op):
    """``(gates, c) -> (h', c')`` with ``gates = x W_ih^T + h W_hh^T + b`` laid out ``i, f, g, o``:
    ``c' = sigmoid(f) c + sigmoid(i) tanh(g)``, ``h' = sigmoid(o) tanh(c')``."""

    _release_attrs = ("act", "tanh_c")

    def forward(self, gates, c):
        act, c_new, tanh_c, h_new = _lstm_cell(gates._data, c._data)
        self.save_for_backward(gates, c)
        self.act, self.tanh_c = act, tanh_c
        return h_new, c_new

    def backward(self, gh, gc):
        gates, c = self.saved_tensors
        if gh is None and gc is None:
            return None, None
        if grad_mode.enabled:  # create_graph: a formula the engine can differentiate again
            return self._recorded_backward(gates, c, gh, gc)
        dgates, dc_prev = _lstm_cell_backward(gh._data if gh is not None else None, gc._data if gc is not None else None,
                                              self.act, self.tanh_c, c._data)
        need = self.needs_input_grad
        return (_wrap(dgates) if need[0] else None), (_wrap(dc_prev) if need[1] else None)

    @staticmethod
    def _recorded_backward(gates, c, gh, gc):
        i, f, g, o = _join.chunk(gates, 4, -1)
        i, f, o, g = _unary.sigmoid(i), _unary.sigmoid(f), _unary.sigmoid(o), _unary.tanh(g)
        tanh_c = _unary.tanh(f * c + i * g)
        if gh is not None:
            dc = gh * o * (1 - tanh_c * tanh_c)
            if gc is not None:
                dc = dc + gc
            do = gh * tanh_c * o * (1 - o)
        else:
            dc, do = gc, gc * 0
        di = dc * g * i * (1 - i)
        df = dc * c * f * (1 - f)
        dg = dc * i * (1 - g * g)
        return _join.cat([di, df, dg, do], -1), dc * f


class GRUGates(Op):
    """``(gi, gh, h) -> h'`` with ``gi = x W_ih^T + b_ih``, ``gh = h W_hh^T + b_hh`` laid out
    ``r, z, n``: ``n = tanh(gi_n + r * gh_n)``, ``h' = (1 - z) n + z h`` (PyTorch's GRU)."""

    _release_attrs = ("n", "rz")

    def forward(self, gi, gh, h):
        gid, ghd, hd = gi._data, gh._data, h._data
        hs = hd.shape[-1]
        rz = _unary._sigmoid_array(gid[..., :2 * hs] + ghd[..., :2 * hs])
        r, z = rz[..., :hs], rz[..., hs:]
        n = np.tanh(gid[..., 2 * hs:] + r * ghd[..., 2 * hs:])
        self.save_for_backward(gi, gh, h)
        self.rz, self.n = rz, n
        out = hd - n
        out *= z
        out += n
        return out

    def backward(self, g):
        gi, gh, h = self.saved_tensors
        if grad_mode.enabled:
            return self._recorded_backward(gi, gh, h, g)
        hs = h._data.shape[-1]
        rz, n = self.rz, self.n
        r, z = rz[..., :hs], rz[..., hs:]
        gd = g._data
        dn = gd * (1 - z)
        dn *= 1 - n * n
        dgi = np.empty(gi._data.shape, gd.dtype)
        dgi[..., :hs] = dn * gh._data[..., 2 * hs:] * r * (1 - r)
        dgi[..., hs:2 * hs] = gd * (h._data - n) * z * (1 - z)
        dgi[..., 2 * hs:] = dn
        need = self.needs_input_grad
        dgh = None
        if need[1]:
            dgh = dgi.copy()
            dgh[..., 2 * hs:] *= r
            dgh = _wrap(dgh)
        return (_wrap(dgi) if need[0] else None), dgh, (_wrap(gd * z) if need[2] else None)

    @staticmethod
    def _recorded_backward(gi, gh, h, g):
        gi_r, gi_z, gi_n = _join.chunk(gi, 3, -1)
        gh_r, gh_z, gh_n = _join.chunk(gh, 3, -1)
        r, z = _unary.sigmoid(gi_r + gh_r), _unary.sigmoid(gi_z + gh_z)
        n = _unary.tanh(gi_n + r * gh_n)
        dn = g * (1 - z) * (1 - n * n)
        dr = dn * gh_n * r * (1 - r)
        dz = g * (h - n) * z * (1 - z)
        return _join.cat([dr, dz, dn], -1), _join.cat([dr, dz, dn * r], -1), g * z


class LSTMSequence(Op):
    """One LSTM layer direction over the whole sequence: ``(xproj, h0, c0, w_hh) -> (out, h_n, c_n)``
    with ``xproj = x W_ih^T + b`` for every step (time on dim ``time_dim``), run backwards in time
    when ``reverse``. Each step is ``LSTMGates(HiddenLinear(h, w_hh, xproj[t]), c)`` computed on
    arrays. The first-order backward runs the recurrence back on arrays and makes the gradient of
    ``w_hh`` one GEMM over all the steps (a step's product has as few rows as the batch: one per
    step, each summed into the gradient, ran far slower). A recorded backward (``create_graph``)
    replays the steps with the per-step primitives and differentiates them."""

    _release_attrs = ("acts", "cs", "hs", "tanh_cs")

    def forward(self, xproj, h0, c0, w, *, time_dim, reverse):
        xp = np.moveaxis(xproj._data, time_dim, 0)  # (T, B, 4H), a view
        steps = xp.shape[0]
        hs = np.empty((steps + 1,) + h0._data.shape, xp.dtype)  # h before and after each step, in run order
        cs = np.empty((steps + 1,) + c0._data.shape, xp.dtype)
        hs[0], cs[0] = h0._data, c0._data
        acts, tanh_cs = [], []
        # h @ w.T with w.T copied C-ordered once: as fast as _hidden_linear's (w @ h.T).T (a
        # (20, 256) x (256, 1024) step: 108 vs 113 us) and in C order, so the step's input is
        # added in place instead of through a transposing copy (140 -> 110 us per step)
        wt = np.ascontiguousarray(w._data.T)
        gates = np.empty(xp.shape[1:], xp.dtype)
        for k, t in enumerate(_run_order(steps, reverse)):
            np.matmul(hs[k], wt, out=gates)
            gates += xp[t]
            act, _, tanh_c, _ = _lstm_cell(gates, cs[k], hs[k + 1], cs[k + 1])
            acts.append(act)
            tanh_cs.append(tanh_c)
        if self.needs_input_grad:
            self.save_for_backward(xproj, h0, c0, w)
            self.time_dim, self.reverse, self.hs, self.cs, self.acts, self.tanh_cs = (
                time_dim, reverse, hs, cs, acts, tanh_cs)
        # copies: the outputs are the caller's to write into, hs and cs are backward's
        return np.array(_in_time_order(hs[1:], time_dim, reverse), order="C"), hs[-1].copy(), cs[-1].copy()

    def backward(self, g_out, g_h, g_c):
        xproj, h0, c0, w = self.saved_tensors
        if grad_mode.enabled:
            return self._recorded_backward(xproj, h0, c0, w, g_out, g_h, g_c)
        wd, hs, cs = w._data, self.hs, self.cs
        steps = len(self.acts)
        go = np.moveaxis(g_out._data, self.time_dim, 0) if g_out is not None else None
        dh = np.zeros(hs.shape[1:], hs.dtype) if g_h is None else g_h._data.astype(hs.dtype, copy=True)
        dc = np.zeros(cs.shape[1:], cs.dtype) if g_c is None else g_c._data.astype(cs.dtype, copy=True)
        dgates = np.empty((steps,) + self.acts[0].shape, hs.dtype)
        order = _run_order(steps, self.reverse)
        need = self.needs_input_grad
        for k in range(steps - 1, -1, -1):
            if go is not None:
                dh += go[order[k]]
            _, dc = _lstm_cell_backward(dh, dc, self.acts[k], self.tanh_cs[k], cs[k], dgates[k])
            if k or need[1]:  # the first step's product is h0's gradient only
                dh = np.matmul(dgates[k], wd)
        dw = None
        if need[3]:  # sum over steps of dgates_k^T h_k: one GEMM over (steps * batch) rows
            rows = steps * hs.shape[1]
            dw = _wrap(np.matmul(dgates.reshape(rows, -1).T, hs[:-1].reshape(rows, -1)))
        dx = _wrap(np.ascontiguousarray(_in_time_order(dgates, self.time_dim, self.reverse))) if need[0] else None
        return dx, (_wrap(dh) if need[1] else None), (_wrap(dc) if need[2] else None), dw

    def _recorded_backward(self, xproj, h0, c0, w, g_out, g_h, g_c) -> tuple:
        outputs = _lstm_steps(xproj, h0, c0, w, self.time_dim, self.reverse)
        pairs = [(o, g) for o, g in zip(outputs, (g_out, g_h, g_c)) if g is not None]
        inputs = [t for t, n in zip((xproj, h0, c0, w), self.needs_input_grad) if n]
        grads = iter(grad([o for o, _ in pairs], inputs, [g for _, g in pairs], create_graph=True,
                          allow_unused=True))
        return tuple(next(grads) if n else None for n in self.needs_input_grad)

    def name(self) -> str:
        return "LSTMSequenceBackward0"


def _run_order(steps: int, reverse: bool) -> range:
    return range(steps - 1, -1, -1) if reverse else range(steps)


def _in_time_order(per_step: np.ndarray, time_dim: int, reverse: bool) -> np.ndarray:
    """(steps, ...) arrays in run order -> time order with time on ``time_dim`` (a view)."""
    return np.moveaxis(per_step[::-1] if reverse else per_step, 0, time_dim)


def _time_steps(x, time_dim: int, reverse: bool) -> list:
    """The steps of ``x`` along ``time_dim``, in run order."""
    steps = list(_join.unbind(x, time_dim))
    return steps[::-1] if reverse else steps


def _collect(outputs: list, time_dim: int, reverse: bool):
    """Per-step outputs in run order, stacked in time order along ``time_dim``."""
    return _join.stack(outputs[::-1] if reverse else outputs, time_dim)


def _lstm_steps(xproj, h0, c0, w, time_dim: int, reverse: bool) -> tuple:
    """``LSTMSequence``'s outputs recorded step by step with the per-step primitives."""
    h, c = h0, c0
    outputs = []
    for step in _time_steps(xproj, time_dim, reverse):
        h, c = LSTMGates.apply(HiddenLinear.apply(h, w, step), c)
        outputs.append(h)
    return _collect(outputs, time_dim, reverse), h, c
