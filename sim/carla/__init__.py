"""Real CARLA: server lifecycle, the official leaderboard evaluator per route, supervision, Ray.

``sim.carla`` never imports ``agents`` or ``models``: the evaluator loads the agent file itself,
in its own process. The ``carla`` client, Ray and the leaderboard checkouts are imported lazily.
"""
