"""The import rules of DESIGN.md, checked on the source text of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_top_level_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def modules_under(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules_under("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_sim_never_imports_agents_or_models(path: Path) -> None:
    forbidden = imported_top_level_packages(path) & {"agents", "models", "run_closed_loop"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}; sim/ is below them"


@pytest.mark.parametrize("path", modules_under("models"), ids=lambda p: str(p.relative_to(ROOT)))
def test_models_import_at_most_sim_types(path: Path) -> None:
    modules = imported_modules(path)
    bad = {m for m in modules if m.split(".")[0] in {"agents", "routes", "run_closed_loop"}}
    bad |= {m for m in modules if m.split(".")[0] == "sim" and m != "sim.types"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; models/ may import only sim.types"


@pytest.mark.parametrize("path", modules_under("sim/kernels"), ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_take_no_python_geometry_libraries(path: Path) -> None:
    forbidden = imported_top_level_packages(path) & {"shapely", "torch", "scipy", "carla"}
    assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}; kernels take arrays only"


def test_the_layer_check_sees_a_violation(tmp_path: Path) -> None:
    offending = tmp_path / "bad.py"
    offending.write_text("from agents.base import Planner\nimport models.lmgendrive\n")
    assert imported_top_level_packages(offending) == {"agents", "models"}


@pytest.mark.parametrize("path", modules_under("routes"), ids=lambda p: str(p.relative_to(ROOT)))
def test_routes_use_only_the_bottom_utilities_of_sim(path: Path) -> None:
    """Route loaders sit beside sim/: sim.world and sim.eval read route descriptions, so routes/
    may use only the frame conversions, the geometry and the data paths, never the rest of sim/."""
    modules = imported_modules(path)
    bad = {m for m in modules if m.split(".")[0] == "sim" and m not in {"sim.frames", "sim.geometry", "sim.paths"}}
    bad |= {m for m in modules if m.split(".")[0] in {"agents", "models", "run_closed_loop"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
