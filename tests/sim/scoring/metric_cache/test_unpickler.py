"""The restricted unpickler refuses every global that is not a known metric-cache class, before calling it."""

from __future__ import annotations

import lzma
import os
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scoring.metric_cache import MetricCacheError, UnsafePickleError
from sim.scoring.metric_cache.unpickler import STAND_INS, load_cache_records, records_from_pickle
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data


class _RunsShell:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_pickle_calling_os_system_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_RunsShell(f"touch {marker}"))
    cache = tmp_path / "tok" / "metric_cache.pkl"
    cache.parent.mkdir()
    cache.write_bytes(lzma.compress(payload))
    with pytest.raises(UnsafePickleError, match=r"refusing to load '(posix|os)\.system'") as error:
        load_cache_records(cache)
    assert str(cache) in str(error.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b"cbuiltins\neval\n(S'1+1'\ntR.", "builtins.eval"),
        (b"cnavsim.agents.evil\nBackdoor\n)R.", "navsim.agents.evil.Backdoor"),
        (b"cnuplan.common.actor_state.agent\nAgentUnknown\n)R.", "nuplan.common.actor_state.agent.AgentUnknown"),
        # a dotted name must not reach an attribute of an allowed class
        (b"\x80\x04\x8c\x05numpy\x8c\x12ndarray.__reduce__\x93.", "numpy.ndarray.__reduce__"),
        (b"csubprocess\nPopen\n(S'ls'\ntR.", "subprocess.Popen"),
    ],
)
def test_unknown_globals_are_refused_by_name(payload: bytes, name: str) -> None:
    with pytest.raises(UnsafePickleError, match=f"'{name}'"):
        records_from_pickle(payload, "<test>")


def test_every_known_class_is_an_inert_record() -> None:
    for qualified, stand_in in STAND_INS.items():
        record = stand_in(1, "two")
        record.__setstate__((None, {"x": 3}))
        assert record.call_args == (1, "two") and record.x == 3 and record.qualified_name == qualified


def test_files_that_are_not_metric_caches_give_clear_errors(tmp_path: Path) -> None:
    not_lzma = tmp_path / "a.pkl"
    not_lzma.write_bytes(b"plain bytes")
    with pytest.raises(MetricCacheError, match="not an lzma-compressed"):
        load_cache_records(not_lzma)
    with pytest.raises(MetricCacheError, match="cannot read"):
        load_cache_records(tmp_path / "missing.pkl")
    with pytest.raises(MetricCacheError, match="holds list, not a NAVSIM MetricCache"):
        records_from_pickle(pickle.dumps([1, 2, 3]), "<list>")
    with pytest.raises(MetricCacheError, match="not a readable metric-cache pickle"):
        records_from_pickle(pickle.dumps({"a": 1})[:-3], "<truncated>")


@pytest.fixture(scope="module")
def parity_payload(data_dir: Path) -> bytes:
    folders = parity_scene_dirs(data_dir)
    if not folders or not (folders[0] / "metric_cache.pkl").is_file():
        missing_data("no metric cache in the parity data")
    return lzma.decompress((folders[0] / "metric_cache.pkl").read_bytes())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_pickles_fail_only_with_our_errors(parity_payload: bytes, data: st.DataObject) -> None:
    """Flipped, cut or spliced bytes of a real cache: a MetricCacheError or a record, nothing else."""
    position = data.draw(st.integers(0, len(parity_payload) - 1))
    mode = data.draw(st.sampled_from(["flip", "cut", "splice"]))
    if mode == "flip":
        byte = data.draw(st.integers(0, 255))
        payload = parity_payload[:position] + bytes([byte]) + parity_payload[position + 1 :]
    elif mode == "cut":
        payload = parity_payload[:position]
    else:
        payload = parity_payload[:position] + data.draw(st.binary(min_size=1, max_size=16)) + parity_payload[position:]
    try:
        records_from_pickle(payload, "<fuzzed>")
    except MetricCacheError as error:
        assert "<fuzzed>" in str(error)


def test_a_corrupt_record_state_is_reported_with_the_source() -> None:
    # BUILD with a list state: what a spliced byte string can turn a cache record's state into
    payload = b"\x80\x04cnavsim.planning.metric_caching.metric_cache\nMetricCache\n)\x81]\x85b."
    with pytest.raises(MetricCacheError, match=r"^<spliced>: .*unexpected pickled state of type list"):
        records_from_pickle(payload, "<spliced>")
