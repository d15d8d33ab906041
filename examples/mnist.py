"""The MNIST demo, runnable from a checkout: ``python examples/mnist.py --epochs 5``.

The demo lives in the package (``dyngrad/examples/mnist.py``) so that ``pip install`` users get it
as ``python -m dyngrad.examples.mnist`` / ``dyngrad-mnist``; this file only forwards to it, with
every option (``--help`` lists them)."""

import sys

from dyngrad.examples.mnist import main

if __name__ == "__main__":
    sys.exit(main())
