"""A ResNet in plain torch (torchvision / timm are not dependencies).

Covers what the driving models use: ResNet-18/34 (basic blocks), ResNet-50 (bottlenecks) and the
"d" variant (deep 3-conv stem, average-pool shortcut downsampling) that LMDrive's ResNet-50d is.
Weights are random unless loaded from a local state dict; layer names follow torchvision /
timm (``conv1``, ``bn1``, ``layer1``..``layer4``) so such state dicts map with few renames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ResNetConfig:
    """Shape of a ResNet.

    Attributes:
        block: ``"basic"`` (ResNet-18/34) or ``"bottleneck"`` (ResNet-50+).
        layers: blocks per stage, e.g. ``(3, 4, 6, 3)``.
        widths: base channels per stage (bottleneck outputs 4x this).
        stem_width: channels of the stem.
        deep_stem: "d" variant: three 3x3 convs in the stem and avg-pool shortcuts.
        in_channels: input image channels.
    """

    block: str = "bottleneck"
    layers: tuple[int, ...] = (3, 4, 6, 3)
    widths: tuple[int, ...] = (64, 128, 256, 512)
    stem_width: int = 64
    deep_stem: bool = True
    in_channels: int = 3

    def __post_init__(self) -> None:
        if self.block not in ("basic", "bottleneck"):
            raise ValueError(f"ResNetConfig.block must be 'basic' or 'bottleneck', got {self.block!r}")
        if len(self.layers) != len(self.widths) or not self.layers:
            raise ValueError(f"ResNetConfig.layers {self.layers} and widths {self.widths} must be equally long")

    @property
    def expansion(self) -> int:
        return 4 if self.block == "bottleneck" else 1

    @property
    def out_channels(self) -> tuple[int, ...]:
        """Channels of each stage's output."""
        return tuple(w * self.expansion for w in self.widths)


RESNET18 = ResNetConfig(block="basic", layers=(2, 2, 2, 2), deep_stem=False)
RESNET34 = ResNetConfig(block="basic", layers=(3, 4, 6, 3), deep_stem=False)
RESNET50D = ResNetConfig()


def _shortcut(in_ch: int, out_ch: int, stride: int, deep: bool) -> nn.Module:
    if stride == 1 and in_ch == out_ch:
        return nn.Identity()
    conv = [nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.BatchNorm2d(out_ch)]
    if deep and stride > 1:
        # ResNet-d: average-pool then 1x1 conv, so no input pixel is skipped by the strided conv.
        return nn.Sequential(nn.AvgPool2d(stride, stride, ceil_mode=True, count_include_pad=False), *conv)
    conv[0] = nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False)
    return nn.Sequential(*conv)


class BasicBlock(nn.Module):
    """Two 3x3 convs with a residual connection."""

    expansion = 1

    def __init__(self, in_ch: int, width: int, stride: int, deep: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = _shortcut(in_ch, width, stride, deep)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(self.conv1(x)))
        return self.act(self.bn2(self.conv2(out)) + self.downsample(x))


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided), 1x1 expand x4, residual."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, stride: int, deep: bool) -> None:
        super().__init__()
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.downsample = _shortcut(in_ch, out_ch, stride, deep)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.act(self.bn1(self.conv1(x)))
        out = self.act(self.bn2(self.conv2(out)))
        return self.act(self.bn3(self.conv3(out)) + self.downsample(x))


class ResNet(nn.Module):
    """ResNet trunk without the classifier; returns every stage's feature map.

    Input ``(B, C, H, W)``; stage ``i`` output ``(B, out_channels[i], H / 2^(i+2), W / 2^(i+2))``.
    """

    def __init__(self, config: ResNetConfig) -> None:
        super().__init__()
        self.config = config
        self.conv1 = self._stem(config)
        self.bn1 = nn.BatchNorm2d(config.stem_width)
        self.act = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        block = Bottleneck if config.block == "bottleneck" else BasicBlock
        in_ch = config.stem_width
        stages = []
        for i, (depth, width) in enumerate(zip(config.layers, config.widths, strict=True)):
            blocks = []
            for j in range(depth):
                stride = 2 if (i > 0 and j == 0) else 1
                blocks.append(block(in_ch, width, stride, config.deep_stem))
                in_ch = width * block.expansion
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self._init_weights()

    @staticmethod
    def _stem(config: ResNetConfig) -> nn.Module:
        if not config.deep_stem:
            return nn.Conv2d(config.in_channels, config.stem_width, 7, 2, 3, bias=False)
        half = max(config.stem_width // 2, 1)
        return nn.Sequential(
            nn.Conv2d(config.in_channels, half, 3, 2, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
            nn.Conv2d(half, half, 3, 1, 1, bias=False),
            nn.BatchNorm2d(half),
            nn.ReLU(inplace=True),
            nn.Conv2d(half, config.stem_width, 3, 1, 1, bias=False),
        )

    def _init_weights(self) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Args: images ``(B, C, H, W)``. Returns: one feature map per stage."""
        x = self.maxpool(self.act(self.bn1(self.conv1(images))))
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features
