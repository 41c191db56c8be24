"""Staff pages of visits under /visits/."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import (
    campaign_views,
    comfort_views,
    coverage_views,
    event_views,
    offline_views,
    roles,
    route_views,
    views,
    visit_views,
)

app_name = "visits"

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<slug:code>/", views.rule_detail, name="rule_detail"),
    path("rules/<slug:code>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<slug:code>/retire/", views.rule_retire, name="rule_retire"),
    path("campaigns/", campaign_views.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:pk>/regenerate/",
        campaign_views.campaign_regenerate,
        name="campaign_regenerate",
    ),
    path("campaigns/<int:pk>/status/", campaign_views.campaign_move, name="campaign_move"),
    path(
        "campaigns/<int:pk>/members/<int:member>/reassign/",
        campaign_views.member_reassign,
        name="member_reassign",
    ),
    path(
        "campaigns/<int:pk>/members/assign/",
        campaign_views.member_assign,
        name="member_assign",
    ),
    path("route/", route_views.my_route, name="route"),
    path("route/print/", route_views.route_print, name="route_print"),
    path(
        "campaigns/<int:pk>/members/<int:member>/visit/",
        visit_views.visit_new_member,
        name="visit_new_member",
    ),
    path("people/<int:recipient>/", visit_views.person_visits, name="person_visits"),
    path("people/<int:recipient>/visit/", visit_views.visit_new, name="visit_new"),
    path("records/<int:pk>/", visit_views.visit_detail, name="visit_detail"),
    path("records/<int:pk>/case/", visit_views.visit_case_new, name="visit_case_new"),
    path("records/<int:pk>/photos/<int:photo>/", visit_views.visit_photo, name="visit_photo"),
    path(
        "records/<int:pk>/signature/<slug:which>/",
        visit_views.visit_signature,
        name="visit_signature",
    ),
    path("sw.js", offline_views.service_worker, name="service_worker"),
    path("offline/", offline_views.offline, name="offline"),
    path("ledger/", visit_views.ledger, name="ledger"),
    path("comfort/", comfort_views.comfort_ledger, name="comfort_ledger"),
    path("comfort/print/", comfort_views.comfort_print, name="comfort_print"),
    path("budget-lines/", comfort_views.budget_lines, name="budget_lines"),
    path("budget-lines/new/", comfort_views.budget_line_new, name="budget_line_new"),
    path(
        "budget-lines/<int:pk>/retire/",
        comfort_views.budget_line_retire,
        name="budget_line_retire",
    ),
    path("events/", event_views.event_list, name="event_list"),
    path("people/<int:recipient>/events/new/", event_views.event_new, name="event_new"),
    path("people/<int:recipient>/contact/", coverage_views.contact_set, name="contact_set"),
    path("coverage/", coverage_views.coverage_index, name="coverage_index"),
    path("coverage/contact/", coverage_views.contact_coverage, name="contact_coverage"),
    path("coverage/<int:pk>/", coverage_views.campaign_coverage, name="campaign_coverage"),
]

register(NavItem("走访慰问", "我的走访", "visits:route", roles.RECORD, order=55))
register(NavItem("走访慰问", "走访计划", "visits:campaign_list", roles.VIEW, order=59))
register(NavItem("走访慰问", "走访台账", "visits:ledger", roles.VIEW, order=58))
register(NavItem("走访慰问", "手机上的走访", "visits:offline", roles.RECORD, order=56))
register(NavItem("走访慰问", "覆盖情况", "visits:coverage_index", roles.VIEW, order=61))
register(NavItem("走访慰问", "走访慰问规则", "visits:rule_list", roles.VIEW, order=60))
register(NavItem("走访慰问", "走访事件", "visits:event_list", roles.VIEW, order=57))
register(NavItem("走访慰问", "慰问金台账", "visits:comfort_ledger", roles.VIEW, order=58))
