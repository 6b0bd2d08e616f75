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
"""
