"""One party's entries (row scores with notes, bonus claims, veto conditions) as the engine
takes them, read from a stored scoring."""

from dataclasses import dataclass, field
from decimal import Decimal

from . import engine


@dataclass
class ScoringInput:
    """{row number: score}, {row number: note}, the bonus claims, the veto conditions that
    occurred (their numbers on the veto row) and what happened."""

    scores: dict[int, Decimal] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    claims: list[engine.Claim] = field(default_factory=list)
    vetoes: list[int] = field(default_factory=list)
    veto_note: str = ""


def entries_of(scoring) -> ScoringInput:
    rows = list(scoring.rows.select_related("row"))
    return ScoringInput(
        scores={r.row.number: r.score for r in rows},
        notes={r.row.number: r.note for r in rows},
        claims=[
            engine.Claim(c.row.number, c.points, c.matter)
            for c in scoring.claims.select_related("row").order_by("id")
        ],
        vetoes=list(scoring.vetoes or ()),
        veto_note=scoring.veto_note,
    )
