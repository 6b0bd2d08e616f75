"""Measurements for model benchmarks: latency per call, parameters, peak memory.

Benchmarks report numbers; tests never assert on time. On CPU the peak memory is the growth of
the process's peak resident set (``ru_maxrss``) during the measured calls, which is what a
closed-loop process would need on top of what it already holds; on CUDA it is the allocator peak.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn

from models.common.layers import count_parameters


@dataclass(frozen=True)
class BenchResult:
    """Figures of one benchmark.

    Attributes:
        latency_ms: median wall time per call [ms].
        latency_p90_ms: 90th percentile [ms].
        params: total parameters of the measured module.
        peak_mem_mb: peak memory growth during the measured calls [MiB] (see module docstring).
        rss_mb: peak resident set of the process after the run [MiB] (CPU) or 0.
        repeats: measured calls.
    """

    latency_ms: float
    latency_p90_ms: float
    params: int
    peak_mem_mb: float
    rss_mb: float
    repeats: int

    def as_dict(self) -> dict:
        return asdict(self)


def _max_rss_mb() -> float:
    """Peak resident set of this process [MiB] (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def measure(fn: Callable[[], object], module: nn.Module, warmup: int = 3, repeats: int = 20) -> BenchResult:
    """Time ``fn()`` (which runs ``module``) ``repeats`` times after ``warmup`` calls.

    Args:
        fn: a closure running one step (inputs prepared outside, so only the step is timed).
        module: the module whose parameters are counted.
        warmup: untimed calls first (allocator and kernel selection warm-up).
        repeats: timed calls.
    """
    cuda = torch.cuda.is_available() and any(p.is_cuda for p in module.parameters())
    for _ in range(warmup):
        fn()
    gc.collect()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    rss_before = _max_rss_mb()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000.0)
    if cuda:
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
        rss = 0.0
    else:
        rss = _max_rss_mb()
        peak = rss - rss_before
    ordered = sorted(times)
    return BenchResult(
        latency_ms=statistics.median(times),
        latency_p90_ms=ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        params=count_parameters(module),
        peak_mem_mb=peak,
        rss_mb=rss,
        repeats=repeats,
    )
