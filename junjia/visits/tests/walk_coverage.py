"""Permission-walk classification of the coverage pages and API (junjia/visits/): 市南区's
campaign of walk_campaigns seen region by region within the reader's share; contact
coverage within the jurisdiction; naming village B's person's responsible contact is
village B's station's."""


def _campaign(world) -> dict:
    return {"pk": world.campaign.pk}


def _person_b(world) -> dict:
    return {"recipient": world.recipient_b.pk}


ROUTES = {
    "visits:coverage_index": ("list", None, False),
    "visits:campaign_coverage": ("self", _campaign, False),
    "visits:contact_coverage": ("list", None, False),
    "api:visit-campaign-coverage": ("self", _campaign, False),
    "api:contact-coverage": ("list", None, False),
    "visits:contact_set": ("object", _person_b, False, {"body": lambda w: {"name": "网格员张三"}}),
}
