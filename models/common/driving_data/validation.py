"""Shape and dtype checks of field arrays against their :class:`FieldSpec` (shared by writer and reader)."""

from __future__ import annotations

from typing import Any

import numpy as np

from models.common.driving_data.layout import FieldSpec
from models.common.driving_data.manifest import DrivingDataError

STORED_DTYPES = {"f": np.float64, "i": np.int64, "b": np.bool_}


def expected_shape(spec: FieldSpec, horizon_steps: int, n: int | None = None) -> tuple[int | None, ...]:
    """The spec's shape with ``"T"`` (and ``"n"``, when given) resolved; ``None`` matches any length."""
    sizes = {"T": horizon_steps, "n": n}
    return tuple(sizes[d] if isinstance(d, str) else d for d in spec.shape)


def shape_matches(shape: tuple[int, ...], expected: tuple[int | None, ...]) -> bool:
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected, strict=True))


def kind_ok(array: np.ndarray, kind: str) -> bool:
    """Whether ``array``'s dtype may be stored as ``kind`` (ints are floats, bools are not ints)."""
    accepted = {"f": "fiu", "i": "iu", "b": "b", "U": "U"}[kind]
    return array.dtype.kind in accepted


def coerce(value: Any, spec: FieldSpec, expected: tuple[int | None, ...], where: str) -> np.ndarray:
    """``value`` as the stored dtype of ``spec`` after checking its kind and shape; errors name ``where``."""
    array = np.asarray(value)
    if spec.kind == "U" and array.dtype.kind == "O" and array.ndim == 0 and value is None:
        array = np.asarray("")
    if not kind_ok(array, spec.kind):
        raise DrivingDataError(
            f"{where}: field '{spec.name}' has dtype {array.dtype} (value {_preview(value)}), expected kind "
            f"'{spec.kind}' ({spec.unit})"
        )
    if not shape_matches(array.shape, expected):
        raise DrivingDataError(
            f"{where}: field '{spec.name}' has shape {array.shape}, expected {expected} ({spec.unit})"
        )
    return array.astype(STORED_DTYPES[spec.kind]) if spec.kind in STORED_DTYPES else array


def check_stored(array: np.ndarray, spec: FieldSpec, expected: tuple[int | None, ...], where: str) -> None:
    """Reader side: the array loaded from ``where`` has the spec's kind and shape."""
    if not kind_ok(array, spec.kind) or not shape_matches(array.shape, expected):
        raise DrivingDataError(
            f"{where}: field '{spec.name}' is {array.dtype} {array.shape}, expected kind '{spec.kind}' shape "
            f"{expected} ({spec.unit})"
        )


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
