"""A restricted unpickler for NAVSIM metric caches: known classes become inert records.

A metric cache is ``lzma.compress(pickle.dumps(MetricCache))`` written by NAVSIM; unpickling it the
ordinary way imports navsim and nuplan-devkit and lets the file name any callable. Here
:meth:`pickle.Unpickler.find_class` answers only from :data:`STAND_INS` (every class a NAVSIM v2
metric cache references, mapped to :class:`CacheRecord` subclasses that store their arguments and
state and run nothing) and :data:`SAFE_CALLABLES` (numpy array reconstruction, shapely's WKB reader,
pure paths). Any other global is refused with :class:`UnsafePickleError` naming it, before anything
of it is called.
"""

from __future__ import annotations

import io
import lzma
import pathlib
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import shapely


class MetricCacheError(ValueError):
    """A metric cache cannot be read or converted; the message names the file and the field."""


class UnsafePickleError(MetricCacheError):
    """The pickle references a global that is not a known metric-cache class."""


class CacheRecord:
    """The state of one pickled object: constructor arguments in ``call_args``, attributes in ``__dict__``.

    Pickle builds it through ``__new__`` (NEWOBJ), a call (REDUCE) or ``__setstate__`` (BUILD); none
    of these run anything but storing values.
    """

    qualified_name = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> CacheRecord:
        record = object.__new__(cls)
        record.__dict__["call_args"] = args
        return record

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.__dict__["call_args"] = args

    def __setstate__(self, state: Any) -> None:
        # BUILD hands (instance dict, slot dict) for classes with __slots__, a dict otherwise
        parts = state if isinstance(state, tuple) else (state,)
        for part in parts:
            if part is None:
                continue
            if not isinstance(part, dict):
                raise MetricCacheError(f"{self.qualified_name}: unexpected pickled state of type {type(part).__name__}")
            self.__dict__.update({str(key): value for key, value in part.items()})

    def __repr__(self) -> str:
        return f"<{self.qualified_name} record>"


_NAVSIM = "navsim.planning"
_PDM = "navsim.planning.simulation.planner.pdm_planner"
_NUPLAN_ACTOR = "nuplan.common.actor_state"
_NUPLAN_SIM = "nuplan.planning.simulation"

KNOWN_CLASSES = (
    f"{_NAVSIM}.metric_caching.metric_cache.MetricCache",
    f"{_NAVSIM}.metric_caching.metric_cache.MapParameters",
    "navsim.common.dataclasses.Trajectory",
    "navsim.common.enums.SceneFrameType",
    f"{_PDM}.observation.pdm_observation.PDMObservation",
    f"{_PDM}.observation.pdm_occupancy_map.PDMOccupancyMap",
    f"{_PDM}.observation.pdm_occupancy_map.PDMDrivableMap",
    f"{_PDM}.utils.pdm_path.PDMPath",
    f"{_NUPLAN_ACTOR}.ego_state.EgoState",
    f"{_NUPLAN_ACTOR}.car_footprint.CarFootprint",
    f"{_NUPLAN_ACTOR}.dynamic_car_state.DynamicCarState",
    f"{_NUPLAN_ACTOR}.state_representation.StateSE2",
    f"{_NUPLAN_ACTOR}.state_representation.StateVector2D",
    f"{_NUPLAN_ACTOR}.state_representation.TimePoint",
    f"{_NUPLAN_ACTOR}.oriented_box.OrientedBox",
    f"{_NUPLAN_ACTOR}.agent.Agent",
    f"{_NUPLAN_ACTOR}.static_object.StaticObject",
    f"{_NUPLAN_ACTOR}.scene_object.SceneObjectMetadata",
    f"{_NUPLAN_ACTOR}.tracked_objects.TrackedObjects",
    f"{_NUPLAN_ACTOR}.tracked_objects_types.TrackedObjectType",
    f"{_NUPLAN_ACTOR}.vehicle_parameters.VehicleParameters",
    "nuplan.common.maps.maps_datatypes.SemanticMapLayer",
    f"{_NUPLAN_SIM}.observation.observation_type.DetectionsTracks",
    f"{_NUPLAN_SIM}.trajectory.interpolated_trajectory.InterpolatedTrajectory",
    f"{_NUPLAN_SIM}.trajectory.trajectory_sampling.TrajectorySampling",
)
"""Every navsim / nuPlan class a NAVSIM v2 metric cache references (data/navsim_parity/README.md, 1a)."""


def _stand_in(qualified_name: str) -> type[CacheRecord]:
    name = qualified_name.rsplit(".", 1)[1]
    return type(name, (CacheRecord,), {"qualified_name": qualified_name, "__module__": __name__})


STAND_INS: dict[str, type[CacheRecord]] = {name: _stand_in(name) for name in KNOWN_CLASSES}

# numpy moved its private modules from numpy.core to numpy._core in 2.0; caches come from either.
_NUMPY_SAFE = {
    f"{package}.{name}": value
    for package in ("numpy.core", "numpy._core")
    for name, value in (
        ("multiarray._reconstruct", np._core.multiarray._reconstruct),
        ("multiarray.scalar", np._core.multiarray.scalar),
        ("numeric._frombuffer", np._core.numeric._frombuffer),
    )
}
SAFE_CALLABLES: dict[str, Any] = {
    **_NUMPY_SAFE,
    "numpy.ndarray": np.ndarray,
    "numpy.dtype": np.dtype,
    "shapely.io.from_wkb": shapely.from_wkb,
    # paths stay pure: a pickled path never touches the file system
    "pathlib.PosixPath": pathlib.PurePosixPath,
    "pathlib.WindowsPath": pathlib.PureWindowsPath,
    "pathlib.PurePosixPath": pathlib.PurePosixPath,
    "pathlib.PureWindowsPath": pathlib.PureWindowsPath,
    "pathlib._local.PosixPath": pathlib.PurePosixPath,
    "pathlib._local.WindowsPath": pathlib.PureWindowsPath,
}
"""Callables (not records) a metric cache may name; each only rebuilds data."""


class RestrictedUnpickler(pickle.Unpickler):
    """Resolves only :data:`STAND_INS` and :data:`SAFE_CALLABLES`; refuses every other global."""

    def __init__(self, stream: io.BufferedIOBase, source: str) -> None:
        super().__init__(stream)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        qualified = f"{module}.{name}"
        if qualified in STAND_INS:
            return STAND_INS[qualified]
        if qualified in SAFE_CALLABLES:
            return SAFE_CALLABLES[qualified]
        raise UnsafePickleError(
            f"{self.source}: refusing to load '{qualified}': not a NAVSIM metric-cache class "
            f"(known: navsim/nuplan classes of a v2 metric cache, numpy arrays, shapely WKB, paths)"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError(f"{self.source}: persistent pickle ids are not part of a metric cache ({pid!r})")


def load_cache_records(path: str | Path) -> CacheRecord:
    """The ``MetricCache`` record of an lzma-compressed metric-cache pickle at ``path``.

    Raises:
        UnsafePickleError: the pickle names a global outside the known classes.
        MetricCacheError: the file is missing, not lzma, not a pickle, or not a ``MetricCache``.
    """
    path = Path(path)
    try:
        payload = lzma.decompress(path.read_bytes())
    except OSError as error:
        raise MetricCacheError(f"{path}: cannot read the metric cache ({error})") from error
    except lzma.LZMAError as error:
        raise MetricCacheError(f"{path}: not an lzma-compressed metric cache ({error})") from error
    return records_from_pickle(payload, str(path))


def records_from_pickle(payload: bytes, source: str) -> CacheRecord:
    """Unpickle ``payload`` (an uncompressed metric-cache pickle) with :class:`RestrictedUnpickler`."""
    try:
        record = RestrictedUnpickler(io.BytesIO(payload), source).load()
    except MetricCacheError as error:
        if str(error).startswith(f"{source}: "):
            raise
        raise MetricCacheError(f"{source}: {error}") from error  # a stand-in's own error, e.g. a corrupt state
    except Exception as error:  # a corrupt pickle raises anything from EOFError to TypeError
        why = f"{type(error).__name__}: {error}"
        raise MetricCacheError(f"{source}: not a readable metric-cache pickle ({why})") from error
    expected = STAND_INS[f"{_NAVSIM}.metric_caching.metric_cache.MetricCache"]
    if not isinstance(record, expected):
        raise MetricCacheError(f"{source}: the pickle holds {type(record).__name__}, not a NAVSIM MetricCache")
    return record
