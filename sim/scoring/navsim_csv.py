"""The CSV that NAVSIM v2's ``run_pdm_score*.py`` write, column for column.

NAVSIM writes a pandas frame with ``to_csv``: an unnamed index column first, floats in their
shortest round-trip form, NaN as an empty field, booleans as ``True`` / ``False``. The columns are
``token``, ``valid``, the sub-metrics of ``PDMResults`` (without the aggregate ``pdm_score``), the
two-frame extended comfort and the final ``score``; the two-stage script splits every column but
``score`` into ``*_stage_one`` / ``*_stage_two``.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.scoring.results import EpdmsMetric

# NAVSIM's PDMResults field of each EpdmsMetric column
METRIC_NAMES = {
    EpdmsMetric.NC: "no_at_fault_collisions",
    EpdmsMetric.DAC: "drivable_area_compliance",
    EpdmsMetric.DDC: "driving_direction_compliance",
    EpdmsMetric.TLC: "traffic_light_compliance",
    EpdmsMetric.EP: "ego_progress",
    EpdmsMetric.TTC: "time_to_collision_within_bound",
    EpdmsMetric.LK: "lane_keeping",
    EpdmsMetric.HC: "history_comfort",
}
EC_COLUMN = "two_frame_extended_comfort"
SCORE_COLUMN = "score"
STAGE_SUFFIXES = ("_stage_one", "_stage_two")
SUB_SCORE_COLUMNS = (*(METRIC_NAMES[metric] for metric in EpdmsMetric), EC_COLUMN)
"""Per-token sub-scores, in NAVSIM's column order."""
ONE_STAGE_COLUMNS = ("token", "valid", *SUB_SCORE_COLUMNS, SCORE_COLUMN)
TWO_STAGE_COLUMNS = (
    "token",
    "valid",
    *(column + STAGE_SUFFIXES[0] for column in SUB_SCORE_COLUMNS),
    *(column + STAGE_SUFFIXES[1] for column in SUB_SCORE_COLUMNS),
    SCORE_COLUMN,
)
AVERAGE_TOKEN = "average_all_frames"
TWO_STAGE_SUMMARY_TOKENS = (
    "extended_pdm_score_stage_one",
    "extended_pdm_score_stage_two",
    "extended_pdm_score_combined",
)


@dataclass(frozen=True)
class Table:
    """Rows of a results CSV: each row maps column -> value (absent columns are NaN)."""

    columns: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]

    def column(self, name: str) -> list[Any]:
        return [row.get(name, math.nan) for row in self.rows]


def format_value(value: Any) -> str:
    """A value as pandas ``to_csv`` writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        number = float(value)
        return "" if math.isnan(number) else repr(number)
    if hasattr(value, "item"):  # numpy scalars
        return format_value(value.item())
    return str(value)


def table_lines(table: Table) -> list[list[str]]:
    """The CSV fields: a header with an empty index name, then ``index, values...`` per row."""
    lines = [["", *table.columns]]
    for index, row in enumerate(table.rows):
        lines.append([str(index), *(format_value(row.get(column, math.nan)) for column in table.columns)])
    return lines


def write_table(table: Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` atomically (a temporary file renamed over it): a crash leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(table_lines(table))
    os.replace(temporary, path)
    return path


def read_table(path: str | Path, columns: Sequence[str] | None = None) -> list[dict[str, str]]:
    """Rows of a results CSV as strings (index column dropped); checks the header when ``columns`` is given."""
    with Path(path).open(newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        if columns is not None and header[1:] != list(columns):
            raise ValueError(f"{path}: header {header[1:]} differs from {list(columns)}")
        return [dict(zip(header[1:], fields[1:], strict=True)) for fields in reader]
