"""Permission-walk classification of the assessment pages and API (junjia/assessment/):
市南区's 2027 Q1 round holding village B's station; scoring it is 甲街道's (the township
above B), spot-checking it 市南区's. A round is the county's and seen by every station
under it (each sees only its own stations in it: test_pages), so its pages are "self"."""

from junjia.assessment.tests.factories import (
    api_body,
    form_body,
    full_marks,
    open_round,
    scored,
    township_head,
)


def extend_world(world, tree, personas) -> None:
    from junjia.assessment.models import Assessment

    found = open_round(personas)
    world.score_round = found
    world.assessment_b = Assessment.objects.get(round=found, station=tree.stations.village_b)
    world.scorer_town = township_head(tree)


def _round(world) -> dict:
    return {"pk": world.score_round.pk}


def _b(world) -> dict:
    return {"pk": world.assessment_b.pk}


def _sheet(world) -> dict:
    return {"pk": world.score_round.version_id}


def _scorer(world):
    return world.scorer_town


def _county_head(world):
    return world.personas.head_county


def _scored(world) -> None:
    scored(world.scorer_town, world.assessment_b, full_marks(world.score_round.version))


def _submitted(world) -> None:
    from junjia.assessment import services

    _scored(world)
    services.assessment_submit(actor=world.scorer_town, assessment=world.assessment_b)


def _version(world):
    return world.score_round.version


ROUTES = {
    "assessment:sheet_list": ("list", None, False),
    "assessment:sheet_detail": ("self", _sheet, False),
    "api:score-sheet-list": ("list", None, False),
    "api:score-sheet-detail": ("self", _sheet, False),
    "assessment:round_list": (
        "list",
        None,
        False,
        {
            "body": lambda w: {"year": "2027", "quarter": "2"},
            "actor": _county_head,
            "capability": "assessment.rounds",
        },
    ),
    "assessment:round_detail": ("self", _round, False),
    "assessment:statistics": ("self", _round, False),
    "assessment:assessment_detail": ("object", _b, False),
    "assessment:assessment_compare": ("object", _b, False),
    "assessment:assessment_score": (
        "object",
        _b,
        False,
        {"body": lambda w: form_body(_version(w)), "actor": _scorer},
    ),
    "assessment:assessment_submit": (
        "object",
        _b,
        False,
        {"body": lambda w: {}, "actor": _scorer, "prepare": _scored},
    ),
    "assessment:assessment_check": (
        "object",
        _b,
        False,
        {"body": lambda w: form_body(_version(w)), "actor": _county_head, "prepare": _submitted},
    ),
    "api:assessment-list": ("list", None, True),
    "api:assessment-detail": ("object", _b, False),
    "api:assessment-scores": (
        "object",
        _b,
        False,
        {"body": lambda w: api_body(_version(w)), "actor": _scorer},
    ),
    "api:assessment-submit": (
        "object",
        _b,
        False,
        {"body": lambda w: {}, "actor": _scorer, "prepare": _scored},
    ),
}
