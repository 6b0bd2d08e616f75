"""The end-of-run table: per route DS / RC / IS and status, then the benchmark's summary line."""

from __future__ import annotations

from sim.eval.bench2drive import ability_scores, driving_score_and_success, efficiency, mean_comfortness
from sim.eval.infractions import LeaderboardRules


def summary_lines(payload: dict, name: str, rules: LeaderboardRules, expected_routes: int) -> list[str]:
    """Lines of the table and the summary of a results payload (the checkpoint JSON)."""
    records = payload["_checkpoint"]["records"]
    lines = [f"{'route':<24}{'town':<10}{'DS':>8}{'RC':>8}{'IS':>7}  status / infractions"]
    for record in records:
        scores = record["scores"]
        counts = {key: len(events) for key, events in record["infractions"].items() if events}
        infractions = ", ".join(f"{key} {count}" for key, count in counts.items())
        lines.append(
            f"{record['route_id']:<24}{record['town']:<10}{scores['score_composed']:8.2f}"
            f"{scores['score_route']:8.2f}{scores['score_penalty']:7.3f}  {record['status']}"
            + (f"  [{infractions}]" if infractions else "")
        )
    if not records:
        return [*lines, f"{name}: no route finished"]
    means = payload["_checkpoint"]["global_record"]["scores_mean"]
    lines.append(
        f"{name}: DS {means['score_composed']:.2f}  RC {means['score_route']:.2f}  IS {means['score_penalty']:.3f}  "
        f"({len(records)}/{expected_routes} routes)"
    )
    if rules is LeaderboardRules.BENCH2DRIVE:
        ds, sr = driving_score_and_success(records, expected_routes)
        abilities = ability_scores(records)
        line = f"{name} (Bench2Drive): DS {ds:.2f}  SR {100 * sr:.2f}%"
        line += "".join(f"  {ability} {100 * value:.1f}%" for ability, value in abilities.items())
        speed, comfort = efficiency(records), mean_comfortness(records)
        line += f"  efficiency {speed:.1f}" if speed is not None else ""
        lines.append(line + (f"  comfortness {100 * comfort:.1f}" if comfort is not None else ""))
    return lines
