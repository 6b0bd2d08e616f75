"""Step an agent through one route from Python (notebooks, tests): the ``--debug`` loop without a terminal.

    from sim.run.debug_session import DebugSession

    session = DebugSession("pdm_closed", "langauto-tiny:0", seed=0)  # a planner name or an agent .py
    session.step(40)                          # 2 s of simulated time
    session.snapshot.ego.speed                # the world now (a WorldSnapshot); session.world is the World
    session.last_plan.scores                  # the agent's last Plan (leaderboard agent), or None
    session.agent_debug.scalars               # what the recorders show of the agent
    session.run_until_infraction()            # the infraction events of the tick that raised them
    session.restart(seed=3)                   # the same route again, another seed
    record = session.close()                  # the RouteRecord (also what restart returns)

``record=path`` writes the session's recording (``{route_id}`` in the path is replaced), ``live=True``
streams it to the viewer (:class:`sim.run.live_viewer.LiveViewer`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from routes.benchmarks import load_benchmark
from routes.route_types import LeaderboardVersion, RouteDescription
from sim.eval.infractions import InfractionEvent, LeaderboardRules
from sim.eval.route_record import RouteRecord
from sim.run.agent_debug import AgentDebug, read_agent_debug
from sim.run.agent_loading import AgentSpec, agent_spec_for
from sim.run.benchmark_runner import RunOptions, make_jobs
from sim.run.observers import RouteRecorder, TickRecord
from sim.run.route_job import RouteJob
from sim.run.route_session import RouteSession, RouteSetupError
from sim.world.config import WorldConfig
from sim.world.privileged import PrivilegedWorld
from sim.world.snapshot import WorldSnapshot


class DebugSession:
    """One route of one agent, stepped on demand (see the module docstring).

    Args:
        agent: an :class:`AgentSpec`, a registered planner name, or an agent ``.py`` file.
        route: ``"<benchmark>:<route id>"`` (e.g. ``"langauto-tiny:0"``), a :class:`RouteDescription`
            (LB1 scenario triggers are then not matched), or a :class:`RouteJob`.
        seed: the world's seed.
        data_dir: the data directory.
        world_config: the world's config (default: the runner's).
        record: an ``.rrd`` path to write, or ``None``.
        live: stream to a live viewer (``True`` opens one, or pass a started ``LiveViewer``).
        recorders: further route recorders.
    """

    def __init__(
        self,
        agent: AgentSpec | str,
        route: RouteDescription | RouteJob | str,
        seed: int = 0,
        *,
        data_dir: str | None = None,
        world_config: WorldConfig | None = None,
        record: str | Path | None = None,
        live=False,
        recorders: tuple[RouteRecorder, ...] = (),
    ) -> None:
        self.agent_spec = agent if isinstance(agent, AgentSpec) else agent_spec_for(agent)
        self.job = _job(route, seed, data_dir)
        self.world_config = world_config
        self.record_path, self.extra_recorders = record, tuple(recorders)
        self.viewer = None
        if live:
            from sim.run.live_viewer import LiveViewer

            self.viewer = live if isinstance(live, LiveViewer) else LiveViewer.start()
            print(self.viewer.describe())
        self.session = self._open(self.job)
        self.last_tick: TickRecord | None = None

    # ---- stepping ------------------------------------------------------------------------------
    def step(self, ticks: int = 1) -> list[TickRecord]:
        """Run up to ``ticks`` ticks (fewer when the route ends); returns them."""
        done = []
        for _ in range(int(ticks)):
            tick = self.session.step()
            if tick is None:
                break
            done.append(tick)
            self.last_tick = tick
        return done

    def run_until_infraction(self, max_ticks: int | None = None) -> tuple[InfractionEvent, ...]:
        """Step until a tick raises infractions (returned) or the route ends / ``max_ticks`` pass (``()``)."""
        count = 0
        while not self.ended and (max_ticks is None or count < max_ticks):
            ticks = self.step()
            count += 1
            if ticks and ticks[0].events:
                return ticks[0].events
        return ()

    def run_to_end(self) -> RouteRecord:
        """Drive the rest of the route and close it."""
        while not self.ended:
            self.step()
        return self.close()

    def restart(self, seed: int | None = None) -> RouteRecord:
        """Close this route (its record is returned) and start it again, with ``seed`` if given."""
        record = self.close()
        self.job = _replace_seed(self.job, self.job.seed if seed is None else seed)
        self.session, self.last_tick = self._open(self.job), None
        return record

    def close(self) -> RouteRecord:
        """End the route now: destroy the agent, judge what was driven, close the recorders."""
        if getattr(self, "_record", None) is None:
            self._record = self.session.close()
        return self._record

    # ---- looking -------------------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.session.ended

    @property
    def world(self):
        """The embedded :class:`sim.world.world.World` (its state, lights, scenarios)."""
        return self.session.world

    @property
    def snapshot(self) -> WorldSnapshot:
        """The world now: what the agent senses on the next step."""
        return self.session.snapshot

    def privileged(self) -> PrivilegedWorld:
        """The world now as privileged planners read it (route, lanes, actors)."""
        return self.session.world.privileged(self.session.snapshot)

    @property
    def agent(self):
        return self.session.agent

    @property
    def last_plan(self):
        """The agent's last plan (``PlannerAgent.last_plan``), or ``None`` for agents that keep none."""
        return getattr(self.session.agent, "last_plan", None)

    @property
    def agent_debug(self) -> AgentDebug | None:
        """What the agent's ``debug_payload()`` shows now, or ``None``."""
        return read_agent_debug(self.session.agent)

    @property
    def events(self) -> tuple[InfractionEvent, ...]:
        """Every infraction so far."""
        return self.session.criteria.events

    def __enter__(self) -> DebugSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self, job: RouteJob) -> RouteSession:
        from sim.run.recorders import route_recorders

        self._record = None
        recorders = route_recorders(job.route_id, Path("."), False, False, self.viewer)
        if self.record_path is not None:
            from sim.run.recording import RerunRecorder

            recorders += (RerunRecorder(self.record_path),)
        try:
            return RouteSession(job, self.agent_spec, self.world_config, recorders + self.extra_recorders)
        except RouteSetupError as error:
            raise RuntimeError(f"{job.route_id} could not start: {error.status.value}: {error.error}") from error


def _job(route: RouteDescription | RouteJob | str, seed: int, data_dir: str | None) -> RouteJob:
    if isinstance(route, RouteJob):
        return _replace_seed(route, seed)
    if isinstance(route, RouteDescription):
        rules = LeaderboardRules.LB1 if route.version is LeaderboardVersion.LB1 else LeaderboardRules.LB2
        return RouteJob(0, route, rules, seed, data_dir=data_dir)
    bench, separator, route_id = str(route).rpartition(":")
    if not separator or not bench or not route_id:
        raise ValueError(f"route {route!r}: expected '<benchmark>:<route id>', e.g. 'langauto-tiny:0'")
    benchmark = load_benchmark(bench, data_dir, route_id)  # an unknown id raises, naming the route file
    return _replace_seed(make_jobs(benchmark, RunOptions(out_dir=Path("."), data_dir=data_dir))[0], seed)


def _replace_seed(job: RouteJob, seed: int) -> RouteJob:
    return replace(job, seed=int(seed))
