"""Recurrent layers: RNN, LSTM, GRU and their single-step cells (PyTorch's parameter names, order,
initialisation, gate order and shapes).

Each layer and direction projects the whole input sequence with ONE matmul (both biases folded in
where the maths allows), then loops over time doing only the hidden-state matmul and the gates:
for RNN and GRU as per-step primitives, for LSTM inside one primitive for the whole direction
(``LSTMSequence``). The primitives live in ``rnn_ops``."""

from __future__ import annotations

import math
import numbers
import warnings

from ... import creation
from ..._numpy import np
from ...ops import join as _join
from ...ops import unary as _unary
from ...ops.linalg import Linear as _LinearOp
from ...tensor import Tensor, _wrap
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from .rnn_ops import GRUGates, HiddenLinear, LSTMGates, LSTMSequence, _collect, _time_steps

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --- helpers ------------------------------------------------------------------------------------


def _check_size_arg(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


def _init_uniform(module: Module, hidden_size: int) -> None:
    """U(-1/sqrt(hidden), 1/sqrt(hidden)) on every parameter, in registration order (PyTorch's)."""
    stdv = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -stdv, stdv)


def _same_dtype(layer: Module, input: Tensor, weight: Tensor) -> None:
    if input.dtype != weight.dtype:
        raise layer._input_error(
            f"input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). Convert input: "
            f"input.to({weight.dtype}), or convert model: model.to({input.dtype})",
            ValueError,
        )


# --- multi-layer recurrent layers -------------------------------------------------------------


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU; ``mode`` is ``RNN_TANH``, ``RNN_RELU``, ``LSTM``
    or ``GRU``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
            )
        _check_size_arg("hidden_size", hidden_size)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if not isinstance(num_layers, int) or isinstance(num_layers, bool):
            raise TypeError(f"'{type(num_layers).__name__}' object cannot be interpreted as an integer")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size != 0:
            raise NotImplementedError("dyngrad's LSTM does not support proj_size (projections)")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(creation.empty(shape, **factory)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """A no-op kept for compatibility (cuDNN's contiguous weight buffer does not exist here)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh], ...]``."""
        per = 4 if self.bias else 2
        flat = self._flat_weights
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # --- forward ---
    def _check_input(self, input: Tensor) -> None:
        if not isinstance(input, Tensor):
            raise self._input_error(f"expected a Tensor input, got {type(input).__name__}", TypeError)
        if input.ndim not in (2, 3):
            raise self._input_error(f"Expected input to be 2D or 3D, got {input.ndim}D instead", ValueError)
        if input.shape[-1] != self.input_size:
            raise self._input_error(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        _same_dtype(self, input, self.weight_ih_l0)
        if input.shape[0 if input.ndim == 2 or not self.batch_first else 1] == 0:
            raise self._input_error("Expected sequence length to be larger than 0 in RNN")

    def _check_hidden(self, h: Tensor, expected: tuple, what: str) -> None:
        if tuple(h.shape) != expected:
            raise self._input_error(f"Expected {what} size {expected}, got {list(h.shape)}")

    def _initial_states(self, hx, batch: int, batched: bool, like: Tensor) -> list:
        """Per layer and direction: h (and c for LSTM), each ``(batch, hidden)``."""
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, self.hidden_size)
        is_lstm = self.mode == "LSTM"
        if hx is None:
            zeros = _wrap(np.zeros((batch, self.hidden_size), like._data.dtype))
            return [(zeros, zeros) if is_lstm else zeros] * expected[0]
        parts = tuple(hx) if is_lstm else (hx,)
        if is_lstm and len(parts) != 2:
            raise self._input_error(f"expected hx to be a tuple (h_0, c_0), got {len(parts)} tensors", ValueError)
        for p in parts:
            if not isinstance(p, Tensor):
                raise self._input_error(f"expected hx to hold Tensors, got {type(p).__name__}", TypeError)
        if not batched:
            if any(p.ndim != 2 for p in parts):
                dims = ", ".join(f"{p.ndim}-D" for p in parts)
                raise self._input_error(
                    f"For unbatched 2-D input, hx should also be 2-D but got ({dims}) tensor"
                    + ("s" if is_lstm else "")
                )
            parts = tuple(p.unsqueeze(1) for p in parts)
        elif any(p.ndim != 3 for p in parts):
            dims = ", ".join(f"{p.ndim}-D" for p in parts)
            raise self._input_error(f"For batched 3-D input, hx should also be 3-D but got ({dims}) tensor")
        for k, p in enumerate(parts):
            self._check_hidden(p, expected, f"hidden[{k}]" if is_lstm else "hidden")
            _same_dtype(self, p, self.weight_ih_l0)
        if is_lstm:
            return list(zip(parts[0].unbind(0), parts[1].unbind(0)))
        return list(parts[0].unbind(0))

    def forward(self, input: Tensor, hx=None):
        self._check_input(input)
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        time_dim = 1 if (batched and self.batch_first) else 0
        batch = input.shape[1 - time_dim]
        states = self._initial_states(hx, batch, batched, input)
        directions = 2 if self.bidirectional else 1
        weights = self._flat_weights
        per = 4 if self.bias else 2
        run = {"LSTM": _lstm_direction, "GRU": _gru_direction}.get(self.mode, _rnn_direction)
        relu = self.mode == "RNN_RELU"
        x = input
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                params = weights[k * per:(k + 1) * per] + [None] * (4 - per)
                out, final = run(x, params, states[k], time_dim, direction == 1, relu)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if directions == 1 else _join.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if self.mode == "LSTM":
            h_n = _join.stack([f[0] for f in finals], 0)
            c_n = _join.stack([f[1] for f in finals], 0)
            if not batched:
                return x.squeeze(1), (h_n.squeeze(1), c_n.squeeze(1))
            return x, (h_n, c_n)
        h_n = _join.stack(finals, 0)
        if not batched:
            return x.squeeze(1), h_n.squeeze(1)
        return x, h_n


def _lstm_direction(x, params, state, time_dim, reverse, relu):
    w_ih, w_hh, b_ih, b_hh = params
    bias = None if b_ih is None else b_ih + b_hh  # both biases folded into the one input projection
    h, c = state
    out, h, c = LSTMSequence.apply(_LinearOp.apply(x, w_ih, bias), h, c, w_hh, time_dim=time_dim, reverse=reverse)
    return out, (h, c)


def _gru_direction(x, params, h, time_dim, reverse, relu):
    w_ih, w_hh, b_ih, b_hh = params
    outputs = []
    for step in _time_steps(_LinearOp.apply(x, w_ih, b_ih), time_dim, reverse):
        h = GRUGates.apply(step, HiddenLinear.apply(h, w_hh, b_hh), h)
        outputs.append(h)
    return _collect(outputs, time_dim, reverse), h


def _rnn_direction(x, params, h, time_dim, reverse, relu):
    w_ih, w_hh, b_ih, b_hh = params
    bias = None if b_ih is None else b_ih + b_hh
    act = _unary.relu if relu else _unary.tanh
    outputs = []
    for step in _time_steps(_LinearOp.apply(x, w_ih, bias), time_dim, reverse):
        h = act(HiddenLinear.apply(h, w_hh, step))
        outputs.append(h)
    return _collect(outputs, time_dim, reverse), h


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or relu), stacked
    ``num_layers`` deep, optionally bidirectional. Returns ``(output, h_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, gates ``i, f, g, o`` as PyTorch. ``forward(input, (h_0, c_0))``
    returns ``(output, (h_n, c_n))``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit, gates ``r, z, n`` with PyTorch's
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``. Returns ``(output, h_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


# --- cells ---------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """One time step: parameters ``weight_ih, weight_hh, bias_ih, bias_hh``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        _check_size_arg("input_size", input_size)
        _check_size_arg("hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _init_uniform(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _prepare(self, input: Tensor, hx, n_states: int):
        """Checks; returns (2-D input, 2-D states tuple or None, batched)."""
        if not isinstance(input, Tensor):
            raise self._input_error(f"expected a Tensor input, got {type(input).__name__}", TypeError)
        if input.ndim not in (1, 2):
            raise self._input_error(f"Expected input to be 1D or 2D, got {input.ndim}D instead", ValueError)
        if input.shape[-1] != self.input_size:
            raise self._input_error(
                f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}"
            )
        _same_dtype(self, input, self.weight_ih)
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            zeros = _wrap(np.zeros((batch, self.hidden_size), input._data.dtype))
            return input, (zeros,) * n_states, batched
        states = tuple(hx) if n_states == 2 else (hx,)
        fixed = []
        for k, h in enumerate(states):
            if not isinstance(h, Tensor):
                raise self._input_error(f"expected hx to hold Tensors, got {type(h).__name__}", TypeError)
            if h.ndim != input.ndim - (0 if batched else 1):
                raise self._input_error(
                    f"expected hidden{k} to be {input.ndim if batched else 1}D like the input, got {h.ndim}D"
                )
            if not batched:
                h = h.unsqueeze(0)
            if h.shape[0] != batch:
                raise self._input_error(f"Input batch size {batch} doesn't match hidden{k} batch size {h.shape[0]}")
            if h.shape[1] != self.hidden_size:
                raise self._input_error(
                    f"hidden{k} has inconsistent hidden_size: got {h.shape[1]}, expected {self.hidden_size}"
                )
            fixed.append(h)
        return input, tuple(fixed), batched


class RNNCell(RNNCellBase):
    """``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        pre = _LinearOp.apply(x, self.weight_ih, self.bias_ih) + _LinearOp.apply(h, self.weight_hh, self.bias_hh)
        h = _unary.relu(pre) if self.nonlinearity == "relu" else _unary.tanh(pre)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``forward(input, (h, c))`` returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None) -> tuple:
        x, (h, c), batched = self._prepare(input, hx, 2)
        gates = _LinearOp.apply(x, self.weight_ih, self.bias_ih) + _LinearOp.apply(h, self.weight_hh, self.bias_hh)
        h, c = LSTMGates.apply(gates, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: ``forward(input, h)`` returns ``h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, hx, 1)
        gi = _LinearOp.apply(x, self.weight_ih, self.bias_ih)
        h = GRUGates.apply(gi, _LinearOp.apply(h, self.weight_hh, self.bias_hh), h)
        return h if batched else h.squeeze(0)
