"""dyngrad.compat: torch's submodules resolve to dyngrad's own modules (never a second copy)."""

import subprocess
import sys

CODE = """
import torch
import torch.nn as nn
import torch.nn.modules.linear as lin
import torch.autograd.functional as AF
from torch.utils.data.dataloader import DataLoader
x = torch.ones(2)
assert lin.Linear is nn.Linear and DataLoader is torch.utils.data.DataLoader
assert AF.jacobian(lambda t: t * 2, x).tolist() == [[2.0, 0.0], [0.0, 2.0]]
assert type(x) is type(nn.Linear(2, 2).weight.data)
try:
    import torch.no_such_module
except ModuleNotFoundError:
    print("ok")
"""


def test_submodules_alias_dyngrads_own_modules():
    out = subprocess.run([sys.executable, "-m", "dyngrad.compat", "-c", CODE], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"
