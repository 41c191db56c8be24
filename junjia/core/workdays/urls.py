"""Pages of the working-day calendar, included at /calendar/."""

from django.urls import path

from junjia.core.navigation import NavItem, register

from . import views

app_name = "workdays"

urlpatterns = [
    path("", views.year_list, name="year_list"),
    path("new/", views.year_create, name="year_create"),
    path("<int:year>/", views.year_detail, name="year_detail"),
    path("<int:year>/edit/", views.year_edit, name="year_edit"),
]

register(
    NavItem(
        group="系统管理",
        label="工作日历",
        url_name="workdays:year_list",
        capability="calendar.manage",
        order=80,
    )
)
