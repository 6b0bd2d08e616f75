"""Port blocks: claimed by lock files for the server's life, checked against outside processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.carla.ports import NoFreePortsError, PortBlock, reserve_ports


def test_a_block_holds_rpc_streaming_secondary_and_traffic_manager_ports() -> None:
    block = PortBlock(rpc=30150, traffic_manager=50150)
    assert block.all == (30150, 30151, 30152, 50150)


def test_two_reservations_never_share_a_block_until_one_is_released(port_base: int) -> None:
    first = reserve_ports(port_base, port_base + 3, step=5)
    second = reserve_ports(port_base, port_base + 3, step=5)
    assert first.block.rpc == port_base and second.block.rpc == port_base + 5
    first.release()
    with reserve_ports(port_base, port_base + 3, step=5) as third:
        assert third.block == PortBlock(port_base, port_base + 3)
    second.release()


def test_a_claim_held_by_another_process_is_respected(port_base: int, private_runtime_dir: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(Path.cwd())!r})
            from sim.carla.ports import reserve_ports
            reservation = reserve_ports({port_base}, {port_base + 3}, step=5)
            print(reservation.block.rpc, flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True, env={"CLOSED_LOOP_RUNTIME_DIR": str(private_runtime_dir)},
    )  # fmt: skip
    try:
        assert int(holder.stdout.readline()) == port_base
        with reserve_ports(port_base, port_base + 3, step=5) as mine:
            assert mine.block.rpc == port_base + 5
    finally:
        holder.kill()
        holder.wait()
    with reserve_ports(port_base, port_base + 3, step=5) as after:
        assert after.block.rpc == port_base, "the kernel drops a dead holder's lock: no stale claim"


def test_a_port_used_outside_the_scheme_is_skipped(port_base: int) -> None:
    with socket.socket() as foreign:
        foreign.bind(("", port_base + 3))  # someone's Traffic Manager port of block 0
        foreign.listen()
        with reserve_ports(port_base, port_base + 3, step=5) as mine:
            assert mine.block.rpc == port_base + 5


def test_no_free_block_names_the_range_searched(port_base: int) -> None:
    held = [reserve_ports(port_base, port_base + 3, step=5, max_blocks=2) for _ in range(2)]
    with pytest.raises(NoFreePortsError, match=f"{port_base}..{port_base + 5}"):
        reserve_ports(port_base, port_base + 3, step=5, max_blocks=2)
    for reservation in held:
        reservation.release()


def test_bad_port_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="step >= 3"):
        reserve_ports(30000, 50000, step=2)
