"""``carla.Client`` and ``carla.TrafficManager`` of the embedded world, for agents that ask the provider for them.

There is no server: the client answers with the route's :class:`FacadeWorld`. The embedded world's
background traffic is its own IDM, not CARLA's server-side Traffic Manager, so Traffic Manager settings
are accepted and ignored (logged once each); calls that would change the world or record it are refused.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

SERVER_VERSION = "0.9.16-embedded"  # the installed client's API, no server behind it


class FacadeTrafficManager:
    """A ``carla.TrafficManager`` whose settings change nothing (the embedded traffic is an IDM)."""

    def __init__(self, port: int) -> None:
        self._port = int(port)
        self._warned: set[str] = set()

    def get_port(self) -> int:
        return self._port

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def ignored(*args, **kwargs) -> None:
            if name not in self._warned:
                self._warned.add(name)
                logger.warning("TrafficManager.%s ignored: the embedded world's traffic follows its own IDM", name)

        return ignored


class FacadeClient:
    """A ``carla.Client`` of the embedded world (``get_world`` returns the route's :class:`FacadeWorld`)."""

    def __init__(self, world, traffic_manager_port: int = 8000) -> None:
        self._world = world
        self._traffic_manager = FacadeTrafficManager(traffic_manager_port)

    def get_world(self):
        return self._world

    def get_trafficmanager(self, client_connection: int | None = None) -> FacadeTrafficManager:
        return self._traffic_manager

    def set_timeout(self, seconds: float) -> None:
        """Nothing to wait for: there is no server."""

    def get_client_version(self) -> str:
        return SERVER_VERSION

    def get_server_version(self) -> str:
        return SERVER_VERSION

    def get_available_maps(self) -> list[str]:
        return [self._world.get_map().name]

    def _refused(self, name: str):
        raise RuntimeError(f"carla.Client.{name}: the embedded world has no CARLA server to load, record or batch-edit")

    def load_world(self, *args, **kwargs):
        self._refused("load_world")

    def reload_world(self, *args, **kwargs):
        self._refused("reload_world")

    def start_recorder(self, *args, **kwargs):
        self._refused("start_recorder")

    def stop_recorder(self, *args, **kwargs):
        self._refused("stop_recorder")

    def apply_batch(self, *args, **kwargs):
        self._refused("apply_batch")

    def apply_batch_sync(self, *args, **kwargs):
        self._refused("apply_batch_sync")
