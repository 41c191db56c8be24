"""Staffing pages. They keep the addresses and names they had as pages of cases (/cases/rota/,
cases:rota …), which bookmarks, notifications and tests use: junjia/urls.py mounts these
patterns in the cases namespace."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import views
from .roles import LEAVE, VIEW

urlpatterns = [
    path("rota/", views.rota, name="rota"),
    path("rota/windows/new/", views.window_create, name="window_create"),
    path("rota/windows/<int:pk>/", views.window_edit, name="window_edit"),
    path("leave/", views.leave, name="leave"),
    path("lunch/", views.lunch, name="lunch"),
]

register(
    NavItem("政务服务", "窗口与AB角", "cases:rota", VIEW, order=50),
    NavItem("政务服务", "请假", "cases:leave", LEAVE, order=51),
    NavItem("政务服务", "午间值班", "cases:lunch", VIEW, order=52),
)
