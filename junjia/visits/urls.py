"""Staff pages of visits under /visits/."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import roles, views

app_name = "visits"

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_new, name="rule_new"),
    path("rules/<slug:code>/", views.rule_detail, name="rule_detail"),
    path("rules/<slug:code>/edit/", views.rule_edit, name="rule_edit"),
    path("rules/<slug:code>/retire/", views.rule_retire, name="rule_retire"),
]

register(NavItem("走访慰问", "走访慰问规则", "visits:rule_list", roles.VIEW, order=60))
