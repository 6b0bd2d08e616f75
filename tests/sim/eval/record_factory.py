"""Route records and infraction events for the judging and results-file tests."""

from __future__ import annotations

import numpy as np

from sim.eval.infractions import Infraction, InfractionEvent
from sim.eval.route_record import RouteRecord, RouteStatus


def event(kind: Infraction, value: float = 0.0) -> InfractionEvent:
    return InfractionEvent(kind=kind, time=1.0, location=np.array([1.0, 2.0, 0.0]), value=value, detail="x")


def record(index: int = 0, rc: float = 100.0, events=(), status=RouteStatus.COMPLETED, **extra) -> RouteRecord:
    return RouteRecord(
        index=index,
        route_id=f"RouteScenario_{index}",
        town="Town01",
        status=status,
        route_completion=rc,
        infractions=tuple(events),
        route_length=500.0,
        duration_game=60.0,
        duration_system=5.0,
        **extra,
    )
