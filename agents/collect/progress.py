"""The collection's progress line: samples/s, episodes done of the target, ETA.

On a terminal the line is redrawn in place (at most twice a second); otherwise a full line is
written every ``log_every`` seconds, so a log file stays readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_BAR = 20  # characters


def _duration(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Progress:
    """Counts samples and episodes; ``target`` episodes and/or a ``deadline`` (``time.monotonic``) give the ETA."""

    def __init__(self, target: int | None, deadline: float | None, done: int = 0, stream: TextIO | None = None,
                 log_every: float = 10.0) -> None:  # fmt: skip
        self.target, self.deadline, self.done, self.failed = target, deadline, done, 0
        self.start_done = done
        self.samples = 0
        self.started = time.monotonic()
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_every = log_every
        self._last_draw = -1e9

    def add_samples(self, count: int) -> None:
        self.samples += count

    def episode_done(self, ok: bool = True) -> None:
        if ok:
            self.done += 1
        else:
            self.failed += 1

    @property
    def rate(self) -> float:
        """Samples per second since the start."""
        return self.samples / max(time.monotonic() - self.started, 1e-9)

    def eta(self) -> float | None:
        """[s] left: to the deadline, or by the episode rate to the target (whichever is sooner)."""
        now = time.monotonic()
        options = []
        if self.deadline is not None:
            options.append(self.deadline - now)
        new = self.done - self.start_done
        if self.target is not None and new > 0:
            options.append((self.target - self.done) * (now - self.started) / new)
        return min(options) if options else None

    def line(self) -> str:
        target = "?" if self.target is None else str(self.target)
        filled = 0 if not self.target else int(_BAR * min(self.done / self.target, 1.0))
        eta = self.eta()
        failed = f"  {self.failed} failed" if self.failed else ""
        left = "?" if eta is None else _duration(eta)
        return (f"[{'#' * filled}{'.' * (_BAR - filled)}] {self.done}/{target} episodes{failed}  "
                f"{self.samples} samples  {self.rate:.1f} samples/s  ETA {left}")  # fmt: skip

    def draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_draw < (0.5 if self.tty else self.log_every):
            return
        self._last_draw = now
        if self.tty:
            self.stream.write("\r" + self.line() + " " * 4)
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.draw(force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
