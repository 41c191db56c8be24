"""Permission-walk classification of the campaign pages and API (junjia/visits/): a campaign
of 市南区 (the county above villages A and B) listing village B's person; generating and
managing it is county level and above (visits.campaigns), reassigning B's person a head
above the village who reaches B, reading its members the reader's own subtree."""

from junjia.orgs.choices import Role
from junjia.orgs.tests.factories import make_staff
from junjia.visits.tests.test_campaigns import END, START, county_campaign


def extend_world(world, tree, personas) -> None:
    """The seed rules; 市南区's campaign on 联系全覆盖, generated (without its job), holding
    village B's person; the head of 甲街道 (the township above B)."""
    from junjia.visits.models import CampaignMember

    campaign = county_campaign(tree, personas, "contact-coverage", "市南区联系全覆盖")
    world.campaign = campaign
    world.member_b = CampaignMember.objects.get(campaign=campaign, recipient=world.recipient_b)
    world.head_town = make_staff(tree.stations.town1, Role.STATION_HEAD, username="head_town1")


def _campaign(world) -> dict:
    return {"pk": world.campaign.pk}


def _member_b(world) -> dict:
    return {"pk": world.campaign.pk, "member": world.member_b.pk}


def _county_head(world):
    return world.personas.head_county


def _village_a(world) -> list:
    """Village A's staff holding every capability: village level may not make campaigns."""
    return [world.clerk_a, *world.mighty]


def campaign_body(world) -> dict:
    return {
        "name": "2027年春节走访慰问",
        "period_start": START.isoformat(),
        "period_end": END.isoformat(),
        "rules": ["spring-festival"],
    }


WRITE = {"actor": _county_head, "capability": "visits.campaigns", "outsiders": _village_a}

ROUTES = {
    "visits:campaign_list": ("list", None, False),
    "visits:campaign_detail": ("self", _campaign, False),
    "api:visit-campaign-detail": ("self", _campaign, False),
    "api:visit-campaign-members": ("self", _campaign, False),
    "visits:campaign_new": ("global", None, False, {"body": campaign_body, **WRITE}),
    "api:visit-campaign-list": ("list", None, False, {"body": campaign_body, **WRITE}),
    "visits:campaign_regenerate": ("global", _campaign, False, {"body": lambda w: {}, **WRITE}),
    "visits:campaign_move": (
        "global",
        _campaign,
        False,
        {"body": lambda w: {"to": "open"}, **WRITE},
    ),
    "visits:member_reassign": (
        "object",
        _member_b,
        False,
        {"body": lambda w: {"level": "4", "reason": "街道包联"}, "actor": lambda w: w.head_town},
    ),
}
