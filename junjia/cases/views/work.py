"""Staff pages for handling cases (000 §7): my work and the head's supervision, opening a case
with its materials check, the case page with its actions, the one-time notice and receipts,
the service catalogue, and notifications."""

from django.urls import path
from django.views.generic import RedirectView

from junjia.cases import roles
from junjia.core.navigation import NavItem, register

from . import work_case, work_catalogue, work_list, work_notifications, work_open

urlpatterns = [
    # The notifications of the cases core link to /cases/ for the work list.
    path("", RedirectView.as_view(pattern_name="cases:work", permanent=False)),
    path("work/", work_list.work, name="work"),
    path("supervise/", work_list.supervise, name="supervise"),
    path("open/", work_open.case_open, name="case_open"),
    path("open/recipients/", work_open.recipient_search, name="recipient_search"),
    path("<int:pk>/", work_case.case_detail, name="case_detail"),
    path("<int:pk>/move/", work_case.case_move, name="case_move"),
    path("<int:pk>/materials/", work_case.case_recheck, name="case_recheck"),
    path("<int:pk>/notice/", work_case.case_notice, name="case_notice"),
    path("<int:pk>/receipt/", work_case.case_receipt, name="case_receipt"),
    path("<int:pk>/extension/", work_case.extension_request, name="extension_request"),
    path("<int:pk>/doorstep/", work_case.doorstep_record, name="doorstep_record"),
    path("<int:pk>/handover/", work_case.handover_record, name="handover_record"),
    path(
        "<int:pk>/handover/<int:handover_pk>/",
        work_case.handover_receipt,
        name="handover_receipt",
    ),
    path("extensions/<int:pk>/decide/", work_case.extension_decide, name="extension_decide"),
    path("catalogue/", work_catalogue.catalogue, name="catalogue"),
    path("catalogue/new/", work_catalogue.item_new, name="catalogue_new"),
    path("catalogue/<slug:code>/", work_catalogue.item_detail, name="catalogue_detail"),
    path(
        "catalogue/<slug:code>/versions/",
        work_catalogue.item_versions,
        name="catalogue_versions",
    ),
    path(
        "catalogue/<slug:code>/versions/<int:number>/",
        work_catalogue.item_version,
        name="catalogue_version",
    ),
    path("catalogue/<slug:code>/publish/", work_catalogue.item_publish, name="catalogue_publish"),
    path("notifications/", work_notifications.notifications, name="notifications"),
    path("notifications/bell/", work_notifications.bell, name="notifications_bell"),
    path(
        "notifications/<int:pk>/open/",
        work_notifications.notification_open,
        name="notification_open",
    ),
]

register(
    NavItem("政务服务", "我的办件", "cases:work", roles.HANDLE, order=40),
    NavItem("政务服务", "接件", "cases:case_open", roles.HANDLE, order=41),
    NavItem("政务服务", "办件督办", "cases:supervise", roles.SUPERVISE, order=42),
    NavItem("政务服务", "服务事项", "cases:catalogue", roles.VIEW, order=45),
    NavItem("政务服务", "通知", "cases:notifications", None, order=59),
    # System administrators publish the catalogue but hold no case capability.
    NavItem("系统管理", "服务事项维护", "cases:catalogue", roles.CATALOGUE, order=95),
)
