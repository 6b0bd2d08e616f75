"""The recorders of one route, built in the process that drives it from the run's picklable options."""

from __future__ import annotations

from pathlib import Path

from sim.paths import output_file
from sim.run.observers import RouteRecorder

VIDEO_DIR = "videos"  # OUT/videos/<route_id>.mp4
RECORDING_DIR = "recordings"  # OUT/recordings/<route_id>.rrd


def video_path(out_dir: Path, route_id: str) -> Path:
    return output_file(Path(out_dir) / VIDEO_DIR, route_id, ".mp4")


def recording_path(out_dir: Path, route_id: str) -> Path:
    return output_file(Path(out_dir) / RECORDING_DIR, route_id, ".rrd")


def route_recorders(
    route_id: str, out_dir: Path, save_video: bool, record: bool, live=None, prompt=None
) -> tuple[RouteRecorder, ...]:
    """The video, the rerun recording (to a file and/or the live viewer), then the debugger's prompt.

    Args:
        live: a :class:`sim.run.live_viewer.LiveViewer` to stream to (``--debug``), or ``None``.
        prompt: a :class:`sim.run.debug_prompt.DebugPrompt` (``--debug``), or ``None``; it comes last,
            so a paused tick has already reached the viewer.
    """
    recorders: list[RouteRecorder] = []
    if save_video:
        from sim.run.video import VideoRecorder

        recorders.append(VideoRecorder(video_path(out_dir, route_id)))
    if record or live is not None:
        from sim.run.recording import RerunRecorder

        path = recording_path(out_dir, route_id) if record else None
        recorders.append(RerunRecorder(path, live.url if live is not None else None))
    if prompt is not None:
        recorders.append(prompt)
    return tuple(recorders)
