"""The viewer layout saved with every recording: BEV on the left; cameras, plots and texts on the right."""

from __future__ import annotations

import numpy as np

from sim.maps.dense_route import DenseRoute
from sim.run.rerun_views import route_polyline

BOUNDS_MARGIN = 25.0  # [m] around the route's bounding box


def blueprint(route: DenseRoute, camera_ids: tuple[str, ...] = ()):
    """A ``rerun.blueprint.Blueprint`` for one route (the BEV starts framed on the route)."""
    import rerun.blueprint as rrb

    line = route_polyline(route)
    low, high = line.min(axis=0) - BOUNDS_MARGIN, line.max(axis=0) + BOUNDS_MARGIN
    side = float(np.max(high - low))  # square bounds, so the map keeps its aspect
    centre = (low + high) / 2.0
    bounds = rrb.VisualBounds2D(
        x_range=[float(centre[0] - side / 2), float(centre[0] + side / 2)],
        y_range=[float(centre[1] - side / 2), float(centre[1] + side / 2)],
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
            rrb.Spatial2DView(origin="bev", name="BEV (north up, metres)", visual_bounds=bounds),
            rrb.Vertical(sensors, plots, texts, row_shares=[3, 2, 1]),
            column_shares=[3, 2],
        ),
        rrb.BlueprintPanel(state="collapsed"),
        rrb.SelectionPanel(state="collapsed"),
        rrb.TimePanel(state="expanded"),
    )
