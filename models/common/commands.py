"""Route commands as the NAVSIM-style models take them (4-way: left, straight, right, unknown)."""

from __future__ import annotations

from sim.types import RoadOption

NAVSIM_LEFT, NAVSIM_STRAIGHT, NAVSIM_RIGHT, NAVSIM_UNKNOWN = 0, 1, 2, 3
_NAVSIM_COMMAND = {
    RoadOption.LEFT: NAVSIM_LEFT,
    RoadOption.CHANGELANELEFT: NAVSIM_LEFT,
    RoadOption.STRAIGHT: NAVSIM_STRAIGHT,
    RoadOption.LANEFOLLOW: NAVSIM_STRAIGHT,
    RoadOption.RIGHT: NAVSIM_RIGHT,
    RoadOption.CHANGELANERIGHT: NAVSIM_RIGHT,
}


def navsim_command(command: int) -> int:
    """CARLA ``RoadOption`` value -> NAVSIM command index (unknown options map to 3)."""
    try:
        return _NAVSIM_COMMAND.get(RoadOption(int(command)), NAVSIM_UNKNOWN)
    except ValueError:
        return NAVSIM_UNKNOWN
