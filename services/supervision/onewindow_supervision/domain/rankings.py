"""The month's ranking of one level (streets and towns, districts, city departments) and its red
list (红榜, the best) and black list (黑榜, the worst). Ties: the larger volume ranks first (more
cases handled at the same score), then the code, so a ranking never changes between two reads."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from .indicators import Counters, composite, rates


@dataclass(frozen=True)
class Ranked:
    rank: int
    code: str
    score: float
    volume: int
    rates: Mapping[str, float | None]


def rank(counters: Mapping[str, Counters], weights: Mapping[str, float]) -> list[Ranked]:
    """Everyone with a score, best first (no case received, no score: not ranked)."""
    scored = []
    for code, c in counters.items():
        found = rates(c)
        score = composite(found, weights)
        if score is not None:
            scored.append((score, c.received, code, found))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [Ranked(n, code, score, volume, found) for n, (score, volume, code, found) in enumerate(scored, 1)]


def red_and_black(ranked: list[Ranked], size: int) -> tuple[list[Ranked], list[Ranked]]:
    """The top `size` and the bottom `size`, never the same one on both (with fewer than twice
    `size` ranked, the black list is what the red list leaves), the worst first on the black list."""
    red = ranked[:size]
    rest = ranked[len(red):]
    black = list(reversed(rest[-size:])) if rest else []
    return red, black


CSV_RATES = ("response", "resolution", "satisfaction", "timely_sign_for", "on_time", "return", "redo")


def ranking_csv(ranked: list[Ranked], names: Mapping[str, str]) -> str:
    """The ranking as CSV for the supervision office's spreadsheets: one row each, rates as
    percentages with one decimal, empty where a rate has no denominator yet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rank", "code", "name", "score", "volume", *CSV_RATES])
    for r in ranked:
        writer.writerow([r.rank, r.code, names.get(r.code, ""), f"{r.score:.2f}", r.volume,
                         *("" if r.rates.get(k) is None else f"{100 * (r.rates[k] or 0):.1f}" for k in CSV_RATES)])
    return out.getvalue()
