"""Who may see and do what in assessment: the jurisdiction kernel on key ranges.

A round is seen by everyone whose jurisdiction it covers or lies within (the county that
opened it, its townships and villages, the city and province above); an assessment of a
village station within the reader's subtree (a township: its villages; a village: its own).
A township scores its own villages; the county opens rounds and spot-checks."""

from django.db.models import Q
from django.http import Http404

from junjia.orgs.api import Level, has_capability, jurisdiction_of

from . import roles
from .choices import AssessmentStatus
from .models import Assessment, ScoreRound

NO_ROWS = Q(pk__in=[])


def can_view(actor) -> bool:
    return has_capability(actor, roles.VIEW)


def round_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not can_view(actor):
        return NO_ROWS
    return Q(region_key__lte=juris.high, region_key_high__gte=juris.low)


def assessment_scope(actor) -> Q:
    juris = jurisdiction_of(actor)
    if juris is None or not can_view(actor):
        return NO_ROWS
    return Q(region_key__gte=juris.low, region_key__lte=juris.high)


def can_open_rounds(actor) -> bool:
    """A county centre's head (assessment.rounds at county level)."""
    juris = jurisdiction_of(actor)
    return juris is not None and juris.level == Level.COUNTY and has_capability(actor, roles.ROUNDS)


def can_score(actor, assessment: Assessment) -> bool:
    """Township staff holding assessment.score whose township holds the station."""
    juris = jurisdiction_of(actor)
    return (
        juris is not None
        and juris.level == Level.TOWNSHIP
        and has_capability(actor, roles.SCORE)
        and juris.contains(assessment.region_key)
    )


def can_check(actor, assessment: Assessment) -> bool:
    """County staff holding assessment.check whose county holds the station."""
    juris = jurisdiction_of(actor)
    return (
        juris is not None
        and juris.level == Level.COUNTY
        and has_capability(actor, roles.CHECK)
        and juris.contains(assessment.region_key)
    )


def may_score_now(actor, assessment: Assessment) -> bool:
    return can_score(actor, assessment) and assessment.status == AssessmentStatus.SCORING


def may_check_now(actor, assessment: Assessment) -> bool:
    return can_check(actor, assessment) and assessment.status == AssessmentStatus.SUBMITTED


def workflow_can(actor, capability: str, assessment: Assessment) -> bool:
    """The kernel's permission check for the assessment workflow."""
    if capability == roles.SCORE:
        return can_score(actor, assessment)
    if capability == roles.CHECK:
        return can_check(actor, assessment)
    return False


def _id(pk) -> int:
    """A database id from a URL, or 404: a number past 2⁶³ names no row."""
    if not isinstance(pk, int) or not 0 < pk < 2**63:
        raise Http404("未找到，或不在您的辖区内。")
    return pk


def get_round_for_actor(actor, pk) -> ScoreRound:
    _id(pk)
    found = ScoreRound.objects.filter(round_scope(actor), pk=pk).select_related("version").first()
    if found is None:
        raise Http404("未找到该考核轮次，或不在您的辖区内。")
    return found


def get_assessment_for_actor(actor, pk) -> Assessment:
    _id(pk)
    found = (
        Assessment.objects.filter(assessment_scope(actor), pk=pk)
        .select_related("round", "round__version", "station")
        .first()
    )
    if found is None:
        raise Http404("未找到该服务站考核，或不在您的辖区内。")
    return found
