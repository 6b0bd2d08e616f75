"""The live viewer of ``--debug``: the native rerun viewer on a desktop, the web viewer served on localhost elsewhere.

Every route's recording streams to one rerun gRPC server (``url``). On a machine with a display
and the ``rerun`` executable, that server is the native viewer itself; otherwise this process hosts
it and serves the web viewer, both bound to 127.0.0.1 (on a remote machine, forward the two ports
over SSH: ``ssh -L 9090:localhost:9090 -L 9876:localhost:9876 host``).
"""

from __future__ import annotations

import enum
import logging
import os
import shutil
from dataclasses import dataclass
from urllib.parse import quote

logger = logging.getLogger(__name__)

GRPC_PORT = 9876  # rerun's default
WEB_PORT = 9090  # rerun's default
LOCALHOST = "127.0.0.1"


class ViewerKind(enum.Enum):
    AUTO = "auto"  # native with a display and the executable, else web
    NATIVE = "native"
    WEB = "web"


def has_display() -> bool:
    """A desktop session the native viewer could open a window in."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and shutil.which("rerun") is not None


@dataclass
class LiveViewer:
    """A running viewer: recorders stream to ``url``; ``web_url`` is the page to open (web viewer only).

    Attributes:
        url: the rerun gRPC url recordings stream to (``rerun+http://.../proxy``).
        web_url: the web viewer page that connects to ``url``, or ``None`` for the native viewer.
        kind: which viewer runs.
    """

    url: str
    web_url: str | None
    kind: ViewerKind
    _hub: object = None  # the recording that owns the in-process server (kept alive with this object)

    @classmethod
    def start(
        cls, kind: ViewerKind | str = ViewerKind.AUTO, grpc_port: int = GRPC_PORT, web_port: int = WEB_PORT
    ) -> LiveViewer:
        """Open the viewer (see the module docstring for which one)."""
        import rerun as rr

        from sim.run.recording import APPLICATION_ID

        kind = ViewerKind(kind)
        if kind is ViewerKind.NATIVE or (kind is ViewerKind.AUTO and has_display()):
            rr.spawn(port=grpc_port, connect=False, hide_welcome_screen=True)
            return cls(f"rerun+http://{LOCALHOST}:{grpc_port}/proxy", None, ViewerKind.NATIVE)
        hub = rr.RecordingStream(APPLICATION_ID, recording_id="live-viewer")
        sink = rr.GrpcServerSink(bind_ip=LOCALHOST, port=grpc_port)
        hub.set_sinks(sink)
        rr.serve_web_viewer(web_port=web_port, open_browser=False, connect_to=sink.uri)
        web_url = f"http://localhost:{web_port}/?url={quote(sink.uri, safe='')}"
        return cls(sink.uri, web_url, ViewerKind.WEB, hub)

    def describe(self) -> str:
        """The line printed for the user: where to look."""
        if self.web_url is None:
            return f"rerun viewer: the native viewer opened (recordings stream to {self.url})"
        port = self.url.rsplit(":", 1)[-1].split("/")[0]
        web_port = self.web_url.split(":")[2].split("/")[0]
        return (
            f"rerun web viewer: open {self.web_url}\n"
            f"  (remote machine: ssh -L {web_port}:localhost:{web_port} -L {port}:localhost:{port} <host>)"
        )
