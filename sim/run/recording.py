"""A route recorder writing a rerun recording (``OUT/recordings/<route>.rrd``), or streaming it to a live viewer.

Entities (timelines ``tick`` and ``sim_time``; 2-D positions in metres, north up, see
:mod:`sim.run.rerun_views`):

- ``bev/map/{edges,markings}``, ``bev/route`` (static); ``bev/actors``, ``bev/lights``, ``bev/ego``,
  ``bev/ego_trail``, ``bev/infractions``;
- ``bev/plan/{proposals,trajectory,waypoints,target}`` from the agent's ``debug_payload()``;
- ``cameras/<sensor id>`` (JPEG), ``imagined/<view>`` (a planner's future frames side by side);
- ``plots/speed`` [m/s], ``plots/control/{throttle,steer,brake}``, ``plots/scores/{best,chosen}``,
  ``plots/infractions`` (a marker per event), ``plots/<scalar name>`` for the agent's scalars;
- ``text/instruction`` and ``text/<name>`` (when they change), ``events`` (a log line per infraction).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sim.eval.infractions import InfractionEvent
from sim.frames import carla_to_internal_xy
from sim.run import rerun_views as views
from sim.run.agent_debug import AgentDebug
from sim.run.observers import RouteScene, TickRecord

logger = logging.getLogger(__name__)

APPLICATION_ID = "closed_loop"


@dataclass(frozen=True)
class RecordingConfig:
    """What a recording keeps.

    Attributes:
        camera_every_n_ticks: cameras are logged every n-th tick (2: 10 Hz).
        camera_max_px: [px] longer camera sides are scaled down to this.
        jpeg_quality: camera JPEG quality [1..100].
        trail_every_n_ticks: the ego trail gets a point every n-th tick.
        map_radius: [m] lanes and markings this close to the route are drawn.
    """

    camera_every_n_ticks: int = 2
    camera_max_px: int = 480
    jpeg_quality: int = 80
    trail_every_n_ticks: int = 5
    map_radius: float = 60.0


class RerunRecorder:
    """Writes one route to ``path`` (an ``.rrd``) and/or streams it to ``live_url`` (a rerun gRPC server).

    ``path`` names the file of the route that :meth:`start` opens: ``{route_id}`` is replaced by the id.
    """

    def __init__(
        self, path: str | Path | None, live_url: str | None = None, config: RecordingConfig = RecordingConfig()
    ):
        if path is None and live_url is None:
            raise ValueError("RerunRecorder needs a file path, a live viewer url, or both")
        self.path_pattern, self.live_url, self.config = path, live_url, config
        self.stream = None
        self.path: Path | None = None
        self._ticks, self._trail, self._infractions = 0, [], []
        self._texts: dict[str, str] = {}
        self._lights: np.ndarray | None = None

    # ---- the recorder protocol ---------------------------------------------------------------
    def start(self, scene: RouteScene) -> None:
        import rerun as rr

        from sim.run.recording_layout import blueprint

        self.scene = scene
        self.stream = rr.RecordingStream(APPLICATION_ID, recording_id=f"{scene.route_id}-{uuid.uuid4().hex[:8]}")
        sinks = []
        if self.path_pattern is not None:
            self.path = Path(str(self.path_pattern).format(route_id=scene.route_id))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            sinks.append(rr.FileSink(self.path))
        if self.live_url is not None:
            sinks.append(rr.GrpcSink(self.live_url))
        self.stream.set_sinks(*sinks)
        self.stream.send_recording_name(f"{scene.route_id} (seed {scene.seed})")
        self.stream.send_blueprint(blueprint(scene.route, scene.camera_ids))
        self._log_map(rr, scene)

    def add(self, tick: TickRecord) -> None:
        import rerun as rr

        stream, sensed = self.stream, tick.sensed
        stream.set_time("tick", sequence=int(sensed.frame))
        stream.set_time("sim_time", duration=float(sensed.time))
        self._log_world(rr, tick)
        self._log_controls(rr, tick)
        debug = tick.agent_debug
        if debug is not None:
            self._log_agent(rr, debug)
        if tick.events:
            self._log_events(rr, tick.events)
        if self._ticks % self.config.camera_every_n_ticks == 0:
            self._log_cameras(rr, tick.input_data)
        self._ticks += 1

    def close(self, record=None) -> None:
        """Log the events only the route's end reveals, then flush and close the file."""
        if self.stream is None:
            return
        import rerun as rr

        if record is not None:  # e.g. the outside-lanes event, which the criteria raise at the end
            late = tuple(e for e in record.infractions if not any(e is seen for seen in self._infractions))
            if late:
                self._log_events(rr, late)
            self.stream.log("text/result", rr.TextDocument(_result_text(record)))
        self.stream.flush()
        self.stream.disconnect()
        self.stream = None

    # ---- what is logged ----------------------------------------------------------------------
    def _log_map(self, rr, scene: RouteScene) -> None:
        radius = self.config.map_radius
        edges = views.road_edges(scene.network, scene.route, radius)
        self.stream.log("bev/map/edges", rr.LineStrips2D(edges, colors=views.ROAD_EDGE_RGB, radii=0.05), static=True)
        strips, colours = views.markings(scene.network, scene.route, radius)
        if strips:
            self.stream.log("bev/map/markings", rr.LineStrips2D(strips, colors=colours, radii=0.04), static=True)
        route = views.route_polyline(scene.route)
        self.stream.log("bev/route", rr.LineStrips2D([route], colors=views.ROUTE_RGB, radii=0.4), static=True)
        marker = rr.SeriesPoints(colors=(255, 0, 0), markers="cross", marker_sizes=8.0)
        self.stream.log("plots/infractions", marker, static=True)

    def _log_world(self, rr, tick: TickRecord) -> None:
        stream, snapshot = self.stream, tick.sensed
        outlines, colours = views.actor_outlines(snapshot)
        stream.log("bev/actors", rr.LineStrips2D(outlines, colors=colours, radii=0.12))
        stream.log("bev/ego", rr.LineStrips2D(views.ego_outline(snapshot)[None], colors=views.EGO_RGB, radii=0.15))
        if self._lights is None or not np.array_equal(self._lights, snapshot.light_states):
            self._lights = np.array(snapshot.light_states, copy=True)
            points, light_colours = views.light_points(self.scene.network, snapshot.light_states)
            stream.log("bev/lights", rr.Points2D(points, colors=light_colours, radii=1.0))
        if self._ticks % self.config.trail_every_n_ticks == 0:
            self._trail.append(views.to_view(snapshot.ego.center))
            stream.log("bev/ego_trail", rr.LineStrips2D(np.array(self._trail)[None], colors=views.TRAIL_RGB, radii=0.2))
        stream.log("plots/speed", rr.Scalars(float(snapshot.ego.speed)))

    def _log_controls(self, rr, tick: TickRecord) -> None:
        for name in ("throttle", "steer", "brake"):
            value = getattr(tick.control, name, None)
            if value is not None:
                self.stream.log(f"plots/control/{name}", rr.Scalars(float(value)))

    def _log_agent(self, rr, debug: AgentDebug) -> None:
        stream = self.stream
        for name, value in debug.scalars.items():
            stream.log(f"plots/{name}", rr.Scalars(value))
        for name, text in debug.text.items():
            if self._texts.get(name) != text:
                self._texts[name] = text
                stream.log(f"text/{name}", rr.TextDocument(text))
                stream.log(f"log/{name}", rr.TextLog(f"{name}: {text}", level="INFO"))
        for view, frames in debug.imagined.items():
            stream.log(f"imagined/{view}", rr.Image(np.concatenate(list(frames), axis=1)).compress(jpeg_quality=85))
        if debug.plan_pose is None:
            return
        pose = debug.plan_pose
        if debug.proposals is not None and debug.proposals.shape[0]:
            scores = debug.blended_scores if debug.blended_scores is not None else debug.scores
            colours = views.score_colours(scores) if scores is not None else [(160, 160, 160)]
            strips = views.local_to_view(debug.proposals, pose)  # (N, T, 2): rerun's fast path
            stream.log("bev/plan/proposals", rr.LineStrips2D(strips, colors=colours, radii=0.06))
        if debug.scores is not None and debug.scores.shape[0] and np.isfinite(debug.scores).any():
            stream.log("plots/scores/best", rr.Scalars(float(np.nanmax(debug.scores))))
            if debug.chosen is not None and 0 <= debug.chosen < debug.scores.shape[0]:
                stream.log("plots/scores/chosen", rr.Scalars(float(debug.scores[debug.chosen])))
        if debug.trajectory is not None and debug.trajectory.shape[0]:
            line = views.local_to_view(np.vstack([np.zeros((1, 3)), debug.trajectory]), pose)
            stream.log("bev/plan/trajectory", rr.LineStrips2D(line[None], colors=(255, 0, 255), radii=0.2))
        if debug.waypoints is not None:
            points = views.local_to_view(debug.waypoints, pose)
            stream.log("bev/plan/waypoints", rr.Points2D(points, colors=(255, 255, 255), radii=0.3))
        if debug.target_point is not None:
            target = views.local_to_view(debug.target_point[None], pose)
            stream.log("bev/plan/target", rr.Points2D(target, colors=(0, 255, 255), radii=0.6))

    def _log_events(self, rr, events: tuple[InfractionEvent, ...]) -> None:
        stream = self.stream
        for event in events:
            self._infractions.append(event)
            stream.log("events", rr.TextLog(event.message(), level="WARN"))
        xy = np.array([carla_to_internal_xy(np.asarray(e.location, dtype=np.float64)[:2]) for e in self._infractions])
        labels = [e.kind.value for e in self._infractions]
        stream.log("bev/infractions", rr.Points2D(views.to_view(xy), colors=(255, 0, 0), radii=1.5, labels=labels))
        stream.log("plots/infractions", rr.Scalars(float(len(self._infractions))))

    def _log_cameras(self, rr, input_data: dict) -> None:
        for sensor_id, (_, payload) in input_data.items():
            if isinstance(payload, np.ndarray) and payload.ndim == 3 and payload.shape[2] == 4:
                rgb = _fit(cv2.cvtColor(payload, cv2.COLOR_BGRA2RGB), self.config.camera_max_px)
                self.stream.log(f"cameras/{sensor_id}", rr.Image(rgb).compress(jpeg_quality=self.config.jpeg_quality))


def _fit(image: np.ndarray, max_px: int) -> np.ndarray:
    longest = max(image.shape[:2])
    if longest <= max_px:
        return image
    scale = max_px / longest
    return cv2.resize(
        image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA
    )


def _result_text(record) -> str:
    counts = {kind.value: n for kind, n in record.counts().items() if n}
    return (
        f"{record.route_id}: {record.status.value}\n"
        f"RC {record.route_completion:.2f} %, {len(record.infractions)} infractions {counts or ''}"
    )
