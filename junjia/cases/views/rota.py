"""Staff pages around the counter (000 §7, §9): appointments, callbacks, the bad-review loop
with paper ratings, and satisfaction analysis. Windows and AB roles, leave and lunch duty are
staffing's pages (junjia/staffing/urls.py), in the same namespace."""

from django.urls import path

from junjia.cases import roles
from junjia.core.navigation import NavItem, register

from . import rota_analysis, rota_appointments, rota_followup

urlpatterns = [
    path("appointments/", rota_appointments.appointments, name="appointments"),
    path("appointments/slots/", rota_appointments.slots, name="slots"),
    path("appointments/book/", rota_appointments.appointment_book, name="appointment_book"),
    path(
        "appointments/<int:pk>/mark/",
        rota_appointments.appointment_mark,
        name="appointment_mark",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        rota_appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        rota_appointments.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path("callbacks/", rota_followup.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/", rota_followup.callback_record, name="callback_record"),
    path(
        "callbacks/<int:pk>/phone/",
        rota_followup.callback_reveal_phone,
        name="callback_reveal_phone",
    ),
    path("loops/", rota_followup.loops, name="loops"),
    path("loops/<int:pk>/", rota_followup.loop_detail, name="loop_detail"),
    path("loops/<int:pk>/advance/", rota_followup.loop_advance, name="loop_advance"),
    path("evaluations/paper/", rota_followup.evaluation_paper, name="evaluation_paper"),
    path("analysis/", rota_analysis.analysis, name="analysis"),
    path("analysis/cases/", rota_analysis.analysis_cases, name="analysis_cases"),
]

register(
    NavItem("政务服务", "预约管理", "cases:appointments", roles.APPOINTMENTS, order=53),
    NavItem("政务服务", "回访台账", "cases:callbacks", roles.CALLBACK, order=54),
    NavItem("政务服务", "差评整改", "cases:loops", roles.VIEW, order=55),
    NavItem("政务服务", "满意度分析", "cases:analysis", roles.ANALYSIS, order=56),
)
