"""Permission-walk classification of the visit rules' pages and API (junjia/visits/): the
rules hold no personal data and no village's objects; who may read them and who may add,
change or retire them (county level and above, visits.rules) is what matters. The same
holds for the budget lines (经费来源) a county keeps."""

from junjia.visits.rules import load_seed_rules


def extend_world(world, tree, personas) -> None:
    """The seed rules, one rule and one budget line of 市南区 (the county above villages A
    and B)."""
    from junjia.visits.services import budget_line_add, rule_add

    load_seed_rules()
    rule_add(
        actor=personas.head_county,
        code="county-walk",
        name="市南区重阳节走访",
        content={
            "source": "市南区文件",
            "timing": "lunar_date",
            "month": 9,
            "day": 9,
            "pension": True,
        },
    )
    world.budget_line = budget_line_add(actor=personas.head_county, name="春节慰问经费")


def _county_rule(world) -> dict:
    return {"code": "county-walk"}


def _county_line(world) -> dict:
    return {"pk": world.budget_line.pk}


def _county_head(world):
    return world.personas.head_county


def _village_a(world) -> list:
    """Village A's staff holding every capability: village level may not make rules."""
    return [world.clerk_a, *world.mighty]


def rule_body(world) -> dict:
    return {
        "code": "county-walk-2",
        "name": "市南区重阳节走访（新）",
        "source": "市南区文件",
        "subject": "living",
        "timing": "lunar_date",
        "month": "9",
        "day": "9",
        "days_before": "5",
        "days_after": "0",
        "months_after": "0",
        "responsible_level": "5",
        "contact_counts": "home",
        "pension": "on",
    }


def _edit_body(world) -> dict:
    body = rule_body(world)
    del body["code"]
    return body


WRITE = {"actor": _county_head, "capability": "visits.rules", "outsiders": _village_a}

ROUTES = {
    "visits:rule_list": ("list", None, False),
    "visits:rule_detail": ("self", _county_rule, False),
    "api:visit-rule-list": ("list", None, False),
    "api:visit-rule-detail": ("self", _county_rule, False),
    "visits:rule_new": ("global", None, False, {"body": rule_body, **WRITE}),
    "visits:rule_edit": ("global", _county_rule, False, {"body": _edit_body, **WRITE}),
    "visits:budget_lines": ("list", None, False),
    "api:visit-budget-line-list": ("list", None, False),
    "visits:budget_line_new": (
        "global",
        None,
        False,
        {"body": lambda w: {"name": "八一慰问经费"}, **WRITE},
    ),
    "visits:budget_line_retire": ("global", _county_line, False, {"body": lambda w: {}, **WRITE}),
    "visits:rule_retire": (
        "global",
        _county_rule,
        False,
        {"body": lambda w: {"reason": "并入重阳节普遍走访"}, **WRITE},
    ),
}
