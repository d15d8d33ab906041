"""The models of seed programs s08 (CIFAR-shaped CNN) and s09 (ResNet-style network), built in
dyngrad and in PyTorch after the same seed: same state_dict keys, identical initial weights, the
same repr, and one training step's forward and backward give the same loss and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import dyngrad
import dyngrad.nn
from optable import needs_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

DNN = dyngrad.nn  # the dyngrad side of each comparison, as torch.nn is torch's


def _lib(nn):
    return torch if nn is torch.nn else dyngrad


# --- s08: the CIFAR-10-shaped CNN -------------------------------------------------------------------


def build_cifar_cnn(nn):
    """s08's layers, in its construction order (so the seed gives the same draws)."""
    conv1 = nn.Conv2d(3, 32, 3, 1, padding=1)
    conv2 = nn.Conv2d(32, 64, 3, 1, padding=1)
    pool = nn.MaxPool2d(2, 2)
    fc1 = nn.Linear(64 * 8 * 8, 128)
    fc2 = nn.Linear(128, 10)
    model = nn.ModuleList([conv1, conv2, fc1, fc2])
    return model, pool


def cifar_forward(nn, model, pool, x):
    F = nn.functional  # noqa: N806
    conv1, conv2, fc1, fc2 = model
    x = F.relu(conv1(x))
    x = pool(x)
    x = F.relu(conv2(x))
    x = pool(x)
    x = x.view(-1, 64 * 8 * 8)
    x = F.relu(fc1(x))
    x = F.dropout(x, training=True)
    return fc2(x)


def _seeded(build, nn):
    _lib(nn).manual_seed(0)
    return build(nn)


def _assert_same_state(ours, theirs) -> None:
    state, torch_state = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(torch_state)
    for key, value in torch_state.items():
        assert tuple(state[key].shape) == tuple(value.shape), key
        # uniform draws (kaiming_uniform_, bias bounds) reproduce PyTorch's bit for bit
        np.testing.assert_array_equal(state[key].numpy(), value.numpy(), err_msg=key)


def _assert_same_grads(ours, theirs, rtol, atol) -> None:
    params, torch_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(params) == list(torch_params)
    for key, p in torch_params.items():
        g, tg = params[key].grad.numpy(), p.grad.numpy()
        scale = np.abs(tg).max()
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol * scale, err_msg=key)


@needs_torch
def test_cifar_cnn_same_weights_loss_and_gradients():
    ours, our_pool = _seeded(build_cifar_cnn, DNN)
    theirs, their_pool = _seeded(build_cifar_cnn, torch.nn)
    _assert_same_state(ours, theirs)
    assert repr(ours) == repr(theirs) and repr(our_pool) == repr(their_pool)

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, (16,))
    # the same seed right before the forward: dropout drops the same units in both
    dyngrad.manual_seed(1)
    torch.manual_seed(1)
    out = cifar_forward(DNN, ours, our_pool, dyngrad.tensor(x))
    torch_out = cifar_forward(torch.nn, theirs, their_pool, torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), torch_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    loss = DNN.CrossEntropyLoss()(out, dyngrad.tensor(labels))
    torch_loss = torch.nn.CrossEntropyLoss()(torch_out, torch.tensor(labels))
    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-5)
    loss.backward()
    torch_loss.backward()
    _assert_same_grads(ours, theirs, rtol=1e-4, atol=1e-5)


# --- s09: the ResNet-style network ----------------------------------------------------------------


def build_resnet(nn, num_classes=10):
    """s09's ResNet class, written once for either library."""

    class ResNet(nn.Module):
        def __init__(self, num_classes):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = nn.Sequential(
                nn.Conv2d(64, 64, kernel_size=3, stride=1, padding=1, bias=False),
                nn.BatchNorm2d(64),
                nn.ReLU(inplace=True),
                nn.Conv2d(64, 64, kernel_size=3, stride=1, padding=1, bias=False),
                nn.BatchNorm2d(64),
                nn.ReLU(inplace=True))
            self.layer2 = nn.Sequential(
                nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(128),
                nn.ReLU(inplace=True),
                nn.Conv2d(128, 128, kernel_size=3, stride=1, padding=1, bias=False),
                nn.BatchNorm2d(128),
                nn.ReLU(inplace=True))
            self.layer3 = nn.Sequential(
                nn.Conv2d(128, 256, kernel_size=3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(256),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, stride=1, padding=1, bias=False),
                nn.BatchNorm2d(256),
                nn.ReLU(inplace=True))
            self.avgpool = nn.AvgPool2d(7, stride=1)
            self.fc = nn.Linear(256, num_classes)

        def forward(self, x):
            x = self.conv1(x)
            x = self.bn1(x)
            x = self.relu(x)
            x = self.maxpool(x)
            x = self.layer1(x)
            x = self.layer2(x)
            x = self.layer3(x)
            x = self.avgpool(x)
            x = x.view(x.size(0), -1)
            return self.fc(x)

    return ResNet(num_classes)


RESNET_REPR_HEAD = """ResNet(
  (conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
  (bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (relu): ReLU(inplace=True)
  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
  (layer1): Sequential(
    (0): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"""


@needs_torch
def test_resnet_structure_weights_and_repr_match_torch():
    ours = _seeded(build_resnet, DNN)
    theirs = _seeded(build_resnet, torch.nn)
    assert repr(ours) == repr(theirs)
    assert repr(ours).startswith(RESNET_REPR_HEAD)
    assert repr(ours).endswith("  (avgpool): AvgPool2d(kernel_size=7, stride=1, padding=0)\n"
                               "  (fc): Linear(in_features=256, out_features=10, bias=True)\n)")
    _assert_same_state(ours, theirs)
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())


@needs_torch
def test_resnet_training_step_and_eval_match_torch():
    ours = _seeded(build_resnet, DNN)
    theirs = _seeded(build_resnet, torch.nn)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 112, 112)).astype(np.float32)
    y = rng.integers(0, 10, (2,))
    ours.train()
    theirs.train()
    loss = dyngrad.nn.functional.cross_entropy(ours(dyngrad.tensor(x)), dyngrad.tensor(y))
    torch_loss = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-4)
    loss.backward()
    torch_loss.backward()
    _assert_same_grads(ours, theirs, rtol=1e-3, atol=5e-5)
    # the running statistics the training forward left behind
    buffers, torch_buffers = dict(ours.named_buffers()), dict(theirs.named_buffers())
    for key, value in torch_buffers.items():
        np.testing.assert_allclose(buffers[key].numpy(), value.numpy(), rtol=1e-4, atol=1e-5, err_msg=key)
    ours.eval()
    theirs.eval()
    with dyngrad.no_grad():
        out = ours(dyngrad.tensor(x))
    with torch.no_grad():
        torch_out = theirs(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), torch_out.numpy(), rtol=1e-3, atol=1e-4)
