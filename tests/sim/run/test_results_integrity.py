"""A results file knows its run: identity checked on resume, validated records, no overwrite, one run per folder."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.route_record import RouteStatus
from sim.run.output_folder import OutputFolder, OutputFolderError
from sim.run.results_file import ResultsFile, ResultsFileError
from sim.run.run_identity import identity_differences
from tests.sim.eval.record_factory import event, record

LB1 = LeaderboardRules.LB1
IDS = [f"RouteScenario_{i}" for i in range(3)]
IDENTITY = {"benchmark": "langauto-tiny", "route_file_sha256": "ab", "agent": "expert", "agent_sha256": "cd",
            "agent_config": "expert", "agent_config_sha256": None, "checkpoints": {}, "seed": 0, "repetitions": 1,
            "background_walkers": 0, "simulator": "embedded", "package_version": "0.1", "git_commit": "1"}  # fmt: skip


def written(tmp_path: Path, identity=IDENTITY) -> Path:
    results = ResultsFile(tmp_path / "results.json", LB1, IDS, [], identity=identity)
    results.add(record(0))
    results.add(record(1, rc=50.0, events=[event(Infraction.COLLISION_VEHICLE)]))
    return results.path


def resume(path: Path, identity=IDENTITY) -> set[int]:
    return ResultsFile(path, LB1, IDS, [], identity=identity).resume()


def test_the_file_records_the_run_identity(tmp_path) -> None:
    assert json.loads(written(tmp_path).read_text())["run"] == IDENTITY
    assert resume(written(tmp_path)) == {0, 1}


@pytest.mark.parametrize(
    "field,value",
    [("benchmark", "bench2drive"), ("agent", "pdm_closed"), ("seed", 5), ("agent_config_sha256", "ff"),
     ("checkpoints", {"model.pt": "00"}), ("route_file_sha256", "99")],
)  # fmt: skip
def test_resume_refuses_another_runs_file_naming_what_differs(tmp_path, field, value) -> None:
    path = written(tmp_path)
    with pytest.raises(ResultsFileError, match=f"{field}: the file has") as error:
        resume(path, {**IDENTITY, field: value})
    assert "another run" in str(error.value) and repr(value) in str(error.value)


def test_a_code_update_alone_does_not_block_resume(tmp_path) -> None:
    assert resume(written(tmp_path), {**IDENTITY, "git_commit": "2", "package_version": "0.2.0"}) == {0, 1}
    assert identity_differences(IDENTITY, {**IDENTITY, "git_commit": "2"}) == []


def test_a_file_without_identity_is_refused(tmp_path) -> None:
    with pytest.raises(ResultsFileError, match="no run identity"):
        resume(written(tmp_path, identity=None))


def tamper(path: Path, change) -> Path:
    payload = json.loads(path.read_text())
    change(payload["_checkpoint"]["records"])
    path.write_text(json.dumps(payload))
    return path


@pytest.mark.parametrize(
    "change,words",
    [
        (lambda rs: rs[0].pop("scores"), "has no 'scores'"),
        (lambda rs: rs.append(dict(rs[0])), "duplicate of record [0]"),
        (lambda rs: rs[0]["scores"].update(score_route=math.nan, score_composed=math.nan), "score_route = nan"),
        (lambda rs: rs[0]["scores"].update(score_route=140.0, score_composed=140.0), "score_route = 140.0"),
        (lambda rs: rs[1]["scores"].update(score_penalty=1.0, score_composed=50.0), "contradicts its infractions"),
        (lambda rs: rs[1]["scores"].update(score_composed=50.0), "is not score_route x score_penalty"),
        (lambda rs: rs[0].update(status="Great"), "is not a route status"),
        (lambda rs: rs[0].update(index=7), "index 7 is not one of this run's routes"),
        (lambda rs: rs[0].update(route_id="RouteScenario_9"), "RouteScenario_9"),
        (lambda rs: rs[0]["meta"].update(duration_game=-1.0), "meta.duration_game"),
        (lambda rs: rs[0].update(infractions={"red_light": "ran it"}), "infractions must map"),
    ],
    ids=["no_scores", "duplicate", "nan", "out_of_range", "tampered_penalty", "tampered_ds", "status", "index",
         "route_id", "meta", "infractions"],
)  # fmt: skip
def test_resume_validates_every_record(tmp_path, change, words) -> None:
    path = tamper(written(tmp_path), change)
    before = path.read_text()
    with pytest.raises(ResultsFileError, match=None) as error:
        resume(path)
    assert words in str(error.value) and str(path) in str(error.value)
    assert path.read_text() == before, "a refused file is left as it was"


def test_entry_status_reflects_failed_routes(tmp_path) -> None:
    results = ResultsFile(tmp_path / "r.json", LB1, IDS, [], identity=IDENTITY)
    results.add(record(0))
    results.add(record(1, rc=0.0, status=RouteStatus.AGENT_CRASHED))
    assert results.write(finished=True)["entry_status"] == "Finished with missing data"  # route 2 never ran
    results.add(record(2))
    assert results.write(finished=True)["entry_status"] == "Finished with agent errors"  # 1.0: still eligible
    results.add(record(2, rc=0.0, status=RouteStatus.SIMULATION_CRASHED))
    final = results.write(finished=True)
    assert (final["entry_status"], final["eligible"]) == ("Crashed", False)
    fresh = ResultsFile(tmp_path / "fresh.json", LB1, IDS, [], identity=IDENTITY)
    fresh.add(record(0))
    assert fresh.write(finished=False)["entry_status"] == "Started"


def test_existing_results_are_never_replaced_without_resume_or_overwrite(tmp_path) -> None:
    (tmp_path / "results.json").write_text("{}")
    with pytest.raises(OutputFolderError, match="--resume.*--overwrite"):
        with OutputFolder(tmp_path):
            pass
    for flags in ({"resume": True}, {"overwrite": True}):
        with OutputFolder(tmp_path, **flags):
            pass
    with pytest.raises(OutputFolderError, match="exclude"):
        OutputFolder(tmp_path, resume=True, overwrite=True)


def test_a_second_run_on_the_same_folder_is_stopped_naming_the_holder(tmp_path) -> None:
    with OutputFolder(tmp_path / "out"):
        with pytest.raises(OutputFolderError, match=f"in use by another run \\(pid {os.getpid()} on host"):
            with OutputFolder(tmp_path / "out"):
                pass
    with OutputFolder(tmp_path / "out"):  # released when the holder is done
        pass
