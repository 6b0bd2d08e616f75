"""JIT flags live in one module: no kernel compiles with flags of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.paths import CACHE_DIR_ENV

ROOT = Path(__file__).resolve().parents[3]
JIT_MODULE = ROOT / "sim" / "kernels" / "_jit.py"
DIRECT_JIT = re.compile(r"\b(numba\.)?(njit|jit|vectorize|guvectorize)\s*\(|@(numba\.)?(njit|jit)\b|fastmath\s*=")


def python_files() -> list[Path]:
    folders = ("sim", "agents", "models", "routes")
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if p != JIT_MODULE)


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_jit_flags_outside_the_jit_module(path: Path) -> None:
    hits = [line.strip() for line in path.read_text().splitlines() if DIRECT_JIT.search(line)]
    assert not hits, f"{path.relative_to(ROOT)} compiles with its own flags: {hits}; use sim.kernels._jit"


def test_parity_kernels_do_not_use_fastmath() -> None:
    from sim.kernels import _jit

    assert _jit.JIT_OPTIONS["fastmath"] is False
    assert _jit.JIT_OPTIONS["cache"] is True


def test_the_pattern_catches_a_direct_decorator() -> None:
    assert DIRECT_JIT.search("@numba.njit(cache=True)")
    assert DIRECT_JIT.search("@njit")
    assert not DIRECT_JIT.search("@kernel")


def test_cache_directory_is_keyed_by_the_kernel_sources(monkeypatch, tmp_path) -> None:
    from sim.kernels import _jit

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(_jit.numba.config, "CACHE_DIR", "")
    _jit._configure_cache_dir()
    assert _jit.numba.config.CACHE_DIR == str(tmp_path / "numba" / _jit._kernel_sources_digest())
    assert len(_jit._kernel_sources_digest()) == 16
