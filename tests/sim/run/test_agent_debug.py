"""The agent -> recorder debugging contract: dicts or AgentDebug in, validated AgentDebug out, failures contained."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from sim.run.agent_debug import AgentDebug, as_agent_debug, read_agent_debug


def test_a_plain_dict_becomes_a_validated_agent_debug() -> None:
    debug = as_agent_debug(
        {
            "plan_pose": [1, 2, 0.5],
            "proposals": np.zeros((4, 6, 3)),
            "scores": [0.1, 0.2, 0.3, 0.4],
            "chosen": np.int64(3),
            "scalars": {"pid/target_speed": np.float32(4.5)},
            "imagined": {"front": np.zeros((2, 8, 16, 3), np.uint8)},
        }
    )
    assert isinstance(debug, AgentDebug) and debug.plan_pose.dtype == np.float64 and debug.chosen == 3
    assert debug.scalars == {"pid/target_speed": 4.5} and isinstance(debug.scalars["pid/target_speed"], float)
    assert debug.trajectory is None and debug.imagined["front"].shape == (2, 8, 16, 3)
    assert as_agent_debug(debug).proposals.shape == (4, 6, 3)  # an AgentDebug is validated again as well


@pytest.mark.parametrize(
    "payload,match",
    [
        ({"proposals": np.zeros((6, 3))}, r"'proposals': shape \(6, 3\), expected \(n, n, 3\)"),
        ({"plan_pose": [1.0, 2.0]}, r"'plan_pose': shape \(2,\), expected \(3\)"),
        ({"imagined": {"front": np.zeros((8, 16, 3), np.uint8)}}, r"imagined\['front'\]"),
        ({"imagined": {"front": np.zeros((1, 8, 16, 3))}}, r"expected uint8"),
        ({"proposal": 1}, r"unknown keys \['proposal'\]"),
    ],
)
def test_a_malformed_payload_names_the_field(payload: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        as_agent_debug(payload)


def test_agents_without_the_hook_or_with_a_failing_one_give_none(caplog: pytest.LogCaptureFixture) -> None:
    class Quiet:
        pass

    class Broken:
        def debug_payload(self):
            return {"trajectory": np.zeros((3, 2))}

    class Fine:
        def debug_payload(self):
            return {"trajectory": np.zeros((3, 3))}

    assert read_agent_debug(Quiet()) is None
    with caplog.at_level(logging.ERROR):
        assert read_agent_debug(Broken()) is None
    assert "Broken.debug_payload() failed" in caplog.text
    assert read_agent_debug(Fine()).trajectory.shape == (3, 3)
