"""Assessment's writers: opening a county's quarter, saving a scoring (the township's or the
county's spot check), submitting to the county and finishing the spot check. Each is one
transaction with its audit row; status changes go through the workflow kernel."""

from django.db import transaction
from django.utils import timezone

from junjia.core import audit
from junjia.core.errors import InvalidInput, NotPermitted, WrongState
from junjia.core.models import AuditAction
from junjia.core.workflow import perform, wrong_state
from junjia.orgs.api import Level, active_stations, jurisdiction_of

from . import engine, errors
from .choices import AssessmentStatus, Quarter, ScoringKind
from .models import (
    Assessment,
    AssessmentStep,
    BonusClaim,
    RowScore,
    ScoreRound,
    ScoreSheet,
    Scoring,
)
from .permissions import can_check, can_open_rounds, can_score, workflow_can
from .scoring import ScoringInput
from .sheets import VILLAGE_2023
from .workflow import ASSESSMENT_WORKFLOW


@transaction.atomic
def round_open(*, actor, year: int, quarter: int) -> ScoreRound:
    """The county's quarter, on the current village-station sheet: one assessment for each
    active village station of the county (003 二(三): 各镇乡 … 逐项打分，分季度填写)."""
    if not can_open_rounds(actor):
        raise NotPermitted(errors.NOT_ROUND_OPENER)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(errors.BAD_YEAR, field="year")
    if quarter not in Quarter.values:
        raise InvalidInput(errors.BAD_QUARTER, field="quarter")
    sheet = ScoreSheet.objects.filter(code=VILLAGE_2023.code).first()
    if sheet is None or sheet.current_version_id is None:
        raise InvalidInput(errors.NO_SHEET)
    juris = jurisdiction_of(actor)
    if ScoreRound.objects.filter(region_key=juris.low, year=year, quarter=quarter).exists():
        raise InvalidInput(
            errors.ROUND_EXISTS.format(
                region=juris.region_name, year=year, quarter=Quarter(quarter).label
            ),
            field="quarter",
        )
    stations = list(active_stations([Level.VILLAGE], within=(juris.low, juris.high)))
    if not stations:
        raise InvalidInput(errors.NO_VILLAGES)
    found = ScoreRound.objects.create(
        version_id=sheet.current_version_id,
        year=year,
        quarter=quarter,
        region_key=juris.low,
        region_key_high=juris.high,
        region_name=juris.region_name,
        opened_by=actor,
        station_count=len(stations),
    )
    Assessment.objects.bulk_create(
        Assessment(
            round=found,
            station=station,
            station_name=station.name,
            region_key=station.region_key,
            township_key=station.region.parent.key,
            township_name=station.region.parent.name,
        )
        for station in stations
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=found,
        region_key=found.region_key,
        changes={
            "quarter": [None, f"{year}-Q{quarter}"],
            "stations": [None, len(stations)],
            "version": [None, found.version_id],
        },
    )
    return found


def _require(actor, assessment: Assessment, kind: str) -> None:
    """The party may write its scoring now: the township while scoring, the county's spot
    check once submitted (a refusal names the state, as the kernel's do)."""
    if kind == ScoringKind.TOWNSHIP:
        if not can_score(actor, assessment):
            raise NotPermitted(errors.NOT_SCORER)
        if assessment.status != AssessmentStatus.SCORING:
            raise _state(assessment, errors.NOT_SCORING)
    elif kind == ScoringKind.CHECK:
        if not can_check(actor, assessment):
            raise NotPermitted(errors.NOT_CHECKER)
        if assessment.status != AssessmentStatus.SUBMITTED:
            raise _state(assessment, errors.NOT_SUBMITTED)
    else:
        raise InvalidInput("未知的评分方。", field="kind")


def _state(assessment: Assessment, message: str) -> WrongState:
    refusal = wrong_state(ASSESSMENT_WORKFLOW, assessment.status, assessment.status)
    return WrongState(
        message,
        status=refusal.status,
        status_label=refusal.status_label,
        allowed=refusal.allowed,
    )


@transaction.atomic
def scoring_save(*, actor, assessment: Assessment, kind: str, data: ScoringInput) -> Scoring:
    """Save one party's scores as they stand (a draft; rows may still be missing): each
    score within its row's points, a note for every point withheld, bonus claims with their
    matter. The engine's result is kept with the scoring."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require(actor, locked, kind)
    sheet = engine.sheet_of(locked.round.version)
    engine.check(sheet, data.scores, data.notes, data.claims, data.vetoes, data.veto_note)
    result = engine.evaluate(sheet, data.scores, data.claims, data.vetoes)
    scoring, created = Scoring.objects.get_or_create(
        assessment=locked, kind=kind, defaults={"scored_by": actor}
    )
    before = None if created else _summary(scoring)
    rows = {r.number: r for r in locked.round.version.rows.all()}
    scoring.rows.all().delete()
    scoring.claims.all().delete()
    RowScore.objects.bulk_create(
        RowScore(
            scoring=scoring,
            row=rows[number],
            score=score,
            note=(data.notes.get(number) or "").strip(),
        )
        for number, score in sorted(data.scores.items())
    )
    BonusClaim.objects.bulk_create(
        BonusClaim(
            scoring=scoring,
            row=rows[claim.row],
            matter=claim.matter.strip()[:200],
            points=claim.points,
            counted=counted,
        )
        for claim, counted in zip(data.claims, result.counted, strict=True)
    )
    scoring.scored_by = actor
    scoring.vetoes = sorted(set(data.vetoes))
    scoring.veto_note = data.veto_note.strip() if data.vetoes else ""
    scoring.scored_total = result.scored_total
    scoring.bonus_applied = result.bonus_applied
    scoring.total = result.total
    scoring.complete = result.complete
    scoring.vetoed = result.vetoed
    scoring.passed = result.passed
    scoring.save()
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=scoring,
        object_repr=f"{locked.station_name} {scoring.get_kind_display()}",
        region_key=locked.region_key,
        changes=audit.diff(before, _summary(scoring)),
    )
    return scoring


def _summary(scoring: Scoring) -> dict:
    return {
        "total": str(scoring.total),
        "bonus_applied": str(scoring.bonus_applied),
        "complete": scoring.complete,
        "vetoed": scoring.vetoed,
        "passed": scoring.passed,
        "rows": {str(r.row.number): str(r.score) for r in scoring.rows.select_related("row")},
    }


def _record(step) -> None:
    AssessmentStep.objects.create(
        assessment=step.obj,
        action=step.transition.action,
        from_status=step.from_status,
        to_status=step.to_status,
        actor=step.actor,
        remark=step.remark,
        extra=step.extra or None,
    )
    audit.record(
        actor=step.actor,
        action=AuditAction.UPDATE,
        obj=step.obj,
        region_key=step.obj.region_key,
        changes={"status": [step.from_status, step.to_status]},
        extra={"remark": step.remark} if step.remark else None,
    )


def assessment_submit(*, actor, assessment: Assessment, remark: str = "") -> Assessment:
    """The township submits its complete scoring to the county; its result becomes the
    station's score (附件2)."""

    def apply(locked: Assessment) -> list[str]:
        scoring = locked.scorings.get(kind=ScoringKind.TOWNSHIP)
        locked.total = scoring.total
        locked.passed = scoring.passed
        locked.vetoed = scoring.vetoed
        locked.submitted_at = timezone.now()
        return ["total", "passed", "vetoed", "submitted_at"]

    return _move(actor, assessment, AssessmentStatus.SUBMITTED, remark, apply)


def check_finish(*, actor, assessment: Assessment, remark: str = "") -> Assessment:
    """The county's spot check is complete (its scoring saved with every row scored)."""
    return _move(actor, assessment, AssessmentStatus.CHECKED, remark, None)


def _move(actor, assessment, to, remark, apply) -> Assessment:
    return perform(
        ASSESSMENT_WORKFLOW,
        assessment,
        to,
        actor=actor,
        can=workflow_can,
        record=_record,
        apply=apply,
        remark=(remark or "").strip(),
    )
