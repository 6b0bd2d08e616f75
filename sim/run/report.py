"""``OUT/report.html``: one static page (no server, plotly.js inline once) to browse a run.

The summary and a per-route table, DS / RC per route, infractions per type, and each town's map
with its infractions, each linked to the route's video or recording at that time. Written at the end
of every run, and over an existing results folder by

    python -m sim.run.report OUT [--name NAME] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import html
import logging
import sys
from datetime import datetime
from pathlib import Path

from sim.eval.infractions import LeaderboardRules
from sim.eval.summary import summary_lines
from sim.run.report_data import ReportError, ReportEvent, read_results, record_events, route_media
from sim.run.report_tables import events_table, routes_table, summary_cards

logger = logging.getLogger(__name__)

REPORT_NAME = "report.html"
STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td:first-child { border-left: 3px solid #d62728; }
.cards { display: flex; gap: 1em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.5em 1em; min-width: 7em; }
.card b { display: block; font-size: 1.4em; }
pre { background: #f7f7f7; padding: 0.7em; overflow-x: auto; font-size: 0.85em; }
"""
CLICK_SCRIPT = """
window.addEventListener('load', function () {
  document.querySelectorAll('.infraction-map .plotly-graph-div').forEach(function (plot) {
    plot.on('plotly_click', function (data) {
      var link = data.points[0].customdata;
      if (link) { window.open(link, '_blank'); }
    });
  });
});
"""


def infer_rules(records: list[dict]) -> LeaderboardRules:
    """Bench2Drive when the records carry its fields, LB2 when they carry 2.0-only infraction keys, else LB1."""
    if any("save_name" in record for record in records):
        return LeaderboardRules.BENCH2DRIVE
    keys = {key for record in records for key in record["infractions"]}
    return LeaderboardRules.LB2 if "min_speed_infractions" in keys else LeaderboardRules.LB1


def write_report(
    out_dir: str | Path,
    name: str | None = None,
    rules: LeaderboardRules | None = None,
    data_dir: str | None = None,
    expected_routes: int | None = None,
) -> Path:
    """Write ``out_dir/report.html`` from ``out_dir/results.json``; returns its path."""
    out_dir = Path(out_dir)
    payload = read_results(out_dir)
    records = payload["_checkpoint"]["records"]
    name = name or out_dir.resolve().name
    rules = rules or infer_rules(records)
    total = expected_routes or int(payload["_checkpoint"].get("progress", [0, len(records)])[1]) or len(records)
    page = render(payload, name, rules, total, out_dir, data_dir)
    path = out_dir / REPORT_NAME
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(path)
    return path


def render(payload: dict, name: str, rules: LeaderboardRules, total: int, out_dir: Path, data_dir) -> str:
    """The page's HTML."""
    from plotly.offline import get_plotlyjs

    from sim.run.report_figures import infractions_figure, scores_figure

    records = payload["_checkpoint"]["records"]
    media = {r["route_id"]: route_media(out_dir, r["route_id"]) for r in records}
    events = [event for r in records for event in record_events(r, media[r["route_id"]])]
    parts = [
        f"<h1>{html.escape(name)}</h1>",
        f"<p>{html.escape(payload.get('entry_status', ''))}, {len(records)}/{total} routes, "
        f"written {datetime.now().isoformat(timespec='seconds')}</p>",
        summary_cards(payload),
        f"<pre>{html.escape(chr(10).join(summary_lines(payload, name, rules, total)[len(records) + 1 :]))}</pre>",
        "<h2>Routes</h2>",
        routes_table(records, media),
    ]
    if records:
        parts += ["<h2>Scores</h2>", _figure_html(scores_figure(records))]
        any_infraction = any(items for r in records for items in r["infractions"].values())
        figure = _figure_html(infractions_figure(records)) if any_infraction else "<p>No infraction.</p>"
        parts += ["<h2>Infractions</h2>", figure]
    parts += _maps(sorted({event.town for event in events} - {"?"}), events, data_dir)
    parts += ["<h2>Every infraction</h2>", events_table(events)]
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{html.escape(name)}: closed-loop report</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head>\n<body>\n"
        + "\n".join(parts)
        + f"\n<script>{CLICK_SCRIPT}</script>\n</body></html>\n"
    )


def _maps(towns: list[str], events: list[ReportEvent], data_dir) -> list[str]:
    """A map of each town with infractions (the others would show nothing)."""
    from sim.maps.town import load_town
    from sim.run.report_figures import town_figure

    parts = []
    for town in towns:
        try:
            network = load_town(town, data_dir)
        except Exception as error:  # a town missing from the data set: the events stay in the table
            logger.warning("no map of %s for the report: %r", town, error)
            parts.append(f"<p>{html.escape(town)}: no map available ({html.escape(repr(error))}).</p>")
            continue
        figure = town_figure(network, [e for e in events if e.town == town])
        parts += [f"<h2>{html.escape(town)}</h2>", f"<div class='infraction-map'>{_figure_html(figure)}</div>"]
    return parts


def _figure_html(figure) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.run.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="results folder holding results.json")
    parser.add_argument("--name", default=None, help="title (default: the folder's name)")
    parser.add_argument("--rules", choices=[r.value for r in LeaderboardRules], default=None)
    parser.add_argument("--data-dir", default=None, help="data directory (town maps)")
    args = parser.parse_args(argv)
    try:
        rules = LeaderboardRules(args.rules) if args.rules else None
        path = write_report(args.out, args.name, rules, args.data_dir)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
