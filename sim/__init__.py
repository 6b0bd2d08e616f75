"""Worlds and judging them: types, numba kernels, scorers, maps, the embedded world, evaluation.

`sim` never imports `agents` or `models`; the runner drives any object that follows the
leaderboard agent contract.
"""
