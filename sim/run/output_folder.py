"""The results folder of one run: locked against a second run, never overwritten by accident.

``OUT/.lock`` is held with ``fcntl.flock`` for the whole run and names its holder (pid, host, start
time), so a second run on the same folder stops at once with a message saying who holds it. The
kernel releases the lock when the holder dies, so a killed run never leaves a stale lock. An
existing ``results.json`` is only continued (``resume``) or replaced (``overwrite``) when asked.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path

LOCK_NAME = ".lock"
RESULTS_NAME = "results.json"


class OutputFolderError(RuntimeError):
    """The folder is in use by another run, or holds results this run was not told what to do with."""


class OutputFolder:
    """``with OutputFolder(out, resume, overwrite) as folder:`` holds the lock inside the block."""

    def __init__(self, path: str | os.PathLike[str], resume: bool = False, overwrite: bool = False) -> None:
        if resume and overwrite:
            raise OutputFolderError("--resume and --overwrite exclude each other: continue the results or replace them")
        self.path, self.resume, self.overwrite = Path(path), resume, overwrite
        self._handle = None

    @property
    def results(self) -> Path:
        return self.path / RESULTS_NAME

    def __enter__(self) -> OutputFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / LOCK_NAME, "a+")  # held until __exit__
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise OutputFolderError(
                f"'{self.path}' is in use by another run ({holder}); wait for it to finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on host {socket.gethostname()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        self._handle = handle
        try:
            self._check_existing_results()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _check_existing_results(self) -> None:
        if self.results.exists() and not (self.resume or self.overwrite):
            raise OutputFolderError(
                f"'{self.results}' already holds results; continue them with --resume, replace them with "
                "--overwrite, or choose another --out"
            )

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
