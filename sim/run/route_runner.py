"""Drive one route in the embedded world with a leaderboard agent and judge it (see :mod:`sim.run.route_session`)."""

from __future__ import annotations

import logging
import time

from sim.eval.route_record import RouteRecord, RouteStatus
from sim.run.agent_loading import AgentSpec
from sim.run.observers import RouteRecorder
from sim.run.route_job import RouteJob
from sim.run.route_session import RouteSession, RouteSetupError, close_recorders
from sim.world.config import WorldConfig

__all__ = ["RouteJob", "run_route"]

logger = logging.getLogger(__name__)


def run_route(
    job: RouteJob,
    agent_spec: AgentSpec,
    world_config: WorldConfig | None = None,
    recorders: tuple[RouteRecorder, ...] = (),
) -> RouteRecord:
    """Drive ``job``'s route with the agent until it ends; never raises for agent or route failures."""
    started = time.perf_counter()
    try:
        session = RouteSession(job, agent_spec, world_config, recorders)
    except RouteSetupError as failure:
        record = failed_record(job, failure.status, failure.error, started, failure.route_length, failure.fields)
        close_recorders(recorders, record)
        return record
    try:
        while not session.ended:
            session.step()
    finally:
        record = session.close()
    return record


def failed_record(
    job: RouteJob, status: RouteStatus, error: str, started: float, length: float = 0.0, fields: dict | None = None
) -> RouteRecord:
    """The record of a route that could not start (``fields``: the results formats' extra fields)."""
    return RouteRecord(
        index=job.index,
        route_id=job.route_id,
        town=job.route.town,
        status=status,
        route_completion=0.0,
        infractions=(),
        route_length=length,
        duration_game=0.0,
        duration_system=time.perf_counter() - started,
        scenario_types=tuple(s.type for s in job.route.scenarios),
        error=error,
        extra=dict(fields or {}),
    )
