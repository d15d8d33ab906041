"""dyngrad.optim.lr_scheduler against PyTorch: every scheduler's lr (and momentum) sequence over 100
steps, a state_dict round trip mid-way, step(epoch) forms, ReduceLROnPlateau fed the same metrics,
and constructor errors."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest

import dyngrad
import dyngrad.optim
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

pytestmark = [needs_torch, pytest.mark.filterwarnings("ignore::UserWarning")]

RTOL = 1e-12
STEPS = 100


def make_optimizer(L, kind="SGD"):
    params = [L.nn.Parameter(L.zeros(2)), L.nn.Parameter(L.zeros(3))]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.05}]
    if kind == "Adam":
        return L.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))
    return L.optim.SGD(groups, lr=0.1, momentum=0.9)


class Scale:
    """A callable object: LambdaLR saves its __dict__ in the state_dict."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor**epoch


def cyclic_scale(x):
    return 1.0 / (1.0 + 0.1 * x)


SCHEDULERS = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.95**e),
    "LambdaLR-per-group": lambda S, o: S.LambdaLR(o, [lambda e: 1 / (1 + e), Scale(0.97)]),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.96),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=37),
    "LinearLR-decreasing": lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=20),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=13),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=30),
    "CosineAnnealingLR-eta_min": lambda S, o: S.CosineAnnealingLR(o, T_max=17, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-T_mult": lambda S, o: S.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=1e-3
    ),
    "CyclicLR-triangular": lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=7),
    "CyclicLR-triangular2": lambda S, o: S.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.2], step_size_up=5, step_size_down=9, mode="triangular2"
    ),
    "CyclicLR-exp_range": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="exp_range", gamma=0.98),
    "CyclicLR-scale_fn": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=cyclic_scale),
    "CyclicLR-scale_fn-iterations": lambda S, o: S.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=cyclic_scale, scale_mode="iterations", base_momentum=0.7
    ),
    "CyclicLR-no-momentum": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=8, cycle_momentum=False),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=STEPS),
    "OneCycleLR-linear": lambda S, o: S.OneCycleLR(
        o, max_lr=[0.5, 0.3], epochs=10, steps_per_epoch=10, anneal_strategy="linear", pct_start=0.25
    ),
    "OneCycleLR-three_phase": lambda S, o: S.OneCycleLR(
        o, max_lr=0.4, total_steps=STEPS + 5, three_phase=True, div_factor=10.0, final_div_factor=100.0
    ),
    "OneCycleLR-no-momentum": lambda S, o: S.OneCycleLR(
        o, max_lr=0.4, total_steps=STEPS, cycle_momentum=False
    ),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=40, power=2.0),
    "PolynomialLR-linear": lambda S, o: S.PolynomialLR(o, total_iters=60),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=10), S.ExponentialLR(o, gamma=0.95)], milestones=[10]
    ),
    "SequentialLR-three": lambda S, o: S.SequentialLR(
        o,
        [S.ConstantLR(o, factor=0.5, total_iters=5), S.CosineAnnealingLR(o, T_max=20), S.StepLR(o, 5, 0.5)],
        milestones=[8, 40],
    ),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.1, total_iters=4), S.ExponentialLR(o, gamma=0.9)]
    ),
    "ChainedScheduler-optimizer": lambda S, o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.5, total_iters=10), S.MultiStepLR(o, [20, 50])], optimizer=o
    ),
}
ADAM_SCHEDULERS = {"CyclicLR-triangular", "OneCycleLR", "CyclicLR-exp_range"}


def snapshot(optimizer, scheduler):
    groups = optimizer.param_groups
    momentum = [g["betas"][0] if "betas" in g else g["momentum"] for g in groups]
    return list(scheduler.get_last_lr()) + [g["lr"] for g in groups] + momentum


def run(L, name, kind="SGD", steps=STEPS):
    optimizer = make_optimizer(L, kind)
    scheduler = SCHEDULERS[name](L.optim.lr_scheduler, optimizer)
    values = [snapshot(optimizer, scheduler)]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        values.append(snapshot(optimizer, scheduler))
    return np.array(values), optimizer, scheduler


CASES = [(name, "SGD") for name in SCHEDULERS] + [(name, "Adam") for name in sorted(ADAM_SCHEDULERS)]


@pytest.mark.parametrize("name,kind", CASES)
def test_lr_sequence_matches_torch(name, kind):
    ours = run(dyngrad, name, kind)[0]
    theirs = run(torch, name, kind)[0]
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


@pytest.mark.parametrize("name,kind", CASES)
def test_state_dict_round_trip_mid_way(name, kind):
    theirs = run(torch, name, kind)[0]
    ours, optimizer, scheduler = run(dyngrad, name, kind, steps=STEPS // 2)
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    saved_scheduler = copy.deepcopy(scheduler.state_dict())
    assert "optimizer" not in saved_scheduler

    optimizer2 = make_optimizer(dyngrad, kind)
    scheduler2 = SCHEDULERS[name](dyngrad.optim.lr_scheduler, optimizer2)
    optimizer2.load_state_dict(saved_optimizer)
    scheduler2.load_state_dict(saved_scheduler)
    values = [snapshot(optimizer2, scheduler2)]
    for _ in range(STEPS - STEPS // 2):
        optimizer2.step()
        scheduler2.step()
        values.append(snapshot(optimizer2, scheduler2))
    np.testing.assert_allclose(np.array(values), theirs[STEPS // 2 :], rtol=RTOL, atol=0)


@pytest.mark.parametrize(
    "name", ["LambdaLR-per-group", "StepLR", "CyclicLR-triangular", "OneCycleLR", "SequentialLR"]
)
def test_state_dict_keys_match_torch(name):
    ours = run(dyngrad, name, steps=3)[2].state_dict()
    theirs = run(torch, name, steps=3)[2].state_dict()
    assert set(ours) == set(theirs)
    for key in ("base_lrs", "last_epoch", "_step_count", "_last_lr"):
        if key in theirs:
            assert ours[key] == pytest.approx(theirs[key], rel=RTOL)
    if name == "LambdaLR-per-group":
        assert ours["lr_lambdas"] == theirs["lr_lambdas"] == [None, {"factor": 0.97}]


def test_initial_lr_and_base_lrs():
    optimizer = make_optimizer(dyngrad)
    scheduler = dyngrad.optim.lr_scheduler.StepLR(optimizer, 3)
    assert [g["initial_lr"] for g in optimizer.param_groups] == [0.1, 0.05]
    assert scheduler.base_lrs == [0.1, 0.05]
    assert scheduler.last_epoch == 0 and scheduler.get_last_lr() == [0.1, 0.05]
    # resuming (last_epoch given) needs initial_lr in every group
    fresh = make_optimizer(dyngrad)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        dyngrad.optim.lr_scheduler.StepLR(fresh, 3, last_epoch=5)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        dyngrad.optim.lr_scheduler.StepLR([], 3)


CLOSED_FORM = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda S, o: S.MultiStepLR(o, milestones=[10, 30, 30, 60], gamma=0.3),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.96),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=37),
    "ConstantLR": lambda S, o: S.ConstantLR(o, factor=0.25, total_iters=13),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.01),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=40, power=2.0),
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.95**e),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "CosineAnnealingWarmRestarts-1": lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.01),
}
EPOCHS = [0, 3, 7, 7, 12, 30, 31, 5, 60, 61, 2, 99]
FRACTIONAL_EPOCHS = [0.0, 0.25, 0.5, 1.75, 3.0, 3.5, 8.9, 9.0, 21.2, 4.4, 45.0, 0.1]


@pytest.mark.parametrize("name", CLOSED_FORM)
def test_step_with_epoch_matches_torch(name):
    epochs = FRACTIONAL_EPOCHS if name.startswith("CosineAnnealingWarmRestarts") else EPOCHS

    def lrs(L):
        optimizer = make_optimizer(L)
        scheduler = CLOSED_FORM[name](L.optim.lr_scheduler, optimizer)
        values = []
        for epoch in epochs:
            optimizer.step()
            scheduler.step(epoch)
            values.append(list(scheduler.get_last_lr()) + [scheduler.last_epoch])
            optimizer.step()
            scheduler.step()
            values.append(list(scheduler.get_last_lr()) + [scheduler.last_epoch])
        return np.array(values)

    np.testing.assert_allclose(lrs(dyngrad), lrs(torch), rtol=RTOL, atol=0)


def test_step_with_epoch_warns_deprecation():
    scheduler = dyngrad.optim.lr_scheduler.StepLR(make_optimizer(dyngrad), 3)
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        scheduler.step(4)


def test_get_lr_outside_step_warns():
    scheduler = dyngrad.optim.lr_scheduler.ExponentialLR(make_optimizer(dyngrad), 0.5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()


# --- ReduceLROnPlateau ---------------------------------------------------------------------------

METRICS = [max(1.0 - 0.05 * i, 0.3) + 0.01 * math.sin(3 * i) for i in range(STEPS)]

PLATEAU_OPTIONS = [
    dict(),
    dict(patience=3),
    dict(patience=2, factor=0.5, cooldown=3, min_lr=0.004),
    dict(patience=2, factor=0.5, min_lr=[0.01, 0.001], threshold=0.05),
    dict(patience=1, threshold_mode="abs", threshold=0.02, eps=1e-3),
    dict(mode="max", patience=2, factor=0.3),
    dict(mode="max", patience=0, threshold_mode="abs", threshold=0.0),
]


@pytest.mark.parametrize(
    "options", PLATEAU_OPTIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "defaults"
)
def test_reduce_lr_on_plateau_matches_torch(options):
    sign = -1.0 if options.get("mode") == "max" else 1.0

    def run_plateau(L, resume=False):
        optimizer = make_optimizer(L)
        scheduler = L.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
        values = []
        for i, metric in enumerate(METRICS):
            if resume and i == STEPS // 2:
                saved = copy.deepcopy(scheduler.state_dict()), copy.deepcopy(optimizer.state_dict())
                optimizer = make_optimizer(L)
                scheduler = L.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
                scheduler.load_state_dict(saved[0])
                optimizer.load_state_dict(saved[1])
            optimizer.step()
            scheduler.step(sign * metric if i % 2 else L.tensor(sign * metric))
            values.append(
                list(scheduler.get_last_lr()) + [scheduler.num_bad_epochs, scheduler.cooldown_counter]
            )
        return np.array(values)

    theirs = run_plateau(torch)
    np.testing.assert_allclose(run_plateau(dyngrad), theirs, rtol=RTOL, atol=0)
    np.testing.assert_allclose(run_plateau(dyngrad, resume=True), theirs, rtol=RTOL, atol=0)
    assert theirs[-1, 0] < theirs[0, 0]  # the metrics do make it reduce


# --- constructor errors -----------------------------------------------------------------------------

ERRORS = [
    (
        lambda S, o: S.ConstantLR(o, factor=1.5),
        "Constant multiplicative factor expected to be between 0 and 1.",
    ),
    (
        lambda S, o: S.LinearLR(o, start_factor=0),
        "Starting multiplicative factor expected to be greater than 0",
    ),
    (
        lambda S, o: S.LinearLR(o, end_factor=2),
        "Ending multiplicative factor expected to be between 0 and 1.",
    ),
    (lambda S, o: S.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas, but got 1"),
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0), "Expected positive integer T_0, but got 0"),
    (
        lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
        "Expected integer T_mult >= 1, but got 0",
    ),
    (lambda S, o: S.CyclicLR(o, 0.1, 1.0, mode="bogus"), "mode is invalid and scale_fn is None"),
    (lambda S, o: S.CyclicLR(o, [0.1], 1.0), "base_lr must have the same length as optimizer.param_groups"),
    (
        lambda S, o: S.OneCycleLR(o, 0.1),
        r"You must define either total_steps OR \(epochs AND steps_per_epoch\)",
    ),
    (lambda S, o: S.OneCycleLR(o, 0.1, total_steps=0), "Expected positive integer total_steps, but got 0"),
    (
        lambda S, o: S.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1),
        "Expected positive integer steps_per_epoch",
    ),
    (
        lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, pct_start=1.5),
        "Expected float between 0 and 1 pct_start",
    ),
    (
        lambda S, o: S.OneCycleLR(o, 0.1, total_steps=10, anneal_strategy="x"),
        "anneal_strategy must be one of",
    ),
    (lambda S, o: S.ReduceLROnPlateau(o, factor=1.0), r"Factor should be < 1.0."),
    (lambda S, o: S.ReduceLROnPlateau(o, mode="up"), "mode up is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, threshold_mode="x"), "threshold mode x is unknown!"),
    (lambda S, o: S.ReduceLROnPlateau(o, min_lr=[0.1]), "expected 2 min_lrs, got 1"),
    (
        lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[3]),
        "Sequential Schedulers expects number of",
    ),
    (lambda S, o: S.SequentialLR(o, [], milestones=[]), "SequentialLR expects at least one scheduler"),
    (lambda S, o: S.ChainedScheduler([]), "ChainedScheduler expects at least one scheduler to be chained"),
    (
        lambda S, o: S.ChainedScheduler([S.StepLR(o, 2), S.ReduceLROnPlateau(o)]),
        "does not support `ReduceLROnPlateau`",
    ),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_constructor_errors_match_torch(index):
    build, message = ERRORS[index]
    with pytest.raises(ValueError, match=message) as ours:
        build(dyngrad.optim.lr_scheduler, make_optimizer(dyngrad))
    with pytest.raises(ValueError, match=message) as theirs:
        build(torch.optim.lr_scheduler, make_optimizer(torch))
    assert str(ours.value) == str(theirs.value)


def test_cycle_momentum_needs_momentum_support():
    optimizer = dyngrad.optim.Adagrad([dyngrad.nn.Parameter(dyngrad.zeros(2))])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        dyngrad.optim.lr_scheduler.CyclicLR(optimizer, 0.01, 0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        dyngrad.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=10)


def test_one_cycle_too_many_steps():
    optimizer = make_optimizer(dyngrad)
    scheduler = dyngrad.optim.lr_scheduler.OneCycleLR(optimizer, 0.1, total_steps=3)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        scheduler.step()


def test_public_names():
    S = dyngrad.optim.lr_scheduler
    assert set(S.__all__) == set(torch.optim.lr_scheduler.__all__)
    for name in S.__all__:
        assert issubclass(getattr(S, name), S.LRScheduler)
