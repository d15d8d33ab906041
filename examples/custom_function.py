"""Custom autograd Functions: your own forward and backward, checked with gradcheck.

    python examples/custom_function.py

Two reasons to write one, shown here:
  * ClippedReLU: an op the library lacks (min(max(x, 0), cap)), whose gradient you know by hand;
  * StableLogSumExp: a numerically careful forward, and a backward reusing its output instead of
    recomputing it (what autograd would differentiate through the max-shift otherwise)."""

import dyngrad as torch
from dyngrad.autograd import Function, gradcheck, gradgradcheck


class ClippedReLU(Function):
    @staticmethod
    def forward(ctx, x, cap=6.0):
        ctx.save_for_backward(x)
        ctx.cap = cap  # plain Python values go on ctx; tensors through save_for_backward (version-checked)
        return x.clamp(0.0, cap)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        # gradient passes only where the input was inside (0, cap); written with tensor ops so that
        # create_graph=True (double backward) still works
        inside = ((x > 0) & (x < ctx.cap)).to(grad_out.dtype)
        return grad_out * inside, None  # one entry per forward input: cap gets no gradient


class StableLogSumExp(Function):
    @staticmethod
    def forward(ctx, x):
        m = x.max(dim=-1, keepdim=True).values  # shift by the max: exp never overflows
        result = (m + (x - m).exp().sum(dim=-1, keepdim=True).log()).squeeze(-1)
        # save the returned tensor itself: autograd can then differentiate through it again
        # (double backward); an intermediate made here would carry no graph
        ctx.save_for_backward(x, result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        x, result = ctx.saved_tensors
        # d/dx logsumexp(x) = softmax(x) = exp(x - logsumexp(x)), from the saved output
        return grad_out.unsqueeze(-1) * (x - result.unsqueeze(-1)).exp()


def main():
    torch.manual_seed(0)
    # gradcheck compares backward with finite differences: it needs float64 to be meaningful;
    # points are kept away from the kinks at 0 and cap, where the derivative does not exist
    x = (torch.rand(4, 5, dtype=torch.float64) * 8 - 1).requires_grad_()
    with torch.no_grad():
        x[(x.abs() < 0.05) | ((x - 6).abs() < 0.05)] += 0.2
    print("ClippedReLU gradcheck:", gradcheck(lambda t: ClippedReLU.apply(t, 6.0), (x,)))

    y = torch.randn(3, 7, dtype=torch.float64, requires_grad=True)
    print("StableLogSumExp gradcheck:", gradcheck(StableLogSumExp.apply, (y,)))
    print("StableLogSumExp gradgradcheck:", gradgradcheck(StableLogSumExp.apply, (y,)))

    # the point of the stable forward: a naive log(sum(exp(x))) overflows to inf here
    big = torch.tensor([[1000.0, 1000.0, 999.0]], requires_grad=True)
    value = StableLogSumExp.apply(big)
    value.sum().backward()
    naive = torch.log(torch.exp(big.detach()).sum()).item()
    print(f"logsumexp of [1000, 1000, 999]: {value.item():.4f} (naive: {naive})")
    print("its gradient (a softmax, sums to 1):", [round(g, 4) for g in big.grad[0].tolist()])
    assert torch.allclose(value, torch.logsumexp(big.detach(), dim=-1))

    # a custom Function composes with the rest of autograd like any built-in op
    layer = torch.nn.Linear(5, 3)
    out = ClippedReLU.apply(layer(torch.randn(8, 5)), 1.0).sum()
    out.backward()
    print("Linear weight gradient through ClippedReLU:", tuple(layer.weight.grad.shape))


if __name__ == "__main__":
    main()
