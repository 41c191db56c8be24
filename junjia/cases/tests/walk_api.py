"""Permission-walk classification of the cases REST routes (junjia/cases/rest/): (kind,
kwargs pointing at village B's objects, whether a township-level user sees village B in the
list). Village B's case, extension, appointment and evaluation come from walk_work.py and
walk_rota.py."""

from junjia.cases.tests.walk_rota import loop_record, rebook, slot_today
from junjia.cases.tests.walk_work import doorstep, received


def _case(world) -> dict:
    return {"pk": world.case_b.pk}


def _clerk_b(world):
    """Village B's clerk, the case's first handler (首办负责)."""
    return world.staff_b


def _act(body, prepare=None) -> dict:
    """A write on village B's case by its first handler."""
    return {"body": body, "actor": _clerk_b, "prepare": prepare}


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
    "api:case-move": (
        "object",
        _case,
        False,
        _act(lambda w: {"to": "in_progress", "remark": "开始办理"}),
    ),
    "api:case-accept": ("object", _case, False, _act(lambda w: {}, received)),
    "api:case-complete": ("object", _case, False, _act(lambda w: {"result": "已制发优待证"})),
    "api:case-refuse": (
        "object",
        _case,
        False,
        _act(lambda w: {"reason": "不符合申领条件"}, received),
    ),
    "api:case-withdraw": ("object", _case, False, _act(lambda w: {"remark": "申请人撤回"})),
    "api:case-materials": (
        "object",
        _case,
        False,
        _act(lambda w: {"received": {"居民身份证": {"state": "ok", "note": ""}}}, received),
    ),
    "api:case-extensions": (
        "object",
        _case,
        False,
        _act(lambda w: {"days": 5, "reason": "等待县级复核"}),
    ),
    # the station head decides (village B's b_all holds 站长)
    "api:case-extension-decide": (
        "object",
        lambda w: {"pk": w.case_b.pk, "extension": w.extension_b.pk},
        False,
        lambda w: {"approve": True},
    ),
    "api:case-doorstep": (
        "object",
        _case,
        False,
        _act(lambda w: {"outcome": "当场办结"}, doorstep),
    ),
    "api:case-handovers": (
        "object",
        _case,
        False,
        _act(
            lambda w: {"direction": "out", "items": ["居民身份证复印件"], "counterpart": "乙委托人"}
        ),
    ),
    # Village B's booking and rating.
    "api:appointment-detail": ("object", _appointment, False),
    "api:appointment-cancel": ("object", _appointment, False, lambda w: {}),
    "api:appointment-reschedule": ("object", _appointment, False, rebook),
    "api:appointment-mark": (
        "object",
        _appointment,
        False,
        {"body": lambda w: {"status": "arrived"}, "prepare": slot_today},
    ),
    "api:evaluation-detail": ("object", lambda w: {"pk": w.rota_evaluation_b.pk}, False),
    "api:evaluation-loop-advance": (
        "object",
        lambda w: {"pk": w.rota_evaluation_b.pk},
        False,
        {"body": loop_record, "actor": _clerk_b},
    ),
}
