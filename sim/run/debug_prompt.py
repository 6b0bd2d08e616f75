"""The terminal side of ``--debug``: pause, step one or N ticks, resume, run until the next infraction.

A route recorder (it sits after the rerun recorder, so the viewer already shows a tick when the run
pauses on it). Commands are read from a text stream (stdin) by a background thread, so on a terminal
a line typed while the route runs pauses it; from a pipe or a file every line is a command, in order.
Each route starts paused.

    <Enter> | s      one tick            s N | N   N ticks
    c                resume               i         run until the next infraction
    p                where the run is     q         stop the run (finished routes are kept)
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import TextIO

from sim.run.observers import RouteScene, TickRecord

HELP = (
    "commands: <Enter>/s one tick | s N or N: N ticks | c resume | i until the next infraction | "
    "p where | q quit | h help"
)


class CommandSource:
    """Lines of ``stream``, read by a daemon thread; end of input reads as ``None``."""

    def __init__(self, stream: TextIO) -> None:
        self.interactive = bool(getattr(stream, "isatty", lambda: False)())  # a person types (not a script)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            self._lines.put(line.strip())
        self._ended = True  # before the marker, so pending() never counts the marker as a line
        self._lines.put(None)

    def pending(self) -> bool:
        """A line is waiting (the end of input is not one)."""
        size = self._lines.qsize()
        return size > (1 if self._ended else 0)

    def next(self) -> str | None:
        """The next line (waits for it); ``None`` once the input has ended, forever after."""
        line = self._lines.get()
        if line is None:
            self._lines.put(None)
        return line


class DebugPrompt:
    """Holds the tick loop while paused and takes commands (see the module docstring)."""

    def __init__(self, commands: TextIO | CommandSource | None = None, out: TextIO | None = None) -> None:
        """``commands``: a text stream (default stdin), or anything with ``pending()`` and ``next()``
        (and ``interactive``: whether a line waiting while the route runs interrupts it; default True)."""
        source = sys.stdin if commands is None else commands
        self.commands = source if hasattr(source, "pending") and hasattr(source, "next") else CommandSource(source)
        self.interrupts = bool(getattr(self.commands, "interactive", True))
        self.out = sys.stderr if out is None else out
        self.remaining: int | None = 0  # ticks to run before pausing; None: run on
        self.until_infraction = False
        self.events: list = []
        self.last: TickRecord | None = None

    def start(self, scene: RouteScene) -> None:
        self.remaining, self.until_infraction, self.events, self.last = 0, False, [], None
        self._say(f"route {scene.route_id} (seed {scene.seed}, {scene.route.length:.0f} m): paused. {HELP}")
        self._wait()

    def add(self, tick: TickRecord) -> None:
        self.last = tick
        self.events += list(tick.events)
        for event in tick.events:
            self._say(f"infraction at t={event.time:.2f} s: {event.message()}")
        if self.until_infraction and tick.events:
            self.remaining = 0
        elif self.remaining is not None:
            self.remaining -= 1
        running = self.remaining is None or self.remaining > 0
        if running and self.interrupts and self.commands.pending():
            self.commands.next()  # a line typed while the route runs pauses it (the line is not a command)
            self.remaining = 0
        if self.remaining is not None and self.remaining <= 0:
            self._say(self.where())
            self._wait()

    def close(self, record=None) -> None:
        if record is not None:
            self._say(f"route {record.route_id} ended: {record.status.value}, RC {record.route_completion:.2f} %")

    def where(self) -> str:
        """One line: time, speed, controls and infractions so far."""
        if self.last is None:
            return "t=0.00 s (no tick yet)"
        snapshot, control = self.last.judged, self.last.control
        controls = " ".join(f"{n} {float(getattr(control, n, 0.0)):+.2f}" for n in ("throttle", "steer", "brake"))
        return (
            f"t={snapshot.time:.2f} s tick {snapshot.frame}  v {snapshot.ego.speed:.2f} m/s  {controls}  "
            f"infractions {len(self.events)}"
        )

    def _wait(self) -> None:
        """Read commands until one lets the loop go on."""
        while True:
            line = self.commands.next()
            if line is None:  # input closed: run to the end
                self.remaining, self.until_infraction = None, False
                return
            if self._apply(line):
                return

    def _apply(self, line: str) -> bool:
        """Carry out one command; True when the loop may go on."""
        word, _, argument = line.partition(" ")
        if word in ("", "s", "n") or word.isdigit():
            count = int(word) if word.isdigit() else int(argument) if argument.strip().isdigit() else 1
            self.remaining, self.until_infraction = max(count, 1), False
            return True
        if word in ("c", "r"):
            self.remaining, self.until_infraction = None, False
            return True
        if word == "i":
            self.remaining, self.until_infraction = None, True
            return True
        if word == "p":
            self._say(self.where())
        elif word == "q":
            raise KeyboardInterrupt("debugger: quit")
        else:
            self._say(HELP)
        return False

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)
