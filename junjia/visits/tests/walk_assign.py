"""Permission-walk classification of assignment and route lists (junjia/visits/): village B's
person in 市南区's campaign (walk_campaigns) is assigned by village B's own staff to one of
them; village A's staff, whose list does not hold B's person, are refused; a route list shows
only the caller's own people, so it never lists village B to anyone else."""


def _campaign(world) -> dict:
    return {"pk": world.campaign.pk}


def assign_form(world) -> dict:
    return {
        "members": [str(world.member_b.pk)],
        "visitor": str(world.b_all.pk),
        "volunteer_name": "志愿者乙",
        "station": str(world.member_b.station_key),
        "action": "assign",
    }


def assign_api_body(world) -> dict:
    return {"members": [world.member_b.pk], "visitor": world.b_all.pk}


def _assigned(world) -> None:
    """B's person already assigned, so that taking them back changes something."""
    from junjia.visits.assignment import member_assign

    member_assign(actor=world.b_all, members=[world.member_b], visitor=world.b_all)


def _village_a(world) -> list:
    return [world.clerk_a, *world.mighty]


ASSIGN = {"capability": "visits.assign", "outsiders": _village_a}

ROUTES = {
    "visits:route": ("list", None, False),
    "visits:route_print": ("list", None, False),
    "api:visit-route": ("list", None, False),
    "visits:member_assign": ("global", _campaign, False, {"body": assign_form, **ASSIGN}),
    "api:visit-campaign-members-assign": (
        "global",
        _campaign,
        False,
        {"body": assign_api_body, **ASSIGN},
    ),
    "api:visit-campaign-members-unassign": (
        "global",
        _campaign,
        False,
        {"body": lambda w: {"members": [w.member_b.pk]}, "prepare": _assigned, **ASSIGN},
    ),
}
