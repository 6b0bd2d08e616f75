"""The end-of-run table: per route DS / RC / IS and status, then the benchmark's summary line."""

from __future__ import annotations

from sim.eval.bench2drive import ability_scores, driving_score_and_success, efficiency, mean_smoothness
from sim.eval.infractions import LeaderboardRules


def summary_lines(payload: dict, name: str, rules: LeaderboardRules, expected_routes: int) -> list[str]:
    """Lines of the table and the summary of a results payload (the checkpoint JSON, any format)."""
    records = payload["_checkpoint"]["records"]
    lines = [f"{'route':<24}{'town':<10}{'DS':>8}{'RC':>8}{'IS':>7}  status / infractions"]
    for record in records:
        scores = record["scores"]
        counts = {key: len(events) for key, events in record["infractions"].items() if events}
        infractions = ", ".join(f"{key} {count}" for key, count in counts.items())
        town = record.get("town_name") or record["meta"].get("town", "")
        lines.append(
            f"{record['route_id']:<24}{town:<10}{scores['score_composed']:8.2f}"
            f"{scores['score_route']:8.2f}{scores['score_penalty']:7.3f}  {record['status']}"
            + (f"  [{infractions}]" if infractions else "")
        )
    if not records:
        return [*lines, f"{name}: no route finished"]
    global_record = payload["_checkpoint"]["global_record"]
    means = global_record.get("scores_mean") or global_record.get("scores")  # 2.0's key, 1.0's key
    lines.append(
        f"{name}: DS {means['score_composed']:.2f}  RC {means['score_route']:.2f}  IS {means['score_penalty']:.3f}  "
        f"({len(records)}/{expected_routes} routes)  entry status: {payload['entry_status']}"
    )
    if rules is LeaderboardRules.BENCH2DRIVE:
        lines += _bench2drive_lines(records, name, expected_routes)
    return lines


def _bench2drive_lines(records: list[dict], name: str, expected_routes: int) -> list[str]:
    ds, sr = driving_score_and_success(records, expected_routes)
    abilities = ability_scores(records)
    line = f"{name} (Bench2Drive, over {expected_routes} routes): DS {ds:.2f}  SR {100 * sr:.2f}%"
    line += "".join(f"  {ability} {100 * value:.1f}%" for ability, value in abilities.scores.items())
    speed, smooth = efficiency(records), mean_smoothness(records)
    line += f"  efficiency {speed:.1f}" if speed is not None else ""
    lines = [line + (f"  smoothness {100 * smooth:.1f}" if smooth is not None else "")]
    if abilities.junction_unknown:
        lines.append(
            f"  Traffic_Signs: junction rule not applied to {len(abilities.junction_unknown)} failed route(s) "
            f"without a known junction point ({', '.join(abilities.junction_unknown)})"
        )
    return lines
