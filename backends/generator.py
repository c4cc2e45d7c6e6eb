"""``xg.Generator``: a random stream of its own, as ``torch.Generator``, for the factories'
``generator=`` (rand, randn, randint, randperm, normal, bernoulli) and the data samplers.

It draws on the host with NumPy's PCG64 and moves the numbers to the target device, so one
generator serves every device and a seed gives the same numbers on all of them (the global
stream of ``xg.manual_seed`` draws on the device itself)."""
from __future__ import annotations

import random
from typing import Any, Sequence

import numpy as np

from ..dtypes import DType
from .numpy_backend import host_normal, host_uniform


class Generator:
    """A seeded random stream. >>> g = xg.Generator().manual_seed(0); xg.rand(2, generator=g)"""

    __slots__ = ("device", "_initial", "_rng")

    def __init__(self, device: Any = "cpu") -> None:
        from . import get_backend
        self.device = get_backend(device).device      # checks the name, as torch does
        self._initial = random.SystemRandom().randrange(2 ** 63)
        self._rng = np.random.default_rng(self._initial)

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns the generator (for chaining)."""
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"Generator.manual_seed: the seed must be non-negative, got {seed}")
        self._initial = seed
        self._rng = np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        """Restart from a fresh random seed and return it."""
        value = random.SystemRandom().randrange(2 ** 63)
        self.manual_seed(value)
        return value

    def initial_seed(self) -> int:
        return self._initial

    def get_state(self) -> dict:
        """The stream's state (a dict, where PyTorch gives a byte tensor)."""
        return dict(self._rng.bit_generator.state)

    def set_state(self, new_state: dict) -> "Generator":
        if not isinstance(new_state, dict):
            raise TypeError(f"Generator.set_state: expected the dict get_state returned, got "
                            f"{type(new_state).__name__}")
        self._rng.bit_generator.state = new_state
        return self

    @property
    def numpy_generator(self) -> np.random.Generator:
        """The NumPy Generator behind the stream (the data samplers draw with it)."""
        return self._rng

    def __repr__(self) -> str:
        return f"<xpgrad.Generator device={self.device!r} initial_seed={self._initial}>"

    # ---- draws for the factories (backend arrays) -------------------------------------
    def uniform(self, backend: Any, shape: Sequence[int], dtype: DType) -> Any:
        return backend.from_host(host_uniform(self._rng, shape, dtype))

    def normal(self, backend: Any, shape: Sequence[int], dtype: DType) -> Any:
        return backend.from_host(host_normal(self._rng, shape, dtype))

    def permutation(self, backend: Any, n: int) -> Any:
        return backend.from_host(self._rng.permutation(n))


def check_generator(generator: Any, op: str) -> Any:
    """``generator`` if it is None or an xg.Generator, else a clear TypeError."""
    if generator is None or isinstance(generator, Generator):
        return generator
    hint = (" (a torch.Generator cannot drive xpgrad's streams: use "
            "xg.Generator().manual_seed(seed))" if type(generator).__module__.startswith("torch")
            else "")
    raise TypeError(f"{op}: generator must be an xg.Generator, got {type(generator).__name__}"
                    f"{hint}")
