"""The portal's routes for the permission walk: public pages, no log-in, no personal data."""

ROUTES = {
    "portal:home": ("public", None, False),
    "portal:guide_list": ("public", None, False),
    "portal:guide_detail": ("public", lambda world: {"code": "preferential-card"}, False),
    "portal:book_station": ("public", None, False),
    "portal:book": ("public", lambda world: {"pk": world.station_b.pk}, False),
    "portal:book_done": ("public", None, False),
    "portal:appointment_lookup": ("public", None, False),
    "portal:appointment_manage": ("public", None, False),
    "portal:rate": ("public", lambda world: {"token": "invalid"}, False),
    "portal:case_progress": ("public", None, False),
    "portal:display": ("public", None, False),
}


def _petition_query(world) -> dict:
    """Village B's petition (walk_petitions) as its petitioner types it on the portal."""
    from junjia.petitions.tests.walk_petitions import _petitioner

    return {"query_code": world.petition_b.query_code, "id_number": _petitioner(901)}


# the petitioner's progress query reads only: that petition's status and dated steps
ROUTES["portal:petition_progress"] = (
    "public",
    None,
    False,
    {
        "body": _petition_query,
        "actor": lambda world: None,
        "changes_db": False,
        "shows": ("已登记（待决定是否受理）",),
    },
)
