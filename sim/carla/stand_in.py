"""A stand-in CARLA server: binds a server's ports, answers CARLA's ``version`` call and ticks.

It speaks msgpack-RPC on the RPC port like the real server (so ``carla.Client.get_server_version``
works against it), listens on the streaming and secondary ports, and advances its frame on every
``tick`` call, as a synchronous-mode server does for its client. On command (``fault`` call or
``--crash-after-ticks`` / ``--hang-after-ticks``) it crashes (exits at once) or hangs (stops
ticking and answering). Tests and dry runs of the supervisor use it where no GPU is:

    python -m sim.carla.stand_in --rpc-port 30000 --streaming-port 30001 --graphics-adapter 0
"""

from __future__ import annotations

import argparse
import os
import socket
import socketserver
import sys
import threading
import time

CRASH_EXIT_CODE = 3
BIND_FAILURE_EXIT_CODE = 98  # EADDRINUSE


def carla_response(value):
    """A value as CARLA's RPC server returns it: ``Response<T>``, an array holding the variant (index 1 = value)."""
    return [[1, value]]


class StandInState:
    """Frame counter and fault switches shared by the connection threads."""

    def __init__(self, version: str, adapter: int, crash_after: int | None, hang_after: int | None) -> None:
        self.version = version
        self.adapter = adapter
        self.frame = 0
        self.hung = threading.Event()
        self._never = threading.Event()  # waited on, never set: a hung server's calls block for good
        self.lock = threading.Lock()
        self.crash_after = crash_after
        self.hang_after = hang_after

    def call(self, method: str, params: list):
        if self.hung.is_set():
            self._never.wait()
        if method == "version":
            return carla_response(self.version)
        if method == "frame":
            return self.frame
        if method == "tick":
            with self.lock:
                self.frame += 1
                self._maybe_fault()
                return self.frame
        if method == "pid":
            return os.getpid()
        if method == "adapter":
            return self.adapter
        if method == "fault":
            self._fault(str(params[0]) if params else "")
            return None
        raise ValueError(f"stand-in server: unknown method {method!r}")

    def _maybe_fault(self) -> None:
        if self.crash_after is not None and self.frame >= self.crash_after:
            self._fault("crash")
        if self.hang_after is not None and self.frame >= self.hang_after:
            self._fault("hang")

    def _fault(self, kind: str) -> None:
        if kind == "crash":
            sys.stdout.flush()
            os._exit(CRASH_EXIT_CODE)
        if kind == "hang":
            self.hung.set()
            self._never.wait()
        raise ValueError(f"stand-in server: unknown fault {kind!r} (crash or hang)")


def serve(state: StandInState, rpc_port: int, extra_ports: list[int]) -> None:
    """Bind every port, then answer RPC calls until killed."""
    import msgpack  # installed with ray; only the stand-in and its probe need it

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            unpacker = msgpack.Unpacker(raw=False)
            while True:
                data = self.request.recv(65536)
                if not data:
                    return
                unpacker.feed(data)
                for message in unpacker:
                    _kind, msgid, method, params = message
                    try:
                        reply = [1, msgid, None, state.call(method, list(params))]
                    except Exception as error:  # the error travels back as msgpack-RPC's error field
                        reply = [1, msgid, str(error), None]
                    self.request.sendall(msgpack.packb(reply))

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    listeners = []
    try:
        server = socketserver.ThreadingTCPServer(("", rpc_port), Handler)
        for port in extra_ports:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("", port))
            listener.listen()
            listeners.append(listener)
    except OSError as error:
        print(f"stand-in server: bind failed: {error}", flush=True)
        sys.exit(BIND_FAILURE_EXIT_CODE)
    print(f"stand-in server: listening on {rpc_port} (+{extra_ports}), adapter {state.adapter}", flush=True)
    server.serve_forever()


def rpc_call(host: str, port: int, method: str, params: list | None = None, timeout_s: float = 5.0):
    """One msgpack-RPC call (the stand-in's protocol and CARLA's); raises OSError/TimeoutError on failure."""
    import msgpack

    with socket.create_connection((host, port), timeout=timeout_s) as connection:
        connection.settimeout(timeout_s)
        connection.sendall(msgpack.packb([0, 1, method, params or []]))
        unpacker = msgpack.Unpacker(raw=False)
        while True:
            data = connection.recv(65536)
            if not data:
                raise ConnectionError(f"{host}:{port} closed the connection during {method!r}")
            unpacker.feed(data)
            for _kind, _msgid, error, result in unpacker:
                if error is not None:
                    raise RuntimeError(f"{host}:{port} {method!r}: {error}")
                return result


class StandInProbe:
    """The health probe of :mod:`sim.carla.probe`, spoken to the stand-in."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def version(self, timeout_s: float) -> str:
        return str(rpc_call(self.host, self.port, "version", timeout_s=timeout_s)[0][1])

    def frame(self, timeout_s: float) -> int:
        return int(rpc_call(self.host, self.port, "frame", timeout_s=timeout_s))

    def close(self) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc-port", type=int, required=True)
    parser.add_argument("--streaming-port", type=int, required=True)
    parser.add_argument("--secondary-port", type=int, default=None)
    parser.add_argument("--graphics-adapter", type=int, default=0)
    parser.add_argument("--version", default="0.9.15")
    parser.add_argument("--startup-delay", type=float, default=0.0, help="[s] before binding (a slow start)")
    parser.add_argument("--crash-after-ticks", type=int, default=None)
    parser.add_argument("--hang-after-ticks", type=int, default=None)
    args = parser.parse_args(argv)
    time.sleep(args.startup_delay)
    state = StandInState(args.version, args.graphics_adapter, args.crash_after_ticks, args.hang_after_ticks)
    extra = [args.streaming_port] + ([args.secondary_port] if args.secondary_port else [])
    serve(state, args.rpc_port, extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
