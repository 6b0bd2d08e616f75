"""Ports of one CARLA server, reserved for its whole life with no probe-and-release race.

A CARLA server listens on its RPC port, the streaming port (RPC + 1) and the secondary-server
port (RPC + 2); the leaderboard's Traffic Manager listens on a port of its own. The usual
practice, probing a port with ``bind`` and closing it again, leaves a window in which two
evaluators pick the same port. Here every port is claimed with an exclusive ``flock`` on a lock
file under the runtime folder, held open until the server is gone (the kernel drops it when
the holder dies, so no stale claim survives a crash), and only then checked with ``bind``
against processes that do not take part (a hand-started CARLA). A process outside this scheme
can still take a port between the check and the server's start; the server then fails to bind
and :class:`~sim.carla.server.ServerProcess` moves on to the next block.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

RUNTIME_DIR_ENV = "CLOSED_LOOP_RUNTIME_DIR"
# Below Linux's ephemeral range (32768-60999), where every outgoing connection takes a port for a
# while; Bench2Drive's Traffic Manager ports (50000 + 150 i) sit inside it and clash at random.
DEFAULT_RPC_BASE = 20000  # [port] RPC port of block 0
DEFAULT_TM_BASE = 20005  # [port] Traffic Manager port of block 0
DEFAULT_STEP = 10  # [port] distance between blocks
MAX_PORT = 65535


class NoFreePortsError(RuntimeError):
    """Every candidate block was claimed or busy; the message names the range that was searched."""


def runtime_dir(create: bool = True) -> Path:
    """Folder shared by every supervisor on this machine: port locks and the server registry.

    ``CLOSED_LOOP_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/closed_loop``, else ``<tmp>/closed_loop-<uid>``.
    """
    explicit = os.environ.get(RUNTIME_DIR_ENV)
    if explicit:
        folder = Path(explicit)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "closed_loop"
    else:
        folder = Path(tempfile.gettempdir()) / f"closed_loop-{os.getuid()}"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class PortBlock:
    """The ports of one server.

    Attributes:
        rpc: the server's RPC port (``-carla-rpc-port``), what clients connect to.
        traffic_manager: the leaderboard's Traffic Manager port.
    """

    rpc: int
    traffic_manager: int

    @property
    def streaming(self) -> int:
        """Sensor streaming port (``-carla-streaming-port``), RPC + 1 by CARLA's convention."""
        return self.rpc + 1

    @property
    def secondary(self) -> int:
        """Port CARLA (0.9.12 and later) opens for secondary multi-GPU servers, RPC + 2."""
        return self.rpc + 2

    @property
    def all(self) -> tuple[int, ...]:
        return (self.rpc, self.streaming, self.secondary, self.traffic_manager)


def port_is_bindable(port: int, host: str = "") -> bool:
    """Whether a TCP socket can bind ``port`` now (with SO_REUSEADDR, as servers bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


class PortReservation:
    """A claimed :class:`PortBlock`; the claim lasts until :meth:`release` (or this process ends)."""

    def __init__(self, block: PortBlock, handles: list[int]) -> None:
        self.block = block
        self._handles = handles

    @property
    def held(self) -> bool:
        return bool(self._handles)

    def release(self) -> None:
        for handle in self._handles:
            os.close(handle)  # closing the descriptor drops the flock
        self._handles = []

    def __enter__(self) -> PortReservation:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def reserve_ports(
    rpc_base: int = DEFAULT_RPC_BASE,
    tm_base: int = DEFAULT_TM_BASE,
    step: int = DEFAULT_STEP,
    max_blocks: int = 64,
    skip: frozenset[int] = frozenset(),
    lock_dir: Path | None = None,
) -> PortReservation:
    """Claim the first block ``rpc_base + step * i`` (TM ``tm_base + step * i``) that is free.

    Args:
        skip: block indices not to try (blocks a server already failed to bind).
        lock_dir: where the lock files live (default ``runtime_dir() / "ports"``).

    Raises:
        NoFreePortsError: no block of the ``max_blocks`` candidates could be claimed.
    """
    if step < 3 or rpc_base < 1 or tm_base < 1:
        raise ValueError(f"port blocks need rpc_base, tm_base >= 1 and step >= 3, got {rpc_base}, {tm_base}, {step}")
    if rpc_base <= tm_base < rpc_base + 3:
        raise ValueError(
            f"the Traffic Manager port {tm_base} falls on the server's own ports {rpc_base}..{rpc_base + 2}"
        )
    folder = lock_dir or runtime_dir() / "ports"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(max_blocks):
        block = PortBlock(rpc_base + step * index, tm_base + step * index)
        if index in skip or max(block.all) > MAX_PORT:
            continue
        handles = _claim(folder, block.all)
        if handles is None:
            continue
        if all(port_is_bindable(port) for port in block.all):
            return PortReservation(block, handles)
        PortReservation(block, handles).release()
    last = rpc_base + step * (max_blocks - 1)
    raise NoFreePortsError(
        f"no free CARLA port block among RPC ports {rpc_base}..{last} (step {step}) and TM ports from {tm_base}: "
        f"each was claimed by another server of this machine (locks in {folder}) or in use; "
        "choose other bases (--rpc-port-base/--tm-port-base)"
    )


def block_index(rpc_port: int, rpc_base: int = DEFAULT_RPC_BASE, step: int = DEFAULT_STEP) -> int:
    """The index of the block whose RPC port is ``rpc_port``."""
    return (rpc_port - rpc_base) // step


def _claim(folder: Path, ports: tuple[int, ...]) -> list[int] | None:
    """Exclusive locks on every port's lock file, or None (and nothing held) if one is taken."""
    handles: list[int] = []
    for port in sorted(ports):
        handle = os.open(folder / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            for held in handles:
                os.close(held)
            return None
        handles.append(handle)
    return handles
