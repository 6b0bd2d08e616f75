"""Health probes of a server through its client API: is it answering, and is its frame advancing?

``get_server_version`` answers on the server's RPC threads; ``get_world().get_snapshot().frame``
needs the game thread and the streaming of world ticks, so a server whose game thread hangs stops
answering it. A real server is probed through :mod:`sim.carla.probe_worker` in the evaluator's
interpreter, whose ``carla`` client matches the server's version (the supervisor's may not).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from typing import Protocol

from sim.carla.config import ServerLaunch
from sim.carla.launch import REPO_ROOT

WORKER_GRACE_S = 5.0  # [s] beyond the client's own timeout before a silent worker counts as stuck


class ProbeError(RuntimeError):
    """The server did not answer a probe in time."""


class ServerProbe(Protocol):
    """What the supervisor and the watchdog ask a server; each call raises on no answer."""

    def version(self, timeout_s: float) -> str: ...
    def frame(self, timeout_s: float) -> int: ...
    def close(self) -> None: ...


class WorkerProbe:
    """:class:`ServerProbe` through a :mod:`sim.carla.probe_worker` process in the evaluator's interpreter."""

    def __init__(self, python: str, host: str, port: int) -> None:
        paths = (str(REPO_ROOT), os.environ.get("PYTHONPATH", ""))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
        self._process = subprocess.Popen([python, "-m", "sim.carla.probe_worker", host, str(port)], env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         text=True, start_new_session=True)  # fmt: skip
        self._replies: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._process.stdout:
            self._replies.put(line.rstrip("\n"))
        self._replies.put("error the probe worker exited")

    def _ask(self, kind: str, timeout_s: float) -> str:
        with self._lock:
            try:
                self._process.stdin.write(f"{kind} {timeout_s}\n")
                self._process.stdin.flush()
                reply = self._replies.get(timeout=timeout_s + WORKER_GRACE_S)
            except (OSError, queue.Empty):
                raise ProbeError(f"{kind}: the probe worker did not answer") from None
        status, _, value = reply.partition(" ")
        if status != "ok":
            raise ProbeError(f"{kind}: {value}")
        return value

    def version(self, timeout_s: float) -> str:
        return self._ask("version", timeout_s)

    def frame(self, timeout_s: float) -> int:
        return int(self._ask("frame", timeout_s))

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


def make_probe(launch: ServerLaunch, host: str, port: int, python: str | None = None) -> ServerProbe:
    """The probe that speaks to a server started with ``launch``; ``python``: the evaluator's interpreter."""
    if launch is ServerLaunch.STAND_IN:
        from sim.carla.stand_in import StandInProbe

        return StandInProbe(host, port)
    return WorkerProbe(python or sys.executable, host, port)


def ask(call, timeout_s: float):
    """``call(timeout_s)``, with every failure (timeout, refused connection, RPC error) as :class:`ProbeError`."""
    try:
        return call(timeout_s)
    except Exception as error:  # the client raises RuntimeError, OSError or its own timeout types
        raise ProbeError(f"{getattr(call, '__name__', 'probe')}: {error}") from error
