"""A stand-in for the leaderboard's ``leaderboard.envs.sensor_interface``.

In the leaderboard, sensor callbacks fill a ``SensorInterface`` and the base agent's ``__call__`` reads it.
The embedded runner renders the sensors itself and calls ``run_step(input_data, timestamp)`` directly, so
this interface holds no data: it exists because agents create and inspect it.
"""

from __future__ import annotations


class SensorConfigurationInvalid(Exception):
    """The agent's sensor configuration is not valid (the leaderboard's exception)."""


class SensorReceivedNoData(Exception):
    """A sensor sent nothing in time (the leaderboard's exception)."""


class SensorInterface:
    """The leaderboard's per-agent sensor queue (empty here: the runner passes ``input_data`` to ``run_step``)."""

    def __init__(self) -> None:
        self._sensors_objects: dict = {}
        self._data_buffers: dict = {}
        self._new_data_buffers = None
        self._queue_timeout = 10
        self._opendrive_tag = None

    def register_sensor(self, tag: str, sensor_type: str, sensor) -> None:
        if tag in self._sensors_objects:
            raise SensorConfigurationInvalid(f"Duplicated sensor tag [{tag}]")
        self._sensors_objects[tag] = sensor

    def get_data(self, frame: int | None = None) -> dict:
        raise RuntimeError(
            "SensorInterface.get_data: the embedded runner renders the sensors and calls "
            "run_step(input_data, timestamp) itself; agents receive their data there"
        )
