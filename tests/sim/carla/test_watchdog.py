"""The watchdog's judgement: dead when the process exits, hung when it neither ticks nor answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.carla.watchdog import ServerHealth, TickMonitor

TIMEOUT = 60.0


def test_ticking_keeps_a_server_healthy_however_long_it_runs() -> None:
    monitor = TickMonitor(TIMEOUT, now=0.0)
    for second in range(1, 600):
        assert monitor.observe(float(second), frame=second * 20, exit_code=None).health is ServerHealth.HEALTHY


def test_an_idle_server_that_answers_is_not_hung() -> None:
    monitor = TickMonitor(TIMEOUT, now=0.0)
    monitor.observe(1.0, frame=5, exit_code=None)
    assert monitor.observe(500.0, frame=5, exit_code=None).health is ServerHealth.HEALTHY


def test_no_tick_and_no_answer_for_the_timeout_is_a_hang() -> None:
    monitor = TickMonitor(TIMEOUT, now=0.0)
    monitor.observe(10.0, frame=100, exit_code=None)
    assert monitor.observe(69.0, frame=None, exit_code=None).health is ServerHealth.HEALTHY
    verdict = monitor.observe(70.0, frame=None, exit_code=None)
    assert verdict.health is ServerHealth.HUNG and "no tick for 60 s" in verdict.reason


def test_an_exited_process_is_dead_and_the_verdict_is_final() -> None:
    monitor = TickMonitor(TIMEOUT, now=0.0)
    verdict = monitor.observe(1.0, frame=None, exit_code=-9)
    assert verdict.health is ServerHealth.DEAD and "code -9" in verdict.reason
    assert monitor.observe(2.0, frame=50, exit_code=None) == verdict


@given(st.lists(st.tuples(st.floats(0.0, 30.0), st.one_of(st.none(), st.integers(0, 5))), max_size=50))
def test_a_hang_is_never_declared_within_the_timeout_of_the_last_progress(steps) -> None:
    monitor, now, last_progress, last_frame = TickMonitor(TIMEOUT, now=0.0), 0.0, 0.0, None
    for delta, frame in steps:
        now += delta
        verdict = monitor.observe(now, frame, None)
        if frame is not None and frame != last_frame:
            last_progress, last_frame = now, frame
        if verdict.health is ServerHealth.HUNG:
            assert frame is None and now - last_progress >= TIMEOUT
            break
