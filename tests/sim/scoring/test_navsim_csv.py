"""The results CSV has NAVSIM's columns, derived here the way NAVSIM's scripts derive them, and pandas' formatting."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.scoring.navsim_csv import (
    ONE_STAGE_COLUMNS,
    TWO_STAGE_COLUMNS,
    Table,
    format_value,
    read_table,
    write_table,
)

# navsim/common/dataclasses.py (main 0a380a9): the fields of PDMResults, in order
PDM_RESULTS_FIELDS = (
    "no_at_fault_collisions",
    "drivable_area_compliance",
    "driving_direction_compliance",
    "traffic_light_compliance",
    "ego_progress",
    "time_to_collision_within_bound",
    "lane_keeping",
    "history_comfort",
    "multiplicative_metrics_prod",
    "weighted_metrics",
    "weighted_metrics_array",
    "pdm_score",
)
# what run_pdm_score*.py add to each row, and what compute_final_scores drops and adds
ROW_FIELDS = ("valid", "log_name", "frame_type", "start_time", "endpoint_x", "endpoint_y", "start_point_x",
              "start_point_y")  # fmt: skip
DROPPED = ("weighted_metrics", "weighted_metrics_array", "multiplicative_metrics_prod")


def navsim_score_columns(frame_columns: list[str]) -> list[str]:
    """The ``score_cols`` filter of both scripts: a PDMResults field name inside the column name, EC or score."""
    return [
        column
        for column in frame_columns
        if (any(name in column for name in PDM_RESULTS_FIELDS) or column in ("two_frame_extended_comfort", "score"))
        and column != "pdm_score"
    ]


def final_frame_columns(extra: tuple[str, ...]) -> list[str]:
    """Columns of the frame when it is written: token first (reset_index), the rest in creation order."""
    created = [*PDM_RESULTS_FIELDS, *ROW_FIELDS, "two_frame_extended_comfort", *extra, "score"]
    return ["token", *(column for column in created if column not in DROPPED)]


def test_one_stage_columns_are_navsims() -> None:
    expected = ["token", "valid", *navsim_score_columns(final_frame_columns(()))]
    assert list(ONE_STAGE_COLUMNS) == expected


def test_two_stage_columns_are_navsims() -> None:
    score_columns = navsim_score_columns(["index", *final_frame_columns(("weight",))])
    stage_one = [f"{column}_stage_one" for column in score_columns if column != "score"]
    stage_two = [f"{column}_stage_two" for column in score_columns if column != "score"]
    assert list(TWO_STAGE_COLUMNS) == ["token", "valid", *stage_one, *stage_two, "score"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (1e-7, "1e-07"),
        (math.nan, ""),
        (np.float64(0.5), "0.5"),
        (np.bool_(True), "True"),
        (False, "False"),
        ("tok", "tok"),
        (None, ""),
    ],
)
def test_values_are_written_as_pandas_writes_them(value, text: str) -> None:
    assert format_value(value) == text


def test_tables_are_written_atomically_with_an_index_column(tmp_path: Path) -> None:
    table = Table(("token", "valid", "score"), ({"token": "a", "valid": True, "score": 0.5}, {"token": "b"}))
    path = write_table(table, tmp_path / "out" / "results.csv")
    assert path.read_text() == ",token,valid,score\n0,a,True,0.5\n1,b,,\n"
    assert [p.name for p in path.parent.iterdir()] == ["results.csv"]
    assert read_table(path, ("token", "valid", "score"))[0] == {"token": "a", "valid": "True", "score": "0.5"}
    with pytest.raises(ValueError, match="differs"):
        read_table(path, ("token", "score"))
