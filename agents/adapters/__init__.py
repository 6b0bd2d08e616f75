"""Adapters that run any planner behind the CARLA leaderboard and NAVSIM agent interfaces."""
