"""REST API of cases under /api/v1/: the service catalogue (catalogue.py), cases
(cases.py) and what is done on them (case_actions.py), appointments (appointments.py) and
evaluations with their closed loop (evaluations.py).

The same services, selectors, scoping, masking and audit as the staff pages: every object is
fetched through the jurisdiction helpers (404 outside), every write is one service call (the
service checks the rule and writes its own audit row), answers carry masked identity numbers
and phones only, and every list or object shown is one audit row. Refusals: 400 under the
field concerned, 403 for who may not, 409 when the object's state forbids it (common.py)."""

from django.urls import path

from . import appointments as appt
from . import case_actions as act
from . import cases, catalogue, evaluations


def _case(suffix: str, view, name: str):
    return path(f"cases/<int:pk>/{suffix}", view.as_view(), name=name)


def _appointment(suffix: str, view, name: str):
    return path(f"appointments/<int:pk>/{suffix}", view.as_view(), name=name)


urlpatterns = [
    path("service-items/", catalogue.ServiceItemList.as_view(), name="service-item-list"),
    path(
        "service-items/<slug:code>/",
        catalogue.ServiceItemDetail.as_view(),
        name="service-item-detail",
    ),
    path("cases/", cases.CaseListCreate.as_view(), name="case-list"),
    _case("", cases.CaseDetail, "case-detail"),
    _case("move/", act.CaseMove, "case-move"),
    _case("accept/", act.CaseAccept, "case-accept"),
    _case("complete/", act.CaseComplete, "case-complete"),
    _case("refuse/", act.CaseRefuse, "case-refuse"),
    _case("withdraw/", act.CaseWithdraw, "case-withdraw"),
    _case("materials/", act.CaseRecheck, "case-materials"),
    _case("extensions/", act.CaseExtensionRequest, "case-extensions"),
    _case(
        "extensions/<int:extension>/decide/",
        act.CaseExtensionDecide,
        "case-extension-decide",
    ),
    _case("doorstep/", act.CaseDoorstep, "case-doorstep"),
    _case("handovers/", act.CaseHandover, "case-handovers"),
    path("appointments/", appt.AppointmentListCreate.as_view(), name="appointment-list"),
    path("appointments/slots/", appt.SlotList.as_view(), name="appointment-slot-list"),
    _appointment("", appt.AppointmentDetail, "appointment-detail"),
    _appointment("cancel/", appt.AppointmentCancel, "appointment-cancel"),
    _appointment("reschedule/", appt.AppointmentReschedule, "appointment-reschedule"),
    _appointment("mark/", appt.AppointmentMark, "appointment-mark"),
    path("evaluations/", evaluations.EvaluationListCreate.as_view(), name="evaluation-list"),
    path(
        "evaluations/<int:pk>/",
        evaluations.EvaluationDetail.as_view(),
        name="evaluation-detail",
    ),
    path(
        "evaluations/<int:pk>/loop/",
        evaluations.EvaluationLoopAdvance.as_view(),
        name="evaluation-loop-advance",
    ),
]
