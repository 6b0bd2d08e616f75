"""The viewer layout saved with every recording: BEV on the left; cameras, plots and texts on the right."""

from __future__ import annotations

from sim.maps.dense_route import DenseRoute
from sim.run.rerun_views import route_polyline

START_VIEW = 80.0  # [m] side of the square the BEV first shows, centred on the route's start
BEV_BACKGROUND = (28, 30, 34)  # dark, so the white and yellow markings show as in the camera


def blueprint(route: DenseRoute, camera_ids: tuple[str, ...] = ()):
    """A ``rerun.blueprint.Blueprint`` for one route (the BEV starts framed on the route's start)."""
    import rerun.blueprint as rrb

    start = route_polyline(route)[0]
    half = START_VIEW / 2.0
    bounds = rrb.VisualBounds2D(
        x_range=[float(start[0] - half), float(start[0] + half)],
        y_range=[float(start[1] - half), float(start[1] + half)],
    )
    cameras = [rrb.Spatial2DView(origin=f"cameras/{sensor_id}", name=sensor_id) for sensor_id in camera_ids]
    sensors = rrb.Tabs(
        rrb.Grid(*cameras, name="cameras") if cameras else rrb.Spatial2DView(origin="cameras", name="cameras"),
        rrb.Spatial2DView(origin="imagined", name="imagined futures"),
    )
    plots = rrb.Tabs(
        rrb.TimeSeriesView(
            name="speed and controls", contents=["+ plots/speed", "+ plots/control/**", "+ plots/infractions"]
        ),
        rrb.TimeSeriesView(name="PID", contents=["+ plots/pid/**"]),
        rrb.TimeSeriesView(name="scores", contents=["+ plots/scores/**", "+ plots/selection/**"]),
        rrb.TimeSeriesView(
            name="agent",
            contents=["+ plots/**", "- plots/speed", "- plots/control/**", "- plots/pid/**", "- plots/scores/**"],
        ),
    )
    texts = rrb.Horizontal(
        rrb.Vertical(
            rrb.TextDocumentView(origin="text/instruction", name="instruction"),
            rrb.TextDocumentView(origin="text/result", name="result"),
        ),
        rrb.TextLogView(contents=["+ events", "+ log/**"], name="events"),
    )
    return rrb.Blueprint(
        rrb.Horizontal(
            rrb.Spatial2DView(
                origin="bev", name="BEV (north up, metres)", visual_bounds=bounds, background=BEV_BACKGROUND
            ),
            rrb.Vertical(sensors, plots, texts, row_shares=[3, 2, 1]),
            column_shares=[3, 2],
        ),
        rrb.BlueprintPanel(state="collapsed"),
        rrb.SelectionPanel(state="collapsed"),
        rrb.TimePanel(state="expanded"),
    )
