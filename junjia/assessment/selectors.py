"""Reads of assessment, always through the jurisdiction scope (permissions.py)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet

from junjia.orgs.api import station_heads

from .choices import AssessmentStatus, RowKind, ScoringKind
from .models import Assessment, ScoreRound, ScoreRow, ScoreSheetVersion, Scoring
from .permissions import assessment_scope, can_view, round_scope


def sheet_versions(actor) -> QuerySet[ScoreSheetVersion]:
    """Every version of every sheet: national data, shown to anyone who reads assessments."""
    if not can_view(actor):
        return ScoreSheetVersion.objects.none()
    return (
        ScoreSheetVersion.objects.select_related("sheet")
        .annotate(row_count=Count("rows"))
        .order_by("sheet__code", "-number")
    )


def sheet_version(actor, pk: int) -> ScoreSheetVersion | None:
    if not 0 < pk < 2**63:  # a number past 2⁶³ names no row
        return None
    return sheet_versions(actor).filter(pk=pk).first()


def groups_of(version: ScoreSheetVersion) -> list:
    """The version's groups, each with its rows, in order (two queries)."""
    return list(
        version.groups.prefetch_related(Prefetch("rows", ScoreRow.objects.order_by("number")))
    )


def rounds_for(actor) -> QuerySet[ScoreRound]:
    return ScoreRound.objects.filter(round_scope(actor)).select_related("version")


def assessments_for(actor) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(assessment_scope(actor))
        .select_related("round")
        .order_by("-round__year", "-round__quarter", "region_key")
    )


def round_assessments(actor, found: ScoreRound) -> QuerySet[Assessment]:
    """The round's stations within the reader's reach, by township then village."""
    return Assessment.objects.filter(assessment_scope(actor), round=found).order_by(
        "township_key", "region_key"
    )


def round_counts(rows) -> dict:
    rows = list(rows)
    done = [a for a in rows if a.status != AssessmentStatus.SCORING]
    return {
        "stations": len(rows),
        "submitted": len(done),
        "passed": sum(1 for a in done if a.passed),
        "checked": sum(1 for a in rows if a.status == AssessmentStatus.CHECKED),
    }


def scoring_of(assessment: Assessment, kind: str) -> Scoring | None:
    return (
        assessment.scorings.filter(kind=kind)
        .select_related("scored_by")
        .prefetch_related("rows__row", "claims__row")
        .first()
    )


@dataclass
class StatisticsRow:
    """One line of 附件2: 序号, 服务站名称, 得分, 联系人, 联系电话, 备注."""

    number: int
    station: str
    score: Decimal | None
    contact: str
    phone: str
    remark: str


def remark_of(assessment: Assessment) -> str:
    if assessment.status == AssessmentStatus.SCORING:
        return "尚未报送"
    if assessment.vetoed:
        return "一票否决，不达标"
    return "达标" if assessment.passed else "未达标"


def statistics_rows(actor, found: ScoreRound) -> list[StatisticsRow]:
    """附件2 for the round's stations within the reader's reach. 联系人 is the station's
    head; 联系电话 the station's office number (its public contact, shown on the portal),
    never a person's mobile."""
    rows = list(round_assessments(actor, found).select_related("station"))
    heads = station_heads(a.station_id for a in rows)
    result = []
    for number, a in enumerate(rows, start=1):
        head = heads.get(a.station_id)
        result.append(
            StatisticsRow(
                number=number,
                station=a.station_name,
                score=a.total if a.status != AssessmentStatus.SCORING else None,
                contact=(head.full_name or head.username) if head else "",
                phone=a.station.phone or a.station.hotline,
                remark=remark_of(a),
            )
        )
    return result


@dataclass
class RowComparison:
    number: int
    standard: str
    points: Decimal | None
    township: Decimal | None
    township_note: str
    check: Decimal | None
    check_note: str

    @property
    def difference(self) -> Decimal | None:
        if self.township is None or self.check is None:
            return None
        return self.check - self.township


def comparison(assessment: Assessment) -> dict:
    """The township's and the county's scores row by row, the differing rows marked, and
    both totals (抽查复核)."""
    version = assessment.round.version
    township = scoring_of(assessment, ScoringKind.TOWNSHIP)
    check = scoring_of(assessment, ScoringKind.CHECK)

    def by_row(scoring):
        return {r.row.number: r for r in scoring.rows.all()} if scoring else {}

    ours, theirs = by_row(township), by_row(check)
    rows = []
    for row in version.rows.filter(kind=RowKind.SCORED).order_by("number"):
        a, b = ours.get(row.number), theirs.get(row.number)
        rows.append(
            RowComparison(
                number=row.number,
                standard=row.standard,
                points=row.points,
                township=a.score if a else None,
                township_note=a.note if a else "",
                check=b.score if b else None,
                check_note=b.note if b else "",
            )
        )
    return {
        "township": township,
        "check": check,
        "rows": rows,
        "differing": [r for r in rows if r.difference],
    }


def differing_count(assessments) -> dict[int, int]:
    """{assessment id: rows where the spot check differs} for assessments with both
    scorings: one query."""
    ids = [a.pk for a in assessments]
    pairs = Scoring.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "kind", "rows__row_id", "rows__score"
    )
    scores: dict[tuple[int, int], dict[str, Decimal]] = {}
    for assessment_id, kind, row_id, score in pairs:
        if row_id is not None:
            scores.setdefault((assessment_id, row_id), {})[kind] = score
    counts: dict[int, int] = {}
    for (assessment_id, _), by_kind in scores.items():
        if len(by_kind) == 2 and len(set(by_kind.values())) == 2:
            counts[assessment_id] = counts.get(assessment_id, 0) + 1
    return counts
