"""Any damage to a results file makes ``--resume`` stop with a ResultsFileError naming the file, or accept it whole."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.eval.infractions import Infraction, LeaderboardRules
from sim.run.results_file import ResultsFile, ResultsFileError
from sim.run.run_identity import RunIdentity
from tests.sim.eval.record_factory import event, record

IDS = [f"RouteScenario_{i}" for i in range(3)]
IDENTITY = RunIdentity("b", "f.xml", "00", "expert", "11", "expert", None).to_json()
LEAVES = (
    st.none() | st.booleans() | st.integers(-2, 200) | st.floats() | st.text(max_size=6) | st.just([]) | st.just({})
)
JSON_VALUES = st.recursive(
    LEAVES, lambda c: st.lists(c, max_size=2) | st.dictionaries(st.text(max_size=4), c, max_size=2), max_leaves=5
)


def valid_payload(tmp_path) -> dict:
    results = ResultsFile(tmp_path / "seed.json", LeaderboardRules.LB1, IDS, [], identity=IDENTITY)
    results.add(record(0))
    results.add(record(1, rc=40.0, events=[event(Infraction.RED_LIGHT), event(Infraction.OUTSIDE_ROUTE_LANES, 12.5)]))
    return json.loads(results.path.read_text())


def paths(value, prefix=()):
    """Every (path, value) inside a JSON value."""
    yield prefix, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_results_file_is_refused_or_valid(tmp_path, data) -> None:
    payload = valid_payload(tmp_path)
    for _ in range(data.draw(st.integers(1, 3))):
        records = payload["_checkpoint"]["records"]
        spots = [p for p, _ in paths(records, ("_checkpoint", "records")) if len(p) > 2]
        if not spots:
            break
        spot = data.draw(st.sampled_from(spots))
        parent = payload
        for key in spot[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[spot[-1]]
        else:
            parent[spot[-1]] = data.draw(JSON_VALUES)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(payload))
    try:
        done = ResultsFile(path, LeaderboardRules.LB1, IDS, [], identity=IDENTITY).resume()
    except ResultsFileError as error:
        assert str(path) in str(error)
        return
    for kept in json.loads(path.read_text())["_checkpoint"]["records"]:  # accepted: every record is sound
        if kept["index"] in done:
            scores = kept["scores"]
            assert math.isclose(scores["score_composed"], scores["score_route"] * scores["score_penalty"], abs_tol=1e-6)
