"""Health probes of a server through its client API: is it answering, and is its frame advancing?

The CARLA probe uses the ``carla`` client (imported lazily): ``get_server_version`` answers on
the server's RPC threads, ``get_world().get_snapshot().frame`` needs the game thread and the
streaming of world ticks, so a server whose game thread hangs stops answering it.
"""

from __future__ import annotations

from typing import Protocol

from sim.carla.config import ServerLaunch


class ProbeError(RuntimeError):
    """The server did not answer a probe in time."""


class ServerProbe(Protocol):
    """What the supervisor and the watchdog ask a server; each call raises on no answer."""

    def version(self, timeout_s: float) -> str: ...
    def frame(self, timeout_s: float) -> int: ...
    def close(self) -> None: ...


class CarlaProbe:
    """:class:`ServerProbe` through ``carla.Client`` (one client, kept for the server's life)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._client = None

    def _connected(self, timeout_s: float):
        if self._client is None:
            import carla  # lazy: the client library is needed only with a live server

            self._client = carla.Client(self.host, self.port)
        self._client.set_timeout(timeout_s)
        return self._client

    def version(self, timeout_s: float) -> str:
        return str(self._connected(timeout_s).get_server_version())

    def frame(self, timeout_s: float) -> int:
        return int(self._connected(timeout_s).get_world().get_snapshot().frame)

    def close(self) -> None:
        self._client = None


def make_probe(launch: ServerLaunch, host: str, port: int) -> ServerProbe:
    """The probe that speaks to a server started with ``launch``."""
    if launch is ServerLaunch.STAND_IN:
        from sim.carla.stand_in import StandInProbe

        return StandInProbe(host, port)
    return CarlaProbe(host, port)


def ask(call, timeout_s: float):
    """``call(timeout_s)``, with every failure (timeout, refused connection, RPC error) as :class:`ProbeError`."""
    try:
        return call(timeout_s)
    except Exception as error:  # the client raises RuntimeError, OSError or its own timeout types
        raise ProbeError(f"{getattr(call, '__name__', 'probe')}: {error}") from error
