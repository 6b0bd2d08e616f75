"""Write metric-cache records back as pickles that name navsim's and nuPlan's classes (test helper).

navsim and nuPlan are not installed, so the pickler is shown throw-away modules with those names
for the duration of one ``dumps``; every record is written as ``Class(*call_args)`` plus its state,
which the restricted unpickler reads like NAVSIM's own files.
"""

from __future__ import annotations

import contextlib
import copy
import io
import lzma
import math
import pickle
import sys
import types
from collections.abc import Iterator
from pathlib import Path

from sim.scoring.metric_cache.unpickler import STAND_INS, CacheRecord, load_cache_records


@contextlib.contextmanager
def _named_classes() -> Iterator[dict[str, type]]:
    added: list[str] = []
    classes: dict[str, type] = {}
    try:
        for qualified in STAND_INS:
            module_name, name = qualified.rsplit(".", 1)
            parts = module_name.split(".")
            for depth in range(1, len(parts) + 1):  # the import check walks every parent package
                package = ".".join(parts[:depth])
                if package not in sys.modules:
                    sys.modules[package] = types.ModuleType(package)
                    added.append(package)
            cls = type(name, (), {"__module__": module_name, "__qualname__": name})
            setattr(sys.modules[module_name], name, cls)
            classes[qualified] = cls
        yield classes
    finally:
        for module_name in added:
            del sys.modules[module_name]


class _NavsimNamedPickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO, classes: dict[str, type]) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.classes = classes

    def reducer_override(self, obj: object) -> object:
        if isinstance(obj, CacheRecord):
            state = {key: value for key, value in obj.__dict__.items() if key != "call_args"}
            return self.classes[obj.qualified_name], tuple(obj.call_args), state or None
        return NotImplemented


def dumps(record: CacheRecord) -> bytes:
    """An uncompressed pickle of ``record`` naming the original navsim / nuPlan classes."""
    stream = io.BytesIO()
    with _named_classes() as classes:
        _NavsimNamedPickler(stream, classes).dump(record)
    return stream.getvalue()


def write_cache(record: CacheRecord, path: Path) -> Path:
    """``record`` as a metric-cache file at ``path`` (lzma, like NAVSIM's ``MetricCache.dump``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lzma.compress(dumps(record), preset=0))
    return path


def loaded_copy(path: Path) -> CacheRecord:
    """A fresh, freely mutable record tree of the cache at ``path``."""
    return copy.deepcopy(load_cache_records(path))


def variant(
    record: CacheRecord,
    *,
    log_name: str | None = None,
    time_offset_s: float = 0.0,
    synthetic: bool = False,
    ego: tuple[float, ...] | None = None,
) -> CacheRecord:
    """A copy of ``record`` in another log, at another time, as a synthetic scene, or with the ego moved.

    ``ego`` is (x, y, heading, vx, vy, ax, ay): rear axle, global; velocity and acceleration in the body frame.
    """
    record = copy.deepcopy(record)
    if log_name is not None:
        record.log_name = log_name
    record.timepoint.time_us += round(time_offset_s * 1e6)
    if synthetic:
        record.scene_type.__dict__["call_args"] = (1,)
        record.human_trajectory = None
    if ego is not None:
        footprint = record.ego_state._car_footprint
        width, front, rear = footprint._vehicle_parameters.call_args[:3]
        to_centre = (front + rear) / 2.0 - rear
        x, y, heading, vx, vy, ax, ay = ego
        footprint.__dict__.pop("rear_axle", None)
        footprint._center.x, footprint._center.y = x + to_centre * math.cos(heading), y + to_centre * math.sin(heading)
        footprint._center.heading = heading
        dynamic = record.ego_state._dynamic_car_state
        dynamic._rear_axle_velocity_2d._x, dynamic._rear_axle_velocity_2d._y = vx, vy
        dynamic._rear_axle_acceleration_2d._x, dynamic._rear_axle_acceleration_2d._y = ax, ay
    return record
