"""The report's HTML tables: summary cards, one row per route, one row per infraction (escaped, linked)."""

from __future__ import annotations

import html

from sim.run.report_data import ReportEvent, RouteMedia, record_town


def summary_cards(payload: dict) -> str:
    """DS, RC, IS means (once the run finished), km driven and simulated / wall-clock minutes as cards."""
    record = payload["_checkpoint"].get("global_record") or {}
    means = record.get("scores_mean") or record.get("scores") or {}  # 2.0's key, 1.0's key
    meta = record.get("meta", {})
    if "km_driven" not in meta:  # 1.0 keeps only the total length; the same sum as 2.0's km driven
        routes = payload["_checkpoint"]["records"]
        meta = {**meta, "km_driven": sum(r["meta"]["route_length"] * r["scores"]["score_route"] for r in routes) / 1e5}
    cards = [
        ("DS", means.get("score_composed"), "{:.2f}"),
        ("RC", means.get("score_route"), "{:.2f}"),
        ("IS", means.get("score_penalty"), "{:.3f}"),
        ("km driven", meta.get("km_driven"), "{:.2f}"),
        ("simulated", _minutes(meta.get("duration_game")), "{:.1f} min"),
        ("wall clock", _minutes(meta.get("duration_system")), "{:.1f} min"),
    ]
    items = [
        f"<div class='card'>{label}<b>{template.format(value) if value is not None else '-'}</b></div>"
        for label, value, template in cards
    ]
    return "<div class='cards'>" + "".join(items) + "</div>"


def routes_table(records: list[dict], media: dict[str, RouteMedia]) -> str:
    """One row per route: scores, status, infractions by type, durations and media links."""
    head = "".join(
        f"<th>{h}</th>"
        for h in ("#", "route", "town", "DS", "RC", "IS", "status", "infractions", "game [s]", "wall [s]", "media")
    )
    rows = []
    for record in records:
        scores, meta = record["scores"], record["meta"]
        counts = ", ".join(f"{k} {len(v)}" for k, v in record["infractions"].items() if v)
        files = media[record["route_id"]]
        links = " ".join(
            f"<a href='{html.escape(path)}'>{label}</a>"
            for label, path in (("video", files.video), ("recording", files.recording))
            if path is not None
        )
        failed = " class='failed'" if record["status"].startswith("Failed") else ""
        rows.append(
            f"<tr{failed}><td class='num'>{record['index']}</td><td>{html.escape(str(record['route_id']))}</td>"
            f"<td>{html.escape(record_town(record))}</td>"
            f"<td class='num'>{scores['score_composed']:.2f}</td><td class='num'>{scores['score_route']:.2f}</td>"
            f"<td class='num'>{scores['score_penalty']:.3f}</td><td>{html.escape(record['status'])}</td>"
            f"<td>{html.escape(counts)}</td><td class='num'>{meta.get('duration_game', 0.0):.1f}</td>"
            f"<td class='num'>{meta.get('duration_system', 0.0):.1f}</td><td>{links}</td></tr>"
        )
    return f"<table id='routes'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def events_table(events: list[ReportEvent]) -> str:
    """One row per infraction: route, time (linked to the video or recording there), type, message."""
    if not events:
        return "<p>No infraction.</p>"
    rows = []
    for event in sorted(events, key=lambda e: (e.route_id, e.time if e.time is not None else -1.0)):
        when = f"{event.time:.1f} s" if event.time is not None else "?"
        if event.link is not None:
            when = f"<a href='{html.escape(event.link)}'>{when}</a>"
        rows.append(
            f"<tr><td>{html.escape(event.route_id)}</td><td class='num'>{when}</td><td>{html.escape(event.kind)}</td>"
            f"<td>{html.escape(event.message)}</td></tr>"
        )
    head = "<tr><th>route</th><th>time</th><th>type</th><th>message</th></tr>"
    return f"<table id='events'><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60.0
