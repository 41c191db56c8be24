"""The assessment's workflow as data: the township scores and submits to the county, the
county spot-checks by scoring again (003 二(三): 逐项打分 … 县服务中心予以抽查复核).
junjia.core.workflow.perform is its only writer (services.py)."""

from junjia.core.errors import InvalidInput
from junjia.core.workflow import Transition, Workflow

from . import engine, errors, roles
from .choices import AssessmentStatus as S
from .choices import ScoringKind


def _complete(kind: str, message: str):
    """A guard: the party's scoring is saved with every row scored and a note for every
    point withheld (the engine's check, naming the row)."""

    def guard(assessment, actor, **context):
        from .scoring import entries_of

        scoring = assessment.scorings.filter(kind=kind).first()
        if scoring is None:
            return message
        data = entries_of(scoring)
        try:
            engine.check(
                engine.sheet_of(assessment.round.version),
                data.scores,
                data.notes,
                data.claims,
                data.vetoes,
                data.veto_note,
                complete=True,
            )
        except InvalidInput as exc:
            return exc
        return None

    return guard


ASSESSMENT_WORKFLOW = Workflow(
    "assessment",
    S,
    {
        S.SCORING: {
            S.SUBMITTED: Transition(
                "报送县级",
                roles.SCORE,
                guard=_complete(ScoringKind.TOWNSHIP, errors.NO_SCORING),
            )
        },
        S.SUBMITTED: {
            S.CHECKED: Transition(
                "完成抽查复核",
                roles.CHECK,
                guard=_complete(ScoringKind.CHECK, errors.NO_CHECK_SCORING),
            )
        },
    },
    final_message="该服务站的考核已抽查复核完成。",
)
