"""Plumbing shared by every model package: configs, checkpoints, backbones, tokens, images, benchmarks.

Modules (import the module, not the name, so a call shows where the code lives):

- :mod:`models.common.config`: frozen-dataclass configs built from YAML presets, with errors that
  name the dotted field path; :class:`~models.common.config.ConfigMismatchError`.
- :mod:`models.common.checkpoint`: save / load a model's weights together with its config and
  refuse to load weights trained with a different config.
- :mod:`models.common.resnet`: a ResNet (basic / bottleneck, optional "d" stem) in plain torch,
  because torchvision and timm are not dependencies.
- :mod:`models.common.layers`: MLP, 2-D sine positional encoding, freezing helpers.
- :mod:`models.common.tokenizer`: a word-level toy tokenizer for tests and tiny presets.
- :mod:`models.common.images`: uint8 camera images to normalised tensors (resize, centre crop).
- :mod:`models.common.bench`: latency / parameter / peak-memory measurement for benchmarks.
- :mod:`models.common.training`: seeding and a few-step optimisation loop for loss-falls tests.
- :mod:`models.common.driving_data`: the expert dataset (layout, atomic writer, numpy reader; README).
- :mod:`models.common.samples`, :mod:`models.common.batches`: torch datasets over it, resumable batches.
- :mod:`models.common.trajectory`: labels on each model's grid, constant velocity, ADE / FDE.
- :mod:`models.common.camera`, :mod:`models.common.commands`: the cameras and route commands models take.
- :mod:`models.common.recipe`, :mod:`models.common.trainloop`, :mod:`models.common.validation`: the
  training command line, loop and open-loop validation; :mod:`models.common.vocabulary`: k-means vocabulary.
- :mod:`models.common.loading`: which checkpoint a planner runs (given, shipped, or a random preset).
"""
