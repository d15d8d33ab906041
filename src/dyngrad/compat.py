"""Run PyTorch code on dyngrad: ``python -m dyngrad.compat script.py [args]`` or ``compat.install()``.

``install()`` makes ``import torch`` (and its common submodules) resolve to dyngrad's modules and
switches reprs to print ``torch.float32``/``torch.Size`` exactly as PyTorch prints them."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys
import types

from . import dtypes

# torch module name -> dyngrad module name; a target that doesn't exist yet is skipped
ALIASES = {
    "torch": "dyngrad",
    "torch.autograd": "dyngrad.autograd",
    "torch.nn": "dyngrad.nn",
    "torch.nn.functional": "dyngrad.nn.functional",
    "torch.nn.init": "dyngrad.nn.init",
    "torch.nn.utils": "dyngrad.nn.utils",
    "torch.nn.utils.rnn": "dyngrad.nn.utils.rnn",
    "torch.nn.parameter": "dyngrad.nn.parameter",
    "torch.nn.modules": "dyngrad.nn.layers",
    "torch.nn.modules.module": "dyngrad.nn.module",
    "torch.optim": "dyngrad.optim",
    "torch.optim.lr_scheduler": "dyngrad.optim.lr_scheduler",
    "torch.utils": "dyngrad.utils",
    "torch.utils.data": "dyngrad.utils.data",
    "torchvision": "dyngrad.vision",
    "torchvision.datasets": "dyngrad.vision.datasets",
    "torchvision.transforms": "dyngrad.vision.transforms",
    "torch.cuda": "dyngrad.cuda",
    "torch.backends": "dyngrad.backends",
}


class Missing:
    """Stands for a torch attribute dyngrad lacks: using it raises NotImplementedError there and
    then (an AttributeError deep inside a script would hide what is missing)."""

    def __init__(self, name: str):
        self._name = name

    def _fail(self, *args, **kwargs):
        raise NotImplementedError(f"dyngrad does not implement {self._name} yet")

    __call__ = __iter__ = __len__ = __getitem__ = __enter__ = _fail

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Missing(f"{self._name}.{attr}")

    def __repr__(self) -> str:
        return f"<{self._name}: not implemented by dyngrad>"


class AliasModule(types.ModuleType):
    """``torch.X`` under compat: dyngrad's module, with a ``Missing`` for names dyngrad lacks."""

    def __init__(self, name: str, target: types.ModuleType):
        super().__init__(name, target.__doc__)
        self.__dict__["_target"] = target

    def __getattr__(self, attr: str):
        sub = sys.modules.get(f"{self.__name__}.{attr}")
        if isinstance(sub, AliasModule):
            return sub
        try:
            return getattr(self._target, attr)
        except AttributeError:
            if attr.startswith("_"):
                raise
            return Missing(f"{self.__name__}.{attr}")

    def __setattr__(self, attr: str, value) -> None:
        setattr(self._target, attr, value)

    def __dir__(self):
        return dir(self._target)


def _target_name(name: str) -> str | None:
    """The dyngrad module for torch module ``name``, by its longest aliased prefix."""
    for prefix in sorted(ALIASES, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return ALIASES[prefix] + name[len(prefix):]
    return None


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import torch.a.b`` for a submodule missing from ALIASES: dyngrad's module itself under
    the torch name. (Left to the default finders, Python would load dyngrad's file a second time
    under the torch name, with its own copies of classes such as Tensor.)"""

    def find_spec(self, name, path, target=None):
        dyngrad_name = _target_name(name)
        if dyngrad_name is None or name in sys.modules:
            return None
        try:
            module = importlib.import_module(dyngrad_name)
        except ImportError:
            return None
        return importlib.util.spec_from_loader(name, self, origin=getattr(module, "__file__", None))

    def create_module(self, spec):
        return AliasModule(spec.name, importlib.import_module(_target_name(spec.name)))

    def exec_module(self, module) -> None:
        pass


def install() -> None:
    """Alias ``torch`` (and torchvision) to dyngrad in ``sys.modules``, for this process."""
    dtypes.display_prefix[0] = "torch"
    for name, target in ALIASES.items():
        try:
            sys.modules[name] = AliasModule(name, importlib.import_module(target))
        except ImportError:
            pass
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python -m dyngrad.compat SCRIPT [ARGS...] | -c CODE [ARGS...] | -m MODULE [ARGS...]"
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        raise SystemExit(0 if argv else 2)
    install()
    if argv[0] == "-c":
        if len(argv) < 2:
            raise SystemExit(usage)
        sys.argv = ["-c", *argv[2:]]
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
    elif argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit(usage)
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        import os

        script = argv[0]
        sys.argv = argv
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
