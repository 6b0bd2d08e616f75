"""Torch networks (LMGenDrive, DriveVA, Drive-JEPA), their configs and training code.

Imports torch, transformers and diffusers, and from this package at most ``sim.types``.
Controllers and trajectory selection never live inside a torch module.
"""
