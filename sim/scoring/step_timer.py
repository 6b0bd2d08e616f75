"""Wall-clock time per named step, for benchmarks that report where the time goes."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StepTimer:
    """Accumulates seconds per step name; ``None`` in place of a timer costs nothing."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


@contextmanager
def timed(timer: StepTimer | None, name: str) -> Iterator[None]:
    """``with timed(timer, "ttc"):`` times the block when a timer is given."""
    if timer is None:
        yield
    else:
        with timer.step(name):
            yield
