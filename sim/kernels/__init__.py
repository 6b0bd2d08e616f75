"""Numba nopython kernels over contiguous float64/bool arrays and scalars only.

Every kernel is decorated through :mod:`sim.kernels._jit`, the one place that holds JIT flags.
Public, validating wrappers live in :mod:`sim.scoring` and the other packages above.
"""
