"""Planners behind one interface, PID control, momentum-aware selection, and the CARLA/NAVSIM adapters.

CARLA's PythonAPI ships a top-level package that is also called ``agents`` (``agents.navigation``,
used by scenario_runner). Extending the package path lets both live in one leaderboard process:
submodules are looked up in every ``agents`` folder on ``sys.path``, ours and CARLA's.
"""

from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)
