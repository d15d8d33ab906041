"""A short tour of dyngrad's autograd: ``python -m dyngrad.examples.autograd_demo``.

Fits y = 3x^2 - 2x + 1 by gradient descent on three scalar parameters, then shows a dynamic graph
(a data-dependent loop) and a second derivative."""

from __future__ import annotations

import dyngrad as torch


def fit_quadratic(steps: int = 300, lr: float = 0.1) -> list[float]:
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 64)
    y = 3 * x**2 - 2 * x + 1
    coeffs = torch.zeros(3, requires_grad=True)
    for step in range(steps):
        pred = coeffs[0] * x**2 + coeffs[1] * x + coeffs[2]
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            coeffs -= lr * coeffs.grad
        coeffs.grad = None
        if step % 100 == 0:
            print(f"step {step:3d}  loss {loss.item():.6f}")
    print(f"fitted a, b, c = {[round(c, 3) for c in coeffs.tolist()]}  (true: 3, -2, 1)")
    return coeffs.tolist()


def dynamic_graph() -> None:
    x = torch.tensor(1.5, requires_grad=True)
    h, steps = x, 0
    while h.abs() < 100:  # how deep the graph gets depends on the data
        h = h * h + 1
        steps += 1
    h.backward()
    print(f"loop ran {steps} times; d h / d x = {x.grad.item():.4f}")


def second_derivative() -> None:
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = (x**3 + torch.sin(x)).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    print("dy/dx   =", g.detach())
    print("d2y/dx2 =", h, "(6x - sin x)")


def main() -> None:
    fit_quadratic()
    dynamic_graph()
    second_derivative()


if __name__ == "__main__":
    main()
