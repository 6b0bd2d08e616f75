"""A stand-in for scenario_runner's ``srunner.scenariomanager.timer`` (``GameTime``).

The runner tells it every tick (:meth:`GameTime.on_carla_tick`); agents read the simulated time and frame.
"""

from __future__ import annotations

import datetime


class GameTime:
    """Simulated time of the running route (class-level, like scenario_runner's)."""

    _current_game_time = 0.0  # [s]
    _carla_time = 0.0  # [s]
    _last_frame = 0
    _platform_timestamp = 0.0
    _init = False

    @staticmethod
    def on_carla_tick(timestamp) -> None:
        """Advance to ``timestamp`` (``frame``, ``elapsed_seconds``, ``platform_timestamp``)."""
        GameTime._current_game_time = float(timestamp.elapsed_seconds)
        GameTime._carla_time = float(timestamp.elapsed_seconds)
        GameTime._last_frame = int(timestamp.frame)
        GameTime._platform_timestamp = datetime.datetime.now()
        GameTime._init = True

    @staticmethod
    def restart() -> None:
        GameTime._current_game_time = 0.0
        GameTime._carla_time = 0.0
        GameTime._last_frame = 0
        GameTime._init = False

    @staticmethod
    def get_time() -> float:
        """[s] simulated time of the route."""
        return GameTime._current_game_time

    @staticmethod
    def get_carla_time() -> float:
        return GameTime._carla_time

    @staticmethod
    def get_wallclocktime() -> datetime.datetime:
        return GameTime._platform_timestamp or datetime.datetime.now()

    @staticmethod
    def get_frame() -> int:
        return GameTime._last_frame
