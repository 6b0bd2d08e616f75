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


BOTTOM_OF_SIM = {
    "sim/types/__init__.py": {"sim.types.world"},
    "sim/types/world.py": set(),
    "sim/geometry.py": set(),
    "sim/paths.py": set(),
    "sim/frames.py": {"sim.geometry"},
}


@pytest.mark.parametrize("name", sorted(BOTTOM_OF_SIM))
def test_the_bottom_modules_of_sim_import_only_each_other(name: str) -> None:
    modules = {m for m in imported_modules(ROOT / name) if m.split(".")[0] == "sim"}
    assert modules <= BOTTOM_OF_SIM[name], f"{name} imports {sorted(modules - BOTTOM_OF_SIM[name])}"


# room -> module prefixes it must not import (its readers sit above it); exceptions after the rule.
ROOM_RULES = {
    "sim/kernels": (
        "sim.types",
        "sim.geometry",
        "sim.frames",
        "sim.maps",
        "sim.scoring",
        "sim.world",
        "sim.eval",
        "sim.run",
    ),  # fmt: skip
    "sim/maps": ("sim.scoring", "sim.world", "sim.eval", "sim.run"),
    "sim/world": ("sim.scoring", "sim.eval", "sim.run"),
    "sim/scoring": ("sim.world", "sim.eval", "sim.run"),
    "sim/eval": ("sim.run",),
    "agents/control": ("agents.adapters", "agents.expert", "agents.registry", "agents.privileged"),
    "agents/expert": ("agents.adapters", "agents.control", "agents.registry"),
}
WORLD_CONTRACT = {"sim.world.snapshot", "sim.world.privileged"}  # plain data the scorer may read


def room_modules() -> list[tuple[str, Path]]:
    return [(room, path) for room in ROOM_RULES for path in modules_under(room)]


@pytest.mark.parametrize("room,path", room_modules(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_rooms_import_only_what_lies_below_them(room: str, path: Path) -> None:
    modules = imported_modules(path) - (WORLD_CONTRACT if room == "sim/scoring" else set())
    bad = {m for m in modules if m.startswith(ROOM_RULES[room])}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; {room} lies below them"


def planner_modules() -> list[Path]:
    entry_points = {"leaderboard_agent.py"}  # the evaluator's entry file re-exports the adapter
    return [path for path in sorted((ROOT / "agents").glob("*.py")) if path.name not in entry_points]


@pytest.mark.parametrize("path", planner_modules(), ids=lambda p: p.name)
def test_planners_never_import_the_adapters(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith("agents.adapters")}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}; the adapters wrap planners, not the reverse"


MAX_LINES = 300


def _is_project_file(path: Path) -> bool:
    """Not inside data/, a hidden folder (.git, virtual environments such as .venv-ci) or site-packages."""
    parts = path.relative_to(ROOT).parts[:-1]
    return not any(part == "data" or part.startswith(".") or part == "site-packages" for part in parts)


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if _is_project_file(p))


def long_files(paths: list[Path]) -> dict[str, int]:
    """``{path: lines}`` of the files longer than :data:`MAX_LINES`."""
    counts = {str(path): len(path.read_text().splitlines()) for path in paths}
    return {path: count for path, count in counts.items() if count > MAX_LINES}


def test_no_python_file_exceeds_300_lines() -> None:
    long = long_files(python_files())
    assert not long, f"files over {MAX_LINES} lines (split them by concept): {long}"


def test_the_line_count_sees_a_long_file(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "short.py").write_text("x = 1\n" * MAX_LINES)
    assert long_files(sorted(tmp_path.glob("*.py"))) == {str(tmp_path / "long.py"): MAX_LINES + 1}
