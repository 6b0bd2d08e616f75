"""The report's plotly figures: DS / RC per route, infractions per type, and each town's map with its infractions.

Maps are drawn in the internal frame (x east, y north, metres) from the town's drivable polygons
(:attr:`sim.maps.road_network.RoadNetwork.map_polygons`, road blocks and junctions), simplified for
size; every infraction marker carries its link (video or recording at that time) as ``customdata``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from sim.maps.road_network import RoadNetwork
from sim.run.report_data import ReportEvent
from sim.types import MapLayer

MAP_SIMPLIFY = 0.5  # [m] tolerance of the drawn road outlines
ROAD_FILL = "rgba(120, 120, 128, 0.45)"
ROAD_LINE = "rgba(90, 90, 96, 0.8)"
KIND_COLOURS = (
    "#d62728",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#1f77b4",
    "#2ca02c",
    "#7f7f7f",
    "#393b79",
    "#637939",
)


def scores_figure(records: list[dict]):
    """Grouped bars of DS and RC per route, with IS as a line on a second axis."""
    import plotly.graph_objects as go

    ids = [r["route_id"] for r in records]
    scores = [r["scores"] for r in records]
    figure = go.Figure()
    figure.add_bar(name="DS", x=ids, y=[s["score_composed"] for s in scores], marker_color="#1f77b4")
    figure.add_bar(name="RC", x=ids, y=[s["score_route"] for s in scores], marker_color="#aec7e8")
    figure.add_scatter(
        name="IS", x=ids, y=[s["score_penalty"] for s in scores], yaxis="y2", mode="markers", marker_color="#d62728"
    )
    figure.update_layout(
        title="Driving score and route completion per route",
        barmode="group",
        yaxis={"title": "DS, RC [%]", "range": [0, 105]},
        yaxis2={"title": "IS", "range": [0, 1.05], "overlaying": "y", "side": "right"},
        height=380,
        margin={"t": 50, "b": 90},
        legend={"orientation": "h", "y": 1.12},
    )
    return figure


def infractions_figure(records: list[dict]):
    """Bars of the number of infractions per type over the run."""
    import plotly.graph_objects as go

    counts = Counter({key: 0 for r in records for key in r["infractions"]})
    for record in records:
        counts.update({key: len(items) for key, items in record["infractions"].items()})
    kinds = sorted(counts, key=lambda k: (-counts[k], k))
    figure = go.Figure(go.Bar(x=kinds, y=[counts[k] for k in kinds], marker_color="#d62728"))
    figure.update_layout(title="Infractions per type", yaxis={"title": "count"}, height=340, margin={"t": 50, "b": 110})
    return figure


def town_figure(network: RoadNetwork, events: list[ReportEvent]):
    """The town's roads with one marker per infraction (hover: route, type, time; click: its link)."""
    import plotly.graph_objects as go

    x, y = road_outlines(network)
    figure = go.Figure()
    figure.add_scatter(
        x=x, y=y, mode="lines", fill="toself", fillcolor=ROAD_FILL, line={"color": ROAD_LINE, "width": 0.5},
        hoverinfo="skip", name="roads", showlegend=False,
    )  # fmt: skip
    kinds = sorted({e.kind for e in events})
    for index, kind in enumerate(kinds):
        chosen = [e for e in events if e.kind == kind]
        figure.add_scatter(
            x=[float(e.xy[0]) for e in chosen],
            y=[float(e.xy[1]) for e in chosen],
            mode="markers",
            name=kind,
            marker={"size": 11, "color": KIND_COLOURS[index % len(KIND_COLOURS)], "line": {"width": 1}},
            customdata=[e.link or "" for e in chosen],
            text=[_hover(e) for e in chosen],
            hovertemplate="%{text}<extra></extra>",
        )
    figure.update_layout(
        title=f"{network.name}: infractions (click a marker to open the video or recording at that time)",
        xaxis={"title": "x east [m]", "scaleanchor": "y", "scaleratio": 1},
        yaxis={"title": "y north [m]"},
        height=620,
        margin={"t": 50},
        legend={"orientation": "h", "y": -0.12},
    )
    return figure


def road_outlines(network: RoadNetwork) -> tuple[list, list]:
    """x and y lists of every road block and junction outline, ``None`` between polygons (plotly's gaps)."""
    import shapely

    polygons = network.map_polygons
    keep = np.flatnonzero(np.isin(polygons.layers, [MapLayer.ROADBLOCK, MapLayer.INTERSECTION]))
    xs: list = []
    ys: list = []
    for index in keep:
        ring = polygons.vertices[polygons.offsets[index] : polygons.offsets[index + 1]]
        if ring.shape[0] < 3:
            continue
        outline = np.asarray(shapely.simplify(shapely.LinearRing(ring), MAP_SIMPLIFY).coords)
        xs += [*np.round(outline[:, 0], 1).tolist(), None]
        ys += [*np.round(outline[:, 1], 1).tolist(), None]
    return xs, ys


def _hover(event: ReportEvent) -> str:
    when = f"t={event.time:.1f} s" if event.time is not None else "time unknown"
    return f"{event.route_id}<br>{event.kind}, {when}<br>{event.message[:120]}"
