"""--record / --debug / --viewer-ports: parsed, and refused where they cannot look inside the tick loop."""

from __future__ import annotations

import argparse

import pytest

from sim.run.debug_cli import add_debug_arguments, debug_options


def parse(*argv: str, sim: str = "embedded", ray_address: str = "") -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_debug_arguments(parser)
    args = parser.parse_args(list(argv))
    args.sim, args.ray_address = sim, ray_address
    return args


def test_the_options_reach_the_run() -> None:
    options = debug_options(parse("--record", "--debug", "--viewer", "web", "--viewer-ports", "7001,7002"))
    assert options == {"record": True, "debug": True, "viewer": "web", "viewer_ports": (7001, 7002)}


@pytest.mark.parametrize("ports", ["7001", "7001,x", "7001,70000", "1,2,3"])
def test_bad_ports_are_refused_naming_the_value(ports: str) -> None:
    with pytest.raises(argparse.ArgumentError, match="expected two ports 'GRPC,WEB'"):
        parse("--viewer-ports", ports)


@pytest.mark.parametrize(
    ("argv", "sim", "ray", "message"),
    [
        (("--record",), "carla", "", "need --sim embedded"),
        (("--debug",), "carla", "", "need --sim embedded"),
        (("--debug",), "embedded", "auto", "drop --ray-address"),
    ],
)
def test_combinations_that_cannot_work_are_refused(argv, sim: str, ray: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        debug_options(parse(*argv, sim=sim, ray_address=ray))
