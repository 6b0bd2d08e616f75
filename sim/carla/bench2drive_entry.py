"""Run Bench2Drive's ``leaderboard_evaluator.py`` against a server the supervisor owns.

Bench2Drive's evaluator starts its own CARLA (``$CARLA_ROOT/CarlaUE4.sh``) on the first free port
at or above ``--port``, sleeps 30 s, and after a simulation crash kills every process whose
command line matches ``-graphicsadapter=<gpu rank>``. Under the supervisor the server already
runs on ``--port``: this entry replaces only the evaluator's simulation setup with a plain
connection carrying the same world and Traffic Manager settings (synchronous 20 Hz,
deterministic ragdolls, spectator not the ego; TM synchronous with hybrid physics), as
leaderboard 2.0 itself connects. Everything else (routes, criteria, statistics, the checkpoint
file) is Bench2Drive's code, unchanged. The supervisor passes ``--gpu-rank=-1`` so the
crash clean-up matches no server.

Run inside the evaluator's interpreter, from the Bench2Drive checkout (it reads
``leaderboard/data/weather.xml`` relative to the working folder):

    python -m sim.carla.bench2drive_entry --routes=... --port=... [Bench2Drive's options]
"""

from __future__ import annotations


def connect_to_running_server(evaluator, args):
    """Bench2Drive's ``_setup_simulation`` without the server launch: (client, timeout, traffic manager)."""
    import carla

    client = carla.Client(args.host, args.port)
    client_timeout = args.timeout or evaluator.client_timeout
    client.set_timeout(client_timeout)
    settings = carla.WorldSettings(
        synchronous_mode=True,
        fixed_delta_seconds=1.0 / evaluator.frame_rate,
        deterministic_ragdolls=True,
        spectator_as_ego=False,
    )
    client.get_world().apply_settings(settings)
    traffic_manager = client.get_trafficmanager(args.traffic_manager_port)
    traffic_manager.set_synchronous_mode(True)
    traffic_manager.set_hybrid_physics_mode(True)
    return client, client_timeout, traffic_manager


def main() -> None:
    from leaderboard import leaderboard_evaluator  # Bench2Drive's checkout, on PYTHONPATH

    leaderboard_evaluator.LeaderboardEvaluator._setup_simulation = connect_to_running_server
    leaderboard_evaluator.main()


if __name__ == "__main__":
    main()
