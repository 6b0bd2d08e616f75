"""A leaderboard agent file that breaks its own process on purpose, for the watchdog tests.

Each instance claims one fault of ``$FAULTS`` (comma-separated) by creating its marker file in
``$FAULT_MARKERS`` exclusively, so every fault happens exactly once however routes are spread over
worker processes, and commits it from its third ``run_step`` on (``slow`` sleeps 0.5 s in every
step, the others break at once). An instance that finds every fault
claimed drives full throttle straight ahead (and soon leaves the route), sleeping ``$STEP_SLEEP``
seconds per step when set. ``$FAULT_LOG`` collects one line per instance: the fault it claimed (or
``drive``).
"""

import os
import signal
import sys
import time
from types import SimpleNamespace

FAULT_TICK = 3


def get_entry_point():
    return "FaultAgent"


def _claim() -> str:
    for kind in os.environ["FAULTS"].split(","):
        try:
            os.close(os.open(os.path.join(os.environ["FAULT_MARKERS"], kind), os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        return kind
    return "drive"


def commit(kind: str) -> None:
    if kind == "hang":
        time.sleep(3600)
    elif kind == "exit":
        sys.exit(3)
    elif kind == "os_exit":
        os._exit(7)
    elif kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "memory":
        import numpy as np

        hog = []
        while True:  # zeroed pages are mapped lazily: only the address space grows, fast
            hog.append(np.zeros(256 << 20, dtype=np.uint8))
    elif kind == "interrupt":
        raise KeyboardInterrupt
    elif kind == "slow":
        time.sleep(0.5)


class FaultAgent:
    def __init__(self, *args):
        self.ticks, self.fault = 0, "drive"
        if len(args) == 1:  # leaderboard 1.0: the constructor sets up
            self.setup(args[0])

    def setup(self, config):
        self.fault = _claim()
        with open(os.environ["FAULT_LOG"], "a") as log:
            log.write(self.fault + "\n")

    def set_global_plan(self, gps, world):
        pass

    def sensors(self):
        return [{"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20}]

    def run_step(self, input_data, timestamp):
        self.ticks += 1
        time.sleep(float(os.environ.get("STEP_SLEEP", "0")))
        if self.ticks >= FAULT_TICK:
            commit(self.fault)
        return SimpleNamespace(throttle=1.0, steer=0.0, brake=0.0, hand_brake=False, reverse=False)

    def destroy(self):
        pass
