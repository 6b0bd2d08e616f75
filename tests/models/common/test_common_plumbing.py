"""models.common: configs from YAML, checkpoints with config checks, ResNet shapes, tokenizer, images."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from models.common import bench, checkpoint, config, images, layers, resnet, tokenizer, training

torch.set_num_threads(1)


@dataclass(frozen=True)
class _Inner:
    width: int = 4
    scales: tuple[float, ...] = (1.0, 2.0)


@dataclass(frozen=True)
class _Outer:
    name: str = "x"
    rate: float = 0.5
    path: str | None = None
    inner: _Inner = field(default_factory=_Inner)


def test_yaml_preset_overrides_only_what_it_names(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text("rate: 1\ninner:\n  scales: [3, 4]\n")
    cfg = config.load_config(_Outer, "tiny", preset_dir=tmp_path)
    assert cfg == _Outer(rate=1.0, inner=_Inner(width=4, scales=(3.0, 4.0)))
    assert isinstance(cfg.inner.scales, tuple)
    over = config.load_config(_Outer, "tiny", preset_dir=tmp_path, overrides={"inner": {"width": 8}})
    assert over.inner == _Inner(width=8, scales=(3.0, 4.0))


def test_unknown_key_and_bad_type_name_the_dotted_path(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("inner:\n  widht: 3\n")
    with pytest.raises(config.ConfigError, match=r"inner\.widht"):
        config.load_config(_Outer, "bad", preset_dir=tmp_path)
    with pytest.raises(config.ConfigError, match=r"inner\.width"):
        config.config_from_dict(_Outer, {"inner": {"width": "wide"}})
    with pytest.raises(FileNotFoundError, match="presets"):
        config.load_config(_Outer, "nope", preset_dir=tmp_path)


def test_config_round_trips_through_a_dict() -> None:
    cfg = _Outer(name="y", path="/tmp/w", inner=_Inner(scales=(0.5,)))
    assert config.config_from_dict(_Outer, config.config_to_dict(cfg)) == cfg


def test_checkpoint_round_trip_and_config_mismatch(tmp_path: Path) -> None:
    model = nn.Linear(3, 2)
    path = checkpoint.save_checkpoint(tmp_path / "m.pt", model, _Outer(), "toy", extra={"step": 7})
    other = nn.Linear(3, 2)
    extra = checkpoint.load_checkpoint(path, other, _Outer(), "toy")
    assert extra == {"step": 7}
    assert torch.equal(other.weight, model.weight)
    with pytest.raises(config.ConfigMismatchError, match=r"inner\.width") as info:
        checkpoint.load_checkpoint(path, other, _Outer(inner=_Inner(width=5)), "toy")
    assert info.value.differences == {"inner.width": (5, 4)}
    checkpoint.load_checkpoint(path, other, _Outer(path="/elsewhere"), "toy", ignore=("path",))
    with pytest.raises(config.ConfigMismatchError, match="holds model 'toy'"):
        checkpoint.load_checkpoint(path, other, _Outer(), "other")


@pytest.mark.parametrize(
    "cfg",
    [
        resnet.ResNetConfig(block="basic", layers=(1, 1), widths=(8, 16), stem_width=8, deep_stem=False),
        resnet.ResNetConfig(layers=(1, 1, 1), widths=(4, 8, 8), stem_width=8),
    ],
)
def test_resnet_stage_shapes(cfg: resnet.ResNetConfig) -> None:
    net = resnet.ResNet(cfg)
    feats = net(torch.randn(2, 3, 64, 96))
    assert [f.shape[1] for f in feats] == list(cfg.out_channels)
    assert [tuple(f.shape[-2:]) for f in feats] == [(64 // 2 ** (i + 2), 96 // 2 ** (i + 2)) for i in range(len(feats))]


def test_tokenizer_encodes_known_words_and_pads() -> None:
    tok = tokenizer.WordTokenizer(["turn left at the next intersection", "go straight"])
    ids = tok.encode("Turn LEFT, now!")
    assert ids[0] == tok.bos_token_id and tok.unk_token_id in ids
    assert tok.decode(tok.encode("go straight")) == "go straight"
    batch, mask = tok.batch_encode(["turn left", "go"], max_length=8)
    assert batch.shape == mask.shape == (2, 3)
    assert mask.sum(1).tolist() == [3, 2] and batch[1, 2] == tok.pad_token_id


def test_camera_preprocessing_shape_and_normalisation() -> None:
    image = np.full((300, 400, 3), 255, dtype=np.uint8)
    out = images.preprocess_camera(image, 128)
    assert out.shape == (3, 128, 128)
    expected = (1.0 - torch.tensor(images.IMAGENET_MEAN)) / torch.tensor(images.IMAGENET_STD)
    assert torch.allclose(out[:, 64, 64], expected, atol=1e-4)


def test_sine_encoding_distinguishes_positions() -> None:
    enc = layers.sine_position_encoding_2d(3, 4, 16)
    assert enc.shape == (12, 16)
    assert torch.cdist(enc, enc).fill_diagonal_(1.0).min() > 1e-3
    assert layers.sine_embedding_1d(torch.tensor([0.0, 5.0]), 7).shape == (2, 7)


def test_optimise_steps_lowers_a_regression_loss() -> None:
    training.seed_everything(0)
    model = layers.MLP([4, 16, 1])
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    losses = training.optimise_steps(model, lambda: nn.functional.mse_loss(model(x), y), steps=20, lr=1e-2)
    assert losses[-1] < losses[0]
    layers.freeze(model)
    assert layers.count_parameters(model, trainable_only=True) == 0
    with pytest.raises(ValueError, match="no trainable"):
        training.optimise_steps(model, lambda: model(x).sum(), steps=1)


def test_bench_reports_positive_latency_and_params() -> None:
    model = nn.Linear(8, 8)
    x = torch.randn(4, 8)
    result = bench.measure(lambda: model(x), model, warmup=1, repeats=3)
    assert result.latency_ms > 0 and result.params == 72 and result.repeats == 3
