"""Many servers at once: one supervisor per server, routes handed to whichever server is free.

- On one machine (``gpus=[0, 1, ...]``): a thread per server (each waits on its processes).
- On a Ray cluster (``ray_address``): one actor per server, each holding a GPU
  (``num_gpus=1 / servers_per_gpu``), placed on any node; every route is one actor task. An
  actor lost with its node gives its route back to the queue for the remaining servers.

Records come back to the caller as they finish, so it can write each one at once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from sim.carla.config import SupervisorConfig
from sim.carla.evaluator import CarlaRoute
from sim.carla.launch import REPO_ROOT
from sim.carla.supervisor import RouteSupervisor
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SupervisorSpec:
    """What every supervisor of a run shares (picklable, for Ray actors)."""

    config: SupervisorConfig
    agent: tuple[str, str]
    rules: LeaderboardRules

    def build(self, gpu: int) -> RouteSupervisor:
        return RouteSupervisor(self.config, gpu, self.agent, self.rules)


def run_on_local_gpus(routes: list[CarlaRoute], spec: SupervisorSpec, gpus: list[int]) -> Iterator[RouteRecord]:
    """Records of ``routes``, one server per entry of ``gpus`` on this machine, in finishing order."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for route in routes:
        todo.put(route)
    results: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    supervisors = [spec.build(gpu) for gpu in gpus[: max(1, len(routes))]]
    workers = [threading.Thread(target=_serve, args=(s, todo, results, stop), daemon=True) for s in supervisors]
    for worker in workers:
        worker.start()
    try:
        for _ in routes:
            outcome = results.get()
            if isinstance(outcome, BaseException):
                raise outcome
            yield outcome
    finally:
        stop.set()
        for supervisor, worker in zip(supervisors, workers, strict=True):
            if worker.is_alive():
                supervisor.abort()  # interrupted: end the running evaluators and servers now
            worker.join()


def _serve(supervisor: RouteSupervisor, todo: queue.SimpleQueue, results: queue.SimpleQueue, stop) -> None:
    try:
        while not stop.is_set():
            try:
                route = todo.get_nowait()
            except queue.Empty:
                return
            results.put(supervisor.run_route(route))
    except BaseException as error:  # hand any bug to the caller instead of dying silently
        results.put(error)
    finally:
        supervisor.close()


def connect_ray(address: str | None, num_cpus: int | None = None, num_gpus: int | None = None) -> None:
    """Join the cluster at ``address`` (``None`` or "local": a new one on this machine with the given resources).

    Workers import this package from the same path as the driver: on a cluster, every node needs the
    repository there (the evaluator image has it at /opt/closed-loop).
    """
    import ray

    if ray.is_initialized():
        return
    python_path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    runtime_env = {"env_vars": {"PYTHONPATH": python_path}}
    if address in (None, "local"):
        ray.init(num_cpus=num_cpus, num_gpus=num_gpus, runtime_env=runtime_env, include_dashboard=False)
    else:
        ray.init(address=address, runtime_env=runtime_env)


class ServerActor:
    """A Ray actor: one supervisor and its server on the GPU Ray gave this actor."""

    def __init__(self, spec: SupervisorSpec) -> None:
        import ray

        self.gpu = int(ray.get_gpu_ids()[0]) if ray.get_gpu_ids() else 0
        self.node = ray.util.get_node_ip_address()
        self.supervisor = spec.build(self.gpu)

    def where(self) -> tuple[str, int]:
        return self.node, self.gpu

    def run(self, route: CarlaRoute) -> RouteRecord:
        return self.supervisor.run_route(route)

    def close(self) -> None:
        self.supervisor.close()

    def abort(self) -> None:
        self.supervisor.abort()


def run_on_ray(
    routes: list[CarlaRoute], spec: SupervisorSpec, servers: int | None = None, servers_per_gpu: int = 1
) -> Iterator[RouteRecord]:
    """Records of ``routes`` on the connected Ray cluster (``ray.init`` done by the caller)."""
    import ray

    if servers is None:
        servers = int(ray.cluster_resources().get("GPU", 0) * servers_per_gpu)
    if servers < 1:
        raise RuntimeError("the Ray cluster offers no GPU for a CARLA server (ray.cluster_resources() has no 'GPU')")
    # max_concurrency 2: abort() reaches an actor while its run() is still going
    remote = ray.remote(ServerActor).options(num_gpus=1.0 / servers_per_gpu, num_cpus=1, max_concurrency=2)
    actors = [remote.remote(spec) for _ in range(min(servers, len(routes)))]
    todo, running = deque(routes), {}
    for actor in actors:
        if todo:
            route = todo.popleft()
            running[actor.run.remote(route)] = (actor, route)
    try:
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            actor, route = running.pop(done[0])
            try:
                record = ray.get(done[0])
            except ray.exceptions.RayActorError as error:
                logger.warning("server actor lost while running %s (%s); the route goes back to the queue", route.name,
                               error)  # fmt: skip
                actors.remove(actor)
                if not actors:
                    raise RuntimeError("every CARLA server actor was lost") from error
                todo.appendleft(route)
                idle = [a for a in actors if all(a is not other for other, _ in running.values())]
                actor = idle[0] if idle else None
            else:
                yield record
            if todo and actor is not None:
                route = todo.popleft()
                running[actor.run.remote(route)] = (actor, route)
    finally:
        _close_actors(actors, aborting=bool(running))


def _close_actors(actors: list, aborting: bool) -> None:
    import ray

    try:
        if aborting:
            ray.get([actor.abort.remote() for actor in actors], timeout=120)
        ray.get([actor.close.remote() for actor in actors], timeout=120)
    except Exception:
        logger.exception("closing the server actors failed; killing them")
    for actor in actors:
        ray.kill(actor)
