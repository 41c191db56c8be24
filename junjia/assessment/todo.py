"""What assessment puts on the home page (core.todo): for township staff who score, the
village stations of their township still to be scored and submitted in an opened round."""

from django.urls import reverse

from junjia.core.todo import MINE, WorkflowQueue
from junjia.orgs.api import Level, has_capability, jurisdiction_of

from . import roles
from .choices import AssessmentStatus
from .models import Assessment
from .permissions import assessment_scope
from .workflow import ASSESSMENT_WORKFLOW


def to_score(actor, today):
    juris = jurisdiction_of(actor)
    if juris is None or juris.level != Level.TOWNSHIP or not has_capability(actor, roles.SCORE):
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(assessment_scope(actor), status=AssessmentStatus.SCORING)
        .select_related("round")
        .order_by("round__year", "round__quarter", "region_key")
    )


def _title(assessment) -> str:
    found = assessment.round
    return f"{assessment.station_name} · {found.year}年{found.get_quarter_display()}考核评分"


def _link(assessment) -> str:
    return reverse("assessment:assessment_score", kwargs={"pk": assessment.pk})


QUEUES = (
    WorkflowQueue(ASSESSMENT_WORKFLOW, "考核", MINE, rows=to_score, title=_title, link=_link),
)
