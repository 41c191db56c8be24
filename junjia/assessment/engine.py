"""The score engine: a pure function from a sheet version and one party's entries (row
scores, bonus claims with their matter, veto conditions) to the total, the bonus applied,
pass or fail and the veto. The rules it applies are the version's data: the pass mark
(inclusive or not), the bonus cap, "同一事项只计最高加分，不累计加分" and the veto — a
separate pass/fail that fails the station whatever its score, never a cap on the score."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from junjia.core.errors import InvalidInput

from .choices import RowKind

ZERO = Decimal(0)

BAD_SCORE = "第{number}项得分应在 0 至 {points} 分之间。"
BAD_STEP = "第{number}项得分只能按 {step} 分为单位（如 1、1.5、2）。"
NO_NOTE = "第{number}项扣了 {withheld} 分，请填写扣分说明。"
NOT_SCORED = "第{number}项尚未评分。"
UNKNOWN_ROW = "评分表中没有第{number}项。"
NOT_BONUS = "第{number}项不是加分项。"
BAD_BONUS = "第{number}项每个事项加分应在 {step} 至 {points} 分之间。"
NO_MATTER = "第{number}项的加分请填写事项（同一事项只计最高加分）。"
BAD_VETO = "一票否决没有第{number}种情形。"
NO_VETO_NOTE = "选择了一票否决情形，请填写否决说明。"


@dataclass(frozen=True)
class Row:
    number: int
    kind: str
    points: Decimal | None
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    rows: tuple[Row, ...]
    declared_total: Decimal
    pass_mark: Decimal
    pass_inclusive: bool = True
    bonus_cap: Decimal = ZERO
    bonus_one_matter: bool = True
    score_step: Decimal = Decimal("0.5")

    def row(self, number: int) -> Row | None:
        return next((r for r in self.rows if r.number == number), None)

    def of_kind(self, kind: str) -> list[Row]:
        return [r for r in self.rows if r.kind == kind]

    @property
    def rows_total(self) -> Decimal:
        return sum((r.points for r in self.of_kind(RowKind.SCORED)), ZERO)

    @property
    def veto_row(self) -> Row | None:
        return next(iter(self.of_kind(RowKind.VETO)), None)


@dataclass(frozen=True)
class Claim:
    """A bonus claimed on a bonus row for one matter (事项)."""

    row: int
    points: Decimal
    matter: str


@dataclass
class Result:
    scored_total: Decimal
    bonus_claimed: Decimal
    bonus_applied: Decimal
    total: Decimal
    vetoed: bool
    passed: bool
    complete: bool
    missing: list[int]
    counted: list[bool] = field(default_factory=list)  # per claim, in the order given


def sheet_of(version) -> Sheet:
    """The engine's view of a stored sheet version (its rows fetched once)."""
    return Sheet(
        rows=tuple(
            Row(r.number, r.kind, r.points, tuple(r.conditions or ()))
            for r in version.rows.order_by("number")
        ),
        declared_total=version.declared_total,
        pass_mark=version.pass_mark,
        pass_inclusive=version.pass_inclusive,
        bonus_cap=version.bonus_cap,
        bonus_one_matter=version.bonus_one_matter,
        score_step=version.score_step,
    )


def matter_key(matter: str) -> str:
    """Two claims are for one matter when their words agree, spacing aside."""
    return "".join((matter or "").split())


def evaluate(
    sheet: Sheet,
    scores: Mapping[int, Decimal],
    claims: Iterable[Claim] = (),
    vetoes: Iterable[int] = (),
) -> Result:
    """The result of these entries; rows not scored yet count 0 and are listed as missing."""
    claims = list(claims)
    scored_rows = sheet.of_kind(RowKind.SCORED)
    missing = [r.number for r in scored_rows if r.number not in scores]
    scored_total = sum((scores[r.number] for r in scored_rows if r.number in scores), ZERO)
    counted = [True] * len(claims)
    if sheet.bonus_one_matter:
        best: dict[str, int] = {}
        for index, claim in enumerate(claims):
            key = matter_key(claim.matter)
            if key not in best or claim.points > claims[best[key]].points:
                best[key] = index
        counted = [index in best.values() for index in range(len(claims))]
    claimed = sum((c.points for c, ok in zip(claims, counted, strict=True) if ok), ZERO)
    applied = min(claimed, sheet.bonus_cap)
    total = scored_total + applied
    vetoed = bool(list(vetoes))
    reached = total >= sheet.pass_mark if sheet.pass_inclusive else total > sheet.pass_mark
    return Result(
        scored_total=scored_total,
        bonus_claimed=claimed,
        bonus_applied=applied,
        total=total,
        vetoed=vetoed,
        passed=reached and not vetoed and not missing,
        complete=not missing,
        missing=missing,
        counted=counted,
    )


def _on_step(value: Decimal, step: Decimal) -> bool:
    return step <= 0 or value % step == 0


def check(
    sheet: Sheet,
    scores: Mapping[int, Decimal],
    notes: Mapping[int, str],
    claims: Iterable[Claim] = (),
    vetoes: Iterable[int] = (),
    veto_note: str = "",
    *,
    complete: bool = False,
) -> None:
    """The entries as the sheet allows them, or InvalidInput naming the row (field
    score_<n>, note_<n>, claim_<i>…, veto): each score within the row's points on the
    sheet's step, a note for every point withheld, each bonus claim on a bonus row with its
    matter and within the row's points; with `complete`, every scored row scored."""
    for number, score in sorted(scores.items()):
        row = sheet.row(number)
        if row is None or row.kind != RowKind.SCORED:
            raise InvalidInput(UNKNOWN_ROW.format(number=number), field=f"score_{number}")
        if not ZERO <= score <= row.points:
            raise InvalidInput(
                BAD_SCORE.format(number=number, points=_plain(row.points)), field=f"score_{number}"
            )
        if not _on_step(score, sheet.score_step):
            raise InvalidInput(
                BAD_STEP.format(number=number, step=_plain(sheet.score_step)),
                field=f"score_{number}",
            )
        if score < row.points and not (notes.get(number) or "").strip():
            withheld = _plain(row.points - score)
            raise InvalidInput(
                NO_NOTE.format(number=number, withheld=withheld), field=f"note_{number}"
            )
    for index, claim in enumerate(claims, start=1):
        row = sheet.row(claim.row)
        if row is None or row.kind != RowKind.BONUS:
            raise InvalidInput(NOT_BONUS.format(number=claim.row), field=f"claim_row_{index}")
        if not (sheet.score_step <= claim.points <= row.points) or not _on_step(
            claim.points, sheet.score_step
        ):
            raise InvalidInput(
                BAD_BONUS.format(
                    number=claim.row, step=_plain(sheet.score_step), points=_plain(row.points)
                ),
                field=f"claim_points_{index}",
            )
        if not matter_key(claim.matter):
            raise InvalidInput(NO_MATTER.format(number=claim.row), field=f"claim_matter_{index}")
    vetoes = list(vetoes)
    veto = sheet.veto_row
    for number in vetoes:
        if veto is None or not 1 <= number <= len(veto.conditions):
            raise InvalidInput(BAD_VETO.format(number=number), field="vetoes")
    if vetoes and not veto_note.strip():
        raise InvalidInput(NO_VETO_NOTE, field="veto_note")
    if complete:
        for row in sheet.of_kind(RowKind.SCORED):
            if row.number not in scores:
                raise InvalidInput(
                    NOT_SCORED.format(number=row.number), field=f"score_{row.number}"
                )


def _plain(value: Decimal) -> str:
    """3 for 3.0, 1.5 for 1.5: points as people write them."""
    text = format(value.normalize(), "f")
    return text
