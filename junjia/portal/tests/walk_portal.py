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
