"""The terminal debugger: starts paused, steps N ticks, runs to the next infraction, resumes, quits."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest

from sim.eval.infractions import Infraction, InfractionEvent
from sim.run.debug_prompt import DebugPrompt


def scene() -> SimpleNamespace:
    return SimpleNamespace(route_id="RouteScenario_0", seed=0, route=SimpleNamespace(length=120.0))


def tick(frame: int, infraction: bool = False) -> SimpleNamespace:
    snapshot = SimpleNamespace(frame=frame, time=0.05 * frame, ego=SimpleNamespace(speed=2.0))
    events = (InfractionEvent(Infraction.COLLISION_VEHICLE, 0.05 * frame, np.zeros(3), detail="vehicle"),)
    control = SimpleNamespace(throttle=0.5, steer=0.0, brake=0.0)
    return SimpleNamespace(judged=snapshot, control=control, events=events if infraction else ())


class Typed:
    """Commands typed one at a time, each only when the prompt waits for it (a person at a terminal);
    ``interrupt_at``: frames at which a line is typed while the route runs."""

    def __init__(self, lines: list[str], interrupt_at: tuple[int, ...] = ()) -> None:
        self.lines, self.interrupt_at, self.frame = list(lines), interrupt_at, 0

    def pending(self) -> bool:
        self.frame += 1
        return self.frame in self.interrupt_at

    def next(self) -> str | None:
        return self.lines.pop(0) if self.lines else None


def drive(commands: list[str], ticks: int, infraction_at: tuple[int, ...] = (), interrupt_at=()) -> list[int]:
    """Run ``ticks`` ticks through a prompt fed ``commands``; returns the frames it paused on."""
    out = io.StringIO()
    prompt = DebugPrompt(Typed(commands, interrupt_at), out)
    prompt.start(scene())
    for frame in range(1, ticks + 1):
        prompt.add(tick(frame, frame in infraction_at))
    return [int(line.split("tick ")[1].split()[0]) for line in out.getvalue().splitlines() if line.startswith("t=")]


def test_steps_then_runs_to_the_next_infraction_then_resumes() -> None:
    assert drive(["s 3", "", "2", "i", "c"], ticks=20, infraction_at=(9, 15)) == [3, 4, 6, 9]


def test_a_line_typed_while_running_pauses() -> None:
    assert drive(["c", "c"], ticks=20, interrupt_at=(7,)) == [7]


def test_a_closed_input_runs_the_route_to_its_end() -> None:
    assert drive(["s"], ticks=50) == [1]


def test_stdin_lines_are_read_in_the_background() -> None:
    from sim.run.debug_prompt import CommandSource

    source = CommandSource(io.StringIO("s 2\nc\n"))
    assert [source.next(), source.next(), source.next(), source.next()] == ["s 2", "c", None, None]
    assert not source.pending()


def test_quit_stops_the_run_and_help_keeps_waiting() -> None:
    prompt = DebugPrompt(io.StringIO("h\np\nq\n"), io.StringIO())
    with pytest.raises(KeyboardInterrupt):
        prompt.start(scene())
    assert "commands:" in prompt.out.getvalue() and "no tick yet" in prompt.out.getvalue()


def test_piped_lines_are_commands_not_interrupts() -> None:
    """From a pipe or a script every line waits its turn: none pauses the run early."""
    out = io.StringIO()
    prompt = DebugPrompt(io.StringIO("s 3\np\n\nc\n"), out)
    assert not prompt.interrupts
    prompt.start(scene())
    for frame in range(1, 11):
        prompt.add(tick(frame))
    paused = [int(line.split("tick ")[1].split()[0]) for line in out.getvalue().splitlines() if line.startswith("t=")]
    assert paused == [3, 3, 4], "3 ticks, where, one more tick, then on to the end"
