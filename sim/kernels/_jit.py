"""The one place that holds numba JIT settings.

Caching is on so that compiled kernels survive across processes; the cache lives under
``$CLOSED_LOOP_CACHE/numba`` (default ``~/.cache/closed_loop/numba``) in a folder keyed by the
kernels' sources, unless ``NUMBA_CACHE_DIR`` is set. ``fastmath`` is off: the
scorers are held to parity with the original NAVSIM implementation, and reassociated floating
point would move decisions that sit near a threshold. Kernels never pass flags of their own;
``tests/sim/kernels/test_jit_flags.py`` fails on any ``@njit`` / ``@numba.njit`` outside this
module.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numba

from sim.paths import cache_dir


def _kernel_sources_digest() -> str:
    """Hash of every kernel module's source.

    numba's cache is invalidated only when a kernel's own file changes, not when a kernel it
    calls in another file does; keying the cache directory on all kernel sources makes any edit
    start a fresh cache instead of running stale machine code.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _configure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return  # the user chose a cache directory; respect it
    numba.config.CACHE_DIR = str(cache_dir("numba") / _kernel_sources_digest())


_configure_cache_dir()

JIT_OPTIONS: dict[str, bool] = {"cache": True, "fastmath": False, "nogil": True}
PARALLEL_JIT_OPTIONS: dict[str, bool] = {**JIT_OPTIONS, "parallel": True}


def kernel(function):
    """Compile ``function`` as a serial nopython kernel with the package's settings."""
    return numba.njit(**JIT_OPTIONS)(function)


def inlined_kernel(function):
    """Compile ``function`` as a kernel that numba inlines into every caller: a small branchy helper
    that takes arrays, where a call would cost more (reference counting) than the helper's work."""
    return numba.njit(inline="always", **JIT_OPTIONS)(function)


def parallel_kernel(function):
    """Compile ``function`` as a ``prange``-parallel nopython kernel with the package's settings."""
    return numba.njit(**PARALLEL_JIT_OPTIONS)(function)


prange = numba.prange
