"""OUT/report.html: summary, per-route table, plots, infractions on the town map linked to the media, in Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules
from sim.frames import internal_to_carla_xy
from sim.run.report import write_report
from sim.run.report_data import ReportError
from sim.run.results_file import ResultsFile
from tests.sim.eval.record_factory import record

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # Debian's / Ubuntu's name
CHROMIUM_MISSING = (
    "Chromium is not installed (no 'chromium' or 'chromium-browser' on the PATH; Debian package 'chromium'): "
    "the report was NOT checked in a browser"
)


def town01_event(kind: Infraction, time: float, lane_sample: int) -> InfractionEvent:
    from sim.maps.town import load_town

    xy = load_town("Town01").points[lane_sample, :2]
    return InfractionEvent(kind, time, np.array([*internal_to_carla_xy(xy), 0.0]), detail="vehicle.tesla")


def results_folder(tmp_path: Path, data_dir: Path) -> Path:
    out = tmp_path / "out"
    ids = [f"RouteScenario_{i}" for i in range(3)]
    results = ResultsFile(out / "results.json", LeaderboardRules.LB1, ids, [])
    results.add(record(0, rc=100.0))
    results.add(record(1, rc=60.0, events=[town01_event(Infraction.COLLISION_VEHICLE, 12.34, 300)]))
    results.add(record(2, rc=20.0, events=[town01_event(Infraction.RED_LIGHT, 3.0, 900)]))
    results.write(finished=True)
    (out / "videos").mkdir()
    (out / "videos" / "RouteScenario_1.mp4").write_bytes(b"\0")
    (out / "recordings").mkdir()
    (out / "recordings" / "RouteScenario_2.rrd").write_bytes(b"\0")
    return out


def test_report_tables_plots_and_links(tmp_path: Path, data_dir: Path) -> None:
    page = write_report(results_folder(tmp_path, data_dir), "langauto-tiny", data_dir=str(data_dir)).read_text()
    assert page.count("<script type='text/javascript'>") == 1, "plotly.js is inlined exactly once"
    assert "<table id='routes'>" in page and all(f"RouteScenario_{i}</td>" in page for i in range(3))
    assert "href='videos/RouteScenario_1.mp4#t=12.3'" in page, "the collision links to the video at its time"
    assert "href='recordings/RouteScenario_2.rrd#t=3.0'" in page, "without a video, to the recording"
    assert page.count("class='infraction-map'") == 1 and "Town01" in page
    assert '"customdata":["videos\\u002fRouteScenario_1.mp4#t=12.3"]' in page, "the map marker carries the link"
    assert "Driving score and route completion per route" in page and "Infractions per type" in page
    ds_mean = (100.0 + 60.0 * 0.6 + 20.0 * 0.7) / 3  # the collision x0.6 and the red light x0.7 (1.0's penalties)
    assert f"DS<b>{ds_mean:.2f}</b>" in page and "km driven<b>0.90</b>" in page, "0.5 km x (1 + 0.6 + 0.2)"


def test_results_without_event_times_place_infractions_from_the_message(tmp_path: Path, data_dir: Path) -> None:
    out = results_folder(tmp_path, data_dir)
    payload = json.loads((out / "results.json").read_text())
    for entry in payload["_checkpoint"]["records"]:
        entry["meta"].pop("events")
    (out / "results.json").write_text(json.dumps(payload))
    page = write_report(out, data_dir=str(data_dir)).read_text()
    assert "href='videos/RouteScenario_1.mp4'" in page and "#t=" not in page.split("<table id='events'>")[1]


def test_a_missing_or_broken_results_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="results.json: no results file"):
        write_report(tmp_path)
    (tmp_path / "results.json").write_text("{}")
    with pytest.raises(ReportError, match="not a results file"):
        write_report(tmp_path)


def test_the_report_command_over_an_existing_folder(tmp_path: Path, data_dir: Path) -> None:
    out = results_folder(tmp_path, data_dir)
    command = [sys.executable, "-m", "sim.run.report", str(out), "--data-dir", str(data_dir)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[3])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("report.html") and (out / "report.html").is_file()
    missing = subprocess.run([*command[:3], str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "no results file" in missing.stderr


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}"]  # fmt: skip
    return subprocess.run([str(CHROMIUM), *flags, *arguments], capture_output=True, text=True, timeout=120)


def test_the_report_renders_in_headless_chromium(tmp_path: Path, data_dir: Path) -> None:
    if CHROMIUM is None:
        pytest.skip(CHROMIUM_MISSING)
    path = write_report(results_folder(tmp_path, data_dir), "langauto-tiny", data_dir=str(data_dir))
    dom = chromium("--dump-dom", path.as_uri(), profile=tmp_path / "profile").stdout
    assert '<table id="routes">' in dom and dom.count("<tr") >= 1 + 3 + 1 + 2  # both tables, with their heads
    assert dom.count('class="main-svg"') >= 3, "plotly drew the figures (scores, infractions, map)"
    screenshot = tmp_path / "report.png"
    chromium("--window-size=1200,1600", f"--screenshot={screenshot}", path.as_uri(), profile=tmp_path / "profile")
    import cv2

    image = cv2.imread(str(screenshot))
    assert image is not None and image.shape[:2] == (1600, 1200)
    assert image.std() > 20.0, "the screenshot shows a page, not a blank"
