"""--debug without a display: the web viewer is served on localhost and recordings stream to its server."""

from __future__ import annotations

import socket
import urllib.request

import pytest

from sim.run.live_viewer import LiveViewer, ViewerKind


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_web_viewer_page_loads_and_points_at_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    import rerun as rr

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    grpc_port, web_port = free_port(), free_port()
    viewer = LiveViewer.start(ViewerKind.AUTO, grpc_port=grpc_port, web_port=web_port)
    assert viewer.kind is ViewerKind.WEB and viewer.url == f"rerun+http://127.0.0.1:{grpc_port}/proxy"
    assert viewer.web_url.startswith(f"http://localhost:{web_port}/?url=rerun%2Bhttp%3A%2F%2F127.0.0.1%3A{grpc_port}")
    assert f"-L {web_port}:localhost:{web_port}" in viewer.describe()
    with urllib.request.urlopen(viewer.web_url, timeout=30) as response:
        page = response.read().decode()
    assert response.status == 200 and "<title>Rerun Viewer</title>" in page
    stream = rr.RecordingStream("closed_loop_test")
    stream.set_sinks(rr.GrpcSink(viewer.url))
    stream.log("plots/speed", rr.Scalars(1.0))
    stream.flush(timeout_sec=10.0)  # the server accepted the data (a refused connection fails the flush)
    stream.disconnect()
