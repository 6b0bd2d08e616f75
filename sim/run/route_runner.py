"""Drive one route in the embedded world with a leaderboard agent and judge it (see :mod:`sim.run.route_session`)."""

from __future__ import annotations

import time

from sim.eval.route_record import RouteRecord
from sim.run.agent_loading import AgentSpec
from sim.run.failures import failed_record
from sim.run.observers import RouteRecorder, TickObserver
from sim.run.route_job import RouteJob
from sim.run.route_session import RouteSession, RouteSetupError, close_recorders
from sim.run.watchdog import Heartbeat
from sim.world.config import WorldConfig

__all__ = ["RouteJob", "run_route"]


def run_route(
    job: RouteJob,
    agent_spec: AgentSpec,
    world_config: WorldConfig | None = None,
    recorders: tuple[RouteRecorder, ...] = (),
    heartbeat: Heartbeat | None = None,
    observers: tuple[TickObserver, ...] = (),
) -> RouteRecord:
    """Drive ``job``'s route with the agent until it ends; never raises for agent or route failures.

    Args:
        recorders: look at every tick (video, rerun recording, the debugger's prompt); closed at the end.
        heartbeat: stamped around every ``run_step`` for a watchdog (a private one when None).
        observers: told about every tick after the criteria, besides the runner's own.
    """
    started = time.perf_counter()
    heartbeat = heartbeat or Heartbeat()
    try:
        session = RouteSession(job, agent_spec, world_config, recorders, heartbeat, observers)
    except RouteSetupError as failure:
        heartbeat.route_finished()
        record = failed_record(job, failure.status, failure.error, started, failure.route_length, fields=failure.fields)
        close_recorders(recorders, record)
        return record
    try:
        while not session.ended:
            session.step()
    finally:
        record = session.close()
    return record
