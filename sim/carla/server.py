"""One CARLA server's life: claim ports, start it on its GPU, wait until it answers, stop it.

A start that fails because a port was taken after it was claimed (the server exits, or the port
is answered by a process outside our group) moves to the next port block; a start that fails
otherwise is retried up to ``start_attempts`` times and then reported with the log's last lines.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import time
from pathlib import Path

from sim.carla.config import ServerConfig, ServerLaunch
from sim.carla.launch import LaunchCommand, launch_command
from sim.carla.ports import PortReservation, block_index, reserve_ports, runtime_dir
from sim.carla.probe import ProbeError, ServerProbe, ask, make_probe
from sim.carla.process_group import ServerRegistry, group_listens_on, kill_group, remove_container

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 20


class ServerStartError(RuntimeError):
    """No server could be started; the message says why and shows the end of its log."""


class ServerProcess:
    """A supervised server on one GPU.

    Args:
        config: server settings.
        gpu: the graphics adapter index it renders on.
        log_dir: where ``server_<rpc port>_<n>.log`` files go.
        probe_python: interpreter whose ``carla`` client probes the server (the evaluator's).
    """

    def __init__(self, config: ServerConfig, gpu: int, log_dir: Path, probe_python: str | None = None) -> None:
        self.probe_python = probe_python
        self.config = config
        self.gpu = gpu
        self.log_dir = Path(log_dir)
        self.runtime_dir = Path(config.runtime_dir) if config.runtime_dir else runtime_dir()
        self.registry = ServerRegistry(self.runtime_dir / "servers")
        self.token = secrets.token_hex(3)
        self.starts = 0
        self.reservation: PortReservation | None = None
        self.probe: ServerProbe | None = None
        self._process: subprocess.Popen | None = None
        self._command: LaunchCommand | None = None
        self._log_path: Path | None = None

    # 1. Start, on the first port block that works
    def start(self) -> None:
        """Start the server and wait until it answers through the client API."""
        self.registry.reap_orphans(self.config.stop_grace_s)
        failed_blocks: set[int] = set()
        reasons = []
        for _attempt in range(self.config.start_attempts):
            config, skip = self.config, frozenset(failed_blocks)
            self.reservation = reserve_ports(config.rpc_port_base, config.tm_port_base, config.port_step, skip=skip,
                                             lock_dir=self.runtime_dir / "ports")  # fmt: skip
            self._spawn()
            reason, port_clash = self._wait_ready()
            if reason is None:
                logger.info("CARLA server ready on port %d, GPU %d", self.reservation.block.rpc, self.gpu)
                return
            reasons.append(f"port {self.reservation.block.rpc}: {reason}")
            logger.warning("CARLA server did not start (%s)%s", reasons[-1], "; next port block" * port_clash)
            if port_clash:
                rpc = self.reservation.block.rpc
                failed_blocks.add(block_index(rpc, self.config.rpc_port_base, self.config.port_step))
            self.stop()
        tail = f"\n--- end of {self._log_path} ---\n{self.log_tail()}"
        raise ServerStartError(
            f"CARLA server on GPU {self.gpu} failed to start {len(reasons)} times: {'; '.join(reasons)}{tail}"
        )

    def _spawn(self) -> None:
        self.starts += 1
        block = self.reservation.block
        self._command = launch_command(self.config, block, self.gpu, self.token)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = self.log_dir / f"server_{block.rpc}_{self.starts}.log"
        env = {**os.environ, **dict(self._command.env)}
        with open(self._log_path, "w") as log:
            # a new session: the server and its children form a group we can end without touching others
            self._process = subprocess.Popen(self._command.argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                             stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        self.registry.add(self._process.pid, self._command.marker, self._command.container)
        self.probe = make_probe(self.config.launch, self.config.host, block.rpc, self.probe_python)

    def _wait_ready(self) -> tuple[str | None, bool]:
        """(None, _) when ready, else (reason, whether a port clash caused it)."""
        deadline = time.monotonic() + self.config.startup_timeout_s
        while time.monotonic() < deadline:
            code = self.exit_code()
            if code is not None:
                return f"exited with code {code} before answering", self._log_mentions_bind_failure()
            try:
                ask(self.probe.version, self.config.probe_timeout_s)
                ask(self.probe.frame, self.config.probe_timeout_s)
            except ProbeError:
                time.sleep(self.config.poll_interval_s)
                continue
            if self._answered_by_someone_else():
                return "another process answers on its RPC port", True
            return None, False
        return f"no answer within {self.config.startup_timeout_s:.0f} s", False

    def _answered_by_someone_else(self) -> bool:
        if self.config.launch is ServerLaunch.DOCKER:
            return False  # the container's processes are not in our group; its bind failure shows as an exit
        return group_listens_on(self._process.pid, self.reservation.block.rpc) is False

    def _log_mentions_bind_failure(self) -> bool:
        text = self.log_tail().lower()
        return "address already in use" in text or ("bind" in text and "fail" in text)

    # 2. State
    @property
    def ports(self):
        return self.reservation.block

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_code(self) -> int | None:
        """None while the server process runs."""
        return None if self._process is None else self._process.poll()

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])

    # 3. Stop: our process group (and container) only
    def stop(self) -> None:
        if self.probe is not None:
            self.probe.close()
            self.probe = None
        if self._process is not None:
            kill_group(self._process.pid, self.config.stop_grace_s, self._process)
            if self._command.container:
                remove_container(self._command.container)
            self._process.wait()
            self.registry.remove(self._process.pid)
            self._process = None
        if self.reservation is not None:
            self.reservation.release()
            self.reservation = None

    def restart(self) -> None:
        self.stop()
        self.start()
