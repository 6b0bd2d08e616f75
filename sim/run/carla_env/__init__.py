"""What an agent file finds around it in the embedded runner: the leaderboard's and scenario_runner's modules.

Real installations always win; stand-ins (this package) fill in what is missing, only while the runner
loads and runs an agent (:func:`sim.run.carla_env.install.leaderboard_environment`).
"""
