"""The embedded world through the CARLA API: ``carla.World``, its actors and the town's ``carla.Map``.

Agents written for the CARLA leaderboard read the simulator through ``CarlaDataProvider``; the
runner installs a :class:`~sim.world.facade.world.FacadeWorld` there for every route, so the same
agent file runs in the embedded world and on CARLA. Values are CARLA's: left-handed frame, metres,
degrees, ``carla`` value types of the installed client.
"""

from sim.world.facade.actors import FacadeReadOnlyError
from sim.world.facade.world import HERO_ID, FacadeWorld

__all__ = ["HERO_ID", "FacadeReadOnlyError", "FacadeWorld"]
