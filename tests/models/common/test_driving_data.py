"""The expert dataset layout: round trips, clear errors on bad content, atomic episodes."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.common.driving_data import DatasetWriter, DrivingData, DrivingDataError, EpisodeInfo
from models.common.driving_data.layout import MANIFEST_FILE, SAMPLE_FIELDS, BoxColumn, ImageCodec, TrackColumn
from models.common.driving_data.synthetic import BEV_CHANNELS, small_layout, write_synthetic_dataset
from models.common.driving_data.validation import expected_shape

H = 40


def random_fields(rng: np.random.Generator, layout) -> dict:
    values = {}
    for spec in SAMPLE_FIELDS:
        shape = expected_shape(spec, layout.horizon_steps)
        if spec.kind == "f":
            values[spec.name] = rng.normal(size=shape) * 100
        elif spec.kind == "i":
            values[spec.name] = rng.integers(-1, 60, size=shape)
        elif spec.kind == "b":
            values[spec.name] = rng.random(size=shape) < 0.5
        else:
            values[spec.name] = "".join(rng.choice(list("ab c\u00e9"), size=int(rng.integers(0, 12))))
    return values


def random_sample(rng, layout) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    images = {c["id"]: rng.integers(0, 256, (c["height"], c["width"], 3), dtype=np.uint8) for c in layout.cameras}
    boxes = rng.normal(size=(int(rng.integers(0, 4)), len(BoxColumn)))
    bev = rng.random((layout.bev_size_px, layout.bev_size_px, len(layout.bev_channels))) < 0.3
    return random_fields(rng, layout), images, boxes, bev


def info(episode_id: str, split: str = "train") -> EpisodeInfo:
    return EpisodeInfo(episode_id, "Town01", "7", "lb1_training", 3, split)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codec=st.sampled_from([c.value for c in ImageCodec]), n=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_every_array_round_trips_exactly(codec: str, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    layout = small_layout(codec)
    with tempfile.TemporaryDirectory() as tmp:
        writer = DatasetWriter(tmp, layout, {"seeds": [seed]})
        samples = [random_sample(rng, layout) for _ in range(n)]
        tracks = rng.normal(size=(n, 2, len(TrackColumn)))
        with writer.episode(info("e1")) as ep:
            for sample in samples:
                ep.add_sample(*sample)
            ep.set_array("tracks", tracks)
            committed = ep.commit("Completed")
        assert committed.n_samples == n and writer.finished()["e1"].status == "Completed"
        episode = DrivingData(tmp).episode("e1")
        assert episode.n == n
        for i, (fields, images, boxes, bev) in enumerate(samples):
            for name, value in fields.items():
                assert np.array_equal(episode.field(name)[i], value), name
            for camera_id, image in images.items():
                assert np.array_equal(episode.image(camera_id, i), image)
            assert np.array_equal(episode.boxes(i), boxes)
            assert np.array_equal(episode.bev(i), bev.transpose(2, 0, 1))
        np.testing.assert_array_equal(episode.array("tracks"), tracks)


def test_manifest_records_layout_collection_and_splits(tmp_path: Path) -> None:
    write_synthetic_dataset(tmp_path, episodes=3, samples=5)
    data = DrivingData(tmp_path)
    assert [e.split for e in data.episodes] == ["train", "train", "val"]
    assert data.layout.bev_channels == BEV_CHANNELS and data.manifest.collection["synthetic"] is True
    assert data.episode("ep001").images("rgb_front", [0, 4]).shape == (2, 24, 32, 3)


def test_a_sample_with_a_missing_or_malformed_field_is_refused_whole(tmp_path: Path) -> None:
    layout = small_layout()
    rng = np.random.default_rng(0)
    writer = DatasetWriter(tmp_path, layout)
    with writer.episode(info("e1")) as ep:
        fields, images, boxes, bev = random_sample(rng, layout)
        with pytest.raises(DrivingDataError, match=r"missing fields \['speed'\]"):
            ep.add_sample({k: v for k, v in fields.items() if k != "speed"}, images, boxes, bev)
        with pytest.raises(DrivingDataError, match=r"field 'expert_trajectory' has shape \(3, 3\)"):
            ep.add_sample({**fields, "expert_trajectory": np.zeros((3, 3))}, images, boxes, bev)
        with pytest.raises(DrivingDataError, match=r"field 'command' has dtype <U"):
            ep.add_sample({**fields, "command": "left"}, images, boxes, bev)
        with pytest.raises(DrivingDataError, match="camera 'rgb_front': frame uint8 \\(24, 32, 4\\)"):
            ep.add_sample(fields, {**images, "rgb_front": np.zeros((24, 32, 4), np.uint8)}, boxes, bev)
        assert ep.n == 0
        ep.add_sample(fields, images, boxes, bev)
        ep.commit()
    assert DrivingData(tmp_path).episode("e1").n == 1


def test_corrupt_or_missing_files_name_file_field_and_value(tmp_path: Path) -> None:
    write_synthetic_dataset(tmp_path, episodes=2, samples=4)
    episode_dir = tmp_path / "episodes" / "ep000"
    (episode_dir / "samples" / "speed.npy").unlink()
    with pytest.raises(DrivingDataError, match=r"ep000/samples/speed.npy: missing \(field 'speed'\)"):
        DrivingData(tmp_path).episode("ep000").field("speed")
    np.save(episode_dir / "samples" / "time.npy", np.zeros(3))
    with pytest.raises(DrivingDataError, match=r"time.npy: field 'time' is float64 \(3,\), expected .* \(4,\)"):
        DrivingData(tmp_path).episode("ep000").field("time")
    blob = episode_dir / "images" / "rgb_front.bin"
    blob.write_bytes(blob.read_bytes()[:-10])
    with pytest.raises(DrivingDataError, match="rgb_front.offsets.npy: 5 offsets ending at"):
        DrivingData(tmp_path).episode("ep000").image("rgb_front", 0)
    shutil.rmtree(tmp_path / "episodes" / "ep001")
    with pytest.raises(DrivingDataError, match="episode 'ep001' is in the manifest but its folder is missing"):
        DrivingData(tmp_path).episode("ep001")


def test_corrupt_png_frame_is_a_clear_error(tmp_path: Path) -> None:
    write_synthetic_dataset(tmp_path, episodes=1, samples=2)
    blob = tmp_path / "episodes" / "ep000" / "images" / "rgb_left.bin"
    data = bytearray(blob.read_bytes())
    data[:8] = b"garbage!"
    blob.write_bytes(bytes(data))
    with pytest.raises(DrivingDataError, match=r"rgb_left.bin frame 0: not a decodable 12x16 PNG"):
        DrivingData(tmp_path).episode("ep000").image("rgb_left", 0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format_version=99), r"field 'format_version' is 99; this reader reads version 1"),
        (lambda m: m.update(format="other"), r"field 'format' is 'other'"),
        (lambda m: m["episodes"][0].update(split="test"), r"episodes\[0\]: episode 'ep000': split must be one of"),
        (lambda m: m["episodes"].append(dict(m["episodes"][0])), r"lists ids \['ep000'\] more than once"),
        (lambda m: m["layout"].update(image_codec="webp"), r"layout: layout.image_codec: unknown codec 'webp'"),
        (lambda m: m["layout"].update(colour=1), r"layout: unknown key\(s\) \['colour'\]"),
    ],
)
def test_bad_manifest_is_refused_with_file_and_field(tmp_path: Path, edit, message: str) -> None:
    write_synthetic_dataset(tmp_path, episodes=1, samples=2)
    path = tmp_path / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    edit(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(DrivingDataError, match=message):
        DrivingData(tmp_path)


def test_unreadable_or_absent_manifest(tmp_path: Path) -> None:
    with pytest.raises(DrivingDataError, match="no manifest"):
        DrivingData(tmp_path)
    (tmp_path / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(DrivingDataError, match="not valid JSON"):
        DrivingData(tmp_path)


def test_reopening_with_another_layout_is_refused(tmp_path: Path) -> None:
    DatasetWriter(tmp_path, small_layout("png"))
    with pytest.raises(DrivingDataError, match="image_codec: recorded 'png' vs requested 'raw'"):
        DatasetWriter(tmp_path, small_layout("raw"))


def _write_until_killed(root: str, ready) -> None:
    layout = small_layout()
    writer = DatasetWriter(root, layout)
    rng = np.random.default_rng(1)
    with writer.episode(info("in_flight")) as ep:
        for i in range(10_000):
            ep.add_sample(*random_sample(rng, layout))
            if i == 3:
                ready.set()


def test_a_killed_write_leaves_no_half_episode(tmp_path: Path) -> None:
    write_synthetic_dataset(tmp_path, episodes=1, samples=3)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=_write_until_killed, args=(str(tmp_path), ready))
    process.start()
    assert ready.wait(120)
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    assert [e.id for e in DrivingData(tmp_path).episodes] == ["ep000"]
    writer = DatasetWriter(tmp_path, small_layout(), {"synthetic": True, "seed": 0})
    assert set(writer.finished()) == {"ep000"}
    removed = writer.remove_incomplete()
    assert len(removed) == 1 and removed[0].name.startswith(".tmp-in_flight-")
    assert sorted(p.name for p in (tmp_path / "episodes").iterdir()) == ["ep000"]


def test_an_episode_renamed_but_not_yet_in_the_manifest_is_recovered(tmp_path: Path) -> None:
    write_synthetic_dataset(tmp_path, episodes=2, samples=3)
    path = tmp_path / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["episodes"] = manifest["episodes"][:1]  # as if killed between the rename and the manifest update
    path.write_text(json.dumps(manifest))
    assert len(DrivingData(tmp_path).episodes) == 1
    writer = DatasetWriter(tmp_path, small_layout())
    assert set(writer.finished()) == {"ep000", "ep001"}
    with pytest.raises(DrivingDataError, match="episode 'ep001' is already finished"):
        writer.episode(info("ep001"))


def test_leaving_an_episode_without_commit_discards_it(tmp_path: Path) -> None:
    writer = DatasetWriter(tmp_path, small_layout())
    with pytest.raises(RuntimeError, match="left without commit"), writer.episode(info("e1")) as ep:
        ep.add_sample(*random_sample(np.random.default_rng(0), small_layout()))
    with pytest.raises(ValueError), writer.episode(info("e2")) as ep:
        raise ValueError("the route crashed")
    assert writer.finished() == {} and list((tmp_path / "episodes").iterdir()) == []


def _commit_episodes(root: str, prefix: str) -> None:
    writer = DatasetWriter(root, small_layout())
    rng = np.random.default_rng(len(prefix))
    for k in range(3):
        with writer.episode(info(f"{prefix}{k}")) as ep:
            ep.add_sample(*random_sample(rng, small_layout()))
            ep.commit()


def test_concurrent_writers_keep_every_episode(tmp_path: Path) -> None:
    DatasetWriter(tmp_path, small_layout())
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_commit_episodes, args=(str(tmp_path), p)) for p in ("a", "bb")]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert sorted(e.id for e in DrivingData(tmp_path).episodes) == ["a0", "a1", "a2", "bb0", "bb1", "bb2"]


def test_synthetic_bev_channels_match_the_simulator() -> None:
    from sim.world.bev_raster import BevChannel

    assert len(BEV_CHANNELS) == len(BevChannel)
