"""The one place that holds numba JIT settings.

Caching is on so that compiled kernels survive across processes. ``fastmath`` is off: the
scorers are held to parity with the original NAVSIM implementation, and reassociated floating
point would move decisions that sit near a threshold. Kernels never pass flags of their own;
``tests/sim/kernels/test_jit_flags.py`` fails on any ``@njit`` / ``@numba.njit`` outside this
module.
"""

from __future__ import annotations

import numba

JIT_OPTIONS: dict[str, bool] = {"cache": True, "fastmath": False, "nogil": True}
PARALLEL_JIT_OPTIONS: dict[str, bool] = {**JIT_OPTIONS, "parallel": True}


def kernel(function):
    """Compile ``function`` as a serial nopython kernel with the package's settings."""
    return numba.njit(**JIT_OPTIONS)(function)


def parallel_kernel(function):
    """Compile ``function`` as a ``prange``-parallel nopython kernel with the package's settings."""
    return numba.njit(**PARALLEL_JIT_OPTIONS)(function)


prange = numba.prange
