"""Staff pages of assessment under /assessment/."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import roles, views

app_name = "assessment"

urlpatterns = [
    path("sheets/", views.sheet_list, name="sheet_list"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet_detail"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/statistics/", views.statistics, name="statistics"),
    path("stations/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("stations/<int:pk>/score/", views.assessment_score, name="assessment_score"),
    path("stations/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("stations/<int:pk>/check/", views.assessment_check, name="assessment_check"),
    path("stations/<int:pk>/compare/", views.assessment_compare, name="assessment_compare"),
]

register(NavItem("考核评估", "季度考核", "assessment:round_list", roles.VIEW, order=70))
register(NavItem("考核评估", "评分表", "assessment:sheet_list", roles.VIEW, order=71))
