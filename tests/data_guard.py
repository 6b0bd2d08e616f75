"""What a test does when the data it needs is missing: skip on a developer's machine, fail under CI.

The data ships with the repository, so under CI (``CI`` set, as ``.ci/run`` does) a missing file
is a broken checkout and must turn the suite red, never into a column of skips.
"""

from __future__ import annotations

import os

import pytest

CI_ENV = "CI"


def under_ci() -> bool:
    return os.environ.get(CI_ENV, "").strip().lower() not in ("", "0", "false", "no")


def missing_data(message: str) -> None:
    """Fail (under CI) or skip (elsewhere) the calling test, saying which data is missing."""
    if under_ci():
        pytest.fail(f"{message} (${CI_ENV} is set: data the repository ships must be present)")
    pytest.skip(message)
