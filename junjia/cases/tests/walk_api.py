"""Permission-walk classification of the cases REST routes (junjia/cases/rest/): (kind,
kwargs pointing at village B's objects, whether a township-level user sees village B in the
list). Village B's case, extension, appointment and evaluation come from walk_work.py and
walk_rota.py."""


def _case(world) -> dict:
    return {"pk": world.case_b.pk}


def _appointment(world) -> dict:
    return {"pk": world.rota_appointment_b.pk}


ROUTES = {
    # The catalogue is the same for every reader (公开承诺制): only who may read it matters.
    "api:service-item-list": ("self", None, False),
    "api:service-item-detail": ("self", lambda w: {"code": "preferential-card"}, False),
    # Lists scoped to the caller's jurisdiction: village B's case (of 乙某某), booking and
    # rating show one level up, never at village A.
    "api:case-list": ("list", None, True),
    "api:appointment-list": ("list", None, True),
    "api:evaluation-list": ("list", None, True),
    # Slots of one station, by default the caller's own.
    "api:appointment-slot-list": ("list", None, False),
    # Village B's case and what is done on it: 404 for every method.
    "api:case-detail": ("object", _case, False),
    "api:case-move": ("object", _case, False),
    "api:case-accept": ("object", _case, False),
    "api:case-complete": ("object", _case, False),
    "api:case-refuse": ("object", _case, False),
    "api:case-withdraw": ("object", _case, False),
    "api:case-materials": ("object", _case, False),
    "api:case-extensions": ("object", _case, False),
    "api:case-extension-decide": (
        "object",
        lambda w: {"pk": w.case_b.pk, "extension": w.extension_b.pk},
        False,
    ),
    "api:case-doorstep": ("object", _case, False),
    "api:case-handovers": ("object", _case, False),
    # Village B's booking and rating.
    "api:appointment-detail": ("object", _appointment, False),
    "api:appointment-cancel": ("object", _appointment, False),
    "api:appointment-reschedule": ("object", _appointment, False),
    "api:appointment-mark": ("object", _appointment, False),
    "api:evaluation-detail": ("object", lambda w: {"pk": w.rota_evaluation_b.pk}, False),
    "api:evaluation-loop-advance": ("object", lambda w: {"pk": w.rota_evaluation_b.pk}, False),
}
