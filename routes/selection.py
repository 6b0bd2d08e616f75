"""Which routes of a route file a run drives: by route id or by position in the file.

Both take comma-separated items, each a number or an inclusive range ``a-b``:

- ids (``--route-ids 0,10-12``): the routes whose ``id`` is listed or lies in a range (ids are
  compared as numbers, so a range over sparse ids takes the ids that exist); an id named on its
  own that the file lacks is an error, so is a selection matching nothing;
- positions (``--route-index 0-5``): the first six routes of the file, counting from 0; a
  position past the end is an error.

The selected routes keep the file's order. Every error names the option, what it asked for and
what the file holds.
"""

from __future__ import annotations

import re
from pathlib import Path

from routes.route_types import RouteDescription, RouteError

_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
PREVIEW = 12  # ids listed in a message before it abbreviates


def select_by_ids(
    routes: list[RouteDescription], text: str, source: Path | str = "", option: str = "--route-ids"
) -> list[RouteDescription]:
    """The routes whose ids ``text`` lists ("3,5-8")."""
    singles, ranges = _items(text, option)
    ids = [route.route_id for route in routes]
    missing = [item for item in singles if item not in ids]
    if missing:
        raise RouteError(f"{option} {text!r}: {source} has no route with id {', '.join(missing)}; {_holds(ids)}")
    chosen = [route for route in routes if route.route_id in singles or _in_ranges(route.route_id, ranges)]
    if not chosen:
        raise RouteError(f"{option} {text!r}: no route of {source} has an id in these ranges; {_holds(ids)}")
    return chosen


def select_by_index(routes: list[RouteDescription], text: str, source: Path | str = "") -> list[RouteDescription]:
    """The routes at the positions ``text`` lists ("0-5": the first six), counting from 0."""
    singles, ranges = _items(text, "--route-index")
    if any(not item.isdigit() for item in singles):
        raise RouteError(f"--route-index {text!r}: positions are numbers or ranges like '0-5'")
    wanted = {int(item) for item in singles} | {i for low, high in ranges for i in range(low, high + 1)}
    beyond = sorted(i for i in wanted if i >= len(routes))
    if beyond:
        raise RouteError(
            f"--route-index {text!r}: {source} has {len(routes)} routes (positions 0-{len(routes) - 1}); "
            f"no position {', '.join(map(str, beyond))}"
        )
    return [route for position, route in enumerate(routes) if position in wanted]


def describe_selection(selected: list[RouteDescription], available: int, name: str) -> str:
    """One line saying what a run drives: how many routes of how many, and their ids."""
    return f"{name}: {len(selected)} of {available} routes selected, ids {preview_ids([r.route_id for r in selected])}"


def preview_ids(ids: list[str]) -> str:
    """``ids`` joined, abbreviated in the middle when long."""
    if len(ids) <= PREVIEW:
        return ", ".join(ids)
    return f"{', '.join(ids[: PREVIEW - 2])}, ..., {', '.join(ids[-2:])} ({len(ids)} in all)"


def _items(text: str, option: str) -> tuple[list[str], list[tuple[int, int]]]:
    singles, ranges = [], []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        match = _RANGE.match(part)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if low > high:
                raise RouteError(f"{option} {text!r}: range {part!r} runs backwards (write '{high}-{low}')")
            ranges.append((low, high))
        elif "-" in part:
            raise RouteError(f"{option} {text!r}: {part!r} is not a range like '5-8'")
        else:
            singles.append(part)
    if not singles and not ranges:
        raise RouteError(f"{option} {text!r}: empty selection; give numbers or ranges like '0,10-12'")
    return singles, ranges


def _in_ranges(route_id: str, ranges: list[tuple[int, int]]) -> bool:
    return route_id.isdigit() and any(low <= int(route_id) <= high for low, high in ranges)


def _holds(ids: list[str]) -> str:
    return f"its {len(ids)} route ids are {preview_ids(ids)}"


def split_by_town(
    routes: list[RouteDescription], towns: set[str]
) -> tuple[list[RouteDescription], list[RouteDescription]]:
    """``(routes in one of towns, the others)``, each in file order."""
    return [r for r in routes if r.town in towns], [r for r in routes if r.town not in towns]
